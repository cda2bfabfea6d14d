"""`sync_run.scope` may be `skus`: an event-driven round over several SKUs (issue 4).

The event path pushes the dirty SKUs in rounds of up to `SYNC_BATCH_SIZE`; each round is one run
with trigger `event` and scope `sku` (one SKU, named in `scope_sku`) or `skus` (several, named by
the run's items).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T08:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync_run scope 'skus' for event rounds"


class RawTable(Table):
    """A handle to run raw SQL; this migration imports no application table."""


def _scope_check(scopes: str) -> str:
    return (
        "ALTER TABLE sync_run DROP CONSTRAINT IF EXISTS sync_run_scope_known, "
        f"ADD CONSTRAINT sync_run_scope_known CHECK (scope IN ({scopes}))"
    )


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="stockbridge", description=DESCRIPTION
    )

    async def widen():
        await RawTable.raw(_scope_check("'all', 'account', 'sku', 'skus'"))

    async def narrow():
        await RawTable.raw("UPDATE sync_run SET scope = 'all' WHERE scope = 'skus'")
        await RawTable.raw(_scope_check("'all', 'account', 'sku'"))

    manager.add_raw(widen)
    manager.add_raw_backwards(narrow)
    return manager
