"""The nginx template renderer refuses a placeholder without a value and a value without a
placeholder, so a renamed setting cannot leave `{{ x }}` in a configuration."""

from __future__ import annotations

import pytest

from mercato.ops.cluster import TemplateError, Topology, compose_topology, render


def test_placeholders_are_filled() -> None:
    assert render("listen {{ port }};", {"port": "8443"}) == "listen 8443;"


def test_a_missing_or_unused_value_is_refused() -> None:
    with pytest.raises(TemplateError, match=r"missing \['port'\]"):
        render("listen {{ port }};", {})
    with pytest.raises(TemplateError, match=r"unused \['host'\]"):
        render("listen {{ port }};", {"port": "1", "host": "x"})


def test_every_api_process_is_a_server_with_passive_health_checks() -> None:
    values = compose_topology().values()
    assert values["api_servers"].splitlines() == [
        "    server api-1:8000 max_fails=2 fail_timeout=5s;",
        "    server api-2:8000 max_fails=2 fail_timeout=5s;",
    ]


def test_an_upstream_without_servers_is_refused() -> None:
    empty = Topology(**{**compose_topology().__dict__, "api_servers": []})
    with pytest.raises(TemplateError, match="at least one server"):
        empty.values()
