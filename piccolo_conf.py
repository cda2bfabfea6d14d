"""Piccolo configuration: the engine reads DATABASE_URL from StockBridge's settings."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from server.settings import get_settings

DB = PostgresEngine(config={"dsn": get_settings().database_url})

APP_REGISTRY = AppRegistry(apps=["server.db.piccolo_app"])
