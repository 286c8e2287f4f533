"""Time limits: meta refresh with a delay (2.2.1, F40/F41; ACT bc659a) and timed JavaScript redirects found in the
inline scripts of the raw source (candidates). Japanese pattern JP-TIME-LIMIT."""

from __future__ import annotations

import re

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check

MAX_DELAY = 72000   # 20 hours: the 2.2.1 twenty-hour exception
_ASCII_WS = " \t\n\f\r"


def parse_refresh(content: str | None):
    """The HTML 'shared declarative refresh steps': (delay seconds, url or None), or None when the value is not a
    valid refresh (then browsers ignore it). 「0: url」「+5; url」「foo」「; 30」「」 are invalid."""
    if content is None:
        return None
    s, pos, n = content, 0, len(content)
    if not s:
        return None
    while pos < n and s[pos] in _ASCII_WS:
        pos += 1
    start = pos
    while pos < n and s[pos].isascii() and s[pos].isdigit():
        pos += 1
    digits = s[start:pos]
    if not digits:
        if pos >= n or s[pos] != ".":
            return None
        delay = 0
    else:
        delay = int(digits)
    while pos < n and s[pos].isascii() and (s[pos].isdigit() or s[pos] == "."):
        pos += 1
    url = None
    if pos < n:
        if s[pos] not in ";," + _ASCII_WS:
            return None
        while pos < n and s[pos] in _ASCII_WS:
            pos += 1
        if pos < n and s[pos] in ";,":
            pos += 1
        while pos < n and s[pos] in _ASCII_WS:
            pos += 1
        rest = s[pos:]
        m = re.match(r"(?i)url\s*=\s*", rest)
        if m:
            rest = rest[m.end():]
        if rest[:1] in ("'", '"'):
            q = rest[0]
            rest = rest[1:]
            end = rest.find(q)
            rest = rest if end < 0 else rest[:end]
        url = rest.strip() or None
    return delay, url


@check("meta_refresh")
def meta_refresh(ctx, rule):
    """The first valid <meta http-equiv=refresh> decides (browsers act on it): delay 0 (immediate redirect) or
    more than 20 hours passes; 1–72000 seconds fails, whether it redirects or reloads the page."""
    for meta in ctx.soup.find_all("meta"):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        parsed = parse_refresh(meta.get("content"))
        if parsed is None:
            continue
        delay, url = parsed
        if 0 < delay <= MAX_DELAY:
            kind = ("リダイレクト", "redirects") if url else ("再読み込み", "reloads")
            yield Verdict(FAILED, meta, delay=delay, url=url or "", kind=kind[0], kind_en=kind[1],
                          content=meta.get("content"))
        else:
            yield Verdict(PASSED, meta)
        return


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_TIMER = re.compile(r"\bset(?:Timeout|Interval)\s*\(", re.I)
_NAVIGATE = re.compile(r"\blocation\s*(?:\.\s*(?:href\s*=(?!=)|replace\s*\(|assign\s*\(|reload\s*\()|=(?!=))"
                       r"|\bnavigate\s*\(|\.submit\s*\(\s*\)", re.I)
_DELAY = re.compile(r",\s*(\d{3,})\s*\)")


@check("timed_script_redirect")
def timed_script_redirect(ctx, rule):
    """Inline scripts (raw source) that start a timer and change location: a likely timed redirect or reload
    (F41-like). A candidate: whether the user can turn it off, adjust or extend it needs a person."""
    source = ((ctx.artifacts.get("dom") or {}).get("source")) or ""
    if not source:
        return
    found = False
    for m in _SCRIPT.finditer(source):
        attrs, body = m.group(1), m.group(2)
        if re.search(r"\bsrc\s*=", attrs, re.I) or not body.strip():
            continue
        if re.search(r"type\s*=\s*[\"']?(?!text/javascript|module|application/javascript)[a-z]", attrs, re.I):
            continue   # JSON, templates
        timer = _TIMER.search(body)
        if not timer or not _NAVIGATE.search(body):
            continue
        found = True
        line = source.count("\n", 0, m.start()) + 1
        delay = _DELAY.search(body, timer.start())
        seconds = int(delay.group(1)) / 1000 if delay else None
        shown = "" if seconds is None else (f"{seconds:g}秒後に" if seconds else "")
        shown_en = "" if seconds is None else f" after {seconds:g} s"
        el = _script_element(ctx, body)
        yield Verdict(CANT_TELL, el, line=line, after=shown, after_en=shown_en,
                      code=" ".join(body[timer.start(): timer.start() + 80].split()))
    if not found and source:
        yield Verdict(PASSED, None)


def _script_element(ctx, body: str):
    want = body.strip()
    for s in ctx.soup.find_all("script"):
        if (s.string or "").strip() == want:
            return s
    return None


@check("meta_refresh_no_exception")
def meta_refresh_no_exception(ctx, rule):
    """AAA (3.2.5, ACT bisz58): any delay on the first valid meta refresh, even beyond 20 hours, is a candidate;
    only an immediate redirect (delay 0) passes. cantTell, because 3.2.5 is outside the A/AA claim."""
    for meta in ctx.soup.find_all("meta"):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        parsed = parse_refresh(meta.get("content"))
        if parsed is None:
            continue
        delay, url = parsed
        if delay > 0:
            kind = ("リダイレクト", "redirects") if url else ("再読み込み", "reloads")
            yield Verdict(CANT_TELL, meta, delay=delay, url=url or "", kind=kind[0], kind_en=kind[1],
                          content=meta.get("content"))
        else:
            yield Verdict(PASSED, meta)
        return
