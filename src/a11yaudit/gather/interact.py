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

from . import wire

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
        data = await wire.evaluate(page, "([n, w]) => window.__a11yKeyboard(n, w)", [max_items, 0])
        slow = bool(data.get("programmatic"))
        if slow:
            data = await wire.evaluate(page, "([n, w]) => window.__a11yKeyboard(n, w)", [min(max_items, SLOW_ITEMS),
                                                                                  SLOW_WAIT_MS])
        try:
            probes = await key_probes(page, data)
        except Exception as exc:  # noqa: BLE001 — the walk's facts stand without the probes
            probes = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        if probes:
            data["keys"] = probes
        try:
            pixels = await focus_pixels(page, data)
        except Exception as exc:  # noqa: BLE001 — the walk's facts stand without the pixels
            pixels = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        if pixels:
            data["focusPixels"] = pixels
        data.update(slow=slow, ms=round((time.perf_counter() - t0) * 1000, 1))
        return data
    except Exception as exc:  # noqa: BLE001 — a page fault during the walk is a fact, not a crash
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}


KEY_PROBES = 10            # elements probed with real key presses per page
KEY_WAIT_S = 0.08          # after each key press: timer-based handlers pulling focus back


def key_candidates(data: dict) -> list[int]:
    """Elements of the walk that may keep keyboard focus: focus pulled back to them (after the next element was
    focused, or after the last one was left), or a Tab keydown on them cancelled or opening a window/dialog."""
    out: list[int] = []
    visited: set[int] = set()
    for rec in data.get("records") or []:
        nid, landed = rec.get("nid"), rec.get("landed")
        if landed and landed != nid and landed in visited and landed not in out:
            out.append(landed)
        if nid and nid > 0 and (rec.get("tabPrevented") or rec.get("tabOpens")) and nid not in out:
            out.append(nid)
        if nid:
            visited.add(nid)
    last = data.get("lastPulledBack")
    if last and last not in out:
        out.append(last)
    return out[:KEY_PROBES]


_KEYS = {"Tab": ("Tab", 9, 0), "Shift+Tab": ("Tab", 9, 8), "Escape": ("Escape", 27, 0)}


async def _press(page, key: str) -> bool:
    """A real key press (trusted events, the browser's own focus navigation): Playwright's keyboard, or CDP
    Input.dispatchKeyEvent on a WebDriver session. False when the engine cannot send keys."""
    keyboard = getattr(page, "keyboard", None)
    if keyboard is not None:
        await keyboard.press(key)
        return True
    drv = getattr(page, "drv", None)
    if drv is not None and getattr(drv, "cdp", False):
        name, code, modifiers = _KEYS[key]
        base = {"key": name, "code": name, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code,
                "modifiers": modifiers}
        drv.cdp_cmd("Input.dispatchKeyEvent", {"type": "rawKeyDown", **base})
        drv.cdp_cmd("Input.dispatchKeyEvent", {"type": "keyUp", **base})
        return True
    return False


async def key_probes(page, data: dict) -> dict:
    """For each candidate: focus it, press Tab, Shift+Tab and Escape for real (each from the candidate) and note
    where focus is afterwards ({nid: {"Tab": nid, "Shift+Tab": nid, "Escape": nid, "opens": n}}; 0 = nothing
    focused, e.g. focus went on to the browser). Windows and dialogs opened by the page's handlers are counted, not
    opened."""
    import asyncio
    todo = key_candidates(data)
    if not todo:
        return {}
    out: dict = {}
    await page.evaluate("() => window.__a11yStubOpeners()")
    try:
        for nid in todo:
            row: dict = {}
            for key in _KEYS:
                if not await page.evaluate("(n) => window.__a11yFocusNid(n)", nid):
                    row = {"error": "not focusable"}
                    break
                if not await _press(page, key):
                    return {}
                await asyncio.sleep(KEY_WAIT_S)
                row[key] = await page.evaluate("() => window.__a11yActive()")
            row["opens"] = await page.evaluate("() => window.__a11yOpened ? window.__a11yOpened.count : 0")
            out[str(nid)] = row
            await page.evaluate("() => { if (window.__a11yOpened) window.__a11yOpened.count = 0; }")
    finally:
        await page.evaluate("() => { window.__a11yRestoreOpeners(); const a = document.activeElement;"
                            " if (a && a !== document.body && a.blur) a.blur(); }")
    return out


FOCUS_PIXEL_GROUPS = 6     # distinct focus styles (element type + style before/after) measured in pixels per page
FOCUS_MARGIN = 6           # CSS px around the element: outlines, offsets and shadows are drawn there


NEW_INK_ENOUGH = (16, 300)  # new pixels at 3:1 / at 1.5:1 that make a focus change visible (checks/keyboard.py)
_LIN = [(v / 255) / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in range(256)]


