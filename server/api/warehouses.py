"""`/api/warehouses`: list and create warehouses."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from server.api.schemas import WarehouseCreate
from server.domain import warehouses
from server.domain.warehouses import WarehouseRecord
from server.web.guards import require_admin, require_user


class WarehouseController(Controller):
    """Places that hold stock."""

    path = "/api/warehouses"
    tags = ["warehouses"]

    @get("/", guards=[require_user], operation_id="listWarehouses")
    async def list_warehouses(self) -> list[WarehouseRecord]:
        """Every warehouse, by code."""
        return await warehouses.list_warehouses()

    @post("/", guards=[require_admin], operation_id="createWarehouse")
    async def create_warehouse(self, data: JSONBody[WarehouseCreate]) -> WarehouseRecord:
        """Create a warehouse (201); 409 if the code exists."""
        return await warehouses.create_warehouse(data.code, data.name)
