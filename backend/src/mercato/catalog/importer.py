"""Bulk import and export of products as CSV (one row per variant) or JSON (one object per
product). Every row is validated first and errors are reported per row; nothing is written when
any row is invalid unless `partial` is set, in which case the valid products are written and the
invalid ones skipped. Existing products (same slug) are updated, new SKUs added, stock set.
Categories and collections are named by slug; a row that also declares them (`category_path`,
`collection_details`, as the export writes them) creates those the shop lacks, so an export
imports into an empty shop (`import_refs`, ADR 0058).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mercato.catalog import service
from mercato.catalog.import_refs import (
    Created,
    FileRefs,
    load_cell,
    read_for_export,
    read_shop,
)
from mercato.catalog.models import Collection, CollectionProduct, Product, Variant
from mercato.catalog.ports import CatalogPorts
from mercato.catalog.schemas import (
    ImportReport,
    ImportRowError,
    ProductCreate,
    ProductUpdate,
    VariantCreate,
    VariantUpdate,
)
from mercato.catalog.text import sanitize_html, slugify
from mercato.inventory import service as inventory
from mercato.platform.db import Database
from mercato.platform.errors import DomainError
from mercato.revalidation.service import record_catalog_change

MAX_ROWS = 100_000
CSV_COLUMNS = [
    "slug",
    "title",
    "description",
    "brand",
    "status",
    "category",
    "category_path",
    "tags",
    "collections",
    "collection_details",
    "seo_title",
    "seo_description",
    "attributes",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "is_active",
    "stock",
    "images",
]
REQUIRED_COLUMNS = {"slug", "title", "sku", "price"}
# A product's cells the export writes on its first row only (the others of its fields are on
# every row): the import reads each from the first of the product's rows that has it.
PRODUCT_CELLS = ("category_path", "collection_details", "attributes", "images")
# A cell a spreadsheet may run as a formula (OWASP: = + - @ tab CR; after any `'`s, so that
# un-quoting on import is exact): the export prefixes it with `'`, the import removes that one.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _images_cell(value: str, row: int) -> tuple[Any, list[ImportRowError]]:
    """A CSV `images` cell: URLs separated by `|`, or a JSON list of images with their alt text
    and size (`[{"url": …, "alt": …, "width": …, "height": …}]`, as the export writes it when an
    image has any of them)."""
    if value.startswith("["):
        return load_cell(value, row, "images")
    return [{"url": u, "alt": ""} for u in _split(value)], []


def _images_out(images: Sequence[Any]) -> str:
    plain = all(i.alt == "" and i.width is None and i.height is None for i in images)
    if plain:
        return "|".join(i.url for i in images)
    return _json_cell(
        [{"url": i.url, "alt": i.alt, "width": i.width, "height": i.height} for i in images]
    )


def _json_cell(value: list[Any] | dict[str, Any]) -> str:
    """A CSV cell holding JSON (`category_path`, `attributes`, …); empty if there is nothing."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


def _to_cell(value: object) -> object:
    """An exported CSV cell: text a spreadsheet would read as a formula is quoted with `'`."""
    return "'" + value if isinstance(value, str) and _FORMULA.match(value) else value


