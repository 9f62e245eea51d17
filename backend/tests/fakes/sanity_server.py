"""A fake Sanity query API on 127.0.0.1, speaking its wire format.

`GET /v{apiVersion}/data/query/{dataset}?query=<GROQ>&$param=<JSON>&perspective=…` answers
`{"ms": <int>, "query": "<GROQ>", "result": …}` like api.sanity.io, evaluating the GROQ shapes
`SanityContentSource` sends over its fixture documents (an unknown query is a 400
`queryParseError`, as Sanity answers a query it cannot parse). Perspectives: `published` hides
`drafts.*` documents; `drafts` (needs `Authorization: Bearer <token>`, else 401) overlays each
draft on its published document, as Sanity does. It records every request and can be told to
fail (`status`) to exercise the client's retries and circuit breaker.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mercato.content.providers import sanity as wire


@dataclass
class Request:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeSanity:
    documents: list[dict[str, Any]]
    project_id: str = "fakeproj"
    dataset: str = "production"
    api_version: str = "2025-02-19"
    token: str = "sanity-read-token"
    status: int = 200  # anything else: every query fails with it
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ GROQ over the fixtures

    def view(self, perspective: str) -> list[dict[str, Any]]:
        published = {d["_id"]: d for d in self.documents if not d["_id"].startswith("drafts.")}
        if perspective == "drafts":
            for doc in self.documents:
                if doc["_id"].startswith("drafts."):
                    base = doc["_id"].removeprefix("drafts.")
                    published[base] = {**doc, "_id": base, "_originalId": doc["_id"]}
        return sorted(published.values(), key=lambda d: d["_id"])

    def _deref_author(self, doc: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, Any]:
        ref = doc.get("author", {}).get("_ref") if isinstance(doc.get("author"), dict) else None
        by_id = {d["_id"]: d for d in docs}
        return {**doc, "author": by_id.get(ref) if ref else None}

    def evaluate(self, query: str, params: dict[str, Any], perspective: str) -> Any:
        docs = self.view(perspective)

        def slug(d: dict[str, Any]) -> Any:
            return d.get("slug", {}).get("current") if isinstance(d.get("slug"), dict) else None

        def first(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            return sorted(items, key=lambda d: d["_id"])[0] if items else None

        if query == wire.LIST_POSTS:
            after, after_id, limit = params["after"], params["afterId"], params["limit"]
            posts = [
                d
                for d in docs
                if d["_type"] == "post"
                and slug(d) is not None
                and d.get("publishedAt") is not None
                and (
                    after is None
                    or d["publishedAt"] < after
                    or (d["publishedAt"] == after and d["_id"] < after_id)
                )
            ]
            posts.sort(key=lambda d: (d["publishedAt"], d["_id"]), reverse=True)
            return [self._deref_author(d, docs) for d in posts[:limit]]
        if query == wire.GET_POST:
            post = first(
                [
                    d
                    for d in docs
                    if d["_type"] == "post"
                    and slug(d) == params["slug"]
                    and d.get("publishedAt") is not None
                ]
            )
            return self._deref_author(post, docs) if post else None
        if query == wire.GET_PAGE:
            return first([d for d in docs if d["_type"] == "page" and slug(d) == params["slug"]])
        if query == wire.GET_SITE_SETTINGS:
            return first(
                [d for d in docs if d["_type"] == "siteSettings" and d["_id"] == "siteSettings"]
            )
        if query == wire.GET_PRODUCT_EDITORIAL:
            return first(
                [d for d in docs if d["_type"] == "productEditorial" and slug(d) == params["slug"]]
            )
        raise ValueError("unsupported query")


@contextmanager
def sanity_server(documents: list[dict[str, Any]]) -> Iterator[FakeSanity]:
    fake = FakeSanity(documents=documents)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            raw = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append(Request(url.path, raw, headers))
            if fake.status != 200:
                self._send(fake.status, {"error": {"description": "unavailable"}})
                return
            if url.path != f"/v{fake.api_version}/data/query/{fake.dataset}":
                self._send(404, {"error": "Not Found", "statusCode": 404})
                return
            perspective = raw.get("perspective", "raw")
            if perspective == "drafts" and headers.get("authorization") != f"Bearer {fake.token}":
                self._send(401, {"error": "Unauthorized", "message": "drafts need a token"})
                return
            query = raw.get("query", "")
            try:
                params = {k[1:]: json.loads(v) for k, v in raw.items() if k.startswith("$")}
                result = fake.evaluate(query, params, perspective)
            except (ValueError, KeyError) as exc:
                self._send(400, {"error": {"description": str(exc), "type": "queryParseError"}})
                return
            self._send(200, {"ms": 1, "query": query, "result": result})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
