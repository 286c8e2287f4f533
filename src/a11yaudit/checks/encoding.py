"""The page's character encoding declaration (GN24): a page that names its encoding neither in the HTTP
Content-Type nor in the HTML is decoded by each browser's guess. Chromium (and so Chrome and Edge) detects
Shift_JIS and EUC-JP, but never UTF-8 on an http(s) page by design: an undeclared UTF-8 page is shown as
mojibake (「ã¿ã©ã‚ŠçœŒ」 for 「みどり県」) whatever the user's language."""

from __future__ import annotations

import html as _html
import re

from ..rules.model import FAILED, PASSED
from ..rules.registry import Verdict, check

# What browsers mean by these labels (WHATWG Encoding).
_CODECS = {"windows-1252": "cp1252", "iso-8859-1": "cp1252", "us-ascii": "cp1252", "shift_jis": "cp932",
           "euc-jp": "euc_jis_2004", "iso-2022-jp": "iso2022_jp", "utf-8": "utf-8", "utf-16le": "utf-16-le",
           "utf-16be": "utf-16-be", "gbk": "gbk", "big5": "big5", "euc-kr": "euc_kr"}
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?[\w.:-]+", re.I)
# The HTML prescan (WHATWG §13.2.3.2) looks at the first 1024 bytes: <meta charset> or http-equiv Content-Type.
_META_CHARSET = re.compile(r"<meta\b[^>]*?\bcharset\s*=\s*[\"']?[\w.:-]+", re.I)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def declared(content_type: str | None, source: str) -> str | None:
    """Where the encoding is declared ("HTTP", "BOM", "meta"), or None."""
    if _HTTP_CHARSET.search(content_type or ""):
        return "HTTP"
    if source.startswith("\ufeff"):
        return "BOM"
    if _META_CHARSET.search(source[:1024]):
        return "meta"
    return None


def misdecoded(source: str, shown_title: str, charset: str) -> bool:
    """True when the browser's decoding (document.characterSet) cannot give the author's text: the source holds
    characters that encoding lacks, or the title the browser shows is the source's title read in that encoding
    (or holds U+FFFD where the source's has none)."""
    codec = _CODECS.get((charset or "").lower())
    if codec is None or codec == "utf-8":
        return False
    try:
        source.encode(codec)
    except UnicodeEncodeError:
        return True
    except LookupError:
        return False
    m = _TITLE.search(source)
    authored = _norm(_html.unescape(m.group(1))) if m else ""
    shown = _norm(shown_title)
    if authored and shown and authored != shown and not authored.isascii():
        if "\ufffd" in shown and "\ufffd" not in authored:
            return True
        try:
            return shown.encode(codec).decode("utf-8") == authored
        except (UnicodeError, LookupError):
            return False
    return False


def encoding_state(artifacts: dict) -> tuple[str, str] | None:
    """How a rendered page's encoding stands: None when it cannot be judged (no HTTP header in the artifacts: rule
    examples, pages rendered from strings); ("declared", where), ("ascii", "") when there is nothing a guess could
    get wrong, ("garbled", charset) when the browser's guess turned the author's text into mojibake, ("guessed",
    charset) otherwise. One answer for GN24 and for the gate, which fails closed on a garbled page."""
    page = artifacts.get("page") or {}
    if "content_type" not in page:
        return None
    source = (artifacts.get("dom") or {}).get("source") or ""
    where = declared(page.get("content_type"), source)
    if where:
        return "declared", where
    if source.isascii():
        return "ascii", ""
    charset = page.get("charset") or "?"
    return ("garbled" if misdecoded(source, page.get("title") or "", charset) else "guessed"), charset


@check("encoding_declared")
def encoding_declared(ctx, rule):
    """Failed when neither the Content-Type header, a BOM nor a <meta charset> in the first 1024 bytes names the
    encoding of a page whose text is not plain ASCII. Pages from artifacts without the HTTP header (rule examples,
    pages rendered from strings) are not judged."""
    state = encoding_state(ctx.artifacts)
    if state is None or state[0] == "ascii":
        return
    kind, charset = state
    if kind == "declared":
        yield Verdict(PASSED, None)
    elif kind == "garbled":
        yield Verdict(FAILED, None, charset=charset,
                      problem=f"ブラウザーが {charset} として解釈し、文字化けしています",
                      problem_en=f"the browser read it as {charset}: the text is garbled (mojibake)")
    else:
        yield Verdict(FAILED, None, charset=charset,
                      problem=f"ブラウザーの自動判別（{charset}）で表示されています。判別は確実ではなく、ブラウザーによっては"
                              "文字化けします",
                      problem_en=f"it is shown by the browser's guess ({charset}), which is not reliable: other "
                                 "browsers may show mojibake")
