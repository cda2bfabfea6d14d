"""Chaos soak (issue 8): StockBridge under faults, kills and restarts must still add up.

The soak runs its own PostgreSQL database (a temporary one, dropped at the end), its own
redis-server on a free port (never the shared one on 6379), the sandboxes as a real HTTP process
(`python -m server.sandboxes`: the demo catalogue, 20 % 429s, 5 % 5xx, 2 % timeouts, Allegro
PATCHes answered 200 or 202 at random) and `--workers` arq worker processes pointed at them.
For `--minutes` it makes random stock operations and places orders (Allegro with duplicated and
out-of-order events, Wix; some cancelled), imports orders every few seconds and starts full
syncs, while one worker is SIGKILLed three times mid-sync and started again, Redis is restarted
once and the database's connections are dropped once (`soak_chaos.py`). Then faults stop,
imports run until every order is in, one reconciliation runs and `soak_check.py` checks:
every listing shows its sellable, the ledger invariant holds, no order line deducted twice or
not at all, no SKU lock left. Figures go to bench/results/soak.json; exit 1 on any violation.

Run: `make soak` (5 minutes) or `python bench/soak.py --minutes 1 [--workers 3]`. Worker and
sandbox logs are in bench/results/soak-logs/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from soak_procs import LOG_DIR, RedisServer, Sandboxes

from server.devtools.prepare import make_piccolo_conf_importable
from server.devtools.services import temporary_database

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "soak.json"
MUST_BE_ZERO = (
    "wrong_listings",
    "double_deductions",
    "missing_deductions",
    "locks_left",
    "invariant_broken",
    "runs_left_open",
)
PATCH_ASYNC_SHARE = 0.5


def environment(database_url: str, redis_url: str, sandboxes: Sandboxes) -> dict[str, str]:
    """The settings every StockBridge process of the soak runs with.

    `RATE_LIMITED_WAIT_SECONDS` is 2, not the minute Wix and Allegro ask for: the sandboxes'
    injected 429s refuse one request and block nothing, and a minute's wait per 429 would make
    the settling, not the chaos, the length of the soak. The 429 path (wait, retry, give up and
    record) is the same code at any wait.
    """
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "WIX_API_URL": sandboxes.wix,
        "ALLEGRO_API_URL": sandboxes.allegro,
        "ALLEGRO_AUTH_URL": sandboxes.allegro,
        "SYNC_TIMEOUT_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MAX_SIZE": "8",
        "RATE_LIMITED_WAIT_SECONDS": "2",
    }


def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Start the processes, run the soak, stop everything (always); the figures."""
    for name in LOG_DIR.glob("*.log"):
        name.unlink()
    redis, sandboxes = RedisServer(), Sandboxes()
    chaos = None
    with temporary_database("stockbridge_soak") as database_url:
        try:
            redis.start()
            sandboxes.start(PATCH_ASYNC_SHARE)
            os.environ.update(environment(database_url, redis.url, sandboxes))
            make_piccolo_conf_importable()
            from soak_chaos import Chaos
            from soak_run import SoakConfig, run_soak

            chaos = Chaos(redis, database_url, dict(os.environ), worker_count=args.workers)
            seconds = args.seconds or args.minutes * 60
            config = SoakConfig(seconds=seconds, seed=args.seed, products=args.products)
            urls = {"wix": sandboxes.wix, "allegro": sandboxes.allegro}
            return asyncio.run(run_soak(config, chaos, urls))
        finally:
            if chaos is not None:
                chaos.stop_workers()
            sandboxes.stop()
            redis.stop()


def _stop(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so every process is stopped and the database dropped."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run, print and write the figures; 1 when anything that must be zero is not."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=0.0, help="overrides --minutes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--products", type=int, default=500, help="demo catalogue size (≤ 500)")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    result = soak(args)
    for key, value in result.items():
        print(f"  {key:<20} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    bad = [key for key in MUST_BE_ZERO if result[key]]
    if bad:
        print(f"soak: violations: {', '.join(bad)}", file=sys.stderr)
        return 1
    print("soak: every check passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
