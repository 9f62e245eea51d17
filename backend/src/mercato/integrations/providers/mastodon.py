"""A Mastodon-compatible public hashtag timeline (`GET /api/v1/timelines/tag/{tag}?limit=`).

Answers a JSON array of Status entities (`id`, `created_at`, `url`, `uri`, `content` (HTML),
`visibility`, `sensitive`, `spoiler_text`, `language`, `account {acct, display_name, username,
url}`, `media_attachments [...]`, `reblog`). Boosts and non-public posts are skipped. An optional
bearer token covers instances that restrict their public timelines to signed-in apps. Wire types
stay in this file; the service sanitises `html`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from mercato.integrations.providers.port import SocialPage, SocialPost
from mercato.platform.clock import as_utc
from mercato.platform.http import OutboundClient, ProviderResponseError

PROVIDER = "mastodon"
MAX_LIMIT = 40  # Mastodon's own cap for timelines


class MastodonSocialFeed:
    name = PROVIDER

    def __init__(self, client: OutboundClient, *, cache_ttl: float, local_only: bool) -> None:
        self._client = client
        self._cache_ttl = cache_ttl
        self._local_only = local_only

    async def posts(self, hashtag: str, limit: int, *, max_id: str | None = None) -> SocialPage:
        params = {"limit": str(max(1, min(limit, MAX_LIMIT)))}
        if max_id is not None:
            params["max_id"] = max_id
        if self._local_only:
            params["local"] = "true"
        data = await self._client.get_json(
            f"/api/v1/timelines/tag/{quote(hashtag, safe='')}",
            params=params,
            cache_ttl=self._cache_ttl,
        )
        if not isinstance(data, list):
            raise ProviderResponseError(PROVIDER, "the timeline is not a JSON array")
        page = data[: max(1, min(limit, MAX_LIMIT))]
        posts = tuple(post for item in page if (post := parse_status(item)) is not None)
        last = page[-1].get("id") if page and isinstance(page[-1], dict) else None
        more = len(page) == min(limit, MAX_LIMIT) and last is not None
        return SocialPage(posts, str(last) if more else None)

    async def close(self) -> None:
        await self._client.aclose()


def parse_status(item: Any) -> SocialPost | None:
    """One Status → SocialPost; None for what we never show (boosts, non-public, malformed)."""
    try:
        if not isinstance(item, dict) or item.get("reblog"):
            return None
        if item.get("visibility", "public") != "public":
            return None
        account = item["account"]
        url = str(item.get("url") or item.get("uri") or "")
        author_url = str(account.get("url") or "")
        if not _is_https(url) or not _is_https(author_url):
            return None
        acct = str(account["acct"])
        if "@" not in acct:  # a local account: acct is the bare username
            acct = f"{acct}@{urlsplit(author_url).hostname}"
        return SocialPost(
            id=str(item["id"]),
            url=url,
            created_at=as_utc(
                datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
            ),
            author_name=str(account.get("display_name") or account.get("username") or acct),
            author_handle=acct,
            author_url=author_url,
            html=str(item.get("content") or ""),
            language=item.get("language") if isinstance(item.get("language"), str) else None,
            sensitive=bool(item.get("sensitive")),
            spoiler_text=str(item.get("spoiler_text") or ""),
            media_count=len(item.get("media_attachments") or []),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)
