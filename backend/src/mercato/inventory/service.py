"""Stock per SKU per warehouse, the movement ledger, and the atomic reserve/release/commit API.

Everything runs inside the CALLER's transaction (the caller commits or rolls back). The
authoritative checks are conditional UPDATEs (`... WHERE on_hand - reserved >= :q`) whose row
count tells whether they applied, backed by CHECK constraints on `stock_level`. Rows are touched
in sorted SKU order so concurrent multi-SKU reservations cannot deadlock on PostgreSQL; on SQLite
write transactions are serialised by BEGIN IMMEDIATE (ADR 0004).
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Collection, Mapping
from typing import Any, NoReturn

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    Table,
    Update,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.inventory.exceptions import InsufficientStock, StockBelowReserved, StockNotReserved
from mercato.inventory.models import (
    DEFAULT_WAREHOUSE_CODE,
    DEFAULT_WAREHOUSE_ID,
    StockLevel,
    StockMovement,
    Warehouse,
)
from mercato.inventory.schemas import StockLevelRead, StockMovementRead
from mercato.platform import card_marks
from mercato.platform.clock import utcnow
from mercato.platform.db import (
    Database,
    insert_new,
    inserts_for_each_row_of,
    numbered,
    row_of,
    table_of,
)
from mercato.platform.errors import ValidationFailed
from mercato.platform.ids import new_id
from mercato.platform.outbox import take_pending
from mercato.platform.pagination import cursor_fields, newest_first
from mercato.revalidation.service import (
    new_stock_event,
    record_stock_change,
    stock_change_written,
    stock_event_due_sql,
    stock_event_params,
    stock_event_payload_sql,
)

__all__ = [
    "InsufficientStock",
    "StockBelowReserved",
    "StockLevelRead",
    "StockNotReserved",
    "adjust",
    "availability_query",
    "available",
    "bulk_receive",
    "commit",
    "count_low_stock",
    "ensure_default_warehouse",
    "has_stock",
    "list_levels",
    "low_stock",
    "movements",
    "release",
    "reserve",
    "set_on_hand",
    "stock_levels",
]

MAX_QUANTITY = 1_000_000


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


async def ensure_default_warehouse(session: AsyncSession) -> None:
    """Create the default warehouse if missing (idempotent and race-free)."""
    stmt = (
        _insert(session, Warehouse)
        .values(
            id=DEFAULT_WAREHOUSE_ID,
            code=DEFAULT_WAREHOUSE_CODE,
            name="Main warehouse",
            is_default=True,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)


async def _ensure_level(session: AsyncSession, sku: str) -> None:
    await ensure_default_warehouse(session)
    stmt = (
        _insert(session, StockLevel)
        .values(
            sku=sku, warehouse_id=DEFAULT_WAREHOUSE_ID, on_hand=0, reserved=0, updated_at=utcnow()
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)


def _validated(items: Mapping[str, int]) -> list[tuple[str, int]]:
    if not items:
        raise ValidationFailed("No items given.", code="invalid_quantity")
    out: list[tuple[str, int]] = []
    for sku, qty in sorted(items.items()):
        if not isinstance(sku, str) or not sku:
            raise ValidationFailed("SKU must be a non-empty string.", code="invalid_sku")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0 or qty > MAX_QUANTITY:
            raise ValidationFailed(
                f"Quantity for {sku!r} must be a positive integer.",
                code="invalid_quantity",
                extra={"sku": sku},
            )
        out.append((sku, qty))
    return out


def _movement(
    sku: str,
    kind: str,
    *,
    delta_on_hand: int = 0,
    delta_reserved: int = 0,
    reason: str | None = None,
    reference: str | None = None,
    actor: str | None = None,
) -> StockMovement:
    return StockMovement(
        id=new_id(),
        sku=sku,
        warehouse_id=DEFAULT_WAREHOUSE_ID,
        kind=kind,
        delta_on_hand=delta_on_hand,
        delta_reserved=delta_reserved,
        reason=reason,
        reference=reference,
        actor=actor,
        created_at=utcnow(),
    )


async def _rowcount(session: AsyncSession, stmt: Any) -> int:
    result: CursorResult[Any] = await session.execute(stmt)  # type: ignore[assignment]
    return int(result.rowcount)


def _level_where(sku: str) -> Any:
    return (StockLevel.sku == sku) & (StockLevel.warehouse_id == DEFAULT_WAREHOUSE_ID)


async def _current(session: AsyncSession, sku: str) -> tuple[int, int] | None:
    row = (
        await session.execute(
            select(StockLevel.on_hand, StockLevel.reserved).where(_level_where(sku))
        )
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


async def _stock_changed(session: AsyncSession, sku: str, *, delta_available: int) -> None:
    """Tell the storefront's revalidation when availability moved (it filters what shows)."""
    current = await _current(session, sku)
    if current is not None:
        after = current[0] - current[1]
        record_stock_change(session, sku, after - delta_available, after)


