"""What one page × viewport load produced (PageLoad), and the engine-neutral steps of turning a response into
artifacts: decoding the raw HTML as a browser would, telling a feed or XML document from a page, naming an error, and
building the page / dom / axe artifacts from collect.js's output. Shared by both engines (browser.py, selenium_engine.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class PageLoad:
    """What one page × viewport produced: artifacts, or an error kind and message."""

    url: str
    viewport: str
    artifacts: dict | None = None
    error_kind: str | None = None     # timeout | renderer_crash | network | http_error | not_html | error
    error: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    retry_after: str | None = None     # the Retry-After header of a 429/503 answer
    links: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    validators: dict = field(default_factory=dict)     # etag / last-modified of the page (incremental re-audit)
    subresources: list = field(default_factory=list)   # [url, etag, last-modified] of scripts and stylesheets


# What browsers mean by these labels (WHATWG Encoding): Shift_JIS is Windows-31J (①, 髙 …), EUC-JP likewise.
_CHARSET_ALIASES = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
                    "ms_kanji": "cp932", "windows-31j": "cp932", "csshiftjis": "cp932", "ms932": "cp932",
                    "euc-jp": "euc_jis_2004", "x-euc-jp": "euc_jis_2004", "cseucpkdfmtjapanese": "euc_jis_2004"}


def _decode(body: bytes, content_type: str) -> str:
    """The raw HTML as text, decoded as a browser would: header charset, then BOM / <meta charset>, then (old
    Japanese sites often declare nothing) UTF-8 if valid, else Shift_JIS or EUC-JP, whichever decodes cleanly.
    Broken byte sequences become U+FFFD, never mojibake."""
    # Chromium hands back the body already transcoded to UTF-8 whenever it knew the page's encoding (header or
    # <meta>), and the raw bytes otherwise: valid UTF-8 first (Japanese Shift_JIS/EUC-JP text is never valid
    # UTF-8), then the declared charset.
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    charset = m.group(1) if m else None
    if not charset:
        if body[:3] == b"\xef\xbb\xbf":
            charset = "utf-8"
        else:
            m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", body[:4096], re.I)
            charset = m.group(1).decode("ascii") if m else None
    if charset:
        codec = _CHARSET_ALIASES.get(charset.lower(), charset)
        try:
            return body.decode(codec, errors="replace")
        except LookupError:
            pass
    candidates = []
    for codec in ("cp932", "euc_jis_2004"):
        try:
            candidates.append((_japanese_score(text := body.decode(codec)), text))
        except UnicodeDecodeError:
            continue
    if candidates:
        return max(candidates, key=lambda c: c[0])[1]
    return body.decode("utf-8", errors="replace")


def _japanese_score(text: str) -> int:
    """Kana and common kanji count for, half-width katakana and private-use characters against: EUC-JP bytes read
    as Shift_JIS come out as half-width kana soup."""
    good = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
    bad = sum(1 for ch in text if "\uff61" <= ch <= "\uff9f" or "\ue000" <= ch <= "\uf8ff")
    return good - 2 * bad


_XML_PROLOGUE = re.compile(r"^(?:\ufeff)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z][\w:.-]*)", re.S)
_FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf", "channel"}


def not_a_page(content_type: str, source: str) -> str | None:
    """Why a response served with an XML content type is not a web page (None when it is one): an RSS/Atom feed or
    another XML document is shown by Chromium's XML viewer, and auditing that as a page only gives false failures
    (no title, no viewport). XHTML (root element html) is a page; HTML content types always are."""
    ctype = (content_type or "").lower()
    if "html" in ctype or "xml" not in ctype:
        return None
    m = _XML_PROLOGUE.match(source or "")
    root = m.group(1).lower() if m else ""
    if root == "html" or root.endswith(":html"):
        return None
    if root in _FEED_ROOTS or "rss" in ctype or "atom" in ctype:
        return f"feed ({content_type})"
    return f"XML document ({content_type}, root element {root or '?'})"


def classify_error(exc: BaseException) -> str:
    text = str(exc)
    if "ERR_TOO_MANY_REDIRECTS" in text:
        return "redirect_loop"
    if "ERR_BLOCKED_BY_CLIENT" in text:
        return "blocked"          # a redirect or navigation to a host outside the site / a forbidden address
    if "Timeout" in type(exc).__name__ or "Timeout " in text or "timeout" in text.split("\n")[0].lower():
        return "timeout"
    if "crash" in text.lower() or "Target closed" in text or "has been closed" in text:
        return "renderer_crash"
    if "Download is starting" in text:
        return "not_html"
    if "net::ERR_" in text:
        return "network"
    return "error"


def build_artifacts(result: PageLoad, url: str, final_url: str, data: dict, source: str, marks: tuple) -> None:
    """The page, dom and axe artifacts from collect.js's output: one shape whichever engine gathered them."""
    t_start, t_loaded, t_settled, t_axe_loaded, t_done = marks
    result.timings = {
        "load_ms": round((t_loaded - t_start) * 1000, 1), "settle_ms": round((t_settled - t_loaded) * 1000, 1),
        "axe_inject_ms": round((t_axe_loaded - t_settled) * 1000, 1),
        "axe_ms": round(data["timings"]["axe"], 1), "cjk_contrast_ms": round(data["timings"].get("cjk", 0), 1),
        "collect_ms": round(data["timings"]["collect"], 1),
        "total_ms": round((t_done - t_start) * 1000, 1),
    }
    facts = data["facts"]
    result.links = data["dom"].pop("links")
    result.artifacts = {
        "page": {"url": url, "final_url": final_url, "status": result.http_status,
                 "content_type": result.content_type, "title": facts["title"], "lang": facts["lang"],
                 "charset": facts["charset"], "viewport_meta": facts["viewportMeta"],
                 "scroll_width": facts["scrollWidth"], "client_width": facts["clientWidth"],
                 "inner_width": facts["innerWidth"], "inner_height": facts["innerHeight"],
                 "timings": result.timings, "links": result.links},
        "dom": {**data["dom"], "source": source},
        "axe": data["axe"] if data["axe"] else {"error": data["axeError"]},
    }
