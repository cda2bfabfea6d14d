"""The credential store: the key derivation, tokens saved by the OAuth flow, credentials that can
no longer be decrypted, and rotation rules."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken

from server.domain.accounts import AccountChanges, update_account
from server.domain.credentials import (
    AllegroCredentials,
    WixCredentials,
    load_credentials,
    save_allegro_tokens,
    save_credentials,
)
from server.domain.crypto import CredentialsUnreadableError, derive_key, seal
from server.domain.db import fetch, fetch_one
from server.errors import NotFoundError, ValidationFailedError
from tests.integration.accounts_helpers import (
    ALLEGRO_CLIENT,
    ALLEGRO_CREDENTIALS,
    ALLEGRO_SECRET,
    MASK,
    WIX_CREDENTIALS,
    WIX_KEY,
    create_account,
)
from tests.seeded_secrets import ALLEGRO_ACCESS_TOKEN, ALLEGRO_REFRESH_TOKEN

REFRESH_TOKEN = ALLEGRO_REFRESH_TOKEN
ACCESS_TOKEN = ALLEGRO_ACCESS_TOKEN


async def _raw_row(account_id: int) -> str:
    """The whole row as PostgreSQL stores it, as text."""
    row = await fetch_one(
        "SELECT row_to_json(a)::text AS raw FROM marketplace_account a WHERE id = {}", account_id
    )
    assert row is not None
    return str(row["raw"])


async def test_the_key_is_derived_from_secret_key_not_secret_key_itself(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    from server.settings import get_settings

    secret_key = get_settings().secret_key
    assert derive_key(secret_key) != secret_key.encode()[:32]
    assert derive_key(secret_key) != derive_key(secret_key + "x")
    account = await create_account(client, admin_headers)
    row = await fetch_one(
        "SELECT credentials->>'token' AS token FROM marketplace_account WHERE id = {}",
        account["id"],
    )
    assert row is not None
    naive = Fernet(base64.urlsafe_b64encode(secret_key.encode()[:32]))
    with pytest.raises(InvalidToken):
        naive.decrypt(row["token"].encode())


async def test_allegro_tokens_are_saved_atomically_and_encrypted(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    before = await fetch_one(
        "SELECT credentials_updated_at FROM marketplace_account WHERE id = {}", account["id"]
    )
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    tokens = AllegroCredentials(
        client_id=ALLEGRO_CLIENT,
        client_secret=ALLEGRO_SECRET,
        access_token=ACCESS_TOKEN,
        refresh_token=REFRESH_TOKEN,
        access_token_expires_at=expires,
    )
    await save_credentials(account["id"], tokens)
    assert await load_credentials(account["id"]) == tokens
    raw = await _raw_row(account["id"])
    assert REFRESH_TOKEN not in raw and ACCESS_TOKEN not in raw and ALLEGRO_SECRET not in raw
    after = await fetch_one(
        "SELECT credentials_updated_at FROM marketplace_account WHERE id = {}", account["id"]
    )
    assert before is not None and after is not None
    assert after["credentials_updated_at"] > before["credentials_updated_at"]

    shown = (await client.get(f"/api/accounts/{account['id']}", headers=admin_headers)).json()
    assert shown["credentials"]["refresh_token"] == MASK + REFRESH_TOKEN[-4:]
    assert shown["credentials"]["access_token_expires_at"].startswith("2030-01-02T03:04:05")
    assert REFRESH_TOKEN not in str(shown)

    with pytest.raises(ValidationFailedError) as wrong_kind:
        await save_credentials(account["id"], WixCredentials(**WIX_CREDENTIALS))
    assert wrong_kind.value.field == "credentials"
    with pytest.raises(NotFoundError):
        await save_credentials(999_999, tokens)
    with pytest.raises(ValidationFailedError) as bad_token:
        await save_credentials(
            account["id"],
            AllegroCredentials(
                client_id=ALLEGRO_CLIENT, client_secret=ALLEGRO_SECRET, refresh_token="a b"
            ),
        )
    assert bad_token.value.field == "credentials.refresh_token"
    assert await load_credentials(account["id"]) == tokens


async def test_unreadable_credentials_are_reported_and_can_be_entered_again(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(client, admin_headers)
    foreign = seal(WIX_CREDENTIALS, secret_key="another-secret-key-" * 3)
    await fetch(
        "UPDATE marketplace_account SET credentials = {}::jsonb WHERE id = {}",
        f'{{"scheme": "{foreign["scheme"]}", "token": "{foreign["token"]}"}}',
        account["id"],
    )
    with pytest.raises(CredentialsUnreadableError):
        await load_credentials(account["id"])
    shown = (await client.get(f"/api/accounts/{account['id']}", headers=admin_headers)).json()
    assert shown["credentials_readable"] is False and shown["credentials"] == {}

    path = f"/api/accounts/{account['id']}"
    partial = await client.patch(
        path, json={"credentials": {"api_key": WIX_KEY}}, headers=admin_headers
    )
    assert partial.status_code == 422
    assert partial.json()["field"] == "credentials.site_id"
    full = await client.patch(path, json={"credentials": WIX_CREDENTIALS}, headers=admin_headers)
    assert full.status_code == 200 and full.json()["credentials_readable"] is True


async def test_a_new_allegro_client_id_drops_the_old_tokens(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    with_tokens = AllegroCredentials(
        client_id=ALLEGRO_CLIENT, client_secret=ALLEGRO_SECRET, refresh_token=REFRESH_TOKEN
    )
    await save_credentials(account["id"], with_tokens)
    path = f"/api/accounts/{account['id']}"
    new_secret = {"credentials": {"client_secret": "another-secret-value-1234"}}
    await client.patch(path, json=new_secret, headers=admin_headers)
    kept = await load_credentials(account["id"])
    assert isinstance(kept, AllegroCredentials) and kept.refresh_token == REFRESH_TOKEN
    new_client = {"credentials": {"client_id": "0011223344556677"}}
    await client.patch(path, json=new_client, headers=admin_headers)
    dropped = await load_credentials(account["id"])
    assert isinstance(dropped, AllegroCredentials)
    assert dropped.refresh_token is None and dropped.client_secret == "another-secret-value-1234"


async def test_token_rotation_keeps_the_client_and_survives_a_concurrent_edit(
    client: httpx.AsyncClient, admin_headers: dict[str, str], warehouses: list[str]
) -> None:
    account = await create_account(
        client, admin_headers, marketplace="allegro", name="Seller", credentials=ALLEGRO_CREDENTIALS
    )
    expires = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    new_secret = "rotated-client-secret-5678"
    await asyncio.gather(
        save_allegro_tokens(
            account["id"],
            access_token=ACCESS_TOKEN,
            refresh_token=REFRESH_TOKEN,
            expires_at=expires,
            scope="allegro:api:sale:offers:write",
        ),
        update_account(account["id"], AccountChanges(credentials={"client_secret": new_secret})),
    )
    stored = await load_credentials(account["id"])
    assert stored == AllegroCredentials(
        client_id=ALLEGRO_CLIENT,
        client_secret=new_secret,
        access_token=ACCESS_TOKEN,
        refresh_token=REFRESH_TOKEN,
        access_token_expires_at=expires,
        scope="allegro:api:sale:offers:write",
    )
    raw = await _raw_row(account["id"])
    assert REFRESH_TOKEN not in raw and ACCESS_TOKEN not in raw
    shown = (await client.get(f"/api/accounts/{account['id']}", headers=admin_headers)).json()
    assert shown["credentials"]["scope"] == "allegro:api:sale:offers:write"
    wix = await create_account(client, admin_headers, name="Wix shop")
    with pytest.raises(ValidationFailedError):
        await save_allegro_tokens(
            wix["id"], access_token="a" * 20, refresh_token="r" * 20, expires_at=expires
        )
    with pytest.raises(NotFoundError):
        await save_allegro_tokens(
            999_999, access_token="a" * 20, refresh_token="r" * 20, expires_at=expires
        )
