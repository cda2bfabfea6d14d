"""The event path: dirty SKUs drained in rounds by one `sync_dirty` job (issue 4, items 1, 2, 7).

A burst over many SKUs is few jobs and few requests; a change landing as the drain job ends is
still pushed; SKUs another owner holds wait and are pushed after release; no run is left
RUNNING; SKUs in flight when a worker dies are pushed later; a drain job run twice pushes once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from arq.worker import func

from server import jobs
from server.domain import hooks
from server.domain.db import fetch
from server.domain.locks import LockRelease, acquire_many, lock_key, release_many
from server.sandboxes.wix.app import wix_sandbox_of
from server.sync import dirty, records
from server.sync.engine import events as drain_module
from server.sync.engine.events import drain
from server.sync.engine.product import push_rows
from tests.worker.test_sync_jobs_env import (
    SITE_V1,
    SITE_V3,
    SKUS,
    SyncEnv,
    no_app_listeners,
    set_stock,
    sync_env,
)
from worker.jobs import sync as sync_jobs
from worker.jobs.sync import SYNC_FUNCTIONS, deps_of

__all__ = ["no_app_listeners"]

CONVERGED = {"v1": 0, "v3": 0, "allegro": 0}
V3_BULK = "POST /stores/v3/bulk/inventory-items/update"


async def in_line(env: SyncEnv) -> None:
    """A full sync first, so only the test's changes differ afterwards; then listen."""
    await jobs.start_sync(env.pool, trigger="api", scope="all")
    await env.run_jobs()
    assert await env.drift() == CONVERGED
    hooks.add_stock_change_listener(jobs.product_sync_listener(env.pool))


def requests(env: SyncEnv) -> dict[str, int]:
    """Requests counted so far by the Wix sandbox (both sites) and the Allegro sandbox."""
    wix = sum(wix_sandbox_of(env.wix_app).control.counters.endpoints.values())
    allegro = sum(env.allegro_app.state.allegro.control.counters.endpoints.values())
    return {"wix": wix, "allegro": allegro}


def shown_everywhere(env: SyncEnv, sku: str) -> set[int | None]:
    """What the accounts show for a SKU (Allegro only if the seller has an offer for it)."""
    shown = {env.wix_shown(SITE_V1)[sku], env.wix_shown(SITE_V3)[sku]}
    return shown | ({env.allegro_shown()[sku]} if sku in env.allegro_offers() else set())


async def open_runs() -> list[int]:
    """Runs still PENDING or RUNNING."""
    found = []
    for status in ("PENDING", "RUNNING"):
        found += [run.id for run in (await records.list_runs(status=status, limit=100)).items]
    return found


async def drain_jobs(env: SyncEnv) -> list[Any]:
    """The `sync_dirty` jobs waiting on the env's queue."""
    return [
        j for j in await env.pool.queued_jobs(queue_name=env.queue) if j.function == "sync_dirty"
    ]


async def test_a_burst_over_many_skus_is_one_job_and_few_requests() -> None:
    async with sync_env() as env:
        await in_line(env)
        before = requests(env)
        for n, sku in enumerate(SKUS):
            await set_stock(sku, 40 + n % 3)
            await set_stock(sku, 50 + n % 3)  # two changes per SKU, three target values
        assert len(await drain_jobs(env)) == 1
        worker = await env.run_jobs()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        assert await env.drift() == CONVERGED
        spent = {k: v - before[k] for k, v in requests(env).items()}
        # Wix: per site one targeted read (made under the locks, so V1 needs no second one) and
        # one write; no catalogue-version GET. Allegro: one read, then per target value one
        # command and its confirmation reads.
        assert spent["wix"] == 4, spent
        assert spent["allegro"] <= 1 + 3 * 3, spent
        runs = [r for r in (await records.list_runs(limit=100)).items if r.trigger == "event"]
        assert [(r.scope, r.status, r.failed) for r in runs] == [("skus", "COMPLETED", 0)]
        assert runs[0].pushed >= 2 * len(SKUS)
        assert runs[0].requests == spent["wix"] + spent["allegro"], "reads are counted too"


