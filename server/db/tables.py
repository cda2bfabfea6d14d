"""Piccolo tables: the schema of DESIGN §3 and nothing else (queries live in `server.domain`).

Stock, sale and transfer reference `product.sku` with ON DELETE/UPDATE CASCADE in the database, so
deleting a product or renaming its SKU carries every dependent row with it.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.constraints import Check, Unique
from piccolo.table import Table


class Warehouse(Table):
    """A place that holds stock, known by a short code such as `A`."""

    code = Varchar(length=16, unique=True, null=False)
    name = Varchar(length=100, null=False)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Product(Table):
    """A catalogue item, identified by its SKU."""

    sku = Varchar(length=64, unique=True, null=False)
    name = Varchar(length=255, null=False)
    ean = Varchar(length=13, null=True, default=None)
    image = Varchar(length=255, null=True, default=None)
    description = Text(default="")
    attributes = JSONB(default={})
    is_sync_enabled = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Stock(Table):
    """Units of one product in one warehouse; `reserved` units are held back from sale."""

    product = ForeignKey(
        Product,
        target_column="sku",
        null=False,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
    )
    warehouse = ForeignKey(Warehouse, null=False, on_delete=OnDelete.restrict)
    quantity = Integer(default=0)
    reserved = Integer(default=0)
    updated_at = Timestamptz()

    stock_quantity_non_negative = Check(quantity >= 0)
    stock_reserved_non_negative = Check(reserved >= 0)
    stock_product_warehouse_unique = Unique([product, warehouse])


class Sale(Table):
    """Units sold from a warehouse; the idempotency key makes a repeated sale a no-op."""

    product = ForeignKey(
        Product,
        target_column="sku",
        null=False,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
    )
    warehouse = ForeignKey(Warehouse, null=False, on_delete=OnDelete.restrict)
    quantity = Integer()
    source = Varchar(length=16, default="manual")
    idempotency_key = Varchar(length=200, null=True, default=None, unique=True)
    user_email = Varchar(length=254, default="")
    created_at = Timestamptz()

    sale_quantity_positive = Check(quantity > 0)


class Transfer(Table):
    """Units moved from one warehouse to another."""

    product = ForeignKey(
        Product,
        target_column="sku",
        null=False,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
    )
    from_warehouse = ForeignKey(Warehouse, null=False, on_delete=OnDelete.restrict)
    to_warehouse = ForeignKey(Warehouse, null=False, on_delete=OnDelete.restrict)
    quantity = Integer()
    user_email = Varchar(length=254, default="")
    created_at = Timestamptz()

    transfer_quantity_positive = Check(quantity > 0)
    transfer_distinct_warehouses = Check(from_warehouse != to_warehouse)


class Operation(Table):
    """The audit log: one row per change, per warehouse for stock changes.

    The SKU and warehouse code are copied as text so history outlives a deleted product.
    For every (sku, warehouse) the sum of `quantity_delta` equals the stock quantity.
    """

    type = Varchar(length=32, null=False, index=True)
    sku = Varchar(length=64, null=False, index=True)
    product_id = Integer(null=True, default=None, index=True)
    warehouse_code = Varchar(length=16, null=True, default=None)
    quantity_delta = Integer(default=0)
    quantity_after = Integer(null=True, default=None)
    reason = Text(default="")
    old_values = JSONB(null=True, default=None)
    new_values = JSONB(null=True, default=None)
    related_id = Integer(null=True, default=None)
    source = Varchar(length=16, default="manual")
    user_email = Varchar(length=254, default="")
    reverts_operation_id = Integer(null=True, default=None)
    created_at = Timestamptz()


class AppUser(Table, tablename="app_user"):
    """A person who can log in: an admin changes things, a viewer only looks."""

    email = Varchar(length=254, unique=True, null=False)
    password_hash = Varchar(length=255, null=False)
    role = Varchar(length=16, default="viewer")
    active = Boolean(default=True)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)

    app_user_role_known = Check("role IN ('admin', 'viewer')")


class UserSession(Table, tablename="user_session"):
    """A server-side login session; the cookie holds a token whose SHA-256 is stored here."""

    token_hash = Varchar(length=64, unique=True, null=False)
    user = ForeignKey(AppUser, null=False, on_delete=OnDelete.cascade)
    csrf_token = Varchar(length=64, null=False)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class ApiToken(Table, tablename="api_token"):
    """A revocable Bearer token for the JSON API; only its SHA-256 is stored."""

    token_hash = Varchar(length=64, unique=True, null=False)
    prefix = Varchar(length=12, null=False)
    user = ForeignKey(AppUser, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=100, default="")
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class MarketplaceAccount(Table, tablename="marketplace_account"):
    """A connected Wix site or Allegro seller account.

    `credentials` is an envelope `{"scheme", "token"}` whose token is the credentials encrypted
    with a key derived from SECRET_KEY (`server.domain.crypto`); the plaintext is never stored.
    """

    marketplace = Varchar(length=16, null=False)
    name = Varchar(length=100, null=False)
    credentials = JSONB(null=False, default={})
    active = Boolean(default=True)
    safety_buffer = Integer(default=0)
    restock_on_cancel = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    credentials_updated_at = Timestamptz()

    marketplace_account_marketplace_known = Check("marketplace IN ('wix', 'allegro')")
    marketplace_account_safety_buffer_non_negative = Check(safety_buffer >= 0)
    marketplace_account_name_unique = Unique([marketplace, name])


class AccountWarehouse(Table, tablename="account_warehouse"):
    """A warehouse whose stock feeds an account; orders draw from the lowest `position` first."""

    account = ForeignKey(MarketplaceAccount, null=False, on_delete=OnDelete.cascade)
    warehouse = ForeignKey(Warehouse, null=False, on_delete=OnDelete.restrict)
    position = Integer(default=0)

    account_warehouse_unique = Unique([account, warehouse])


class Listing(Table):
    """The link of a product to one marketplace item of one account.

    Wix items are (product id, variant id), with the inventory item id kept for the inventory
    API; Allegro items are offer ids. Each item of an account maps to at most one product (unique
    keys below); the product is referenced by SKU with the same cascades as stock.
    """

    account = ForeignKey(MarketplaceAccount, null=False, on_delete=OnDelete.cascade)
    product = ForeignKey(
        Product,
        target_column="sku",
        null=False,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        index=True,
    )
    wix_product_id = Varchar(length=100, null=True, default=None)
    wix_variant_id = Varchar(length=100, null=True, default=None)
    wix_inventory_item_id = Varchar(length=100, null=True, default=None)
    allegro_offer_id = Varchar(length=20, null=True, default=None)
    active = Boolean(default=True)
    last_pushed_quantity = Integer(null=True, default=None)
    last_seen_quantity = Integer(null=True, default=None)
    last_sync_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    listing_wix_item_unique = Unique([account, wix_product_id, wix_variant_id])
    listing_allegro_offer_unique = Unique([account, allegro_offer_id])
    listing_one_marketplace_item = Check(
        "(allegro_offer_id IS NOT NULL AND wix_product_id IS NULL AND wix_variant_id IS NULL "
        "AND wix_inventory_item_id IS NULL) OR (allegro_offer_id IS NULL "
        "AND wix_product_id IS NOT NULL AND wix_variant_id IS NOT NULL)"
    )
    listing_last_pushed_non_negative = Check(
        "last_pushed_quantity IS NULL OR last_pushed_quantity >= 0"
    )


class SyncRun(Table, tablename="sync_run"):
    """One run of the sync hierarchy (DESIGN §5): what started it, its scope and its counters.

    `planned`, `pushed`, `skipped` and `failed` follow the run's `sync_item` outcomes; `requests`
    counts the marketplace calls the run made. Composite and partial indexes live in the migration.
    """

    trigger = Varchar(length=16, null=False)
    scope = Varchar(length=16, null=False, default="all")
    scope_account = ForeignKey(
        MarketplaceAccount, null=True, default=None, on_delete=OnDelete.set_null
    )
    scope_sku = Varchar(length=64, null=True, default=None)
    dry_run = Boolean(default=False)
    status = Varchar(length=16, null=False, default="PENDING")
    planned = Integer(default=0)
    pushed = Integer(default=0)
    skipped = Integer(default=0)
    failed = Integer(default=0)
    requests = Integer(default=0)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    arq_job_id = Varchar(length=200, null=True, default=None)
    error = Text(null=True, default=None)

    sync_run_trigger_known = Check("trigger IN ('cron', 'api', 'bot', 'event', 'dashboard')")
    sync_run_scope_known = Check("scope IN ('all', 'account', 'sku', 'skus')")
    sync_run_scope_sku_given = Check("scope <> 'sku' OR scope_sku IS NOT NULL")
    sync_run_status_known = Check("status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')")
    sync_run_counters_non_negative = Check(
        "planned >= 0 AND pushed >= 0 AND skipped >= 0 AND failed >= 0 AND requests >= 0"
    )


class SyncItem(Table, tablename="sync_item"):
    """One listing's outcome in a run; the SKU is copied as text so history outlives the product.

    A listing appears at most once per run (a re-queued SKU updates its item, never adds one).
    """

    run = ForeignKey(SyncRun, null=False, on_delete=OnDelete.cascade)
    listing = ForeignKey(Listing, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    account = ForeignKey(MarketplaceAccount, null=False, on_delete=OnDelete.cascade, index=True)
    sku = Varchar(length=64, null=False)
    local_quantity = Integer(null=False)
    marketplace_quantity_before = Integer(null=True, default=None)
    new_quantity = Integer(null=False)
    status = Varchar(length=16, null=False, default="PENDING")
    error = Text(null=True, default=None)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)

    sync_item_run_listing_unique = Unique([run, listing])
    sync_item_status_known = Check("status IN ('PENDING', 'COMPLETED', 'SKIPPED', 'FAILED')")
    sync_item_quantities_non_negative = Check("local_quantity >= 0 AND new_quantity >= 0")


class ProductSyncLock(Table, tablename="product_sync_lock"):
    """The durable record of a SKU's sync lock; the live lock is a Redis key with a TTL."""

    sku = ForeignKey(
        Product,
        target_column="sku",
        null=False,
        unique=True,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
    )
    owner = Varchar(length=200, null=False)
    status = Varchar(length=16, null=False, default="in_progress")
    locked_at = Timestamptz()
    expires_at = Timestamptz()
    last_error = Text(null=True, default=None)

    product_sync_lock_status_known = Check("status IN ('in_progress', 'success', 'error')")


