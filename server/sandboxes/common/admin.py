"""Admin routes every sandbox mounts: fault settings, a fault script, counters and peak rates."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Router, get, post, put
from litestar.params import FromQuery, JSONBody

from server.sandboxes.common.control import SandboxControl
from server.sandboxes.common.faults import FaultScript, FaultSettings


def sandbox_admin_router(control: SandboxControl, tags: Sequence[str] = ()) -> Router:
    """Routes under `control.admin_prefix`.

    `GET/PUT /faults` read and replace the fault settings; `POST /faults/script` queues faults for
    the next requests; `GET /counters?window_s=60` returns counters and the peak number of requests
    per rate key in any window of that length; `POST /counters/reset` zeroes them.
    """

    @get("/faults", sync_to_thread=False)
    def read_faults() -> FaultSettings:
        return control.faults

    @put("/faults", sync_to_thread=False)
    def write_faults(data: JSONBody[FaultSettings]) -> FaultSettings:
        control.set_faults(data)
        return control.faults

    @post("/faults/script", sync_to_thread=False, status_code=200)
    def script_faults(data: JSONBody[FaultScript]) -> dict[str, int]:
        control.script(*data.faults)
        return {"queued": len(control.scripted)}

    @get("/counters", sync_to_thread=False)
    def read_counters(window_s: FromQuery[float] = 60.0) -> dict[str, object]:
        snapshot = control.counters.snapshot()
        keys = list(control.counters.arrivals)
        snapshot["peaks"] = {key: control.counters.peak(key, window_s) for key in keys}
        return snapshot

    @post("/counters/reset", sync_to_thread=False, status_code=200)
    def reset_counters() -> dict[str, bool]:
        control.counters.reset()
        return {"reset": True}

    handlers = [read_faults, write_faults, script_faults, read_counters, reset_counters]
    return Router(path=control.admin_prefix, route_handlers=handlers, tags=list(tags))