def _from_cell(value: str) -> str:
    """An imported CSV cell: the `'` an export put before a formula-like text is removed."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value, 1) else value


@dataclass
class PlannedProduct:
    first_row: int
    data: ProductCreate  # its category_id is set from `category` when it is written
    rows: list[int] = field(default_factory=list)
    category: str | None = None  # the category's slug


Progress = Callable[[int, int], None]  # (done, total)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _errors_from(exc: ValidationError, row: int, prefix: str = "") -> list[ImportRowError]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        out.append(ImportRowError(row=row, field=(prefix + loc) or None, message=err["msg"]))
    return out


def _int(value: str, name: str, row: int, errors: list[ImportRowError]) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(
            ImportRowError(
                row=row, field=name, message=f"must be an integer (minor units), got {value[:40]!r}"
            )
        )
        return None


def _csv_error(exc: csv.Error, row: int) -> ImportRowError:
    """Why the csv module cannot read a file, in words."""
    reason = str(exc)
    if "field limit" in reason:
        reason = f"a field is longer than {csv.field_size_limit()} characters"
    return ImportRowError(row=row, field=None, message=f"not readable as CSV: {reason}")


def parse_csv(text: str, refs: FileRefs) -> tuple[list[PlannedProduct], list[ImportRowError], int]:
    # newline="": lines end at LF, CRLF or a bare CR (classic Mac files), as the csv module
    # expects its input (a CR or LF inside a quoted field stays as it is)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    read = 0

    def records() -> Iterator[dict[str | Any, str | Any]]:
        nonlocal read
        for record in reader:
            read += 1
            yield record

    # a file the csv module cannot read stops the import: nothing planned, even with `partial`
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        return [], [_csv_error(exc, row=1)], 0
    try:
        return _parse_csv(fieldnames, records(), refs)
    except csv.Error as exc:
        return [], [_csv_error(exc, row=read + 2)], read  # header is row 1


def _parse_csv(
    fieldnames: Sequence[str],
    records: Iterator[dict[str | Any, str | Any]],
    refs: FileRefs,
) -> tuple[list[PlannedProduct], list[ImportRowError], int]:
    errors: list[ImportRowError] = []
    header = set(fieldnames)
    missing = REQUIRED_COLUMNS - header
    unknown = header - set(CSV_COLUMNS)
    if missing or unknown:
        if missing:
            errors.append(
                ImportRowError(
                    row=1, field=None, message="missing columns: " + ", ".join(sorted(missing))
                )
            )
        if unknown:
            errors.append(
                ImportRowError(
                    row=1, field=None, message="unknown columns: " + ", ".join(sorted(unknown))
                )
            )
        return [], errors, 0
    groups: dict[str, dict[str, Any]] = {}
    seen_skus: dict[str, int] = {}
    total = 0
    for index, raw in enumerate(records):
        row_no = index + 2  # header is row 1
        total += 1
        if total > MAX_ROWS:
            errors.append(
                ImportRowError(row=row_no, field=None, message=f"more than {MAX_ROWS} rows")
            )
            break
        if None in raw:
            errors.append(ImportRowError(row=row_no, field=None, message="too many fields"))
            continue
        row = {k: _from_cell((v or "").strip()) for k, v in raw.items()}
        row_errors: list[ImportRowError] = []
        slug = row.get("slug") or slugify(row.get("title", ""))
        options: dict[str, str] = {}
        columns: dict[str, int] = {}  # lower-cased name -> where it was first given
        for n in (1, 2, 3):
            name, value = row.get(f"option{n}_name", ""), row.get(f"option{n}_value", "")
            if name and name.lower() in columns:
                row_errors.append(
                    ImportRowError(
                        row=row_no,
                        field=f"option{n}_name",
                        message=f"option {name!r} is declared twice "
                        f"(also option{columns[name.lower()]}_name; case does not count)",
                    )
                )
            elif name and value:
                columns[name.lower()] = n
                options[name] = value
            elif name or value:
                row_errors.append(
                    ImportRowError(
                        row=row_no,
                        field=f"option{n}_value",
                        message="option name and value go together",
                    )
                )
        variant_fields: dict[str, Any] = {"sku": row.get("sku", ""), "options": options}
        for name in (
            "price",
            "compare_at_price",
            "weight_grams",
            "length_mm",
            "width_mm",
            "height_mm",
            "stock",
        ):
            number = _int(row.get(name, ""), name, row_no, row_errors)
            if number is not None:
                variant_fields[name] = number
        if "price" not in variant_fields and not any(e.field == "price" for e in row_errors):
            row_errors.append(
                ImportRowError(row=row_no, field="price", message="price is required")
            )
        if row.get("barcode"):
            variant_fields["barcode"] = row["barcode"]
        if row.get("is_active"):
            active = _BOOLEANS.get(row["is_active"].lower())
            if active is None:
                row_errors.append(
                    ImportRowError(row=row_no, field="is_active", message="must be true or false")
                )
            else:
                variant_fields["is_active"] = active
        variant: VariantCreate | None = None
        if not row_errors:
            try:
                variant = VariantCreate.model_validate(variant_fields)
            except ValidationError as exc:
                row_errors.extend(_errors_from(exc, row_no))
        if variant is not None:
            key = variant.sku.lower()  # SKUs differing only by case are one SKU
            if key in seen_skus:
                row_errors.append(
                    ImportRowError(
                        row=row_no,
                        field="sku",
                        message=f"duplicate SKU (also on row {seen_skus[key]}; "
                        "case does not count)",
                    )
                )
            seen_skus[key] = row_no
        group = groups.get(slug)
        if group is None:
            # a product's own fields are read from its first row
            group = groups[slug] = {
                "first_row": row_no,
                "rows": [],
                "fields": {
                    "slug": slug,
                    "title": row.get("title", ""),
                    "description": row.get("description", ""),
                    "brand": row.get("brand", ""),
                    "status": row.get("status") or "draft",
                    "seo_title": row.get("seo_title", ""),
                    "seo_description": row.get("seo_description", ""),
                    "tags": _split(row.get("tags", "")),
                    "collections": _split(row.get("collections", "")),
                },
                "variants": [],
                "invalid": False,
                "category": row.get("category") or None,
                "cells": {},
            }
        for name in PRODUCT_CELLS:  # from the first of the product's rows that has it
            if row.get(name) and name not in group["cells"]:
                group["cells"][name] = (row[name], row_no)
        group["rows"].append(row_no)
        if row_errors:
            group["invalid"] = True
            errors.extend(row_errors)
        elif variant is not None:
            group["variants"].append(variant)
    planned: list[PlannedProduct] = []
    for group in groups.values():
        cell_errors = _read_product_cells(group, refs)
        if cell_errors:
            errors.extend(cell_errors)
            continue
        if group["invalid"]:
            continue
        try:
            data = ProductCreate.model_validate({**group["fields"], "variants": group["variants"]})
        except ValidationError as exc:
            errors.extend(_errors_from(exc, group["first_row"]))
            continue
        planned.append(PlannedProduct(group["first_row"], data, group["rows"], group["category"]))
    return planned, errors, total


def _read_product_cells(group: dict[str, Any], refs: FileRefs) -> list[ImportRowError]:
    """A product's JSON cells (`PRODUCT_CELLS`) into its fields, its category and collections
    checked (and declared) with `refs`; the errors name the row each cell came from."""
    cells: dict[str, tuple[str, int]] = group["cells"]
    errors: list[ImportRowError] = []

    def cell(name: str) -> tuple[Any, int, list[ImportRowError]]:
        value, row = cells.get(name, ("", group["first_row"]))
        parsed, found = (
            _images_cell(value, row) if name == "images" else load_cell(value, row, name)
        )
        return parsed, row, found

    path, row, found = cell("category_path")
    if not found:
        group["category"], found = refs.category(row, group["category"], path)
    errors.extend(found)
    details, row, found = cell("collection_details")
    errors.extend(found or refs.collections_of(row, group["fields"]["collections"], details))
    attributes, _, found = cell("attributes")
    errors.extend(found)
    images, _, found = cell("images")
    errors.extend(found)
    group["fields"]["attributes"] = attributes if attributes is not None else {}
    group["fields"]["images"] = images
    return errors


def parse_json(text: str, refs: FileRefs) -> tuple[list[PlannedProduct], list[ImportRowError], int]:
    try:
        items = json.loads(text)
    except ValueError as exc:  # not JSON, or a number longer than Python reads (4300 digits)
        reason = f"{exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else exc
        return [], [ImportRowError(row=0, field=None, message=f"invalid JSON: {reason}")], 0
    except RecursionError:
        return [], [ImportRowError(row=0, field=None, message="JSON nested too deeply")], 0
    if isinstance(items, dict) and isinstance(items.get("products"), list):
        items = items["products"]
    if not isinstance(items, list):
        return [], [ImportRowError(row=0, field=None, message="expected a list of products")], 0
    planned: list[PlannedProduct] = []
    errors: list[ImportRowError] = []
    seen_skus: dict[str, int] = {}
    for index, item in enumerate(items[:MAX_ROWS]):
        row_no = index + 1
        if not isinstance(item, dict):
            errors.append(ImportRowError(row=row_no, field=None, message="expected an object"))
            continue
        item = dict(item)
        category, row_errors = refs.category(
            row_no, item.pop("category", None), item.pop("category_path", None)
        )
        details = item.pop("collection_details", None)
        if not row_errors:
            row_errors = refs.collections_of(row_no, item.get("collections"), details)
        if row_errors:
            errors.extend(row_errors)
            continue
        item.pop("id", None)
        try:
            data = ProductCreate.model_validate(item)
        except ValidationError as exc:
            errors.extend(_errors_from(exc, row_no))
            continue
        dupes = [v.sku for v in data.variants if v.sku.lower() in seen_skus]
        if dupes:
            errors.append(
                ImportRowError(
                    row=row_no,
                    field="variants.sku",
                    message=f"duplicate SKU {dupes[0]!r} (case does not count)",
                )
            )
            continue
        seen_skus.update({v.sku.lower(): row_no for v in data.variants})
        if data.slug is None:
            data = data.model_copy(update={"slug": slugify(data.title)})
        planned.append(PlannedProduct(row_no, data, [row_no], category))
    return planned, errors, len(items)


async def _upsert(
    session: AsyncSession, item: ProductCreate, *, currency: str, actor: str | None
) -> bool:
    """Create or update one product; True when it was created."""
    existing = (
        await session.scalars(
            select(Product)
            .where(Product.slug == item.slug)
            .options(selectinload(Product.variants), selectinload(Product.images))
        )
    ).one_or_none()
    if existing is None:
        await service.create_product(session, item, currency=currency, actor=actor)
        return True
    update = ProductUpdate(
        title=item.title,
        description=item.description,
        brand=item.brand,
        status=item.status,
        seo_title=item.seo_title,
        seo_description=item.seo_description,
        category_id=item.category_id,
        tags=item.tags,
        attributes=item.attributes or None,
        images=item.images or None,
        collections=item.collections or None,
    )
    if not await _same_product(session, existing, update):
        await service.update_product(session, existing.id, update, expected_version=None)
    by_sku = {v.sku: v for v in existing.variants}
    levels = await inventory.stock_levels(session, [v.sku for v in item.variants])
    for variant in item.variants:
        current = by_sku.get(variant.sku)
        if current is None:
            await service.add_variant(
                session, existing.id, variant, currency=currency, expected_version=None, actor=actor
            )
            continue
        changes = VariantUpdate.model_validate(
            variant.model_dump(exclude={"sku", "stock"}, exclude_unset=True)
        )
        if not _same_variant(current, changes):
            await service.update_variant(session, current.id, changes, expected_version=None)
        level = levels.get(variant.sku)
        if variant.stock is not None and (level is None or level.on_hand != variant.stock):
            await inventory.set_on_hand(
                session, variant.sku, variant.stock, reason="import", actor=actor, kind="import"
            )
    return False


async def _same_product(session: AsyncSession, current: Product, update: ProductUpdate) -> bool:
    """Whether the product already is as the file has it (what `service.update_product` would
    write: a field left None keeps its value), so an unchanged re-import writes nothing for it."""
    fields = update.model_dump(exclude_unset=True)
    for name in ("title", "brand", "status", "seo_title", "seo_description"):
        if fields.get(name) is not None and getattr(current, name) != fields[name]:
            return False
    description = fields.get("description")
    if description is not None and sanitize_html(description) != current.description:
        return False
    if "category_id" in fields and current.category_id != update.category_id:
        return False
    if update.tags is not None and list(dict.fromkeys(update.tags)) != list(current.tags or []):
        return False
    if update.attributes is not None and dict(update.attributes) != dict(current.attributes or {}):
        return False
    if update.images is not None:
        ordered = sorted(current.images, key=lambda i: i.position)
        sizes = {i.url: (i.width, i.height) for i in ordered}
        stored = [(i.url, i.alt, (i.width, i.height)) for i in ordered]
        wanted = [
            (
                i.url,
                i.alt,
                (i.width, i.height)
                if i.width is not None or i.height is not None
                else sizes.get(i.url, (None, None)),
            )
            for i in update.images
        ]
        if stored != wanted:
            return False
    if update.collections is not None:
        slugs = await session.scalars(
            select(Collection.slug)
            .join(CollectionProduct, CollectionProduct.collection_id == Collection.id)
            .where(CollectionProduct.product_id == current.id)
            .order_by(CollectionProduct.position)
        )
        if list(slugs) != list(dict.fromkeys(update.collections)):
            return False
    return True


def _same_variant(current: Variant, changes: VariantUpdate) -> bool:
    """Whether the variant already is as the file has it: a re-imported unchanged catalog (a
    nightly feed) writes nothing for it, so the import holds the database's write lock briefly."""
    for name, value in changes.model_dump(exclude_unset=True).items():
        if name == "position" and value is None:
            continue
        if name == "options":
            if dict(current.options or {}) != dict(value or {}):
                return False
        elif getattr(current, name) != value:
            return False
    return True


