"""Layout checks on the facts of the layout passes (gather/interact.py): text clipped when the page is zoomed to
200 % (1.4.4) and two-dimensional scrolling at 320 CSS px (1.4.10). Pure functions of the `layout` artifact."""

from __future__ import annotations

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check

# Content that WCAG 1.4.10 allows to scroll in two dimensions (data tables, maps, diagrams, code, video …).
TWO_D_ALLOWED = "table, pre, code, svg, canvas, video, iframe, img, map, object, embed, math, [role=img], [role=grid]"


def _layout(ctx):
    data = ctx.artifacts.get("layout") or {}
    if data.get("error") and "zoom200" not in data:
        raise RuntimeError(f"layout pass failed: {data['error']}")
    return data


def _control_near(el) -> bool:
    """A link or button inside, around or right after a clipped box: the usual 「続きを読む」「もっと見る」 pattern of a
    truncated summary whose full text is one step away."""
    if el.select_one("a[href], button") or el.find_parent("a") is not None:
        return True
    sib = el.find_next_sibling()
    return sib is not None and (sib.name in ("a", "button") or sib.select_one("a[href], button") is not None)


@check("zoom_clip")
def zoom_clip(ctx, rule):
    """1.4.4 (F69): text clipped at 200 % zoom. Vertical clipping hides lines; horizontal clipping counts when a line
    is cut through (whole items outside the box, as in a carousel, need a human). A link or button to the full text
    next to the box makes it a review item."""
    data = _layout(ctx)
    if "zoom200" not in data:
        return
    yield from clip_verdicts(ctx, data["zoom200"].get("clipped", []), data["zoom200"].get("overlaps", []))


def _axis(x: bool, y: bool) -> dict:
    """The direction text is cut in, for the rule messages (Japanese and English)."""
    if x and not y:
        return {"axis": "横", "axis_en": "horizontally"}
    if y and not x:
        return {"axis": "縦", "axis_en": "vertically"}
    return {"axis": "縦横", "axis_en": "both ways"}


def clip_verdicts(ctx, entries, overlaps=()):
    """Verdicts for clipped-text entries [nid, x clipped, y clipped, …, line cut] of a layout or text pass, and for
    text newly drawn over other text [nid a, nid b, share] (lines spilling out of a fixed-height box with overflow:
    visible onto the next block): half a line or more covered fails, a quarter is a review item."""
    checked = 0
    for a, b, share in overlaps:
        el, other = ctx.by_nid.get(str(a)), ctx.by_nid.get(str(b))
        if el is None or other is None or ctx.is_hidden(el) or ctx.is_hidden(other):
            continue
        checked += 1
        what = ctx.snippet(other)[:60]
        yield Verdict(FAILED if share >= 0.5 else CANT_TELL, el, variant="overlap", other=what,
                      share=round(share * 100))
    for entry in entries:
        nid, x, y = entry[0], bool(entry[1]), bool(entry[2])
        cut = bool(entry[4]) if len(entry) > 4 else True
        el = ctx.by_nid.get(str(nid)) if nid is not None else None
        if el is None or ctx.is_hidden(el):
            continue
        checked += 1
        if _control_near(el) or (x and not y and not cut):
            yield Verdict(CANT_TELL, el, **_axis(x, y))
        else:
            yield Verdict(FAILED, el, **_axis(x, y))
    if not checked:
        yield Verdict(PASSED, None)


def _data_table(table) -> bool:
    """A table that holds data (WCAG allows it to scroll), not a layout table (role=presentation, no headers)."""
    if table.get("role") in ("presentation", "none"):
        return False
    return table.find(["th", "caption"]) is not None or table.find(attrs={"scope": True}) is not None


def _two_d_content(el) -> bool:
    if el.name == "table" or el.find_parent("table") is not None:
        table = el if el.name == "table" else el.find_parent("table")
        return _data_table(table)
    if el.name in TWO_D_ALLOWED.split(", ") or el.find_parent(["pre", "figure"]) is not None:
        return True
    inner = el.select_one("pre, canvas, svg, iframe, video, map")
    tables = el.find_all("table")
    return inner is not None or (bool(tables) and all(_data_table(t) for t in tables))


