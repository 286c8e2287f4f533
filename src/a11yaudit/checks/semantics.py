"""Page semantics shared by every check (after axe-core's lib/commons): element ids, the hidden / visible tests, roles,
the accessible name (accname 1.2, approximated on the DOM artifact) and the document type of a URL.

One definition of each: the checks do not compute names or visibility on their own. Results that several rules of
one page × viewport ask for (the id table) are cached on the CheckContext.
"""

from __future__ import annotations

import re

from bs4 import NavigableString, Tag

from ..urlkinds import document_format, document_type  # noqa: F401  (the checks read them from here)

NID = "data-a11y-nid"
_WS = re.compile(r"\s+")
_NOT_RENDERED_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Never part of a name or of the text a reader hears.
SKIP_TEXT = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Elements laid out as blocks (CSS display: block / list-item / table-cell …): their text is separated from the
# text around them by a space in a name; inline elements join without one (「市<b>役所</b>」 is 「市役所」).
BLOCK_TAGS = frozenset("""
address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure footer form
h1 h2 h3 h4 h5 h6 header hgroup html li main nav ol p pre section summary table tbody td tfoot th thead tr ul
legend button option select optgroup menu center
""".split())
# Roles whose name may come from their content (ARIA 1.2 "name from: contents").
NAME_FROM_CONTENT = frozenset({
    "button", "cell", "checkbox", "columnheader", "gridcell", "heading", "link", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "radio", "row", "rowheader", "switch", "tab", "tooltip", "treeitem", "summary"})
IMPLICIT_ROLE = {"a": "link", "button": "button", "summary": "summary", "h1": "heading", "h2": "heading",
                 "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading", "td": "cell", "th": "columnheader",
                 "option": "option", "legend": "legend", "caption": "caption", "label": "label"}


def collapse(text: str | None) -> str:
    """Whitespace collapsed to single spaces, stripped (no Unicode normalisation)."""
    return _WS.sub(" ", text or "").strip()


# ---------------------------------------------------------------- ids

def id_map(ctx) -> dict[str, Tag]:
    """id → the first element with that id (as getElementById), computed once per page."""
    cached = ctx.__dict__.get("_sem_ids")
    if cached is None:
        cached = {}
        for el in ctx.soup.find_all(id=True):
            cached.setdefault(el["id"], el)
        ctx.__dict__["_sem_ids"] = cached
    return cached


def referenced(ctx, el: Tag, attr: str) -> list[Tag]:
    """The elements an ID-reference list attribute (aria-labelledby, aria-describedby, headers …) names, in order;
    ids that match nothing are left out."""
    table = id_map(ctx)
    return [table[ref] for ref in (el.get(attr) or "").split() if ref in table]


# ---------------------------------------------------------------- hidden / visible

def not_rendered(ctx, el: Tag) -> bool:
    """The element itself is not rendered: hidden per the browser (display:none, visibility:hidden …, recorded in
    the DOM artifact), the hidden attribute, or an inline display:none / visibility:hidden (pages built from plain
    HTML, where no browser recorded anything)."""
    if el.get(NID) in ctx.hidden_nids or el.has_attr("hidden"):
        return True
    style = el.get("style")
    return bool(style and _NOT_RENDERED_STYLE.search(style))


def aria_hidden_attr(el: Tag) -> bool:
    """The element itself carries aria-hidden="true" (ASCII case-insensitive)."""
    return str(el.get("aria-hidden") or "").strip().lower() == "true"


def self_hidden(ctx, el: Tag) -> bool:
    """The element itself is left out of the accessibility tree: not rendered, or aria-hidden. Tree walks that stop
    at hidden elements use this on each node; ctx.is_hidden (rules/context.py, behind ctx.select) asks the same of
    the element and its ancestors from the browser's record and the attributes."""
    return aria_hidden_attr(el) or not_rendered(ctx, el)


def _up(el: Tag):
    node = el
    while isinstance(node, Tag) and node.name != "[document]":
        yield node
        node = node.parent


def rendered_hidden(ctx, el: Tag) -> bool:
    """The element or an ancestor is not rendered (aria-hidden does not count: the content is still seen)."""
    return any(not_rendered(ctx, node) for node in _up(el))


def aria_hidden(el: Tag) -> bool:
    """The element or an ancestor carries aria-hidden="true" (seen, perhaps, but not announced)."""
    return any(aria_hidden_attr(node) for node in _up(el))


# ---------------------------------------------------------------- roles

def explicit_role(el: Tag) -> str | None:
    role = (el.get("role") or "").strip().lower()
    return role.split()[0] if role else None


