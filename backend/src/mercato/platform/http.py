"""The one resilient outbound HTTP client every provider uses (carrier, Sanity, weather, social).

`OutboundClient(provider, policy)` wraps an `httpx.AsyncClient` and adds, per call (ADR 0032):

- **SSRF guard** on every URL and every redirect hop: only `http`/`https`; legacy numeric hosts
  (`0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1`) are refused outright; the host is resolved
  (`getaddrinfo`, async) and refused when *any* address is loopback, private, link-local, CGNAT,
  multicast, unspecified, reserved, IPv4-mapped/-translated IPv6 or a cloud metadata address.
  The connection then goes to the checked IP itself (the URL is rewritten to it; the `Host`
  header and the TLS SNI / certificate name stay the original host), so DNS cannot change the
  answer between the check and the connect. Redirects are followed here, never by httpx, each hop
  checked again, at most `policy.max_redirects`. `policy.allow_private_hosts` ("host" or
  "host:port") exempts internal services and test fakes from the address check (still pinned).
- **Timeouts** (connect / read) and **retries** with exponential backoff and jitter (tenacity), for
  idempotent calls only (GET/HEAD/OPTIONS/PUT/DELETE, or `idempotent=True`); a connection that
  could not be made is retried for any method (the request never left).
- **A circuit breaker per provider** (shared by every client of that provider in the process):
  opens after `breaker_failures` failed attempts within `breaker_window_seconds`, fails fast with
  `CircuitOpen` while open, lets one probe through after `breaker_reset_seconds` (half-open) and
  closes when it succeeds. Timeouts, connection errors and 5xx are failures; 4xx are answers.
- **Response caching** of GETs through the `Cache` port when `cache_ttl` is given (2xx only; the
  key is a hash of the URL and the request headers, so differently authorised calls never share).
- **Prometheus metrics** per provider: `mercato_outbound_requests_total{provider,outcome}`,
  `mercato_outbound_request_duration_seconds{provider}`, `mercato_outbound_circuit_open{provider}`.

Errors: `ProviderUnavailable` (timeout, connection error, 5xx after retries, `CircuitOpen`),
`UnsafeURL` (refused before connecting), `ProviderResponseError` (an answer we cannot use:
`get_json` on a 4xx or non-JSON, too many redirects, a body over `max_response_bytes`). All are
`ProviderError`s carrying `.provider`. 4xx responses of `request/get/post` go back to the caller.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import ipaddress
import json
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx
import structlog
from prometheus_client import Counter, Gauge, Histogram
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from mercato.platform.cache import Cache, CacheUnavailable

if TYPE_CHECKING:
    from mercato.platform.config import Settings

log = structlog.get_logger("mercato.platform.http")

OUTBOUND_REQUESTS = Counter(
    "mercato_outbound_requests_total",
    "Outbound HTTP attempts by provider and outcome (success, client_error, server_error, "
    "timeout, connect_error, dns_error, transport_error, circuit_open, unsafe_url, cache_hit).",
    ["provider", "outcome"],
)
OUTBOUND_DURATION = Histogram(
    "mercato_outbound_request_duration_seconds",
    "Duration of one outbound HTTP attempt (connect to last body byte)",
    ["provider"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OUTBOUND_CIRCUIT_OPEN = Gauge(
    "mercato_outbound_circuit_open",
    "1 while the provider's circuit breaker is open or half-open, 0 when closed",
    ["provider"],
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HOP_HEADERS = ("content-encoding", "content-length", "transfer-encoding", "connection")


# ------------------------------------------------------------------------------------ errors


class ProviderError(Exception):
    """A third-party call failed; `provider` names the provider (metrics label, logs)."""

    def __init__(self, provider: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.status_code = status_code


class ProviderUnavailable(ProviderError):
    """Timeout, connection error, 5xx after retries, or the circuit is open."""


class CircuitOpen(ProviderUnavailable):
    """The provider's circuit breaker is open: the call was not attempted."""


