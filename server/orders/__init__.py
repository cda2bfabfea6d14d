"""Order import from the marketplaces: Wix orders search and webhooks, Allegro order events."""
