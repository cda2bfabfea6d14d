"""The chaos soak, short: `bench/soak.py` for 30 s of chaos must end with every figure at zero.

It runs as a subprocess with its own database, Redis, sandboxes and workers (the soak reads its
settings from the environment it sets up, not from this test run's), so it leaves the run's
database and Redis alone. Three worker kills, a Redis restart and dropped PostgreSQL connections
happen in those 30 s, over 150 products. The soak's processes wait 2 s after a 429
(`RATE_LIMITED_WAIT_SECONDS`; a minute against the real marketplaces), so settling and the
final reconciliation take under a minute more: about 1 min 30 s in all on two cores.
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
LIMIT_S = 360


def run_soak(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the soak; past `LIMIT_S` SIGTERM it, so it still stops its processes and drops its
    database (a SIGKILL would leave them behind)."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        process.terminate()
        stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.mark.timeout(LIMIT_S + 90)
def test_short_soak_adds_up(tmp_path: Path) -> None:
    """No wrong listing, no double or missing deduction, no lock left, the ledger holds."""
    out = tmp_path / "soak.json"
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    command = [sys.executable, "bench/soak.py", "--seconds", "30", "--products", "150"]
    command += ["--out", str(out)]
    done = run_soak(command, env)
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["operations"] > 0
    assert result["orders"] > 0
    zero = ("wrong_listings", "double_deductions", "missing_deductions", "locks_left")
    assert {key: result[key] for key in zero} == dict.fromkeys(zero, 0), result
    assert result["invariant_broken"] == 0, result
    assert result["runs_left_open"] == 0, result
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
