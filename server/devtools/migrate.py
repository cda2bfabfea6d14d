"""`make migrate`: run the database migrations forwards against the found or started PostgreSQL.

Run as `python -m server.devtools.migrate`. In production, with DATABASE_URL and the other
settings in place, `piccolo migrations forwards all` does the same.
"""

from __future__ import annotations

import asyncio

from server.devtools.prepare import describe_services, migrate, prepared_environment


def main() -> int:
    """Prepare the environment, migrate, and stop any embedded server started for it."""
    with prepared_environment():
        for line in describe_services():
            print(line)
        asyncio.run(migrate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
