"""The content source port: what the shop reads, as our own frozen dataclasses.

Bodies are Portable Text (a list of JSON blocks), passed through as data: whoever renders them
must treat them as untrusted (ADR 0030). Image fields carry the Sanity asset reference
(`image-<sha1>-<w>x<h>-<ext>`) and a URL resolved by the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

Block = dict[str, Any]


class ContentUnavailable(Exception):
    """The content source could not answer (network, timeout, open circuit, bad response)."""


@dataclass(frozen=True)
class Image:
    asset_ref: str
    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""


@dataclass(frozen=True)
class Seo:
    title: str | None = None
    description: str | None = None
    no_index: bool = False


@dataclass(frozen=True)
class Author:
    id: str
    name: str
    slug: str
    bio: str = ""
    image: Image | None = None


@dataclass(frozen=True)
class PostSummary:
    id: str
    slug: str
    title: str
    excerpt: str
    published_at: str  # ISO 8601 UTC, as stored (string order is time order)
    updated_at: str
    cover: Image | None = None
    author: Author | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Post(PostSummary):
    body: tuple[Block, ...] = ()
    seo: Seo = field(default_factory=Seo)


@dataclass(frozen=True)
class PostCursor:
    published_at: str
    id: str


@dataclass(frozen=True)
class Page:
    id: str
    slug: str
    title: str
    updated_at: str
    body: tuple[Block, ...] = ()
    seo: Seo = field(default_factory=Seo)


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Hero:
    heading: str
    text: str = ""
    cta: Link | None = None
    image: Image | None = None


@dataclass(frozen=True)
class Announcement:
    text: str
    link: Link | None = None


@dataclass(frozen=True)
class SiteSettings:
    title: str
    updated_at: str
    hero: Hero | None = None
    announcement: Announcement | None = None
    footer_links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class ProductEditorial:
    product_slug: str
    updated_at: str
    body: tuple[Block, ...] = ()
    highlights: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()


class ContentSource(Protocol):
    """Published content by default; `preview=True` includes drafts (`drafts.<id>` documents)."""

    name: str

    async def list_posts(
        self, *, limit: int, after: PostCursor | None = None, preview: bool = False
    ) -> list[PostSummary]:
        """Posts newest first (`publishedAt desc, _id desc`), after the cursor, at most `limit`."""
        ...

    async def get_post(self, slug: str, *, preview: bool = False) -> Post | None: ...

    async def get_page(self, slug: str, *, preview: bool = False) -> Page | None: ...

    async def get_site_settings(self, *, preview: bool = False) -> SiteSettings | None: ...

    async def get_product_editorial(
        self, product_slug: str, *, preview: bool = False
    ) -> ProductEditorial | None: ...

    async def close(self) -> None: ...