def _image_like(el: Tag) -> bool:
    return el.name in ("img", "area") or (el.name == "input" and (el.get("type") or "").lower() == "image")


# ---------------------------------------------------------------- the accessible name

def content_text(ctx, el: Tag, *, include_hidden: bool = False, _depth: int = 0) -> str:
    """el's subtree as a name from content (accname step 2F): text nodes, and the names of embedded images, svg,
    controls and elements (their aria-label first); hidden parts are left out unless include_hidden. Block-level
    children, line breaks and images are separated by a space; inline elements join without one."""
    parts: list[str] = []
    for child in el.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:   # not comments, CDATA, doctype
                parts.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in SKIP_TEXT:
            continue
        if not include_hidden and self_hidden(ctx, child):
            continue
        if child.name == "br":
            parts.append(" ")
        elif _image_like(child):
            parts.append(" " + (child.get("aria-label") or child.get("alt") or "") + " ")
        elif child.name == "svg":
            title = child.find("title")
            parts.append(" " + (child.get("aria-label") or (title.get_text() if title else "")) + " ")
        elif _depth < 50:
            inner = accessible_name(ctx, child, _depth=_depth + 1, from_content=True, include_hidden=include_hidden)
            parts.append(f" {inner} " if child.name in BLOCK_TAGS else inner)
    return collapse("".join(parts))


def _referenced_name(ctx, el: Tag, ref: Tag, _depth: int) -> str:
    """The text an aria-labelledby / aria-describedby target contributes: its aria-label, an image's alt, else its
    content, hidden parts included (as browsers do for referenced content)."""
    label = collapse(ref.get("aria-label"))
    if label:
        return label
    if _image_like(ref):
        return collapse(ref.get("alt"))
    return content_text(ctx, ref, include_hidden=True, _depth=_depth + 1)


def referenced_text(ctx, el: Tag, attr: str, _depth: int = 0) -> str:
    """The text of the elements an ID-reference list names (aria-labelledby, aria-describedby, headers), joined."""
    return collapse(" ".join(_referenced_name(ctx, el, ref, _depth) for ref in referenced(ctx, el, attr)))


def labelledby_text(ctx, el: Tag, _depth: int = 0) -> str | None:
    """The name given by aria-labelledby (hidden targets included), or None when it names nothing."""
    return referenced_text(ctx, el, "aria-labelledby", _depth) or None


def labels_of(ctx, el: Tag) -> list[Tag]:
    """The label elements of a form control: label[for=id], then an enclosing label without for."""
    found = []
    ident = el.get("id")
    if ident:
        found += [lab for lab in ctx.soup.find_all("label") if lab.get("for") == ident]
    parent = el.find_parent("label")
    if parent is not None and not parent.get("for") and parent not in found:
        found.append(parent)
    return found


def accessible_name(ctx, el: Tag, *, _depth: int = 0, from_content: bool = False,
                    include_hidden: bool = False) -> str:
    """A practical approximation of the accessible name (accname 1.2) of el: aria-labelledby, aria-label, the
    native name (alt, label, value, legend, title of frames and svg), the content for roles named from content,
    then title. `from_content`: el is being read as part of an ancestor's content."""
    if _depth == 0 or not from_content:
        by = labelledby_text(ctx, el, _depth)
        if by:
            return by
    label = collapse(el.get("aria-label"))
    if label:
        return label
    name = el.name
    typ = (el.get("type") or "").lower()
    if _image_like(el):
        alt = el.get("alt")
        if alt is not None and collapse(alt):
            return collapse(alt)
        return collapse(el.get("title"))
    if name in ("input", "select", "textarea"):
        if name == "input" and typ in ("button", "submit", "reset"):
            value = collapse(el.get("value"))
            return value if from_content else value or {"submit": "Submit", "reset": "Reset"}.get(typ, "")
        if from_content:
            return ""
        texts = [content_text(ctx, lab, include_hidden=include_hidden) for lab in labels_of(ctx, el)]
        text = collapse(" ".join(t for t in texts if t))
        return text or collapse(el.get("title")) or collapse(el.get("placeholder"))
    if name in ("iframe", "object", "svg"):
        return collapse(el.get("title"))
    if name == "fieldset":
        legend = el.find("legend")
        if legend is not None:
            return content_text(ctx, legend, include_hidden=include_hidden)
    if name == "details":
        return ""
    role = explicit_role(el) or IMPLICIT_ROLE.get(name)
    if from_content or role in NAME_FROM_CONTENT or name == "summary":
        text = content_text(ctx, el, include_hidden=include_hidden, _depth=_depth)
        if text:
            return text
    return "" if from_content else collapse(el.get("title"))
