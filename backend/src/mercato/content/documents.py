"""The content model in Sanity's document shape: validation, and mapping to the port's types.

Every document has `_id`, `_type`, `_rev`, `_updatedAt` (and `_createdAt`); the types the shop
reads are `post`, `page`, `author`, `siteSettings` (the singleton `_id: "siteSettings"`) and
`productEditorial` (its `slug.current` is the product's slug). Other types (`sanity.imageAsset`,
system documents of an export) are kept as they are, so an export round-trips. Drafts are
`drafts.<id>` documents, read only in preview. Images reference assets as Sanity does:
`{"_type": "image", "asset": {"_type": "reference", "_ref": "image-<sha1>-<w>x<h>-<ext>"}}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mercato.content.exceptions import InvalidDocument
from mercato.content.portable_text import MAX_NESTING, is_safe_href, sanitize_blocks, too_deep
from mercato.content.providers.port import (
    Announcement,
    Author,
    Hero,
    Image,
    Link,
    Page,
    Post,
    PostSummary,
    ProductEditorial,
    Seo,
    SiteSettings,
)

POST, PAGE, AUTHOR, SITE_SETTINGS, PRODUCT_EDITORIAL = (
    "post",
    "page",
    "author",
    "siteSettings",
    "productEditorial",
)
SHOP_TYPES = frozenset({POST, PAGE, AUTHOR, SITE_SETTINGS, PRODUCT_EDITORIAL})
SLUGGED_TYPES = frozenset({POST, PAGE, AUTHOR, PRODUCT_EDITORIAL})
SITE_SETTINGS_ID = "siteSettings"
DRAFT_PREFIX = "drafts."
MAX_DOCUMENT_BYTES = 256 * 1024

ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
TYPE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
REV_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{0,64}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Sanity's datetime strings; validated so that string order is time order (GROQ and SQL agree).
DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
IMAGE_REF = re.compile(r"^image-([0-9a-f]{40})-(\d{1,5})x(\d{1,5})-(png|jpg|jpeg|gif|webp|svg)$")


@dataclass(frozen=True)
class AssetFile:
    """An image asset's file name in an export (`images/<sha1>-<w>x<h>.<ext>`)."""

    sha1: str
    width: int
    height: int
    ext: str

    @property
    def file_name(self) -> str:
        return f"{self.sha1}-{self.width}x{self.height}.{self.ext}"

    @property
    def ref(self) -> str:
        return f"image-{self.sha1}-{self.width}x{self.height}-{self.ext}"


def parse_image_ref(ref: object) -> AssetFile | None:
    if not isinstance(ref, str):
        return None
    match = IMAGE_REF.match(ref)
    if match is None:
        return None
    return AssetFile(match[1], int(match[2]), int(match[3]), match[4])


def is_draft(doc_id: str) -> bool:
    return doc_id.startswith(DRAFT_PREFIX)


def published_id(doc_id: str) -> str:
    return doc_id.removeprefix(DRAFT_PREFIX)


