"""Every dashboard route handler, in one list for the app factory."""

from __future__ import annotations

from litestar import get
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from server.dashboard.account_views import (
    account_create,
    account_detail,
    account_edit,
    account_list,
    account_status,
)
from server.dashboard.allegro_connect_views import connect_poll, connect_start
from server.dashboard.listing_views import (
    account_automap,
    account_test,
    listing_create,
    listing_delete,
    listing_set_active,
)
from server.dashboard.operation_views import operation_list
from server.dashboard.order_forms import line_resolve, order_import
from server.dashboard.order_views import conflict_list, order_detail, order_list
from server.dashboard.product_edit_views import (
    operation_revert,
    product_edit_page,
    product_edit_submit,
)
from server.dashboard.product_views import (
    product_detail,
    product_list,
    product_sync_now,
    product_sync_switch,
)
from server.dashboard.session_views import login_page, login_submit, logout
from server.dashboard.settings_views import send_test_alert, settings_page
from server.dashboard.stock_forms import adjust_stock, receive_stock, sell_stock, transfer_stock
from server.dashboard.sync_views import (
    drift_page,
    run_detail,
    sync_overview,
    sync_start,
)
from server.dashboard.warehouse_views import warehouse_create, warehouse_list
from server.web.guards import require_user


@get("/", name="dashboard:home", guards=[require_user], include_in_schema=False)
async def home() -> Redirect:
    """The dashboard opens on the product list."""
    return Redirect(path="/products")


def dashboard_routes() -> list[ControllerRouterHandler]:
    """The dashboard's pages and form handlers."""
    return [
        login_page,
        settings_page,
        send_test_alert,
        login_submit,
        logout,
        home,
        product_list,
        product_detail,
        product_edit_page,
        product_edit_submit,
        operation_revert,
        receive_stock,
        sell_stock,
        transfer_stock,
        adjust_stock,
        operation_list,
        warehouse_list,
        warehouse_create,
        account_list,
        account_create,
        account_detail,
        account_edit,
        account_status,
        account_automap,
        account_test,
        listing_create,
        listing_set_active,
        listing_delete,
        connect_start,
        connect_poll,
        product_sync_switch,
        product_sync_now,
        sync_overview,
        sync_start,
        run_detail,
        drift_page,
        order_list,
        order_detail,
        conflict_list,
        order_import,
        line_resolve,
    ]
