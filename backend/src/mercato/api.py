"""Every module's router, mounted by create_app(). Add a module's router here."""

from __future__ import annotations

from fastapi import APIRouter

from mercato.accounts.router import routers as accounts_routers
from mercato.ops.router import router as ops_router

API_PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """Routers mounted under /api/v1."""
    routers: list[APIRouter] = []
    routers.extend(accounts_routers)
    return routers


def root_routers() -> list[APIRouter]:
    """Routers mounted at the root (health, metrics, media)."""
    return [ops_router]
