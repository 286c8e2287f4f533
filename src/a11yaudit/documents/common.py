"""Helpers shared by the PDF and OOXML analysers (run inside the worker process)."""

from __future__ import annotations

import re
import unicodedata

LANG_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
PLACEHOLDER_TITLES = re.compile(
    r"^(無題|untitled|no title|タイトルなし|文書\d*|document\d*|ドキュメント\d*|book\d*|presentation\d*|"
    r"powerpoint プレゼンテーション|プレゼンテーション\d*|slide\s*\d*|スライド\s*\d*|about:blank|new document)$",
    re.IGNORECASE)
APP_PREFIX = re.compile(r"^microsoft (word|excel|powerpoint) - ", re.IGNORECASE)
FILE_NAME = re.compile(r"^[^\s/\\]+\.(pdf|docx?|xlsx?|pptx?|jtd|rtf|odt|txt|html?|png|jpe?g|gif|bmp|tiff?|emf|wmf)$",
                       re.IGNORECASE)


class Hostile(Exception):
    """A file built to exhaust the checker: the result gets this error kind and the reason."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def verdict(rule: str, outcome: str, location: str = "", variant: str | None = None, **details) -> dict:
    d = {"rule": rule, "outcome": outcome, "location": location, "details": details}
    if variant:
        d["details"]["variant"] = variant
    return d


def script_stats(text: str) -> dict:
    """Counts of the characters that tell a script and those that tell broken extraction."""
    kana = kanji = latin = hangul = pua = replacement = controls = radicals = other = 0
    for ch in text:
        o = ord(ch)
        if ch.isspace():
            continue
        if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
            kana += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF:
            kanji += 1
        elif 0x2E80 <= o <= 0x2FDF:          # CJK Radicals Supplement, Kangxi Radicals
            radicals += 1
        elif 0xAC00 <= o <= 0xD7AF:
            hangul += 1
        elif 0xE000 <= o <= 0xF8FF or o >= 0xF0000:
            pua += 1
        elif o == 0xFFFD:
            replacement += 1
        elif unicodedata.category(ch) == "Cc":
            controls += 1
        elif ch.isalpha() and o < 0x250:
            latin += 1
        else:
            other += 1
    return {"kana": kana, "kanji": kanji, "radicals": radicals, "latin": latin, "hangul": hangul, "pua": pua,
            "replacement": replacement, "controls": controls, "other": other}


def add_stats(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}


def letters(stats: dict) -> int:
    return sum(stats.get(k, 0) for k in ("kana", "kanji", "radicals", "latin", "hangul"))


def is_japanese(stats: dict) -> bool:
    """Japanese text: kana (which no other language writes) and mostly CJK letters."""
    n = letters(stats)
    return stats.get("kana", 0) >= 10 and n > 0 and (stats["kana"] + stats["kanji"] + stats["radicals"]) / n >= 0.5


def is_mostly_latin(stats: dict) -> bool:
    n = letters(stats)
    return n >= 50 and stats.get("latin", 0) / n >= 0.9


def broken_chars(stats: dict) -> int:
    return stats.get("pua", 0) + stats.get("replacement", 0) + stats.get("controls", 0)


def primary_subtag(lang: str | None) -> str | None:
    if not lang:
        return None
    return re.split(r"[-_\s]", lang.strip())[0].lower()


def title_problem(title: str | None) -> str | None:
    """'missing', 'placeholder' (無題, 文書1, Microsoft Word - 文書1) or 'file_name'; None for a real title."""
    t = " ".join((title or "").split())
    if not t:
        return "missing"
    bare = APP_PREFIX.sub("", t)
    stem = re.sub(r"\.(docx?|xlsx?|pptx?|pdf|jtd|rtf)$", "", bare, flags=re.IGNORECASE)
    if PLACEHOLDER_TITLES.match(stem) or re.fullmatch(r"[\d_\-.\s]+", stem):
        return "placeholder"
    if FILE_NAME.match(bare) or bare != t:
        return "file_name"
    return None


def short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
