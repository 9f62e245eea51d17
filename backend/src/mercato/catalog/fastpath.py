"""Serve cached public catalog responses before FastAPI's routing and dependency injection.

`CatalogCacheAnswers` answers a public catalog GET from the response cache: through the edge
(`platform/edge.py`, outermost, which adds the request id, security headers, metrics and access
line itself) for most requests, and through `CatalogCacheFastPath`, innermost in the full stack,
for the rest (CORS requests). On a miss of a plain product list (`?limit=…&sort=…&cursor=…`,
the shop's home page and API clients' paging) it computes the answer itself, in one prebuilt
statement, and caches it as the router would (`PlainListMisses`); so too on a miss of a product
page with no query string (`ProductPageMisses`) and of a public relevance search that finds
something (`SearchMisses`). On any other miss, a cache
outage or any other path the request goes on unchanged, and the router computes, validates and
caches as usual. The cache key is the raw path and sorted query string, the same key the router
uses, so an invalid request is never cached and always reaches validation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import NamedTuple, Protocol
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from mercato.catalog import cards
from mercato.catalog.ports import CatalogPorts
from mercato.catalog.queries import (
    NotQuick,
    plain_first_page,
    product_detail,
    quick_plain_list,
    quick_search,
)
from mercato.catalog.repository import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SORTS,
    ProductQuery,
    decode_cursor,
)
from mercato.catalog.text import SLUG_PATTERN
from mercato.platform.cache_tags import collection_tag, product_tag
from mercato.platform.db import Database, QuickReadBusy
from mercato.platform.edge import EdgeAnswer, problem_answer
from mercato.platform.errors import (
    DatabaseBusy,
    ValidationFailed,
    domain_error_for,
)
from mercato.platform.middleware import ROUTE_TEMPLATE_KEY
from mercato.platform.response_cache import (
    CachedResponse,
    ResponseCache,
    cache_key,
    etag_matches,
)


class MissSource(Protocol):
    def compute_for(
        self, path: str, query_string: bytes
    ) -> Callable[[], Awaitable[bytes]] | None: ...


HOT_SECONDS = 1.0
HOT_ENTRIES = 2_000
_ONE_SEGMENT = r"[^/]{1,300}"
# (pattern, tags, route template, the page's own tag). Tags (mercato.catalog.freshness):
# `products` for everything a catalog write may change, `listings` for what shows a product's
# summary (price, title, image, in stock), and a page's own tag: `product:<slug>` (bumped when its
# product or its stock moves), `collection:<slug>`.
_ROUTES: tuple[tuple[re.Pattern[str], tuple[str, ...], str, Callable[[str], str] | None], ...] = (
    (re.compile(r"^/api/v1/products$"), ("products", "listings"), "/api/v1/products", None),
    (
        re.compile(rf"^/api/v1/products/(?P<slug>{_ONE_SEGMENT})$"),
        ("products", "listings"),
        "/api/v1/products/{slug}",
        product_tag,
    ),
    (re.compile(r"^/api/v1/categories$"), ("categories", "products"), "/api/v1/categories", None),
    (
        re.compile(rf"^/api/v1/collections/(?P<slug>{_ONE_SEGMENT})$"),
        ("products", "collections", "listings"),
        "/api/v1/collections/{slug}",
        collection_tag,
    ),
)


def tags_for(path: str) -> tuple[str, ...] | None:
    match = _match(path)
    return match[0] if match else None


def _match(path: str) -> tuple[tuple[str, ...], str] | None:
    for pattern, tags, template, page_tag in _ROUTES:
        if match := pattern.match(path):
            if page_tag is not None:
                return (*tags, page_tag(match["slug"])), template
            return tags, template
    return None


class _Hot(NamedTuple):
    stamp: int | str  # the local generation, or the tags' versions with a shared cache
    expires: float
    answer: EdgeAnswer
    tags: tuple[str, ...]


_LIMIT = re.compile(rb"[1-9][0-9]{0,2}\Z")
_CURSOR = re.compile(rb"[A-Za-z0-9_-]{1,500}\Z")
_SORTS = frozenset(s.encode() for s in SORTS)
_LIST_PARAMS = frozenset((b"limit", b"sort", b"cursor"))


def plain_list_query(query_string: bytes) -> ProductQuery | None:
    """The query of a plain product list URL (`ProductQuery.is_plain`: only `limit`, `sort` and
    `cursor`, each once) when the API would accept every parameter as it is; None for anything
    else, which the full stack validates and answers (its 422s included)."""
    params: dict[bytes, bytes] = {}
    if query_string:
        for pair in query_string.split(b"&"):
            name, equals, value = pair.partition(b"=")
            if not equals or name not in _LIST_PARAMS or name in params:
                return None
            params[name] = value
    limit, sort, cursor = params.get(b"limit"), params.get(b"sort"), params.get(b"cursor")
    if limit is not None and not (_LIMIT.match(limit) and int(limit) <= MAX_LIMIT):
        return None
    if sort is not None and sort not in _SORTS:
        return None
    query = ProductQuery(
        sort=sort.decode() if sort is not None else None,  # type: ignore[arg-type]
        limit=int(limit) if limit is not None else DEFAULT_LIMIT,
    )
    if cursor is not None:
        if not _CURSOR.match(cursor):
            return None
        query = replace(query, cursor=cursor.decode())
        try:
            decode_cursor(query.cursor or "", query.effective_sort)
        except ValidationFailed:
            return None
    return query


class PlainListMisses:
    """What the edge computes itself when the cache has no answer: a plain product list
    (`plain_list_query`), one prebuilt statement on one connection, serialised by orjson,
    without FastAPI's routing and validation or an ORM unit of work (docs/benchmarks.md)."""

    def __init__(self, db: Database, currency: str) -> None:
        self._db = db
        self._currency = currency

    def compute_for(self, path: str, query_string: bytes) -> Callable[[], Awaitable[bytes]] | None:
        if path != "/api/v1/products":
            return None
        query = plain_list_query(query_string)
        if query is None:
            return None

        async def render() -> bytes:
            if query.cursor is None:  # the first page: the hottest miss, read raw (ADR 0056)
                return cards.dump(
                    await plain_first_page(
                        self._db, query.effective_sort, query.limit, self._currency
                    )
                )
            page = await quick_plain_list(
                self._db, query.effective_sort, query.cursor, query.limit, self._currency
            )
            return cards.dump(page)

        return render


