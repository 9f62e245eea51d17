"""The console helpers: log-level demotion of chatty periodic tasks, setting names in errors,
port checks."""

from __future__ import annotations

import logging
import socket

import pytest
from pydantic import ValidationError

from mercato.cli_errors import env_var, explain
from mercato.platform.config import Settings
from mercato.platform.logging import DemoteChattyTasks
from mercato.platform.portcheck import port_problem


def _record(name: str, msg: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, None, None)


@pytest.mark.parametrize(
    "message",
    [
        "Scheduler: Sending due task outbox-relay (mercato.outbox.relay)",
        "Task mercato.outbox.relay[1e36] received",
        "Task mercato.jobs.expire_unpaid_orders[9c1] succeeded in 0.1s: 0",
    ],
)
def test_periodic_bookkeeping_is_debug(message: str) -> None:
    at_info, at_debug = DemoteChattyTasks(logging.INFO), DemoteChattyTasks(logging.DEBUG)
    assert at_info.filter(_record("celery.beat", message)) is False
    record = _record("celery.beat", message)
    assert at_debug.filter(record) is True
    assert record.levelname == "DEBUG"


def test_other_lines_and_failures_keep_their_level() -> None:
    flt = DemoteChattyTasks(logging.INFO)
    failed = _record("celery.app.trace", "Task mercato.outbox.relay[1] raised", logging.ERROR)
    other = _record("celery.app.trace", "Task mercato.events.handle[2] succeeded in 0.1s: True")
    ours = _record("mercato.worker", "mercato.outbox.relay published 3")
    for record in (failed, other, ours):
        level = record.levelname
        assert flt.filter(record) is True
        assert record.levelname == level


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("log_json",), "MERCATO_LOG_JSON"),
        (("checkout", "tax_rates", "DE"), "MERCATO_CHECKOUT__TAX_RATES"),
        (("cart", "sku_quantity_limits", "limited-1"), "MERCATO_CART__SKU_QUANTITY_LIMITS"),
        (("checkout", "shipping_zones", 0, "code"), "MERCATO_CHECKOUT__SHIPPING_ZONES"),
        ((), "settings"),
    ],
)
def test_error_locations_become_variable_names(loc: tuple[object, ...], expected: str) -> None:
    assert env_var(loc) == expected


def test_validation_errors_name_the_variable_without_its_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(secret_key="s3cr3t-value", sqlite_busy_timeout_ms="soon")  # type: ignore[arg-type]
    message = explain(caught.value)
    assert message is not None
    assert "MERCATO_SQLITE_BUSY_TIMEOUT_MS: Input should be a valid integer" in message
    assert "soon" not in message


def test_a_real_bug_keeps_its_traceback() -> None:
    assert explain(KeyError("x")) is None
    assert explain(ConnectionRefusedError(111, "refused")) is None  # not from a database driver


def test_port_problem_names_a_busy_port_and_accepts_a_free_one() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_problem("127.0.0.1", port) == (
            f"port {port} on 127.0.0.1 is already in use (another Mercato still running?)"
        )
    assert port_problem("127.0.0.1", port) is None
    assert "not an address of this machine" in (port_problem("192.0.2.1", port) or "")
