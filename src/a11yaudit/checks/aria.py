"""ARIA and name checks: summary names (4.1.2), required ID references (1.3.1/4.1.2), iframes with the same
name (4.1.2), and meta viewport zoom (1.4.4).

A small accessible-name computation lives here (aria-labelledby, aria-label, native labels, content, title); it
is deliberately conservative: hidden text referenced by aria-labelledby counts, as in browsers.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from bs4 import NavigableString, Tag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check

_WS = re.compile(r"\s+")
SKIP_TEXT = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Roles whose name may come from their content (ARIA 1.2 "name from: contents"), plus generic containers used
# inside them.
NAME_FROM_CONTENT = frozenset({
    "button", "cell", "checkbox", "columnheader", "gridcell", "heading", "link", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "radio", "row", "rowheader", "switch", "tab", "tooltip", "treeitem", "summary"})
IMPLICIT_ROLE = {"a": "link", "button": "button", "summary": "summary", "h1": "heading", "h2": "heading",
                 "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading", "td": "cell", "th": "columnheader",
                 "option": "option", "legend": "legend", "caption": "caption", "label": "label"}


def norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def explicit_role(el: Tag) -> str | None:
    role = (el.get("role") or "").strip().lower()
    return role.split()[0] if role else None


def id_map(ctx) -> dict[str, Tag]:
    cache = ctx.__dict__.setdefault("_gn_ids", {})
    if not cache:
        for el in ctx.soup.find_all(id=True):
            cache.setdefault(el["id"], el)
        cache.setdefault("\0", None)   # marks "built" for pages without ids
    return cache


def _self_hidden(ctx, el: Tag) -> bool:
    return el.get(
        "data-a11y-nid") in ctx.hidden_nids or el.get("aria-hidden") == "true" or el.has_attr("hidden")


def content_text(ctx, el: Tag, *, include_hidden: bool = False, _depth: int = 0) -> str:
    """Text of el's subtree as a name from content: text nodes plus names of embedded images/controls."""
    parts: list[str] = []
    for child in el.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:   # not comments, CDATA, doctype
                parts.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in SKIP_TEXT:
            continue
        if not include_hidden and _self_hidden(ctx, child):
            continue
        if child.name in ("img", "area") or (child.name == "input" and (child.get("type") or "").lower() == "image"):
            parts.append(" " + (child.get("aria-label") or child.get("alt") or "") + " ")
        elif child.name == "svg":
            title = child.find("title")
            parts.append(" " + (child.get("aria-label") or (title.get_text() if title else "")) + " ")
        elif _depth < 50:
            inner = accessible_name(ctx, child, _depth=_depth + 1, from_content=True, include_hidden=include_hidden)
            parts.append(" " + inner + " ")
    return norm("".join(parts))


def labels_of(ctx, el: Tag) -> list[Tag]:
    found = []
    ident = el.get("id")
    if ident:
        found += [lab for lab in ctx.soup.find_all("label") if lab.get("for") == ident]
    parent = el.find_parent("label")
    if parent is not None and not parent.get("for") and parent not in found:
        found.append(parent)
    return found


def labelledby_text(ctx, el: Tag, _depth: int = 0) -> str | None:
    """Text of the elements referenced by aria-labelledby (hidden ones included), or None when there are none."""
    ids = (el.get("aria-labelledby") or "").split()
    if not ids:
        return None
    idm = id_map(ctx)
    texts = []
    for ident in ids:
        ref = idm.get(ident)
        if ref is None:
            continue
        if ref is el:
            texts.append(norm(el.get("aria-label")) or content_text(ctx, el, include_hidden=True, _depth=_depth + 1))
        else:
            texts.append(norm(ref.get("aria-label")) or content_text(ctx, ref, include_hidden=True,
                                                                      _depth=_depth + 1))
    return norm(" ".join(texts)) if any(texts) else None


def accessible_name(ctx, el: Tag, *, _depth: int = 0, from_content: bool = False, include_hidden: bool = False) -> str:
    """A practical approximation of the accessible name (accname 1.2) of el."""
    if _depth == 0 or not from_content:
        by = labelledby_text(ctx, el, _depth)
        if by:
            return by
    label = norm(el.get("aria-label"))
    if label:
        return label
    name = el.name
    typ = (el.get("type") or "").lower()
    if name in ("img", "area") or (name == "input" and typ == "image"):
        alt = el.get("alt")
        if alt is not None and norm(alt):
            return norm(alt)
        return norm(el.get("title"))
    if name in ("input", "select", "textarea") and not from_content:
        if name == "input" and typ in ("button", "submit", "reset"):
            return norm(el.get("value")) or {"submit": "Submit", "reset": "Reset"}.get(typ, "")
        texts = [content_text(ctx, lab, include_hidden=include_hidden) for lab in labels_of(ctx, el)]
        text = norm(" ".join(t for t in texts if t))
        return text or norm(el.get("title")) or norm(el.get("placeholder"))
    if name in ("input", "select", "textarea"):
        return norm(el.get("value")) if name == "input" and typ in ("button", "submit", "reset") else ""
    if name == "iframe" or name == "object" or name == "svg":
        return norm(el.get("title"))
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
    return "" if from_content else norm(el.get("title"))


