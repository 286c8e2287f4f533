"""自治体ガイドライン (gov-style addon profile) checks: not JIS X 8341-3 success criteria, 総務省/municipal writing
rules (the gov-style addon): file format and size next to document links, 機種依存文字, full-width digits in
numbers, date notation. Advisory: the profile is never mixed into the 達成基準チェックリスト."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin

from bs4 import NavigableString, Tag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .chars import FULLWIDTH_DIGITS, MACHINE_DEPENDENT_CLASS, NUMBER_SEPARATORS, REPLACEMENTS
from .common import block_of, blocks, links, norm
from .semantics import accessible_name, document_format

# ---------------------------------------------------------------- document links: 「（PDF形式：123KB）」
FORMAT_WORDS = {
    "PDF": r"pdf", "Word": r"word|ワード|docx?\b", "Excel": r"excel|エクセル|xlsx?\b|xlsm\b",
    "PowerPoint": r"powerpoint|パワーポイント|pptx?\b", "ZIP": r"zip", "ODF": r"odt|ods|odp|opendocument",
}
ANY_FORMAT = re.compile("|".join(f"(?:{v})" for v in FORMAT_WORDS.values()), re.I)
SIZE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(kb|mb|gb|キロバイト|メガバイト|ギガバイト|kバイト|mバイト|bytes?|バイト)",
                  re.I)
_UNIT = {"kb": 1024, "キロバイト": 1024, "kバイト": 1024, "mb": 1024 ** 2, "メガバイト": 1024 ** 2, "mバイト": 1024 ** 2,
         "gb": 1024 ** 3, "ギガバイト": 1024 ** 3, "byte": 1, "bytes": 1, "バイト": 1}


def stated_size(text: str) -> tuple[str, int] | None:
    """The file size stated in a link text: ('123KB', 125952) (binary units; KB/キロバイト/MB/…)."""
    m = SIZE.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    unit = m.group(2).lower()
    return m.group(0).replace(" ", ""), int(number * _UNIT.get(unit, 1))


def _notice_text(ctx, link: Tag, name: str) -> str:
    """Link name plus the text next to it: the whole block when it holds one document link, else the text after the
    link up to the next link (「申請書（PDF：120KB）／（Word：30KB）」)."""
    block = block_of(ctx, link)
    if block is None:
        return name
    others = [a for a in block.el.find_all("a", href=True) if a is not link and document_format(a["href"])]
    if not others:
        return name + " " + block.text
    parts = [name]
    for sib in link.next_siblings:
        if isinstance(sib, Tag) and (sib.name == "a" or sib.find("a")):
            break
        parts.append(str(sib) if isinstance(sib, NavigableString) else sib.get_text())
    return " ".join(parts)


@check("document_link_notice")
def document_link_notice(ctx, rule):
    """Links to PDF/Word/Excel/PowerPoint/ZIP files must say the format and the size next to the link."""
    for el in links(ctx):
        href = el.get("href")
        doc = document_format(href) if href else None
        if doc is None:
            continue
        ext, label = doc
        name = accessible_name(ctx, el)
        text = norm(_notice_text(ctx, el, name))
        size = stated_size(text)
        has_format = bool(ANY_FORMAT.search(text))
        right_format = bool(re.search(FORMAT_WORDS[label], text, re.I))
        missing = []
        if not has_format:
            missing.append(("ファイル形式", "format"))
        if size is None:
            missing.append(("容量", "size"))
        shown = norm(name)[:60] or href
        stated = size[0] if size else "なし"
        if missing:
            yield Verdict(FAILED, el, text=shown, format=label, missing="と".join(m[0] for m in missing),
                          missing_en=" and ".join(m[1] for m in missing), size=stated,
                          size_en=size[0] if size else "none",
                          size_bytes=size[1] if size else None, href=href)
        elif not right_format:
            yield Verdict(FAILED, el, text=shown, format=label, missing=f"正しい形式（実際は{label}）",
                          missing_en=f"the right format (the file is {label})", size=stated, size_en=stated,
                          size_bytes=size[1],
                          href=href)
        else:
            yield Verdict(PASSED, el, text=shown, format=label, size=stated, size_bytes=size[1], href=href)


# ---------------------------------------------------------------- 機種依存文字
MACHINE_DEPENDENT = re.compile(f"[{MACHINE_DEPENDENT_CLASS}]+")
_CIRCLED = re.compile(r"[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]")


def replacement(ch: str) -> str:
    if ch in REPLACEMENTS:
        return REPLACEMENTS[ch]
    folded = unicodedata.normalize("NFKC", ch)
    if _CIRCLED.match(ch):
        return f"({folded})"
    return folded if folded != ch else "（文字で説明）"


@check("machine_dependent_chars")
def machine_dependent_chars(ctx, rule):
    """①②, ㈱, ㍻, Ⅰ Ⅱ, ㌔ ㎏, №, ℡, half-width kana …, with the suggested replacement."""
    any_text = False
    for block in blocks(ctx):
        text = block.text
        if not text:
            continue
        any_text = True
        runs = MACHINE_DEPENDENT.findall(text)
        if not runs:
            continue
        chars: list[str] = []
        for run in runs:
            if re.fullmatch(r"[\uff61-\uff9f]+", run):
                if run not in chars:
                    chars.append(run)   # half-width katakana: keep the word together (ｶﾀｶﾅ → カタカナ)
                continue
            for ch in run:
                if ch not in chars:
                    chars.append(ch)
        pairs = [f"{c}→{unicodedata.normalize('NFKC', c) if len(c) > 1 else replacement(c)}" for c in chars[:10]]
        yield Verdict(FAILED, block.el, chars="".join(chars[:10]), suggestions="、".join(pairs),
                      suggestions_en=", ".join(pairs))
    if any_text:
        yield Verdict(PASSED, None)


# ---------------------------------------------------------------- 全角数字
FULLWIDTH_NUMBER = re.compile(f"[{FULLWIDTH_DIGITS}]+(?:[{NUMBER_SEPARATORS}][{FULLWIDTH_DIGITS}]+)+")


@check("fullwidth_digits")
def fullwidth_digits(ctx, rule):
    """「１２，３４５円」「２．４％」「０８５２－２２－１２３４」: full-width digits in numbers with separators."""
    any_text = False
    for block in blocks(ctx):
        text = block.text
        if not text:
            continue
        any_text = True
        found = []
        for m in FULLWIDTH_NUMBER.finditer(text):
            if m.group(0) not in found:
                found.append(m.group(0))
        if found:
            pairs = [f"{n}→{unicodedata.normalize('NFKC', n).replace('ー', '-')}" for n in found[:8]]
            yield Verdict(FAILED, block.el, numbers="、".join(found[:8]), suggestions="、".join(pairs),
                          suggestions_en=", ".join(pairs))
    if any_text:
        yield Verdict(PASSED, None)


# ---------------------------------------------------------------- dates
SLASH_DATE = re.compile(r"(?<![A-Za-z0-9/.\-])(\d{4})/(\d{1,2})/(\d{1,2})(?![A-Za-z0-9/])")
SLASH_MONTH_DAY = re.compile(r"(?<![A-Za-z0-9/.\-])(\d{1,2})/(\d{1,2})\s*\(\s*([月火水木金土日])(?:曜日?)?(?:・?祝)?\s*\)")
WEEKDAY_ABBR = re.compile(r"(\d{1,2})月(\d{1,2})日\s*\(\s*([月火水木金土日])(?:・?祝)?\s*\)")
ERA_ABBR = re.compile(r"(?<![A-Za-z0-9.])([RHS])(\d{1,2})\.(\d{1,2})\.(\d{1,2})(?![\d.])")
_ERA = {"R": "令和", "H": "平成", "S": "昭和"}


def _valid(month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31


@check("date_notation")
def date_notation(ctx, rule):
    """Slash dates (「2026/4/1」 may be read as a fraction) and abbreviated weekdays (「4月1日（水）」) fail;
    abbreviated Japanese eras (「R6.4.1」) are candidates."""
    weekdays = rule.options.get("weekday_abbreviation", True)
    any_text = False
    for block in blocks(ctx):
        raw = block.text
        if not raw:
            continue
        any_text = True
        text = unicodedata.normalize("NFKC", raw)
        text = re.sub(r"https?://\S+", " ", text)
        fixes = []
        for m in SLASH_DATE.finditer(text):
            if _valid(m.group(2), m.group(3)):
                fixes.append(f"{m.group(0)}→{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日")
        for m in SLASH_MONTH_DAY.finditer(text):
            if _valid(m.group(1), m.group(2)):
                fixes.append(f"{m.group(0)}→{int(m.group(1))}月{int(m.group(2))}日{m.group(3)}曜日")
        if weekdays:
            for m in WEEKDAY_ABBR.finditer(text):
                if _valid(m.group(1), m.group(2)):
                    fixes.append(f"{m.group(0)}→{m.group(1)}月{m.group(2)}日{m.group(3)}曜日")
        eras = [f"{m.group(0)}→{_ERA[m.group(1)]}{int(m.group(2))}年{int(m.group(3))}月{int(m.group(4))}日"
                for m in ERA_ABBR.finditer(text) if _valid(m.group(3), m.group(4))]
        if fixes:
            yield Verdict(FAILED, block.el, dates="、".join(fixes[:6]), dates_en=", ".join(fixes[:6]))
        elif eras:
            yield Verdict(CANT_TELL, block.el, dates="、".join(eras[:6]), dates_en=", ".join(eras[:6]))
    if any_text:
        yield Verdict(PASSED, None)


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}MB"
    if n >= 1024:
        return f"{n / 1024:.0f}KB"
    return f"{n}バイト"


@check("document_size_matches")
def document_size_matches(ctx, rule):
    """The size stated next to a document link against the file's real size (HEAD Content-Length, gathered during
    the audit as the `documents` artifact); also a linked document that does not exist. Without that artifact (e.g.
    in the gate or from old artifacts) the rule is inapplicable."""
    sizes = ctx.artifacts.get("documents")
    if not sizes:
        return
    factor = float(rule.options.get("factor", 2.0))
    slack = int(rule.options.get("slack_bytes", 10 * 1024))
    base = ctx.page.get("final_url") or ctx.page.get("url") or ctx.url
    for el in links(ctx):
        href = el.get("href")
        if not href or document_format(href) is None:
            continue
        absolute = urljoin(base, href.strip())
        info = sizes.get(absolute) or sizes.get(absolute.split("#", 1)[0])
        if not info:
            continue
        name = norm(accessible_name(ctx, el))[:60] or href
        if info.get("status") and int(info["status"]) >= 400:
            yield Verdict(FAILED, el, text=name, problem=f"リンク先の文書がありません（HTTP {info['status']}）",
                          problem_en=f"the linked document does not exist (HTTP {info['status']})")
            continue
        actual = info.get("bytes")
        size = stated_size(norm(_notice_text(ctx, el, accessible_name(ctx, el))))
        if actual is None or size is None:
            continue
        stated_bytes = size[1]
        big, small = max(stated_bytes, actual), max(1, min(stated_bytes, actual))
        if big / small > factor and abs(stated_bytes - actual) > slack:
            yield Verdict(FAILED, el, text=name,
                          problem=f"記載の容量（{size[0]}）が実際の容量（{_human_size(actual)}）と大きく異なります",
                          problem_en=f"the stated size ({size[0]}) is far from the real size ({actual} bytes)")
        else:
            yield Verdict(PASSED, el)
