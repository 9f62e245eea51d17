"""`make run-cluster` (scripts/run-cluster.sh): nginx in front of two API processes on PostgreSQL
and Redis, with the worker, the scheduler (and the storefront when it is built). Under constant
GET and checkout load one API process is SIGKILLed: no request fails and no order is lost or
doubled; the supervisor starts it again and nginx sends it traffic again.

What counts as success for a checkout (ADR 0039): nginx never re-sends a POST that reached an
API process, so a checkout cut off by the kill answers 503 `upstream_unavailable` to its client.
The client's documented answer is to retry with the same Idempotency-Key; the API guarantees one
order per key. The test does exactly that, counts those retries, and proves from the database
that every cart has exactly one order, the one its client was told about.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.platform.portcheck import answers
from tests.conftest import service_url
from tests.e2e.test_run_script import ROOT, STOREFRONT_BUILT, free_port, group_alive

RUN_CLUSTER = ROOT / "scripts" / "run-cluster.sh"
MERCATO = str(Path(sys.executable).parent / "mercato")
READY_LINE = "Mercato is ready."
CARTS = 24
ADDRESS = {
    "email": "cluster@example.com",
    "shipping_address": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    },
}


def _sync(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@dataclass
class Cluster:
    env: dict[str, str]
    data_dir: Path
    log: Path
    base: str
    api_ports: list[int]
    database_url: str
    tls: ssl.SSLContext

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=self.tls, timeout=60, **kwargs)  # type: ignore[arg-type]

    def pid(self, name: str) -> int:
        return int((self.data_dir / "run" / f"{name}.pid").read_text())

    def access_log(self) -> list[dict[str, object]]:
        path = self.data_dir / "nginx" / "logs" / "access.log"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    pg = make_url(service_url("postgres"))
    redis_url = service_url("redis")
    name = f"mercato_cl_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        _sync(pg.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
    )
    database_url = pg.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )
    https, api_ports = free_port(), [free_port(), free_port()]
    data_dir = tmp_path / "var"
    namespace = f"cl{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update(
        MERCATO_DATA_DIR=str(data_dir),
        MERCATO_DATABASE_URL=database_url,  # run-cluster.sh creates it
        MERCATO_REDIS_URL=redis_url,
        MERCATO_BROKER_URL=redis_url,
        MERCATO_CACHE_NAMESPACE=namespace,
        MERCATO_WORKER__QUEUE_PREFIX=f"{namespace}-",
        MERCATO_WORKER__CONCURRENCY="1",
        MERCATO_CLUSTER_HTTPS_PORT=str(https),
        MERCATO_CLUSTER_HTTP_PORT=str(free_port()),
        MERCATO_CLUSTER_INTERNAL_PORT=str(free_port()),
        MERCATO_CLUSTER_API_PORTS=" ".join(map(str, api_ports)),
        MERCATO_STOREFRONT_PORT=str(free_port()),
        # the whole load comes from one address: nginx's per-address limits are tested elsewhere
        MERCATO_CLUSTER_CHECKOUT_RATE="100r/s",
        MERCATO_CLUSTER_AUTH_RATE="100r/s",
        # a claim left by the killed process is retaken after this (default 30 s)
        MERCATO_CHECKOUT__IDEMPOTENCY_LOCK_SECONDS="5",
        MERCATO_READY_TIMEOUT_SECONDS="600",
        MERCATO_STOP_TIMEOUT_SECONDS="20",
    )
    log = tmp_path / "cluster.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [sys.executable, "-m", "mercato.ops.cluster", "ensure-db", database_url],
            env=env,
            check=True,
            capture_output=True,
        )
        for args in (["db", "upgrade"], ["demo", "seed", "--products", "6"]):
            subprocess.run([MERCATO, *args], env=env, check=True, capture_output=True, timeout=300)
        with create_engine(_sync(database_url)).begin() as conn:  # stock for every checkout
            conn.execute(text("UPDATE stock_level SET on_hand = on_hand + 1000"))
        with log.open("w") as out:
            proc = subprocess.Popen(
                ["bash", str(RUN_CLUSTER)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 600
        while READY_LINE not in log.read_text():
            assert proc.poll() is None, log.read_text()[-5000:]
            assert time.monotonic() < deadline, log.read_text()[-5000:]
            time.sleep(0.5)
        tls = ssl.create_default_context(cafile=str(data_dir / "nginx" / "tls" / "tls.crt"))
        yield Cluster(
            env=env,
            data_dir=data_dir,
            log=log,
            base=f"https://127.0.0.1:{https}",
            api_ports=api_ports,
            database_url=database_url,
            tls=tls,
        )
    finally:
        if proc is not None and group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGTERM)
            stop_by = time.monotonic() + 40
            while (proc.poll() is None or group_alive(proc.pid)) and time.monotonic() < stop_by:
                time.sleep(0.2)
            if group_alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare_cart(client: httpx.Client, sku: str) -> str:
    cart = client.post("/api/v1/carts")
    assert cart.status_code == 201, cart.text
    cart_id: str = cart.json()["id"]
    line = client.post(f"/api/v1/carts/{cart_id}/lines", json={"sku": sku, "quantity": 1})
    assert line.status_code in (200, 201), line.text
    address = client.put(f"/api/v1/carts/{cart_id}/address", json=ADDRESS)
    assert address.status_code == 200, address.text
    method = client.put(f"/api/v1/carts/{cart_id}/shipping-method", json={"code": "standard"})
    assert method.status_code == 200, method.text
    return cart_id


@dataclass
class Checkout:
    cart_id: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    answers: list[str] = field(default_factory=list)  # every attempt's status or error
    order_id: str | None = None
    replayed: bool = False


def place(client: httpx.Client, checkout: Checkout, deadline: float) -> None:
    """The documented client behaviour: a 502/503/504 or a dropped connection is retried with the
    same Idempotency-Key and body; 409 request_in_progress waits for Retry-After."""
    while time.monotonic() < deadline:
        try:
            response = client.post(
                "/api/v1/checkout",
                json={"cart_id": checkout.cart_id},
                headers={"Idempotency-Key": checkout.key},
            )
        except httpx.TransportError as exc:
            checkout.answers.append(type(exc).__name__)
            time.sleep(0.5)
            continue
        checkout.answers.append(str(response.status_code))
        if response.status_code == 201:
            checkout.order_id = response.json()["id"]
            checkout.replayed = response.headers.get("Idempotent-Replayed") == "true"
            return
        retryable = response.status_code in (502, 503, 504) or (
            response.status_code == 409 and response.json().get("code") == "request_in_progress"
        )
        if not retryable:
            return  # a real failure: reported by the assertions
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 5.0))


@pytest.mark.timeout(900)
def test_sigkill_of_an_api_process_fails_no_request_and_loses_no_order(cluster: Cluster) -> None:
    with cluster.client() as client:
        products = client.get("/api/v1/products", params={"limit": 6}).json()["items"]
        slugs = [p["slug"] for p in products]
        skus = []
        for slug in slugs:
            detail = client.get(f"/api/v1/products/{slug}").json()
            skus.append(detail["variants"][0]["sku"])
        carts = [prepare_cart(client, skus[i % len(skus)]) for i in range(CARTS)]
        if STOREFRONT_BUILT:  # the storefront behind nginx renders from the API pool
            page = client.get(f"/p/{slugs[0]}")
            assert page.status_code == 200
            assert f"/p/{slugs[0]}" in page.text  # its canonical link: rendered, not a 404
            assert page.headers["strict-transport-security"] == "max-age=31536000"

    get_failures: list[str] = []
    gets_done = [0]
    stop = threading.Event()

    def get_load(worker: int) -> None:
        paths = [f"/api/v1/products/{slugs[worker % len(slugs)]}", "/api/v1/products?limit=5"]
        paths += [f"/api/v1/carts/{c}" for c in carts[worker::4]]  # never cached: hits the APIs
        if STOREFRONT_BUILT:
            paths.append("/api/health")  # the storefront, through nginx
        with cluster.client() as c:
            i = 0
            while not stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                try:
                    response = c.get(path)
                except httpx.TransportError as exc:
                    get_failures.append(f"GET {path}: {exc!r}")
                    continue
                if response.status_code != 200:
                    get_failures.append(f"GET {path}: {response.status_code} {response.text[:200]}")
                gets_done[0] += 1

    pending: queue.Queue[Checkout] = queue.Queue()
    checkouts = [Checkout(cart_id) for cart_id in carts]
    for checkout in checkouts:
        pending.put(checkout)
    finished = [0]

    def checkout_load() -> None:
        with cluster.client() as c:
            while True:
                try:
                    checkout = pending.get_nowait()
                except queue.Empty:
                    return
                place(c, checkout, deadline=time.monotonic() + 120)
                finished[0] += 1
                time.sleep(0.2)  # a steady stream across the kill, not a burst before it

    getters = [threading.Thread(target=get_load, args=(i,)) for i in range(2)]
    buyers = [threading.Thread(target=checkout_load) for _ in range(2)]
    for thread in getters + buyers:
        thread.start()
    try:
        while finished[0] < CARTS // 3:  # load is flowing through both processes
            assert any(t.is_alive() for t in buyers)
            time.sleep(0.1)
        victim = cluster.pid("api-2")
        os.kill(victim, signal.SIGKILL)
        for thread in buyers:
            thread.join(timeout=300)
        time.sleep(2)  # GETs keep flowing after the last checkout
    finally:
        stop.set()
        for thread in getters + buyers:
            thread.join(timeout=60)

    # 0 failed requests: every GET answered 200 the first time (nginx retried the ones the killed
    # process held); every checkout got its order, retried by its client with the same key.
    assert gets_done[0] > 0
    assert get_failures == []
    unplaced = [(c.cart_id, c.answers) for c in checkouts if c.order_id is None]
    assert unplaced == []

    # 0 lost or duplicated orders: one order per cart, and it is the one the client was given.
    with create_engine(_sync(cluster.database_url)).connect() as conn:
        rows = conn.execute(text("SELECT id, cart_id FROM shop_order")).all()
    by_cart: dict[str, list[str]] = {}
    for order_id, cart_id in rows:
        by_cart.setdefault(str(cart_id), []).append(str(order_id))
    assert sorted(by_cart) == sorted(carts)
    assert {cart: len(ids) for cart, ids in by_cart.items() if len(ids) != 1} == {}
    assert {c.cart_id: [c.order_id] for c in checkouts} == by_cart

    # The killed process had been serving traffic, and it is back: the supervisor started it
    # again and nginx sends it requests once more.
    victim_upstream = f"127.0.0.1:{cluster.api_ports[1]}"
    served = cluster.access_log()
    assert any(e["upstream"] == victim_upstream and e["status"] == 200 for e in served), (
        "api-2 never served a request before the kill"
    )
    restart_by = time.monotonic() + 300
    while True:
        assert time.monotonic() < restart_by, cluster.log.read_text()[-5000:]
        try:
            pid = cluster.pid("api-2")
        except (FileNotFoundError, ValueError):
            pid = victim
        if pid != victim and answers(f"http://{victim_upstream}/readyz"):
            break
        time.sleep(0.5)
    seen = len(cluster.access_log())
    back = False
    with cluster.client() as client:
        while not back:
            assert time.monotonic() < restart_by, "api-2 restarted but nginx never used it again"
            for cart_id in carts[:4]:
                assert client.get(f"/api/v1/carts/{cart_id}").status_code == 200
            back = any(
                e["upstream"] == victim_upstream and e["status"] == 200
                for e in cluster.access_log()[seen:]
            )
            time.sleep(0.5)
    assert re.search(r"api-2 exited after \d+ s: restarting it in 1 s", cluster.log.read_text())

    # The shopper's address reaches the API through nginx (a forged X-Forwarded-For replaced);
    # straight from a peer outside MERCATO_TRUSTED_PROXIES the header is ignored.
    forged = {"X-Forwarded-For": "203.0.113.9"}
    via_nginx, direct = uuid.uuid4().hex, uuid.uuid4().hex
    shopper = httpx.HTTPTransport(local_address="127.0.0.2", verify=cluster.tls)
    with httpx.Client(base_url=cluster.base, transport=shopper) as c:
        assert c.get("/healthz", headers={**forged, "X-Request-ID": via_nginx}).status_code == 200
    outsider = httpx.HTTPTransport(local_address="127.0.0.3")
    with httpx.Client(transport=outsider) as c:
        url = f"http://127.0.0.1:{cluster.api_ports[0]}/healthz"
        assert c.get(url, headers={**forged, "X-Request-ID": direct}).status_code == 200
    assert api_log_client(cluster, via_nginx) == "127.0.0.2"
    assert api_log_client(cluster, direct) == "127.0.0.3"


def api_log_client(cluster: Cluster, request_id: str) -> str:
    """The client address an API process logged for this request."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in cluster.log.read_text().splitlines():
            if line.startswith("api-") and f"request_id={request_id}" in line:
                return line.split("client=", 1)[1].split()[0]
        time.sleep(0.2)
    raise AssertionError(f"no API log line for request {request_id}")
