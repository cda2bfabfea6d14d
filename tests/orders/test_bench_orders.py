"""`bench/orders.py` at 200 lines, so the order-import benchmark cannot rot unnoticed.

The script's `measure` runs in the test database (migrated, emptied by `clean_database`): it
builds its own warehouse, products, sandboxes and accounts, places orders with every fault,
imports in rounds and checks the sandboxes' truth against the ledger.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.orders.allegro_env import no_app_listeners

__all__ = ["no_app_listeners"]
BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module() -> ModuleType:
    """`bench/orders.py`, imported with its sibling modules reachable."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_orders", BENCH / "orders.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_200_lines_deduct_exactly_once() -> None:
    figures = await bench_module().measure(lines=200, products=20, time_scale=60.0, seed=5)
    assert (figures["lines"], figures["double_deductions"], figures["missing_deductions"]) == (
        200,
        0,
        0,
    )
    assert figures["invariant_ok"]
    assert figures["cancelled_lines"] > 0 and figures["cancelled_restocked"] > 0
    faults = figures["faults"]
    assert all(faults[kind] > 0 for kind in ("duplicated", "out_of_order", "missing", "cancelled"))
    assert figures["lines_per_min"] > 0 and figures["requests"] > 0
