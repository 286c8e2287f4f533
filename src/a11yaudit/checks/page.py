"""Page-level checks: titles that do not describe the page (JIS X 8341-3 2.4.2, failure F25; ACT c4a8a4)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .common import blocks, norm
from .semantics import accessible_name

# miChecker C_60.1's patterns (無題.*, .*untitled.*, .*no title.*, .*\.html?, [\p{Punct}\d]+) plus CMS defaults.
PLACEHOLDER_TITLES = [
    re.compile(r"^無題"), re.compile(r"untitled", re.I), re.compile(r"no\s*title", re.I),
    re.compile(r"^(?:insert|enter|add|your|type)\s+(?:the\s+|a\s+|your\s+)?title(?:\s+here)?$|^title\s+here$|"
               r"^(?:new|blank|empty)\s+(?:document|page)$|^(?:page|document)\s+title$", re.I),
    re.compile(r"^(新しいページ|新規ページ|新規作成|新規|名称未設定|タイトルなし|タイトル未設定|ページタイトル|"
               r"タイトルを入力|タイトル|ページ名|ドキュメント|テンプレート|ひな形|雛形|テスト|テストページ|サンプル|"
               r"new page|title|document|template|test|sample|index|default|home page|page)\s*\d*$", re.I),
    # "Insert Page Title Here", "Enter your title", 「ここにタイトルを入力」「タイトルを入力してください」, framework defaults
    re.compile(r"^(?:insert|enter|add|type|your)\s+(?:(?:the|a|your|page|document|site)\s+)*title(?:\s+here)?$|"
               r"^no[\s_-]*title$|^lorem\s+ipsum|^(?:react|vite|angular|vue|next\.?js|nuxt|svelte)\s*app$", re.I),
    re.compile(r"^(?:ここに)?(?:ページ)?タイトル(?:を|が)?(?:入力|記入|入れ|挿入)(?:して(?:ください|下さい))?$|"
               r"^ここにタイトル|^(?:ページ|文書)?タイトル(?:が)?(?:入ります|未入力|なし|無し)$"),
    re.compile(r"\.(html?|php|aspx?|jsp|cgi|shtml|pdf|docx?|xlsx?)$", re.I),
    re.compile(r"^[\W\d_]+$"),
]
# Parts of a title: 「ごみの出し方 | みどり県」「ごみの出し方 - 暮らし - みどり県」.
_SEPARATORS = re.compile(r"\s+[|｜\-–—:：/／]\s+|[|｜]|\s[-–—]\s|｜|：")
_SITE_WORDS = re.compile(r"(公式)?(ホームページ|ウェブサイト|web\s*site|website|サイト|トップページ|top\s*page)$", re.I)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u30a1-\u30fa\u30fc]")
_STOP = {"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "is", "are", "at", "by", "with", "from",
         "page", "home", "site", "web", "website"}


# A title that is only "Home": it names no site and no topic, but on a top page a person may accept it.
_HOME_ONLY = re.compile(r"^(?:home|home\s*page|top|top\s*page|ホーム|トップ|トップページ|ホームページ)$", re.I)


def _title(ctx):
    """The document's title element (the first <title> outside <svg>: an SVG icon's title is not the page's)."""
    title_el = ctx.soup.find(lambda t: t.name == "title" and t.find_parent("svg") is None)
    raw = ctx.page.get("title")
    if raw is None:
        raw = title_el.get_text() if title_el else ""
    return title_el, raw


def _page_path(ctx) -> str:
    """The page's path; a <link rel=canonical> wins (saved pages, examples)."""
    url = ctx.url or ctx.page.get("url") or ""
    for link in (ctx.soup.head or ctx.soup).find_all("link"):
        if link.get("href") and "canonical" in [r.lower() for r in (link.get("rel") or [])]:
            url = urljoin(url, link["href"])
            break
    return urlsplit(url).path or "/"


def _is_top(path: str) -> bool:
    return re.sub(r"(index|default)\.(html?|php|aspx?)$", "", path) in ("", "/")


def _key(text: str) -> str:
    return re.sub(r"\s+", "", norm(text).lower())


