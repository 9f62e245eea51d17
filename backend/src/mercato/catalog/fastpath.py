"""Serve cached public catalog responses before FastAPI's routing and dependency injection.

A pure ASGI middleware, innermost in the stack (so request ids, security headers and CORS still
apply). On a cache hit for a public catalog GET it answers straight from the cache; on a miss,
a cache outage or any other path it passes the request on unchanged, and the router computes,
validates and caches as usual. The cache key is the raw path and sorted query string, the same
key the router uses, so an invalid request is never cached and always reaches validation.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from mercato.platform.cache_tags import product_tag
from mercato.platform.middleware import ROUTE_TEMPLATE_KEY
from mercato.platform.response_cache import cache_key, etag_matches, response_headers

_ONE_SEGMENT = r"[^/]{1,300}"
# (pattern, tags, route template). Tags (mercato.catalog.freshness): `products` for everything a
# catalog write may change, `listings` for what shows a product's summary (price, title, image,
# in stock), and the product's own `product:<slug>` (bumped when its stock moves) on its page.
_ROUTES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"^/api/v1/products$"), ("products", "listings"), "/api/v1/products"),
    (
        re.compile(rf"^/api/v1/products/(?P<slug>{_ONE_SEGMENT})$"),
        ("products", "listings"),
        "/api/v1/products/{slug}",
    ),
    (re.compile(r"^/api/v1/categories$"), ("categories", "products"), "/api/v1/categories"),
    (
        re.compile(rf"^/api/v1/collections/{_ONE_SEGMENT}$"),
        ("products", "collections", "listings"),
        "/api/v1/collections/{slug}",
    ),
)


def tags_for(path: str) -> tuple[str, ...] | None:
    match = _match(path)
    return match[0] if match else None


def _match(path: str) -> tuple[tuple[str, ...], str] | None:
    for pattern, tags, template in _ROUTES:
        if match := pattern.match(path):
            slug = match.groupdict().get("slug")
            return ((*tags, product_tag(slug)) if slug else tags), template
    return None


class CatalogCacheFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        match = _match(path)
        app = scope.get("app")
        container = getattr(getattr(app, "state", None), "container", None)
        if match is None or container is None:
            await self.app(scope, receive, send)
            return
        tags, template = match
        cached = await container.catalog_cache.peek(cache_key(path, scope["query_string"]), tags)
        if cached is None:
            await self.app(scope, receive, send)
            return
        scope[ROUTE_TEMPLATE_KEY] = template  # metrics and access log: answered before routing
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
                break
        headers = response_headers(
            cached.etag, container.settings.catalog.http_max_age_seconds, hit=True
        )
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if etag_matches(if_none_match, cached.etag):
            await send({"type": "http.response.start", "status": 304, "headers": raw})
            await send({"type": "http.response.body", "body": b""})
            return
        raw += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(cached.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": raw})
        await send({"type": "http.response.body", "body": cached.body})
