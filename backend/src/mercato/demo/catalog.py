"""A believable demo shop, generated locally and deterministically (`mercato demo seed`).

Categories in a tree, products with sizes and colours, realistic prices (some on sale), stock
(some sold out, some low) and SVG illustrations written under <data_dir>/media/demo (one per
product type and colour, shared by products). Everything is written with bulk inserts, so
`--products 100000` finishes in minutes. The same `--seed` always gives the same shop.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.catalog.models import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductOption,
    Variant,
    VariantOptionValue,
)
from mercato.catalog.ports import CatalogPorts
from mercato.catalog.search import add_vocabulary, vocabulary_of
from mercato.catalog.service import build_search_text
from mercato.catalog.text import slugify
from mercato.inventory import service as inventory
from mercato.platform import card_marks

EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
BATCH = 1000

TREE: dict[str, dict[str, list[str]]] = {
    "Clothing": {
        "Women": ["Dresses", "Tops", "Knitwear", "Skirts"],
        "Men": ["Shirts", "T-Shirts", "Jumpers", "Trousers"],
        "Outerwear": ["Jackets", "Coats"],
    },
    "Shoes": {"Sneakers": [], "Boots": [], "Sandals": []},
    "Accessories": {"Bags": [], "Scarves": [], "Hats": [], "Belts": []},
    "Home": {"Kitchen": ["Mugs", "Teapots"], "Living": ["Cushions", "Lamps", "Throws"]},
}

APPAREL = ["XS", "S", "M", "L", "XL"]
SHOE = ["38", "39", "40", "41", "42", "43", "44", "45"]
ONE = ["One size"]


@dataclass(frozen=True)
class Kind:
    category: str
    noun: str
    low: int  # price range in whole euros
    high: int
    sizes: list[str]
    materials: list[str]
    shape: str  # which illustration to draw


KINDS = [
    Kind("Dresses", "Dress", 39, 189, APPAREL, ["Linen", "Silk", "Cotton", "Jersey"], "dress"),
    Kind("Tops", "Blouse", 25, 89, APPAREL, ["Cotton", "Silk", "Viscose"], "shirt"),
    Kind("Knitwear", "Cardigan", 45, 159, APPAREL, ["Merino", "Cashmere", "Alpaca"], "jumper"),
    Kind("Skirts", "Skirt", 29, 119, APPAREL, ["Denim", "Linen", "Wool"], "skirt"),
    Kind("Shirts", "Shirt", 35, 129, APPAREL, ["Oxford", "Linen", "Flannel", "Poplin"], "shirt"),
    Kind("T-Shirts", "T-Shirt", 15, 49, APPAREL, ["Organic Cotton", "Slub", "Pima"], "tee"),
    Kind("Jumpers", "Jumper", 49, 169, APPAREL, ["Lambswool", "Merino", "Cotton"], "jumper"),
    Kind("Trousers", "Trousers", 45, 149, APPAREL, ["Chino", "Wool", "Corduroy"], "trousers"),
    Kind("Jackets", "Jacket", 89, 329, APPAREL, ["Waxed", "Denim", "Quilted"], "jacket"),
    Kind("Coats", "Coat", 149, 499, APPAREL, ["Wool", "Camel", "Tweed"], "jacket"),
    Kind("Sneakers", "Sneakers", 59, 179, SHOE, ["Canvas", "Leather", "Suede"], "shoe"),
    Kind("Boots", "Boots", 99, 289, SHOE, ["Leather", "Suede", "Rubber"], "boot"),
    Kind("Sandals", "Sandals", 35, 119, SHOE, ["Leather", "Cork", "Woven"], "shoe"),
    Kind("Bags", "Tote Bag", 29, 249, ONE, ["Canvas", "Leather", "Nylon"], "bag"),
    Kind("Scarves", "Scarf", 19, 129, ONE, ["Wool", "Silk", "Cashmere"], "scarf"),
    Kind("Hats", "Beanie", 15, 59, ONE, ["Merino", "Cotton", "Alpaca"], "hat"),
    Kind("Belts", "Belt", 25, 99, ["S", "M", "L"], ["Leather", "Canvas", "Suede"], "belt"),
    Kind("Mugs", "Mug", 9, 29, ONE, ["Stoneware", "Porcelain", "Enamel"], "mug"),
    Kind("Teapots", "Teapot", 29, 99, ONE, ["Cast Iron", "Porcelain", "Glass"], "mug"),
    Kind("Cushions", "Cushion", 19, 79, ONE, ["Linen", "Velvet", "Wool"], "cushion"),
    Kind("Lamps", "Table Lamp", 39, 249, ONE, ["Brass", "Ceramic", "Oak"], "lamp"),
    Kind("Throws", "Throw", 39, 189, ONE, ["Wool", "Mohair", "Cotton"], "cushion"),
]

COLOURS = {
    "Black": "#1f1f1f",
    "White": "#f4f1ea",
    "Navy": "#1d2b4f",
    "Olive": "#6b6b3a",
    "Rust": "#b5532c",
    "Sand": "#d8c3a0",
    "Sage": "#9cae8f",
    "Burgundy": "#6d1f2f",
    "Sky": "#8fb8de",
    "Charcoal": "#3d4045",
    "Mustard": "#d4a72c",
    "Blush": "#e7b7b0",
}
ADJECTIVES = [
    "Classic", "Relaxed", "Everyday", "Heritage", "Essential", "Tailored", "Soft", "Coastal",
    "Nordic", "Vintage", "Modern", "Weekend", "Alpine", "Urban", "Studio", "Harbour", "Meadow",
    "Field", "Atelier", "Riviera",
]  # fmt: skip
BRANDS = [
    "Norden & Co", "Atelier Rive", "Fjell", "Maison Lumen", "Harbour Goods", "Oak & Thread",
    "Kinfolk Supply", "Solstice", "Tern", "Brume",
]  # fmt: skip
COLLECTIONS = [("New in", "new-in"), ("Sale", "sale"), ("Bestsellers", "bestsellers")]

SHAPES = {
    "shirt": "M60 40 L100 28 L140 40 L170 70 L150 85 L140 75 L140 170 L60 170 L60 75 L50 85 "
    "L30 70 Z",
    "tee": "M60 45 L100 35 L140 45 L170 75 L148 90 L140 82 L140 170 L60 170 L60 82 L52 90 L30 75 Z",
    "jumper": "M62 40 L100 32 L138 40 L172 120 L152 126 L140 90 L140 170 L60 170 L60 90 L48 126 "
    "L28 120 Z",
    "dress": "M80 30 L120 30 L128 70 L160 170 L40 170 L72 70 Z",
    "skirt": "M70 50 L130 50 L160 160 L40 160 Z",
    "trousers": "M65 30 L135 30 L145 175 L110 175 L100 80 L90 175 L55 175 Z",
    "jacket": "M58 36 L100 26 L142 36 L172 160 L142 160 L140 178 L60 178 L58 160 L28 160 Z",
    "shoe": "M30 120 L90 110 L120 80 L150 90 L170 130 L170 150 L30 150 Z",
    "boot": "M70 40 L120 40 L120 110 L170 130 L170 160 L70 160 Z",
    "bag": "M50 70 L150 70 L160 170 L40 170 Z M75 70 Q100 20 125 70",
    "scarf": "M60 30 L140 30 L140 60 L100 80 L120 170 L90 170 L75 80 L60 60 Z",
    "hat": "M50 130 Q100 20 150 130 Z M40 130 L160 130 L160 150 L40 150 Z",
    "belt": "M20 90 L180 90 L180 115 L20 115 Z M120 82 L150 82 L150 123 L120 123 Z",
    "mug": "M55 60 L135 60 L135 160 L55 160 Z M135 80 Q175 90 135 135",
    "cushion": "M40 50 Q100 35 160 50 Q170 100 160 150 Q100 165 40 150 Q30 100 40 50 Z",
    "lamp": "M65 40 L135 40 L155 100 L45 100 Z M95 100 L105 100 L105 160 L95 160 Z "
    "M70 160 L130 160 L130 172 L70 172 Z",
}


def illustration(kind: Kind, colour: str) -> bytes:
    """A small, safe SVG (no scripts, no external references) drawn from fixed shapes."""
    fill = COLOURS[colour]
    stroke = "#2b2b2b" if colour not in ("Black", "Charcoal", "Navy") else "#9a9a9a"
    label = escape(f"{kind.noun} · {colour}")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 240" width="600" height="720">'
        '<rect width="200" height="240" fill="#f7f5f0"/>'
        f'<path d="{SHAPES[kind.shape]}" fill="{fill}" stroke="{stroke}" stroke-width="2" '
        'stroke-linejoin="round"/>'
        f'<text x="100" y="215" font-family="sans-serif" font-size="11" text-anchor="middle" '
        f'fill="#555">{label}</text></svg>'
    )
    return svg.encode()


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _price(rng: random.Random, low: int, high: int) -> int:
    euros = rng.randint(low, high)
    ending = rng.choice([0, 0, 95, 99, 99, 50])
    if ending:
        return euros * 100 - (100 - ending) if euros > 1 else euros * 100
    return euros * 100


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0  # sold out
    if roll < 0.22:
        return rng.randint(1, 3)  # low
    return rng.randint(5, 80)


Progress = Callable[[int, int], None]


def _link(collection_id: uuid.UUID, product_id: uuid.UUID, position: int) -> dict[str, Any]:
    return {"collection_id": collection_id, "product_id": product_id, "position": position}


async def is_empty(container: CatalogPorts) -> bool:
    async with container.db.session(write=False) as session:
        return not await session.scalar(select(func.count()).select_from(Product))


async def _categories(
    session: AsyncSession, rng: random.Random
) -> tuple[dict[str, uuid.UUID], dict[str, list[str]]]:
    """The tree; returns leaf name -> id and leaf name -> names along its path."""
    rows: list[dict[str, Any]] = []
    ids: dict[str, uuid.UUID] = {}
    names: dict[str, list[str]] = {}
    now = EPOCH

    def add(name: str, parent: tuple[uuid.UUID, str] | None, position: int, slug: str) -> str:
        category_id = _uuid(rng)
        path = (parent[1] if parent else "/") + f"{category_id}/"
        rows.append(
            {
                "id": category_id,
                "parent_id": parent[0] if parent else None,
                "name": name,
                "slug": slug,
                "description": f"Our {name.lower()} selection.",
                "position": position,
                "path": path,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        ids[name] = category_id
        return path

    for i, (top, middles) in enumerate(TREE.items()):
        top_path = add(top, None, i, slugify(top))
        for j, (middle, leaves) in enumerate(middles.items()):
            middle_slug = (
                slugify(f"{top} {middle}") if middle in ("Women", "Men") else slugify(middle)
            )
            middle_path = add(middle, (ids[top], top_path), j, middle_slug)
            names[middle] = [top, middle]
            for k, leaf in enumerate(leaves):
                leaf_slug = slugify(f"{middle} {leaf}") if leaf in ("Knitwear",) else slugify(leaf)
                add(leaf, (ids[middle], middle_path), k, leaf_slug)
                names[leaf] = [top, middle, leaf]
    await session.execute(insert(Category), rows)
    return ids, names


async def seed(
    container: CatalogPorts,
    *,
    products: int = 240,
    seed_value: int = 42,
    progress: Progress | None = None,
) -> int:
    """Create the demo shop; returns the number of products written."""
    rng = random.Random(seed_value)
    currency = container.settings.catalog.currency
    # the illustrations
    for kind in KINDS:
        for colour in COLOURS:
            name = f"demo/{slugify(kind.noun)}-{slugify(colour)}.svg"
            if container.media.local_path(name) is None:
                await container.media.save(name, illustration(kind, colour), "image/svg+xml")
    async with container.db.session() as session:
        category_ids, category_names = await _categories(session, rng)
        collection_ids = {}
        for _title, slug in COLLECTIONS:
            collection_ids[slug] = _uuid(rng)
        await session.execute(
            insert(Collection),
            [
                {
                    "id": collection_ids[slug],
                    "title": title,
                    "slug": slug,
                    "description": f"{title}: hand-picked by our team.",
                    "version": 1,
                    "created_at": EPOCH,
                    "updated_at": EPOCH,
                }
                for title, slug in COLLECTIONS
            ],
        )
    used_slugs: set[str] = set()
    written = 0
    sku_counter = 0
    for start in range(0, products, BATCH):
        count = min(BATCH, products - start)
        product_rows: list[dict[str, Any]] = []
        option_rows: list[dict[str, Any]] = []
        variant_rows: list[dict[str, Any]] = []
        value_rows: list[dict[str, Any]] = []
        image_rows: list[dict[str, Any]] = []
        link_rows: list[dict[str, Any]] = []
        stock: dict[str, int] = {}
        vocabulary: set[str] = set()
        for n in range(start, start + count):
            kind = KINDS[n % len(KINDS)] if n < len(KINDS) * 2 else rng.choice(KINDS)
            adjective, material = rng.choice(ADJECTIVES), rng.choice(kind.materials)
            title = f"{adjective} {material} {kind.noun}"
            slug = slugify(title)
            if slug in used_slugs:
                title = f"{title} No. {n + 1}"
                slug = slugify(title)
            used_slugs.add(slug)
            brand = rng.choice(BRANDS)
            product_id = _uuid(rng)
            colours = rng.sample(list(COLOURS), k=rng.randint(1, 3))
            sizes = (
                kind.sizes
                if len(kind.sizes) <= 1
                else kind.sizes[rng.randint(0, 1) : len(kind.sizes) - rng.randint(0, 1)]
            )
            base_price = _price(rng, kind.low, kind.high)
            on_sale = rng.random() < 0.15
            created = EPOCH - timedelta(minutes=(products - n) * 7 + rng.randint(0, 6))
            description = (
                f"<p>The {escape(title.lower())} from {escape(brand)}: {material.lower()}, "
                f"made to last and easy to care for.</p><ul><li>Material: {escape(material)}"
                f"</li><li>Available in {len(colours)} colour(s)</li></ul>"
            )
            tags = [kind.noun.lower(), material.lower(), adjective.lower()]
            if on_sale:
                tags.append("sale")
            search_text = build_search_text(
                title, brand, tags, category_names[kind.category], description
            )
            vocabulary |= vocabulary_of(search_text)
            option_names = []
            if len(sizes) > 1 or sizes != ONE:
                option_names.append(("Size", sizes))
            option_names.append(("Colour", colours))
            for position, (name, values) in enumerate(option_names):
                option_rows.append(
                    {
                        "id": _uuid(rng),
                        "product_id": product_id,
                        "name": name,
                        "position": position,
                        "values": list(values),
                    }
                )
            position = 0
            prices = []
            for colour in colours:
                for size in sizes if ("Size", sizes) in option_names else [None]:
                    sku_counter += 1
                    sku = f"{kind.noun[:3].upper()}-{sku_counter:07d}"
                    options = (
                        {"Colour": colour} if size is None else {"Size": size, "Colour": colour}
                    )
                    price = base_price + (500 if size in ("XL", "45") else 0)
                    prices.append(price)
                    variant_id = _uuid(rng)
                    variant_rows.append(
                        {
                            "id": variant_id,
                            "product_id": product_id,
                            "sku": sku,
                            "barcode": f"40{rng.randint(10**10, 10**11 - 1)}",
                            "title": " / ".join(options[k] for k, _ in option_names),
                            "options": options,
                            "price": price,
                            "compare_at_price": int(price * 1.3) // 100 * 100 - 1
                            if on_sale
                            else None,
                            "currency": currency,
                            "weight_grams": rng.randint(150, 1800),
                            "length_mm": None,
                            "width_mm": None,
                            "height_mm": None,
                            "position": position,
                            "is_active": True,
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
                    for key, value in options.items():
                        value_rows.append(
                            {
                                "variant_id": variant_id,
                                "name": key.lower(),
                                "value": value,
                                "product_id": product_id,
                            }
                        )
                    stock[sku] = _stock(rng)
                    position += 1
            for position, colour in enumerate(colours[:3]):
                image_rows.append(
                    {
                        "id": _uuid(rng),
                        "product_id": product_id,
                        "url": f"/media/demo/{slugify(kind.noun)}-{slugify(colour)}.svg",
                        "alt": f"{title} in {colour.lower()}",
                        "position": position,
                        "width": 600,
                        "height": 720,
                    }
                )
            product_rows.append(
                {
                    "id": product_id,
                    "title": title,
                    "slug": slug,
                    "description": description,
                    "brand": brand,
                    "status": "active" if rng.random() > 0.02 else "draft",
                    "seo_title": f"{title} | {brand}",
                    "seo_description": f"{title} by {brand}. Free returns within 30 days.",
                    "category_id": category_ids[kind.category],
                    "tags": tags,
                    "attributes": {"material": material, "care": "Gentle wash"},
                    "price_min": min(prices),
                    "price_max": max(prices),
                    "search_text": search_text,
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if on_sale:
                link_rows.append(
                    {
                        "collection_id": collection_ids["sale"],
                        "product_id": product_id,
                        "position": n,
                    }
                )
            if n >= products - 24:
                link_rows.append(
                    {
                        "collection_id": collection_ids["new-in"],
                        "product_id": product_id,
                        "position": n,
                    }
                )
            if rng.random() < 0.05:
                link_rows.append(_link(collection_ids["bestsellers"], product_id, n))
        async with container.db.session() as session:
            await session.execute(insert(Product), product_rows)
            await session.execute(insert(ProductOption), option_rows)
            await session.execute(insert(Variant), variant_rows)
            await session.execute(insert(VariantOptionValue), value_rows)
            await session.execute(insert(ProductImage), image_rows)
            if link_rows:
                await session.execute(insert(CollectionProduct), link_rows)
            await inventory.bulk_receive(session, stock, reason="demo seed", actor="demo")
            await add_vocabulary(session, vocabulary)
            card_marks.products_changed(session, (row["id"] for row in product_rows))
        written += count
        if progress is not None:
            progress(written, products)
    await refresh_statistics(container)
    await container.catalog_cache.invalidate(("products", "categories", "collections"))
    return written


async def refresh_statistics(container: CatalogPorts) -> None:
    """After a bulk load: planner statistics now, not whenever autovacuum gets to it."""
    engine = container.db.write_engine
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("VACUUM ANALYZE")
        else:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
