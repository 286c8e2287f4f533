"""Contrast of Japanese text under the JIS reading of "large text" (1.4.3): facts measured in the browser by
collect.js with axe-core's colour functions (dom.cjkContrast); this check only reports the delta to stock axe."""

from __future__ import annotations

from ..rules.model import FAILED, PASSED
from ..rules.registry import Verdict, check


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
                      fg=fact.get("fg"), bg=fact.get("bg"))
    if not reported:
        yield Verdict(PASSED, None)
