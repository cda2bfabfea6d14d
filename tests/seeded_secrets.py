"""Every secret the test suite seeds, registered in one place.

`tests/log_secrets.py` fails the run when any of them shows up in a log record of any test; the
security tests also look for them in pages and API answers. A test that seeds a new secret adds
it here (a literal) or calls `register_secret` (a value made at run time, such as SECRET_KEY).
"""

from __future__ import annotations

WIX_KEY = "IST.eyJraWQiOiJQb3pIX2FDMiIsImFsZyI6IlJTMjU2In0.wix-secret-body-7f3a"
ALLEGRO_SECRET = "Zk3Jq9sWv2Xy8Lm4Np6Rt0Ub5Gh7Cd1Ef3Ij5Kl7Mn9Op"
ALLEGRO_REFRESH_TOKEN = "eyJhbGciOiJSUzI1NiJ9.refresh-token-body.QEQsig9"
ALLEGRO_ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.access-token-body.dUAsig1"
ADMIN_PASSWORD = "admin-password-1"
VIEWER_PASSWORD = "viewer-password-1"
TELEGRAM_BOT_TOKEN = "123456:TEST-fake-token-for-the-fake-bot-api"

_SECRETS: dict[str, str] = {
    "WIX_KEY": WIX_KEY,
    "ALLEGRO_SECRET": ALLEGRO_SECRET,
    "ALLEGRO_REFRESH_TOKEN": ALLEGRO_REFRESH_TOKEN,
    "ALLEGRO_ACCESS_TOKEN": ALLEGRO_ACCESS_TOKEN,
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "VIEWER_PASSWORD": VIEWER_PASSWORD,
    "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
}


def register_secret(name: str, value: str) -> None:
    """Add a secret made at run time; it is watched for from then on."""
    _SECRETS[name] = value


def known_secrets() -> dict[str, str]:
    """Every registered secret by name (a copy)."""
    return dict(_SECRETS)
