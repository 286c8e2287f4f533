"""Interaction gatherers, run on the already rendered PC page after collect.js (no extra page load):

- keyboard: walk the tab order focusing each element as keyboard focus does, recording where focus really is
  afterwards (scripts may pull it back) and whether anything visible changed (facts for the keyboard-trap and
  focus-visible rules);
- layout: clipped text and horizontal overflow at half the viewport (= 200 % browser zoom: 1280 → 640 CSS px) and
  at a quarter (= 400 % zoom, 320 CSS px, the reflow width of WCAG 1.4.10);
- pixels: contrast of text over background images and gradients, from two screenshots (with and without the text).

Each returns a plain dict stored as an artifact; a fault gives {"error": …} and never fails the page.
"""

from __future__ import annotations

import time
from importlib import resources

_JS: dict[str, str] = {}
MAX_ITEMS = 300           # keyboard walk: elements of the tab order visited per page
SLOW_ITEMS = 60           # … when the page moves focus by script and the walk waits after each element
SLOW_WAIT_MS = 25         # wait after each element in the slow walk (timers re-focusing)
LAYOUT_MAX_ITEMS = 200
REFLOW_WIDTH = 320        # WCAG 1.4.10: 1280 CSS px at 400 %


def interact_js() -> str:
    if "js" not in _JS:
        _JS["js"] = resources.files("a11yaudit").joinpath("js/interact.js").read_text(encoding="utf-8")
    return _JS["js"]


async def _install(page) -> None:
    if not await page.evaluate("typeof window.__a11yKeyboard === 'function'"):
        await page.evaluate(interact_js())


async def keyboard_walk(page, max_items: int = MAX_ITEMS) -> dict:
    """Walk the tab order in one evaluate. If scripts moved focus during the fast walk (a trap may depend on timers),
    walk again with a short wait after each element so that timer-based re-focusing is seen."""
    t0 = time.perf_counter()
    try:
        await _install(page)
        data = await page.evaluate("([n, w]) => window.__a11yKeyboard(n, w)", [max_items, 0])
        slow = bool(data.get("programmatic"))
        if slow:
            data = await page.evaluate("([n, w]) => window.__a11yKeyboard(n, w)", [min(max_items, SLOW_ITEMS),
                                                                                  SLOW_WAIT_MS])
        data.update(slow=slow, ms=round((time.perf_counter() - t0) * 1000, 1))
        return data
    except Exception as exc:  # noqa: BLE001 — a page fault during the walk is a fact, not a crash
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}


async def layout_passes(page, width: int, height: int, mobile: bool = False) -> dict:
    """Clipping and overflow at 200 % and at 400 % zoom (the viewport halved and quartered). On a smartphone
    viewport only the 320 CSS px reflow width is measured (its own rendering, e.g. a separate smartphone site)."""
    t0 = time.perf_counter()
    out: dict = {"width": width, "height": height}
    passes = ((("zoom400", width / REFLOW_WIDTH),) if mobile else (("zoom200", 2), ("zoom400", 4)))
    try:
        await _install(page)
        # Text drawn over other text, at 200 % only (LY01; the 320 px pass is about scrolling): text already
        # overlapping at the normal size is the design (or another check's business), only new pairs are reported.
        baseline = set()
        if not mobile:
            baseline = {(a, b) for a, b, _ in await page.evaluate(
                "(n) => { try { return window.__a11yOverlaps(n); } catch (e) { return []; } }", 10_000)}
        for key, factor in passes:
            await page.set_viewport_size({"width": round(width / factor), "height": round(height / factor)})
            await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
            out[key] = await page.evaluate("([n, o]) => window.__a11yLayout(n, o)", [LAYOUT_MAX_ITEMS, key == "zoom200"])
            out[key]["overlaps"] = [o for o in out[key].get("overlaps", []) if (o[0], o[1]) not in baseline]
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    finally:
        try:
            await page.set_viewport_size({"width": width, "height": height})
        except Exception:  # noqa: BLE001 — the tab is discarded on the next fault anyway
            pass
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return out


