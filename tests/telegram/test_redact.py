"""Nothing secret reaches a Telegram message: keys, client secrets, tokens are masked."""

from __future__ import annotations

from server.domain.alerts import Alert
from server.telegram.messages import alert_text
from server.telegram.redact import redact

WIX_KEY = (
    "IST.eyJraWQiOiJQb3pIX2FDMiIsImFsZyI6IlJTMjU2In0.eyJkYXRhIjoie1wiaWRcIjpcIjQ3ZjBkN2Y2In0"
    ".Qm9ndXNTaWduYXR1cmVGb3JUZXN0cw"
)
ALLEGRO_SECRET = "Zx81Kd0aQpLmN3vB7yT2cR5wE9uI4oP6sA1dF8gH0jK2lMqW3eR4tY5uI6oP7aS8"
BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"


def test_a_wix_key_and_an_allegro_secret_in_an_error_are_masked() -> None:
    message = (
        f"Wix refused (Authorization: {WIX_KEY}) status=401 POST "
        "https://www.wixapis.com/stores/v2/inventoryItems/query; Allegro token refresh failed: "
        f"client_id=stockbridge&client_secret={ALLEGRO_SECRET} invalid_grant; raw {ALLEGRO_SECRET}"
    )
    text = redact(message)
    assert WIX_KEY[:20] not in text and "eyJ" not in text
    assert ALLEGRO_SECRET not in text and ALLEGRO_SECRET[:12] not in text
    assert "https://www.wixapis.com/stores/v2/inventoryItems/query" in text
    assert "client_secret=***" in text and "status=401" in text


def test_bearer_values_bot_tokens_and_given_secrets_are_masked() -> None:
    text = redact(
        f"Bearer demo-access-token-1 failed; bot {BOT_TOKEN}; key wix-demo-api-key",
        secrets=["wix-demo-api-key"],
    )
    assert text == "Bearer *** failed; bot ***; key ***"


def test_an_alert_says_what_where_and_what_to_do_without_secrets() -> None:
    alert = Alert(
        kind="auth_failed",
        key="auth:3",
        message=f"Allegro · Shop: refresh refused, secret={ALLEGRO_SECRET}",
        account_id=3,
        sku="SB-00012",
        run_id=77,
    )
    text = alert_text(alert, public_url="http://sb.test/", secrets=[BOT_TOKEN])
    assert text.startswith("⚠️ StockBridge: Marketplace login failed\n")
    assert "Account: #3 (http://sb.test/accounts/3)" in text
    assert "SKU: SB-00012" in text
    assert "Run: #77 (http://sb.test/sync/runs/77)" in text
    assert "What to do: Open the account" in text
    assert ALLEGRO_SECRET not in text