@pytest.mark.parametrize("at_once", [1, 2])
async def test_rounds_at_once_caps_the_rounds_a_drain_job_runs_together(
    monkeypatch: pytest.MonkeyPatch, at_once: int
) -> None:
    """The worker context's `rounds_at_once`: one-SKU rounds, never more of them in flight."""
    in_flight: list[int] = []
    push_round = drain_module.push_round

    async def counted(*args: Any, **kwargs: Any) -> tuple[int, int]:
        in_flight.append(in_flight[-1] + 1 if in_flight else 1)
        try:
            return await push_round(*args, **kwargs)
        finally:
            in_flight.append(in_flight[-1] - 1)

    monkeypatch.setattr(drain_module, "push_round", counted)
    async with sync_env() as env:
        await in_line(env)
        for n, sku in enumerate(SKUS[:6]):  # six one-SKU rounds: enough to fill two slots
            await set_stock(sku, 30 + n)
        worker = env.worker(ctx={"rounds_at_once": at_once, "batch_size": 1})
        await worker.main()
        await worker.close()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        assert max(in_flight) == at_once
        assert await env.drift() == CONVERGED
        assert await open_runs() == []


async def test_a_change_arriving_while_the_drain_job_ends_is_pushed() -> None:
    """The lost change of issue 4: after the job's last look, before arq frees its job id."""

    raced: list[bool] = []

    async def ending(ctx: dict[str, Any], token: str) -> int:
        pushed = await sync_jobs.sync_dirty(ctx, token)
        if not raced:
            raced.append(True)
            await set_stock("SB-00007", 23)  # the job's id still exists in arq at this point
            assert await env.pool.exists(f"arq:job:{ctx['job_id']}")
        return pushed

    functions = [f for f in SYNC_FUNCTIONS if f.name != "sync_dirty"]
    functions.append(func(ending, name="sync_dirty", keep_result=0))
    async with sync_env() as env:
        await in_line(env)
        await set_stock("SB-00006", 31)
        worker = env.worker(functions=functions)
        await worker.main()
        await worker.close()
        assert worker.jobs_complete == 2 and worker.jobs_failed == 0
        assert shown_everywhere(env, "SB-00006") == {31}
        assert shown_everywhere(env, "SB-00007") == {23}


async def test_a_change_before_the_last_look_is_pushed_by_the_same_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finish = dirty.finish
    raced: list[bool] = []

    async def late_change(redis: Any, token: str) -> float | None:
        if not raced:
            raced.append(True)
            await set_stock("SB-00009", 17)  # between the empty take and the last look
        return await finish(redis, token)

    monkeypatch.setattr(dirty, "finish", late_change)
    async with sync_env() as env:
        await in_line(env)
        await set_stock("SB-00008", 12)
        worker = await env.run_jobs()
        assert worker.jobs_complete == 1
        assert shown_everywhere(env, "SB-00009") == {17}


async def test_locked_skus_wait_and_are_pushed_after_release() -> None:
    async with sync_env() as env:
        await in_line(env)
        held = await acquire_many(env.pool, ["SB-00010"], "another-sync")
        assert held.acquired == ["SB-00010"]
        await set_stock("SB-00010", 44)
        await set_stock("SB-00011", 45)
        worker = env.worker()
        running = asyncio.create_task(worker.main())
        for _ in range(200):  # the unlocked SKU goes out while the other waits
            if shown_everywhere(env, "SB-00011") == {45}:
                break
            await asyncio.sleep(0.05)
        assert shown_everywhere(env, "SB-00011") == {45}
        assert shown_everywhere(env, "SB-00010") != {44}
        await release_many(
            env.pool, "another-sync", [LockRelease(sku="SB-00010", status="success")]
        )
        await asyncio.wait_for(running, 30)
        await worker.close()
        assert shown_everywhere(env, "SB-00010") == {44}
        assert await open_runs() == []
        assert await env.drift() == CONVERGED