# ---------------------------------------------------------------- summary (ACT 2t702h)

@check("summary_name")
def summary_name(ctx, rule):
    """The first summary child of a details element is its disclosure button: it needs a name."""
    for details in ctx.select("details"):
        summary = details.find("summary", recursive=False)
        if summary is None or ctx.is_hidden(summary):
            continue
        role = explicit_role(summary)
        if role and role not in ("none", "presentation"):
            continue   # another role: other rules apply (an explicit button role is checked by axe)
        name = accessible_name(ctx, summary)
        yield Verdict(PASSED if name else FAILED, summary)


# ---------------------------------------------------------------- required ID references (ACT in6db8)

REQUIRED_IDREFS = {
    # role: (attribute, condition on the element)
    "scrollbar": ("aria-controls", lambda el: True),
    "combobox": ("aria-controls", lambda el: (el.get("aria-expanded") or "").strip().lower() == "true"),
}


@check("required_idrefs")
def required_idrefs(ctx, rule):
    idm = id_map(ctx)
    for el in ctx.select("[role]"):
        role = explicit_role(el)
        spec = REQUIRED_IDREFS.get(role or "")
        if not spec:
            continue
        attr, applies = spec
        if not applies(el):
            continue
        ids = (el.get(attr) or "").split()
        if not ids:
            continue   # a missing required attribute is axe's aria-required-attr
        if any(i in idm for i in ids):
            yield Verdict(PASSED, el)
        else:
            yield Verdict(FAILED, el, attr=attr, ids=" ".join(ids), role=role)


# ---------------------------------------------------------------- iframes with the same name (ACT 4b1c6c)

def _frame_target(ctx, el: Tag) -> str | None:
    if el.has_attr("srcdoc"):
        return None   # its content is inline: cannot compare by address
    src = (el.get("src") or "").strip()
    base = ctx.page.get("final_url") or ctx.page.get("url") or ctx.url or ""
    return urldefrag(urljoin(base, src or "about:blank"))[0]


@check("iframe_same_name")
def iframe_same_name(ctx, rule):
    groups: dict[str, list[Tag]] = {}
    for el in ctx.select("iframe"):
        role = explicit_role(el)
        if role in ("none", "presentation"):
            continue
        name = accessible_name(ctx, el)
        if name:
            groups.setdefault(name.casefold(), []).append(el)
    for frames in groups.values():
        if len(frames) < 2:
            continue
        targets = {_frame_target(ctx, f) for f in frames}
        if len(targets) == 1 and None not in targets:
            for f in frames:
                yield Verdict(PASSED, f)
            continue
        name = accessible_name(ctx, frames[0])
        for f in frames:
            yield Verdict(CANT_TELL, f, name=name, n=len(frames))


# ---------------------------------------------------------------- meta viewport (ACT b4f0c3)

_NUM = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)")


def _viewport_value(value: str, keyword_values: dict) -> float | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in keyword_values:
        return keyword_values[v]
    m = _NUM.match(v)
    if m:
        return float(m.group(0))
    return 0.0   # an unknown keyword is treated as 0 by browsers


def viewport_problems(content: str) -> list[str] | None:
    """Problems of a meta viewport content string; None when it neither sets user-scalable nor maximum-scale."""
    props = {}
    for part in re.split(r"[,;]", content or ""):
        if "=" in part:
            key, _, value = part.partition("=")
            props[key.strip().lower()] = value
    relevant = False
    problems = []
    if "user-scalable" in props:
        value = _viewport_value(props["user-scalable"], {"yes": 1.0, "no": 0.0, "device-width": 10.0,
                                                         "device-height": 10.0})
        if value is not None:
            relevant = True
            if abs(value) < 1:
                problems.append(f"user-scalable={props['user-scalable'].strip()}")
    if "maximum-scale" in props:
        value = _viewport_value(props["maximum-scale"], {"yes": 1.0, "no": 0.1, "device-width": 10.0,
                                                         "device-height": 10.0})
        if value is not None and value >= 0:
            relevant = True
            if max(value, 0.1) < 2:
                problems.append(f"maximum-scale={props['maximum-scale'].strip()}")
    return problems if relevant else None


@check("viewport_zoom")
def viewport_zoom(ctx, rule):
    for meta in ctx.soup.find_all("meta"):
        if (meta.get("name") or "").strip().lower() != "viewport" or not meta.has_attr("content"):
            continue
        problems = viewport_problems(meta.get("content") or "")
        if problems is None:
            continue
        if problems:
            yield Verdict(FAILED, meta, content=meta.get("content"), problems="、".join(problems))
        else:
            yield Verdict(PASSED, meta)
