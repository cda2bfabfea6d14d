"""An operation is reverted at most once: a unique index on `operation.reverts_operation_id`.

Rollback (issue 6) checks for an earlier ROLLBACK row under a row lock; the index makes a second
one impossible even if two reverts race. Rows that revert nothing (NULL) are not indexed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "operation.reverts_operation_id unique (an operation is reverted once)"


class RawTable(Table):
    """A handle to run raw SQL; this migration imports no application table."""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="stockbridge", description=DESCRIPTION
    )

    async def create_index():
        await RawTable.raw(
            "CREATE UNIQUE INDEX operation_reverts_once ON operation (reverts_operation_id) "
            "WHERE reverts_operation_id IS NOT NULL"
        )

    async def drop_index():
        await RawTable.raw("DROP INDEX IF EXISTS operation_reverts_once")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
