"""Sentry: an induced error in the API and in a worker task each reaches a fake Sentry ingest
server (real envelopes over HTTP) with the request / task id, and no personal data."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato.platform.config import Settings
from mercato.worker.celery_app import build_celery, queue_name
from tests.e2e.test_run_script import free_port
from tests.fakes.sentry_server import SentryServer
from tests.fakes.sentry_server import sentry_server as sentry_server  # the fixture
from tests.integration.ops.procs import MERCATO, Processes, base_env, get, run_mercato, wait_answers

PERSONAL = [
    b"jane.doe@example.com",
    b"jane.doe%40example.com",
    b"4242 4242 4242 4242",
    b"4242424242424242",
    b"12 Secret Street",
    b"12+Secret+Street",
    b"s3cr3t-cookie-value",
    b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJl",
]


@pytest.fixture
def stack(tmp_path: Path, sentry_server: SentryServer) -> Iterator[tuple[Processes, int]]:
    env = base_env(
        tmp_path / "var",
        MERCATO_SENTRY_DSN=sentry_server.dsn,
        MERCATO_OBSERVABILITY__SENTRY_RELEASE="mercato@test-release",
        MERCATO_ENV="test",
        MERCATO_WORKER__EXTRA_IMPORTS='["tests.integration.ops.boom_tasks"]',
        MERCATO_WORKER__CONCURRENCY="1",
    )
    run_mercato(env, "db", "upgrade")
    procs = Processes(tmp_path, env)
    port = free_port()
    try:
        api = ["tests.integration.ops.boom_app:create", "--factory", "--port", str(port)]
        procs.start("api", [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", *api])
        procs.start("worker", [MERCATO, "worker"])
        wait_answers(f"http://127.0.0.1:{port}/healthz", procs)
        yield procs, port
    finally:
        procs.stop()


def _assert_no_personal_data(server: SentryServer) -> None:
    for body in server.raw():
        for secret in PERSONAL:
            at = body.find(secret)
            assert at < 0, f"{secret!r} reached Sentry: …{body[max(at - 600, 0) : at + 100]!r}…"


@pytest.mark.timeout(300)
def test_api_and_task_errors_reach_sentry_without_personal_data(
    stack: tuple[Processes, int], sentry_server: SentryServer, tmp_path: Path
) -> None:
    _procs, port = stack
    status, body = get(
        f"http://127.0.0.1:{port}/boom?email=jane.doe%40example.com&street=12+Secret+Street",
        headers={
            "X-Test-Card": "4242 4242 4242 4242",
            "X-Request-ID": "req-sentry-test-1",
            "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJl",
            "Cookie": "mercato_session=s3cr3t-cookie-value",
        },
    )
    assert status == 500, body
    api_event = sentry_server.wait_for(
        lambda e: (e.get("tags") or {}).get("request_id") == "req-sentry-test-1"
    )
    assert api_event["release"] == "mercato@test-release"
    assert api_event["environment"] == "test"
    assert api_event["tags"]["component"] == "api"
    values = api_event["exception"]["values"]
    assert values[-1]["type"] == "RuntimeError"
    assert "induced failure for" in values[-1]["value"]
    headers = {k.lower(): v for k, v in (api_event.get("request", {}).get("headers") or {}).items()}
    assert headers.get("authorization", "[Filtered]") == "[Filtered]"
    assert headers.get("cookie", "[Filtered]") == "[Filtered]"

    settings = Settings(data_dir=tmp_path / "var")
    task_id = str(uuid.uuid4())
    app = build_celery(settings)
    try:
        app.send_task(
            "tests.ops.boom",
            args=["jane.doe@example.com"],
            task_id=task_id,
            queue=queue_name(settings, "default"),
        )
    finally:
        app.close()
    task_event = sentry_server.wait_for(
        lambda e: (e.get("tags") or {}).get("task_id") == task_id, timeout=120
    )
    assert task_event["tags"]["task_name"] == "tests.ops.boom"
    assert task_event["tags"]["component"] == "worker"
    assert "induced task failure" in json.dumps(task_event["exception"])
    _assert_no_personal_data(sentry_server)