@functools.cache
def _reserve_statement() -> Update:
    """The conditional reservation, returning the level it left (no re-read). Built once with
    bind parameters: building it per call cost about as much CPU as running it."""
    levels = table_of(StockLevel)
    return (
        update(levels)
        .where(
            levels.c.sku == bindparam("level_sku"),
            levels.c.warehouse_id == DEFAULT_WAREHOUSE_ID,
            levels.c.on_hand - levels.c.reserved >= bindparam("quantity"),
        )
        .values(
            reserved=levels.c.reserved + bindparam("quantity"),
            updated_at=bindparam("now"),
        )
        .returning(levels.c.on_hand, levels.c.reserved)
    )


async def reserve(
    session: AsyncSession,
    items: Mapping[str, int],
    *,
    reference: str,
    actor: str | None = None,
) -> dict[str, int]:
    """Reserve every item or raise InsufficientStock (the caller rolls back its transaction).

    Returns what each reservation left available (as of this transaction). One conditional
    UPDATE per SKU, in SKU order, then one INSERT for the ledger rows with the transaction's
    pending outbox events: on PostgreSQL a level's row stays locked from its UPDATE to the
    commit, so there the last SKU's UPDATE and those INSERTs are one statement (ADR 0048)."""
    validated = _validated(items)
    left: dict[str, int] = {}
    *first, (last_sku, last_qty) = validated
    pg = session.get_bind().dialect.name == "postgresql"
    for sku, qty in first if pg else validated:
        left[sku] = await _reserve_one(session, sku, qty)
    movements = [
        _movement(sku, "reserve", delta_reserved=qty, reference=reference, actor=actor)
        for sku, qty in validated
    ]
    if pg:
        left[last_sku] = await _reserve_last_with_rows(session, last_sku, last_qty, movements)
        return left
    # the ledger is append-only: plain INSERTs, no unit-of-work bookkeeping; the transaction's
    # events go with it (ADR 0050)
    await insert_new(session, *movements, *take_pending(session))
    return left


async def _reserve_one(session: AsyncSession, sku: str, qty: int) -> int:
    after = (
        await session.execute(
            _reserve_statement(), {"level_sku": sku, "quantity": qty, "now": utcnow()}
        )
    ).first()
    if after is None:
        await _insufficient(session, sku, qty)
    available = int(after[0]) - int(after[1])
    record_stock_change(session, sku, available + qty, available)
    return available


async def _insufficient(session: AsyncSession, sku: str, qty: int) -> NoReturn:
    current = await _current(session, sku)
    have = 0 if current is None else current[0] - current[1]
    raise InsufficientStock(sku, qty, have)