_SEARCH_PARAMS = frozenset(("q", "limit", "cursor", "sort", "as_typed"))
_BOOLS = {"true": True, "false": False}  # what the router's `QueryBool` accepts
_MAX_Q = 200  # the router's `max_length` of `q`
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def search_query(query_string: bytes) -> ProductQuery | None:
    """The query of a public relevance search URL (`q`, with only `limit`, `cursor`,
    `sort=relevance` and `as_typed` besides, each once) when the API would accept every parameter
    as it is; None for anything else (filters, facets, text that is not UTF-8 or has control
    characters), which the full stack validates and answers."""
    params: dict[str, str] = {}
    for pair in query_string.split(b"&") if query_string else ():
        name, equals, raw = pair.partition(b"=")
        try:
            key = unquote_plus(name.decode("ascii"), errors="strict")
            value = unquote_plus(raw.decode("ascii"), errors="strict")
        except UnicodeError:
            return None
        if not equals or key not in _SEARCH_PARAMS or key in params:
            return None
        params[key] = value
    q = params.get("q")
    if q is None or len(q) > _MAX_Q or not q.strip() or _CONTROL.search(q):
        return None
    if params.get("sort", "relevance") != "relevance":
        return None
    limit = params.get("limit")
    if limit is not None and not (_LIMIT.match(limit.encode()) and int(limit) <= MAX_LIMIT):
        return None
    as_typed = params.get("as_typed", "false")
    if as_typed not in _BOOLS:
        return None
    query = ProductQuery(
        q=q.strip(),
        limit=int(limit) if limit is not None else DEFAULT_LIMIT,
        as_typed=_BOOLS[as_typed],
    )
    if (cursor := params.get("cursor")) is not None:
        if not _CURSOR.match(cursor.encode()):
            return None
        try:
            decode_cursor(cursor, "relevance")
        except ValidationFailed:
            return None
        query = replace(query, cursor=cursor)
    return query


class SearchMisses:
    """A public relevance search's miss at the edge (`search_query`), ranked and read in one
    statement (`queries.quick_search`) without FastAPI's routing and validation or an ORM unit
    of work. An empty page is left to the router, which corrects typos (unless `as_typed`; a
    page that is not empty is the same either way)."""

    def __init__(self, db: Database, currency: str) -> None:
        self._db = db
        self._currency = currency

    def compute_for(self, path: str, query_string: bytes) -> Callable[[], Awaitable[bytes]] | None:
        if path != "/api/v1/products" or b"q=" not in query_string:
            return None
        query = search_query(query_string)
        if query is None:
            return None

        async def render() -> bytes:
            page = await quick_search(
                self._db, query.q or "", query.cursor, query.limit, self._currency
            )
            return cards.dump(page)

        return render


_PRODUCT_PAGE = "/api/v1/products/"
_SLUG = re.compile(SLUG_PATTERN)


