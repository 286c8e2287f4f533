"""Contrast of Japanese text under the JIS reading of "large text" (1.4.3): facts measured in the browser by
collect.js with axe-core's colour functions (dom.cjkContrast); this check only reports the delta to stock axe."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .chars import CJK

CJK_RE = re.compile(f"[{CJK}]")
_WORDLIKE = re.compile(f"[{CJK}A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@check("cjk_large_text_contrast")
def cjk_large_text_contrast(ctx, rule):
    """Text of 18–22pt (bold 14–18pt) with CJK characters and a contrast of 3:1 up to 4.5:1: axe accepts it as large
    text, the WAIC note on JIS X 8341-3 does not. Below 3:1 axe's color-contrast already fails it."""
    facts = (ctx.artifacts.get("dom") or {}).get("cjkContrast")
    if facts is None:
        return
    minimum = float(rule.options.get("minimum", 4.5))
    reported = 0
    for fact in facts:
        ratio = fact.get("ratio")
        if ratio is None or ratio < 3.0 or ratio >= minimum:
            continue
        el = ctx.by_nid.get(str(fact.get("nid")))
        if el is None or ctx.is_hidden(el):
            continue
        reported += 1
        pt = round(float(fact.get("px") or 0) * 0.75, 1)
        yield Verdict(FAILED, el, ratio=f"{ratio:.2f}", pt=pt, weight="太字" if fact.get("bold") else "標準",
                      weight_en="bold" if fact.get("bold") else "regular",
                      fg=fact.get("fg"), bg=fact.get("bg"))
    if not reported:
        yield Verdict(PASSED, None)


def _px(font_size: str | None) -> float | None:
    m = re.search(r"\(([\d.]+)px\)", font_size or "")
    return float(m.group(1)) if m else None


# Small text (under 13 px) measured this close below the requirement is not sure enough for a failure (anti-aliased
# small glyphs have few fully covered pixels): cantTell, and axe-core's candidate stays.
PIXEL_MARGIN = 0.9
SMALL_TEXT_PX = 13


def pixel_judgements(facts: list[dict], options: dict, axe_rules: list[str]):
    """(fact, outcome, details) for each measured text (the first fact per element in the order of axe_rules):
    passed when the highest contrast of its glyph pixels reaches the requirement, failed when it stays below 90 % of
    it for text under 13 px (anti-aliasing), cantTell between. CJK text under 22pt (18pt bold) needs 4.5:1 (JP18)."""
    raise_to = {float(k): float(v) for k, v in (options.get("raise") or {}).items()}
    seen = set()
    for fact in sorted(facts, key=lambda f: axe_rules.index(f["rule"]) if f.get("rule") in axe_rules else 99):
        if fact.get("rule") not in axe_rules or fact.get("error") or not fact.get("glyph_px"):
            continue
        if fact.get("reason") == "shortTextContent" and not _WORDLIKE.search(fact.get("text") or ""):
            continue            # a lone symbol (», |): whether it is text at all is for a person to say
        key = fact.get("nid") or fact.get("target")
        if key in seen:
            continue
        seen.add(key)
        m = re.match(r"([\d.]+):1", str(fact.get("expected") or ""))
        required = float(m.group(1)) if m else float(options.get("normal", 4.5))
        if fact["rule"] != axe_rules[0]:
            required = raise_to.get(required, required)
        px = _px(fact.get("fontSize"))
        bold = str(fact.get("fontWeight") or "").lower() in ("bold", "bolder") or \
            (str(fact.get("fontWeight") or "").isdigit() and int(fact["fontWeight"]) >= 700)
        if options.get("cjk_large_text") and CJK_RE.search(fact.get("text") or "") and px is not None \
                and px < (24 if bold else 29.33):
            required = max(required, float(options.get("normal", 4.5)))
        highest = float(fact["highest"])
        small = px is not None and px < SMALL_TEXT_PX      # few fully covered glyph pixels: a margin for error
        outcome = PASSED if highest >= required else \
            FAILED if not small or highest < PIXEL_MARGIN * required else CANT_TELL
        if outcome == FAILED and fact.get("reason") == "shortTextContent":
            outcome = CANT_TELL     # one character (an "X" close button, 「»」) may be an icon rather than text
        yield fact, outcome, dict(ratio=f"{highest:.2f}", required=f"{required:g}", why=fact.get("reason"))


@check("contrast_pixels")
def contrast_pixels(ctx, rule):
    """Text over a background image or gradient that axe-core could not decide: the highest contrast between the
    text's fully covered pixels and the background under them (measured from two screenshots, with and without the
    text) against the required ratio."""
    facts = ctx.artifacts.get("pixels")
    if facts is None:
        return
    axe_rules = rule.options.get("axe_rules") or ["color-contrast"]
    for fact, outcome, details in pixel_judgements(facts, rule.options, axe_rules):
        el = ctx.by_nid.get(str(fact.get("nid"))) if fact.get("nid") else None
        variant = ("short" if fact.get("reason") == "shortTextContent" else "close") if outcome == CANT_TELL else None
        yield Verdict(outcome, el, **({"variant": variant} if variant else {}), **details)


def settled_contrast_nodes(pixels: list[dict] | None, options: dict, axe_rules: list[str]) -> dict:
    """{axe target selector: (outcome, fgColor, fontSize, fontWeight, reason)} of the texts that pixel measurement
    decided (passed or failed): axe-core's undecided result on them is settled and need not be reported again."""
    out = {}
    for fact, outcome, _ in pixel_judgements(pixels or [], options, axe_rules):
        if outcome != CANT_TELL and fact.get("target"):
            out[fact["target"]] = (outcome, fact.get("fgColor"), fact.get("fontSize"), fact.get("fontWeight"),
                                   fact.get("reason"))
    return out
