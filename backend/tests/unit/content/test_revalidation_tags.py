"""`ContentChanged` events reach the storefront's revalidation handler with their tags."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

from mercato.content.service import catalog_tags, storefront_tags
from mercato.revalidation.handlers import tags_for
from mercato.revalidation.service import CONTENT_CHANGED
from mercato.worker.events import Event


def test_content_changed_tags_are_forwarded() -> None:
    event = Event(
        id=uuid.uuid4(),
        type=CONTENT_CHANGED,
        payload={"tags": ["content", "post:a"], "reason": "admin"},
        created_at=datetime.now(UTC),
    )
    assert tags_for(cast(Any, None), event) == ["content", "post:a"]


def test_tags_per_document_type() -> None:
    slug = {"current": "x"}
    assert storefront_tags({"_type": "post", "slug": slug}) == {"content", "posts", "post:x"}
    assert storefront_tags({"_type": "author", "slug": slug}) == {"content", "posts"}
    assert storefront_tags({"_type": "page", "slug": slug}) == {"content", "page:x"}
    assert storefront_tags({"_type": "siteSettings"}) == {"content", "site-settings"}
    assert storefront_tags({"_type": "productEditorial", "slug": slug}) == {"content", "product:x"}
    assert storefront_tags(None) == {"content"}
    editorial = {"_type": "productEditorial", "slug": slug}
    assert catalog_tags([editorial]) == {"product:x"}  # that product's page only
    assert catalog_tags([{"_type": "productEditorial"}]) == {"products"}  # no slug: every product
    assert catalog_tags([None]) == {"products"}  # a webhook body we cannot read
    assert catalog_tags([{"_type": "mystery"}]) == {"products"}
    assert catalog_tags([{"_type": "post"}, {"_type": "page"}]) == set()
