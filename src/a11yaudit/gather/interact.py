"""Interaction gatherers, run on the already rendered PC page after collect.js (no extra page load):

- keyboard: walk the tab order focusing each element as keyboard focus does, recording where focus really is
  afterwards (scripts may pull it back) and whether anything visible changed (facts for the keyboard-trap and
  focus-visible rules);
- layout: clipped text and horizontal overflow at the page's viewport, at half its size (= 200 % browser zoom:
  1280 → 640 CSS px) and at a quarter (= 400 % zoom, 320 CSS px, the reflow width of WCAG 1.4.10).

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


def interact_js() -> str:
    if "js" not in _JS:
        _JS["js"] = resources.files("a11yaudit").joinpath("js/interact.js").read_text(encoding="utf-8")
    return _JS["js"]


async def _install(page) -> None:
    if not await page.evaluate("typeof window.__a11yKeyboard === 'object'"):
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


async def layout_passes(page, width: int, height: int) -> dict:
    """Clipping and overflow at the page's size, at 200 % and at 400 % zoom (viewport halved, quartered)."""
    t0 = time.perf_counter()
    out: dict = {"width": width, "height": height}
    try:
        await _install(page)
        out["base"] = await page.evaluate("(n) => window.__a11yLayout(n)", LAYOUT_MAX_ITEMS)
        for key, factor in (("zoom200", 2), ("zoom400", 4)):
            await page.set_viewport_size({"width": width // factor, "height": height // factor})
            await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
            out[key] = await page.evaluate("(n) => window.__a11yLayout(n)", LAYOUT_MAX_ITEMS)
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    finally:
        try:
            await page.set_viewport_size({"width": width, "height": height})
        except Exception:  # noqa: BLE001 — the tab is discarded on the next fault anyway
            pass
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return out
