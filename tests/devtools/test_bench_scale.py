"""`bench/scale.py` at a tiny size, so the scale bench cannot rot.

It runs as a subprocess with its own temporary database, redis-server and uvicorn web process
(the bench sets its settings up itself, not from this test run's): 200 products, 10 clients,
50 requests per path, 10 SSE streams with 3 messages, no worker phase. It took 17.7 and 20.6 s
on the two shared cores (uvicorn start-up and migrations are most of it).
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
LIMIT_S = 60


@pytest.mark.timeout(LIMIT_S + 30)
def test_scale_bench_tiny(tmp_path: Path) -> None:
    """Every path answers 200 at 10 clients and every stream gets every progress message."""
    out = tmp_path / "scale.json"
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    command = [sys.executable, "bench/scale.py", "--products", "200", "--clients", "10"]
    command += ["--requests", "50", "--streams", "10", "--messages", "3"]
    command += ["--sync-products", "0", "--output", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=LIMIT_S, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result["api"]) == {
        "GET /api/products",
        "GET /products",
        "GET /api/products (after)",
        "GET /products (after)",
        "GET /api/products/{sku}",
        "GET /products/{sku}",
    }
    for figures in result["api"].values():
        assert figures["errors"] == 0, figures
        assert figures["requests"] == 50
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    sse = result["sse"]
    assert sse["streams_with_every_message"] == 10, sse
    assert sse["deliveries"] == 30, sse
    assert result["web_rss_after_api_mib"] > 0
