"""The OpenAPI document, made to tell the truth about what the API answers.

FastAPI's generator knows the success responses and request shapes. What it cannot see is added
here, from the routes themselves (not from a hand-kept list):

- every 4xx/5xx response is `application/problem+json` with the `Problem` schema;
- the error statuses an operation can answer: those its decorator declares (`responses=`), plus
  those its inputs and dependencies imply (422 for any input, 400 and 413 for a body, 401 when
  it reads a bearer token, 403 behind a role check, 404 with path parameters, 503 when it uses
  the database, which answers `database_busy` under write contention);
- bearer auth is optional (`security: [{}, {OAuth2PasswordBearer: []}]`) on operations guests
  use, required where the route needs a user;
- headers declared with `mercato.platform.deps.required_header()` (Idempotency-Key, If-Match) are
  required (the handlers still answer their own 428 problem when one is missing, rather than a
  422); an If-Match header implies 412 (stale ETag).

`tests/e2e/test_api_fuzz.py` checks that every status the fuzzer sees is declared here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from mercato.accounts.dependencies import get_claims, get_optional_claims, require_role
from mercato.platform.deps import REQUIRED_HEADER_MARK, get_session
from mercato.platform.errors import PROBLEM_CONTENT_TYPE

DOCS_ASSETS = "/docs/assets"
DOCS_OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"OAuth2PasswordBearer": []}]

PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": (
            "RFC 9457 problem details. Branch on `code` (stable, machine-readable); `detail` is"
            " for people. Some codes carry extra members, listed below; others may be added."
        ),
        "type": "object",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": {"type": "string", "description": "A URI naming the problem type."},
            "title": {"type": "string", "description": "Short summary of the problem type."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "code": {
                "type": "string",
                "description": "Stable code, e.g. `insufficient_stock`, `validation_error`.",
                "examples": ["insufficient_stock"],
            },
            "detail": {"type": "string", "description": "What went wrong, for people."},
            "instance": {"type": "string", "description": "The request path."},
            "request_id": {"type": "string", "description": "Quote it when reporting a bug."},
            "errors": {
                "type": "array",
                "description": "Per-field problems (`validation_error`, `invalid_address`).",
                "items": {"$ref": "#/components/schemas/ProblemFieldError"},
            },
            "sku": {"type": "string", "description": "The SKU concerned (stock, cart codes)."},
            "skus": {"type": "array", "items": {"type": "string"}},
            "items": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Wishlist items that are no published product (`unknown_product`).",
            },
            "requested": {"type": "integer"},
            "available": {
                "description": "Units available (stock codes) or available codes (shipping).",
                "anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}],
            },
            "on_hand": {"type": "integer"},
            "reserved": {"type": "integer"},
            "max_quantity": {"type": "integer"},
            "max_lines": {"type": "integer"},
            "missing": {
                "type": "array",
                "items": {"type": "string"},
                "description": "What checkout still needs (`checkout_incomplete`).",
            },
            "min_subtotal": {"type": "integer"},
            "refundable": {"type": "integer", "description": "Minor units still refundable."},
            "current_version": {
                "type": "integer",
                "description": "The version to send in If-Match (`version_mismatch`).",
            },
            "from": {"type": "string", "description": "State before a refused transition."},
            "to": {"type": "string", "description": "The refused target state."},
            "slug": {"type": "string"},
            "order_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "line_id": {"type": "string"},
        },
        "additionalProperties": True,
    },
    "ProblemFieldError": {
        "title": "ProblemFieldError",
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"type": "string"}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    },
}


def camel_case(name: str) -> str:
    head, *rest = [part for part in re.split(r"[^A-Za-z0-9]+", name) if part]
    return head[0].lower() + head[1:] + "".join(p[0].upper() + p[1:] for p in rest)


def operation_id(route: APIRoute) -> str:
    """Fallback for routes without an explicit `operation_id=`: the handler name in camelCase."""
    return camel_case(route.name)


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and /openapi.json) return the corrected document; serve /docs.

    Create the app with `docs_url=None, redoc_url=None`: /docs is Swagger UI from the pinned
    `swagger-ui-bundle-v2` package, served from /docs/assets (no CDN: it works offline). There is
    no /redoc (it would load from a CDN).
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    async def swagger_ui(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=DOCS_OAUTH2_REDIRECT,
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route(DOCS_OAUTH2_REDIRECT, oauth2_redirect, include_in_schema=False)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        servers=app.servers,
    )
    routes: dict[tuple[str, str], APIRoute] = {}
    for context in iter_route_contexts(app.routes):  # included routers carry their prefix here
        original = context.original_route
        if isinstance(original, APIRoute):
            for method in context.methods or ():
                routes[(method.lower(), str(context.path_format))] = original
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            api_route = routes.get((method, path))
            if api_route is None:
                continue
            _fix_security(op, api_route)
            _fix_required_headers(op)
            _fix_errors(op, api_route)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(PROBLEM_SCHEMAS)
    return spec


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _fix_security(op: dict[str, Any], route: APIRoute) -> None:
    if "security" not in op:
        return
    calls = set(_calls(route.dependant))
    if get_claims not in calls and get_optional_claims in calls:
        op["security"] = list(_OPTIONAL_BEARER)


def _fix_required_headers(op: dict[str, Any]) -> None:
    for param in op.get("parameters", []):
        schema = param.get("schema", {})
        if schema.pop(REQUIRED_HEADER_MARK, None):
            param["required"] = True
            param[REQUIRED_HEADER_MARK] = True  # removed again by _fix_errors (428 implied)
            # `str | None` in the signature (the handler answers the 428): a string on the wire.
            param["schema"] = {"type": "string", "title": schema.get("title", param["name"])}


def _role_checked(route: APIRoute) -> bool:
    checkers = require_role.__qualname__ + ".<locals>."
    return any(getattr(c, "__qualname__", "").startswith(checkers) for c in _calls(route.dependant))


def _implied_statuses(op: dict[str, Any], route: APIRoute) -> set[int]:
    statuses: set[int] = set()
    params = op.get("parameters", [])
    if params or "requestBody" in op:
        statuses.add(422)
    if "requestBody" in op:
        statuses.update((400, 413))  # a body that cannot be parsed; one over the size limit
    if any(p["in"] == "path" for p in params):
        statuses.add(404)
    if "security" in op:
        statuses.add(401)
    for param in params:
        if param.pop(REQUIRED_HEADER_MARK, False):
            statuses.add(428)  # the handler's answer to a missing required header
        if param["in"] == "header" and param["name"].lower() == "if-match":
            statuses.add(412)  # a stale ETag
    if _role_checked(route):
        statuses.add(403)
    if get_session in set(_calls(route.dependant)):
        statuses.add(503)
    return statuses


def _fix_errors(op: dict[str, Any], route: APIRoute) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    for status in _implied_statuses(op, route):
        responses.setdefault(str(status), {})
    for key, response in responses.items():
        if not key.isdigit() or int(key) < 400:
            continue
        status = int(key)
        description = response.get("description")
        if not description or description == "Validation Error":
            description = HTTPStatus(status).phrase
        response["description"] = description
        response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": dict(_PROBLEM_REF)}}
    op["responses"] = dict(sorted(responses.items()))


def document() -> dict[str, Any]:
    """The API's OpenAPI document, independent of the environment (for `mercato openapi`).

    Built from the defaults in a throwaway data directory: no server, no database connection,
    nothing read from MERCATO_* variables or .env, so every checkout produces the same file.
    """
    import tempfile

    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

    from mercato.main import create_app
    from mercato.platform.config import Settings

    class DefaultSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    with tempfile.TemporaryDirectory(prefix="mercato-openapi-") as data_dir:
        app = create_app(DefaultSettings(data_dir=data_dir, log_level="ERROR"))
        return app.openapi()
