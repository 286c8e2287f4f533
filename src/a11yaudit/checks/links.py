"""Link checks: vague link text judged with its programmatic context (2.4.4 / 2.4.9), and one link text used for
different destinations (G91). Japanese pattern JP-VAGUE-LINK."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urldefrag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .common import block_of, link_context, links, norm
from .semantics import accessible_name

# Link names that say nothing about the destination (NFKC, lower case, decoration stripped; exact match).
VAGUE_JA = {
    "こちら", "ここ", "コチラ", "ココ", "これ", "ここをクリック", "こちらをクリック", "ここをクリックしてください",
    "こちらをクリックしてください", "ここをクリックして下さい", "こちらをクリックして下さい", "詳しくはこちら",
    "詳細はこちら", "くわしくはこちら", "詳しくはここ", "詳細はここ", "詳しくは", "詳細は", "詳細", "詳しく",
    "くわしく", "詳しく見る", "詳細を見る", "詳細を表示", "詳細情報", "もっと見る", "もっとみる", "続きを読む",
    "続きはこちら", "続き", "一覧", "一覧へ", "一覧を見る", "一覧はこちら", "一覧ページへ", "リンク", "リンク先",
    "このページ", "こちらのページ", "このリンク", "ページへ", "開く", "ダウンロード", "ダウンロードはこちら",
    "申し込みはこちら", "お申し込みはこちら", "関連リンク", "参照", "ここから", "こちらから",
}
VAGUE_EN = {
    "click here", "here", "click", "more", "more info", "more information", "read more", "learn more", "see more",
    "view more", "details", "detail", "more details", "continue", "continue reading", "go", "link", "this link",
    "this", "this page", "download", "info", "click here for more", "click here for details", "go here",
}
# Names that only give a file format: the purpose comes from the context (「申請書 [PDF] [Word]」).
FORMAT_NAMES = {
    "pdf", "word", "excel", "powerpoint", "html", "epub", "plain text", "text", "txt", "csv", "zip", "doc", "docx",
    "xls", "xlsx", "ppt", "pptx", "odt", "ods", "テキスト", "ワード", "エクセル", "パワーポイント", "pdf版",
    "word版", "excel版", "テキスト版", "pdfファイル", "pdf形式", "word形式", "excel形式",
}
DEMONSTRATIVE = re.compile(r"^(?:(?:this|that|these|those)(?: [a-z]+){0,2}|(?:この|その(?!他|ほか)|あの|こちらの)\S{0,4})$")
# Vague words that are also the names of pages (「リンク」 is the links page, 「ダウンロード」 a downloads page): in a menu
# of page names they name their page.
PAGE_NAME_WORDS = {"リンク", "リンク集", "関連リンク", "ダウンロード", "一覧", "詳細情報", "参照", "link", "links",
                   "download", "downloads", "info", "information", "more information", "details"}
_MENU_MIN_ITEMS = 3
# Single English words that are fine as a stand-alone link (navigation words, language names).
NAV_WORDS = {"home", "top", "english", "japanese", "sitemap", "contact", "faq", "login", "logout", "search", "menu",
             "access", "privacy", "news", "help", "chinese", "korean", "español", "português"}

# Format/size notices and decoration that do not change what a name says.
_NOTICE = re.compile(r"[(\[（【［<＜]\s*(?:pdf|word|excel|powerpoint|zip|csv|doc|xls|ppt|テキスト|ワード|エクセル)"
                     r"[^)\]）】］>＞]*[)\]）】］>＞]|[(\[（【［]\s*\d[\d.,]*\s*(?:kb|mb|gb|キロバイト|メガバイト|バイト)\s*"
                     r"[)\]）】］]|[(\[（【［]\s*(?:新しいウィンドウ|別ウィンドウ|外部リンク|外部サイト)[^)\]）】］]*[)\]）】］]",
                     re.I)
_DECOR = re.compile(r"[\s>＞»≫›〉》▶►▸→⇒←<＜«≪‹〈《◀◆◇■□●○・•\[\]［］【】「」『』()（）:：!！?？。、,.…]+")
# Context words that add nothing to a vague link (「詳しくは<a>こちら</a>をご覧ください」).
_FILLER_JA = re.compile(r"こちら|コチラ|ここ|ココ|詳しくは|くわしくは|詳しく|詳細は|詳細|をクリック|クリック|して下さい|"
                        r"してください|下さい|ください|ご覧|御覧|ご確認|確認|参照|について|お進み|進んで|移動|"
                        r"もっと見る|続きを読む|一覧|ページ|リンク|ダウンロード|新しいウィンドウ|別ウィンドウ|開きます")
_FILLER_EN = {"a", "an", "the", "to", "of", "in", "on", "for", "and", "or", "is", "are", "be", "by", "at", "with",
              "from", "please", "click", "here", "read", "more", "see", "view", "learn", "go", "this", "that",
              "details", "detail", "info", "information", "link", "page", "download", "you", "can", "find", "about",
              "it", "continue", "our"}
_CJK_CONTENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u30a1-\u30fa\u30fc]")
_HIRA = re.compile(r"[\u3041-\u3096]")
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")


def clean_name(name: str) -> str:
    """Normalise a link name for the vague-word lists: NFKC, lower case, notices and decoration removed."""
    text = norm(name).lower()
    text = _NOTICE.sub(" ", text)
    text = _DECOR.sub(" ", text)
    return " ".join(text.split())


def vague_kind(name: str) -> str | None:
    """'vague' (こちら, click here), 'format' (PDF), 'demonstrative' (this product, この資料) or None."""
    text = clean_name(name)
    if not text:
        return None
    compact = text.replace(" ", "") if _CJK_CONTENT.search(text) or _HIRA.search(text) else text
    if compact in VAGUE_JA or text in VAGUE_EN:
        return "vague"
    if text in FORMAT_NAMES or compact in FORMAT_NAMES:
        return "format"
    if DEMONSTRATIVE.match(text):
        return "demonstrative"
    return None


def context_strength(context: str, name: str) -> int:
    """0 = the context adds nothing, 1 = a little (one word), 2 = enough to judge the purpose from it."""
    text = norm(context).lower()
    own = norm(name).lower()
    if own and own in text:
        text = text.replace(own, " ", 1)
    text = _NOTICE.sub(" ", text)
    text = _FILLER_JA.sub(" ", text)
    cjk = len(_CJK_CONTENT.findall(text))
    words = [w for w in _LATIN_WORD.findall(text) if w not in _FILLER_EN and not w.isdigit()]
    if cjk >= 2 or len(words) >= 2 or (cjk and words):
        return 2
    if cjk == 1 or len(words) == 1 or len(_HIRA.findall(text)) >= 4:
        return 1
    return 0


def _heading_next_to(ctx, link) -> bool:
    """A heading directly before the link's block (or its list): H80 may give the purpose."""
    block = block_of(ctx, link)
    node = block.el if block is not None else link
    for _ in range(3):
        if node is None or node.name in ("body", "main", "html"):
            return False
        prev = node.find_previous_sibling(True)
        if prev is not None:
            return prev.name in ("h1", "h2", "h3", "h4", "h5", "h6")
        node = node.parent
    return False


