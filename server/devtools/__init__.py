"""Developer tools: find or start PostgreSQL and Redis, migrate, seed and run the demo."""
