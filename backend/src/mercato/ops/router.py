"""Liveness, readiness and metrics (mounted without the /api/v1 prefix)."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from mercato.deps import ContainerDep
from mercato.errors import PROBLEM_CONTENT_TYPE, problem_body

router = APIRouter(tags=["ops"])
log = structlog.get_logger("mercato.ops")


@router.get("/healthz", operation_id="checkLiveness", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check_broker(url: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=2, transport_options={"max_retries": 1}) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@router.get(
    "/readyz",
    operation_id="checkReadiness",
    summary="Readiness: database, cache and broker reachable",
    responses={503: {"description": "A dependency is unreachable"}},
)
async def readyz(container: ContainerDep) -> Response:
    checks: dict[str, str] = {}

    async def run(name: str, coro: Any) -> None:
        try:
            await asyncio.wait_for(coro, timeout=3)
            checks[name] = "ok"
        except Exception as exc:
            log.warning("readiness_check_failed", check=name, error=str(exc))
            checks[name] = "unavailable"

    async def db_check() -> None:
        async with container.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await run("database", db_check())
    await run("cache", container.cache.ping())
    await run(
        "broker",
        asyncio.to_thread(_check_broker, container.settings.effective_broker_url),
    )
    failed = [name for name, state in checks.items() if state != "ok"]
    if failed:
        body = problem_body(
            503,
            "not_ready",
            "Unavailable: " + ", ".join(failed),
            title="Not ready",
            checks=checks,
        )
        return JSONResponse(body, status_code=503, media_type=PROBLEM_CONTENT_TYPE)
    return JSONResponse({"status": "ok", "checks": checks})


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
