"""Social post sanitising (an XSS corpus) and the providers' wire-format parsers."""

from __future__ import annotations

import pytest

from mercato.integrations.providers.mastodon import parse_status
from mercato.integrations.providers.open_meteo import parse_forecast
from mercato.integrations.sanitize import clean_html, plain_text
from mercato.platform.http import ProviderResponseError
from tests.fakes.mastodon import status

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://tracker.example/pixel.gif" width="1" height="1">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<a href="https://ok.example" onmouseover="alert(1)" style="position:fixed">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<style>body{display:none}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<form action="https://evil.example"><input name="p"></form>',
    "<body onload=alert(1)>",
    '<div onpointerenter="alert(1)">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="https://ok.example" target="_blank">x</a>',
    '<base href="https://evil.example/">',
    '<video><source onerror="alert(1)"></video>',
    "<details open ontoggle=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    '<p><a href="//evil.example">protocol-relative</a></p>',
]
FORBIDDEN = (
    "<script",
    "<img",
    "<svg",
    "<iframe",
    "<object",
    "<embed",
    "<style",
    "<link",
    "<meta",
    "<form",
    "<input",
    "<base",
    "<video",
    "<details",
    "javascript:",
    "vbscript:",
    "data:",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "ontoggle",
    "onpointerenter",
    "style=",
    "target=",
)


@pytest.mark.parametrize("payload", XSS)
def test_the_xss_corpus_comes_out_harmless(payload: str) -> None:
    cleaned = clean_html(payload).lower()
    for bad in FORBIDDEN:
        assert bad not in cleaned, (payload, cleaned)
    for anchor in cleaned.split("<a ")[1:]:
        assert 'rel="nofollow noopener noreferrer"' in anchor
        href = anchor.split('href="')[1].split('"')[0] if 'href="' in anchor else ""
        assert href == "" or href.startswith(("https://", "http://")), anchor
    assert "alert(1)</" not in plain_text(payload)  # script bodies are dropped, not shown


def test_mastodon_markup_keeps_paragraphs_breaks_and_links() -> None:
    raw = (
        '<p>Hello <span class="h-card"><a href="https://m.example/@a" class="u-url mention">'
        '@<span>a</span></a></span><br>see <a href="https://example.com/x" rel="nofollow '
        'noopener noreferrer" target="_blank"><span class="invisible">https://</span>'
        '<span class="">example.com/x</span></a></p><p>2nd &amp; last</p>'
    )
    assert clean_html(raw) == (
        '<p>Hello <a href="https://m.example/@a" rel="nofollow noopener noreferrer">@a</a><br>'
        'see <a href="https://example.com/x" rel="nofollow noopener noreferrer">'
        "https://example.com/x</a></p><p>2nd &amp; last</p>"
    )
    assert plain_text(raw) == "Hello @a\nsee https://example.com/x\n2nd & last"


def test_a_status_maps_to_our_post_and_what_we_never_show_is_dropped() -> None:
    post = parse_status(status(3, "<p>Hi</p>", user="ana", host="m.example"))
    assert post is not None
    assert (post.author_handle, post.author_url) == ("ana@m.example", "https://m.example/@ana")
    assert post.created_at.tzinfo is not None
    assert parse_status(status(1, "x", reblog={"id": "9"})) is None
    assert parse_status(status(1, "x", visibility="private")) is None
    assert parse_status(status(1, "x", url="javascript:alert(1)", uri="x")) is None
    assert parse_status({"id": "1"}) is None
    assert parse_status("not a status") is None


def test_open_meteo_columns_become_days_and_odd_answers_are_errors() -> None:
    forecast = parse_forecast(
        {
            "latitude": 52.52,
            "longitude": 13.42,
            "timezone": "Europe/Berlin",
            "daily": {
                "time": ["2026-12-02", "2026-12-03"],
                "weather_code": [95, 3],
                "precipitation_sum": [12.5, None],
                "wind_speed_10m_max": [40.1, 12.0],
            },
        }
    )
    assert forecast.timezone == "Europe/Berlin"
    assert [(d.weather_code, d.precipitation_mm, d.wind_gusts_max_kmh) for d in forecast.days] == [
        (95, 12.5, None),
        (3, 0.0, None),
    ]
    bad = [
        {"error": True, "reason": "Cannot initialize WeatherVariable from invalid String value x"},
        {"latitude": 1, "longitude": 2},
        {"latitude": 1, "longitude": 2, "daily": {"time": ["2026-12-02"], "weather_code": []}},
        {"latitude": 1, "longitude": 2, "daily": {"time": ["yesterday"], "weather_code": [1]}},
        [],
    ]
    for answer in bad:
        with pytest.raises(ProviderResponseError):
            parse_forecast(answer)
