"""Run the Wix sandbox alone: `python -m server.sandboxes.wix [--port 8101] [--config FILE]`.

Serves the two demo sites of `server.sandboxes.demo` (key `wix-demo-api-key`; one V1 and one V3
catalogue with the demo catalogue's SKUs), or the sites of a JSON `WixSandboxConfig`. Point
`WIX_API_URL` at it. `python -m server.sandboxes` runs it together with the Allegro sandbox.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from server.sandboxes.demo import WIX_PORT, wix_demo_config
from server.sandboxes.wix.app import create_wix_sandbox
from server.sandboxes.wix.seed import load_config


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the Wix sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=WIX_PORT)
    parser.add_argument("--config", type=Path, help="JSON WixSandboxConfig instead of the demo")
    return parser.parse_args()


def main() -> None:
    """Parse the arguments, build the app and serve it with uvicorn."""
    args = _arguments()
    config = load_config(args.config) if args.config else wix_demo_config()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger(__name__).info("Wix sandbox on http://%s:%d", args.host, args.port)
    uvicorn.run(create_wix_sandbox(config), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
