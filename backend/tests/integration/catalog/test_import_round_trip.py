"""A catalog exported from one shop imports into an empty one (a new install, a staging copy):
the demo catalog, exported as CSV or JSON through the admin API or the CLI, is imported into an
empty database, and what a shopper sees there is what they saw in the first shop (ADR 0058)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mercato.bootstrap import Container, build_container
from mercato.catalog import service
from mercato.catalog.models import Category, Collection
from mercato.catalog.schemas import ImageInput, ProductCreate, VariantCreate
from mercato.cli import app as cli_app
from mercato.demo import catalog as demo
from mercato.main import create_app
from tests.conftest import _truncate_all, make_settings, make_sqlite_url
from tests.factories import auth_headers, create_user

API = "/api/v1"
ADMIN = f"{API}/admin"
# what a new database gives anew: ids, versions, timestamps, and the cursors made of them
VOLATILE = {"id", "parent_id", "version", "created_at", "updated_at", "next_cursor"}


def _strip(value: Any) -> Any:
    """A response without what a new database gives anew (ids, versions, timestamps)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def differences(a: Any, b: Any, at: str = "") -> list[str]:
    """Where two views differ (a readable failure instead of two whole shops side by side)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{at}.{k}: only on one side" for k in a.keys() ^ b.keys()]
        for k in a.keys() & b.keys():
            out += differences(a[k], b[k], f"{at}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{at}[{i}]")
        ]
    return [] if a == b else [f"{at}: {a!r} != {b!r}"[:300]]


def summary(diffs: list[str]) -> tuple[list[str], list[str]]:
    """Which fields differ, and the first few differences."""
    fields = {d.split(":")[0].rsplit(".", 1)[-1].split("[")[0] for d in diffs}
    return sorted(fields), diffs[:10]


async def shopper_view(client: httpx.AsyncClient, collections: list[str]) -> dict[str, Any]:
    """Everything the shop's public API shows: the category tree, every listed product's card
    and page, each collection page, the facets and a search."""
    view: dict[str, Any] = {}
    view["categories"] = _strip((await client.get(f"{API}/categories")).json())
    cards: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = (await client.get(f"{API}/products", params=params)).json()
        cards += page["items"]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    view["cards"] = _strip(cards)
    view["pages"] = {}
    for card in cards:
        response = await client.get(f"{API}/products/{card['slug']}")
        assert response.status_code == 200, response.text
        view["pages"][card["slug"]] = _strip(response.json())
    view["facets"] = _strip(
        (await client.get(f"{API}/products", params={"limit": 1, "facets": "true"})).json()[
            "facets"
        ]
    )
    # results of equal score come in product-id order, and ids are new in the new shop
    found = (await client.get(f"{API}/products", params={"q": "wool"})).json()["items"]
    view["search"] = sorted(_strip(found), key=lambda card: card["slug"])
    view["collections"] = {
        slug: _strip((await client.get(f"{API}/collections/{slug}")).json()) for slug in collections
    }
    for slug in view["categories"] and [n["slug"] for n in view["categories"]["items"]]:
        listing = await client.get(f"{API}/products", params={"category": slug, "limit": 100})
        view[f"category:{slug}"] = _strip(listing.json())
    return view


async def seed(container: Container) -> list[str]:
    """The demo catalog, and a draft with what the demo lacks (an inactive variant, sizes,
    images with alt text, attributes); the collections' slugs."""
    await demo.seed(container, products=30, seed_value=11)
    async with container.db.session() as session:
        shirts = (
            await session.scalars(select(Category).where(Category.parent_id.is_not(None)))
        ).first()
        assert shirts is not None
        await service.create_product(
            session,
            ProductCreate(
                title="Prototype Parka",
                status="draft",
                category_id=shirts.id,
                attributes={"material": "Waxed cotton", "lined": True},
                images=[ImageInput(url="/media/demo/parka.png", alt="The parka, front")],
                variants=[
                    VariantCreate(
                        sku="PARKA-1",
                        price=19900,
                        stock=2,
                        length_mm=700,
                        width_mm=500,
                        height_mm=40,
                        barcode="4000000000017",
                    ),
                    VariantCreate(sku="PARKA-2", price=20900, stock=0, is_active=False),
                ],
            ),
            currency="EUR",
        )
        collections = list(await session.scalars(select(Collection.slug)))
    await container.catalog_cache.invalidate(("products", "categories", "collections"))
    return sorted(collections)


