"""Requests are recorded in the metrics at the end of their event-loop turn, in one increment per
child, and the result is exactly what recording each request at once would give."""

from __future__ import annotations

import asyncio
import random

from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from mercato.platform.metrics import _observe_many, exposition, observe_request

ROUTE = "/test/metrics-batching"


def _requests(status_class: str = "2xx") -> float:
    labels = {"method": "GET", "route": ROUTE, "status_class": status_class}
    return REGISTRY.get_sample_value("mercato_http_requests_total", labels) or 0.0


def _duration_count() -> float:
    labels = {"method": "GET", "route": ROUTE}
    return REGISTRY.get_sample_value("mercato_http_request_duration_seconds_count", labels) or 0.0


def test_many_observations_at_once_equal_one_observe_each() -> None:
    buckets = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
    one_by_one, batched = CollectorRegistry(), CollectorRegistry()
    first = Histogram("h", "h", buckets=buckets, registry=one_by_one)
    second = Histogram("h", "h", buckets=buckets, registry=batched)
    rng = random.Random(7)
    values = [rng.choice([0.0, 0.005, 0.01, 10.0, 11.0]) for _ in range(20)]
    values += [rng.uniform(0, 12) for _ in range(200)]
    for value in values:
        first.observe(value)
    _observe_many(second, values)
    samples = [(s.name, s.labels, s.value) for m in one_by_one.collect() for s in m.samples]
    again = [(s.name, s.labels, s.value) for m in batched.collect() for s in m.samples]
    assert len(samples) == len(again) == 2 + len(buckets) + 2  # buckets, +Inf, count, sum, created
    for (name, labels, value), (name2, labels2, value2) in zip(samples, again, strict=True):
        assert (name, labels) == (name2, labels2)
        if name.endswith("_created"):
            continue
        assert abs(value - value2) < 1e-9, name


async def test_requests_of_a_turn_are_recorded_when_the_turn_ends() -> None:
    before = (_requests(), _requests("4xx"), _duration_count())
    for status in (200, 200, 201, 404):
        observe_request("GET", ROUTE, status, 0.001)
    assert (_requests(), _requests("4xx"), _duration_count()) == before
    await asyncio.sleep(0)
    assert (_requests(), _requests("4xx"), _duration_count()) == (
        before[0] + 3,
        before[1] + 1,
        before[2] + 4,
    )


async def test_the_exposition_includes_the_requests_of_this_turn() -> None:
    observe_request("GET", ROUTE, 200, 0.001)
    count = _requests()
    text = exposition().decode()
    line = f'mercato_http_requests_total{{method="GET",route="{ROUTE}",status_class="2xx"}}'
    assert f"{line} {count + 1}" in text


def test_outside_an_event_loop_a_request_is_recorded_at_once() -> None:
    before = _requests()
    observe_request("GET", ROUTE, 200, 0.001)
    assert _requests() == before + 1


def test_requests_left_by_a_loop_that_stopped_are_recorded_with_the_next() -> None:
    before = _requests()

    async def request() -> None:
        observe_request("GET", ROUTE, 200, 0.001)

    loop = asyncio.new_event_loop()
    task = loop.create_task(request())
    loop.call_soon(loop.stop)  # runs before the turn that would record it
    loop.run_forever()
    loop.close()
    assert task.done()
    assert _requests() == before
    observe_request("GET", ROUTE, 200, 0.001)  # outside a loop: both recorded now
    assert _requests() == before + 2