# --- contrast over images and gradients: pixel sampling --------------------------------------------------------
PIXEL_REASONS = {"bgImage", "bgGradient", "imgNode"}    # axe's reasons for not deciding that pixels can settle
PIXEL_MAX_ITEMS = 6
_HIDE_TEXT = ("[data-a11y-hidetext], [data-a11y-hidetext] * { color: transparent !important; "
              "-webkit-text-fill-color: transparent !important; text-shadow: none !important; "
              "text-decoration-color: transparent !important; caret-color: transparent !important; }")


def _luminance(rgb) -> float:
    def ch(v):
        v = v / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = rgb[:3]
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)


def contrast_ratio(a, b) -> float:
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_contrast(with_text: bytes, without_text: bytes) -> dict:
    """Compare two screenshots of one box, with its text and with the text made transparent. Pixels that differ are
    the glyphs; the most changed ones are fully covered by the text colour. Returns the highest and lowest contrast
    between those glyph pixels and the background pixels under them (the ACT rule asks for the highest possible)."""
    import io

    from PIL import Image
    a = Image.open(io.BytesIO(with_text)).convert("RGB")
    b = Image.open(io.BytesIO(without_text)).convert("RGB")
    if a.size != b.size:
        return {"glyph_px": 0}
    pa, pb = a.getdata(), b.getdata()
    diffs = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        d = abs(x[0] - y[0]) + abs(x[1] - y[1]) + abs(x[2] - y[2])
        if d > 48:
            diffs.append((d, i))
    if not diffs:
        return {"glyph_px": 0}
    diffs.sort(reverse=True)
    core = diffs[: max(1, len(diffs) * 3 // 10)]
    ratios = [contrast_ratio(pa[i], pb[i]) for _, i in core]
    return {"glyph_px": len(diffs), "highest": round(max(ratios), 2), "lowest": round(min(ratios), 2),
            "median": round(sorted(ratios)[len(ratios) // 2], 2)}


async def contrast_pixels(page, axe_out: dict | None) -> list[dict]:
    """For text axe could not decide because of a background image or gradient, measure the contrast from pixels."""
    facts: list[dict] = []
    if not axe_out:
        return facts
    todo = []
    for item in axe_out.get("incomplete") or []:
        if item.get("id") not in ("color-contrast", "color-contrast-enhanced"):
            continue
        for node in item.get("nodes") or []:
            data = node.get("data") or {}
            target = node.get("target") or []
            if data.get("messageKey") in PIXEL_REASONS and len(target) == 1 and isinstance(target[0], str):
                todo.append((item["id"], node, data))
    for rule_id, node, data in todo[:PIXEL_MAX_ITEMS]:
        fact = {"rule": rule_id, "nid": node.get("nid"), "target": node["target"][0], "reason": data.get("messageKey"),
                "fontSize": data.get("fontSize"), "fontWeight": data.get("fontWeight"),
                "expected": data.get("expectedContrastRatio")}
        try:
            rect = await page.evaluate("""(sel) => {
                const el = document.querySelector(sel);
                if (!el) return null;
                el.scrollIntoView({block: 'center'});
                const r = el.getBoundingClientRect();
                return {x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height,
                        text: (el.innerText || '').slice(0, 200)};
            }""", fact["target"])
            if not rect or rect["w"] < 2 or rect["h"] < 2:
                continue
            clip = {"x": rect["x"], "y": rect["y"], "width": min(rect["w"], 1200), "height": min(rect["h"], 600)}
            shot = await page.screenshot(clip=clip, full_page=True, animations="disabled", caret="hide")
            await page.evaluate("""([sel, css]) => {
                const el = document.querySelector(sel);
                const st = document.createElement('style'); st.id = '__a11y_hidetext'; st.textContent = css;
                document.head.appendChild(st); el.setAttribute('data-a11y-hidetext', '');
            }""", [fact["target"], _HIDE_TEXT])
            try:
                bare = await page.screenshot(clip=clip, full_page=True, animations="disabled", caret="hide")
            finally:
                await page.evaluate("""(sel) => {
                    const st = document.getElementById('__a11y_hidetext'); if (st) st.remove();
                    const el = document.querySelector(sel); if (el) el.removeAttribute('data-a11y-hidetext');
                }""", fact["target"])
            fact.update(text_contrast(shot, bare), text=rect["text"])
        except Exception as exc:  # noqa: BLE001 — measurement is best effort; the axe result stands
            fact["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        facts.append(fact)
    return facts