def _lum(c) -> float:
    return 0.2126 * _LIN[c[0]] + 0.7152 * _LIN[c[1]] + 0.0722 * _LIN[c[2]]


def _close(a, b, tol: int = 40) -> bool:
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2]) <= tol


def _on_segment(p, a, b, tol: float = 24.0) -> bool:
    """p lies (within tol) on the colour segment a–b: a mix of two neighbouring colours, as anti-aliasing and
    sub-pixel positions make."""
    d0, d1, d2 = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    dd = d0 * d0 + d1 * d1 + d2 * d2
    if dd == 0:
        return _close(p, a, int(tol))
    t = max(0.0, min(1.0, ((p[0] - a[0]) * d0 + (p[1] - a[1]) * d1 + (p[2] - a[2]) * d2) / dd))
    e0, e1, e2 = p[0] - a[0] - t * d0, p[1] - a[1] - t * d1, p[2] - a[2] - t * d2
    return e0 * e0 + e1 * e1 + e2 * e2 <= tol * tol


def _explained(px: list, w: int, h: int, x: int, y: int, colour) -> bool:
    """The colour is found (or mixed) among the other picture's pixels at most 1 px away: the same picture shifted
    by a pixel, not new ink."""
    near = [px[j * w + i] for j in range(max(0, y - 1), min(h, y + 2)) for i in range(max(0, x - 1), min(w, x + 2))]
    for q in near:
        if _close(colour, q):
            return True
    return any(_on_segment(colour, near[i], near[j]) for i in range(len(near)) for j in range(i + 1, len(near)))


