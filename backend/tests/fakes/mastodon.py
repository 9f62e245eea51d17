"""A fake Mastodon instance on 127.0.0.1: the public hashtag timeline, in Mastodon's wire format.

`GET /api/v1/timelines/tag/{hashtag}?limit=&max_id=&local=` answers a JSON array of Status entities
(newest first; `limit` defaults to 20 and is capped at 40, like Mastodon). With `require_token`
set, calls without `Authorization: Bearer <token>` get 401 `{"error": "This API requires an
authenticated user"}` (instances that restrict public timelines). Unknown paths: 404
`{"error": "Record not found"}`.

Test controls: `statuses` (use `status()` to build one), `delay`, `fail_status`, `requests`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.fakes._http import serve_json

HOST = "social.example"


def status(
    ident: int,
    content: str,
    *,
    tags: tuple[str, ...] = ("mercatoshop",),
    created_at: str | None = None,
    user: str = "alice",
    host: str = HOST,
    **extra: Any,
) -> dict[str, Any]:
    """A Status entity as Mastodon serialises it."""
    entity: dict[str, Any] = {
        "id": str(110000000000000000 + ident),
        "created_at": created_at or f"2026-11-{10 + ident % 18:02d}T12:00:{ident % 60:02d}.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://{host}/users/{user}/statuses/{ident}",
        "url": f"https://{host}/@{user}/{ident}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": content,
        "reblog": None,
        "application": None,
        "account": {
            "id": str(ident),
            "username": user,
            "acct": user,  # local accounts have no @domain
            "display_name": user.title(),
            "locked": False,
            "bot": False,
            "url": f"https://{host}/@{user}",
            "avatar": f"https://{host}/avatars/original/missing.png",
            "avatar_static": f"https://{host}/avatars/original/missing.png",
            "followers_count": 3,
            "following_count": 1,
            "statuses_count": 10,
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{host}/tags/{t}"} for t in tags],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    entity.update(extra)
    return entity


@dataclass
class FakeMastodon:
    statuses: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    fail_status: int | None = None
    require_token: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def app(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((path, query, headers))
            fail = self.fail_status
        if fail is not None:
            return fail, {"error": "We're sorry, but something went wrong on our end."}
        prefix = "/api/v1/timelines/tag/"
        if not path.startswith(prefix):
            return 404, {"error": "Record not found"}
        if self.require_token and headers.get("Authorization") != f"Bearer {self.require_token}":
            return 401, {"error": "This API requires an authenticated user"}
        tag = unquote(path[len(prefix) :]).casefold()
        try:
            limit = min(40, max(1, int(query.get("limit", "20"))))
        except ValueError:
            return 400, {"error": "Validation failed: limit is invalid"}
        matching = [
            s for s in self.statuses if tag in {t["name"].casefold() for t in s.get("tags", [])}
        ]
        if query.get("max_id"):
            matching = [s for s in matching if int(s["id"]) < int(query["max_id"])]
        matching.sort(key=lambda s: int(s["id"]), reverse=True)
        return 200, matching[:limit]


@contextmanager
def fake_mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon()
    with serve_json(fake.app, delay=lambda: fake.delay) as url:
        fake.url = url
        yield fake
