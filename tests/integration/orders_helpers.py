"""Imported orders for the orders API and page tests, made through the order domain."""

from __future__ import annotations

from arq import ArqRedis
from arq.constants import default_queue_name, job_key_prefix

from server.domain.orders import OrderLineIn, OrderPhase, OrderSnapshot, apply_order
from tests.orders.helpers import allegro_account, stocked_offer, wix_account


def snapshot(
    form_id: str, phase: OrderPhase, offer: str = "111", qty: int = 2, status: str = ""
) -> OrderSnapshot:
    """An Allegro-style order of one line (`{form_id}-l1`, a mug) of `qty` units of `offer`."""
    line = OrderLineIn(external_line_id=f"{form_id}-l1", quantity=qty, offer_id=offer, name="Mug")
    return OrderSnapshot(
        external_id=form_id, phase=phase, status=status or phase.value, lines=(line,)
    )


async def seed_orders() -> dict[str, int]:
    """Five orders over two accounts, newest last: done, conflict (offer 999 is unknown), open
    (status BOUGHT), cancelled (never deducted) on "Seller"; wix-1 on "Shop". SKU-1 had 10 units
    in A; done and wix-1 took 3. Returns account and order ids by name."""
    seller = await allegro_account(("A",))
    shop = await wix_account(("A",))
    await stocked_offer(seller, "SKU-1", "111", {"A": 10})
    ids = {"seller": seller, "shop": shop}
    for form_id, phase, offer, status in (
        ("done", OrderPhase.READY, "111", ""),
        ("conflict", OrderPhase.READY, "999", ""),
        ("open", OrderPhase.PENDING, "111", "BOUGHT"),
        ("cancelled", OrderPhase.CANCELLED, "111", ""),
    ):
        result = await apply_order(seller, snapshot(form_id, phase, offer, status=status))
        ids[form_id] = result.order_id
    wix_line = OrderLineIn(external_line_id="w1", quantity=1, external_sku="SKU-1")
    wix = OrderSnapshot(
        external_id="wix-1", phase=OrderPhase.READY, status="APPROVED", lines=(wix_line,)
    )
    ids["wix"] = (await apply_order(shop, wix)).order_id
    return ids


async def forget_import_jobs(arq: ArqRedis) -> None:
    """Drop queued order-import jobs (their ids repeat: account ids restart at 1 every test)."""
    keys = [key async for key in arq.scan_iter(match=f"{job_key_prefix}import_orders:*")]
    if keys:
        job_ids = [key.decode().removeprefix(job_key_prefix) for key in keys]
        await arq.delete(*keys)
        await arq.zrem(default_queue_name, *job_ids)
