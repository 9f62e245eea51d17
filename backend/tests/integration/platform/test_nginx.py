"""deploy/nginx: the rendered configuration passes `nginx -t`, and a real nginx (Debian's, run
unprivileged) behaves as docs/operations.md says, in front of loopback upstreams that record what
reaches them: a GET cut off by a dying API process is retried on another, a POST never is; the
micro-cache, rate limits, body limit, security headers, client address and TLS."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from mercato.ops import cluster as nginx_conf
from mercato.ops.cluster import Topology
from tests.e2e.test_run_script import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Upstream:
    """A loopback HTTP server; `dies` closes every connection once the request is read."""

    name: str
    dies: bool = False
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    def request_ids(self, method: str) -> set[str]:
        return {h.get("x-request-id", "") for m, _, h in self.seen if m == method}

    def start(self) -> None:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                del format, args

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                upstream.seen.append((self.command, self.path, headers))
                if upstream.dies:  # what a SIGKILLed process does to its connections
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                body = json.dumps(
                    {"served_by": upstream.name, "headers": headers, "pad": "x" * 4000}
                )
                self.send_response(201 if self.command == "POST" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=0")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            do_GET = do_POST = do_PUT = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Edge:
    base: str
    http_base: str
    prefix: Path
    tls: ssl.SSLContext
    dying: Upstream
    healthy: Upstream
    storefront: Upstream
    internal_base: str  # the listener for the storefront's server-side calls

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=self.tls, timeout=30)


def start_edge(tmp_path: Path, **limits: str | int) -> Iterator[Edge]:
    dying, healthy, storefront = Upstream("dying", dies=True), Upstream("healthy"), Upstream("sf")
    for upstream in (dying, healthy, storefront):
        upstream.start()
    prefix = tmp_path / "nginx"
    https, http, internal = free_port(), free_port(), free_port()
    topology = nginx_conf.local_topology(
        prefix,
        host="127.0.0.1",
        https_port=https,
        http_port=http,
        internal_port=internal,
        apis=[dying.address, healthy.address],  # round robin starts with the dying one
        storefronts=[storefront.address],
    )
    if limits:
        topology = Topology(**{**topology.__dict__, **limits})
    conf = nginx_conf.write_local(prefix, topology)
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", https), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, (prefix / "logs" / "error.log").read_text()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        tls = ssl.create_default_context(cafile=str(prefix / "tls" / "tls.crt"))
        yield Edge(
            f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", prefix, tls,
            dying, healthy, storefront, f"http://127.0.0.1:{internal}",
        )  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        for upstream in (dying, healthy, storefront):
            upstream.stop()


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    yield from start_edge(tmp_path)


def test_the_rendered_configuration_passes_nginx_t(edge: Edge) -> None:
    checked = subprocess.run(
        [
            NGINX,
            "-t",
            "-p",
            str(edge.prefix),
            "-c",
            str(edge.prefix / "nginx.conf"),
            "-e",
            "stderr",
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_compose_configuration_is_the_current_rendering() -> None:
    assert nginx_conf.main(["compose", "--check"]) == 0


def test_a_get_cut_off_by_a_dying_process_is_retried_on_another(edge: Edge) -> None:
    ids = [uuid.uuid4().hex for _ in range(4)]
    with edge.client() as client:
        for request_id in ids:
            response = client.get(
                f"/api/v1/carts/{request_id}", headers={"X-Request-ID": request_id}
            )
            assert response.status_code == 200
            assert response.json()["served_by"] == "healthy"
    assert edge.dying.request_ids("GET") & set(ids)  # it reached the dying one first …
    assert edge.healthy.request_ids("GET") == set(ids)  # … and every one was answered


def test_a_post_that_reached_a_process_is_never_sent_to_another(edge: Edge) -> None:
    answers: dict[str, httpx.Response] = {}
    with edge.client() as client:
        for _ in range(4):
            request_id = uuid.uuid4().hex
            answers[request_id] = client.post(
                "/api/v1/checkout",
                json={"cart_id": "c"},
                headers={"X-Request-ID": request_id, "Idempotency-Key": request_id},
            )
    cut_off, placed = edge.dying.request_ids("POST"), edge.healthy.request_ids("POST")
    assert cut_off  # some reached the dying process
    assert cut_off.isdisjoint(placed)  # none of those was re-sent
    assert cut_off | placed == set(answers)
    for request_id, response in answers.items():
        if request_id in cut_off:
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "upstream_unavailable"
            assert response.headers["retry-after"] == "2"
        else:
            assert response.status_code == 201


def test_public_catalog_reads_are_micro_cached_for_anonymous_visitors_only(edge: Edge) -> None:
    edge.dying.dies = False  # both upstreams answer: count what reaches them
    with edge.client() as client:
        first = client.get("/api/v1/products?limit=3")
        second = client.get("/api/v1/products?limit=3")
        signed_in = client.get("/api/v1/products?limit=3", headers={"Authorization": "Bearer x"})
        cart = [client.get("/api/v1/carts/abc") for _ in range(2)]
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert signed_in.headers["x-cache-status"] == "BYPASS"
    assert {r.headers.get("x-cache-status") for r in cart} == {None}  # never cached
    reached = [p for u in (edge.dying, edge.healthy) for _, p, _ in u.seen]
    assert reached.count("/api/v1/products?limit=3") == 2  # the miss and the bypass
    assert reached.count("/api/v1/carts/abc") == 2


def test_headers_tls_redirect_metrics_and_body_limit(edge: Edge) -> None:
    edge.dying.dies = False
    with edge.client() as client:
        api = client.get(
            "/api/v1/carts/x",
            headers={"X-Forwarded-For": "203.0.113.9", "Accept-Encoding": "gzip"},
        )
        page = client.get("/account", headers={"X-Forwarded-For": "203.0.113.9"})
        asset = client.get("/_next/static/chunks/app.js")
        metrics = client.get("/metrics")
        too_big = client.post("/api/v1/carts", content=b"x" * (2 * 1024 * 1024))
        upload = client.post("/api/v1/admin/products/import", content=b"x" * (2 * 1024 * 1024))
        # the admin page's import goes through the storefront (ADR 0065)
        page_upload = client.post("/api/admin/products/import", content=b"x" * (2 * 1024 * 1024))
        page_too_big = client.post("/api/cart/adopt", content=b"x" * (2 * 1024 * 1024))
    with httpx.Client() as plain:
        redirect = plain.get(f"{edge.http_base}/p/shoe?x=1")

    received = api.json()["headers"]
    assert received["x-forwarded-for"] == "127.0.0.1"  # the forged value was replaced
    assert received["x-real-ip"] == "127.0.0.1"
    assert received["x-forwarded-proto"] == "https"
    assert api.headers["content-encoding"] == "gzip"
    assert page.json()["served_by"] == "sf"
    for response in (api, page):
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]  # once
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert response.headers["x-frame-options"] == "DENY"
        assert "server" not in response.headers or "nginx/" not in response.headers["server"]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert metrics.status_code == 403
    assert too_big.status_code == 413
    assert upload.status_code == 201  # admin uploads allow 20 MiB
    assert page_upload.status_code == 201, page_upload.text
    assert page_upload.json()["served_by"] == "sf"
    assert page_too_big.status_code == 413  # every other storefront post keeps 1 MiB
    assert redirect.status_code == 308
    assert redirect.headers["location"] == f"{edge.base}/p/shoe?x=1"


def test_the_internal_listener_passes_on_the_shoppers_address_the_storefront_sends(
    edge: Edge,
) -> None:
    """The storefront calls the API for every shopper: the address it passes on is the one the
    API's per-address limits count (its own only when it sends none)."""
    edge.dying.dies = False
    with httpx.Client(base_url=edge.internal_base, timeout=30) as client:
        passed = client.post("/api/v1/auth/token", headers={"X-Forwarded-For": "203.0.113.9"})
        own = client.post("/api/v1/auth/token")
    assert passed.json()["headers"]["x-forwarded-for"] == "203.0.113.9"
    assert own.json()["headers"]["x-forwarded-for"] == "127.0.0.1"
    for response in (passed, own):
        sent = response.json()["headers"]
        assert sent["x-real-ip"] == "127.0.0.1"
        assert sent["x-request-id"]
        assert sent["x-forwarded-proto"] == "http"


def test_sign_in_and_checkout_posts_are_rate_limited_per_address(tmp_path: Path) -> None:
    for edge in start_edge(tmp_path, auth_rate="1r/m", auth_burst=1):
        edge.dying.dies = False
        with edge.client() as client:
            logins = [client.post("/api/v1/auth/login", json={}) for _ in range(3)]
            reads = [client.get("/api/v1/auth/whatever") for _ in range(3)]
            pages = [client.get("/account/sign-in") for _ in range(3)]
        assert [r.status_code for r in logins] == [201, 201, 429]
        limited = logins[2]
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.json()["code"] == "rate_limited"
        assert limited.headers["retry-after"] == "10"
        assert [r.status_code for r in reads + pages] == [200] * 6  # reads are not limited