@dataclass(frozen=True)
class Written:
    """What `_write` committed (nothing when `committed` is false)."""

    created: int = 0
    updated: int = 0
    committed: bool = False
    categories_created: int = 0
    collections_created: int = 0


async def _write(
    db: Database,
    session: AsyncSession,
    planned: list[PlannedProduct],
    errors: list[ImportRowError],
    refs: FileRefs,
    *,
    partial: bool,
    currency: str,
    actor: str | None,
    progress: Progress | None,
) -> Written:
    """Each product in a savepoint; commit at the end, or roll everything back on an error
    unless `partial`."""
    created = updated = 0
    try:
        ids, ref_errors = await refs.create_missing(
            session,
            (item.category for item in planned),
            (slug for item in planned for slug in item.data.collections),
        )
        errors.extend(ref_errors)
        for done, item in enumerate(planned, start=1):
            data = item.data
            if item.category is not None:
                if item.category in ids.failed_categories:
                    errors.append(_not_created(item, "category", item.category, ids))
                    continue
                data = data.model_copy(update={"category_id": ids.categories[item.category]})
            failed = [s for s in data.collections if s in ids.failed_collections]
            if failed:
                errors.append(_not_created(item, "collections", failed[0], ids))
                continue
            try:
                async with session.begin_nested():
                    if await _upsert(session, data, currency=currency, actor=actor):
                        created += 1
                    else:
                        updated += 1
            except DomainError as exc:
                errors.append(ImportRowError(row=item.first_row, field=None, message=exc.detail))
            if progress is not None:
                progress(done, len(planned))
        if errors and not partial:
            await session.rollback()
            return Written()
        if created or updated:
            record_catalog_change(
                session, ("products", "collections", "categories"), reason="import"
            )
        await db.prepare_commit(session)  # stored cards, in this transaction
        await session.commit()
        return Written(created, updated, True, ids.new_categories, ids.new_collections)
    except BaseException:
        await session.rollback()
        raise


