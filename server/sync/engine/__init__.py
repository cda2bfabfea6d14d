"""The sync engine (DESIGN §5): the run hierarchy as plain async functions, free of arq.

`sync_all_accounts` → `sync_account` (one read pass, plan, record, queue batches) → `sync_batch`
(SKU locks, push, record, release); `drain` pushes the event path's dirty SKUs in rounds;
`sync_product` / `sync_listing` push one SKU or listing (the API's scope `sku`, retries). The
worker's jobs are thin wrappers that build `EngineDeps` from their context.
"""

from server.sync.engine.account import sync_account, sync_all_accounts
from server.sync.engine.batch import sync_batch
from server.sync.engine.deps import AllegroClients, EngineDeps, Scheduler, WixClients
from server.sync.engine.events import DRAIN_BUDGET_S, ROUNDS_AT_ONCE, DrainReport, drain
from server.sync.engine.jobs import BatchJob
from server.sync.engine.product import give_up, sku_of_listing, sync_listing, sync_product

__all__ = [
    "DRAIN_BUDGET_S",
    "ROUNDS_AT_ONCE",
    "AllegroClients",
    "BatchJob",
    "DrainReport",
    "EngineDeps",
    "Scheduler",
    "WixClients",
    "drain",
    "give_up",
    "sku_of_listing",
    "sync_account",
    "sync_all_accounts",
    "sync_batch",
    "sync_listing",
    "sync_product",
]
