"""Request shapes refuse lax coercion: `0` is not false, `true` is not 1, `0.5` is not a date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import Field, ValidationError

from mercato.accounts.schemas import RegisterRequest
from mercato.catalog.schemas import VariantCreate
from mercato.platform.errors import install_error_handlers
from mercato.platform.strict import QueryBool, QueryDatetime, StrictInput


class Shape(StrictInput):
    flag: bool = False
    count: int | None = Field(default=None, ge=0)
    ratio: float | None = None
    at: datetime | None = None
    day: date | None = None
    ident: uuid.UUID | None = None
    label: str | int | None = None  # a union with other types keeps pydantic's own rules


@pytest.mark.parametrize(
    "body",
    [
        {"flag": 0},
        {"flag": "yes"},
        {"flag": "true"},
        {"flag": 1},
        {"count": True},
        {"count": "3"},
        {"count": 3.0},
        {"ratio": False},
        {"ratio": "0.5"},
        {"at": 0.5},
        {"at": 1700000000},
        {"day": 20240101},
    ],
)
def test_lax_coercions_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        Shape.model_validate(body)
    (error,) = raised.value.errors()
    assert error["type"] == "strict_type"
    assert error["loc"] == (next(iter(body)),)


def test_well_typed_json_is_accepted() -> None:
    ident = uuid.uuid4()
    shape = Shape.model_validate(
        {
            "flag": True,
            "count": 3,
            "ratio": 1,
            "at": "2026-01-02T03:04:05Z",
            "day": "2026-01-02",
            "ident": str(ident),
            "label": 7,
        }
    )
    assert shape.flag is True
    assert shape.count == 3
    assert shape.ratio == 1.0
    assert shape.at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert shape.day == date(2026, 1, 2)
    assert shape.ident == ident
    assert Shape.model_validate({"count": None}).count is None
    with pytest.raises(ValidationError):
        Shape.model_validate({"count": -1})  # the field's own constraints still apply
    with pytest.raises(ValidationError):
        Shape.model_validate({"unknown": 1})  # and unknown fields are still refused


def test_module_inputs_are_strict() -> None:
    register = {"email": "ada@example.com", "password": "correct horse battery staple"}
    with pytest.raises(ValidationError, match="marketing_consent"):
        RegisterRequest.model_validate({**register, "marketing_consent": 0})
    assert RegisterRequest.model_validate({**register, "marketing_consent": False})
    with pytest.raises(ValidationError, match="stock"):
        VariantCreate.model_validate({"sku": "A-1", "price": 100, "stock": False})


def _query_app() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/q")
    async def query(flag: QueryBool = False, at: QueryDatetime | None = None) -> dict[str, Any]:
        return {"flag": flag, "at": at.isoformat() if at else None}

    return TestClient(app)


@pytest.mark.parametrize("value", ["1", "0", "yes", "no", "on", "True", "t", ""])
def test_query_booleans_are_true_or_false_only(value: str) -> None:
    response = _query_app().get("/q", params={"flag": value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_query_booleans_and_datetimes_parse() -> None:
    client = _query_app()
    assert client.get("/q", params={"flag": "true"}).json()["flag"] is True
    assert client.get("/q", params={"flag": "false"}).json()["flag"] is False
    assert client.get("/q").json() == {"flag": False, "at": None}
    ok = client.get("/q", params={"at": "2026-01-02T03:04:05+00:00"})
    assert ok.json()["at"] == "2026-01-02T03:04:05+00:00"
    for number in ("0.5", "1700000000", "-1", "1e9"):
        refused = client.get("/q", params={"at": number})
        assert refused.status_code == 422, number
