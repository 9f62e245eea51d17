"""Content API shapes. Bodies are Portable Text: arrays of JSON blocks (`_type`, `_key`, …)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PortableText = list[dict[str, Any]]
_ATTRS = ConfigDict(from_attributes=True)


class ContentImageRead(BaseModel):
    model_config = _ATTRS
    asset_ref: str = Field(description="Sanity asset id, `image-<sha1>-<w>x<h>-<ext>`")
    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""


class SeoRead(BaseModel):
    model_config = _ATTRS
    title: str | None = None
    description: str | None = None
    no_index: bool = False


class AuthorRead(BaseModel):
    model_config = _ATTRS
    id: str
    name: str
    slug: str
    bio: str = ""
    image: ContentImageRead | None = None


class PostSummaryRead(BaseModel):
    model_config = _ATTRS
    id: str
    slug: str
    title: str
    excerpt: str
    published_at: str = Field(description="ISO 8601 UTC")
    updated_at: str
    cover: ContentImageRead | None = None
    author: AuthorRead | None = None
    categories: list[str] = Field(default_factory=list)


class PostRead(PostSummaryRead):
    body: PortableText = Field(default_factory=list, description="Portable Text blocks")
    seo: SeoRead = Field(default_factory=SeoRead)


class PostPage(BaseModel):
    items: list[PostSummaryRead]
    next_cursor: str | None


class PageRead(BaseModel):
    model_config = _ATTRS
    id: str
    slug: str
    title: str
    updated_at: str
    body: PortableText = Field(default_factory=list, description="Portable Text blocks")
    seo: SeoRead = Field(default_factory=SeoRead)


class LinkRead(BaseModel):
    model_config = _ATTRS
    label: str
    href: str


class HeroRead(BaseModel):
    model_config = _ATTRS
    heading: str
    text: str = ""
    cta: LinkRead | None = None
    image: ContentImageRead | None = None


class AnnouncementRead(BaseModel):
    model_config = _ATTRS
    text: str
    link: LinkRead | None = None


class SiteSettingsRead(BaseModel):
    model_config = _ATTRS
    title: str
    updated_at: str
    hero: HeroRead | None = None
    announcement: AnnouncementRead | None = None
    footer_links: list[LinkRead] = Field(default_factory=list)


class ProductEditorialRead(BaseModel):
    """Editorial content for a product from the CMS (`productEditorial` keyed by its slug)."""

    model_config = _ATTRS
    updated_at: str
    body: PortableText = Field(default_factory=list, description="Portable Text blocks")
    highlights: list[str] = Field(default_factory=list)
    images: list[ContentImageRead] = Field(default_factory=list)


class ContentDocumentPage(BaseModel):
    items: list[dict[str, Any]] = Field(description="Sanity-shaped documents")
    next_cursor: str | None


class ContentImportReport(BaseModel):
    documents: int
    assets: int


class SanityWebhookAck(BaseModel):
    received: bool = True
    duplicate: bool = False
    tags: list[str] = Field(default_factory=list, description="cache tags invalidated")