def _not_created(item: PlannedProduct, name: str, slug: str, ids: Created) -> ImportRowError:
    """A product whose category or collection could not be created is not written."""
    failed = ids.failed_categories if name == "category" else ids.failed_collections
    return ImportRowError(
        row=item.first_row,
        field=name,
        message=f"{'category' if name == 'category' else 'collection'} {slug!r} could not be "
        f"created (row {failed[slug]})",
    )


async def import_bytes(
    container: CatalogPorts,
    raw: bytes,
    *,
    kind: str,
    partial: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
    session: AsyncSession | None = None,
) -> ImportReport:
    """Validate everything, then write (in `session`, committed here, or a new one)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport(
            total_rows=0,
            created=0,
            updated=0,
            skipped=0,
            errors=[ImportRowError(row=0, field=None, message="the file is not UTF-8 text")],
            written=False,
        )
    async with container.db.session(write=False) as reader:
        refs = await read_shop(reader)
    parse = parse_json if kind == "json" else parse_csv
    planned, errors, total = parse(text, refs)
    currency = container.settings.catalog.currency
    if errors and not partial:
        return ImportReport(
            total_rows=total,
            created=0,
            updated=0,
            skipped=len(planned),
            errors=errors,
            written=False,
        )
    if session is None:
        async with container.db.write_sessions() as own:
            outcome = await _write(
                container.db,
                own,
                planned,
                errors,
                refs,
                partial=partial,
                currency=currency,
                actor=actor,
                progress=progress,
            )
    else:
        outcome = await _write(
            container.db,
            session,
            planned,
            errors,
            refs,
            partial=partial,
            currency=currency,
            actor=actor,
            progress=progress,
        )
    if outcome.committed:
        await container.catalog_cache.invalidate(("products", "collections", "categories"))
    errors.sort(key=lambda e: e.row)
    changed = outcome.created + outcome.updated
    return ImportReport(
        total_rows=total,
        created=outcome.created,
        updated=outcome.updated,
        skipped=len(planned) - changed if outcome.committed else len(planned),
        errors=errors,
        written=outcome.committed and changed > 0,
        categories_created=outcome.categories_created,
        collections_created=outcome.collections_created,
    )


async def export(session: AsyncSession, *, kind: str) -> bytes:
    products = (
        await session.scalars(
            select(Product)
            .options(
                selectinload(Product.variants),
                selectinload(Product.options),
                selectinload(Product.images),
            )
            .order_by(Product.created_at, Product.id)
        )
    ).all()
    refs = await read_for_export(session)
    collection_rows = (
        await session.execute(
            select(CollectionProduct.product_id, Collection.slug)
            .join(Collection, Collection.id == CollectionProduct.collection_id)
            .order_by(CollectionProduct.position)
        )
    ).all()
    collections: dict[Any, list[str]] = {}
    for product_id, slug in collection_rows:
        collections.setdefault(product_id, []).append(slug)
    levels = await inventory.stock_levels(session, [v.sku for p in products for v in p.variants])
    if kind == "json":
        items = []
        for p in products:
            path = refs.category_path(p.category_id)
            items.append(
                {
                    "slug": p.slug,
                    "title": p.title,
                    "description": p.description,
                    "brand": p.brand,
                    "status": p.status,
                    "seo_title": p.seo_title,
                    "seo_description": p.seo_description,
                    "category": path[-1]["slug"] if path else None,
                    "category_path": path,
                    "tags": list(p.tags),
                    "attributes": dict(p.attributes),
                    "collections": collections.get(p.id, []),
                    "collection_details": refs.collection_details(collections.get(p.id, [])),
                    "options": [{"name": o.name, "values": list(o.values)} for o in p.options],
                    "images": [
                        {"url": i.url, "alt": i.alt, "width": i.width, "height": i.height}
                        for i in p.images
                    ],
                    "variants": [
                        {
                            "sku": v.sku,
                            "barcode": v.barcode,
                            "options": dict(v.options),
                            "price": v.price,
                            "compare_at_price": v.compare_at_price,
                            "weight_grams": v.weight_grams,
                            "length_mm": v.length_mm,
                            "width_mm": v.width_mm,
                            "height_mm": v.height_mm,
                            "is_active": v.is_active,
                            "stock": levels[v.sku].on_hand if v.sku in levels else None,
                        }
                        for v in p.variants
                    ],
                }
            )
        return json.dumps(items, indent=1, ensure_ascii=False).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in products:
        path = refs.category_path(p.category_id)
        for n, v in enumerate(p.variants):
            row: dict[str, Any] = {
                "slug": p.slug,
                "title": p.title,
                "description": p.description,
                "brand": p.brand,
                "status": p.status,
                "category": path[-1]["slug"] if path else "",
                "category_path": _json_cell(path),
                "tags": "|".join(p.tags),
                "collections": "|".join(collections.get(p.id, [])),
                "collection_details": _json_cell(
                    refs.collection_details(collections.get(p.id, []))
                ),
                "seo_title": p.seo_title,
                "seo_description": p.seo_description,
                "attributes": _json_cell(dict(p.attributes)),
                "sku": v.sku,
                "barcode": v.barcode or "",
                "price": v.price,
                "compare_at_price": v.compare_at_price if v.compare_at_price is not None else "",
                "weight_grams": v.weight_grams,
                "length_mm": v.length_mm if v.length_mm is not None else "",
                "width_mm": v.width_mm if v.width_mm is not None else "",
                "height_mm": v.height_mm if v.height_mm is not None else "",
                "is_active": "true" if v.is_active else "false",
                "stock": levels[v.sku].on_hand if v.sku in levels else "",
                "images": _images_out(p.images),
            }
            if n:  # written once, on the product's first row
                row.update(dict.fromkeys(PRODUCT_CELLS, ""))
            for k, (name, value) in enumerate(list(v.options.items())[:3], start=1):
                row[f"option{k}_name"] = name
                row[f"option{k}_value"] = value
            writer.writerow({k: _to_cell(v) for k, v in row.items()})
    return out.getvalue().encode()