class UnsafeURL(ProviderError):
    """The SSRF guard refused the URL (or a redirect to it); no connection was made."""


class ProviderResponseError(ProviderError):
    """The provider answered, but not usably (4xx for `get_json`, bad JSON, too big, redirects)."""


# ------------------------------------------------------------------------------------ policy


@dataclass(frozen=True)
class OutboundPolicy:
    """Per-provider resilience settings (built from `MERCATO_OUTBOUND__…` by `outbound_policy`)."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    retries: int = 2  # idempotent calls only (GET/HEAD/PUT/DELETE or idempotent=True)
    breaker_failures: int = 5
    breaker_window_seconds: float = 30.0
    breaker_reset_seconds: float = 30.0
    # "host" or "host:port" exempt from the SSRF address check (tests, internal services)
    allow_private_hosts: frozenset[str] = frozenset()
    backoff_initial: float = 0.2  # first retry delay; doubles per retry, plus jitter
    backoff_max: float = 2.0
    max_redirects: int = 5
    max_response_bytes: int = 5 * 1024 * 1024


def outbound_policy(settings: Settings, provider: str) -> OutboundPolicy:
    """The policy for `provider`: the `MERCATO_OUTBOUND__*` defaults plus its overrides."""
    out = settings.outbound
    policy = OutboundPolicy(
        connect_timeout=out.connect_timeout_seconds,
        read_timeout=out.read_timeout_seconds,
        retries=out.retries,
        breaker_failures=out.breaker_failures,
        breaker_window_seconds=out.breaker_window_seconds,
        breaker_reset_seconds=out.breaker_reset_seconds,
        allow_private_hosts=frozenset(h.strip().lower() for h in out.allowed_private_hosts),
        backoff_initial=out.backoff_initial_seconds,
        backoff_max=out.backoff_max_seconds,
        max_redirects=out.max_redirects,
        max_response_bytes=out.max_response_bytes,
    )
    override = out.providers.get(provider)
    if override is None:
        return policy
    return replace(
        policy,
        connect_timeout=_or(override.connect_timeout_seconds, policy.connect_timeout),
        read_timeout=_or(override.read_timeout_seconds, policy.read_timeout),
        retries=_or(override.retries, policy.retries),
        breaker_failures=_or(override.breaker_failures, policy.breaker_failures),
        breaker_window_seconds=_or(override.breaker_window_seconds, policy.breaker_window_seconds),
        breaker_reset_seconds=_or(override.breaker_reset_seconds, policy.breaker_reset_seconds),
    )


_T = TypeVar("_T")


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value


# ------------------------------------------------------------------------------- SSRF guard

_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",
        "::1/128",
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64: reaches IPv4 addresses through a translator
        "64:ff9b:1::/48",
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo 2001::/32 included)
        "2001:db8::/32",
        "2002::/16",  # 6to4: embeds an IPv4 address
        "fc00::/7",  # unique local (AWS metadata fd00:ec2::254 included)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
# a host made only of digits, dots and hex/octal parts: what inet_aton would read as IPv4
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.IGNORECASE)


def address_is_public(address: str) -> bool:
    """True when `address` (an IP literal) may be connected to by an outbound call."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return False
    if any(ip in net for net in _BLOCKED_NETWORKS if net.version == ip.version):
        return False
    return (
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
    )


