"""Keyboard checks on the facts of the keyboard walk (gather/interact.py): focus traps (2.1.2) and focus that
shows no visible change (2.4.7). Pure functions of the `keyboard` artifact and the DOM."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .semantics import aria_hidden

MODAL = "dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]"
KEY_LISTENER = re.compile(r"""(?:addEventListener\s*\(\s*['"]key(?:down|up|press)|\bonkey(?:down|up|press)\b|"""
                          r"""\.key(?:down|up|press)\s*\()""", re.I)


def _walk(ctx, rule):
    data = ctx.artifacts.get("keyboard") or {}
    if data.get("error"):
        raise RuntimeError(f"keyboard walk failed: {data['error']}")
    return data


def trapped_set(records: list[dict]) -> set[int]:
    """Elements that pull focus back: after focusing the next element of the tab order, focus is on an element
    visited EARLIER in the walk (moving focus forward, e.g. a focus sentinel, is not a trap)."""
    visited: set[int] = set()
    trapped: set[int] = set()
    for rec in records:
        nid, landed = rec.get("nid"), rec.get("landed")
        if landed and landed != nid and landed in visited:
            trapped.add(landed)
        if nid:
            visited.add(nid)
    return trapped


# The page tells users of another way out (「Ctrl+Mで抜けます」「Escキーで閉じる」).
KEY_INSTRUCTION = re.compile(r"(?:ctrl|alt|esc(?:ape)?|エスケープ|f\d{1,2})\s*(?:\+|＋|キー|key)|キーを押|キーで(?:抜け|移動|閉じ)",
                             re.I)


def _probe_verdict(ctx, el, probe: dict, modal: bool):
    """The real-key probe of one element (gather/interact.py key_probes): focus stays on it after Tab, Shift+Tab
    and Escape pressed for real — failed unless inside a modal dialog or the page names another key; Tab blocked
    but Shift+Tab leads out, or a key press opens a window or dialog: cantTell. None when the keys lead out."""
    nid = int(el.get("data-a11y-nid"))
    stuck = {key: probe.get(key) == nid for key in ("Tab", "Shift+Tab", "Escape")}
    if stuck["Tab"] and stuck["Shift+Tab"] and stuck["Escape"]:
        if modal:
            return Verdict(CANT_TELL, el, why="モーダルダイアログ内", why_en="inside a modal dialog")
        text = ctx.soup.body.get_text(" ") if ctx.soup.body else ""
        if KEY_INSTRUCTION.search(text):
            return Verdict(CANT_TELL, el, why="ページが案内する別のキーで抜けられる可能性",
                           why_en="a key the page describes may lead out")
        return Verdict(FAILED, el, why="実際のTab・Shift+Tab・Escキーのどれを押してもフォーカスが留まる",
                       why_en="focus stays after pressing Tab, Shift+Tab and Escape for real")
    if stuck["Tab"]:
        return Verdict(CANT_TELL, el, why="Tabキーでは先に進めず、Shift+Tabでだけ戻れる",
                       why_en="Tab does not move on; only Shift+Tab leads back")
    if probe.get("opens"):
        return Verdict(CANT_TELL, el, variant="opens")
    return None


@check("keyboard_trap")
def keyboard_trap(ctx, rule):
    data = _walk(ctx, rule)
    records = data.get("records") or []
    if not data.get("focusables") or not records:
        return     # nothing can take focus with Tab: inapplicable
    trapped = trapped_set(records)
    if data.get("lastPulledBack"):
        trapped.add(data["lastPulledBack"])
    probes = data.get("keys") if isinstance(data.get("keys"), dict) and "error" not in data["keys"] else {}
    probed = {int(k) for k, v in probes.items() if isinstance(v, dict) and "Tab" in v}
    if not trapped and not probed:
        yield Verdict(PASSED, None)
        return
    by_nid = {r["nid"]: r for r in records}
    script_keys = bool(KEY_LISTENER.search(ctx.artifacts.get("dom", {}).get("source") or ""))
    reported = False
    for nid in sorted(trapped | probed):
        el = ctx.by_nid.get(str(nid))
        if el is None:
            continue
        modal = _is_modal(el) or el.find_parent(_is_modal) is not None
        if nid not in trapped and (nid not in probed or el.name == "iframe"):
            continue            # Tab into a frame leaves the top document's focus on the frame: no probe verdict
        if nid in probed and el.name != "iframe":
            # The real keys settle a trap; for an element the walk already saw pulling focus back, anything less
            # than "stuck on every key" leaves the walk's verdict (timers of two elements pulling focus back and
            # forth make the probes' results depend on timing).
            verdict = _probe_verdict(ctx, el, probes[str(nid)], modal)
            if verdict is not None and (verdict.outcome == FAILED or nid not in trapped):
                reported = True
                yield verdict
                continue
            if nid not in trapped:
                continue        # a hint only (a cancelled synthetic Tab): the real keys lead out
        reported = True
        handler = bool(by_nid.get(nid, {}).get("keyHandler")) or script_keys
        if handler or modal:
            why = "モーダルダイアログ内" if modal else "独自のキー操作で抜けられる可能性"
            why_en = "inside a modal dialog" if modal else "a script's own keys may lead out"
            yield Verdict(CANT_TELL, el, why=why, why_en=why_en)
        else:
            yield Verdict(FAILED, el, why="Tabキーでもスクリプトのキー操作でも抜けられない",
                          why_en="neither Tab nor the page's own key handling leads out")
    if not reported:
        yield Verdict(PASSED, None)


def _is_modal(el) -> bool:
    return (el.name == "dialog" and el.has_attr("open")) or el.get("role") in ("dialog", "alertdialog") \
        or el.get("aria-modal") == "true"


_ORDER = {PASSED: 2, CANT_TELL: 1, FAILED: 0}


# Pixels of a focus indicator (gather/interact.py focus_change): how much must change to be seen.
# gather/interact.py NEW_INK_ENOUGH stops counting at these (the counts are then lower bounds)
NEW_INK_STRONG = 16        # new pixels changed by 3:1 or more: an indicator anyone sees (a 1 px outline of a button)
NEW_INK_LARGE = 300        # … or a large area changed by 1.5:1 or more (a background that darkens)
NEAR_NOTHING = 4           # fewer pixels than this changed by 1.5:1: nothing to see
FAINT_AREA = 150           # … unless a larger area changed by 1.1:1 or more (a faint tint: a person judges)


def pixel_verdict(px: dict) -> str | None:
    """Visible (passed), not visible (failed) or too small to tell (cantTell) from the focus pixels; None when
    there is nothing to judge by. Failed only for a change of a few pixels or of near-invisible contrast, or a
    change that is only the picture shifted by a pixel (a border 2 px → 1 px plus a 1 px outline of its colour)."""
    if not isinstance(px, dict) or "changed" not in px:
        return None
    if px.get("new3", 0) >= NEW_INK_STRONG or px.get("new15", 0) >= NEW_INK_LARGE:
        return PASSED
    if px.get("c15", 0) < NEAR_NOTHING and px.get("c11", 0) < FAINT_AREA:
        return FAILED
    if px.get("shift") and px.get("new15", 0) < NEAR_NOTHING:
        return FAILED
    return CANT_TELL


def _frame_without_focus(rec: dict) -> bool:
    """An iframe whose document has nothing focusable: Tab does not stop in it, so it carries no focus indicator."""
    return rec.get("tag") == "iframe" and rec.get("frame") == 0


@check("focus_visible")
def focus_visible(ctx, rule):
    data = _walk(ctx, rule)
    pixels = data.get("focusPixels") if isinstance(data.get("focusPixels"), dict) else {}
    seen: dict[int, str] = {}
    variants: dict[int, str | None] = {}
    for rec in data.get("records") or []:
        nid = rec.get("nid")
        if not nid or nid < 0 or _frame_without_focus(rec):
            continue
        if rec.get("tag") == "iframe":
            verdict = CANT_TELL     # the indicator is drawn inside the frame's document, on its own elements
        elif rec.get("styleChanged") or rec.get("outline"):
            verdict = PASSED
        elif rec.get("landed") != nid or rec.get("others") or not all(rec.get("size") or [0]):
            verdict = CANT_TELL     # something else changed (an indicator?), or no unfocused styles to compare
        else:
            verdict = FAILED
        px = pixel_verdict(pixels.get(str(nid))) if rec.get("landed") == nid else None
        if px is not None and rec.get("tag") != "iframe":
            if verdict == CANT_TELL and px != PASSED:
                pass                # another element changed: the indicator may be outside the measured box
            else:
                if px == CANT_TELL or (px == FAILED and verdict == PASSED):
                    variants[nid] = "faint" if px == FAILED else "small"
                verdict = px
        # One visible focus for an element is enough; keep the best verdict seen.
        if nid not in seen or _ORDER[verdict] > _ORDER[seen[nid]]:
            seen[nid] = verdict
    for nid, verdict in seen.items():
        el = ctx.by_nid.get(str(nid))
        if el is None or ctx.is_hidden(el):
            continue
        variant = variants.get(nid) if verdict != PASSED else None
        yield Verdict(verdict, el, **({"variant": variant} if variant else {}))


@check("aria_hidden_focusable")
def aria_hidden_focusable(ctx, rule):
    """4.1.2: an element in the tab order inside aria-hidden="true" is reached by keyboard but not announced. A
    focus sentinel that passes focus on at once (focus lands elsewhere) is fine."""
    data = _walk(ctx, rule)
    seen = set()
    for rec in data.get("records") or []:
        nid = rec.get("nid")
        if not nid or nid in seen:
            continue
        seen.add(nid)
        el = ctx.by_nid.get(str(nid))
        if el is None or not aria_hidden(el):
            continue
        if rec.get("landed") == nid:
            yield Verdict(FAILED, el)
        else:
            yield Verdict(PASSED, el)


# ---------------------------------------------------------------- scripted controls that are not controls (KB04)

_WIDGET_ROLES = frozenset({"button", "link", "checkbox", "radio", "switch", "tab", "menuitem", "menuitemcheckbox",
                           "menuitemradio", "option", "treeitem", "combobox", "slider", "spinbutton", "textbox",
                           "searchbox", "gridcell", "row", "columnheader", "rowheader", "listbox", "menu", "menubar",
                           "tablist", "tree", "grid", "scrollbar", "application", "dialog", "presentation", "none"})


@check("scripted_control")
def scripted_control(ctx, rule):
    """2.1.1 / 4.1.2: an element that the page's script makes clickable (a click or pointer listener, or onclick)
    but that is no control: no native control, no widget role, and nothing inside it a control. Not focusable and
    looking clickable (cursor: pointer): failed — keyboard users cannot reach it and screen readers do not
    announce it. Focusable without a role, or not looking clickable (a listener that may only track clicks):
    cantTell. Large boxes (over 40 % of the viewport: a backdrop, a delegating container) are left out."""
    facts = (ctx.artifacts.get("dom") or {}).get("scripted")
    if facts is None:
        return
    found = False
    for nid, w, h, cursor, position, tabindex, role, how, large in facts:
        el = ctx.by_nid.get(str(nid))
        if el is None or large or ctx.is_hidden(el):
            continue
        if role in _WIDGET_ROLES:
            continue
        found = True
        focusable = tabindex is not None and int(tabindex) >= 0
        what = ctx.snippet(el)[:80]
        if not focusable and cursor == "pointer":
            yield Verdict(FAILED, el, what=what, w=w, h=h)
        elif focusable:
            yield Verdict(CANT_TELL, el, variant="focusable", what=what, w=w, h=h)
        else:
            yield Verdict(CANT_TELL, el, variant="unclear", what=what, w=w, h=h)
    if not found:
        yield Verdict(PASSED, None)
