"""The weather and social-feed endpoints against fake Open-Meteo and Mastodon servers on loopback.

Real HTTP all the way: the API's providers go through the shared outbound client (SSRF guard,
timeouts, breaker, cache) to the fakes, which speak the providers' wire formats. A provider that
fails or times out degrades the answer (200, `available: false`, one warning), never a 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.bootstrap import build_container
from mercato.main import create_app
from mercato.platform.http import reset_breakers
from tests.conftest import make_settings
from tests.fakes.mastodon import FakeMastodon, fake_mastodon, status
from tests.fakes.open_meteo import FakeOpenMeteo, fake_open_meteo
from tests.fakes.scripted_http import canary

WEATHER = "/api/v1/integrations/weather"
FEED = "/api/v1/integrations/social-feed"


@pytest.fixture(autouse=True)
def _fresh_breakers() -> Iterator[None]:
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture
def meteo() -> Iterator[FakeOpenMeteo]:
    with fake_open_meteo() as fake:
        yield fake


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with fake_mastodon() as fake:
        yield fake


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Api:
    """An app built with the given settings, reached through ASGI."""

    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.db_url, self.tmp_path = db_url, tmp_path
        self.logs = Records()

    def events(self, name: str) -> list[logging.LogRecord]:
        """Our structlog events reach the standard library as records whose msg is the dict."""
        return [
            r for r in self.logs.records if isinstance(r.msg, dict) and r.msg.get("event") == name
        ]

    async def start(self, **overrides: Any) -> httpx.AsyncClient:
        outbound = {
            "allowed_private_hosts": ["127.0.0.1"],
            "retries": 0,
            "read_timeout_seconds": 0.5,
            "breaker_failures": 2,
            "breaker_reset_seconds": 60,
        }
        outbound.update(overrides.pop("outbound", {}))
        settings = make_settings(self.db_url, self.tmp_path, outbound=outbound, **overrides)
        self.container = build_container(settings)
        app = create_app(settings, self.container)
        logging.getLogger().addHandler(self.logs)  # create_app reset the root handlers
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return self.client

    async def close(self) -> None:
        logging.getLogger().removeHandler(self.logs)
        await self.client.aclose()
        await self.container.aclose()


@pytest.fixture
async def api(db_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    holder = Api(db_url, tmp_path)
    yield holder
    if hasattr(holder, "client"):
        await holder.close()


def _meteo(fake: FakeOpenMeteo, **extra: Any) -> dict[str, Any]:
    return {"integrations": {"weather_provider": "open-meteo", "open_meteo_url": fake.url, **extra}}


def _masto(fake: FakeMastodon, **extra: Any) -> dict[str, Any]:
    return {
        "integrations": {"social_provider": "mastodon", "mastodon_instance_url": fake.url, **extra}
    }


# ------------------------------------------------------------------------------ weather


async def test_a_storm_at_the_address_means_delivery_may_be_delayed(
    api: Api, meteo: FakeOpenMeteo
) -> None:
    meteo.weather[(53.55, 9.99)] = {
        "wind_speed_10m_max": [30.0, 81.0, 20.0],
        "wind_gusts_10m_max": [50.0, 120.0, 35.0],
        "weather_code": [3, 63, 2],
    }
    client = await api.start(**_meteo(meteo))
    r = await client.get(WEATHER, params={"country": "DE", "postal_code": "20095"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["available"] is True
    assert body["source"] == "open-meteo"
    assert body["location"] == {
        "latitude": 53.55,
        "longitude": 9.99,
        "city": "Hamburg",
        "country": "DE",
        "approximate": False,
    }
    assert body["delivery_may_be_delayed"] is True
    assert body["hazards"] == ["storm"]
    assert [d["hazards"] for d in body["days"]] == [[], ["storm"], []]
    assert [d["summary"] for d in body["days"]] == ["Overcast", "Rain", "Partly cloudy"]
    assert "Hamburg" in body["message"]
    assert "delayed" in body["message"]
    sent = meteo.requests[0]
    assert (sent["latitude"], sent["longitude"]) == ("53.5500", "9.9900")
    assert (sent["timezone"], sent["forecast_days"]) == ("auto", "3")
    assert set(sent["daily"].split(",")) >= {
        "weather_code",
        "precipitation_sum",
        "wind_speed_10m_max",
    }


async def test_calm_weather_by_coordinates_gives_no_notice_and_is_cached(
    api: Api, meteo: FakeOpenMeteo
) -> None:
    client = await api.start(**_meteo(meteo))
    for _ in range(3):
        r = await client.get(WEATHER, params={"lat": "48.1372", "lon": "11.5755"})
        assert r.status_code == 200
        body = r.json()
        assert body["available"] is True
        assert body["delivery_may_be_delayed"] is False
        assert body["message"] is None
        assert body["location"]["latitude"] == 48.14
    assert len(meteo.requests) == 1  # the outbound client's cache answered the others


async def test_heavy_snow_and_thunderstorms_from_wmo_codes(api: Api, meteo: FakeOpenMeteo) -> None:
    meteo.weather[(59.33, 18.07)] = {"weather_code": [75, 95, 0], "snowfall_sum": [14.0, 0, 0]}
    client = await api.start(**_meteo(meteo))
    body = (await client.get(WEATHER, params={"country": "SE", "city": "Stockholm"})).json()
    assert body["hazards"] == ["thunderstorm", "heavy_snow"]
    assert body["days"][0]["hazards"] == ["heavy_snow"]


async def test_a_timing_out_provider_degrades_opens_the_breaker_and_warns_once(
    api: Api, meteo: FakeOpenMeteo
) -> None:
    meteo.delay = 2.0
    client = await api.start(**_meteo(meteo))
    for i in range(4):
        r = await client.get(WEATHER, params={"lat": "52.52", "lon": str(13.4 + i / 100)})
        assert r.status_code == 200
        assert r.json()["available"] is False
        assert r.json()["delivery_may_be_delayed"] is False
        assert r.json()["days"] == []
    # two timeouts opened the breaker; the next calls failed fast without reaching the fake
    assert len(meteo.requests) == 2
    assert api.container.integrations.weather.name == "open-meteo"
    warnings = api.events("integrations.degraded")
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert len(api.events("outbound.circuit_opened")) == 1


async def test_a_failing_provider_degrades_and_recovers(api: Api, meteo: FakeOpenMeteo) -> None:
    meteo.fail_status = 500
    client = await api.start(**_meteo(meteo), outbound={"breaker_failures": 10})
    r = await client.get(WEATHER, params={"lat": "40.42", "lon": "-3.70"})
    assert r.status_code == 200
    assert r.json()["available"] is False
    assert r.headers["cache-control"] == "no-store"  # a degraded answer is never kept
    meteo.fail_status = None
    r = await client.get(WEATHER, params={"lat": "40.42", "lon": "-3.70"})
    assert r.json()["available"] is True


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254", "http://localhost:{port}", "http://0x7f000001:{port}"]
)
async def test_a_provider_url_pointing_inside_is_refused_and_degrades(api: Api, url: str) -> None:
    with canary() as bird:
        target = url.format(port=bird.port)
        client = await api.start(
            integrations={"weather_provider": "open-meteo", "open_meteo_url": target},
            outbound={"allowed_private_hosts": []},
        )
        r = await client.get(WEATHER, params={"lat": "1", "lon": "1"})
        assert r.status_code == 200
        assert r.json()["available"] is False
    assert bird.connections == 0


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "location_required"),
        ({"lat": "10"}, 422, "location_required"),
        ({"postal_code": "20095"}, 422, "location_required"),
        ({"lat": "91", "lon": "0"}, 422, "validation_error"),
        ({"lat": "nan", "lon": "0"}, 422, "validation_error"),
        ({"country": "Germany"}, 422, "validation_error"),
        ({"country": "JP", "postal_code": "100-0001"}, 404, "unknown_location"),
    ],
)
async def test_bad_weather_queries_are_clear_4xx(
    api: Api, params: dict[str, str], status: int, code: str
) -> None:
    client = await api.start()
    r = await client.get(WEATHER, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


async def test_fixtures_are_the_default_and_show_a_storm_in_hamburg(api: Api) -> None:
    client = await api.start()
    stormy = (await client.get(WEATHER, params={"country": "DE", "postal_code": "20095"})).json()
    assert stormy["source"] == "fixtures"
    assert stormy["delivery_may_be_delayed"] is True
    assert "storm" in stormy["hazards"]
    calm = (await client.get(WEATHER, params={"country": "DE", "postal_code": "10115"})).json()
    assert calm["location"]["city"] == "Berlin"
    assert calm["delivery_may_be_delayed"] is False


# ------------------------------------------------------------------------------ social feed

HOSTILE = (
    '<p>Great shop<img src="https://tracker.example/p.gif?id=1" width="1">'
    "<script>alert(document.cookie)</script>"
    '<a href="javascript:alert(1)" onclick="x()">click</a> '
    '<a href="https://social.example/tags/mercatoshop" class="mention hashtag" style="color:red">'
    "#mercatoshop</a></p>"
)


async def test_the_feed_comes_from_the_hashtag_timeline_sanitised(
    api: Api, mastodon: FakeMastodon
) -> None:
    mastodon.statuses = [
        status(1, "<p>First &amp; oldest</p>"),
        status(2, HOSTILE, user="mallory"),
        status(3, "<p>Not for us</p>", tags=("othertag",)),
        status(4, "<p>Unlisted</p>", visibility="unlisted"),
        status(5, "<p>CW</p>", spoiler_text="spoilers", sensitive=True),
        status(6, "<p>Boost</p>", reblog={"id": "1"}),
        status(7, "<p>Newest<br>post</p>", user="bob", host="other.example"),
    ]
    mastodon.statuses[-1]["account"]["acct"] = "bob@other.example"
    client = await api.start(**_masto(mastodon))
    r = await client.get(FEED, params={"limit": "5"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["available"] is True
    assert body["source"] == "mastodon"
    assert body["hashtag"] == "mercatoshop"
    assert body["next_cursor"] is None
    assert [p["content_text"] for p in body["items"]] == [
        "Newest\npost",
        "Great shopclick #mercatoshop",  # the image between the words is gone
        "First & oldest",
    ]
    newest, hostile, _ = body["items"]
    assert newest["author"] == {
        "name": "Bob",
        "handle": "bob@other.example",
        "url": "https://other.example/@bob",
    }
    cleaned = hostile["content_html"]
    for bad in ("<img", "<script", "alert", "javascript:", "onclick", "style=", "class="):
        assert bad not in cleaned
    assert 'href="https://social.example/tags/mercatoshop"' in cleaned
    assert 'rel="nofollow noopener noreferrer"' in cleaned
    assert hostile["author"]["handle"] == "mallory@social.example"
    path, query, _headers = mastodon.requests[0]
    assert path == "/api/v1/timelines/tag/mercatoshop"
    assert query["limit"] == "10"


async def test_the_feed_pages_with_the_instance_max_id(api: Api, mastodon: FakeMastodon) -> None:
    mastodon.statuses = [status(i, f"<p>post {i}</p>") for i in range(1, 6)]
    mastodon.statuses[2]["spoiler_text"] = "cw"  # post 3 is skipped wherever it falls
    client = await api.start(**_masto(mastodon))
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        r = await client.get(FEED, params=params)
        assert r.status_code == 200, r.text
        seen += [p["content_text"] for p in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["post 5", "post 4", "post 2", "post 1"]
    assert cursor is None
    assert all(q["limit"] == "4" for _, q, _ in mastodon.requests)
    assert "max_id" in mastodon.requests[1][1]


async def test_an_instance_that_needs_a_token_gets_it(api: Api, mastodon: FakeMastodon) -> None:
    mastodon.require_token = "tok-123"
    mastodon.statuses = [status(1, "<p>Hello</p>")]
    client = await api.start(**_masto(mastodon, mastodon_access_token="tok-123"))
    body = (await client.get(FEED)).json()
    assert [p["content_text"] for p in body["items"]] == ["Hello"]


async def test_a_down_or_refusing_instance_hides_the_feed(api: Api, mastodon: FakeMastodon) -> None:
    mastodon.require_token = "needed"  # 401: an answer, but not a usable one
    client = await api.start(**_masto(mastodon))
    body = (await client.get(FEED)).json()
    assert body["available"] is False
    assert body["items"] == []
    assert len(api.events("integrations.degraded")) == 1
    mastodon.require_token = None
    mastodon.fail_status = 503
    r = await client.get(FEED)
    assert r.status_code == 200
    assert r.json()["available"] is False
    assert len(api.events("integrations.degraded")) == 1  # still the same outage


async def test_a_timing_out_instance_degrades_and_its_breaker_opens(
    api: Api, mastodon: FakeMastodon
) -> None:
    mastodon.delay = 2.0
    client = await api.start(**_masto(mastodon, social_cache_seconds=0))
    for _ in range(4):
        r = await client.get(FEED)
        assert r.status_code == 200
        assert r.json() == {
            "available": False,
            "source": "mastodon",
            "hashtag": "mercatoshop",
            "items": [],
            "next_cursor": None,
        }
    assert len(mastodon.requests) == 2


async def test_the_fixture_feed_is_the_default_and_is_clean(api: Api) -> None:
    client = await api.start()
    body = (await client.get(FEED)).json()
    assert body["source"] == "fixtures"
    assert body["available"] is True
    assert 1 <= len(body["items"]) <= 6
    handles = [p["author"]["handle"] for p in body["items"]]
    assert "marie@piaille.fr" not in handles  # content warning
    assert "olle@mastodon.nu" not in handles  # unlisted
    assert "kai@mastodon.social" not in handles  # a boost
    for post in body["items"]:
        html = post["content_html"]
        for bad in ("<img", "<script", "javascript:"):
            assert bad not in html
        assert post["url"].startswith("https://")
    for bad in ({"limit": "21"}, {"limit": "0"}, {"cursor": "../etc"}):
        r = await client.get(FEED, params=bad)
        assert r.status_code == 422
