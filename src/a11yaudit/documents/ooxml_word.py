"""Word documents (docx; runs inside the worker process): paragraph styles through their basedOn chains, the
paragraphs' text, headings and heading-like paragraphs, the East Asian language of Japanese text, and rules DOC23
and DOC25 for docx (documented in ooxml.py)."""

from __future__ import annotations

import re

from .common import Hostile, add_stats, is_japanese, primary_subtag, script_stats, short, verdict
from .ooxml_package import Package
from ..rules.model import CANT_TELL, FAILED, INAPPLICABLE, PASSED

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLE_NAME = re.compile(r"^(heading\s*[1-9]|title|見出し\s*[1-9]|表題)$", re.IGNORECASE)


class _Styles:
    """docx paragraph styles: heading-ness, bold, size and East Asian language through basedOn chains."""

    def __init__(self, root):
        self.styles, self.default_para = {}, None
        self.default_size, self.default_lang, self.default_lang_val = 20, None, None
        if root is None:
            return
        rpr = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        if rpr is not None:
            sz = rpr.find(f"{W}sz")
            if sz is not None and (sz.get(f"{W}val") or "").isdigit():
                self.default_size = int(sz.get(f"{W}val"))
            lang = rpr.find(f"{W}lang")
            if lang is not None:
                self.default_lang, self.default_lang_val = lang.get(f"{W}eastAsia"), lang.get(f"{W}val")
        for st in root.iter(f"{W}style"):
            if st.get(f"{W}type") != "paragraph":
                continue
            sid = st.get(f"{W}styleId")
            name_el, based = st.find(f"{W}name"), st.find(f"{W}basedOn")
            olvl = st.find(f"{W}pPr/{W}outlineLvl")
            srpr = st.find(f"{W}rPr")
            self.styles[sid] = {
                "name": name_el.get(f"{W}val") if name_el is not None else "",
                "based": based.get(f"{W}val") if based is not None else None,
                "outline": olvl.get(f"{W}val") if olvl is not None else None,
                "bold": _bold(srpr), "size": _size(srpr), "lang": _lang(srpr)}
            if st.get(f"{W}default") in ("1", "true"):
                self.default_para = sid
        normal = self.styles.get(self.default_para or "")
        if normal and normal["size"]:
            self.default_size = normal["size"]

    def chain(self, sid):
        seen = 0
        while sid in self.styles and seen < 20:
            yield self.styles[sid]
            sid, seen = self.styles[sid]["based"], seen + 1

    def is_heading(self, sid) -> bool:
        for st in self.chain(sid):
            if HEADING_STYLE_NAME.match(st["name"] or ""):
                return True
            if st["outline"] is not None and st["outline"].isdigit() and int(st["outline"]) <= 8:
                return True
        return False

    def prop(self, sid, key):
        for st in self.chain(sid):
            if st[key] is not None:
                return st[key]
        return None


def _bold(rpr):
    if rpr is None:
        return None
    b = rpr.find(f"{W}b")
    if b is None:
        return None
    return (b.get(f"{W}val") or "true").lower() not in ("0", "false", "off")


def _size(rpr):
    if rpr is None:
        return None
    sz = rpr.find(f"{W}sz")
    v = sz.get(f"{W}val") if sz is not None else None
    return int(v) if v and v.isdigit() else None


def _lang(rpr):
    if rpr is None:
        return None
    lang = rpr.find(f"{W}lang")
    return lang.get(f"{W}eastAsia") if lang is not None else None


def _docx(pkg: Package, verdicts: list, facts: dict) -> tuple[dict, str | None]:
    styles = _Styles(pkg.xml("word/styles.xml"))
    body = pkg.xml("word/document.xml")
    if body is None:
        raise Hostile("damaged", "word/document.xml is missing")
    total, headings, heading_like, ja_chars_by_lang = _read_body(body, styles)
    facts["headings"] = headings
    facts["heading_like"] = [short(h, 30) for h in heading_like[:5]]
    verdicts.append(_headings_verdict(headings, heading_like))
    lang = styles.default_lang or styles.default_lang_val
    verdicts.append(_language_verdict(total, ja_chars_by_lang, styles, lang))
    facts["text"] = total
    return total, lang


