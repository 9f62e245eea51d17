"""Content API on the local source: reads, pagination, caching, staff edits, product editorial."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from mercato.bootstrap import Container
from mercato.content import repository
from mercato.platform.outbox import OutboxEvent
from tests.factories import auth_headers, create_product, create_user


async def content_events(container: Container) -> list[dict[str, Any]]:
    async with container.db.session(write=False) as session:
        rows = (
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.event_type == "ContentChanged")
                .order_by(OutboxEvent.created_at)
            )
        ).all()
    return [r.payload for r in rows]


def block(text: str, href: str | None = None) -> dict[str, Any]:
    defs = [{"_type": "link", "_key": "l1", "href": href}] if href else []
    return {
        "_type": "block",
        "_key": "b1",
        "style": "normal",
        "markDefs": defs,
        "children": [
            {"_type": "span", "_key": "s1", "text": text, "marks": ["l1"] if href else []}
        ],
    }


async def test_posts_newest_first_with_cursor_pages(
    client: httpx.AsyncClient, demo_content: int
) -> None:
    assert demo_content == 18
    first = await client.get("/api/v1/content/posts", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [p["slug"] for p in page["items"]] == ["caring-for-linen", "meet-the-makers-porto"]
    assert page["items"][0]["author"]["name"] == "Lena Hart"
    assert page["items"][0]["cover"]["alt"].startswith("Cover illustration")
    assert page["items"][0]["cover"]["url"].startswith("/media/content/")
    seen = [p["slug"] for p in page["items"]]
    cursor = page["next_cursor"]
    while cursor:
        more = (
            await client.get("/api/v1/content/posts", params={"limit": 2, "cursor": cursor})
        ).json()
        seen += [p["slug"] for p in more["items"]]
        cursor = more["next_cursor"]
    assert seen == [
        "caring-for-linen",
        "meet-the-makers-porto",
        "winter-layering",
        "why-we-print-no-catalogue",
        "choosing-a-teapot",
    ]
    bad = await client.get("/api/v1/content/posts", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_post_page_and_settings(client: httpx.AsyncClient, demo_content: int) -> None:
    post = await client.get("/api/v1/content/posts/caring-for-linen")
    assert post.status_code == 200
    body = post.json()
    assert body["seo"]["title"] == body["title"]
    assert any(b["_type"] == "image" and b["url"].startswith("/media/") for b in body["body"])
    etag = post.headers["etag"]
    again = await client.get(
        "/api/v1/content/posts/caring-for-linen", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    missing = await client.get("/api/v1/content/posts/no-such-post")
    assert missing.status_code == 404
    assert missing.json()["code"] == "post_not_found"
    assert (await client.get("/api/v1/content/posts/BAD%20slug")).status_code == 422
    for slug in ("about", "faq", "shipping-returns", "terms", "privacy"):
        page = await client.get(f"/api/v1/content/pages/{slug}")
        assert page.status_code == 200, slug
        assert page.json()["body"]
    assert (await client.get("/api/v1/content/pages/nope")).json()["code"] == "page_not_found"
    settings = (await client.get("/api/v1/content/site-settings")).json()
    assert settings["hero"]["heading"] == "Good things, made well"
    assert settings["announcement"]["text"].startswith("Free standard delivery")
    assert {"label": "About us", "href": "/pages/about"} in settings["footer_links"]


async def test_site_settings_404_when_empty(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/content/site-settings")
    assert response.status_code == 404
    assert response.json()["code"] == "site_settings_not_found"


async def test_staff_edit_creates_replaces_deletes_and_invalidates(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str], demo_content: int
) -> None:
    url = "/api/v1/admin/content/documents/page-about"
    customer = auth_headers(container, await create_user(container))
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=customer)).status_code == 403
    current = await client.get(url, headers=staff)
    assert current.status_code == 200
    doc = current.json()
    assert current.headers["etag"] == f'"{doc["_rev"]}"'
    before = (await client.get("/api/v1/content/pages/about")).json()  # now cached
    doc["title"] = "About the shop"
    stale = await client.put(url, json=doc, headers={**staff, "If-Match": '"stale"'})
    assert stale.status_code == 412
    saved = await client.put(url, json=doc, headers={**staff, "If-Match": current.headers["etag"]})
    assert saved.status_code == 200, saved.text
    assert saved.json()["_rev"] != doc["_rev"]
    after = (await client.get("/api/v1/content/pages/about")).json()
    assert before["title"] == "About us"
    assert after["title"] == "About the shop"
    assert {"content", "page:about"} <= set((await content_events(container))[-1]["tags"])

    new = {
        "_type": "page",
        "title": "Careers",
        "slug": {"_type": "slug", "current": "careers"},
        "body": [block("Join us", "javascript:alert(1)")],
    }
    created = await client.put(
        "/api/v1/admin/content/documents/page-careers", json=new, headers=staff
    )
    assert created.status_code == 201
    served = (await client.get("/api/v1/content/pages/careers")).json()
    assert served["body"][0]["markDefs"] == []  # the javascript: link never leaves the API
    assert served["body"][0]["children"][0]["marks"] == []
    taken = await client.put(
        "/api/v1/admin/content/documents/page-careers-2", json=new, headers=staff
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    invalid = await client.put(
        "/api/v1/admin/content/documents/post-x",
        json={"_type": "post", "title": "x", "slug": {"current": "x"}, "publishedAt": "yesterday"},
        headers=staff,
    )
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_document"
    deleted = await client.delete("/api/v1/admin/content/documents/page-careers", headers=staff)
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/content/pages/careers")).status_code == 404
    listing = (
        await client.get("/api/v1/admin/content/documents", params={"type": "page"}, headers=staff)
    ).json()
    assert [d["_id"] for d in listing["items"]] == sorted(d["_id"] for d in listing["items"])
    assert len(listing["items"]) == 5


async def test_drafts_show_only_in_preview(
    client: httpx.AsyncClient, staff: dict[str, str], demo_content: int
) -> None:
    draft = (
        await client.get("/api/v1/admin/content/documents/post-caring-for-linen", headers=staff)
    ).json()
    draft["title"] = "Draft title"
    put = await client.put(
        "/api/v1/admin/content/documents/drafts.post-caring-for-linen",
        json=draft | {"_id": "drafts.post-caring-for-linen"},
        headers=staff,
    )
    assert put.status_code == 201, put.text
    public = (await client.get("/api/v1/content/posts/caring-for-linen")).json()
    assert public["title"].startswith("How to care")
    preview = await client.get(
        "/api/v1/admin/content/preview/posts/caring-for-linen", headers=staff
    )
    assert preview.json()["title"] == "Draft title"
    assert (
        await client.get("/api/v1/admin/content/preview/posts/caring-for-linen")
    ).status_code == 401


async def test_product_detail_carries_editorial_and_follows_edits(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str], demo_content: int
) -> None:
    await create_product(container, title="Everyday Denim Jacket")
    await create_product(container, title="Plain Socks")
    product = (await client.get("/api/v1/products/everyday-denim-jacket")).json()
    assert product["editorial"]["highlights"][0].startswith("Rigid 13 oz denim")
    assert product["editorial"]["images"][0]["alt"] == "Close-up of the material"
    assert (await client.get("/api/v1/products/plain-socks")).json()["editorial"] is None

    socks = await client.get("/api/v1/products/plain-socks")
    assert socks.headers["x-cache"] == "HIT"

    url = "/api/v1/admin/content/documents/productEditorial-everyday-denim-jacket"
    doc = (await client.get(url, headers=staff)).json()
    doc["highlights"] = ["Now in black"]
    assert (await client.put(url, json=doc, headers=staff)).status_code == 200
    product = (await client.get("/api/v1/products/everyday-denim-jacket")).json()
    assert product["editorial"]["highlights"] == ["Now in black"]
    # the edit refreshes that product's page only
    assert (await client.get("/api/v1/products/plain-socks")).headers["x-cache"] == "HIT"
    assert "product:everyday-denim-jacket" in (await content_events(container))[-1]["tags"]
    assert (await client.delete(url, headers=staff)).status_code == 204
    assert (await client.get("/api/v1/products/everyday-denim-jacket")).json()["editorial"] is None


def nested_block(levels: int) -> dict[str, Any]:
    """A block whose objects and arrays nest `levels` deep (the block itself included)."""
    value: dict[str, Any] = {"_type": "span", "_key": "s", "text": "a"}
    for _ in range((levels - 1) // 2):
        value = {"_type": "x", "c": [value]}
    return {"_type": "x", "_key": "deep", "c": value} if levels % 2 == 0 else value


async def test_deeply_nested_or_double_draft_documents_are_refused(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str], demo_content: int
) -> None:
    url = "/api/v1/admin/content/documents/"
    post = {
        "_type": "post",
        "title": "Deep",
        "slug": {"current": "deep"},
        "publishedAt": "2026-01-01T00:00:00Z",
    }
    events = len(await content_events(container))
    refused = {
        # the attacker's body: 300 levels of an object holding an array
        "post-x": post | {"body": [json.loads('{"_type":"x","c":[' * 300 + "{}" + "]}" * 300)]},
        # one level more than MAX_NESTING (document, body, then the block's 31 levels)
        "post-y": post | {"body": [nested_block(31)]},
        "drafts.drafts.post-z": post,
        "drafts.": post,
    }
    for doc_id, doc in refused.items():
        response = await client.put(url + doc_id, json=doc, headers=staff)
        assert response.status_code == 422, (doc_id, response.text)
        # nested deeper than any endpoint takes (64 levels), the platform's guard refuses it first
        expected = "validation_error" if doc_id == "post-x" else "invalid_document"
        assert response.json()["code"] == expected, doc_id
        assert (await client.get(url + doc_id, headers=staff)).status_code == 404
    assert (await client.get("/api/v1/content/posts/deep")).status_code == 404
    assert len(await content_events(container)) == events  # nothing recorded
    at_limit = await client.put(
        url + "post-y", json=post | {"body": [nested_block(30)]}, headers=staff
    )
    assert at_limit.status_code == 201, at_limit.text


async def test_a_stored_document_nested_too_deeply_breaks_no_read(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str], demo_content: int
) -> None:
    """One written before the limit (an old import, a direct edit): its deep block is left out
    of the page and the document out of the staff list; it can still be read and deleted."""
    deep = json.loads('{"_type":"x","_key":"d","c":[' * 300 + "{}" + "]}" * 300)
    doc = {
        "_id": "post-deep",
        "_type": "post",
        "title": "Deep",
        "slug": {"current": "deep"},
        "publishedAt": "2026-01-01T00:00:00Z",
        "body": [block("kept"), deep],
    }
    async with container.db.session() as session:
        await repository.upsert(session, doc)
    await container.content_cache.invalidate(["content"])

    for path in ("/api/v1/content/posts/deep", "/api/v1/admin/content/preview/posts/deep"):
        page = await client.get(path, headers=staff)
        assert page.status_code == 200, page.text
        assert [b["_key"] for b in page.json()["body"]] == ["b1"]
    assert (await client.get("/api/v1/content/posts")).status_code == 200
    for params in ({}, {"type": "post"}):
        listing = await client.get("/api/v1/admin/content/documents", params=params, headers=staff)
        assert listing.status_code == 200, listing.text
        assert "post-deep" not in [d["_id"] for d in listing.json()["items"]]
    url = "/api/v1/admin/content/documents/post-deep"
    assert (await client.get(url, headers=staff)).status_code == 200
    assert (await client.delete(url, headers=staff)).status_code == 204


async def test_links_that_leave_the_site_while_looking_relative_are_removed(
    client: httpx.AsyncClient, container: Container, staff: dict[str, str], demo_content: int
) -> None:
    hrefs = ["//evil.com", "/\\evil.com", " //evil.com", "/\t/evil.com", "&#47;&#47;evil.com"]
    body = [block(f"link {i}", href) | {"_key": f"b{i}"} for i, href in enumerate(hrefs)]
    body.append(block("ours", "/pages/about") | {"_key": "ok"})
    doc = {"_type": "page", "title": "Links", "slug": {"current": "links"}, "body": body}
    url = "/api/v1/admin/content/documents/page-links"
    assert (await client.put(url, json=doc, headers=staff)).status_code == 201
    served = (await client.get("/api/v1/content/pages/links")).json()["body"]
    assert [b["markDefs"] for b in served[:-1]] == [[]] * len(hrefs)
    assert all(b["children"][0]["marks"] == [] for b in served[:-1])
    assert served[-1]["markDefs"][0]["href"] == "/pages/about"
