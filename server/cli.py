"""Command line for operators: `python -m server.cli create-user` (also `make user`).

The e-mail and role may be given as options; the password is asked for twice without echo, or read
from STOCKBRIDGE_PASSWORD for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from server.domain.db import engine
from server.domain.users import Role, create_user
from server.errors import DomainError

PASSWORD_VARIABLE = "STOCKBRIDGE_PASSWORD"


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_VARIABLE)
    if from_env:
        return from_env
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("The passwords differ; nothing was created.")
    return first


async def _create(email: str, password: str, role: str) -> str:
    db = engine()
    await db.start_connection_pool(min_size=1, max_size=2)
    try:
        user = await create_user(email, password, role)
    finally:
        await db.close_connection_pool()
    return f"Created {user.role.value} {user.email}"


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it; domain refusals print a message and exit 1."""
    parser = argparse.ArgumentParser(prog="python -m server.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create an admin or viewer")
    create.add_argument("--email")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.ADMIN.value)
    args = parser.parse_args(argv)
    email = args.email or input("E-mail: ")
    try:
        print(asyncio.run(_create(email, _read_password(), args.role)))
    except DomainError as error:
        print(f"Refused ({error.field or 'input'}): {error.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