def _read_body(body, styles: _Styles) -> tuple[dict, int, list[str], dict]:
    """The script counts of the text, the paragraphs with a heading style or outline level, the heading-like
    paragraphs (bold, larger, short) and the kana/kanji count per East Asian language."""
    total: dict = {}
    headings, heading_like = 0, []
    ja_chars_by_lang: dict = {}
    for p in body.iter(f"{W}p"):
        ppr = p.find(f"{W}pPr")
        style_el = ppr.find(f"{W}pStyle") if ppr is not None else None
        sid = style_el.get(f"{W}val") if style_el is not None else styles.default_para
        p_outline = ppr.find(f"{W}outlineLvl") if ppr is not None else None
        runs = []
        for r in p.iter(f"{W}r"):
            t = "".join(x.text or "" for x in r.iter(f"{W}t"))
            if t:
                runs.append((r.find(f"{W}rPr"), t))
        text = "".join(t for _, t in runs)
        if not text.strip():
            continue
        stats = script_stats(text)
        total = add_stats(total, stats)
        if styles.is_heading(sid) or (p_outline is not None and (p_outline.get(f"{W}val") or "9").isdigit()
                                      and int(p_outline.get(f"{W}val")) <= 8):
            headings += 1
        elif _looks_like_heading(styles, sid, runs, text):
            heading_like.append(text.strip())
        for rpr, t in runs:
            st = script_stats(t)
            cjk = st["kana"] + st["kanji"]
            if cjk:
                lang = _lang(rpr) or styles.prop(sid, "lang") or styles.default_lang
                ja_chars_by_lang[lang] = ja_chars_by_lang.get(lang, 0) + cjk
    return total, headings, heading_like, ja_chars_by_lang


def _looks_like_heading(styles: _Styles, sid, runs: list, text: str) -> bool:
    """Bold throughout, 15 % larger than the default size, at most 60 characters and not a sentence."""
    bold = all((_bold(rpr) if _bold(rpr) is not None else bool(styles.prop(sid, "bold"))) for rpr, _ in runs)
    size = max((_size(rpr) or styles.prop(sid, "size") or styles.default_size) for rpr, _ in runs)
    stripped = text.strip()
    return bool(bold and size >= styles.default_size * 1.15 and len(stripped) <= 60 and not stripped.endswith("。"))


def _headings_verdict(headings: int, heading_like: list[str]) -> dict:
    """DOC23 for docx."""
    if headings:
        return verdict("DOC23", PASSED, count=headings)
    if heading_like:
        return verdict("DOC23", CANT_TELL, "word/document.xml", count=len(heading_like),
                       examples="「" + "」「".join(short(h, 20) for h in heading_like[:3]) + "」")
    return verdict("DOC23", INAPPLICABLE)


def _language_verdict(total: dict, ja_chars_by_lang: dict, styles: _Styles, lang: str | None) -> dict:
    """DOC25 for docx."""
    if not sum(total.values()):
        return verdict("DOC25", INAPPLICABLE)
    if is_japanese(total):
        cjk = sum(ja_chars_by_lang.values()) or 1
        other = {k: n for k, n in ja_chars_by_lang.items() if k and primary_subtag(k) != "ja"}
        unset = ja_chars_by_lang.get(None, 0)
        if sum(other.values()) / cjk >= 0.5:
            wrong = max(other, key=other.get)
            return verdict("DOC25", FAILED, "word/styles.xml", variant="mismatch", lang=wrong)
        if unset / cjk >= 0.5:
            return verdict("DOC25", CANT_TELL, variant="missing")
        return verdict("DOC25", PASSED, lang=lang or "")
    if styles.default_lang_val:
        return verdict("DOC25", PASSED, lang=styles.default_lang_val)
    return verdict("DOC25", CANT_TELL, variant="missing")
