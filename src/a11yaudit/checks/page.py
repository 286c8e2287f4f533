"""Page-level checks: titles that do not describe the page (JIS X 8341-3 2.4.2, failure F25)."""

from __future__ import annotations

import re
import unicodedata

from ..rules.model import FAILED, PASSED
from ..rules.registry import Verdict, check

# miChecker C_60.1's patterns (無題.*, .*untitled.*, .*no title.*, .*\.html?, [\p{Punct}\d]+) plus CMS defaults.
PLACEHOLDER_TITLES = [
    re.compile(r"^無題"), re.compile(r"untitled", re.I), re.compile(r"no\s*title", re.I),
    re.compile(r"^(新しいページ|new page|タイトル|title|document|ドキュメント|ページ名)\s*\d*$", re.I),
    re.compile(r"\.(html?|php|aspx?|jsp|cgi)$", re.I),
    re.compile(r"^[\W\d_]+$"),
]


@check("page_title")
def page_title(ctx, rule):
    title_el = ctx.soup.find("title")
    raw = ctx.page.get("title")
    if raw is None:
        raw = title_el.get_text() if title_el else ""
    title = unicodedata.normalize("NFKC", raw).strip()
    target = title_el
    if not title:
        yield Verdict(FAILED, target, title=raw, why="空のタイトル")
        return
    for pattern in PLACEHOLDER_TITLES:
        if pattern.search(title):
            yield Verdict(FAILED, target, title=title, why="仮のタイトル・ファイル名")
            return
    yield Verdict(PASSED, target)
