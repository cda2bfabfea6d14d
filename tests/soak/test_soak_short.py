"""The chaos soak, short: `bench/soak.py` for 45 s of chaos must end with every figure at zero.

It runs as a subprocess with its own database, Redis, sandboxes and workers (the soak reads its
settings from the environment it sets up, not from this test run's), so it leaves the run's
database and Redis alone. Three worker kills, a Redis restart and dropped PostgreSQL connections
happen in those 45 s; with set-up, settling and the reconciliation it takes about 90 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "MEDIA_DIR", "LOG_LEVEL")


@pytest.mark.timeout(420)
def test_short_soak_adds_up(tmp_path: Path) -> None:
    """No wrong listing, no double or missing deduction, no lock left, the ledger holds."""
    out = tmp_path / "soak.json"
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    command = [sys.executable, "bench/soak.py", "--seconds", "45", "--out", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400, check=False
    )
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["operations"] > 0
    assert result["orders"] > 0
    zero = ("wrong_listings", "double_deductions", "missing_deductions", "locks_left")
    assert {key: result[key] for key in zero} == dict.fromkeys(zero, 0), result
    assert result["invariant_broken"] == 0, result
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
