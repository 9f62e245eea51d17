"""MERCATO_TRUSTED_PROXIES: addresses or CIDR networks; a typo is refused at start-up instead of
silently trusting nobody (uvicorn would take it for a host name)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mercato.platform.config import Settings


def test_addresses_networks_and_star_are_accepted() -> None:
    proxies = ["127.0.0.1", "10.0.0.0/8", "fd00::/8", "*"]
    assert Settings(trusted_proxies=proxies).trusted_proxies == proxies


@pytest.mark.parametrize("entry", ["nginx", "10.0.0.300", "10.0.0.0/33", ""])
def test_anything_else_is_refused_with_its_value(entry: str) -> None:
    with pytest.raises(ValidationError, match="is not an IP address or CIDR network"):
        Settings(trusted_proxies=["127.0.0.1", entry])


def test_the_environment_variable_is_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCATO_TRUSTED_PROXIES", '["172.30.0.10"]')
    assert Settings().trusted_proxies == ["172.30.0.10"]
