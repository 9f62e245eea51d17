"""`SanityContentSource`: GROQ over Sanity's HTTP query API, through the shared outbound client.

`GET https://{projectId}.apicdn.sanity.io/v{apiVersion}/data/query/{dataset}?query=<GROQ>&$name=<JSON>`
answers `{"ms": …, "query": …, "result": …}`. Published reads go to the API CDN (or the live API
when `use_cdn` is off) with `perspective=published` and no token; previews go to the uncached
API (`{projectId}.api.sanity.io`) with `perspective=drafts` and the read token as a bearer
token. Every call goes through `OutboundClient` (timeouts, retries, the provider's circuit
breaker, SSRF guard); any failure becomes `ContentUnavailable`. Responses are cached one level
up, in the content response cache that webhooks invalidate. Wire types stay in this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mercato.content import documents as docs
from mercato.content.providers.port import (
    ContentUnavailable,
    Page,
    Post,
    PostCursor,
    PostSummary,
    ProductEditorial,
    SiteSettings,
)
from mercato.platform.cache import Cache
from mercato.platform.config import ContentSettings
from mercato.platform.http import OutboundClient, OutboundPolicy, ProviderError

PROVIDER = "sanity"

# The GROQ this source sends (the loopback fake in the tests evaluates exactly these).
POST_FIELDS = '{..., "author": author->}'
LIST_POSTS = (
    '*[_type == "post" && defined(slug.current) && defined(publishedAt)'
    " && ($after == null || publishedAt < $after || (publishedAt == $after && _id < $afterId))]"
    f" | order(publishedAt desc, _id desc) [0...$limit] {POST_FIELDS}"
)
GET_POST = (
    '*[_type == "post" && slug.current == $slug && defined(publishedAt)]'
    f" | order(_id asc) [0] {POST_FIELDS}"
)
GET_PAGE = '*[_type == "page" && slug.current == $slug] | order(_id asc) [0]'
GET_SITE_SETTINGS = '*[_type == "siteSettings" && _id == "siteSettings"][0]'
GET_PRODUCT_EDITORIAL = (
    '*[_type == "productEditorial" && slug.current == $slug] | order(_id asc) [0]'
)


def sanity_asset_url(base: str, project_id: str, dataset: str) -> docs.AssetUrl:
    def url(asset: docs.AssetFile) -> str:
        return f"{base.rstrip('/')}/images/{project_id}/{dataset}/{asset.file_name}"

    return url


def _author_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    author = doc.get("author")
    return author if isinstance(author, dict) and author.get("_type") == docs.AUTHOR else None


class SanityContentSource:
    name = "sanity"

    def __init__(
        self,
        settings: ContentSettings,
        policy: OutboundPolicy,
        *,
        cache: Cache | None = None,
    ) -> None:
        project = settings.sanity_project_id
        if settings.sanity_base_url:
            cdn = api = settings.sanity_base_url.rstrip("/")
        else:
            api = f"https://{project}.api.sanity.io"
            cdn = f"https://{project}.apicdn.sanity.io" if settings.sanity_use_cdn else api
        self._published_base = cdn
        self._preview_base = api
        self._path = f"/v{settings.sanity_api_version}/data/query/{settings.sanity_dataset}"
        self._token = settings.sanity_token.get_secret_value() if settings.sanity_token else None
        self._client = OutboundClient(PROVIDER, policy, cache=cache)
        self._asset_url = sanity_asset_url(
            settings.sanity_image_base_url, project, settings.sanity_dataset
        )

    def query_url(self, *, preview: bool) -> str:
        return (self._preview_base if preview else self._published_base) + self._path

    async def _query(self, groq: str, params: Mapping[str, Any], *, preview: bool) -> Any:
        query: dict[str, str] = {"query": groq, "perspective": "drafts" if preview else "published"}
        for name, value in params.items():
            query[f"${name}"] = json.dumps(value, separators=(",", ":"))
        headers: dict[str, str] = {"Accept": "application/json"}
        if preview:
            if not self._token:
                raise ContentUnavailable("previews need MERCATO_CONTENT__SANITY_TOKEN")
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            body = await self._client.get_json(
                self.query_url(preview=preview), params=query, headers=headers
            )
        except ProviderError as exc:
            raise ContentUnavailable(str(exc)) from exc
        if not isinstance(body, dict) or "result" not in body:
            raise ContentUnavailable("sanity: the answer has no `result`")
        return body["result"]

    async def _document(
        self, groq: str, params: Mapping[str, Any], preview: bool
    ) -> dict[str, Any] | None:
        result = await self._query(groq, params, preview=preview)
        if result is None:
            return None
        if not isinstance(result, dict):
            raise ContentUnavailable("sanity: expected one document")
        return result

    async def list_posts(
        self, *, limit: int, after: PostCursor | None = None, preview: bool = False
    ) -> list[PostSummary]:
        params = {
            "after": after.published_at if after else None,
            "afterId": after.id if after else None,
            "limit": limit,
        }
        result = await self._query(LIST_POSTS, params, preview=preview)
        if not isinstance(result, list):
            raise ContentUnavailable("sanity: expected a list of posts")
        return [
            docs.to_post_summary(d, _author_of(d), self._asset_url)
            for d in result
            if isinstance(d, dict)
        ]

    async def get_post(self, slug: str, *, preview: bool = False) -> Post | None:
        doc = await self._document(GET_POST, {"slug": slug}, preview)
        return docs.to_post(doc, _author_of(doc), self._asset_url) if doc is not None else None

    async def get_page(self, slug: str, *, preview: bool = False) -> Page | None:
        doc = await self._document(GET_PAGE, {"slug": slug}, preview)
        return docs.to_page(doc, self._asset_url) if doc is not None else None

    async def get_site_settings(self, *, preview: bool = False) -> SiteSettings | None:
        doc = await self._document(GET_SITE_SETTINGS, {}, preview)
        return docs.to_site_settings(doc, self._asset_url) if doc is not None else None

    async def get_product_editorial(
        self, product_slug: str, *, preview: bool = False
    ) -> ProductEditorial | None:
        doc = await self._document(GET_PRODUCT_EDITORIAL, {"slug": product_slug}, preview)
        return docs.to_product_editorial(doc, self._asset_url) if doc is not None else None

    async def close(self) -> None:
        await self._client.aclose()
