"""Liveness, readiness and metrics (mounted without the /api/v1 prefix)."""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Any, Literal

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import text

from mercato.ops import backup_metrics as _backup_metrics  # the backup status on /metrics
from mercato.platform.deps import ContainerDep
from mercato.platform.errors import PROBLEM_CONTENT_TYPE, problem_body
from mercato.platform.metrics import exposition
from mercato.platform.ports import PlatformPorts

router = APIRouter(tags=["ops"])
log = structlog.get_logger("mercato.ops")


class ApiIndex(BaseModel):
    name: str
    version: str
    openapi: str = Field(description="The API's OpenAPI document")
    docs: str = Field(description="Interactive documentation")


@router.get(
    "/api/v1",
    operation_id="apiIndex",
    summary="What this API is and where its documentation is",
    response_model=ApiIndex,
)
async def api_index(request: Request) -> ApiIndex:
    app = request.app
    return ApiIndex(name=app.title, version=app.version, openapi=app.openapi_url, docs="/docs")


@router.get("/healthz", operation_id="checkLiveness", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_broker(url: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=2, transport_options={"max_retries": 1}) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


class DependencyCheck(BaseModel):
    status: Literal["ok", "unavailable"]
    latency_ms: float = Field(description="Time the check took, in milliseconds")
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["ok"]
    checks: dict[str, Literal["ok", "unavailable"]] = Field(
        description="Each dependency's state (database, cache, broker)"
    )
    dependencies: dict[str, DependencyCheck] = Field(
        description="Each dependency's state with the latency of its check"
    )


async def dependency_checks(
    container: PlatformPorts, timeout: float = 3.0
) -> dict[str, DependencyCheck]:
    """Database, cache and broker, checked concurrently, each with its latency."""

    async def db_check() -> None:
        async with container.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def run(name: str, coro: Any) -> tuple[str, DependencyCheck]:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(coro, timeout=timeout)
            error = None
        except Exception as exc:
            log.warning("readiness_check_failed", check=name, error=str(exc))
            error = type(exc).__name__
        latency = round((time.perf_counter() - started) * 1000, 2)
        return name, DependencyCheck(
            status="unavailable" if error else "ok", latency_ms=latency, error=error
        )

    results = await asyncio.gather(
        run("database", db_check()),
        run("cache", container.cache.ping()),
        run("broker", asyncio.to_thread(_check_broker, container.settings.effective_broker_url)),
    )
    return dict(results)


@router.get(
    "/readyz",
    operation_id="checkReadiness",
    summary="Readiness: database, cache and broker reachable, with each one's latency",
    response_model=Readiness,
    responses={503: {"description": "A dependency is unreachable (problem+json with `checks`)"}},
)
async def readyz(container: ContainerDep) -> Response:
    checks = await dependency_checks(container)
    failed = [name for name, check in checks.items() if check.status != "ok"]
    states = {name: check.status for name, check in checks.items()}
    dependencies = {name: check.model_dump(exclude_none=True) for name, check in checks.items()}
    if failed:
        body = problem_body(
            503,
            "not_ready",
            "Unavailable: " + ", ".join(failed),
            title="Not ready",
            checks=states,
            dependencies=dependencies,
        )
        return JSONResponse(body, status_code=503, media_type=PROBLEM_CONTENT_TYPE)
    return JSONResponse({"status": "ok", "checks": states, "dependencies": dependencies})


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request, container: ContainerDep) -> Response:
    """Open in development; with `MERCATO_OBSERVABILITY__METRICS_TOKEN` only to that bearer
    token; in production without a token, not served at all (404)."""
    settings = container.settings
    token = settings.observability.metrics_token
    if token is not None and token.get_secret_value():
        sent = request.headers.get("authorization", "")
        expected = "Bearer " + token.get_secret_value()
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            body = problem_body(
                401,
                "metrics_unauthorized",
                "Send the scraper's bearer token.",
                title="Unauthorized",
            )
            return JSONResponse(
                body,
                status_code=401,
                media_type=PROBLEM_CONTENT_TYPE,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    elif settings.is_production:
        body = problem_body(404, "not_found", "Not Found", title="Not Found")
        return JSONResponse(body, status_code=404, media_type=PROBLEM_CONTENT_TYPE)
    return Response(exposition(_backup_metrics.add_to), media_type=CONTENT_TYPE_LATEST)
