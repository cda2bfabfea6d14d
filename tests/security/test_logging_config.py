"""The app keeps the process's root logger: LOG_LEVEL holds, and no handler is thrown away.

Regression: Litestar's default logging config replaced the root logger's handlers and forced it to
INFO, so `LOG_LEVEL=WARNING` still logged INFO and a log sink installed before the app (such as the
test run's secret watch) stopped seeing records.
"""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import logging
handler = logging.NullHandler()
from server.app import create_app
create_app()
root = logging.getLogger()
print(logging.getLevelName(root.level))
logging.getLogger().addHandler(handler)
create_app()
print(handler in logging.getLogger().handlers)
"""


def test_log_level_is_honoured_and_root_handlers_survive() -> None:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["WARNING", "True"]
