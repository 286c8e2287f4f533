"""Recall fixtures: barriers our own rules used to miss (issue 20) — key-handler keyboard traps, focus indicators that
change too little to see, horizontal scrolling inside scroll containers — each next to the allowed or correct variant
that must not be reported. Real Chromium, real axe-core, the gate's real rendering of local files."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "recall"
PAGES = sorted(p.name for p in FIXTURES.glob("*.html"))


@pytest.fixture(scope="module")
def gated(cli):
    """One gate run over every recall page, PC and smartphone: {(page, viewport, rule, outcome): {selectors}}."""
    proc = cli("gate", *[f"tests/fixtures/recall/{p}" for p in PAGES], "--format", "json", "--fail-on", "none",
               timeout=400)
    data = json.loads(proc.stdout)
    got = defaultdict(set)
    for f in data["new"] + data["let_through"]:
        got[(f["url"].rsplit("/", 1)[-1], f["viewport"], f["rule"], f["outcome"])].add(f["selector"])
    return got


def _show(got, page):
    return {k: v for k, v in got.items() if k[0] == page}


def test_horizontal_scrolling_inside_scroll_containers(gated):
    """1.4.10 inside overflow:auto boxes at 320 CSS px, where the page itself does not scroll sideways: running text
    that does not wrap and a form field wider than its box fail; a data table and code may scroll (not reported); a
    tab bar or a row of news cards scrolled sideways is a candidate; content that is hidden and only widens scrollWidth is not counted."""
    page = "reflow-scroll-containers.html"
    for vp in ("pc", "sp"):
        assert gated[(page, vp, "LY02", "failed")] == {"#notice", "#search"}, _show(gated, page)
        assert gated[(page, vp, "LY02", "cantTell")] == {"#tabs", "#cards"}, _show(gated, page)


def test_keyboard_traps_made_by_key_handlers(gated):
    """2.1.2 with real key presses: a keydown handler that cancels every Tab traps focus (failed, although the page
    has key handlers); one that cancels Tab only forwards, and one that opens a window on a key press, are
    candidates; a handler that moves focus on by itself is no trap. A focusout handler that pulls focus back to the
    last field of the page (a validation check) is a trap: leaving the last element is tried too."""
    page = "keyboard-trap-keys.html"
    assert gated[(page, "pc", "KB01", "failed")] == {"#name"}, _show(gated, page)
    assert gated[(page, "pc", "KB01", "cantTell")] == {"#kana", "#mail"}, _show(gated, page)
    page = "keyboard-trap-refocus.html"
    assert gated[(page, "pc", "KB01", "failed")] == {"#zip"}, _show(gated, page)


def test_focus_indicators_judged_by_pixels(gated):
    """2.4.7 from screenshots before and after focus: a 1 px dotted outline in a colour close to the background, and a
    border that gets 1 px thinner while a 1 px outline of its colour takes the lost pixel, change nothing one can
    see (failed, although the computed style changed); a thin faint-grey line and text turning bold are small but
    real (cantTell, never failed); a 2 px ring, a ring drawn 10 px away, a 1 px black outline and a marker drawn by ::after are visible (not reported: the ::after marker was a false
    failure of the style comparison); an iframe without anything focusable carries no indicator (inapplicable)."""
    page = "focus-faint.html"
    assert gated[(page, "pc", "KB02", "failed")] == {"#dotted", "#shift"}, _show(gated, page)
    assert gated[(page, "pc", "KB02", "cantTell")] == {"#thin", "#bold"}, _show(gated, page)