async def dirty_skus(env: SyncEnv) -> list[str]:
    """SKUs waiting in the dirty set."""
    return sorted(m.decode() for m in await env.pool.zrange(dirty.DIRTY_KEY, 0, -1))


async def test_a_lock_never_freed_keeps_the_sku_dirty_and_no_run_open() -> None:
    async with sync_env() as env:
        await in_line(env)
        await acquire_many(env.pool, ["SB-00012"], "stuck-sync")
        await set_stock("SB-00012", 5)
        await set_stock("SB-00013", 6)
        [job] = await drain_jobs(env)
        token = job.args[0]
        deps = deps_of({**env.worker().ctx, "redis": env.pool})
        report = await drain(deps, token, budget_s=0.5)
        assert (report.pushed, report.deferred > 0) == (1, True)
        assert shown_everywhere(env, "SB-00013") == {6}
        assert await dirty_skus(env) == ["SB-00012"]
        assert await open_runs() == []
        # The flag went to a successor job, queued for when the SKU is due again.
        successors = [j for j in await drain_jobs(env) if j.args[0] != token]
        assert len(successors) == 1
        assert await env.pool.get(dirty.DRAIN_KEY) == successors[0].args[0].encode()


async def test_a_sku_push_gives_up_with_a_failed_run_naming_the_lock() -> None:
    async with sync_env() as env:
        await in_line(env)
        await acquire_many(env.pool, ["SB-00014"], "stuck-sync")
        run_id = await jobs.start_sync(env.pool, trigger="api", scope="sku", sku="SB-00014")
        worker = env.worker(ctx={"product_tries": 3})
        await worker.main()
        await worker.close()
        run = await records.get_run(run_id)
        assert run.status == "FAILED" and run.finished_at is not None
        assert run.error is not None and "SB-00014 stayed locked" in run.error
        assert await open_runs() == []


async def test_skus_in_flight_when_a_worker_died_are_pushed_later() -> None:
    async with sync_env() as env:
        await in_line(env)
        hooks.remove_stock_change_listener(hooks._listeners[0])
        await set_stock("SB-00015", 7)
        await dirty.mark(env.pool, ["SB-00015"], "dead-job")
        assert await dirty.take(env.pool, "dead-job", 10) == ["SB-00015"]
        # The round's worker is killed here: nothing settles the SKU. Its lease runs out ...
        await env.pool.zadd(dirty.INFLIGHT_KEY, {"SB-00015": 0})
        await env.pool.delete(dirty.DRAIN_KEY)  # ... and so does its flag.
        assert await jobs.mark_dirty(env.pool, []) is True  # a worker's start
        await env.run_jobs()
        assert shown_everywhere(env, "SB-00015") == {7}
        assert await env.pool.zcard(dirty.INFLIGHT_KEY) == 0


async def test_a_drain_job_run_twice_pushes_once() -> None:
    async with sync_env() as env:
        await in_line(env)
        bulk = env.wix_count(V3_BULK)
        await set_stock("SB-00016", 8)
        [job] = await drain_jobs(env)
        await jobs.enqueue_drain(env.pool, job.args[0])  # the same token again, another id
        await env.pool.enqueue_job("sync_dirty", job.args[0], _job_id="again", _defer_by=1.0)
        await env.run_jobs()
        assert shown_everywhere(env, "SB-00016") == {8}
        assert env.wix_count(V3_BULK) - bulk == 1
        runs = [r for r in (await records.list_runs(limit=100)).items if r.trigger == "event"]
        assert [(r.scope_sku, r.status) for r in runs] == [("SB-00016", "COMPLETED")]


