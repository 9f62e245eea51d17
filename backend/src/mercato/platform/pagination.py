"""Keyset cursors for lists ordered newest first on (a timestamp, id).

Every list endpoint answers `{items, next_cursor}` (README, "API contract"); unbounded lists page
with an opaque `cursor` made here. A cursor that does not decode is a 422 `invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from mercato.platform.clock import as_utc
from mercato.platform.errors import ValidationFailed


def encode_cursor(created_at: datetime, ident: uuid.UUID) -> str:
    raw = json.dumps([as_utc(created_at).isoformat(), str(ident)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, ident = json.loads(raw)
        return as_utc(datetime.fromisoformat(created)), uuid.UUID(ident)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValidationFailed("The cursor is invalid.", code="invalid_cursor") from exc


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
