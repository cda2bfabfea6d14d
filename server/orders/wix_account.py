"""The account an import runs for: its record (for the client) and its restock setting."""

from __future__ import annotations

import msgspec

from server.domain.accounts import AccountRecord, get_account
from server.errors import NotFoundError, ValidationFailedError


class WixImportAccount(msgspec.Struct, frozen=True, kw_only=True):
    """A Wix account and whether its cancelled or refunded orders give their units back."""

    record: AccountRecord
    restock_on_cancel: bool


async def load_import_account(account_id: int) -> WixImportAccount:
    """The Wix account, or NotFoundError / ValidationFailedError (another marketplace).

    Inactive accounts import too when asked: their orders still sold our units. The poll's cron
    only asks for active ones.
    """
    try:
        record = await get_account(account_id)
    except NotFoundError as missing:
        raise NotFoundError(missing.message, field="account_id") from None
    if record.marketplace != "wix":
        raise ValidationFailedError(
            f"account {account_id} is not a Wix account", field="account_id"
        )
    return WixImportAccount(record=record, restock_on_cancel=record.restock_on_cancel)
