"""Run one command in the developer environment: `python -m server.devtools.run CMD [ARG...]`.

DATABASE_URL, REDIS_URL and SECRET_KEY are resolved as for `make demo` (configured, local default
or embedded servers; see `server.devtools.services`) and passed to the command; an embedded server
started for it stops when it ends. `make user` uses this to run `python -m server.cli create-user`.
"""

from __future__ import annotations

import subprocess
import sys

from server.devtools.embedded import PROJECT_ROOT
from server.devtools.prepare import prepared_environment


def main(argv: list[str]) -> int:
    """Prepare the environment, run the command, return its exit code."""
    if not argv:
        print("usage: python -m server.devtools.run COMMAND [ARG...]", file=sys.stderr)
        return 2
    with prepared_environment():
        return subprocess.run(argv, check=False, cwd=PROJECT_ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
