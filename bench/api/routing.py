"""What finding a request's route costs, as mounted against the former mounting order.

FastAPI 0.165 matches a request against every route in the order the routers were included, one
by one, and an included router's routes are each tried even when its prefix cannot match. This
measures `matches` over the app's top-level routes for a few paths, in one run, for the app as
`create_app` mounts it and for the former order (accounts first, the shopper's routers after
them, the root probes and /media after every API route). No server, no database round trip.

    .venv/bin/python bench/api/routing.py [--rounds 5] [--iterations 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parents[2] / "backend"
sys.path.insert(0, str(BACKEND / "src"))

from fastapi import FastAPI  # noqa: E402
from starlette.routing import Match  # noqa: E402

from mercato import api  # noqa: E402
from mercato.main import create_app  # noqa: E402
from mercato.platform.config import Settings  # noqa: E402

PATHS = [
    ("POST", "/api/v1/checkout"),
    ("GET", "/api/v1/products"),
    ("GET", "/api/v1/carts/00000000-0000-4000-8000-000000000000"),
    ("GET", "/api/v1/nowhere"),  # a 404 tries every route
    ("GET", "/media/products/lamp.webp"),
    ("GET", "/healthz"),
]


def out(line: str) -> None:
    sys.stdout.write(line + "\n")


def former_order() -> FastAPI:
    app = FastAPI()
    routers = list(api.accounts_routers)
    routers += [api.catalog_router, api.catalog_io_router, api.catalog_admin_router]
    routers += [api.cart_router, api.checkout_router, api.discounts_admin_router]
    routers += [api.orders_router, api.orders_admin_router]
    routers += [api.order_shipments_router, api.order_fulfilment_router, api.payments_router]
    routers += [api.worker_admin_router, api.backups_admin_router, api.integrations_router]
    routers += [api.shipping_router, api.shipping_admin_router]
    routers += [api.content_router, api.content_admin_router, api.admin_router]
    for router in routers:
        app.include_router(router, prefix=api.API_PREFIX)
    for router in api.root_routers():
        app.include_router(router)
    return app


def per_request_us(app: Any, method: str, path: str, iterations: int) -> float:
    routes = list(app.router.routes)
    started = time.perf_counter()
    for _ in range(iterations):
        scope = {"type": "http", "method": method, "path": path, "root_path": "", "app": app}
        for route in routes:
            if route.matches(scope)[0] == Match.FULL:
                break
    return (time.perf_counter() - started) / iterations * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/x.db", data_dir=Path(tmp))
        apps = {"as mounted": create_app(settings), "former order": former_order()}
        out("| path | as mounted µs | former order µs | former / as mounted |")
        out("|---|---:|---:|---:|")
        for method, path in PATHS:
            runs: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(args.rounds):  # interleaved, so a drifting machine hits both alike
                for name, app in apps.items():
                    runs[name].append(per_request_us(app, method, path, args.iterations))
            now, before = (statistics.median(runs[name]) for name in apps)
            out(f"| {method} {path} | {now:.1f} | {before:.1f} | {before / now:.1f}x |")


if __name__ == "__main__":
    main()