def dumps(doc: Mapping[str, Any]) -> str:
    """A document as one NDJSON line: compact, key order kept, UTF-8 (like `JSON.stringify`)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def slug_of(doc: Mapping[str, Any]) -> str | None:
    """`slug.current` when it is a well-formed slug (anything else is no slug)."""
    slug = doc.get("slug")
    current = slug.get("current") if isinstance(slug, dict) else None
    if not isinstance(current, str) or len(current) > 200 or not SLUG_PATTERN.match(current):
        return None
    return current


def _require_str(doc: Mapping[str, Any], name: str, *, max_length: int = 300) -> None:
    value = doc.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidDocument(
            f"`{name}` must be a non-empty string of at most {max_length} characters.",
            extra={"field": name, "document_id": doc.get("_id")},
        )


def _check_blocks(doc: Mapping[str, Any], name: str) -> None:
    value = doc.get(name)
    if value is None:
        return
    if not isinstance(value, list) or not all(
        isinstance(b, dict) and isinstance(b.get("_type"), str) for b in value
    ):
        raise InvalidDocument(
            f"`{name}` must be Portable Text: an array of objects with a `_type`.",
            extra={"field": name, "document_id": doc.get("_id")},
        )


def validate_document(doc: object) -> dict[str, Any]:
    """Check a document's system fields and, for the shop's types, the fields the shop reads.

    Returns the document (a dict). Raises `InvalidDocument` (422) naming the field.
    """
    if not isinstance(doc, dict):
        raise InvalidDocument("A document must be a JSON object.")
    doc_id = doc.get("_id")
    if not isinstance(doc_id, str) or not ID_PATTERN.match(doc_id):
        raise InvalidDocument(
            "`_id` must be 1-128 characters: letters, digits, `_`, `-` and `.`.",
            extra={"field": "_id"},
        )
    if is_draft(doc_id) and (
        not ID_PATTERN.match(published_id(doc_id)) or is_draft(published_id(doc_id))
    ):
        raise InvalidDocument(
            "A draft's `_id` is `drafts.` once, followed by its published document's `_id`.",
            extra={"field": "_id"},
        )
    if too_deep(doc):
        raise InvalidDocument(
            f"The document nests objects and arrays more than {MAX_NESTING} levels deep.",
            extra={"document_id": doc_id},
        )
    doc_type = doc.get("_type")
    if not isinstance(doc_type, str) or not TYPE_PATTERN.match(doc_type):
        raise InvalidDocument("`_type` is missing or malformed.", extra={"field": "_type"})
    if "_rev" in doc and not (isinstance(doc["_rev"], str) and REV_PATTERN.match(doc["_rev"])):
        raise InvalidDocument("`_rev` must be up to 64 letters or digits.", extra={"field": "_rev"})
    for name in ("_updatedAt", "_createdAt"):
        if name in doc and not (isinstance(doc[name], str) and DATETIME_PATTERN.match(doc[name])):
            raise InvalidDocument(
                f"`{name}` must be a UTC datetime like 2026-11-30T09:00:00.000Z.",
                extra={"field": name},
            )
    try:
        size = len(dumps(doc).encode("utf-8"))
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800"): no database can store it
        raise InvalidDocument(
            "The document contains text that is not valid Unicode (an unpaired surrogate).",
            extra={"document_id": doc_id},
        ) from exc
    if size > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(
            f"The document is larger than {MAX_DOCUMENT_BYTES // 1024} KiB.",
            extra={"document_id": doc_id},
        )
    if doc_type in SLUGGED_TYPES:
        slug = slug_of(doc)
        if slug is None or len(slug) > 200 or not SLUG_PATTERN.match(slug):
            raise InvalidDocument(
                "`slug.current` must be lowercase words joined by hyphens (e.g. `about-us`).",
                extra={"field": "slug.current", "document_id": doc_id},
            )
    if doc_type in (POST, PAGE):
        _require_str(doc, "title")
        _check_blocks(doc, "body")
    if doc_type == AUTHOR:
        _require_str(doc, "name", max_length=200)
    if doc_type == POST:
        published = doc.get("publishedAt")
        if not isinstance(published, str) or not DATETIME_PATTERN.match(published):
            raise InvalidDocument(
                "`publishedAt` must be a UTC datetime like 2026-11-30T09:00:00Z.",
                extra={"field": "publishedAt", "document_id": doc_id},
            )
    if doc_type == PRODUCT_EDITORIAL:
        _check_blocks(doc, "body")
    if doc_type == SITE_SETTINGS and published_id(doc_id) != SITE_SETTINGS_ID:
        raise InvalidDocument(
            f'siteSettings is a singleton: its `_id` must be "{SITE_SETTINGS_ID}".',
            extra={"field": "_id"},
        )
    return doc


# ---------------------------------------------------------------------------- mapping

AssetUrl = Callable[[AssetFile], str]


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def to_image(value: object, asset_url: AssetUrl) -> Image | None:
    if not isinstance(value, dict):
        return None
    asset = value.get("asset")
    ref = asset.get("_ref") if isinstance(asset, dict) else None
    parsed = parse_image_ref(ref)
    if parsed is None:
        return None
    return Image(
        asset_ref=parsed.ref,
        url=asset_url(parsed),
        width=parsed.width,
        height=parsed.height,
        alt=_str(value.get("alt"))[:500],
    )


def _link(value: object) -> Link | None:
    if not isinstance(value, dict):
        return None
    label, href = value.get("label"), value.get("href")
    if not isinstance(label, str) or not isinstance(href, str) or not label.strip():
        return None
    return Link(label=label[:200], href=href) if is_safe_href(href) else None


def _seo(value: object) -> Seo:
    if not isinstance(value, dict):
        return Seo()
    title, description = value.get("metaTitle"), value.get("metaDescription")
    return Seo(
        title=title[:300] if isinstance(title, str) and title else None,
        description=description[:500] if isinstance(description, str) and description else None,
        no_index=value.get("noIndex") is True,
    )


def blocks_with_images(blocks: object, asset_url: AssetUrl) -> tuple[dict[str, Any], ...]:
    """Sanitised Portable Text; image blocks gain `url`, `width` and `height` for renderers."""
    out: list[dict[str, Any]] = []
    for block in sanitize_blocks(blocks):
        if block.get("_type") == "image":
            image = to_image(block, asset_url)
            if image is None:
                continue
            block = {**block, "url": image.url, "width": image.width, "height": image.height}
        out.append(block)
    return tuple(out)


def to_author(doc: Mapping[str, Any] | None, asset_url: AssetUrl) -> Author | None:
    if not isinstance(doc, Mapping) or doc.get("_type") != AUTHOR:
        return None
    return Author(
        id=published_id(_str(doc.get("_id"))),
        name=_str(doc.get("name")),
        slug=slug_of(doc) or "",
        bio=_str(doc.get("bio"))[:2000],
        image=to_image(doc.get("image"), asset_url),
    )


def author_ref(doc: Mapping[str, Any]) -> str | None:
    ref = doc.get("author")
    value = ref.get("_ref") if isinstance(ref, dict) else None
    return value if isinstance(value, str) else None


def _categories(doc: Mapping[str, Any]) -> tuple[str, ...]:
    value = doc.get("categories")
    if not isinstance(value, list):
        return ()
    return tuple(c[:100] for c in value if isinstance(c, str) and c.strip())[:20]


def to_post_summary(
    doc: Mapping[str, Any], author: Mapping[str, Any] | None, asset_url: AssetUrl
) -> PostSummary:
    return PostSummary(
        id=published_id(_str(doc.get("_id"))),
        slug=slug_of(doc) or "",
        title=_str(doc.get("title")),
        excerpt=_str(doc.get("excerpt"))[:1000],
        published_at=_str(doc.get("publishedAt")),
        updated_at=_str(doc.get("_updatedAt")),
        cover=to_image(doc.get("coverImage"), asset_url),
        author=to_author(author, asset_url),
        categories=_categories(doc),
    )


def to_post(doc: Mapping[str, Any], author: Mapping[str, Any] | None, asset_url: AssetUrl) -> Post:
    summary = to_post_summary(doc, author, asset_url)
    return Post(
        **{f: getattr(summary, f) for f in summary.__dataclass_fields__},
        body=blocks_with_images(doc.get("body"), asset_url),
        seo=_seo(doc.get("seo")),
    )


def to_page(doc: Mapping[str, Any], asset_url: AssetUrl) -> Page:
    return Page(
        id=published_id(_str(doc.get("_id"))),
        slug=slug_of(doc) or "",
        title=_str(doc.get("title")),
        updated_at=_str(doc.get("_updatedAt")),
        body=blocks_with_images(doc.get("body"), asset_url),
        seo=_seo(doc.get("seo")),
    )


def to_site_settings(doc: Mapping[str, Any], asset_url: AssetUrl) -> SiteSettings:
    hero_doc = doc.get("hero")
    hero = None
    if isinstance(hero_doc, dict) and isinstance(hero_doc.get("heading"), str):
        hero = Hero(
            heading=hero_doc["heading"][:200],
            text=_str(hero_doc.get("text"))[:1000],
            cta=_link(hero_doc.get("cta")),
            image=to_image(hero_doc.get("image"), asset_url),
        )
    bar = doc.get("announcement")
    announcement = None
    if isinstance(bar, dict) and bar.get("enabled") is not False and _str(bar.get("text")):
        announcement = Announcement(text=_str(bar.get("text"))[:300], link=_link(bar.get("link")))
    links = doc.get("footerLinks")
    footer = tuple(
        link for link in (_link(v) for v in (links if isinstance(links, list) else [])) if link
    )[:30]
    return SiteSettings(
        title=_str(doc.get("title"), "Mercato"),
        updated_at=_str(doc.get("_updatedAt")),
        hero=hero,
        announcement=announcement,
        footer_links=footer,
    )


def to_product_editorial(doc: Mapping[str, Any], asset_url: AssetUrl) -> ProductEditorial:
    highlights = doc.get("highlights")
    images = doc.get("images")
    return ProductEditorial(
        product_slug=slug_of(doc) or "",
        updated_at=_str(doc.get("_updatedAt")),
        body=blocks_with_images(doc.get("body"), asset_url),
        highlights=tuple(
            h[:300]
            for h in (highlights if isinstance(highlights, list) else [])
            if isinstance(h, str)
        )[:20],
        images=tuple(
            i
            for i in (to_image(v, asset_url) for v in (images if isinstance(images, list) else []))
            if i
        )[:12],
    )