def _standalone_word(ctx, link, name: str) -> bool:
    """One English word alone in its paragraph (「Workshop」): the name alone may not tell the purpose."""
    text = clean_name(name)
    if not re.fullmatch(r"[a-z][a-z'’-]{1,}", text) or text in NAV_WORDS:
        return False
    block = block_of(ctx, link)
    return (block is not None and block.el.name == "p" and clean_name(block.text) == text
            and not link.get("aria-describedby") and not link.get("title"))


def _in_page_name_menu(ctx, link) -> bool:
    """The link is an item of a menu of page names: it is its list item's only content, in a list of at least
    _MENU_MIN_ITEMS items that are each one link, most of them with names that are not vague (a footer menu
    「サイトマップ・リンク・個人情報の取り扱い」, a category list 「くらし・子育て・その他」)."""
    item = link.find_parent("li")
    if item is None or norm(item.get_text()) != norm(link.get_text()) or len(item.find_all("a")) != 1:
        return False
    menu = item.parent
    if menu is None or menu.name not in ("ul", "ol", "menu"):
        return False
    items = menu.find_all("li", recursive=False)
    if len(items) < _MENU_MIN_ITEMS:
        return False
    named = 0
    for li in items:
        anchors = li.find_all("a")
        if not anchors:
            return False
        if vague_kind(accessible_name(ctx, anchors[0])) is None:
            named += 1
    return named * 2 > len(items)