async def _reserve_last_with_rows(
    session: AsyncSession, sku: str, qty: int, movements: list[StockMovement]
) -> int:
    """PostgreSQL: the last SKU's conditional UPDATE, and in the same statement the ledger
    rows, the transaction's pending outbox events and this move's `StockChanged` event (when
    due, its payload from the level the UPDATE returns): written only if the UPDATE matched.
    The level stays locked from here to the commit, one round trip shorter than an UPDATE and
    then an INSERT. The rows are the ones that pair writes."""
    pending = take_pending(session)
    event = new_stock_event()
    event_table, event_row = row_of(event)
    del event_row["payload"]  # computed in the statement
    shape, params = numbered([row_of(obj) for obj in (*movements, *pending)])
    params.update({f"event_{key}": value for key, value in event_row.items()})
    params.update(stock_event_params(sku))
    params.update({"level_sku": sku, "quantity": qty, "now": utcnow()})
    statement = _reserve_with_rows_statement(shape, (event_table, tuple(event_row)))
    after = (await session.execute(statement, params)).first()
    if after is None:
        for pending_event in pending:  # as they were: the caller decides what happens to them
            session.add(pending_event)
        await _insufficient(session, sku, qty)
    available = int(after[0]) - int(after[1])
    stock_change_written(session, sku, available + qty, available, event)
    return available


@functools.cache
def _reserve_with_rows_statement(
    shape: tuple[tuple[Table, tuple[str, ...]], ...], event: tuple[Table, tuple[str, ...]]
) -> Select[Any]:
    """`WITH level AS (UPDATE stock_level … RETURNING on_hand, reserved), then_0 AS (INSERT …
    SELECT … FROM level), …, stock_event AS (INSERT INTO outbox_event … SELECT … FROM level
    WHERE <due>) SELECT on_hand, reserved FROM level`: built once per shape of rows."""
    level = _reserve_statement().cte("level")
    after = level.c.on_hand - level.c.reserved
    before = after + bindparam("quantity")
    event_table, event_keys = event
    stock_event = insert(event_table).from_select(
        [*event_keys, "payload"],
        select(
            *(
                bindparam(f"event_{key}", type_=event_table.c[key].type).label(key)
                for key in event_keys
            ),
            stock_event_payload_sql(before, after).label("payload"),
        )
        .select_from(level)
        .where(stock_event_due_sql(before, after)),
    )
    rows = inserts_for_each_row_of(level, shape)
    return select(level.c.on_hand, level.c.reserved).add_cte(
        level,
        *(stmt.cte(f"then_{i}") for i, stmt in enumerate(rows)),
        stock_event.cte("stock_event"),
    )


