"""Request shapes that refuse lax coercion where a wrong type is a client bug.

Pydantic's lax mode turns `0` and `"yes"` into booleans, `true` into `1`, `"12"` into an int and
`0.5` into a datetime (seconds since 1970). For JSON bodies (`StrictInput`) booleans must be
JSON booleans, integers JSON integers (not `true`, `1.5` or `"1"`), and dates ISO 8601 strings.
Query strings are text: `QueryBool` accepts only `true`/`false`, `QueryDatetime` only ISO 8601.
Every date-time input (`UtcDatetime`, `QueryDatetime`) comes out in UTC (naive means UTC), so
an answer shows it as later reads do; one whose UTC time is outside years 1-9999 is a 422.

Full `strict=True` is not an option: FastAPI validates bodies in Python mode, where strict also
refuses the JSON strings that carry UUIDs, datetimes and enums.
"""

from __future__ import annotations

import re
import types
from datetime import date, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from mercato.platform.clock import as_utc

_CHECKED = (bool, int, float, datetime, date)
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _kinds(annotation: Any) -> set[Any] | None:
    """The checked scalar types a field accepts; None when it also takes anything else."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        found: set[Any] = set()
        for arg in get_args(annotation):
            if arg is type(None):
                continue
            kinds = _kinds(arg)
            if kinds is None:
                return None
            found |= kinds
        return found
    return {annotation} if annotation in _CHECKED else None


def _accepts(kind: Any, value: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str | kind)  # datetime/date: ISO 8601 text (or an instance)


_MESSAGES = {
    bool: "Input should be a JSON boolean (true or false)",
    int: "Input should be a JSON integer",
    float: "Input should be a JSON number",
    datetime: "Input should be an ISO 8601 date-time string",
    date: "Input should be an ISO 8601 date string",
}


class StrictInput(BaseModel):
    """Base for request bodies: unknown fields refused, scalars not coerced from other types."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_lax_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or info.field_name is None:
            return value
        kinds = _kinds(cls.model_fields[info.field_name].annotation)
        if not kinds or any(_accepts(kind, value) for kind in kinds):
            return value
        kind = next(k for k in _CHECKED if k in kinds)
        raise PydanticCustomError("strict_type", _MESSAGES[kind])


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool) or value in ("true", "false"):
        return value
    raise PydanticCustomError("bool_parsing", "Input should be true or false")


def _query_datetime(value: Any) -> Any:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        raise PydanticCustomError("datetime_parsing", "Input should be an ISO 8601 date-time")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return as_utc(value)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00: the database would fail on it
        raise PydanticCustomError(
            "datetime_range", "Input should be a date-time within years 1 to 9999 in UTC"
        ) from None


# C0 controls (tab, CR, LF…), DEL, C1 controls and the Unicode line/paragraph separators
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(value: str) -> str:
    if _NOT_ONE_LINE.search(value):
        raise PydanticCustomError(
            "one_line", "Use one line of text, without line breaks or control characters"
        )
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
# a name or an address line, shown in emails, labels and pages as one line: put it after the
# field's length constraints (`Annotated[str, StringConstraints(…), ONE_LINE]`), which then
# keep their own messages and strip surrounding whitespace (a pasted trailing newline) first
ONE_LINE = AfterValidator(_one_line)
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
QueryDatetime = Annotated[datetime, BeforeValidator(_query_datetime), AfterValidator(_utc)]