def site_names(ctx) -> set[str]:
    """Names the page gives for its site: og:site_name, application-name, the name of links to the home page."""
    names = set()
    for meta in (ctx.soup.head or ctx.soup).find_all("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in ("og:site_name", "application-name"):
            if meta.get("content"):
                names.add(_key(meta["content"]))
    base = ctx.url or ctx.page.get("url") or ""
    root = urljoin(base, "/") if base else "/"
    for a in ctx.soup.find_all("a"):
        if not a.get("href"):
            continue
        href = urljoin(base, a["href"]) if base else a["href"]
        if href.split("#")[0] in (root, root + "index.html"):
            name = accessible_name(ctx, a)
            if name and len(name) <= 40:
                names.add(_key(name))
    names.discard("")
    return names


def _tokens(text: str) -> set[str]:
    text = norm(text).lower()
    out = {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"[a-z0-9]{2,}", text)
           if w not in _STOP}
    cjk = "".join(ch if _CJK.match(ch) else " " for ch in text)
    for run in cjk.split():
        out.update(run[i:i + 2] for i in range(len(run) - 1))
        if len(run) == 1:
            out.add(run)
    return out


@check("page_title")
def page_title(ctx, rule):
    """F25: empty, placeholder or file-name titles fail. Candidates (cantTell): the title is only the site name on
    a page other than the top page, the title is a fragment of the page's h1, or shares no word with the page."""
    title_el, raw = _title(ctx)
    if title_el is None:
        return      # no title element: axe-core's document-title reports it (never "the title is empty")
    title = unicodedata.normalize("NFKC", raw).strip()
    target = title_el
    if not title:
        yield Verdict(FAILED, target, variant="empty", title=raw)
        return
    for pattern in PLACEHOLDER_TITLES:
        if pattern.search(title):
            yield Verdict(FAILED, target, title=title, why="仮のタイトルかファイル名",
                          why_en="it is a placeholder or a file name")
            return
    if _HOME_ONLY.match(title):
        yield Verdict(CANT_TELL, target, variant="candidate", title=title,
                      why="「ホーム」などページの位置を示す語だけで、サイト名も主題も含まない",
                      why_en="it only says where the page is (\"Home\") and names neither the site nor a topic")
        return
    parts = [p for p in _SEPARATORS.split(title) if p.strip()] or [title]
    names = site_names(ctx) if not _is_top(_page_path(ctx)) else set()
    bare = {_SITE_WORDS.sub("", n) for n in names} | names
    content_parts = [p for p in parts if _key(p) not in bare and _SITE_WORDS.sub("", _key(p)) not in bare]
    if names and not content_parts:
        yield Verdict(CANT_TELL, target, variant="candidate", title=title, why="トップページ以外なのにサイト名だけの",
                      why_en="it is only the site name, on a page other than the top page")
        return
    h1 = ctx.soup.body.find("h1") if ctx.soup.body else None
    h1_text = norm(h1.get_text()) if h1 else ""
    if h1_text and _key(title) in _key(h1_text) and len(_key(h1_text)) >= 1.5 * len(_key(title)) + 2:
        yield Verdict(CANT_TELL, target, variant="candidate", title=title, why=f"見出し「{h1_text[:40]}」の一部だけの",
                      why_en=f"it is only a part of the heading \"{h1_text[:40]}\"")
        return
    body_text = " ".join(b.text for b in blocks(ctx))
    wanted = _tokens(" ".join(content_parts))
    if wanted and len(norm(body_text)) >= 20 and not (wanted & _tokens(body_text)):
        yield Verdict(CANT_TELL, target, variant="candidate", title=title, why="ページの本文と共通する語がない",
                      why_en="it shares no word with the page's text")
        return
    yield Verdict(PASSED, target)


def _title_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", title or "").split()).lower()


@check("duplicate_title")
def duplicate_title(site, rule):
    """Site-level (2.4.2): pages of the site sharing one title cannot be told apart in tabs, history and search
    results. Each page of a group gets cantTell naming how many pages share the title and one of them."""
    groups: dict[str, list[dict]] = {}
    for page in site.pages:
        key = _title_key(page.get("title") or "")
        if key:
            groups.setdefault(key, []).append(page)
    ignore = {_title_key(t) for t in rule.options.get("ignore_titles", [])}
    for key, members in groups.items():
        paths = {(p.get("url") or "").split("#", 1)[0].split("?", 1)[0] for p in members}
        if len(paths) < 2 or key in ignore:     # one page reached with several query strings is one page
            for page in members:
                yield page, Verdict(PASSED)
            continue
        members = sorted(members, key=lambda p: p["url"])
        for page in members:
            other = next(p for p in members if p is not page)
            yield page, Verdict(CANT_TELL, None, title=page.get("title"), count=len(members), other=other["url"],
                                selector="title", snippet=f"<title>{page.get('title')}</title>")
