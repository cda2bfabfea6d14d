"""The web process: `create_app()` builds the Litestar app (dashboard, API, health, metrics)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from server.api.accounts import AccountController
from server.api.auth import AuthController
from server.api.health import health
from server.api.listings import ListingController
from server.api.media import media_file
from server.api.operations import OperationController
from server.api.orders import OrderController
from server.api.products import ProductController
from server.api.stock import StockController
from server.api.sync import SyncController
from server.api.sync_events import sync_events
from server.api.warehouses import WarehouseController
from server.api.wix_compat import WixCompatController
from server.api.wix_webhooks import wix_order_webhook
from server.dashboard.routes import dashboard_routes
from server.lifespan import open_resources
from server.settings import Settings, get_settings
from server.web.auth import auth_middleware
from server.web.errors import handle_exception
from server.web.guards import before_request
from server.web.openapi_errors import document_error_responses

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "static"
TEMPLATE_DIR = Path(__file__).resolve().parent / "dashboard" / "templates"


class MetricsController(PrometheusController):
    """`/metrics` in Prometheus's text format: for scrapers, not part of the JSON API's schema
    (Litestar would document it as JSON)."""

    include_in_schema = False


def _lifespan(settings: Settings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(app, settings):
            yield

    return lifespan


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="StockBridge",
        version="0.1.0",
        description="Central warehouse stock, pushed to every marketplace.",
        path="/schema",
        components=Components(
            security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
        ),
        security=[{"BearerToken": []}],
    )


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the web app; resources open in the lifespan, never at import."""
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    prometheus = PrometheusConfig(
        app_name="stockbridge", prefix="stockbridge", group_path=True, exclude=["/metrics"]
    )
    app = Litestar(
        route_handlers=[
            health,
            MetricsController,
            AuthController,
            ProductController,
            WarehouseController,
            StockController,
            OperationController,
            AccountController,
            ListingController,
            SyncController,
            OrderController,
            sync_events,
            WixCompatController,
            wix_order_webhook,
            media_file,
            *dashboard_routes(),
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        middleware=[prometheus.middleware, auth_middleware],
        before_request=before_request,
        exception_handlers={Exception: handle_exception},
        lifespan=[_lifespan(settings)],
        openapi_config=_openapi(),
        template_config=TemplateConfig(directory=TEMPLATE_DIR, engine=JinjaTemplateEngine),
        # The root logger is the process's (LOG_LEVEL above, or a host that configured it first):
        # Litestar's default would replace its handlers and force it to INFO.
        logging_config=LoggingConfig(configure_root_logger=False),
        debug=False,
    )
    document_error_responses(app)
    return app