async def test_a_failing_round_closes_its_run_and_keeps_the_skus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures: list[bool] = []

    async def fail_once(*args: Any) -> Any:
        if not failures:
            failures.append(True)
            raise RuntimeError("database went away")
        return await push_rows(*args)

    monkeypatch.setattr(drain_module, "push_rows", fail_once)
    async with sync_env() as env:
        await in_line(env)
        await set_stock("SB-00017", 9)
        worker = await env.run_jobs()
        assert (worker.jobs_failed, worker.jobs_complete) == (1, 1)
        runs = [r for r in (await records.list_runs(limit=100)).items if r.trigger == "event"]
        assert sorted(r.status for r in runs) == ["COMPLETED", "FAILED"]
        assert "database went away" in str([r.error for r in runs])
        assert shown_everywhere(env, "SB-00017") == {9}
        assert await open_runs() == []


@pytest.mark.parametrize("where", ["taking the locks", "opening the run"])
async def test_a_round_cancelled_midway_gives_back_its_skus_locks_and_run(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A drain job cancels its other rounds when one fails; they must leave nothing behind.

    The cancellation lands after Redis took the locks (the answer never read) or after the run
    was created: the SKU must be dirty again at once, its lock free and no run left open.
    """
    reached = asyncio.Event()

    async def then_stall(step: Any, *args: Any, **kwargs: Any) -> Any:
        result = await step(*args, **kwargs)
        reached.set()
        await asyncio.Event().wait()  # cancelled here, after the step took effect
        return result

    if where == "taking the locks":
        monkeypatch.setattr(drain_module, "acquire_many", lambda *a: then_stall(acquire_many, *a))
    else:
        running = records.mark_run_running
        monkeypatch.setattr(
            records, "mark_run_running", lambda *a, **k: then_stall(running, *a, **k)
        )
    async with sync_env() as env:
        await set_stock("SB-00018", 3)
        await dirty.mark(env.pool, ["SB-00018"], "cancelled-job")
        assert await dirty.take(env.pool, "cancelled-job", 10) == ["SB-00018"]
        deps = deps_of({**env.worker().ctx, "redis": env.pool})
        round_ = asyncio.create_task(
            drain_module.push_round(deps, "cancelled-job", ["SB-00018"], None)
        )
        await asyncio.wait_for(reached.wait(), 10)
        round_.cancel()
        with pytest.raises(asyncio.CancelledError):
            await round_
        assert await dirty_skus(env) == ["SB-00018"]
        assert await env.pool.zcard(dirty.INFLIGHT_KEY) == 0
        assert await env.pool.exists(lock_key("SB-00018")) == 0
        assert await open_runs() == []


async def test_a_round_still_running_past_the_abandon_age_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow round (an Allegro command under 429s may take most of `COMMAND_TIMEOUT_S`) keeps
    its run: the cron's closer sees the drain job running it, not a run Redis lost."""
    stalled, go_on = asyncio.Event(), asyncio.Event()

    async def slow_push(*args: Any) -> Any:
        stalled.set()
        await go_on.wait()
        return await push_rows(*args)

    monkeypatch.setattr(drain_module, "push_rows", slow_push)
    async with sync_env() as env:
        await in_line(env)
        await set_stock("SB-00019", 4)
        worker = env.worker()
        running = asyncio.create_task(worker.main())
        try:
            await asyncio.wait_for(stalled.wait(), 10)
            [run_id] = await open_runs()
            await fetch(
                "UPDATE sync_run SET created_at = now() - {}::interval WHERE id = {}",
                jobs.ABANDONED_AFTER * 2,
                run_id,
            )
            assert await jobs.close_abandoned_runs(env.pool) == []
        finally:
            go_on.set()
            await asyncio.wait_for(running, 30)
            await worker.close()
        run = await records.get_run(run_id)
        assert (run.trigger, run.status, run.error) == ("event", "COMPLETED", None)
        assert shown_everywhere(env, "SB-00019") == {4}
