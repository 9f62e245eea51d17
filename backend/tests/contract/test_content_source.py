"""One contract for every `ContentSource`: the local source (our database) and the Sanity source
against a fake Sanity query API on loopback, both over the same fixture documents (the demo
dataset plus drafts). The same questions must get the same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mercato.bootstrap import build_container
from mercato.content import repository
from mercato.content.providers.port import ContentSource, PostCursor
from mercato.content.providers.sanity import SanityContentSource
from mercato.demo import content as demo
from mercato.platform.config import ContentSettings
from mercato.platform.http import OutboundPolicy
from tests.conftest import make_settings, make_sqlite_url
from tests.fakes.sanity_server import sanity_server

LATEST = [
    "caring-for-linen",
    "meet-the-makers-porto",
    "winter-layering",
    "why-we-print-no-catalogue",
    "choosing-a-teapot",
]


def fixture_documents() -> list[dict[str, Any]]:
    documents = demo.demo_dataset().documents
    by_id = {d["_id"]: d for d in documents}
    draft_post = {**by_id["post-caring-for-linen"], "_id": "drafts.post-caring-for-linen"}
    draft_post["title"] = "Caring for linen (draft)"
    draft_page = {
        "_id": "drafts.page-careers",
        "_type": "page",
        "_rev": "r1",
        "_updatedAt": "2026-11-30T10:00:00Z",
        "title": "Careers",
        "slug": {"_type": "slug", "current": "careers"},
        "body": [],
    }
    return [*documents, draft_post, draft_page]


@pytest.fixture(params=["local", "sanity"])
async def source(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ContentSource]:
    documents = fixture_documents()
    if request.param == "local":
        container = build_container(make_settings(make_sqlite_url(tmp_path), tmp_path))
        async with container.db.session() as session:
            await repository.upsert_many(session, documents)
        try:
            yield container.content_source
        finally:
            await container.aclose()
        return
    with sanity_server(documents) as fake:
        settings = ContentSettings(
            source="sanity",
            sanity_project_id=fake.project_id,
            sanity_base_url=fake.url,
            sanity_token=fake.token,  # type: ignore[arg-type]
        )
        policy = OutboundPolicy(allow_private_hosts=frozenset({f"127.0.0.1:{fake.port}"}))
        sanity = SanityContentSource(settings, policy)
        try:
            yield sanity
        finally:
            await sanity.close()


async def test_posts_newest_first_and_paged(source: ContentSource) -> None:
    everything = await source.list_posts(limit=50)
    assert [p.slug for p in everything] == LATEST
    first = await source.list_posts(limit=2)
    last = first[-1]
    rest = await source.list_posts(limit=50, after=PostCursor(last.published_at, last.id))
    assert [p.slug for p in first + rest] == LATEST
    assert everything[0].title.startswith("How to care")  # the draft is not published
    assert everything[0].author is not None
    assert everything[0].author.name == "Lena Hart"
    assert everything[0].cover is not None
    assert everything[0].cover.alt
    assert everything[0].cover.width == 1200


async def test_one_post(source: ContentSource) -> None:
    post = await source.get_post("meet-the-makers-porto")
    assert post is not None
    assert post.author is not None
    assert post.author.slug == "tomas-berg"
    assert post.seo.description == post.excerpt
    assert post.body[0]["_type"] == "block"
    assert next(b for b in post.body if b["_type"] == "image")["width"] == 800
    assert post.categories == ("Makers",)
    assert await source.get_post("no-such-post") is None


async def test_pages_settings_editorial(source: ContentSource) -> None:
    about = await source.get_page("about")
    assert about is not None
    assert about.title == "About us"
    assert await source.get_page("careers") is None  # only a draft exists
    settings = await source.get_site_settings()
    assert settings is not None
    assert settings.hero is not None
    assert settings.hero.heading == "Good things, made well"
    assert [link.href for link in settings.footer_links][:2] == ["/pages/about", "/blog"]
    editorial = await source.get_product_editorial("studio-tweed-coat")
    assert editorial is not None
    assert editorial.highlights[0] == "Pure new wool tweed"
    assert editorial.images[0].alt == "Close-up of the material"
    assert await source.get_product_editorial("no-such-product") is None


async def test_preview_shows_drafts(source: ContentSource) -> None:
    post = await source.get_post("caring-for-linen", preview=True)
    assert post is not None
    assert post.title == "Caring for linen (draft)"
    assert post.id == "post-caring-for-linen"
    page = await source.get_page("careers", preview=True)
    assert page is not None
    assert page.title == "Careers"
    listed = await source.list_posts(limit=50, preview=True)
    assert [p.slug for p in listed] == LATEST
    assert listed[0].title == "Caring for linen (draft)"


async def test_the_sanity_wire_format(tmp_path: Path) -> None:
    """Published reads carry no token and ask for the published perspective; previews the drafts
    perspective with the bearer token; parameters are JSON-encoded."""
    with sanity_server(fixture_documents()) as fake:
        settings = ContentSettings(
            source="sanity",
            sanity_project_id=fake.project_id,
            sanity_base_url=fake.url,
            sanity_token=fake.token,  # type: ignore[arg-type]
        )
        policy = OutboundPolicy(allow_private_hosts=frozenset({f"127.0.0.1:{fake.port}"}))
        sanity = SanityContentSource(settings, policy)
        try:
            await sanity.get_page("about")
            await sanity.get_page("careers", preview=True)
        finally:
            await sanity.close()
    published, preview = fake.requests
    assert published.path == "/v2025-02-19/data/query/production"
    assert published.params["$slug"] == '"about"'
    assert published.params["perspective"] == "published"
    assert "authorization" not in published.headers
    assert preview.params["perspective"] == "drafts"
    assert preview.headers["authorization"] == "Bearer sanity-read-token"


async def test_real_hosts() -> None:
    settings = ContentSettings(source="sanity", sanity_project_id="abc123", sanity_dataset="shop")
    sanity = SanityContentSource(settings, OutboundPolicy())
    live = SanityContentSource(
        settings.model_copy(update={"sanity_use_cdn": False}), OutboundPolicy()
    )
    try:
        assert sanity.query_url(preview=False) == (
            "https://abc123.apicdn.sanity.io/v2025-02-19/data/query/shop"
        )
        assert sanity.query_url(preview=True) == (
            "https://abc123.api.sanity.io/v2025-02-19/data/query/shop"
        )
        assert live.query_url(preview=False).startswith("https://abc123.api.sanity.io/")
    finally:
        await sanity.close()
        await live.close()
