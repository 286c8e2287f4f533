"""Engine settings: `engine`/`grid` in sites.yaml and on the command line, and the Selenium engine's request-blocking
patterns (CDP Network.setBlockedURLs). Pure: no browser."""

from __future__ import annotations

import pytest

from a11yaudit.config import load_sites
from a11yaudit.errors import ConfigError
from a11yaudit.gather.engine import engine_overrides, make_engine
from a11yaudit.gather.selenium_engine import blocked_url_patterns

SITE = """version: 1
sites:
  - id: pref
    name: テスト県
    start_urls: ["https://www.pref.example.jp/"]
    crawl:
{crawl}
"""


def _load(crawl: str):
    return load_sites("sites.yaml", text=SITE.format(crawl=crawl)).sites[0].crawl


def test_engine_defaults_and_settings():
    crawl = _load("      max_pages: 3")
    assert (crawl.engine, crawl.grid) == ("playwright", None)
    crawl = _load("      engine: selenium\n      grid: http://grid.example.jp:4444/wd/hub")
    assert (crawl.engine, crawl.grid) == ("selenium", "http://grid.example.jp:4444/wd/hub")


@pytest.mark.parametrize("crawl, field, text", [
    ("      engine: webkit", "crawl.engine", "must be one of playwright, selenium"),
    ("      engine: selenium\n      grid: grid.example.jp:4444", "crawl.grid", "must be an http(s) URL"),
    ("      grid: http://grid.example.jp:4444", "crawl.grid", "needs `engine: selenium`"),
])
def test_engine_settings_errors_name_line_and_field(crawl, field, text):
    with pytest.raises(ConfigError) as err:
        _load(crawl)
    msg = str(err.value)
    assert "sites.yaml:" in msg and text in msg
    assert err.value.line in (7, 8)
    assert field.split(".")[-1] in msg


def test_command_line_overrides():
    assert engine_overrides(None, None) == {}
    assert engine_overrides("selenium", None) == {"engine": "selenium"}
    assert engine_overrides("playwright", None) == {"engine": "playwright", "grid": None}
    # A Grid URL implies the selenium engine.
    assert engine_overrides(None, "http://127.0.0.1:4444") == {"engine": "selenium", "grid": "http://127.0.0.1:4444"}
    for bad in ("127.0.0.1:4444", "ftp://grid", "http://:4444", "http://grid:port"):
        with pytest.raises(ConfigError, match="--grid"):
            engine_overrides("selenium", bad)
    with pytest.raises(ConfigError, match="needs the selenium engine"):
        engine_overrides("playwright", "http://127.0.0.1:4444")
    with pytest.raises(ConfigError, match="unknown engine"):
        make_engine("webkit", allowed_hosts=set(), block_resources=[])


def test_blocked_url_patterns():
    patterns, notes = blocked_url_patterns({"www.pref.example.jp"}, ["media"])
    blocked = [p["urlPattern"] for p in patterns if p["block"]]
    # The site's own host comes first, as an exception; everything else is blocked.
    assert patterns[0] == {"urlPattern": "*://www.pref.example.jp:*", "block": False}
    for p in ("file:*", "*://10.*:*", "*://192.168.*:*", "*://172.16.*:*", "*://172.31.*:*", "*://127.*:*",
              "*://localhost:*", "*://*.localhost:*", "*://169.254.*:*", "*://\\[*\\]:*", "*://*:*/*.mp4",
              "*://*:*/*.webm"):
        assert p in blocked, p
    assert "*://172.15.*:*" not in blocked and "*://172.32.*:*" not in blocked
    assert any("IPv6" in n for n in notes)
    # A site served on loopback: its own address is an exception placed before the loopback block.
    patterns, notes = blocked_url_patterns({"sample.invalid", "127.0.0.1"}, ["media", "image"])
    order = [p["urlPattern"] for p in patterns]
    assert order.index("*://127.0.0.1:*") < order.index("*://127.*:*")
    assert {"urlPattern": "*://127.0.0.1:*", "block": False} in patterns
    assert any("'image'" in n for n in notes)
    patterns, _ = blocked_url_patterns(set(), [])
    assert not any(p["urlPattern"].endswith(".mp4") for p in patterns)
