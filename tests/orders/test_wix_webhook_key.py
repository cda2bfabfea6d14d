"""The Wix account's webhook public key through the accounts API: checked, stored encrypted,
shown only as a fingerprint, cleared by a blank value."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from server.domain.credentials import WixCredentials, load_credentials
from tests.integration.accounts_helpers import WIX_CREDENTIALS, create_account


def pem_of(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


RSA_PEM = pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


async def patch_key(client: httpx.AsyncClient, headers: dict[str, str], account: int, value: str):
    return await client.patch(
        f"/api/accounts/{account}",
        json={"credentials": {"webhook_public_key": value}},
        headers=headers,
    )


@pytest.mark.usefixtures("warehouses")
async def test_the_key_is_checked_stored_and_never_shown(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    escaped = RSA_PEM.strip().replace("\n", "\\n")  # as an env file keeps it
    created = await create_account(
        client,
        admin_headers,
        credentials={**WIX_CREDENTIALS, "webhook_public_key": escaped},
    )
    stored = await load_credentials(created["id"])
    shown = created["credentials"]["webhook_public_key"]
    not_pem = await patch_key(client, admin_headers, created["id"], "-----BEGIN PUBLIC KEY-----x")
    weak = pem_of(ec.generate_private_key(ec.SECP256R1()))
    not_rsa = await patch_key(client, admin_headers, created["id"], weak)
    rotated = await client.patch(
        f"/api/accounts/{created['id']}",
        json={"credentials": {"api_key": "rotated-api-key-0001"}},
        headers=admin_headers,
    )
    kept = await load_credentials(created["id"])
    cleared = await patch_key(client, admin_headers, created["id"], "")
    after = await load_credentials(created["id"])
    assert isinstance(stored, WixCredentials) and stored.webhook_public_key == RSA_PEM
    assert shown.startswith("RSA 2048, sha256:") and RSA_PEM.splitlines()[1] not in str(created)
    assert [r.status_code for r in (not_pem, not_rsa)] == [422, 422]
    assert (
        rotated.status_code == 200 and rotated.json()["credentials"]["webhook_public_key"] == shown
    )
    assert isinstance(kept, WixCredentials) and kept.webhook_public_key == RSA_PEM
    assert not_pem.json()["field"] == "credentials.webhook_public_key"
    assert cleared.status_code == 200 and "webhook_public_key" not in cleared.json()["credentials"]
    assert isinstance(after, WixCredentials) and after.webhook_public_key is None
    assert after.api_key == "rotated-api-key-0001"
