"""Unit tests of the outbound client's SSRF address rules, URL shape checks, breaker and policy."""

from __future__ import annotations

import httpx
import pytest

from mercato.platform.config import Settings
from mercato.platform.http import (
    CircuitBreaker,
    OutboundPolicy,
    UnsafeURL,
    _check_url_shape,
    address_is_public,
    outbound_policy,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "100.64.0.1",  # CGNAT
        "169.254.169.254",  # cloud metadata
        "169.254.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::",
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:8.8.8.8",  # mapped, even public: never needed, refused
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "fd00:ec2::254",  # AWS IPv6 metadata
        "fc00::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",
        "2001:db8::1",
        "not-an-ip",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_is_public(address) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "151.101.1.1", "2606:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_is_public(address) is True


@pytest.mark.parametrize(
    "url",
    [
        "http://0x7f000001/",
        "http://2130706433/",
        "http://017700000001/",
        "http://127.1/",
        "http://0x7f.1/",
        "http://134744072/",  # 8.8.8.8 as one number: ambiguous, refused even if public
        "ftp://example.com/",
        "gopher://example.com/",
        "file:///etc/passwd",
    ],
)
def test_numeric_forms_and_other_schemes_are_refused_by_shape(url: str) -> None:
    with pytest.raises(UnsafeURL):
        _check_url_shape("p", httpx.URL(url))


@pytest.mark.parametrize(
    "url", ["https://api.open-meteo.com/v1/forecast", "http://8.8.8.8/", "https://[2606::1]/"]
)
def test_ordinary_urls_pass_the_shape_check(url: str) -> None:
    _check_url_shape("p", httpx.URL(url))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _breaker(clock: Clock, failures: int = 3) -> CircuitBreaker:
    return CircuitBreaker(
        "unit-breaker", failures=failures, window_seconds=10, reset_seconds=30, clock=clock
    )


def test_the_breaker_opens_after_n_failures_within_the_window() -> None:
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()


def test_failures_outside_the_window_do_not_add_up() -> None:
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(5):
        breaker.record_failure()
        clock.now += 6  # two failures never within 10 s of a third
    assert breaker.state == "closed"


def test_a_success_clears_the_failure_count() -> None:
    clock = Clock()
    breaker = _breaker(clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_half_open_lets_one_probe_through_and_its_result_decides() -> None:
    clock = Clock()
    breaker = _breaker(clock, failures=1)
    breaker.record_failure()
    clock.now += 29
    assert not breaker.allow()
    clock.now += 1
    assert breaker.state == "half_open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow()
    assert breaker.allow()


def test_a_probe_that_never_reports_does_not_stick_the_breaker() -> None:
    clock = Clock()
    breaker = _breaker(clock, failures=1)
    breaker.record_failure()
    clock.now += 30
    assert breaker.allow()  # probe taken, its task then cancelled: no report
    clock.now += 10
    assert not breaker.allow()
    clock.now += 30
    assert breaker.allow()


def test_policy_from_settings_with_provider_overrides() -> None:
    settings = Settings.model_validate(
        {
            "outbound": {
                "connect_timeout_seconds": 1.5,
                "retries": 4,
                "allowed_private_hosts": ["Fake.Internal:8443"],
                "providers": {"open-meteo": {"read_timeout_seconds": 4, "retries": 0}},
            }
        }
    )
    default = outbound_policy(settings, "mastodon")
    assert default.connect_timeout == 1.5
    assert default.retries == 4
    assert default.read_timeout == 10.0
    assert default.allow_private_hosts == frozenset({"fake.internal:8443"})
    meteo = outbound_policy(settings, "open-meteo")
    assert (meteo.connect_timeout, meteo.read_timeout, meteo.retries) == (1.5, 4.0, 0)
    assert OutboundPolicy().retries == 2
