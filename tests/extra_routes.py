"""An application with extra, test-only routes, sharing each test's database and settings.

The suite's ``app`` fixture reuses one application and points its state at each test's database.
Tests that need routes of their own (a handler that raises, a page that renders a template string)
cannot add them to that shared application, so they get one application of their own per set of
routes, built once and given the same per-test state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar

from governance.app import create_app

_BUILT: dict[str, Litestar] = {}


def with_routes(base: Litestar, name: str, routes: Callable[[], list[Any]]) -> Litestar:
    """The application named ``name`` with ``routes()`` added, in the state of ``base``."""
    built = _BUILT.get(name)
    if built is None:
        built = create_app(base.state["settings"], engine=base.state["engine"])
        for handler in routes():
            built.register(handler)
        _BUILT[name] = built
    built.state.update(base.state.dict())
    return built
