"""Piccolo configuration: the engine reads DATABASE_URL from StockBridge's settings."""

from piccolo.conf.apps import AppRegistry

from server.db.engine import StockBridgeEngine
from server.settings import get_settings

DB = StockBridgeEngine(config={"dsn": get_settings().database_url})

APP_REGISTRY = AppRegistry(apps=["server.db.piccolo_app"])
