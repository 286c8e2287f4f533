"""Smartphone and text-resizing gatherers, run on the page already rendered for a viewport (no extra load):

- textfit (PC): text resized to 200 % (1.4.4, text-only zoom: every computed font size doubled, boxes keep their
  CSS sizes) and the WCAG 1.4.12 text-spacing values, each followed by the clipping measurement of the layout pass
  and undone afterwards. Page zoom (the whole layout scaled) is already covered by the layout pass at 640 CSS px.
- phone (smartphone): fixed/sticky elements and the share of the screen they cover, focused elements they hide
  (2.4.11), target sizes (2.5.8), the size text is seen at (computed size × page scale), and the width of blocks
  holding 「右」「左」 (position references where columns stack).
- outline_screenshot: after the rules ran, a phone-width screenshot of a page with smartphone findings, the
  offending elements outlined (the page is still loaded in the smartphone tab: no reload).

Each returns a plain dict; a fault gives {"error": …} and never fails the page.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from . import wire
from .interact import LAYOUT_MAX_ITEMS, _install as _install_interact

_JS: dict[str, str] = {}
PHONE_OPTIONS = {"maxFocus": 150, "maxItems": 40, "maxTargets": 400, "smallPx": 12}
SHOT_MAX_HEIGHT = 1800        # CSS px of page shown around the outlined elements
SHOT_QUALITY = 60


def mobile_js() -> str:
    if "js" not in _JS:
        _JS["js"] = resources.files("a11yaudit").joinpath("js/mobile.js").read_text(encoding="utf-8")
    return _JS["js"]


async def _install(page) -> None:
    await _install_interact(page)
    if not await page.evaluate("typeof window.__a11yPhone === 'function'"):
        await page.evaluate(mobile_js())


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"


async def textfit_passes(page) -> dict:
    """Text resized to 200 % and the 1.4.12 text spacing, on the current viewport; each pass is undone."""
    t0 = time.perf_counter()
    try:
        await _install(page)
        out = await wire.evaluate(page, "(n) => window.__a11yTextFit(n)", LAYOUT_MAX_ITEMS)
    except Exception as exc:  # noqa: BLE001
        out = {"error": _err(exc), "ms": {}}
    out["ms"]["total"] = round((time.perf_counter() - t0) * 1000, 1)
    return out


async def phone_pass(page) -> dict:
    t0 = time.perf_counter()
    try:
        await _install(page)
        out = await wire.evaluate(page, "(o) => window.__a11yPhone(o)", PHONE_OPTIONS)
    except Exception as exc:  # noqa: BLE001
        out = {"error": _err(exc)}
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return out


_MARK_CSS = ("[data-a11y-mark] { outline: 4px solid #d0021b !important; outline-offset: 1px !important; "
             "box-shadow: 0 0 0 7px rgba(255, 230, 0, .75) !important; }")


async def outline_screenshot(page, nids: list[int], path: Path | None) -> dict:
    """A JPEG (CSS px, phone width) of the part of the page holding the given elements, outlined; the top of the
    page when none of them is rendered. Returns {"path", "marked", "ms"} ({"jpeg": bytes, …} when `path` is None:
    a Dask worker sends the picture back to the coordinator) or {"error"}."""
    t0 = time.perf_counter()
    try:
        box = await page.evaluate("""([nids, css]) => {
            const st = document.createElement('style'); st.id = '__a11y_mark'; st.textContent = css;
            document.head.appendChild(st);
            let top = Infinity, bottom = -Infinity, marked = 0;
            for (const n of nids) {
              const el = document.querySelector(`[data-a11y-nid="${n}"]`);
              if (!el) continue;
              const r = el.getBoundingClientRect();
              if (!r.width || !r.height) continue;
              el.setAttribute('data-a11y-mark', '');
              marked++;
              top = Math.min(top, r.top + window.scrollY); bottom = Math.max(bottom, r.bottom + window.scrollY);
            }
            const h = document.documentElement.scrollHeight;
            return {top: marked ? top : 0, bottom: marked ? bottom : 0, marked, height: h,
                    width: document.documentElement.clientWidth};
        }""", [nids, _MARK_CSS])
        try:
            start = max(0, box["top"] - 120)
            height = min(SHOT_MAX_HEIGHT, max(box["bottom"] - start + 120, 600), max(box["height"] - start, 1))
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            jpeg = await page.screenshot(path=str(path) if path is not None else None, type="jpeg",
                                         quality=SHOT_QUALITY, scale="css", full_page=True, animations="disabled",
                                         caret="hide", clip={"x": 0, "y": start, "width": box["width"],
                                                             "height": height})
        finally:
            await page.evaluate("""() => {
                const st = document.getElementById('__a11y_mark'); if (st) st.remove();
                for (const el of document.querySelectorAll('[data-a11y-mark]')) el.removeAttribute('data-a11y-mark');
            }""")
        out = {"marked": box["marked"], "ms": round((time.perf_counter() - t0) * 1000, 1)}
        return {**out, "path": str(path)} if path is not None else {**out, "jpeg": jpeg}
    except Exception as exc:  # noqa: BLE001 — a missing picture never fails the page
        return {"error": _err(exc)}


def problem_signature(pairs) -> str:
    """The smartphone problems of a page as one key: its failed (rule, selector) pairs. Pages built on one template
    share it (e.g. a header search form overflowing at 320 px on every page)."""
    return "\x1e".join(sorted(f"{rule}\x1f{selector}" for rule, selector in set(pairs)))


async def screenshot_findings(page, nids: list[int], signature: str, artifacts_dir: Path | None, url: str,
                              seen: set | None = None) -> dict | None:
    """A phone-width picture of a page's smartphone failures, the offending elements (`nids`) outlined, saved as
    <artifacts>/screens/<page key>.jpg (the page is still loaded in the smartphone tab; `page`: a Playwright page or
    the Selenium engine's adapter). Without `artifacts_dir` the JPEG comes back in the dict ("jpeg"). What to
    photograph is the page pipeline's choice (pagework.smartphone_shot).

    `seen`: signatures (problem_signature) already photographed in this run. A page with exactly the same problems
    as an earlier one gets no picture of its own — the report shows the earlier page's (one picture per distinct
    problem: a template-wide failure on 10,000 pages is photographed once, not 10,000 times)."""
    from .artifacts import page_key
    if page is None:
        return None
    if seen is not None:
        if signature in seen:
            return {"same_as_earlier": True}
        seen.add(signature)
    path = Path(artifacts_dir) / "screens" / f"{page_key(url)}.jpg" if artifacts_dir is not None else None
    return await outline_screenshot(page, nids[:60], path)