class OrderImport(Table, tablename="order_import"):
    """One marketplace order (Allegro checkout form, Wix order) as StockBridge imported it.

    `status` is the marketplace's own status as last read; `state` is what import made of it:
    OPEN (not yet deductible), DONE (every line deducted or skipped), CONFLICT (a line needs a
    person), CANCELLED, MERGED (the form vanished: Allegro merged it into a new one, contract
    §7), QUARANTINED (failed `failures` times; alerted, retried only on request).
    """

    account = ForeignKey(MarketplaceAccount, null=False, on_delete=OnDelete.cascade)
    external_id = Varchar(length=100, null=False)
    status = Varchar(length=32, null=False, default="")
    state = Varchar(length=16, null=False, default="OPEN")
    revision = Varchar(length=100, null=True, default=None)
    buyer = Varchar(length=254, default="")
    marketplace_updated_at = Timestamptz(null=True, default=None)
    failures = Integer(default=0)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    order_import_account_external_unique = Unique([account, external_id])
    order_import_state_known = Check(
        "state IN ('OPEN', 'DONE', 'CONFLICT', 'CANCELLED', 'MERGED', 'QUARANTINED')"
    )


class OrderLine(Table, tablename="order_line"):
    """One line of an imported order; (order, external line id) is unique, so a line is deducted
    at most once however often its order is read.

    NEW (known, not deductible yet), DEDUCTED (stock taken: `sale`, `warehouse`), RESTOCKED
    (given back after a cancellation), CANCELLED (cancelled before it was deducted), SKIPPED
    (stock not ours, e.g. fulfilled by the marketplace), CONFLICT (matches no product or more
    than one, or no source warehouse has the units: `conflict_reason`).
    """

    order = ForeignKey(OrderImport, null=False, on_delete=OnDelete.cascade, index=True)
    external_line_id = Varchar(length=100, null=False)
    offer_id = Varchar(length=100, null=True, default=None)
    wix_product_id = Varchar(length=100, null=True, default=None)
    wix_variant_id = Varchar(length=100, null=True, default=None)
    external_sku = Varchar(length=100, null=True, default=None)
    name = Varchar(length=255, default="")
    quantity = Integer(null=False)
    sku = Varchar(length=64, null=True, default=None, index=True)
    warehouse = ForeignKey(Warehouse, null=True, default=None, on_delete=OnDelete.restrict)
    status = Varchar(length=16, null=False, default="NEW")
    conflict_reason = Text(null=True, default=None)
    sale_id = Integer(null=True, default=None)
    deduct_operation_id = Integer(null=True, default=None)
    restock_operation_id = Integer(null=True, default=None)
    resolved_by = Varchar(length=254, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    order_line_order_external_unique = Unique([order, external_line_id])
    order_line_quantity_positive = Check("quantity > 0")
    order_line_status_known = Check(
        "status IN ('NEW', 'DEDUCTED', 'RESTOCKED', 'CANCELLED', 'SKIPPED', 'CONFLICT')"
    )


class OrderCursor(Table, tablename="order_cursor"):
    """Where an account's order import resumes: Allegro's last processed event id, and the
    `updatedAt` watermark of the safety-net (Allegro) or search (Wix) pass. `started_at` is when
    import began for the account: orders bought before it and never seen are history."""

    account = ForeignKey(MarketplaceAccount, null=False, unique=True, on_delete=OnDelete.cascade)
    event_id = Varchar(length=256, null=True, default=None)
    watermark = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


ALL_TABLES: list[type[Table]] = [
    Warehouse,
    Product,
    Stock,
    Sale,
    Transfer,
    Operation,
    AppUser,
    UserSession,
    ApiToken,
    MarketplaceAccount,
    AccountWarehouse,
    Listing,
    SyncRun,
    SyncItem,
    ProductSyncLock,
    OrderImport,
    OrderLine,
    OrderCursor,
]
