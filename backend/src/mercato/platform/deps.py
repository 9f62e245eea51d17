"""Request-scoped dependencies shared by every router (Annotated aliases)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.platform.config import Settings
from mercato.platform.ports import PlatformPorts

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` in its
# thread pool, a thread hop per request for an attribute read
# (tests/unit/platform/test_dependencies.py).


async def get_container(request: Request) -> Any:
    """The app's Container; routers annotate it with their domain's ports Protocol (`PortsDep`)."""
    return request.app.state.container


ContainerDep = Annotated[PlatformPorts, Depends(get_container)]


async def get_settings(container: ContainerDep) -> Settings:
    return container.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request, container: ContainerDep) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the handler returns, rolled back on error.

    Safe methods get a read session; others a write session (on SQLite: BEGIN IMMEDIATE).
    """
    async with container.db.session(write=request.method not in _READ_METHODS) as session:
        yield session


# scope="function": the commit happens before the response is sent, never after.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def client_ip(request: Request) -> str:
    """The client address; uvicorn --proxy-headers resolves X-Forwarded-For from trusted proxies."""
    return request.client.host if request.client else "unknown"


REQUIRED_HEADER_MARK = "x-mercato-required-header"


def required_header(alias: str, description: str) -> Any:
    """A header the OpenAPI document declares required; the handler answers 428 when it is missing.

    Use as `Annotated[str | None, required_header("If-Match", "...")] = None`: FastAPI would answer
    a missing required header with a generic 422; the handler's 428 problem says what to send.
    """
    return Header(
        alias=alias, description=description, json_schema_extra={REQUIRED_HEADER_MARK: True}
    )
