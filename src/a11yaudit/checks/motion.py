"""Motion checks on the `motion` artifact (gather/gatherers/motion.py: the animations running on the rendered page):
moving or blinking content that cannot be paused (2.2.2, F16/F47) and flashing faster than three times a second
(2.3.1, G19). Pure functions of the artifact and the DOM."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED
from ..rules.registry import Verdict, check

# Properties whose animation moves content (scrolling tickers, sliding text) …
MOVING = {"transform", "translate", "left", "right", "top", "bottom", "marginLeft", "marginRight", "marginTop",
          "textIndent", "backgroundPosition", "backgroundPositionX", "backgroundPositionY", "scrollLeft"}
# … and whose animation makes it blink or flash (switching between two looks).
BLINKING = {"opacity", "visibility", "color", "backgroundColor", "background", "display", "filter", "outlineColor",
            "borderColor", "boxShadow"}
# A control that pauses, stops or hides motion (G4): its text, label or title says so.
PAUSE_WORDS = re.compile(r"停止|一時停止|止める|とめる|ストップ|ポーズ|再生|動きを|アニメーション|pause|stop|play|freeze", re.I)
LIMIT_MS = 5000          # 2.2.2: more than five seconds
FLASH_PERIOD_MS = 1000 / 3   # 2.3.1: more than three flashes in any one second


def _total_ms(a: dict) -> float:
    return float("inf") if a.get("iterations", 1) < 0 else a.get("duration", 0) * a.get("iterations", 1) + \
        a.get("delay", 0)


def _animations(ctx):
    data = ctx.artifacts.get("motion") or {}
    if data.get("error") and "animations" not in data:
        raise RuntimeError(f"motion facts could not be gathered: {data['error']}")
    for a in data.get("animations") or []:
        el = ctx.by_nid.get(str(a.get("nid"))) if a.get("nid") else None
        if el is None or ctx.is_hidden(el):
            continue
        props = set(a.get("props") or [])
        yield a, el, props


def _pause_control(ctx) -> str | None:
    """The text of a control on the page that says it pauses or stops motion, or None."""
    for el in ctx.soup.select("button, a[href], input[type=button], input[type=checkbox], [role=button], "
                              "[role=switch]"):
        words = " ".join(filter(None, [el.get_text(" ", strip=True), el.get("aria-label"), el.get("title"),
                                       el.get("value"), el.get("alt")]))
        if PAUSE_WORDS.search(words) and not ctx.is_hidden(el):
            return words[:40]
    return None


@check("motion_pause")
def motion_pause(ctx, rule):
    """2.2.2 (F16): an animation of visible content that starts by itself and runs more than 5 seconds. A ticker —
    text of a sentence's length moved without end — with no control on the page that could pause it fails; other
    moving or blinking content, or a page with such a control, is a review item."""
    control = None
    looked = False
    for a, el, props in _animations(ctx):
        moves, blinks = props & MOVING, props & BLINKING
        if not (moves or blinks) or _total_ms(a) <= LIMIT_MS:
            continue
        text_len = a.get("textLength", 0)
        if not text_len and a.get("width", 0) * a.get("height", 0) < 10000:
            continue                   # a small icon or spinner without text
        if not looked:
            control, looked = _pause_control(ctx), True
        endless = a.get("iterations", 1) < 0
        seconds = "∞" if endless else f"{_total_ms(a) / 1000:.0f}"
        what = (a.get("text") or "")[:40]
        if endless and moves and text_len >= 8 and control is None:
            yield Verdict(FAILED, el, variant="ticker", what=what, seconds=seconds)
        else:
            yield Verdict(CANT_TELL, el, variant="review", what=what or el.name, seconds=seconds,
                          control=control or "なし")


@check("flash_rate")
def flash_rate(ctx, rule):
    """2.3.1 (G19): a looks-switching animation whose cycle is shorter than a third of a second flashes more than
    three times a second. Whether it exceeds the general and red flash thresholds (area, luminance) needs a person:
    always a review item, with the rate."""
    for a, el, props in _animations(ctx):
        if not props & BLINKING or a.get("duration", 0) <= 0 or _total_ms(a) < 1000:
            continue
        if a["duration"] < FLASH_PERIOD_MS:
            yield Verdict(CANT_TELL, el, rate=f"{1000 / a['duration']:.1f}",
                          area=f"{a.get('width', 0)}×{a.get('height', 0)}")
