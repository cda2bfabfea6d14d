"""The app's routes as the security tests see them: discovered from `app.routes`, never listed.

A route another branch adds is picked up by every test that iterates these, so a new write route
must be guarded (or named in a public list with its reason) before the suite passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_PREFIXES = ("/api/", "/warehouse/", "/health", "/metrics", "/schema")
"""Paths that answer JSON (and 401); every other path is a dashboard page (login redirect)."""
_PARAM = re.compile(r"\{(\w+):(\w+)\}")
SAMPLE_VALUES = {"int": "1", "str": "SKU-1", "path": "app.css"}
"""A value per path-parameter type; the security fixtures seed rows with these ids."""


@dataclass(frozen=True)
class Route:
    """One method on one path template, with the handler behind it."""

    method: str
    template: str
    handler: HTTPRouteHandler

    @property
    def path(self) -> str:
        """The template with a sample value in every parameter."""
        return _PARAM.sub(lambda m: SAMPLE_VALUES.get(m.group(2), "1"), self.template)

    @property
    def is_api(self) -> bool:
        """Whether the route answers JSON errors (otherwise it is a dashboard page)."""
        return self.template.startswith(JSON_PREFIXES)

    @property
    def key(self) -> tuple[str, str]:
        """(method, template), how the public lists name a route."""
        return (self.method, self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def all_routes(app: Litestar) -> list[Route]:
    """Every (method, path template) the app answers, OPTIONS excluded."""
    found: list[Route] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method != "OPTIONS":
                    found.append(Route(method=method, template=route.path, handler=handler))
    return found


def write_routes(app: Litestar) -> list[Route]:
    """Every route with a method other than GET, HEAD and OPTIONS."""
    return [route for route in all_routes(app) if route.method not in READ_METHODS]


def read_routes(app: Litestar) -> list[Route]:
    """Every GET route."""
    return [route for route in all_routes(app) if route.method == "GET"]
