"""Keyset cursors for lists ordered newest first on (a timestamp, id).

Every list endpoint answers `{items, next_cursor}` (README, "API contract"); unbounded lists page
with an opaque `cursor`: URL-safe base64 of a small JSON value. `cursor_fields` and the element
parsers below are the one place a cursor is read back; anything but the exact shape a list wrote
(wrong type or count of elements, not JSON, not base64, a time out of range) is a 422
`invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from sqlalchemy import ColumnElement, and_, or_

from mercato.platform.clock import as_utc
from mercato.platform.errors import ValidationFailed

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def invalid_cursor(detail: str = "The cursor is invalid.") -> NoReturn:
    raise ValidationFailed(detail, code="invalid_cursor")


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON


def load_cursor(cursor: str) -> Any:
    """The JSON value a cursor carries (strings without NUL or lone surrogates)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, TypeError, binascii.Error, RecursionError):
        invalid_cursor()
    if not _sane(value):
        invalid_cursor()  # a NUL or lone surrogate the database cannot take; NaN, infinity
    return value


def _sane(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, list):
        return all(_sane(item) for item in value)
    if isinstance(value, dict):
        return all(_sane(key) and _sane(item) for key, item in value.items())
    return not isinstance(value, float) or (value == value and abs(value) != float("inf"))


def cursor_fields(cursor: str, *types: type) -> list[Any]:
    """A cursor that is a JSON array with exactly one element of each of `types`, in order."""
    value = load_cursor(cursor)
    if not isinstance(value, list) or len(value) != len(types):
        invalid_cursor()
    if any(type(item) is not kind for item, kind in zip(value, types, strict=True)):
        invalid_cursor()  # `type() is`: true is not an int, 1 not a float
    return value


def cursor_time(value: Any) -> datetime:
    """An ISO 8601 time as UTC (naive: UTC already)."""
    if not isinstance(value, str):
        invalid_cursor()
    try:
        return as_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        invalid_cursor()


def cursor_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        invalid_cursor()
    try:
        return uuid.UUID(value)
    except ValueError:
        invalid_cursor()


def encode_cursor(created_at: datetime, ident: uuid.UUID) -> str:
    raw = json.dumps([as_utc(created_at).isoformat(), str(ident)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    created, ident = cursor_fields(cursor, str, str)
    return cursor_time(created), cursor_uuid(ident)


def older_than(created_column: Any, id_column: Any, cursor: str) -> ColumnElement[bool]:
    """Rows after the cursor in `ORDER BY created_at DESC, id DESC` order."""
    created, ident = decode_cursor(cursor)
    return or_(created_column < created, and_(created_column == created, id_column < ident))


def next_cursor(rows: list[Any], limit: int, time_attr: str = "created_at") -> str | None:
    """Given `limit + 1` rows fetched, the cursor for the next page (None on the last one)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(getattr(last, time_attr), last.id)


async def newest_first(
    session: AsyncSession,
    query: Select[T],
    created_column: Any,
    id_column: Any,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """One page of `query`'s rows, newest first on (`created_column`, `id_column`), after
    `cursor`, and the cursor of the next page (None on the last)."""
    if cursor:
        query = query.where(older_than(created_column, id_column, cursor))
    query = query.order_by(created_column.desc(), id_column.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    return rows[:limit], next_cursor(rows, limit, created_column.key)