def _why_ja(kind: str) -> str:
    return {"vague": "リンク先を表さない語", "format": "ファイル形式だけ",
            "demonstrative": "指示語だけ"}.get(kind, "")


@check("vague_link")
def vague_link(ctx, rule):
    """2.4.4: a vague link name is failed when its programmatic context gives nothing, cantTell when the context
    is one word or only a heading next to it (H80), passed otherwise."""
    for el in links(ctx):
        name = accessible_name(ctx, el)
        if not name:
            continue   # no name at all: axe's link-name
        kind = vague_kind(name)
        shown = norm(name)[:60]
        if kind is None:
            if _standalone_word(ctx, el, name):
                yield Verdict(CANT_TELL, el, text=shown, why="1語だけのリンクが単独の段落にあり、文脈がない",
                              why_en="a one-word link alone in its paragraph")
            else:
                yield Verdict(PASSED, el)
            continue
        if clean_name(name).replace(" ", "") in PAGE_NAME_WORDS or clean_name(name) in PAGE_NAME_WORDS:
            if _in_page_name_menu(ctx, el):
                yield Verdict(PASSED, el)
                continue
        strength = context_strength(link_context(ctx, el), name)
        if strength == 2:
            yield Verdict(PASSED, el)
        elif strength == 1:
            yield Verdict(CANT_TELL, el, text=shown, why=f"{_why_ja(kind)}で、文脈が短い",
                          why_en=f"{kind} link text with very little context")
        elif _heading_next_to(ctx, el):
            yield Verdict(CANT_TELL, el, text=shown, why=f"{_why_ja(kind)}で、直前の見出しだけが文脈",
                          why_en=f"{kind} link text; only the heading before it gives context (H80)")
        else:
            yield Verdict(FAILED, el, text=shown, why=f"{_why_ja(kind)}で、同じ文・段落・リスト項目・表のセルにも目的が書かれていない",
                          why_en=f"{kind} link text without any programmatic context")


@check("vague_link_only")
def vague_link_only(ctx, rule):
    """2.4.9 (AAA): the link name alone must give the purpose; vague names are candidates (never failed)."""
    for el in links(ctx):
        name = accessible_name(ctx, el)
        if not name:
            continue
        kind = vague_kind(name)
        if kind is None:
            yield Verdict(PASSED, el)
        else:
            yield Verdict(CANT_TELL, el, text=norm(name)[:60], why=_why_ja(kind), why_en=kind)


def _target(ctx, href: str) -> str:
    url, _ = urldefrag(urljoin(ctx.url or "", href.strip()))
    if url.endswith("/index.html") or url.endswith("/index.htm"):
        url = url[: url.rfind("/") + 1]
    return url


@check("same_text_different_target")
def same_text_different_target(ctx, rule):
    """G91 / 2.4.9: links with the same name but different destinations (「こちら」→ a.pdf, 「こちら」→ b.html)."""
    groups: dict[str, list] = {}
    for el in links(ctx):
        href = el.get("href")
        if href and not href.strip().lower().startswith("javascript:"):
            target = _target(ctx, href)
        elif el.get("role", "").strip().lower() == "link" or (href or "").strip().lower().startswith("javascript:"):
            # A scripted link (role=link + onclick, javascript:): where it goes is not in the markup, so two of them
            # with one name cannot be shown to lead to the same place.
            target = f"script:{el.get('data-a11y-nid')}"
        else:
            continue
        name = accessible_name(ctx, el)
        key = clean_name(name)
        if not key:
            continue
        groups.setdefault(key, []).append((el, target, norm(name)[:60]))
    for items in groups.values():
        targets = []
        for _, t, _ in items:
            if t not in targets:
                targets.append(t)
        if len(targets) < 2:
            for el, _, _ in items:
                yield Verdict(PASSED, el)
            continue
        shown = "、".join(_short(t) if not t.startswith("script:") else "（スクリプトで移動）" for t in targets[:4]) \
            + ("…" if len(targets) > 4 else "")
        for el, _, text in items:
            yield Verdict(CANT_TELL, el, text=text, n=len(targets), targets=shown)


def _short(url: str) -> str:
    m = re.match(r"^[a-z]+://[^/]+(/.*)?$", url, re.I)
    return (m.group(1) or "/") if m else url