async def release(
    session: AsyncSession,
    items: Mapping[str, int],
    *,
    reference: str,
    actor: str | None = None,
) -> None:
    """Give reserved stock back. Releasing more than is reserved releases what is (never < 0)."""
    for sku, qty in _validated(items):
        stmt = select(StockLevel.reserved).where(_level_where(sku))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        reserved = (await session.execute(stmt)).scalar_one_or_none()
        if not reserved:
            continue
        amount = min(int(reserved), qty)
        await session.execute(
            update(StockLevel)
            .where(_level_where(sku), StockLevel.reserved >= amount)
            .values(reserved=StockLevel.reserved - amount, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.add(
            _movement(sku, "release", delta_reserved=-amount, reference=reference, actor=actor)
        )
        await _stock_changed(session, sku, delta_available=amount)
    await session.flush()


async def commit(
    session: AsyncSession,
    items: Mapping[str, int],
    *,
    reference: str,
    actor: str | None = None,
) -> None:
    """Turn reservations into sales: on_hand and reserved both drop by the quantity."""
    for sku, qty in _validated(items):
        applied = await _rowcount(
            session,
            update(StockLevel)
            .where(_level_where(sku), StockLevel.reserved >= qty, StockLevel.on_hand >= qty)
            .values(
                on_hand=StockLevel.on_hand - qty,
                reserved=StockLevel.reserved - qty,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False),
        )
        if applied != 1:
            raise StockNotReserved(
                f"{qty} of {sku!r} is not reserved.", extra={"sku": sku, "requested": qty}
            )
        session.add(
            _movement(
                sku,
                "commit",
                delta_on_hand=-qty,
                delta_reserved=-qty,
                reference=reference,
                actor=actor,
            )
        )
    await session.flush()


async def _read_level(session: AsyncSession, sku: str) -> StockLevelRead:
    current = await _current(session, sku)
    on_hand, reserved = current if current is not None else (0, 0)
    return StockLevelRead(
        sku=sku,
        warehouse=DEFAULT_WAREHOUSE_CODE,
        on_hand=on_hand,
        reserved=reserved,
        available=on_hand - reserved,
    )


async def adjust(
    session: AsyncSession,
    sku: str,
    delta: int,
    *,
    reason: str,
    actor: str | None,
    kind: str = "adjust",
    reference: str | None = None,
) -> StockLevelRead:
    """Add (or remove, with a negative delta) stock on hand; never below what is reserved."""
    if not sku:
        raise ValidationFailed("SKU must be a non-empty string.", code="invalid_sku")
    if not reason or not reason.strip():
        raise ValidationFailed("A reason is required.", code="reason_required")
    if abs(delta) > MAX_QUANTITY:
        raise ValidationFailed("Adjustment too large.", code="invalid_quantity")
    await _ensure_level(session, sku)
    if delta != 0:
        applied = await _rowcount(
            session,
            update(StockLevel)
            .where(_level_where(sku), StockLevel.on_hand + delta >= StockLevel.reserved)
            .values(on_hand=StockLevel.on_hand + delta, updated_at=utcnow())
            .execution_options(synchronize_session=False),
        )
        if applied != 1:
            level = await _read_level(session, sku)
            raise StockBelowReserved(
                f"Cannot remove {-delta} of {sku!r}: {level.on_hand} on hand, "
                f"{level.reserved} reserved.",
                extra={"sku": sku, "on_hand": level.on_hand, "reserved": level.reserved},
            )
        session.add(
            _movement(
                sku, kind, delta_on_hand=delta, reason=reason, reference=reference, actor=actor
            )
        )
        await session.flush()
    level = await _read_level(session, sku)
    record_stock_change(session, sku, level.available - delta, level.available)
    return level


async def set_on_hand(
    session: AsyncSession,
    sku: str,
    on_hand: int,
    *,
    reason: str,
    actor: str | None,
    kind: str = "adjust",
) -> StockLevelRead:
    """Set the absolute count on hand (a stock take); the ledger records the difference."""
    if on_hand < 0 or on_hand > MAX_QUANTITY * 1000:
        raise ValidationFailed("on_hand must be a non-negative integer.", code="invalid_quantity")
    await _ensure_level(session, sku)
    stmt = select(StockLevel.on_hand).where(_level_where(sku))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    current = int((await session.execute(stmt)).scalar_one())
    return await adjust(session, sku, on_hand - current, reason=reason, actor=actor, kind=kind)


@functools.cache
def _available_statement() -> Select[str, int]:
    return (
        select(StockLevel.sku, func.sum(StockLevel.on_hand - StockLevel.reserved))
        .where(StockLevel.sku.in_(bindparam("skus", expanding=True)))
        .group_by(StockLevel.sku)
    )


async def available(session: AsyncSession, skus: Collection[str]) -> dict[str, int]:
    """Available quantity (on_hand - reserved, summed over warehouses); unknown SKUs give 0."""
    result = dict.fromkeys(skus, 0)
    if result:
        rows = await session.execute(_available_statement(), {"skus": list(result)})
        result.update((sku, int(qty or 0)) for sku, qty in rows)
    return result


async def read_available(db: Database, skus: Collection[str]) -> dict[str, int]:
    """`available`, read outside any transaction (one statement): for checkout's stock gate,
    which re-reads while its share of a racing SKU is used (ADR 0048)."""
    result = dict.fromkeys(skus, 0)
    if result:
        async with db.one_read() as connection:
            rows = await connection.execute(_available_statement(), {"skus": list(result)})
            result.update((sku, int(qty or 0)) for sku, qty in rows)
    return result


# No stock level has it: a catalog SKU starts with a letter or a digit.
NO_SUCH_SKU = "(warm-up)"


async def prepare_statements(session: AsyncSession) -> None:
    """Run the hot statements of a reservation once on the session's connection, matching
    nothing (the stock gate's re-read of one SKU, the reservation of `NO_SUCH_SKU` with the
    events the session has pending, which decide its shape; they stay pending): on PostgreSQL
    asyncpg prepares a statement on each connection at its first use (see `checkout`'s
    `prepare_statements`). Writes nothing."""
    connection = await session.connection()
    await connection.execute(_available_statement(), {"skus": [NO_SUCH_SKU]})
    try:
        await reserve(session, {NO_SUCH_SKU: 1}, reference="warm-up")
    except InsufficientStock:
        return
    raise AssertionError(f"{NO_SUCH_SKU!r} has stock")  # pragma: no cover


async def stock_levels(session: AsyncSession, skus: Collection[str]) -> dict[str, StockLevelRead]:
    levels: dict[str, StockLevelRead] = {}
    if not skus:
        return levels
    rows = await session.execute(
        select(StockLevel.sku, StockLevel.on_hand, StockLevel.reserved).where(
            StockLevel.sku.in_(list(skus)), StockLevel.warehouse_id == DEFAULT_WAREHOUSE_ID
        )
    )
    for sku, on_hand, reserved in rows:
        levels[sku] = StockLevelRead(
            sku=sku,
            warehouse=DEFAULT_WAREHOUSE_CODE,
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
        )
    return levels


async def movements(
    session: AsyncSession, sku: str, *, limit: int = 100, cursor: str | None = None
) -> tuple[list[StockMovementRead], str | None]:
    """A page of the SKU's movements, newest first, and the cursor of the next page."""
    query = select(StockMovement).where(StockMovement.sku == sku)
    rows, next_page = await newest_first(
        session, query, StockMovement.created_at, StockMovement.id, limit=limit, cursor=cursor
    )
    return [StockMovementRead.model_validate(row) for row in rows], next_page


def _encode_sku_cursor(sku: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([sku]).encode()).decode().rstrip("=")


def _decode_sku_cursor(cursor: str) -> str:
    (sku,) = cursor_fields(cursor, str)
    return str(sku)


async def list_levels(
    session: AsyncSession,
    *,
    sku_prefix: str | None = None,
    max_available: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[StockLevelRead], str | None]:
    """Stock per SKU and warehouse, ordered by SKU then warehouse code, keyset-paginated by SKU.

    `max_available` keeps the rows at or below that many available (the low-stock view).
    """
    stmt = select(StockLevel.sku, Warehouse.code, StockLevel.on_hand, StockLevel.reserved).join(
        Warehouse, Warehouse.id == StockLevel.warehouse_id
    )
    if sku_prefix:
        stmt = stmt.where(StockLevel.sku.startswith(sku_prefix.strip(), autoescape=True))
    if max_available is not None:
        stmt = stmt.where(StockLevel.on_hand - StockLevel.reserved <= max_available)
    if cursor:
        stmt = stmt.where(StockLevel.sku > _decode_sku_cursor(cursor))
    # Page over SKUs (a SKU's warehouses stay on one page).
    skus = list(
        await session.scalars(
            select(stmt.subquery().c.sku).distinct().order_by("sku").limit(limit + 1)
        )
    )
    more = len(skus) > limit
    skus = skus[:limit]
    if not skus:
        return [], None
    rows = await session.execute(
        stmt.where(StockLevel.sku.in_(skus)).order_by(StockLevel.sku, Warehouse.code)
    )
    levels = [
        StockLevelRead(
            sku=sku,
            warehouse=code,
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
        )
        for sku, code, on_hand, reserved in rows
    ]
    return levels, _encode_sku_cursor(skus[-1]) if more else None


async def count_low_stock(session: AsyncSession, threshold: int) -> int:
    """SKUs whose availability (over all warehouses) is at or below `threshold`."""
    per_sku = availability_query().subquery()
    found = await session.scalar(
        select(func.count()).select_from(per_sku).where(per_sku.c.available <= threshold)
    )
    return int(found or 0)


async def low_stock(
    session: AsyncSession, threshold: int, limit: int = 10
) -> list[tuple[str, int]]:
    """The SKUs lowest in stock at or below `threshold`: (sku, available), fewest first."""
    per_sku = availability_query().subquery()
    rows = await session.execute(
        select(per_sku.c.sku, per_sku.c.available)
        .where(per_sku.c.available <= threshold)
        .order_by(per_sku.c.available, per_sku.c.sku)
        .limit(limit)
    )
    return [(str(sku), int(available)) for sku, available in rows]


def has_stock(sku_column: Any, quantity: int = 1) -> ColumnElement[bool]:
    """An EXISTS clause: the SKU in `sku_column` has at least `quantity` available.

    Public so the catalog can filter `in_stock` inside its own query without reading our tables.
    """
    return (
        select(StockLevel.sku)
        .where(
            StockLevel.sku == sku_column,
            StockLevel.on_hand - StockLevel.reserved >= quantity,
        )
        .exists()
    )


def available_sql(sku_column: Any) -> ColumnElement[int]:
    """The SKU in `sku_column`'s available quantity (0 when unknown), as a correlated subquery:
    for other modules' one-statement reads (checkout's refusal of a sold-out cart)."""
    return (
        select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0))
        .where(StockLevel.sku == sku_column)
        .scalar_subquery()
    )