def _canonical_ip(host: str) -> str | None:
    """The IP if `host` is a canonical IPv4 dotted quad or IPv6 literal, else None."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return str(ip)


def _check_url_shape(provider: str, url: httpx.URL) -> None:
    """Refuse what no resolver should see: other schemes, no host, legacy numeric hosts."""
    if url.scheme not in ("http", "https"):
        raise UnsafeURL(provider, f"scheme {url.scheme or '(none)'!r} is not allowed")
    host = url.host
    if not host:
        raise UnsafeURL(provider, "the URL has no host")
    if _NUMERIC_HOST.match(host) and _canonical_ip(host) is None:
        raise UnsafeURL(provider, f"numeric host {host!r} is not a canonical IPv4 address")


def _default_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


# --------------------------------------------------------------------------- circuit breaker

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts failures in a sliding window; open → (after `reset_seconds`) one half-open probe.

    Single event loop, no awaits inside: no locking needed. A probe that never reports (its task
    was cancelled) is given up after another `reset_seconds`, so the breaker cannot stick.
    """

    def __init__(
        self,
        provider: str,
        *,
        failures: int,
        window_seconds: float,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.failures = max(1, failures)
        self.window_seconds = window_seconds
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._state: BreakerState = "closed"
        self._failed_at: collections.deque[float] = collections.deque()
        self._opened_at = 0.0
        self._probe_started_at: float | None = None
        OUTBOUND_CIRCUIT_OPEN.labels(provider=provider).set(0)

    @property
    def state(self) -> BreakerState:
        if self._state == "open" and self._clock() - self._opened_at >= self.reset_seconds:
            return "half_open"
        return self._state

    def configure(self, *, failures: int, window_seconds: float, reset_seconds: float) -> None:
        self.failures = max(1, failures)
        self.window_seconds = window_seconds
        self.reset_seconds = reset_seconds

    def allow(self) -> bool:
        """May a call go out now? In half-open, True for exactly one probe at a time."""
        now = self._clock()
        if self._state == "closed":
            return True
        if self._state == "open":
            if now - self._opened_at < self.reset_seconds:
                return False
            self._set("half_open")
        if self._probe_started_at is not None and now - self._probe_started_at < self.reset_seconds:
            return False  # a probe is in flight
        self._probe_started_at = now
        return True

    def record_success(self) -> None:
        if self._state != "closed":
            log.info("outbound.circuit_closed", provider=self.provider)
        self._failed_at.clear()
        self._probe_started_at = None
        self._set("closed")

    def record_failure(self) -> None:
        now = self._clock()
        if self._state == "half_open":
            self._open(now)
            return
        if self._state == "open":
            return
        self._failed_at.append(now)
        while self._failed_at and now - self._failed_at[0] > self.window_seconds:
            self._failed_at.popleft()
        if len(self._failed_at) >= self.failures:
            self._open(now)

    def record_neutral(self) -> None:
        """The call ended without telling anything about the provider (e.g. refused URL)."""
        self._probe_started_at = None

    def _open(self, now: float) -> None:
        log.warning(
            "outbound.circuit_opened",
            provider=self.provider,
            failures=len(self._failed_at) or 1,
            reset_seconds=self.reset_seconds,
        )
        self._opened_at = now
        self._failed_at.clear()
        self._probe_started_at = None
        self._set("open")

    def _set(self, state: BreakerState) -> None:
        self._state = state
        OUTBOUND_CIRCUIT_OPEN.labels(provider=self.provider).set(0 if state == "closed" else 1)


_BREAKERS: dict[str, CircuitBreaker] = {}


def breaker_for(provider: str, policy: OutboundPolicy) -> CircuitBreaker:
    """The process-wide breaker of `provider` (created on first use, thresholds kept current)."""
    breaker = _BREAKERS.get(provider)
    if breaker is None:
        breaker = CircuitBreaker(
            provider,
            failures=policy.breaker_failures,
            window_seconds=policy.breaker_window_seconds,
            reset_seconds=policy.breaker_reset_seconds,
        )
        _BREAKERS[provider] = breaker
    else:
        breaker.configure(
            failures=policy.breaker_failures,
            window_seconds=policy.breaker_window_seconds,
            reset_seconds=policy.breaker_reset_seconds,
        )
    return breaker


def breaker_states() -> dict[str, BreakerState]:
    """Each provider this process has called, and its breaker's state (the admin's health)."""
    return {provider: breaker.state for provider, breaker in _BREAKERS.items()}


def reset_breakers() -> None:
    """Forget every provider's breaker state (tests; a fresh process starts this way)."""
    for provider in _BREAKERS:
        OUTBOUND_CIRCUIT_OPEN.labels(provider=provider).set(0)
    _BREAKERS.clear()


# -------------------------------------------------------------------------------- the client


class _AttemptFailed(Exception):
    """One attempt failed in a way worth retrying (if the call may be retried)."""

    def __init__(self, error: ProviderUnavailable, *, not_sent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.not_sent = not_sent


class OutboundClient:
    """Resilient HTTP client of one provider. Create once, reuse, `aclose()` at shutdown."""

    def __init__(
        self,
        provider: str,
        policy: OutboundPolicy,
        *,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        cache: Cache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.policy = policy
        self._cache = cache
        self._breaker = breaker_for(provider, policy)
        self._allowed = frozenset(h.lower() for h in policy.allow_private_hosts)
        timeout = httpx.Timeout(
            connect=policy.connect_timeout,
            read=policy.read_timeout,
            write=policy.read_timeout,
            pool=policy.connect_timeout,
        )
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=transport,
            follow_redirects=False,  # redirects are followed here, each hop re-checked
            trust_env=False,  # no proxy from the environment: we connect to the checked IP
        )

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    async def __aenter__(self) -> OutboundClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # ------------------------------------------------------------------ public calls

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        cache_ttl: float | None = None,
        follow_redirects: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        try:
            request = self._client.build_request(method, url, **kwargs)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            self._count("unsafe_url")
            raise UnsafeURL(self.provider, f"invalid URL: {exc}") from None
        try:
            _check_url_shape(self.provider, request.url)
        except UnsafeURL:
            self._count("unsafe_url")
            raise
        cache_key = None
        if cache_ttl is not None and cache_ttl > 0 and method == "GET" and self._cache:
            cache_key = self._cache_key(request)
            cached = await self._cache_get(cache_key, request)
            if cached is not None:
                self._count("cache_hit")
                return cached
        response = await self._with_retries(request, idempotent, follow_redirects)
        if cache_key is not None and cache_ttl and 200 <= response.status_code < 300:
            await self._cache_put(cache_key, response, cache_ttl)
        return response

    async def get(self, url: str, *, cache_ttl: float | None = None, **kw: Any) -> httpx.Response:
        return await self.request("GET", url, cache_ttl=cache_ttl, **kw)

    async def post(self, url: str, *, idempotent: bool = False, **kw: Any) -> httpx.Response:
        return await self.request("POST", url, idempotent=idempotent, **kw)

    async def get_json(self, url: str, *, cache_ttl: float | None = None, **kw: Any) -> Any:
        """GET and decode JSON; a 4xx or a body that is not JSON is a `ProviderResponseError`."""
        response = await self.get(url, cache_ttl=cache_ttl, **kw)
        if response.status_code >= 400:
            raise ProviderResponseError(
                self.provider,
                f"HTTP {response.status_code} from {_safe_url(response.request.url)}",
                status_code=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise ProviderResponseError(
                self.provider, "the response is not JSON", status_code=response.status_code
            ) from None

    # ------------------------------------------------------------------ retries

    async def _with_retries(
        self, request: httpx.Request, idempotent: bool, follow_redirects: bool
    ) -> httpx.Response:
        policy = self.policy

        def retryable(exc: BaseException) -> bool:
            return isinstance(exc, _AttemptFailed) and (idempotent or exc.not_sent)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(1 + max(0, policy.retries)),
            wait=wait_exponential(multiplier=policy.backoff_initial, max=policy.backoff_max)
            + wait_random(0, policy.backoff_initial),  # full jitter on top of the doubling
            retry=retry_if_exception(retryable),
            before_sleep=lambda state: log.info(
                "outbound.retry",
                provider=self.provider,
                attempt=state.attempt_number,
                url=_safe_url(request.url),
            ),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(request, follow_redirects)
        except _AttemptFailed as failed:
            raise failed.error from failed.__cause__
        raise AssertionError("unreachable")  # pragma: no cover  (tenacity reraises)

    # ------------------------------------------------------------------ one attempt

    async def _attempt(self, request: httpx.Request, follow_redirects: bool) -> httpx.Response:
        if not self._breaker.allow():
            self._count("circuit_open")
            raise CircuitOpen(self.provider, "circuit open: failing fast")
        current = request
        for hop in range(self.policy.max_redirects + 1):
            response = await self._exchange(current)
            location = response.headers.get("location")
            if not follow_redirects or response.status_code not in REDIRECT_STATUSES:
                return response
            if not location:
                return response
            if hop == self.policy.max_redirects:
                break
            current = self._redirect_request(current, response.status_code, location)
        self._breaker.record_neutral()
        raise ProviderResponseError(
            self.provider, f"more than {self.policy.max_redirects} redirects"
        )

    def _redirect_request(
        self, previous: httpx.Request, status: int, location: str
    ) -> httpx.Request:
        try:
            url = previous.url.join(location)
        except httpx.InvalidURL:
            self._breaker.record_neutral()
            self._count("unsafe_url")
            raise UnsafeURL(self.provider, "invalid redirect location") from None
        try:
            _check_url_shape(self.provider, url)
        except UnsafeURL:
            self._breaker.record_neutral()
            self._count("unsafe_url")
            raise
        method = previous.method
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
        headers = previous.headers.copy()
        headers["Host"] = url.netloc.decode("ascii")  # httpx adds none when a stream is given
        stream: Any = previous.stream
        if method != previous.method:
            for name in ("content-length", "content-type", "transfer-encoding"):
                headers.pop(name, None)
            stream = None
        if (url.scheme, url.host, _default_port(url)) != (
            previous.url.scheme,
            previous.url.host,
            _default_port(previous.url),
        ):
            headers.pop("authorization", None)
            headers.pop("cookie", None)
        return httpx.Request(method, url, headers=headers, stream=stream)

    async def _pin(self, request: httpx.Request) -> httpx.Request:
        """Resolve, check and pin the request to one IP; raise UnsafeURL when refused."""
        url = request.url
        host = url.host.lower()
        port = _default_port(url)
        exempt = host in self._allowed or f"{host}:{port}" in self._allowed
        if not exempt and (literal := _canonical_ip(host)) is not None:
            addresses = [literal]  # no lookup needed, refuse before any DNS traffic
        else:
            try:
                addresses = await _resolve(host, port)
            except (OSError, UnicodeError) as exc:
                raise _AttemptFailed(
                    ProviderUnavailable(self.provider, f"cannot resolve {host}: {exc}"),
                    not_sent=True,
                ) from exc
        if not addresses:
            raise _AttemptFailed(
                ProviderUnavailable(self.provider, f"{host} has no address"), not_sent=True
            )
        if not exempt:
            refused = [a for a in addresses if not address_is_public(a)]
            if refused:
                raise UnsafeURL(
                    self.provider, f"{host} resolves to a non-public address ({refused[0]})"
                )
        ip = addresses[0].split("%", 1)[0]
        extensions = dict(request.extensions)
        if url.scheme == "https" and _canonical_ip(host) is None:
            extensions["sni_hostname"] = host  # TLS: SNI and certificate check use the name
        return httpx.Request(
            request.method,
            url.copy_with(host=ip),
            headers=request.headers,  # keeps Host: the original name
            stream=request.stream,
            extensions=extensions,
        )

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """One HTTP exchange (no redirects), SSRF-checked, body read with a size cap."""
        try:
            pinned = await self._pin(request)
        except UnsafeURL:
            self._breaker.record_neutral()
            self._count("unsafe_url")
            raise
        except _AttemptFailed:
            self._fail("dns_error")
            raise
        started = time.perf_counter()
        try:
            upstream = await self._client.send(pinned, stream=True)
            try:
                body = await self._read_capped(upstream)
            finally:
                await upstream.aclose()
        except httpx.TimeoutException as exc:
            self._fail("timeout")
            raise _AttemptFailed(
                ProviderUnavailable(self.provider, f"timed out ({type(exc).__name__})"),
                not_sent=isinstance(exc, httpx.ConnectTimeout),
            ) from exc
        except httpx.ConnectError as exc:
            self._fail("connect_error")
            raise _AttemptFailed(
                ProviderUnavailable(self.provider, f"cannot connect: {exc}"), not_sent=True
            ) from exc
        except httpx.TransportError as exc:
            self._fail("transport_error")
            raise _AttemptFailed(
                ProviderUnavailable(self.provider, f"transport error: {exc!r}"), not_sent=False
            ) from exc
        except ProviderResponseError:
            self._breaker.record_neutral()
            self._count("too_large")
            raise
        finally:
            OUTBOUND_DURATION.labels(provider=self.provider).observe(time.perf_counter() - started)
        status = upstream.status_code
        headers = [(k, v) for k, v in upstream.headers.multi_items() if k not in _HOP_HEADERS]
        response = httpx.Response(status, headers=headers, content=body, request=request)
        if status >= 500:
            self._fail("server_error")
            raise _AttemptFailed(
                ProviderUnavailable(
                    self.provider,
                    f"HTTP {status} from {_safe_url(request.url)}",
                    status_code=status,
                ),
                not_sent=False,
            )
        self._breaker.record_success()
        self._count("client_error" if status >= 400 else "success")
        return response

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self.policy.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ProviderResponseError(self.provider, f"response larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise ProviderResponseError(self.provider, f"response larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    # ------------------------------------------------------------------ cache

    def _cache_key(self, request: httpx.Request) -> str:
        digest = hashlib.sha256()
        digest.update(request.method.encode())
        digest.update(b"\0" + str(request.url).encode())
        for name, value in sorted(request.headers.multi_items()):
            digest.update(b"\0" + name.lower().encode() + b":" + value.encode())
        return f"outbound:{self.provider}:{digest.hexdigest()}"

    async def _cache_get(self, key: str, request: httpx.Request) -> httpx.Response | None:
        try:
            raw = await self._cache.get(key) if self._cache else None
        except CacheUnavailable as exc:
            log.warning("outbound.cache_unavailable", provider=self.provider, error=str(exc))
            return None
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return httpx.Response(
                int(data["s"]),
                headers=[(str(k), str(v)) for k, v in data["h"]],
                content=base64.b64decode(data["b"]),
                request=request,
            )
        except (ValueError, KeyError, TypeError):
            return None

    async def _cache_put(self, key: str, response: httpx.Response, ttl: float) -> None:
        payload = json.dumps(
            {
                "s": response.status_code,
                "h": [[k, v] for k, v in response.headers.multi_items() if k not in _HOP_HEADERS],
                "b": base64.b64encode(response.content).decode(),
            }
        ).encode()
        try:
            if self._cache:
                await self._cache.set(key, payload, ttl)
        except CacheUnavailable as exc:
            log.warning("outbound.cache_unavailable", provider=self.provider, error=str(exc))

    def _fail(self, outcome: str) -> None:
        self._breaker.record_failure()
        self._count(outcome)

    def _count(self, outcome: str) -> None:
        OUTBOUND_REQUESTS.labels(provider=self.provider, outcome=outcome).inc()


def _safe_url(url: httpx.URL) -> str:
    """The URL without query and credentials (tokens never reach logs or messages)."""
    return str(url.copy_with(query=None, username=None, password=None, fragment=None))
