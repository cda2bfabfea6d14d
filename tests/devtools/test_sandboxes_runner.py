"""`python -m server.sandboxes`: both sandboxes in one process, on the ports asked for.

The runner is started as `make sandbox` and `make demo` start it, on free ports; one request with a
demo credential goes to each sandbox; SIGTERM stops both. A taken port stops start-up.
"""

from __future__ import annotations

import socket
import subprocess

import httpx

from server.devtools.embedded import PROJECT_ROOT, free_port
from server.devtools.sandboxes import (
    SandboxUrls,
    sandbox_command,
    stop_process,
    wait_until_answering,
)
from server.sandboxes.demo import WIX_API_KEY, WIX_SITES, allegro_demo_seed

ALLEGRO_HEADERS = {
    "Accept": "application/vnd.allegro.public.v1+json",
    "User-Agent": "StockBridgeTests/1.0 (+https://example.com)",
}


def _start(wix_port: int, allegro_port: int) -> subprocess.Popen[bytes]:
    command = sandbox_command(wix_port, allegro_port, "--log-level", "warning")
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_runner_serves_both_sandboxes_with_the_demo_credentials() -> None:
    wix_port, allegro_port = free_port(), free_port()
    urls = SandboxUrls(f"http://127.0.0.1:{wix_port}", f"http://127.0.0.1:{allegro_port}")
    process = _start(wix_port, allegro_port)
    try:
        wait_until_answering(process, urls, timeout=10)
        site_id, catalog = WIX_SITES[1]
        seller = allegro_demo_seed().sellers[1]
        with httpx.Client(trust_env=False, timeout=5) as http:
            wix = http.get(
                f"{urls.wix}/stores/v3/provision/version",
                headers={"Authorization": WIX_API_KEY, "wix-site-id": site_id},
            )
            allegro = http.get(
                f"{urls.allegro}/me",
                headers={**ALLEGRO_HEADERS, "Authorization": f"Bearer {seller.access_token}"},
            )
    finally:
        stop_process(process, timeout=5)
        out, _ = process.communicate()
    assert wix.status_code == 200, wix.text
    assert wix.json() == {"catalogVersion": catalog}
    assert allegro.status_code == 200, allegro.text
    assert allegro.json()["login"] == seller.login == "StockBridgeDemo2"
    assert process.returncode == 0
    assert WIX_API_KEY in out.decode()  # the banner lists the demo credentials


def test_a_taken_port_stops_start_up_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            sandbox_command(free_port(), port),
            cwd=PROJECT_ROOT,
            capture_output=True,
            timeout=15,
            check=False,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr.decode()
