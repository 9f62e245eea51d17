"""The monitoring stack against a running shop: the API (two processes), a prefork worker and
the scheduler, started as real processes.

- the API's /metrics sums both API processes exactly (multiprocess mode);
- a real Prometheus (Debian's package) scrapes the API, the worker and the scheduler, and its HTTP
  API returns the request counter;
- every metric a Grafana dashboard or an alert rule names is exported by one of them (no drift);
- every log line of every process is one JSON object with the fields and the types that the
  Elasticsearch index template (deploy/elk/index-template.json) declares;
- `mercato worker-health` reports each dependency and the worker's own endpoint.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from tests.e2e.test_run_script import free_port
from tests.integration.ops.procs import MERCATO, Processes, base_env, get, run_mercato, wait_answers

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"
HEALTHZ_REQUESTS = 20


@dataclass
class Stack:
    procs: Processes
    api: str
    worker_metrics: str
    scheduler_metrics: str
    data_dir: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    api_port, worker_port, scheduler_port = free_port(), free_port(), free_port()
    env = base_env(
        tmp / "var",
        MERCATO_WORKER__METRICS_PORT=str(worker_port),
        MERCATO_WORKER__METRICS_HOST="127.0.0.1",
        MERCATO_WORKER__SCHEDULER_METRICS_PORT=str(scheduler_port),
        MERCATO_WORKER__CONCURRENCY="1",
        # a periodic job every 2 s: the worker runs tasks, the task metrics fill
        MERCATO_WORKER__EXPIRE_UNPAID_ORDERS_INTERVAL_SECONDS="2",
        # DEBUG: the per-task lines (INFO demotes them for periodic jobs) are checked too
        MERCATO_LOG_LEVEL="DEBUG",
    )
    run_mercato(env, "db", "upgrade")
    procs = Processes(tmp, env)
    try:
        procs.start("api", [MERCATO, "serve", "--port", str(api_port), "--workers", "2"])
        procs.start("worker", [MERCATO, "worker"])
        procs.start("scheduler", [MERCATO, "scheduler"])
        api = f"http://127.0.0.1:{api_port}"
        wait_answers(f"{api}/readyz", procs)
        wait_answers(f"http://127.0.0.1:{worker_port}/metrics", procs)
        wait_answers(f"http://127.0.0.1:{scheduler_port}/metrics", procs)
        yield Stack(
            procs,
            api,
            f"http://127.0.0.1:{worker_port}/metrics",
            f"http://127.0.0.1:{scheduler_port}/metrics",
            tmp / "var",
        )
    finally:
        procs.stop()


def scrape(url: str) -> str:
    status, body = get(url)
    assert status == 200, body[:500]
    return body.decode()


def sample(text: str, name: str, labels: dict[str, str]) -> float | None:
    """The sum of the samples of `name` whose labels include `labels` (None: no such sample)."""
    total = None
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit(" ", 1)[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total = (total or 0.0) + float(line.rsplit(" ", 1)[1])
    return total


def wait_for_sample(url: str, name: str, labels: dict[str, str], timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = sample(scrape(url), name, labels)
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{name}{labels} never appeared on {url}")


@pytest.mark.timeout(900)
def test_api_metrics_count_every_process_and_use_route_templates(stack: Stack) -> None:
    for _ in range(HEALTHZ_REQUESTS):  # new connections: both API processes answer some
        assert get(f"{stack.api}/healthz")[0] == 200
    assert get(f"{stack.api}/api/v1/products/no-such-product-xyz")[0] == 404
    product = {"route": "/api/v1/products/{slug}", "status_class": "4xx"}
    # A request is counted once its answer has gone out (the middleware's `finally`), so a
    # scrape on another connection can come a moment before it: scrape again, briefly.
    deadline = time.monotonic() + 5
    text = scrape(f"{stack.api}/metrics")
    while sample(text, "mercato_http_requests_total", product) is None:
        assert time.monotonic() < deadline, "the 404 was never counted"
        time.sleep(0.05)
        text = scrape(f"{stack.api}/metrics")
    healthz = {"route": "/healthz", "method": "GET", "status_class": "2xx"}
    assert sample(text, "mercato_http_requests_total", healthz) == HEALTHZ_REQUESTS
    assert sample(text, "mercato_http_requests_total", product) == 1
    assert "no-such-product-xyz" not in text  # templates, never raw paths
    count = sample(text, "mercato_http_request_duration_seconds_count", {"route": "/healthz"})
    assert count == HEALTHZ_REQUESTS
    pids = {p.name for p in stack.data_dir.joinpath("metrics").glob("api-*")}
    assert len(pids) == 1  # one directory for this `mercato serve`, shared by its processes


@pytest.mark.timeout(900)
def test_prometheus_scrapes_the_api_the_worker_and_the_scheduler(
    stack: Stack, tmp_path: Path
) -> None:
    assert shutil.which("prometheus"), "run `make prometheus` (Debian's prometheus package)"
    for _ in range(3):
        get(f"{stack.api}/api/v1/products")
    api_host = urllib.parse.urlsplit(stack.api).netloc
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(DEPLOY / "prometheus" / "rules" / "mercato.yml")],
        "scrape_configs": [
            {"job_name": "mercato-api", "static_configs": [{"targets": [api_host]}]},
            {
                "job_name": "mercato-worker",
                "static_configs": [
                    {"targets": [urllib.parse.urlsplit(stack.worker_metrics).netloc]}
                ],
            },
            {
                "job_name": "mercato-scheduler",
                "static_configs": [
                    {"targets": [urllib.parse.urlsplit(stack.scheduler_metrics).netloc]}
                ],
            },
        ],
    }
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.console.templates=",
            "--web.console.libraries=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1/query?query="

        def query(promql: str) -> list[dict[str, Any]]:
            status, body = get(base + urllib.parse.quote(promql))
            if status == 503:  # still starting
                raise OSError("prometheus not ready")
            assert status == 200, body
            result: list[dict[str, Any]] = json.loads(body)["data"]["result"]
            return result

        deadline = time.monotonic() + 180
        up: list[dict[str, Any]] = []
        requests: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "prometheus.log").read_text())
            try:
                up = query("up == 1")
                requests = query(
                    'sum(mercato_http_requests_total{job="mercato-api",route="/api/v1/products"})'
                )
                tasks = query('sum(mercato_tasks_total{job="mercato-worker",outcome="success"})')
            except OSError:
                time.sleep(0.5)
                continue
            jobs = {r["metric"]["job"] for r in up}
            if (
                jobs == {"mercato-api", "mercato-worker", "mercato-scheduler"}
                and requests
                and float(requests[0]["value"][1]) >= 3
                and tasks
                and float(tasks[0]["value"][1]) >= 1
            ):
                break
            time.sleep(0.5)
        assert {r["metric"]["job"] for r in up} == {
            "mercato-api",
            "mercato-worker",
            "mercato-scheduler",
        }, (tmp_path / "prometheus.log").read_text()[-3000:]
        assert requests, "no request counter in Prometheus"
        assert float(requests[0]["value"][1]) >= 3
        assert tasks, "no task counter in Prometheus"
        assert float(tasks[0]["value"][1]) >= 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)


METRIC = re.compile(r"\bmercato_[a-z0-9_]+")


def referenced_metrics() -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    sources = [*DEPLOY.joinpath("grafana", "dashboards").glob("*.json")]
    sources += [*DEPLOY.joinpath("prometheus", "rules").glob("*.yml")]
    assert len(sources) >= 4
    for path in sources:
        text = path.read_text()
        if path.suffix == ".json":
            exprs = [t["expr"] for p in json.loads(text)["panels"] for t in p.get("targets", [])]
        else:
            groups = yaml.safe_load(text)["groups"]
            exprs = [rule["expr"] for group in groups for rule in group["rules"]]
        for expr in exprs:
            for name in METRIC.findall(expr):
                refs.setdefault(name, set()).add(path.name)
    return refs


def exported_metrics(*texts: str) -> set[str]:
    names: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                name, kind = line.split()[2:4]
                names.add(name)
                if kind == "histogram":
                    names.update(f"{name}_{s}" for s in ("bucket", "count", "sum"))
                if kind == "counter" and not name.endswith("_total"):
                    names.add(name + "_total")
            elif line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


@pytest.mark.timeout(900)
def test_dashboards_and_alerts_name_only_exported_metrics(stack: Stack) -> None:
    get(f"{stack.api}/api/v1/products")
    wait_for_sample(stack.worker_metrics, "mercato_tasks_total", {"outcome": "success"})
    exported = exported_metrics(
        scrape(f"{stack.api}/metrics"),
        scrape(stack.worker_metrics),
        scrape(stack.scheduler_metrics),
    )
    refs = referenced_metrics()
    assert "mercato_http_requests_total" in refs
    assert "mercato_backup_last_success_timestamp_seconds" in refs
    missing = {name: sorted(files) for name, files in refs.items() if name not in exported}
    assert not missing, f"named in dashboards/alerts but exported by no process: {missing}"


TYPES: dict[str, tuple[type, ...]] = {
    "keyword": (str,),
    "text": (str,),
    "date": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
}
REQUIRED = ("timestamp", "level", "logger", "message", "service")


@pytest.mark.timeout(900)
def test_every_log_line_is_json_with_the_index_template_fields(stack: Stack) -> None:
    get(f"{stack.api}/api/v1/products/no-such-product-xyz")
    wait_for_sample(stack.worker_metrics, "mercato_tasks_total", {"outcome": "success"})
    time.sleep(1)  # let the processes flush the lines of what they just did
    template = json.loads((DEPLOY / "elk" / "index-template.json").read_text())
    mapping = template["template"]["mappings"]["properties"]
    seen_types: dict[str, set[str]] = {}
    lines: dict[str, list[dict[str, Any]]] = {}
    for name in ("api", "worker", "scheduler"):
        raw = [line for line in stack.procs.log(name).splitlines() if line.strip()]
        assert raw, f"{name} wrote no log line"
        parsed = []
        for line in raw:
            try:
                entry = json.loads(line)
            except ValueError:
                pytest.fail(f"{name}: not a JSON line: {line[:300]!r}")
            assert isinstance(entry, dict), line
            for field in REQUIRED:
                assert entry.get(field) not in (None, ""), f"{name}: no {field}: {line[:300]}"
            datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
            for key, value in entry.items():
                if value is None:
                    continue
                declared = mapping.get(key, {}).get("type")
                if declared in TYPES:
                    wrong = not isinstance(value, TYPES[declared]) or isinstance(value, bool)
                    assert not wrong, f"{name}: {key}={value!r} is not a {declared}: {line[:300]}"
                seen_types.setdefault(key, set()).add(
                    "number"
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else type(value).__name__
                )
            parsed.append(entry)
        lines[name] = parsed
    conflicting = {k: v for k, v in seen_types.items() if len(v) > 1}
    assert not conflicting, f"a field with two JSON types breaks the index mapping: {conflicting}"
    access = [e for e in lines["api"] if e["message"] == "request"]
    assert access, "no access log line"
    for entry in access:
        for field in ("request_id", "method", "route", "status", "duration_ms"):
            assert entry.get(field) is not None, entry
        assert "user_hash" in entry
    missing = next(e for e in access if e["path"].endswith("no-such-product-xyz"))
    assert missing["route"] == "/api/v1/products/{slug}"
    assert missing["status"] == 404
    task_lines = [e for e in lines["worker"] if e.get("task_id")]
    assert task_lines, "no worker line with a task id"
    assert all(e.get("task_name") for e in task_lines)
    assert {e["service"] for e in lines["worker"]} == {"worker"}
    assert {e["service"] for e in lines["scheduler"]} == {"scheduler"}


@pytest.mark.timeout(900)
def test_worker_health_reports_every_dependency(stack: Stack) -> None:
    env = stack.procs.env
    ok = subprocess.run(
        [MERCATO, "worker-health"], env=env, capture_output=True, text=True, timeout=300
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    body = json.loads(ok.stdout.strip().splitlines()[-1])
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(c["status"] == "ok" for c in body["checks"].values())
    assert all(isinstance(c["latency_ms"], float) for c in body["checks"].values())
    down = subprocess.run(
        [MERCATO, "worker-health", "--metrics-url", f"http://127.0.0.1:{free_port()}/"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert down.returncode == 1
    assert json.loads(down.stdout.strip().splitlines()[-1])["checks"]["worker"]["status"] == (
        "unavailable"
    )
