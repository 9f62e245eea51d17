"""Error tracking with Sentry, on when `MERCATO_SENTRY_DSN` is set (ADR 0036).

`init_sentry(settings, component)` is called once per process (API, worker, scheduler) with the
FastAPI/Starlette, Celery and SQLAlchemy integrations. Every event carries the release, the
environment, the component and the request id (API) or task id (worker); `scrub_event` removes
personal data before anything leaves the process: e-mail addresses, postal addresses, names,
phone numbers, tokens and secrets, card data, the `Authorization` and `Cookie` headers, cookies and
request bodies; frame-local variables are not sent at all. `send_default_pii` stays off, so
Sentry adds no IP address or user either.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from mercato.platform.config import Settings

FILTERED = "[Filtered]"

# Keys whose values are personal data or secrets wherever they appear (headers, bodies, locals,
# extra, breadcrumbs). Compared lower-cased, with `-` as `_`, by substring.
_SENSITIVE_KEY_PARTS = (
    "email",
    "address",
    "street",
    "line1",
    "line2",
    "postal",
    "postcode",
    "zip",
    "city",
    "phone",
    "first_name",
    "last_name",
    "full_name",
    "customer_name",
    "name_on",
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "session",
    "api_key",
    "apikey",
    "card",
    "cvc",
    "cvv",
    "iban",
    "exp_month",
    "exp_year",
    "signature",
    "dsn",
    "credentials",
    "query_string",
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_HEADER_TEXT = re.compile(
    r"(?i)((?:set-)?cookie|authorization|x-api-key)(['\"]?\s*[:=,]\s*['\"]?)[^'\"\n]+"
)
_SECRET_PREFIX = re.compile(r"\b(?:sk|pk|rk|whsec|pi|seti)_[A-Za-z0-9_]{8,}")
_SAFE_KEYS = {"request_id", "task_id", "task_name", "component", "event_id"}
_SENSITIVE_KEYS = {"pan", "number", "exp", "ip"}


def _sensitive(key: str) -> bool:
    k = key.lower().replace("-", "_")
    if k in _SAFE_KEYS:
        return False
    if k in _SENSITIVE_KEYS:
        return True
    return any(part in k for part in _SENSITIVE_KEY_PARTS)


def scrub_text(text: str) -> str:
    text = _HEADER_TEXT.sub(lambda m: m.group(1) + m.group(2) + FILTERED, text)
    text = _EMAIL.sub(FILTERED, text)
    text = _BEARER.sub(FILTERED, text)
    text = _JWT.sub(FILTERED, text)
    text = _SECRET_PREFIX.sub(FILTERED, text)
    return _CARD.sub(FILTERED, text)


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            k: (FILTERED if isinstance(k, str) and _sensitive(k) else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        # headers come as [name, value] pairs
        if len(value) == 2 and isinstance(value[0], str) and _sensitive(value[0]):
            return [value[0], FILTERED]
        return [_scrub(v, depth + 1) for v in value]
    return value


def scrub_event(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """`before_send` / `before_send_transaction`: personal data and secrets out, ids kept."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)  # bodies: addresses, card data, passwords
        if "query_string" in request:
            request["query_string"] = FILTERED if request["query_string"] else ""
        if isinstance(request.get("env"), dict):
            request["env"].pop("REMOTE_ADDR", None)
    event.pop("user", None)
    tags = event.get("tags")
    kept_tags = dict(tags) if isinstance(tags, dict) else None
    scrubbed: dict[str, Any] = _scrub(event)
    if kept_tags is not None:  # our tags are ids, never personal data
        scrubbed["tags"] = {k: scrub_text(str(v)) for k, v in kept_tags.items()}
    return scrubbed


def scrub_breadcrumb(crumb: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = _scrub(crumb)
    return result


def release() -> str:
    try:
        return f"mercato@{version('mercato')}"
    except PackageNotFoundError:
        return "mercato@unknown"


_enabled = False


def sentry_enabled() -> bool:
    return _enabled


def init_sentry(settings: Settings, component: str) -> bool:
    """Initialise the SDK for this process when a DSN is configured. True when it is on."""
    global _enabled
    if settings.sentry_dsn is None or not settings.sentry_dsn.get_secret_value():
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.fastapi import FastApiIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration

    obs = settings.observability
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        release=obs.sentry_release or release(),
        environment=obs.sentry_environment or settings.env,
        send_default_pii=False,
        max_request_body_size="never",
        # frame locals are reprs of requests, headers and models: too easy a way for personal
        # data to leave; the stack trace and the scrubbed message are enough
        include_local_variables=False,
        traces_sample_rate=obs.sentry_traces_sample_rate,
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        integrations=[
            StarletteIntegration(),
            FastApiIntegration(),
            CeleryIntegration(),
            SqlalchemyIntegration(),
            LoggingIntegration(event_level=None),  # errors come from the integrations
        ],
    )
    sentry_sdk.set_tag("component", component)
    _enabled = True
    return True


def tag_request_id(request_id: str) -> None:
    """Called per request by the request-context middleware when Sentry is on."""
    import sentry_sdk

    sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)


def tag_task(task_id: str | None, task_name: str | None) -> None:
    if not _enabled:
        return
    import sentry_sdk

    scope = sentry_sdk.get_isolation_scope()
    scope.set_tag("task_id", task_id or "")
    scope.set_tag("task_name", task_name or "")
