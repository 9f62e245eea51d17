"""Application factory: create_app(settings) -> FastAPI."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mercato.api import API_PREFIX, api_routers, root_routers
from mercato.bootstrap import Container, build_container
from mercato.catalog.fastpath import (
    CatalogCacheAnswers,
    CatalogCacheFastPath,
    PlainListMisses,
    ProductPageMisses,
    SearchMisses,
)
from mercato.checkout import service as checkout_service
from mercato.checkout.lane import CheckoutLane
from mercato.openapi import install_openapi, operation_id
from mercato.ops.sentry import init_sentry, tag_request_id
from mercato.platform.config import Settings
from mercato.platform.edge import Edge, MercatoAPI
from mercato.platform.errors import install_error_handlers
from mercato.platform.logging import configure_logging, user_hasher
from mercato.platform.metrics import prime as prime_metrics
from mercato.platform.middleware import (
    BodySizeLimitMiddleware,
    HeadAsGetMiddleware,
    ProblemCORSMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    UnstorableTextMiddleware,
)

UPLOAD_PATH_PREFIXES = ("/api/v1/admin/",)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def create_app(settings: Settings | None = None, container: Container | None = None) -> MercatoAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_json, service="api")
    sentry_on = init_sentry(settings, "api")
    container = container or build_container(settings)
    prime_metrics(settings.catalog.currency)

    @asynccontextmanager
    async def lifespan(_app: MercatoAPI) -> AsyncIterator[None]:
        relay = None
        if settings.worker.relay_after_commit:
            from mercato.worker.relay import AfterCommitRelay

            relay = AfterCommitRelay(container)  # publishes outbox events right after commit
            relay.start()
        if settings.env != "test":
            # a burst finds its connections open, checkout's hot statements prepared on each
            await container.db.fill_pool(checkout_service.prepare_statements)
            # Everything alive after start-up (modules, the app, the container) moves to the
            # collector's permanent generation: full collections stop walking it. Without this a
            # full collection paused a process for ~100 ms every so often (p99 of cached hits
            # with Redis ~140 ms, ~35 ms with it; docs/benchmarks.md).
            gc.collect()
            gc.freeze()
        yield
        if relay is not None:
            await relay.stop()
        await container.aclose()

    app = MercatoAPI(
        # FastAPI's native OpenTelemetry looks up the global providers on every request (~30 µs
        # of a ~210 µs cached hit); Mercato's telemetry is Prometheus, Sentry and the JSON logs.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title="Mercato API",
        version="1.0.0",
        description="Mercato e-commerce API. Errors are RFC 9457 problem+json with a `code`.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # install_openapi serves /docs from local assets
        redoc_url=None,
    )
    app.state.container = container
    from mercato.ops.backup_metrics import install as install_backup_metrics

    install_backup_metrics(settings)  # backup status on /metrics, from the backup store
    install_error_handlers(app)
    install_openapi(app)

    # the root routes first: /media and the probes must not be matched behind every API route
    for router in root_routers():
        app.include_router(router)
    for router in api_routers():
        app.include_router(router, prefix=API_PREFIX)

    def body_limit(path: str) -> int:
        if path.startswith(UPLOAD_PATH_PREFIXES):
            return max(settings.max_body_bytes, MAX_UPLOAD_BYTES)
        return settings.max_body_bytes

    # Starlette runs the last added middleware first.
    cached_catalog = CatalogCacheAnswers(
        container.catalog_cache,
        settings.catalog.http_max_age_seconds,
        PlainListMisses(container.db, settings.catalog.currency),
        ProductPageMisses(container),
        SearchMisses(container.db, settings.catalog.currency),
    )
    app.add_middleware(CatalogCacheFastPath, answers=cached_catalog)  # innermost: skips routing
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(UnstorableTextMiddleware)  # NUL / lone surrogates: 4xx, never a 500
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "If-Match",
            "If-None-Match",
            "X-Request-ID",
            "X-CSRF-Token",
        ],
        expose_headers=["ETag", "X-Request-ID", "Retry-After", "Location"],
    )
    app.add_middleware(BodySizeLimitMiddleware, limit_for=body_limit)
    app.add_middleware(SecurityHeadersMiddleware)
    user_hash = user_hasher(settings.secret_key.get_secret_value())
    app.add_middleware(
        RequestContextMiddleware,
        user_hash=user_hash,
        on_request_id=tag_request_id if sentry_on else None,
    )
    # In front of all of it, answered in one pass (platform/edge.py): cached public reads,
    # and a checkout's buyer turned away by the stock gate (checkout/lane.py).
    app.edge = Edge(
        cached_catalog,
        on_request_id=tag_request_id if sentry_on else None,
        lanes=(CheckoutLane(container, f"{API_PREFIX}/checkout", container.tokens, user_hash),),
    )
    return app


def create_served_app() -> MercatoAPI:
    """The app factory `mercato serve` gives uvicorn: a worker process exits with its parent."""
    from mercato.platform.lifeline import exit_with_serve

    exit_with_serve()
    return create_app()