class ProductPageMisses:
    """A product page's miss at the edge: `GET /api/v1/products/<slug>` with no query string
    (what the storefront asks), computed as the router computes it (`queries.product_detail`)
    without FastAPI's routing and dependency injection. An unknown product raises, so the full
    stack answers its 404."""

    def __init__(self, ports: CatalogPorts) -> None:
        self._ports = ports

    def compute_for(self, path: str, query_string: bytes) -> Callable[[], Awaitable[bytes]] | None:
        if query_string or not path.startswith(_PRODUCT_PAGE):
            return None
        slug = path[len(_PRODUCT_PAGE) :]
        if len(slug) > 300 or not _SLUG.match(slug):
            return None

        async def render() -> bytes:
            return cards.dump(await product_detail(self._ports, slug, quick=True))

        return render


class CatalogCacheAnswers:
    """An `EdgeResponder`: the cached answer to a public catalog GET; on a miss, the answer
    `misses` computes (and caches, as the router would) for the URLs it knows; else None (not a
    catalog path, any other miss: the router computes, validates and caches as usual)."""

    def __init__(self, cache: ResponseCache, max_age_seconds: int, *misses: MissSource) -> None:
        self._cache = cache
        self._misses = misses
        self._cache_control = f"public, max-age={max_age_seconds}, must-revalidate".encode()
        # The last answer given per URL, reused while its tags are unchanged and for up to
        # HOT_SECONDS (so the cache's TTL still bounds it): with the in-process cache, checked
        # against `local_generation` (no lookup at all); with Redis, against the tags' versions
        # (one round trip instead of two).
        self._hot: dict[tuple[str, bytes], _Hot] = {}

    async def __call__(
        self, path: str, query_string: bytes, if_none_match: bytes | None
    ) -> EdgeAnswer | None:
        if if_none_match is None:
            hot = self._hot.get((path, query_string))
            if hot is not None and hot.expires > time.monotonic():
                now: int | str | None = self._cache.local_generation
                if now is None:
                    now = await self._cache.versions(hot.tags)
                if now == hot.stamp:
                    self._cache.count_hit()
                    return hot.answer
        match = _match(path)
        if match is None:
            return None
        tags, template = match
        generation = self._cache.local_generation  # before reading: a bump meanwhile voids it
        key = cache_key(path, query_string)
        versions = await self._cache.versions(tags)
        cached = await self._cache.peek(key, versions) if versions is not None else None
        if cached is None or versions is None:
            return await self._miss(path, query_string, key, tags, template, if_none_match)
        answer = self._answer(cached, template, if_none_match)
        if answer.status == 200:
            if len(self._hot) >= HOT_ENTRIES:
                self._hot.clear()
            expires = time.monotonic() + HOT_SECONDS
            stamp = versions if generation is None else generation
            self._hot[(path, query_string)] = _Hot(stamp, expires, answer, tags)
        return answer

    async def _miss(
        self,
        path: str,
        query_string: bytes,
        key: str,
        tags: tuple[str, ...],
        template: str,
        if_none_match: bytes | None,
    ) -> EdgeAnswer | None:
        for source in self._misses:
            if (compute := source.compute_for(path, query_string)) is not None:
                break
        else:
            return None
        try:
            computed = await self._cache.get_or_compute(key, tags, compute)
        except (QuickReadBusy, NotQuick):
            return None  # SQLite locked for the quick read, or not its to answer: the router's
        except Exception as exc:
            error = domain_error_for(exc, path)
            if isinstance(error, DatabaseBusy):
                # No connection came free in time, or the database is down: the full stack
                # would wait for one as long again before the same 503.
                return problem_answer(error, template, instance=path)  # the id: in its header
            return None  # anything else: the full stack answers (and reports) it
        return self._answer(computed, template, if_none_match)

    def _answer(
        self, cached: CachedResponse, template: str, if_none_match: bytes | None
    ) -> EdgeAnswer:
        etag = cached.etag.encode()
        headers = [
            (b"etag", etag),
            (b"cache-control", self._cache_control),
            (b"vary", b"Accept-Encoding"),
            (b"x-cache", b"HIT" if cached.hit else b"MISS"),
        ]
        if if_none_match is not None and etag_matches(if_none_match.decode("latin-1"), cached.etag):
            return EdgeAnswer(304, headers, b"", template)
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(cached.body)).encode()),
        ]
        return EdgeAnswer(200, headers, cached.body, template)


class CatalogCacheFastPath:
    """The same answers innermost in the full stack, for the requests the edge leaves to it
    (a cross-origin browser's, with an `Origin` header), so they skip routing too."""

    def __init__(self, app: ASGIApp, answers: CatalogCacheAnswers) -> None:
        self.app = app
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
                break
        answer = await self.answers(scope["path"], scope["query_string"], if_none_match)
        if answer is None:
            await self.app(scope, receive, send)
            return
        scope[ROUTE_TEMPLATE_KEY] = answer.route  # metrics and access log: answered before routing
        start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        await send(start)
        await send({"type": "http.response.body", "body": answer.body})
