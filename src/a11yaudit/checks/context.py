"""Changes of context made by inline event handlers (3.2.1 On Focus, 3.2.2 On Input).

GN25: an element whose inline onfocus handler removes focus again (``this.blur()``; F55, a classic way of hiding
the focus outline of links) fails 3.2.1 (and breaks keyboard use); an onfocus handler that navigates, submits or
opens a window is a candidate (the handler may be conditional). GN26: a form control whose inline onchange /
oninput handler (onclick for radio buttons and check boxes, which fires on selection) navigates, submits its form
or opens a window is a candidate for 3.2.2 (F36, F37): whether the user is told before is for a person to judge.
Handlers added with addEventListener are not seen (they are not in the markup)."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED
from ..rules.registry import Verdict, check
from .timing import _NAVIGATE

_OPENS = re.compile(r"\bwindow\s*\.\s*open\s*\(|\bopen\s*\(\s*['\"]", re.I)
_BLUR_SELF = re.compile(r"^\s*(?:javascript\s*:)?\s*(?:this|event\.target|window\.event\.srcElement)\s*\.\s*blur\s*"
                        r"\(\s*\)\s*;?\s*(?:return\s+(?:true|false)\s*;?\s*)?$", re.I)
_CHOICE = {"radio", "checkbox"}
_TEXTISH_NO_CHANGE = {"button", "submit", "reset", "image", "hidden"}


def _what(code: str) -> tuple[str, str] | None:
    if _OPENS.search(code):
        return "新しいウィンドウを開く", "opens a window"
    if re.search(r"\.submit\s*\(\s*\)", code, re.I):
        return "フォームを送信する", "submits the form"
    if _NAVIGATE.search(code):
        return "ページを移動する", "navigates to another page"
    return None


def _code(el, *names: str) -> tuple[str, str] | None:
    for name in names:
        code = el.get(name)
        if isinstance(code, str) and code.strip():
            return name, code
    return None


@check("context_change_on_focus")
def context_change_on_focus(ctx, rule):
    for el in ctx.soup.find_all(lambda t: t.has_attr("onfocus") or t.has_attr("onfocusin")):
        found = _code(el, "onfocus", "onfocusin")
        if found is None:
            continue
        attr, code = found
        short = " ".join(code.split())[:80]
        if _BLUR_SELF.match(code):
            yield Verdict(FAILED, el, variant="blur", attr=attr, code=short)
            continue
        what = _what(code)
        if what is not None:
            yield Verdict(CANT_TELL, el, attr=attr, code=short, what=what[0], what_en=what[1])


@check("context_change_on_input")
def context_change_on_input(ctx, rule):
    for el in ctx.soup.find_all(["select", "input", "textarea"]):
        kind = (el.get("type") or "text").strip().lower() if el.name == "input" else el.name
        if kind in _TEXTISH_NO_CHANGE:
            continue
        names = ("onchange", "oninput") + (("onclick",) if kind in _CHOICE else ())
        found = _code(el, *names)
        if found is None:
            continue
        attr, code = found
        what = _what(code)
        if what is not None:
            yield Verdict(CANT_TELL, el, attr=attr, code=" ".join(code.split())[:80], what=what[0], what_en=what[1])
