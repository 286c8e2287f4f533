"""Raw-source checks: full-width spaces (U+3000) typed into markup by an IME (4.1.1, JIS 2016/2010 only).
Japanese pattern JP-MULTIBYTE-SPACE-IN-TAG; a11yc cannot_contain_multibyte_space."""

from __future__ import annotations

import re

from ..rules.model import FAILED, PASSED
from ..rules.registry import Verdict, check

# Comments, scripts, styles, textarea/pre contents: blanked (newlines kept, so line numbers stay right).
_OPAQUE = re.compile(r"<!--.*?-->|<(script|style|textarea|title)\b[^>]*>.*?</\1\s*>", re.I | re.S)
# A start or end tag: "<" + letter (or "/"), up to the first ">" outside quotes.
_TAG = re.compile(r"</?[A-Za-z][^\s>/\u3000]*(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def _blank(m: re.Match) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))


def fullwidth_spaces_in_tags(source: str) -> list[tuple[int, str]]:
    """(line, tag text) of every tag with U+3000 outside its quoted attribute values."""
    text = _OPAQUE.sub(_blank, source)
    out = []
    for m in _TAG.finditer(text):
        tag = m.group(0)
        if "\u3000" not in tag:
            continue
        if "\u3000" in _QUOTED.sub("", tag):
            line = text.count("\n", 0, m.start()) + 1
            out.append((line, source[m.start(): m.end()]))
    return out


@check("fullwidth_space_in_markup")
def fullwidth_space_in_markup(ctx, rule):
    """One page-level verdict: the browser parses <img　src=…> as an unknown element named 「img　src=…」 and
    drops the attribute, so the parsing failure shows only in the source as served."""
    source = ((ctx.artifacts.get("dom") or {}).get("source")) or ""
    if not source:
        return
    hits = fullwidth_spaces_in_tags(source)
    page = ctx.soup.find("html")   # a page-level finding (the source line is in the message)
    if not hits:
        yield Verdict(PASSED, page)
        return
    lines = "、".join(str(line) for line, _ in hits[:20]) + ("…" if len(hits) > 20 else "")
    raw = re.sub(r"[ \t\r\n]+", " ", hits[0][1])[:80]
    yield Verdict(FAILED, page, count=len(hits), lines=lines, lines_en=lines.replace("、", ", "),
                  tag=raw.replace("\u3000", "［全角スペース］"), raw=raw.replace("\u3000", "[U+3000]"))