def focus_change(before, after) -> dict:
    """How much a focus indicator changes the picture: pixels that changed (`changed`), those whose change has a
    contrast of 1.1:1 / 1.5:1 or more (`c11`, `c15`), and the changed pixels that are new ink — not explained by the
    picture shifted by one pixel, in either direction — with a change of at least 1.5:1 (`new15`) and 3:1 (`new3`)."""
    from PIL import ImageChops
    if before.size != after.size:
        return {"error": "size"}
    out = {"changed": 0, "c11": 0, "c15": 0, "new15": 0, "new3": 0}
    bbox = ImageChops.difference(before, after).getbbox()
    if bbox is None:
        return out
    # Work on the changed region and one pixel around it (the neighbours that may explain a shift).
    box = (max(0, bbox[0] - 1), max(0, bbox[1] - 1), min(before.width, bbox[2] + 1), min(before.height, bbox[3] + 1))
    a_img, b_img = before.crop(box), after.crop(box)
    w, h = a_img.size
    pa, pb = list(a_img.getdata()), list(b_img.getdata())
    explained_budget = 4000
    for i in range(w * h):
        a, b = pa[i], pb[i]
        if a == b or abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2]) <= 24:
            continue
        out["changed"] += 1
        la, lb = _lum(a), _lum(b)
        ratio = (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
        if ratio < 1.1:
            continue
        out["c11"] += 1
        if ratio < 1.5:
            continue
        out["c15"] += 1
        if explained_budget <= 0:
            continue            # plenty of change already: the rest need not be explained
        explained_budget -= 1
        x, y = i % w, i // w
        if not _explained(pa, w, h, x, y, b) or not _explained(pb, w, h, x, y, a):
            out["new15"] += 1
            if ratio >= 3:
                out["new3"] += 1
            if out["new3"] >= NEW_INK_ENOUGH[0] or out["new15"] >= NEW_INK_ENOUGH[1]:
                explained_budget = 0    # clearly visible (checks/keyboard.py): the counts are lower bounds from here
    return out


def _focus_clip(a: dict, b: dict) -> dict:
    """The region around both boxes (unfocused, focused), FOCUS_MARGIN CSS px wider on every side — or as far as
    the element draws outside its box (outline offset and width, box shadows)."""
    margin = max(FOCUS_MARGIN, a.get("reach") or 0, b.get("reach") or 0)
    left, top = min(a["x"], b["x"]), min(a["y"], b["y"])
    right, bottom = max(a["x"] + a["w"], b["x"] + b["w"]), max(a["y"] + a["h"], b["y"] + b["h"])
    return {"x": max(0.0, left - margin), "y": max(0.0, top - margin),
            "width": min(right - left, 1200) + 2 * margin, "height": min(bottom - top, 600) + 2 * margin}


def _focus_groups(data: dict) -> list[tuple[str, list[int]]]:
    """Distinct focus styles worth looking at in pixels, elements without any style change first (a claim of
    "no visible focus" must be right), then the changes that are not a plain strong outline."""
    groups: dict[str, list[int]] = {}
    first_kind: dict[str, int] = {}
    for rec in data.get("records") or []:
        nid = rec.get("nid")
        if not nid or nid < 0 or rec.get("landed") != nid or not all(rec.get("size") or [0]) or rec.get("clear") \
                or rec.get("tag") == "iframe" or not rec.get("sig"):
            continue
        sig = rec["sig"]
        groups.setdefault(sig, [])
        if nid not in groups[sig]:
            groups[sig].append(nid)
        kind = 0 if not (rec.get("styleChanged") or rec.get("outline")) else 1
        first_kind[sig] = min(first_kind.get(sig, kind), kind)
    order = sorted(groups, key=lambda g: first_kind[g])
    return [(g, groups[g]) for g in order[:FOCUS_PIXEL_GROUPS]]


async def focus_pixels(page, data: dict) -> dict:
    """Screenshots of each distinct focus style's first element, unfocused and focused (transitions and the caret
    off, scrolled into view, on top at its centre), compared by focus_change. {nid: facts} for every element of the
    group."""
    import io

    from PIL import Image
    out: dict = {}
    for sig, nids in _focus_groups(data):
        facts = None
        for nid in nids[:3]:
            prep = await page.evaluate("(n) => window.__a11yFocusPrepare(n)", nid)
            if not prep or not prep.get("onTop") or not prep.get("inView"):
                continue
            # Transitions, animations and the caret are off through our own style sheet (no per-shot waiting).
            clip = _focus_clip(prep, prep)
            shot_a = await page.screenshot(clip=clip, full_page=True, scale="css")
            shown = await page.evaluate("(n) => window.__a11yFocusShow(n)", nid)
            if not shown or not shown.get("focused"):
                continue
            wider = _focus_clip(prep, shown)
            if wider != clip:
                # The focused box is larger (a marker added by ::after): both pictures cover both boxes.
                clip = wider
                await page.evaluate("() => { const a = document.activeElement; if (a && a.blur) a.blur(); }")
                shot_a = await page.screenshot(clip=clip, full_page=True, scale="css")
                shown = await page.evaluate("(n) => window.__a11yFocusShow(n)", nid)
                if not shown or not shown.get("focused"):
                    continue
            shot_b = await page.screenshot(clip=clip, full_page=True, scale="css")
            facts = focus_change(Image.open(io.BytesIO(shot_a)).convert("RGB"),
                                 Image.open(io.BytesIO(shot_b)).convert("RGB"))
            # A shift by a pixel or two from border widths or padding (not a box that grows or moves, not text
            # turning bold: that thickens glyphs by a pixel, a change one sees).
            moved = [abs(prep[k] - shown[k]) for k in ("x", "y", "w", "h")]
            facts["shift"] = prep["edges"] != shown["edges"] and prep.get("font") == shown.get("font") \
                and max(moved) <= 4
            facts["measured"] = nid
            break
        if facts is not None:
            for nid in nids:
                out[str(nid)] = facts
    if out or data.get("records"):
        await page.evaluate("() => window.__a11yFocusDone()")
    return out


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
            out[key] = await wire.evaluate(page, "([n, o]) => window.__a11yLayout(n, o)",
                                           [LAYOUT_MAX_ITEMS, key == "zoom200"])
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
# axe's reasons for not deciding that pixels can settle; shortTextContent: one character (「税」「黒」), which axe
# leaves undecided without even computing its colours.
PIXEL_REASONS = {"bgImage", "bgGradient", "imgNode", "shortTextContent"}
PIXEL_MAX_ITEMS = 400     # undecided texts measured per page (all of a template's, in practice)
PIXEL_MAX_HEIGHT = 20000  # CSS px of the page measured from the top
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


def crop_contrast(a, b) -> dict:
    """Glyph pixels (those that change when the text is made transparent) and the contrast between the most changed
    of them (fully covered by the text colour) and the background under them, from two PIL images of one box."""
    from PIL import ImageChops
    if a.size != b.size:
        return {"glyph_px": 0}
    diff = ImageChops.difference(a, b)
    if diff.getbbox() is None:
        return {"glyph_px": 0}
    pa, pb, pd = a.getdata(), b.getdata(), diff.getdata()
    diffs = []
    for i, d in enumerate(pd):
        total = d[0] + d[1] + d[2]
        if total > 48:
            diffs.append((total, i))
    if not diffs:
        return {"glyph_px": 0}
    diffs.sort(reverse=True)
    core = diffs[: max(1, len(diffs) * 3 // 10)]
    ratios = [contrast_ratio(pa[i], pb[i]) for _, i in core]
    return {"glyph_px": len(diffs), "highest": round(max(ratios), 2), "lowest": round(min(ratios), 2),
            "median": round(sorted(ratios)[len(ratios) // 2], 2)}


def text_contrast(with_text: bytes, without_text: bytes) -> dict:
    """Compare two screenshots of one box, with its text and with the text made transparent. Pixels that differ are
    the glyphs; the most changed ones are fully covered by the text colour. Returns the highest and lowest contrast
    between those glyph pixels and the background pixels under them (the ACT rule asks for the highest possible)."""
    import io

    from PIL import Image
    return crop_contrast(Image.open(io.BytesIO(with_text)).convert("RGB"),
                         Image.open(io.BytesIO(without_text)).convert("RGB"))


async def contrast_pixels(page, axe_out: dict | None) -> list[dict]:
    """For text axe could not decide because of a background image or gradient, measure the contrast from pixels:
    two screenshots of the region holding every such text (with the text, then with the text made transparent),
    taken once per page, measured per element. A template whose body has a background image leaves axe ~100
    undecided texts per page; two screenshots settle them all (before: 6 per page, 2 screenshots each)."""
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
    todo = todo[:PIXEL_MAX_ITEMS]
    if not todo:
        return facts
    try:
        rects = await page.evaluate("""(sels) => {
            window.scrollTo(0, 0);
            return sels.map((sel) => {
                let el = null;
                try { el = document.querySelector(sel); } catch (e) { return null; }
                if (!el) return null;
                const r = el.getBoundingClientRect();
                return {x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height,
                        text: (el.innerText || '').slice(0, 200)};
            });
        }""", [node["target"][0] for _, node, _ in todo])
    except Exception as exc:  # noqa: BLE001 — measurement is best effort; the axe results stand
        return [{"rule": r, "nid": n.get("nid"), "target": n["target"][0], "error": f"{type(exc).__name__}"}
                for r, n, _ in todo]
    boxes = []
    for (rule_id, node, data), rect in zip(todo, rects):
        fact = {"rule": rule_id, "nid": node.get("nid"), "target": node["target"][0], "reason": data.get("messageKey"),
                "fontSize": data.get("fontSize"), "fontWeight": data.get("fontWeight"),
                "expected": data.get("expectedContrastRatio"), "fgColor": data.get("fgColor")}
        facts.append(fact)
        if rect and rect["w"] >= 2 and rect["h"] >= 2 and rect["x"] >= 0 and rect["y"] >= 0 \
                and rect["y"] + rect["h"] <= PIXEL_MAX_HEIGHT:
            fact["text"] = rect["text"]
            boxes.append((fact, rect))
        else:
            fact["error"] = "not measurable (no box, or outside the measured area)"
    if not boxes:
        return facts
    left = max(0, min(r["x"] for _, r in boxes))
    top = max(0, min(r["y"] for _, r in boxes))
    right = min(max(r["x"] + r["w"] for _, r in boxes), left + 4000)
    bottom = max(r["y"] + r["h"] for _, r in boxes)
    clip = {"x": left, "y": top, "width": max(1, right - left), "height": max(1, bottom - top)}
    sels = [f["target"] for f, _ in boxes]
    try:
        shot = await page.screenshot(clip=clip, full_page=True, animations="disabled", caret="hide", scale="css")
        await page.evaluate("""([sels, css]) => {
            const st = document.createElement('style'); st.id = '__a11y_hidetext'; st.textContent = css;
            document.head.appendChild(st);
            for (const sel of sels) { try { document.querySelector(sel).setAttribute('data-a11y-hidetext', ''); }
                                      catch (e) { /* gone */ } }
        }""", [sels, _HIDE_TEXT])
        try:
            bare = await page.screenshot(clip=clip, full_page=True, animations="disabled", caret="hide", scale="css")
        finally:
            await page.evaluate("""() => {
                const st = document.getElementById('__a11y_hidetext'); if (st) st.remove();
                for (const el of document.querySelectorAll('[data-a11y-hidetext]')) el.removeAttribute('data-a11y-hidetext');
            }""")
    except Exception as exc:  # noqa: BLE001
        for fact, _ in boxes:
            fact["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return facts
    import io

    from PIL import Image
    full_a = Image.open(io.BytesIO(shot)).convert("RGB")
    full_b = Image.open(io.BytesIO(bare)).convert("RGB")
    sx, sy = full_a.width / clip["width"], full_a.height / clip["height"]   # device pixels per CSS px
    for fact, r in boxes:
        box = (int((r["x"] - left) * sx), int((r["y"] - top) * sy),
               int(min(r["x"] + r["w"] - left, (r["x"] - left) + 1200) * sx),
               int(min(r["y"] + r["h"] - top, (r["y"] - top) + 600) * sy))
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            fact["error"] = "empty box"
            continue
        fact.update(crop_contrast(full_a.crop(box), full_b.crop(box)))
    return facts