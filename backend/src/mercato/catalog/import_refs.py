"""The categories and collections an import file names (ADR 0058).

A product row names its category by slug (`category`) and its collections by slug
(`collections`). A slug alone must name a category or collection the shop already has (or one
the file declares on another row): a typo is a row error, never a new category. A row may also
carry what is needed to create them, as the export writes it:

- `category_path`: the category and its parents, from the top level down, each
  `{"slug", "name", "description", "position"}` (description and position may be left out);
- `collection_details`: the product's collections, each `{"slug", "title", "description"}`.

A declared category or collection the shop lacks is created before the products (only those a
product that is written needs). One the shop has is used as it is (the import never renames or
moves it), and must agree with the file: the same name, under the same parent (a path starts at
the top level), or the same title. Two rows declaring one slug differently are a row error too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.catalog import service
from mercato.catalog.models import Category, Collection
from mercato.catalog.schemas import (
    CategoryCreate,
    CollectionCreate,
    ImportCategory,
    ImportCollection,
    ImportRowError,
)
from mercato.platform.errors import DomainError

MAX_DEPTH = 20  # categories in one path
MAX_COLLECTIONS = 50  # as ProductCreate.collections


@dataclass(frozen=True)
class ShopCategory:
    id: uuid.UUID
    name: str
    parent: str | None  # the parent's slug


@dataclass(frozen=True)
class ShopCollection:
    id: uuid.UUID
    title: str


@dataclass
class NewCategory:
    data: ImportCategory
    parent: str | None
    row: int


@dataclass
class NewCollection:
    data: ImportCollection
    row: int


@dataclass
class Created:
    """What `create_missing` wrote: every slug's id (the shop's and the new ones), and the
    slugs it could not create."""

    categories: dict[str, uuid.UUID] = field(default_factory=dict)
    collections: dict[str, uuid.UUID] = field(default_factory=dict)
    failed_categories: dict[str, int] = field(default_factory=dict)  # slug -> declaring row
    failed_collections: dict[str, int] = field(default_factory=dict)
    new_categories: int = 0  # how many of `categories` were created by this import
    new_collections: int = 0


def _quoted(value: Any) -> str:
    return repr(value if not isinstance(value, str) else value[:60])


def load_cell(value: str, row: int, name: str) -> tuple[Any, list[ImportRowError]]:
    """A CSV cell holding JSON (`category_path`, `collection_details`); empty is None."""
    if not value:
        return None, []
    try:
        return json.loads(value), []
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return None, [ImportRowError(row=row, field=name, message=f"invalid JSON: {reason}")]
    except RecursionError:
        return None, [ImportRowError(row=row, field=name, message="JSON nested too deeply")]


def _errors_from(exc: ValidationError, row: int, prefix: str) -> list[ImportRowError]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        out.append(
            ImportRowError(row=row, field=f"{prefix}.{loc}" if loc else prefix, message=err["msg"])
        )
    return out


class FileRefs:
    """The shop's categories and collections, and those the file declares, row by row."""

    def __init__(
        self, categories: dict[str, ShopCategory], collections: dict[str, ShopCollection]
    ) -> None:
        self.shop_categories = categories
        self.shop_collections = collections
        self.categories: dict[str, NewCategory] = {}  # parents before children
        self.collections: dict[str, NewCollection] = {}

    # ------------------------------------------------------------------ categories

    def category(self, row: int, slug: Any, path: Any) -> tuple[str | None, list[ImportRowError]]:
        """The product's category slug (None: it has none) and the row's errors about it."""
        if slug is not None and not isinstance(slug, str):
            return None, [
                ImportRowError(row=row, field="category", message="must be a category's slug")
            ]
        slug = slug or None
        if path is None or path == []:
            if slug is None or slug in self.shop_categories or slug in self.categories:
                return slug, []
            return None, [
                ImportRowError(
                    row=row,
                    field="category",
                    message=f"unknown category {_quoted(slug)} (give its category_path to "
                    "create it)",
                )
            ]
        if not isinstance(path, list) or len(path) > MAX_DEPTH:
            return None, [
                ImportRowError(
                    row=row,
                    field="category_path",
                    message=f"must be a list of at most {MAX_DEPTH} categories, from the top "
                    "level down",
                )
            ]
        nodes: list[ImportCategory] = []
        errors: list[ImportRowError] = []
        for index, raw in enumerate(path):
            try:
                nodes.append(ImportCategory.model_validate(raw))
            except ValidationError as exc:
                errors.extend(_errors_from(exc, row, f"category_path.{index}"))
        if errors:
            return None, errors
        slugs = [n.slug for n in nodes]
        if len(set(slugs)) != len(slugs):
            return None, [
                ImportRowError(
                    row=row, field="category_path", message="names a category more than once"
                )
            ]
        if slug is not None and slug != slugs[-1]:
            return None, [
                ImportRowError(
                    row=row,
                    field="category_path",
                    message=f"ends at {_quoted(slugs[-1])}, not at the row's category "
                    f"{_quoted(slug)}",
                )
            ]
        pending: list[NewCategory] = []
        for index, node in enumerate(nodes):
            parent = slugs[index - 1] if index else None
            message = self._category_conflict(node, parent)
            if message is not None:
                errors.append(
                    ImportRowError(row=row, field=f"category_path.{index}", message=message)
                )
            elif node.slug not in self.shop_categories and node.slug not in self.categories:
                pending.append(NewCategory(node, parent, row))
        if errors:
            return None, errors
        for new in pending:
            self.categories[new.data.slug] = new
        return slugs[-1], []

    def _category_conflict(self, node: ImportCategory, parent: str | None) -> str | None:
        """Why the file's category disagrees with the shop's or an earlier row's, if it does."""
        name = _quoted(node.slug)

        def place(slug: str | None) -> str:
            return "at the top level" if slug is None else f"under {_quoted(slug)}"

        shop = self.shop_categories.get(node.slug)
        if shop is not None:
            if shop.name != node.name:
                return (
                    f"category {name} is named {_quoted(shop.name)} in the shop, "
                    f"not {_quoted(node.name)}"
                )
            if shop.parent != parent:
                hint = " (a category_path starts at the top level)" if parent is None else ""
                return (
                    f"category {name} is {place(shop.parent)} in the shop, not {place(parent)}"
                    + hint
                )
            return None
        earlier = self.categories.get(node.slug)
        if earlier is None:
            return None
        where = f"row {earlier.row}"
        if earlier.data.name != node.name:
            return (
                f"category {name} is named {_quoted(earlier.data.name)} on {where}, "
                f"not {_quoted(node.name)}"
            )
        if earlier.parent != parent:
            return f"category {name} is {place(earlier.parent)} on {where}, not {place(parent)}"
        for attr in ("description", "position"):
            mine, theirs = getattr(node, attr), getattr(earlier.data, attr)
            if mine is not None and theirs is not None and mine != theirs:
                return f"category {name} has another {attr} on {where}"
        return None

    # ------------------------------------------------------------------ collections

    def collections_of(self, row: int, slugs: Any, details: Any) -> list[ImportRowError]:
        """The row's errors about its collections (slugs that are not strings are left to the
        product's validation)."""
        named = [s for s in slugs if isinstance(s, str)] if isinstance(slugs, list) else []
        errors: list[ImportRowError] = []
        declared: dict[str, ImportCollection] = {}
        if details is not None and details != []:
            if not isinstance(details, list) or len(details) > MAX_COLLECTIONS:
                return [
                    ImportRowError(
                        row=row,
                        field="collection_details",
                        message=f"must be a list of at most {MAX_COLLECTIONS} collections",
                    )
                ]
            for index, raw in enumerate(details):
                try:
                    item = ImportCollection.model_validate(raw)
                except ValidationError as exc:
                    errors.extend(_errors_from(exc, row, f"collection_details.{index}"))
                    continue
                field_name = f"collection_details.{index}"
                if item.slug not in named:
                    errors.append(
                        ImportRowError(
                            row=row,
                            field=field_name,
                            message=f"collection {_quoted(item.slug)} is not one of the row's "
                            "collections",
                        )
                    )
                elif item.slug in declared:
                    errors.append(
                        ImportRowError(
                            row=row,
                            field=field_name,
                            message=f"collection {_quoted(item.slug)} is given twice",
                        )
                    )
                else:
                    message = self._collection_conflict(item)
                    if message is not None:
                        errors.append(ImportRowError(row=row, field=field_name, message=message))
                    declared[item.slug] = item
        for slug in named:
            if (
                slug not in declared
                and slug not in self.shop_collections
                and slug not in self.collections
            ):
                errors.append(
                    ImportRowError(
                        row=row,
                        field="collections",
                        message=f"unknown collection {_quoted(slug)} (give its title in "
                        "collection_details to create it)",
                    )
                )
        if errors:
            return errors
        for slug, item in declared.items():
            if slug not in self.shop_collections and slug not in self.collections:
                self.collections[slug] = NewCollection(item, row)
        return []

    def _collection_conflict(self, item: ImportCollection) -> str | None:
        name = _quoted(item.slug)
        shop = self.shop_collections.get(item.slug)
        if shop is not None:
            if shop.title != item.title:
                return (
                    f"collection {name} is titled {_quoted(shop.title)} in the shop, "
                    f"not {_quoted(item.title)}"
                )
            return None
        earlier = self.collections.get(item.slug)
        if earlier is None:
            return None
        if earlier.data.title != item.title:
            return (
                f"collection {name} is titled {_quoted(earlier.data.title)} on row "
                f"{earlier.row}, not {_quoted(item.title)}"
            )
        if (
            item.description is not None
            and earlier.data.description is not None
            and item.description != earlier.data.description
        ):
            return f"collection {name} has another description on row {earlier.row}"
        return None

    # ------------------------------------------------------------------ writing

    def _needed_categories(self, used: Iterable[str | None]) -> set[str]:
        needed: set[str] = set()
        for slug in used:
            while slug is not None and slug in self.categories and slug not in needed:
                needed.add(slug)
                slug = self.categories[slug].parent
        return needed

    async def create_missing(
        self,
        session: AsyncSession,
        categories: Iterable[str | None],
        collections: Iterable[str],
    ) -> tuple[Created, list[ImportRowError]]:
        """Create the declared categories and collections that the products being written use
        (each in a savepoint); the ids of every slug they may name."""
        created = Created(
            categories={slug: c.id for slug, c in self.shop_categories.items()},
            collections={slug: c.id for slug, c in self.shop_collections.items()},
        )
        errors: list[ImportRowError] = []
        needed = self._needed_categories(categories)
        for slug, new in self.categories.items():  # parents come first
            if slug not in needed:
                continue
            if new.parent is not None and new.parent not in created.categories:
                created.failed_categories[slug] = new.row  # its parent could not be created
                continue
            data = CategoryCreate(
                name=new.data.name,
                slug=slug,
                parent_id=created.categories[new.parent] if new.parent is not None else None,
                description=new.data.description or "",
                position=new.data.position or 0,
            )
            try:
                async with session.begin_nested():
                    category = await service.create_category(session, data)
            except DomainError as exc:
                created.failed_categories[slug] = new.row
                errors.append(
                    ImportRowError(row=new.row, field="category_path", message=exc.detail)
                )
                continue
            created.categories[slug] = category.id
            created.new_categories += 1
        for slug in dict.fromkeys(collections):
            declared = self.collections.get(slug)
            if declared is None or slug in created.collections:
                continue
            try:
                async with session.begin_nested():
                    collection = await service.create_collection(
                        session,
                        CollectionCreate(
                            title=declared.data.title,
                            slug=slug,
                            description=declared.data.description or "",
                        ),
                    )
            except DomainError as exc:
                created.failed_collections[slug] = declared.row
                errors.append(
                    ImportRowError(row=declared.row, field="collection_details", message=exc.detail)
                )
                continue
            created.collections[slug] = collection.id
            created.new_collections += 1
        return created, errors


