"""The shared outbound HTTP client against real servers on loopback (ADR 0032).

SSRF matrix: every URL is refused before any connection (a canary listener counts 0); the
allow-list lets a loopback fake through; retries (GET yes, POST no); 4xx handed back; a timing-out
provider opens its breaker, calls then fail fast (the fake sees no request), and the breaker
closes through a half-open probe once the fake answers again; GET caching through the cache port.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from mercato.platform.cache import MemoryCache
from mercato.platform.http import (
    CircuitOpen,
    OutboundClient,
    OutboundPolicy,
    ProviderResponseError,
    ProviderUnavailable,
    UnsafeURL,
)
from tests.fakes.scripted_http import Canary, Reply, canary, scripted_server

_ids = itertools.count()


def _provider() -> str:
    """A provider name of its own per test: breakers are per provider and per process."""
    return f"test-outbound-{next(_ids)}"


FAST = OutboundPolicy(
    connect_timeout=2.0, read_timeout=2.0, retries=2, backoff_initial=0.0, backoff_max=0.0
)


def _allow(policy: OutboundPolicy, *hosts: str) -> OutboundPolicy:
    return OutboundPolicy(**{**policy.__dict__, "allow_private_hosts": frozenset(hosts)})


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def bird() -> Iterator[Canary]:
    with canary() as c:
        yield c


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# ------------------------------------------------------------------ the SSRF matrix


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/",
        "http://0x7f000001:{port}/",
        "http://2130706433:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://127.1:{port}/",
        "http://localhost:{port}/",  # a DNS name resolving to loopback
        "http://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped IPv6
        "http://0.0.0.0:{port}/",
        "https://127.0.0.1:{port}/",
        "ftp://127.0.0.1:{port}/",
        "file:///etc/passwd",
    ],
)
async def test_loopback_urls_are_refused_before_connecting(template: str, bird: Canary) -> None:
    provider = _provider()
    before = _metric("mercato_outbound_requests_total", provider=provider, outcome="unsafe_url")
    async with OutboundClient(provider, FAST) as client:
        with pytest.raises(UnsafeURL) as refused:
            await client.get(template.format(port=bird.port))
    assert refused.value.provider == provider
    assert bird.connections == 0
    after = _metric("mercato_outbound_requests_total", provider=provider, outcome="unsafe_url")
    assert after == before + 1


async def test_ipv6_loopback_is_refused_before_connecting() -> None:
    if not _ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    with canary("::1") as bird6:
        async with OutboundClient(_provider(), FAST) as client:
            with pytest.raises(UnsafeURL):
                await client.get(f"http://[::1]:{bird6.port}/")
        assert bird6.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
    ],
)
async def test_metadata_and_private_addresses_are_refused(url: str) -> None:
    async with OutboundClient(_provider(), FAST) as client:
        with pytest.raises(UnsafeURL):
            await client.get(url)


@pytest.mark.parametrize("target", ["127.0.0.1:{port}", "localhost:{port}", "0x7f000001:{port}"])
async def test_a_redirect_to_loopback_is_refused_before_connecting(
    target: str, bird: Canary
) -> None:
    location = f"http://{target.format(port=bird.port)}/admin"
    with scripted_server(Reply(302, b"", (("Location", location),))) as upstream:
        # only the redirecting server itself is allowed, port-exact
        policy = _allow(FAST, upstream.authority)
        async with OutboundClient(_provider(), policy) as client:
            with pytest.raises(UnsafeURL):
                await client.get(f"{upstream.url}/start")
        assert upstream.count("/start") == 1
    assert bird.connections == 0


async def test_a_redirect_to_the_metadata_address_is_refused() -> None:
    location = "http://169.254.169.254/latest/meta-data/"
    with scripted_server(Reply(307, b"", (("Location", location),))) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            with pytest.raises(UnsafeURL):
                await client.get(f"{upstream.url}/start")


# ------------------------------------------------------------------ allow-list and pinning


async def test_the_allow_list_lets_a_loopback_fake_through_with_its_host_header() -> None:
    with scripted_server(Reply(200, b'{"hello": "world"}')) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, "localhost")) as client:
            data = await client.get_json(f"http://localhost:{upstream.port}/v1/thing?x=1")
        assert data == {"hello": "world"}
        # connected to the checked IP, but the Host header names the host we asked for
        assert upstream.requests[0].headers["Host"] == f"localhost:{upstream.port}"
        assert upstream.requests[0].path == "/v1/thing?x=1"


async def test_an_allow_list_entry_with_a_port_allows_only_that_port(bird: Canary) -> None:
    with scripted_server() as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            assert (await client.get(f"{upstream.url}/")).status_code == 200
            with pytest.raises(UnsafeURL):
                await client.get(f"http://127.0.0.1:{bird.port}/")
    assert bird.connections == 0


async def test_base_url_and_redirects_between_allowed_paths_are_followed() -> None:
    with scripted_server() as upstream:
        upstream.routes["/old"] = [Reply(303, b"", (("Location", "/new"),))]
        upstream.routes["/new"] = [Reply(200, b'{"moved": true}')]
        policy = _allow(FAST, upstream.authority)
        async with OutboundClient(_provider(), policy, base_url=upstream.url) as client:
            response = await client.post("/old", json={"a": 1})
        assert response.status_code == 200
        assert response.json() == {"moved": True}
        assert [(r.method, r.path) for r in upstream.requests] == [
            ("POST", "/old"),
            ("GET", "/new"),
        ]
        assert upstream.requests[1].body == b""  # 303: the body is not sent again


async def test_too_many_redirects_is_a_provider_error() -> None:
    with scripted_server(Reply(302, b"", (("Location", "/loop"),))) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            with pytest.raises(ProviderResponseError):
                await client.get(f"{upstream.url}/loop")
        assert upstream.count() == 6  # the first request and 5 redirects


async def test_a_body_over_the_limit_is_refused() -> None:
    policy = OutboundPolicy(**{**_allow(FAST, "127.0.0.1").__dict__, "max_response_bytes": 1024})
    with scripted_server(Reply(200, b"x" * 5000)) as upstream:
        async with OutboundClient(_provider(), policy) as client:
            with pytest.raises(ProviderResponseError):
                await client.get(f"{upstream.url}/big")


# ------------------------------------------------------------------ retries and 4xx


async def test_get_is_retried_on_500_until_it_succeeds() -> None:
    with scripted_server(Reply(500), Reply(503), Reply(200, b'{"n": 3}')) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            response = await client.get(f"{upstream.url}/x")
        assert response.json() == {"n": 3}
        assert upstream.count() == 3


async def test_get_gives_up_after_the_configured_retries() -> None:
    with scripted_server(Reply(502)) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            with pytest.raises(ProviderUnavailable) as failed:
                await client.get(f"{upstream.url}/x")
        assert failed.value.status_code == 502
        assert not isinstance(failed.value, CircuitOpen)
        assert upstream.count() == 3  # 1 + retries=2


async def test_post_is_not_retried_on_500() -> None:
    with scripted_server(Reply(500), Reply(200)) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            with pytest.raises(ProviderUnavailable):
                await client.post(f"{upstream.url}/labels", json={"x": 1})
        assert upstream.count() == 1


async def test_post_marked_idempotent_is_retried() -> None:
    with scripted_server(Reply(500), Reply(201, b'{"id": 1}')) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, upstream.authority)) as client:
            response = await client.post(
                f"{upstream.url}/q", idempotent=True, headers={"Idempotency-Key": "k1"}
            )
        assert response.status_code == 201
        assert upstream.count() == 2
        assert {r.headers["Idempotency-Key"] for r in upstream.requests} == {"k1"}


async def test_a_refused_connection_is_retried_even_for_post() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = _provider()
    async with OutboundClient(provider, _allow(FAST, "127.0.0.1")) as client:
        with pytest.raises(ProviderUnavailable):
            await client.post(f"http://127.0.0.1:{port}/x")
    outcome = {"provider": provider, "outcome": "connect_error"}
    assert _metric("mercato_outbound_requests_total", **outcome) == 3


async def test_4xx_is_returned_not_retried_and_not_a_breaker_failure() -> None:
    policy = OutboundPolicy(
        **{**_allow(FAST, "127.0.0.1").__dict__, "breaker_failures": 2, "retries": 2}
    )
    with scripted_server(Reply(404, b'{"error": "nope"}')) as upstream:
        async with OutboundClient(_provider(), policy) as client:
            for _ in range(4):
                response = await client.get(f"{upstream.url}/missing")
                assert response.status_code == 404
            assert client.breaker.state == "closed"
            with pytest.raises(ProviderResponseError) as failed:
                await client.get_json(f"{upstream.url}/missing")
        assert failed.value.status_code == 404
        assert upstream.count() == 5


# ------------------------------------------------------------------ the circuit breaker


async def test_a_timing_out_provider_opens_the_breaker_fails_fast_and_recovers() -> None:
    provider = _provider()
    policy = OutboundPolicy(
        connect_timeout=1.0,
        read_timeout=0.3,
        retries=0,
        breaker_failures=2,
        breaker_window_seconds=60,
        # wide enough that a busy machine never lets it pass between two steps of this test
        breaker_reset_seconds=2.0,
        allow_private_hosts=frozenset({"127.0.0.1"}),
    )
    gauge = ("mercato_outbound_circuit_open", {"provider": provider})
    with scripted_server(Reply(200, b'{"ok": true}', delay=1.5)) as upstream:
        async with OutboundClient(provider, policy) as client:
            for _ in range(2):
                with pytest.raises(ProviderUnavailable) as slow:
                    await client.get(f"{upstream.url}/forecast")
                assert not isinstance(slow.value, CircuitOpen)
            assert client.breaker.state == "open"
            assert REGISTRY.get_sample_value(*gauge) == 1.0

            # open: fails fast, the provider sees nothing
            seen = upstream.count()
            for _ in range(3):
                with pytest.raises(CircuitOpen):
                    await client.get(f"{upstream.url}/forecast")
            assert upstream.count() == seen

            # after the reset time one probe goes out; the provider is still slow: open again
            await asyncio.sleep(2.1)
            with pytest.raises(ProviderUnavailable) as probe:
                await client.get(f"{upstream.url}/forecast")
            assert not isinstance(probe.value, CircuitOpen)
            assert upstream.count() == seen + 1
            with pytest.raises(CircuitOpen):
                await client.get(f"{upstream.url}/forecast")

            # the provider recovers; the next probe closes the breaker
            upstream.set_script(Reply(200, b'{"ok": true}'))
            await asyncio.sleep(2.1)
            assert (await client.get_json(f"{upstream.url}/forecast")) == {"ok": True}
            assert client.breaker.state == "closed"
            assert REGISTRY.get_sample_value(*gauge) == 0.0
            assert (await client.get(f"{upstream.url}/forecast")).status_code == 200


async def test_the_breaker_is_shared_by_every_client_of_a_provider() -> None:
    provider = _provider()
    policy = OutboundPolicy(
        retries=0,
        breaker_failures=1,
        breaker_reset_seconds=60,
        allow_private_hosts=frozenset({"127.0.0.1"}),
    )
    with scripted_server(Reply(500)) as upstream:
        async with OutboundClient(provider, policy) as first:
            with pytest.raises(ProviderUnavailable):
                await first.get(f"{upstream.url}/x")
        async with OutboundClient(provider, policy) as second:
            with pytest.raises(CircuitOpen):
                await second.get(f"{upstream.url}/x")
        async with OutboundClient(_provider(), policy) as other:
            with pytest.raises(ProviderUnavailable) as failed:
                await other.get(f"{upstream.url}/x")
            assert not isinstance(failed.value, CircuitOpen)


# ------------------------------------------------------------------ caching and metrics


async def test_get_responses_are_cached_through_the_cache_port() -> None:
    provider = _provider()
    cache = MemoryCache("test")
    with scripted_server(Reply(200, b'{"v": 1}'), Reply(200, b'{"v": 2}')) as upstream:
        policy = _allow(FAST, upstream.authority)
        async with OutboundClient(provider, policy, cache=cache) as client:
            first = await client.get_json(f"{upstream.url}/a", cache_ttl=60)
            second = await client.get_json(f"{upstream.url}/a", cache_ttl=60)
            assert first == second == {"v": 1}
            assert upstream.count() == 1
            # no cache_ttl: always asks; other headers (credentials): another entry
            assert await client.get_json(f"{upstream.url}/a") == {"v": 2}
            authorised = await client.get_json(
                f"{upstream.url}/a", cache_ttl=60, headers={"Authorization": "Bearer t"}
            )
            assert authorised == {"v": 2}
            assert upstream.count() == 3
    hits = _metric("mercato_outbound_requests_total", provider=provider, outcome="cache_hit")
    assert hits == 1


async def test_errors_are_not_cached() -> None:
    cache = MemoryCache("test")
    with scripted_server(Reply(404), Reply(200, b'{"v": 1}')) as upstream:
        async with OutboundClient(_provider(), _allow(FAST, "127.0.0.1"), cache=cache) as c:
            assert (await c.get(f"{upstream.url}/a", cache_ttl=60)).status_code == 404
            assert (await c.get(f"{upstream.url}/a", cache_ttl=60)).status_code == 200
            assert (await c.get(f"{upstream.url}/a", cache_ttl=60)).status_code == 200
        assert upstream.count() == 2


async def test_every_attempt_is_counted_and_timed_per_provider() -> None:
    provider = _provider()
    with scripted_server(Reply(500), Reply(200)) as upstream:
        async with OutboundClient(provider, _allow(FAST, "127.0.0.1")) as client:
            await client.get(f"{upstream.url}/x")
    assert (
        _metric("mercato_outbound_requests_total", provider=provider, outcome="server_error") == 1
    )
    assert _metric("mercato_outbound_requests_total", provider=provider, outcome="success") == 1
    assert _metric("mercato_outbound_request_duration_seconds_count", provider=provider) == 2