# Inside a scroll container: content allowed to scroll in two dimensions, and parts that may need it (toolbars,
# tab bars, menus scrolled sideways: a person judges).
_ALLOWED_INSIDE = ["pre", "code", "samp", "kbd", "svg", "canvas", "video", "iframe", "map", "object", "embed", "math",
                   "figure"]
_ALLOWED_ROLES = {"img", "grid", "treegrid", "application", "math", "figure"}
_BAR_ROLES = {"toolbar", "tablist", "menubar", "menu", "navigation", "listbox", "tree"}


def _inside(el, names=(), roles=()) -> bool:
    node = el
    while node is not None and getattr(node, "name", None) not in (None, "[document]"):
        if node.name in names or (node.get("role") or "").strip().lower() in roles:
            return True
        node = node.parent
    return False


def _scroller_content(ctx, box, out_nids) -> str:
    """What sticks out of a scroll container: 'allowed' (data table, code, map, diagram …), 'unsure' (a table
    without header cells, a toolbar or navigation bar scrolled sideways, form controls inside such parts) or 'text'
    (running text or form controls that need scrolling in two dimensions)."""
    kinds = set()
    for nid in out_nids:
        el = ctx.by_nid.get(str(nid))
        if el is None:
            continue
        table = el if el.name == "table" else el.find_parent("table")
        if table is not None and (table is box or any(p is box for p in table.parents)):
            kinds.add("allowed" if _data_table(table) else "unsure")
        elif _inside(el, _ALLOWED_INSIDE, _ALLOWED_ROLES):
            kinds.add("allowed")
        elif _inside(el, ("nav",), _BAR_ROLES) or _inside(box, ("nav",), _BAR_ROLES) \
                or (el.find_parent("li") is not None and (el.name == "a" or el.find_parent("a") is not None)):
            kinds.add("unsure")
        else:
            kinds.add("text")
    if not kinds:
        return "allowed"
    return "text" if "text" in kinds else "unsure" if "unsure" in kinds else "allowed"


def scroller_verdicts(ctx, z, rule):
    """1.4.10 inside scroll containers: an overflow-x auto/scroll box whose visible content is wider than the box at
    320 CSS px scrolls sideways although the page does not. Running text and form controls: failed; data tables,
    code, maps and diagrams are allowed to: passed; tables without header cells and navigation/toolbars scrolled
    sideways: cantTell."""
    tolerance = int(rule.options.get("container_tolerance_px", 8))
    for entry in (z.get("scrollers") or [])[: int(rule.options.get("max_elements", 5)) * 2]:
        nid, over, box_width, _text, _controls, out_nids = entry[:6]
        items = bool(entry[6]) if len(entry) > 6 else False
        el = ctx.by_nid.get(str(nid))
        if el is None or ctx.is_hidden(el) or el.name in ("html", "body") or over <= tolerance:
            continue
        kind = _scroller_content(ctx, el, out_nids)
        if kind == "text" and items:
            kind = "unsure"     # whole cards or slides side by side, each as narrow as the box: a carousel
        if kind == "allowed":
            yield Verdict(PASSED, el)
            continue
        yield Verdict(FAILED if kind == "text" else CANT_TELL, el,
                      variant="container" if kind == "text" else "container_candidate",
                      width=z.get("clientWidth") or 320, box=box_width, over=over)


@check("reflow")
def reflow(ctx, rule):
    data = _layout(ctx)
    z = data.get("zoom400")
    if not z:
        return
    width = z.get("clientWidth") or 320
    excess = (z.get("scrollWidth") or 0) - width
    inner = list(scroller_verdicts(ctx, z, rule))
    yield from inner
    if excess <= int(rule.options.get("tolerance_px", 1)):
        if not inner:
            yield Verdict(PASSED, None)
        return
    named = 0
    for nid, over in z.get("wide", []):
        el = ctx.by_nid.get(str(nid))
        if el is None or ctx.is_hidden(el) or el.name in ("html", "body"):
            continue
        named += 1
        allowed = _two_d_content(el)
        yield Verdict(CANT_TELL if allowed else FAILED, el, width=width, over=over)
        if named >= int(rule.options.get("max_elements", 5)):
            break
    if not named:
        yield Verdict(FAILED, None, width=width, over=excess)
