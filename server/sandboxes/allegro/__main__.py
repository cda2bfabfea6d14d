"""Run the Allegro sandbox: `python -m server.sandboxes.allegro [--port 8102] [--offers 200]`.

Serves the auth host and the REST API on one address (point both `ALLEGRO_AUTH_URL` and
`ALLEGRO_API_URL` at it), seeded with `demo_seed()` or a JSON seed file. Demo credentials: Client
ID `stockbridge-demo`, secret `stockbridge-demo-secret`; sellers `StockBridgeDemo1`/`2` with
tokens `demo-access-token-N` / `demo-refresh-token-N` (the refresh tokens rotate on first use).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import msgspec
import uvicorn

from server.sandboxes.allegro.app import create_allegro_sandbox
from server.sandboxes.allegro.config import AllegroSandboxConfig
from server.sandboxes.allegro.seed import demo_seed, load_seed


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the Allegro sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--offers", type=int, default=200, help="offers per demo seller")
    parser.add_argument("--seed", type=Path, help="JSON seed file instead of the demo seed")
    parser.add_argument("--config", type=Path, help="JSON AllegroSandboxConfig overrides")
    parser.add_argument(
        "--time-scale", type=float, default=None, help="run rate windows N times faster"
    )
    return parser.parse_args()


def main() -> None:
    """Parse the arguments, build the app and serve it with uvicorn."""
    args = _arguments()
    config = AllegroSandboxConfig()
    if args.config is not None:
        config = msgspec.json.decode(args.config.read_bytes(), type=AllegroSandboxConfig)
    if args.time_scale is not None:
        config = msgspec.structs.replace(config, time_scale=args.time_scale)
    seed = load_seed(args.seed) if args.seed else demo_seed(args.offers)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger(__name__).info("Allegro sandbox on http://%s:%d", args.host, args.port)
    uvicorn.run(create_allegro_sandbox(config, seed), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
