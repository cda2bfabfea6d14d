"""Indexes Piccolo tables cannot declare: composite and partial ones for the sync engine.

- `listing (account, product)`: an account's listings in SKU order for `sellable_for_account`
  (100,000 listings in ~0.4 s, and a stable plan; without it PostgreSQL may walk every account's
  listings through `listing_product`).
- `sync_item (run, status, id)`: a run's items by status, in order (run pages, progress counts).
- `sync_item (id) WHERE status = 'FAILED'`: the newest failures across runs.
- unique `sync_run (arq_job_id) WHERE status IN ('PENDING', 'RUNNING')`: an arq job that runs
  again reopens its open run instead of starting a second one (`create_run` relies on it).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T06:08:38:836568"
VERSION = "1.38.0"
DESCRIPTION = "Composite and partial indexes for sellable, sync_run and sync_item"

INDEXES = {
    "listing_account_product": "CREATE INDEX listing_account_product "
    "ON listing (account, product)",
    "sync_item_run_status_id": "CREATE INDEX sync_item_run_status_id "
    "ON sync_item (run, status, id)",
    "sync_item_failed_id": "CREATE INDEX sync_item_failed_id ON sync_item (id) "
    "WHERE status = 'FAILED'",
    "sync_run_open_job_unique": "CREATE UNIQUE INDEX sync_run_open_job_unique "
    "ON sync_run (arq_job_id) WHERE status IN ('PENDING', 'RUNNING')",
}


class RawTable(Table):
    """A handle to run raw SQL; this migration imports no application table."""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="stockbridge", description=DESCRIPTION
    )

    async def create_indexes():
        for ddl in INDEXES.values():
            await RawTable.raw(ddl)

    async def drop_indexes():
        for name in reversed(INDEXES):
            await RawTable.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
