"""The soak's chaos: SIGKILL a worker mid-sync, restart Redis, drop PostgreSQL connections.

`Chaos` owns the soak's worker processes and its Redis. Its schedule, spread over the chaos
phase: three worker kills, each while a sync run is RUNNING (or after waiting `KILL_WAIT_S` for
one), the worker started again at once; one Redis restart (SHUTDOWN NOSAVE: every lock,
queued job and result is lost); one `pg_terminate_backend` of every other connection to the
soak's database. A supervisor starts again any worker that exits on its own (as a process
manager would) and counts it as `worker_exits`.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
from soak_load import sleep_unless
from soak_procs import RedisServer, Worker

from server.domain.db import fetch_one

KILL_WAIT_S = 15.0


@dataclass
class Chaos:
    """The workers, Redis, the database address and what was done to them."""

    redis: RedisServer
    database_url: str
    worker_env: dict[str, str]
    worker_count: int = 2
    workers: list[Worker] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def start_workers(self) -> None:
        """Start the worker processes."""
        for n in range(self.worker_count):
            worker = Worker(f"worker-{n}", self.worker_env)
            worker.start()
            self.workers.append(worker)

    def revive_workers(self) -> int:
        """Start again every worker that has exited; how many."""
        revived = 0
        for worker in self.workers:
            if worker.process is not None and worker.process.poll() is not None:
                worker.start()
                revived += 1
        self.events["worker_exits"] += revived
        return revived

    def stop_workers(self) -> None:
        """Stop every worker (SIGTERM, then SIGKILL)."""
        for worker in self.workers:
            worker.stop()

    async def kill_mid_sync(self, n: int) -> bool:
        """SIGKILL worker `n` once a sync run is RUNNING; start it again; True if mid-run."""
        deadline = time.monotonic() + KILL_WAIT_S
        running = False
        while time.monotonic() < deadline and not running:
            try:
                row = await fetch_one("SELECT count(*) AS n FROM sync_run WHERE status = 'RUNNING'")
                running = bool(row and row["n"])
            except Exception:
                running = False
            if not running:
                await asyncio.sleep(0.2)
        worker = self.workers[n % len(self.workers)]
        worker.kill()
        worker.start()  # at once, before the supervisor counts it as an exit of its own
        self.events["kills_mid_sync" if running else "kills_idle"] += 1
        return running

    async def drop_connections(self) -> int:
        """Terminate every other backend connected to the soak's database; how many."""
        connection = await asyncpg.connect(self.database_url)
        try:
            rows = await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await connection.close()
        self.events["pg_drops"] += 1
        self.events["pg_connections_dropped"] += len(rows)
        return len(rows)

    async def restart_redis(self) -> None:
        """SHUTDOWN NOSAVE and start again on the same port."""
        await asyncio.to_thread(self.redis.restart)
        self.events["redis_restarts"] += 1

    async def supervise(self, stop: asyncio.Event) -> None:
        """Start again workers that exit on their own, until `stop`."""
        while not stop.is_set():
            self.revive_workers()
            await sleep_unless(stop, 1.0)

    async def schedule(self, stop: asyncio.Event, seconds: float) -> None:
        """Kills at 15 %, 30 % and 45 % of the phase, Redis at 60 %, PostgreSQL at 75 %."""
        supervisor = asyncio.create_task(self.supervise(stop))
        started = time.monotonic()
        steps: list[tuple[float, str]] = [
            (0.15, "kill"), (0.30, "kill"), (0.45, "kill"), (0.60, "redis"), (0.75, "postgres"),
        ]  # fmt: skip
        for n, (share, action) in enumerate(steps):
            await sleep_unless(stop, max(0.0, started + share * seconds - time.monotonic()))
            if action == "kill":
                await self.kill_mid_sync(n)
            elif action == "redis":
                await self.restart_redis()
            else:
                await self.drop_connections()
        await supervisor
