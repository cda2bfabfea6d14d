"""`order_cursor.started_at`: when an account's order import started (the journal's latest event
at that moment). The safety net leaves alone forms bought before it that import never saw: they
are history, like the events before the cursor's first position."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Order import: order_cursor.started_at"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stockbridge", description=DESCRIPTION)

    manager.add_column(
        table_class_name="OrderCursor",
        tablename="order_cursor",
        column_name="started_at",
        db_column_name="started_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
