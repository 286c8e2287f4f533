"""Text checks: words spaced out with blanks for visual layout (JIS X 8341-3 1.3.2, failure F32)."""

from __future__ import annotations

import re

from bs4 import NavigableString

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .chars import CJK, SPACING

# (1) ≥3 single CJK characters each separated by blanks: 「お　知　ら　せ」「島 根 県」. High confidence.
RUN_OF_SINGLES = re.compile(rf"(?<![{CJK}])(?:[{CJK}][{SPACING}]+){{2,}}[{CJK}](?![{CJK}])")
# (2) The whole text of a label-like cell is two CJK characters with blanks between: 「氏　名」「日 時」.
TWO_CHAR_LABEL = re.compile(rf"^[{SPACING}]*([{CJK}])[{SPACING}]+([{CJK}])[{SPACING}]*$")
SKIP_PARENTS = {"script", "style", "noscript", "textarea", "pre", "code", "template", "title", "option", "q", "samp"}
OPEN_QUOTES, CLOSE_QUOTES = "「『“\"'", "」』”\"'"


def _quoted_in_prose(text: str, m) -> bool:
    """The spaced run is quoted (「お　知　ら　せ」は…) inside a longer sentence: a text that mentions the spaced word —
    an explanation, a report of the defect — not one laid out with blanks."""
    before, after = text[:m.start()].rstrip(SPACING), text[m.end():].lstrip(SPACING)
    if not (before and after and before[-1] in OPEN_QUOTES and after[0] in CLOSE_QUOTES):
        return False
    rest = (before[:-1] + after[1:]).strip(SPACING)
    return len(rest) >= 4


def _own_text_nodes(ctx):
    body = ctx.soup.body
    if body is None:
        return
    for node in body.descendants:
        if type(node) is not NavigableString:   # skips Comment, CData, Doctype …
            continue
        parent = node.parent
        if parent is None or parent.name in SKIP_PARENTS:
            continue
        yield node, parent


SINGLE_CJK = re.compile(rf"^[{CJK}]$")


def _br_pieces(el) -> list[str]:
    """The text of an element split at its <br> elements."""
    pieces, current = [], []
    for node in el.descendants:
        if getattr(node, "name", None) == "br":
            pieces.append("".join(current))
            current = []
        elif type(node) is NavigableString:
            current.append(str(node))
    pieces.append("".join(current))
    return pieces


@check("spaced_word")
def spaced_word(ctx, rule):
    """F32: blanks inside a word. (1) runs of single characters → failed; (2) two-character labels → failed
    when the pair is a known label word, else cantTell (a name such as 「林 茂」 can look the same)."""
    words = set(rule.options.get("label_words", []))
    reported = set()
    checked = 0
    for node, parent in _own_text_nodes(ctx):
        text = str(node)
        if not text.strip():
            continue
        checked += 1
        m = RUN_OF_SINGLES.search(text)
        while m and _quoted_in_prose(text, m):
            m = RUN_OF_SINGLES.search(text, m.end())
        if m and not ctx.is_hidden(parent):
            reported.add(id(parent))
            yield Verdict(FAILED, parent, text=m.group(0).strip(SPACING))
    for el in ctx.select(rule.selector or "th, td, dt, dd, label, li, button, caption, legend, h1, h2, h3, h4, h5, h6, a"):
        if id(el) in reported:
            continue
        text = el.get_text()
        m = TWO_CHAR_LABEL.match(text)
        if m:
            reported.add(id(el))
            word = m.group(1) + m.group(2)
            yield Verdict(FAILED if word in words else CANT_TELL, el, text=text.strip(SPACING))
            continue
        # <br> between the characters of one word, the usual way of faking vertical writing in a narrow header
        # cell: 「氏<br>名」「備<br>考」「お<br>知<br>ら<br>せ」.
        if el.find("br") is None:
            continue
        pieces = [p.strip(SPACING) for p in _br_pieces(el)]
        pieces = [p for p in pieces if p]
        if len(pieces) >= 2 and all(len(p) == 1 and SINGLE_CJK.match(p) for p in pieces):
            reported.add(id(el))
            word = "".join(pieces)
            shown = "<br>".join(pieces)
            yield Verdict(FAILED if len(pieces) >= 3 or word in words else CANT_TELL, el, text=shown)
    if checked and not reported:
        yield Verdict(PASSED, None)

