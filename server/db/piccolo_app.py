"""Piccolo app config: the tables of StockBridge and the top-level `piccolo_migrations/` folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.db.tables import ALL_TABLES

MIGRATIONS_FOLDER = Path(__file__).resolve().parents[2] / "piccolo_migrations"

APP_CONFIG = AppConfig(
    app_name="stockbridge",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
