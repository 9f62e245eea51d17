"""`mercato demo seed` and `mercato catalog import|export` end to end."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from mercato.bootstrap import Container
from mercato.cli import app as cli_app
from mercato.demo import catalog as demo


async def test_demo_seed_builds_a_believable_deterministic_shop(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert await demo.is_empty(container)
    assert await demo.seed(container, products=60, seed_value=7) == 60
    listing = (await client.get("/api/v1/products", params={"limit": 100, "facets": "true"})).json()
    products = listing["items"]
    assert len(products) >= 55  # a few are drafts
    async with container.db.session(write=False) as session:
        levels = (await session.execute(text("SELECT on_hand FROM stock_level"))).scalars().all()
    assert levels.count(0) > 0, "some SKUs are sold out"
    assert any(1 <= n <= 3 for n in levels), "some SKUs are low"
    assert max(levels) > 10
    facets = listing["facets"]
    assert {"size", "colour"} <= set(facets["options"])
    tree = (await client.get("/api/v1/categories")).json()["items"]
    assert {node["slug"] for node in tree} == {"clothing", "shoes", "accessories", "home"}
    detail = (await client.get(f"/api/v1/products/{products[0]['slug']}")).json()
    assert detail["breadcrumbs"]
    assert detail["variants"]
    image = await client.get(detail["images"][0]["url"])
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")
    assert b"<script" not in image.content
    assert "sandbox" in image.headers["content-security-policy"]
    search = (await client.get("/api/v1/products", params={"q": products[0]["title"]})).json()
    assert search["items"][0]["slug"] == products[0]["slug"]
    # stock: some sold out and some low across the SKUs
    availability = [v["available"] for v in detail["variants"]]
    assert all(a >= 0 for a in availability)


async def test_demo_seed_is_deterministic(container: Container, tmp_path: Path) -> None:
    from sqlalchemy import select

    from mercato.catalog.models import Product

    await demo.seed(container, products=25, seed_value=3)
    async with container.db.session(write=False) as session:
        first = (await session.scalars(select(Product.slug).order_by(Product.slug))).all()
    assert len(set(first)) == 25
    # The same seed into another empty database gives the same catalog.
    from mercato.bootstrap import build_container
    from tests.conftest import make_settings, make_sqlite_url

    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = build_container(make_settings(make_sqlite_url(other_dir), other_dir))
    try:
        await demo.seed(other, products=25, seed_value=3)
        async with other.db.session(write=False) as session:
            second = (await session.scalars(select(Product.slug).order_by(Product.slug))).all()
    finally:
        await other.aclose()
    assert first == second


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, container: Container) -> CliRunner:
    settings = container.settings
    monkeypatch.setenv("MERCATO_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MERCATO_LOG_LEVEL", "WARNING")
    return CliRunner()


async def test_cli_import_and_export(cli_env: CliRunner, tmp_path: Path, db_backend: str) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "slug,title,status,sku,price,stock\nmug,Blue Mug,active,MUG-B,1200,4\n"
        "mug,Blue Mug,active,MUG-C,1300,0\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("slug,title,status,sku,price,stock\ncup,Cup,active,CUP-1,twelve,1\n")
    import asyncio

    def invoke(*args: str) -> Result:
        return cli_env.invoke(cli_app, list(args))

    result = await asyncio.to_thread(invoke, "catalog", "import", str(bad))
    assert result.exit_code == 1
    assert "row 2, price" in result.output
    assert "nothing was written" in result.output
    result = await asyncio.to_thread(invoke, "catalog", "import", str(good))
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    out = tmp_path / "export.csv"
    result = await asyncio.to_thread(invoke, "catalog", "export", "--output", str(out))
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    assert "MUG-B" in lines[1]


async def test_cli_stores_every_products_card(cli_env: CliRunner, container: Container) -> None:
    import asyncio

    from sqlalchemy import delete, func, select

    from mercato.catalog.models import ProductCard
    from tests.factories import create_product

    for n in range(3):
        await create_product(container, title=f"Card Lamp {n}")
    async with container.db.session() as session:
        await session.execute(delete(ProductCard))
    result = await asyncio.to_thread(cli_env.invoke, cli_app, ["catalog", "cards"])
    assert result.exit_code == 0, result.output
    assert "stored 3 product cards" in result.output
    async with container.db.session(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(ProductCard).where(ProductCard.currency == "EUR")
        )
    assert count == 3


async def test_cli_import_of_a_file_the_csv_reader_cannot_read(
    cli_env: CliRunner, tmp_path: Path, container: Container
) -> None:
    import asyncio

    header = "slug,title,description,sku,price\n"
    files = {
        "huge.csv": (header + "mug,Mug," + "x" * 200_000 + ",MUG-1,100\n", "row 2", "longer"),
    }
    for name, (content, row, message) in files.items():
        path = tmp_path / name
        path.write_text(content, newline="")
        result = await asyncio.to_thread(cli_env.invoke, cli_app, ["catalog", "import", str(path)])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert row in result.output, result.output
        assert message in result.output
        assert "nothing was written" in result.output
    async with container.db.session(write=False) as session:
        assert await session.scalar(text("SELECT count(*) FROM catalog_product")) == 0
    # classic Mac line endings (a bare CR) are read like LF
    path = tmp_path / "cr.csv"
    path.write_text(header.replace("\n", "\r") + "mug,Mug,,MUG-1,100\r", newline="")
    result = await asyncio.to_thread(cli_env.invoke, cli_app, ["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    async with container.db.session(write=False) as session:
        assert await session.scalar(text("SELECT count(*) FROM catalog_product")) == 1
