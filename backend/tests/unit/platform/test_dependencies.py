"""Every dependency of every route is a coroutine: FastAPI runs a plain `def` dependency in its
thread pool, a thread hop per request (in a 200-buyer race it showed as ~3 % of the API
process's CPU for `get_container`, an attribute read)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from mercato.main import create_app
from mercato.platform.config import Settings

# Classes FastAPI builds from the request (form parsing): not on a hot path, and not ours.
SYNC_ALLOWED = {"fastapi.security.oauth2.OAuth2PasswordRequestForm"}


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        call = sub.call
        if call is not None and not (
            inspect.iscoroutinefunction(call)
            or inspect.isasyncgenfunction(call)
            or inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004
        ):
            name = f"{call.__module__}.{getattr(call, '__qualname__', call)}"
            if name not in SYNC_ALLOWED:
                yield name
        yield from _sync_calls(sub)


def test_no_route_runs_a_dependency_in_the_thread_pool(tmp_path: Path) -> None:
    app = create_app(
        Settings(
            env="test",
            data_dir=tmp_path / "var",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 't.db'}",
        )
    )
    routes = list(_routes(app.routes))
    assert len(routes) > 50  # the walk reaches the included routers' routes
    offenders = {
        f"{route.path}: {name}" for route in routes for name in _sync_calls(route.dependant)
    }
    assert offenders == set()