@pytest.fixture
async def fresh(
    container: Container, tmp_path: Path, db_backend: str
) -> AsyncIterator[tuple[Container, Any]]:
    """An empty shop to import into, with the first shop's media folder (as a copy of `var/media`
    would give it); on PostgreSQL the test database itself, emptied once the export is taken."""
    if db_backend == "sqlite":
        directory = tmp_path / "fresh"
        directory.mkdir()
        url = make_sqlite_url(directory)

        def empty() -> None:
            pass

    else:
        url = container.settings.effective_database_url

        def empty() -> None:
            _truncate_all(url)

    holder: dict[str, Container] = {}

    def open_fresh() -> Container:
        empty()
        holder["c"] = build_container(make_settings(url, tmp_path))
        return holder["c"]

    try:
        yield container, open_fresh
    finally:
        if "c" in holder:
            await holder["c"].aclose()


async def _staff(container: Container) -> dict[str, str]:
    return auth_headers(container, await create_user(container, role="staff"))


@pytest.mark.parametrize("kind", ["csv", "json"])
async def test_an_export_imports_into_an_empty_shop_through_the_admin_api(
    client: httpx.AsyncClient, fresh: tuple[Container, Any], kind: str
) -> None:
    container, open_fresh = fresh
    collections = await seed(container)
    before = await shopper_view(client, collections)
    assert before["categories"]["items"]
    assert before["cards"]
    assert collections
    staff = await _staff(container)
    exported = await client.get(f"{ADMIN}/products/export?format={kind}", headers=staff)
    assert exported.status_code == 200, exported.text

    other = open_fresh()
    transport = httpx.ASGITransport(app=create_app(other.settings, other))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as new:
        new_staff = await _staff(other)
        assert (await new.get(f"{API}/categories")).json()["items"] == []
        imported = await new.post(
            f"{ADMIN}/products/import?format={kind}", content=exported.content, headers=new_staff
        )
        assert imported.status_code == 200, imported.text
        report = imported.json()
        assert (report["created"], report["updated"], report["errors"]) == (31, 0, [])
        after = await shopper_view(new, collections)
        assert not differences(after, before), summary(differences(after, before))
        # the draft stays a draft; the file the new shop exports is the file it was given
        assert (await new.get(f"{API}/products/prototype-parka")).status_code == 404
        again = await new.get(f"{ADMIN}/products/export?format={kind}", headers=new_staff)
        assert again.content == exported.content
        # and importing it once more changes nothing
        twice = await new.post(
            f"{ADMIN}/products/import?format={kind}", content=exported.content, headers=new_staff
        )
        assert (twice.json()["created"], twice.json()["updated"]) == (0, 31)
        assert await shopper_view(new, collections) == before


async def test_an_export_imports_into_an_empty_shop_with_the_cli(
    client: httpx.AsyncClient,
    fresh: tuple[Container, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container, open_fresh = fresh
    collections = await seed(container)
    before = await shopper_view(client, collections)
    runner = CliRunner()
    monkeypatch.setenv("MERCATO_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("MERCATO_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("MERCATO_DATABASE_URL", container.settings.effective_database_url)
    files = {kind: tmp_path / f"catalog.{kind}" for kind in ("csv", "json")}
    for kind, path in files.items():
        result = await asyncio.to_thread(
            runner.invoke, cli_app, ["catalog", "export", "--format", kind, "-o", str(path)]
        )
        assert result.exit_code == 0, result.output

    other = open_fresh()
    monkeypatch.setenv("MERCATO_DATABASE_URL", other.settings.effective_database_url)
    result = await asyncio.to_thread(
        runner.invoke, cli_app, ["catalog", "import", str(files["csv"])]
    )
    assert result.exit_code == 0, result.output
    assert "31 created, 0 updated, 0 skipped, 0 errors" in result.output
    transport = httpx.ASGITransport(app=create_app(other.settings, other))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as new:
        after = await shopper_view(new, collections)
        assert not differences(after, before), summary(differences(after, before))
    # the JSON file of the same shop agrees with it
    result = await asyncio.to_thread(
        runner.invoke, cli_app, ["catalog", "import", str(files["json"])]
    )
    assert result.exit_code == 0, result.output
    assert "0 created, 31 updated, 0 skipped, 0 errors" in result.output
