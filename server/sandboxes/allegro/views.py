"""How the sandbox's records look on the wire: Allegro's field names and shapes.

Shapes follow the OpenAPI schemas `OfferListingDto`, `SaleProductOfferResponseV1`,
`SaleProductOfferStatusResponse`, `GeneralReport`, `TaskReport`, `OrderEvent`, `CheckoutForm`
and `MeResponse` (contract §5 to §7), with the fields a sync needs filled in and the rest present
with neutral values, so clients that ignore unknown fields are exercised.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Any

from server.sandboxes.allegro.models import (
    Command,
    LineItem,
    Offer,
    Operation,
    Order,
    OrderEvent,
    Seller,
    iso,
)

MARKETPLACES = {"base": {"id": "allegro-pl"}, "additional": []}


def money(amount: str) -> dict[str, str]:
    """Allegro money: amount as a string."""
    return {"amount": amount, "currency": "PLN"}


def me(seller: Seller) -> dict[str, Any]:
    """`MeResponse`."""
    return {
        "id": seller.id,
        "login": seller.login,
        "firstName": seller.first_name,
        "lastName": seller.last_name,
        "email": seller.email,
        "baseMarketplace": {"id": "allegro-pl"},
        "company": {"name": None, "taxId": None},
        "features": [],
    }


def _external(offer: Offer) -> dict[str, str] | None:
    return None if offer.external_id is None else {"id": offer.external_id}


def offer_listing(offer: Offer) -> dict[str, Any]:
    """One element of `GET /sale/offers` (`OfferListingDto`); `external` is null when unset."""
    return {
        "id": offer.id,
        "name": offer.name,
        "category": {"id": "257903"},
        "primaryImage": {"url": f"https://a.allegroimg.com/original/{offer.id}"},
        "sellingMode": {"format": "BUY_NOW", "price": money(offer.price)},
        "saleInfo": {"currentPrice": None, "biddersCount": 0},
        "stock": {"available": offer.available, "sold": offer.sold},
        "stats": {"watchersCount": 0, "visitsCount": 0},
        "publication": {
            "status": offer.status,
            "startingAt": None,
            "startedAt": iso(offer.started_at),
            "endingAt": None,
            "endedAt": iso(offer.ended_at),
            "marketplaces": MARKETPLACES,
        },
        "external": _external(offer),
        "delivery": {"shippingRates": None},
        "isFulfillment": False,
        "additionalMarketplaces": {},
    }


def product_offer(offer: Offer) -> dict[str, Any]:
    """`SaleProductOfferResponseV1`, trimmed to what a stock sync reads plus common neighbours."""
    return {
        "id": offer.id,
        "name": offer.name,
        "category": {"id": "257903"},
        "external": _external(offer),
        "stock": {"available": offer.available, "unit": offer.unit},
        "sellingMode": {"format": "BUY_NOW", "price": money(offer.price)},
        "publication": {
            "status": offer.status,
            "duration": None,
            "startingAt": None,
            "endingAt": None,
            "endedBy": offer.ended_by,
            "republish": False,
            "marketplaces": MARKETPLACES,
        },
        "language": "pl-PL",
        "validation": {"errors": [], "warnings": [], "validatedAt": iso(offer.updated_at)},
        "createdAt": iso(offer.created_at),
        "updatedAt": iso(offer.updated_at),
    }


def operation_status(operation: Operation, status: str) -> dict[str, Any]:
    """`SaleProductOfferStatusResponse` while a 202 PATCH is running."""
    return {
        "offer": {"id": operation.offer_id},
        "operation": {
            "id": operation.id,
            "status": status,
            "startedAt": iso(operation.started_at),
        },
    }


def general_report(command: Command) -> dict[str, Any]:
    """`GeneralReport`; counts stay 0 until the command's tasks exist [#1766, #3827]."""
    tasks = command.tasks
    return {
        "id": command.id,
        "createdAt": iso(command.created_at),
        "completedAt": iso(command.completed_at),
        "taskCount": {
            "total": len(tasks),
            "success": sum(1 for t in tasks if t.status == "SUCCESS"),
            "failed": sum(1 for t in tasks if t.status == "FAIL"),
        },
    }


def task_report(command: Command, field: str, offset: int, limit: int) -> dict[str, Any]:
    """`TaskReport` page: one `CommandTask` per offer."""
    return {
        "tasks": [
            {
                "offer": {"id": task.offer_id},
                "field": field,
                "status": task.status,
                "message": task.message,
                "errors": task.errors,
            }
            for task in command.tasks[offset : offset + limit]
        ]
    }


def _line_item(item: LineItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "offer": {
            "id": item.offer_id,
            "name": item.offer_name,
            "external": None if item.external_id is None else {"id": item.external_id},
        },
        "quantity": item.quantity,
        "originalPrice": money(item.price),
        "price": money(item.price),
        "boughtAt": iso(item.bought_at),
    }


def _buyer(order: Order) -> dict[str, Any]:
    return {
        "id": str(zlib.crc32(order.buyer_login.encode()) % 10**8),
        "email": f"{order.buyer_login.lower()}@allegromail.pl",
        "login": order.buyer_login,
        "guest": False,
    }


def event(item: OrderEvent, order: Order) -> dict[str, Any]:
    """`OrderEvent` with its embedded order summary."""
    return {
        "id": item.id,
        "type": item.type,
        "occurredAt": iso(item.occurred_at),
        "order": {
            "seller": {"id": order.seller_id},
            "buyer": _buyer(order),
            "lineItems": [_line_item(line) for line in order.line_items],
            "checkoutForm": {"id": order.id, "revision": order.revision},
            "marketplace": {"id": "allegro-pl"},
        },
    }


def _payment(order: Order, total: float) -> dict[str, Any]:
    """An online payment; `finishedAt` and `paidAmount` once the buyer paid [spec E4]."""
    paid = order.paid_at is not None
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"payment:{order.id}")),
        "type": "ONLINE",
        "provider": "P24",
        "finishedAt": iso(order.paid_at),
        "paidAmount": money(f"{total:.2f}") if paid else None,
    }


def checkout_form(order: Order) -> dict[str, Any]:
    """`CheckoutForm` (required: id, buyer, status, lineItems, surcharges, summary)."""
    total = sum(float(line.price) * line.quantity for line in order.line_items)
    return {
        "id": order.id,
        "buyer": _buyer(order),
        "status": order.status,
        "payment": _payment(order, total),
        "fulfillment": {
            "status": order.fulfillment_status,
            "shipmentSummary": {"lineItemsSent": "NONE"},
            "provider": {"id": order.fulfillment_provider},
        },
        "lineItems": [_line_item(line) for line in order.line_items],
        "surcharges": [],
        "marketplace": {"id": "allegro-pl"},
        "summary": {"totalToPay": money(f"{total:.2f}")},
        "updatedAt": iso(order.updated_at),
        "revision": order.revision,
    }