async def read_shop(session: AsyncSession) -> FileRefs:
    """The shop's categories (with their names and parents) and collections, by slug."""
    rows = (
        await session.execute(select(Category.id, Category.slug, Category.name, Category.parent_id))
    ).all()
    slug_of = {row.id: row.slug for row in rows}
    categories = {
        row.slug: ShopCategory(row.id, row.name, slug_of.get(row.parent_id)) for row in rows
    }
    collections = {
        row.slug: ShopCollection(row.id, row.title)
        for row in (await session.execute(select(Collection.id, Collection.slug, Collection.title)))
    }
    return FileRefs(categories, collections)


@dataclass(frozen=True)
class ExportRefs:
    """What the export writes of each product's category and collections."""

    paths: dict[uuid.UUID, list[dict[str, Any]]]  # category id -> its category_path
    collections: dict[str, dict[str, Any]]  # slug -> its collection_details entry

    def category_path(self, category_id: uuid.UUID | None) -> list[dict[str, Any]]:
        return self.paths.get(category_id, []) if category_id is not None else []

    def collection_details(self, slugs: Sequence[str]) -> list[dict[str, Any]]:
        return [self.collections[s] for s in slugs if s in self.collections]


async def read_for_export(session: AsyncSession) -> ExportRefs:
    categories = {c.id: c for c in (await session.scalars(select(Category))).all()}
    paths: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for category_id in categories:
        chain: list[Category] = []
        current: uuid.UUID | None = category_id
        while current is not None and current in categories and len(chain) <= MAX_DEPTH * 5:
            chain.append(categories[current])
            current = categories[current].parent_id
        paths[category_id] = [
            {"slug": c.slug, "name": c.name, "description": c.description, "position": c.position}
            for c in reversed(chain)
        ]
    collections = {
        c.slug: {"slug": c.slug, "title": c.title, "description": c.description}
        for c in (await session.scalars(select(Collection))).all()
    }
    return ExportRefs(paths, collections)