def availability_query() -> Select[str, int]:
    """A selectable of (sku, available) for other modules' SQL (filters, sorting, facets).

    Public so the catalog can filter `in_stock` inside its own query without reading our tables.
    """
    return select(
        StockLevel.sku.label("sku"),
        func.sum(StockLevel.on_hand - StockLevel.reserved).label("available"),
    ).group_by(StockLevel.sku)


async def bulk_receive(
    session: AsyncSession,
    quantities: Mapping[str, int],
    *,
    reason: str,
    actor: str | None = None,
    batch_size: int = 5000,
) -> None:
    """Initial stock for many NEW SKUs at once (demo data, large imports): bulk inserts of the
    stock rows and their ledger entries. SKUs that already have a stock row are refused by the
    primary key, so this is for fresh SKUs only."""
    await ensure_default_warehouse(session)
    now = utcnow()
    items = [(sku, qty) for sku, qty in quantities.items()]
    card_marks.skus_changed(session, quantities)  # their products' cards show `in_stock`
    for sku, qty in items:
        if qty < 0:
            raise ValidationFailed(f"Negative stock for {sku!r}.", code="invalid_quantity")
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        await session.execute(
            insert(StockLevel),
            [
                {
                    "sku": sku,
                    "warehouse_id": DEFAULT_WAREHOUSE_ID,
                    "on_hand": qty,
                    "reserved": 0,
                    "updated_at": now,
                }
                for sku, qty in chunk
            ],
        )
        await session.execute(
            insert(StockMovement),
            [
                {
                    "id": new_id(),
                    "sku": sku,
                    "warehouse_id": DEFAULT_WAREHOUSE_ID,
                    "kind": "import",
                    "delta_on_hand": qty,
                    "delta_reserved": 0,
                    "reason": reason,
                    "reference": None,
                    "actor": actor,
                    "created_at": now,
                }
                for sku, qty in chunk
            ],
        )
