"""Shared, cached views of a page for the Japanese text rules: text blocks (one pass over the DOM), the links and the
programmatic context of a link (WCAG 2.4.4), the main content. Names, ids and the hidden tests are semantics.py.

Everything is computed once per CheckContext and cached on it, so rules running on the same page × viewport
share the walk. Nothing here judges; the checks in links.py, cues.py, style.py do.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import NavigableString, Tag

from .semantics import BLOCK_TAGS, content_text, referenced_text, self_hidden

SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "textarea", "select", "iframe",
                       "object", "canvas"})
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_WS = re.compile(r"\s+")
_CACHE = "_a11y_common_cache"


def norm(text: str) -> str:
    """NFKC, collapsed whitespace, stripped (U+3000 becomes a space under NFKC)."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _cache(ctx) -> dict:
    cache = ctx.__dict__.get(_CACHE)
    if cache is None:
        cache = ctx.__dict__[_CACHE] = {}
    return cache


class Block:
    __slots__ = ("el", "parts", "_text")

    def __init__(self, el: Tag):
        self.el, self.parts, self._text = el, [], None

    @property
    def text(self) -> str:
        """The block's own text (nested blocks excluded), whitespace collapsed, NFKC not applied."""
        if self._text is None:
            self._text = _WS.sub(" ", "".join(self.parts)).strip()
        return self._text


def blocks(ctx) -> list[Block]:
    """Visible text blocks of the body in document order, computed in one walk and cached."""
    cache = _cache(ctx)
    if "blocks" in cache:
        return cache["blocks"]
    out: list[Block] = []
    by_el: dict[int, Block] = {}
    body = ctx.soup.body or ctx.soup
    root = Block(body)
    out.append(root)
    by_el[id(body)] = root
    # Iterative walk: stack of (node, current block).
    stack = [(child, root) for child in reversed(list(body.children))]
    while stack:
        node, block = stack.pop()
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:
                block.parts.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in SKIP_TAGS or self_hidden(ctx, node):
            continue
        if name == "br":
            block.parts.append("\n")
            continue
        if name in ("img", "area") or (name == "input" and (node.get("type") or "").lower() == "image"):
            alt = node.get("alt")
            if alt:
                block.parts.append(alt)
            continue
        if name in BLOCK_TAGS:
            block.parts.append(" ")
            new = Block(node)
            out.append(new)
            by_el[id(node)] = new
            block = new
        stack.extend((child, block) for child in reversed(list(node.children)))
    cache["blocks"] = out
    cache["block_by_el"] = by_el
    return out


def block_of(ctx, el: Tag) -> Block | None:
    """The nearest block ancestor (or the element itself if it is a block) of a visible element."""
    blocks(ctx)
    by_el = _cache(ctx)["block_by_el"]
    node = el
    while isinstance(node, Tag):
        b = by_el.get(id(node))
        if b is not None:
            return b
        node = node.parent
    return None


def links(ctx) -> list[Tag]:
    """Visible links: a[href], area[href] and role=link elements (not a[href] re-roled as something else)."""
    cache = _cache(ctx)
    if "links" not in cache:
        found = []
        for el in ctx.select("a[href], area[href], [role=link]"):
            role = (el.get("role") or "").strip().lower()
            if role and role != "link":
                continue
            found.append(el)
        cache["links"] = found
    return cache["links"]


def header_cells_text(ctx, cell: Tag) -> str:
    """Text of the th cells associated with a td/th: headers attribute, th of the same row, th over its column."""
    if cell.get("headers"):
        return referenced_text(ctx, cell, "headers")
    row = cell.find_parent("tr")
    table = cell.find_parent("table")
    if row is None or table is None:
        return ""
    texts = []
    col, found = 0, None
    for c in row.find_all(["td", "th"], recursive=False):
        if c is cell:
            found = col
            break
        if c.name == "th":
            texts.append(content_text(ctx, c))
        col += int(c.get("colspan") or 1) if str(c.get("colspan") or "1").isdigit() else 1
    if found is None:
        return " ".join(texts)
    for tr in table.find_all("tr"):
        if tr is row or tr.find_parent("table") is not table:
            continue
        pos = 0
        for c in tr.find_all(["td", "th"], recursive=False):
            span = int(c.get("colspan")) if str(c.get("colspan") or "").isdigit() else 1
            if c.name == "th" and pos <= found < pos + span and c.get("scope") != "row":
                texts.append(content_text(ctx, c))
            pos += span
    return " ".join(t for t in texts if t)


def link_context(ctx, link: Tag) -> str:
    """The programmatically determined link context (WCAG 2.4.4): the text of the enclosing paragraph / list item /
    table cell (with its header cells), the own text of enclosing list items (nested lists), aria-describedby and
    the title attribute. The link's own text is not removed here."""
    parts = []
    block = block_of(ctx, link)
    if block is not None and block.el is not link:
        parts.append(block.text)
    node = link.parent
    while isinstance(node, Tag) and node.name not in ("body", "html"):
        if node.name == "li" and (block is None or node is not block.el):
            b = block_of(ctx, node)
            if b is not None:
                parts.append(b.text)
        if node.name in ("td", "th"):
            parts.append(header_cells_text(ctx, node))
            break
        node = node.parent
    if link.get("aria-describedby"):
        parts.append(referenced_text(ctx, link, "aria-describedby"))
    title = (link.get("title") or "").strip()
    if title:
        parts.append(title)
    return " ".join(p for p in parts if p)


def preceding_heading(link: Tag) -> Tag | None:
    return link.find_previous(HEADINGS)


# ---------------------------------------------------------------- the main content, found the way readers find it

_MAIN_IDS = ("main", "main-content", "maincontent", "main_content", "content", "contents", "main-contents",
             "maincontents", "main_contents", "contents-main", "primary", "article", "page-body", "mainarea",
             "main-area", "main_area", "container-main")
_NOT_MAIN = frozenset({"nav", "header", "footer", "aside"})
_NOT_MAIN_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_NOT_MAIN_HINT = re.compile(r"(?:^|[-_\s])(?:nav|navi|navigation|menu|gnav|global|header|footer|side|sidebar|"
                            r"breadcrumbs?|pankuzu|topicpath|banner|util|utility)(?:$|[-_\s\d])", re.I)


def outside_main(el: Tag) -> bool:
    """Template parts that are not the main content: navigation, header, footer, sidebars (by element, role or a
    telling id/class)."""
    if el.name in _NOT_MAIN or (el.get("role") or "").strip().lower() in _NOT_MAIN_ROLES:
        return True
    hint = " ".join([el.get("id") or ""] + list(el.get("class") or []))
    return bool(hint and _NOT_MAIN_HINT.search(hint))


def main_content(ctx) -> tuple[Tag | None, str]:
    """The page's main content and how it was found: ("landmark") main / role=main; ("id") a container with one of
    the usual ids (#main, #content, #contents …) that is not itself navigation; ("text") the element that holds most
    of the page's non-link text outside navigation, header, footer and sidebars (the largest text block, as reading
    modes find it); ("body") the body when no element stands out: then the caller leaves out the template parts
    (_outside_main) itself."""
    cache = _cache(ctx)
    if "main" in cache:
        return cache["main"]
    soup = ctx.soup
    found: tuple[Tag | None, str] = (None, "none")
    for el in soup.select("main, [role=main]"):
        if not self_hidden(ctx, el):
            found = (el, "landmark")
            break
    if found[0] is None:
        for key in _MAIN_IDS:
            el = soup.find(id=lambda v, k=key: v is not None and v.lower() == k)
            if el is not None and el.name not in ("html", "body") and not outside_main(el) and not self_hidden(ctx, el):
                found = (el, "id")
                break
    if found[0] is None:
        found = _largest_text_block(ctx)
    cache["main"] = found
    return found


def _largest_text_block(ctx) -> tuple[Tag | None, str]:
    """The deepest container holding at least 80 % of the page's plain (non-link) text outside template parts."""
    body = ctx.soup.body
    if body is None:
        return None, "none"
    plain: dict[int, int] = {}
    # Post-order walk without recursion (a CMS page can nest deeper than Python's recursion limit).
    stack: list[tuple[Tag, bool]] = [(body, False)]
    while stack:
        el, done = stack.pop()
        if not done:
            if el.name in SKIP_TAGS or self_hidden(ctx, el) or (el is not body and outside_main(el)):
                plain[id(el)] = 0
                continue
            stack.append((el, True))
            stack.extend((c, False) for c in el.children if isinstance(c, Tag) and c.name != "a")
            continue
        plain[id(el)] = sum(plain.get(id(c), 0) for c in el.children if isinstance(c, Tag) and c.name != "a") + \
            sum(len(_WS.sub("", str(c))) for c in el.children if type(c) is NavigableString)
    total = plain[id(body)]
    if total < 40:
        return body, "body"
    best = body
    while True:
        nxt = None
        for child in best.find_all(True, recursive=False):
            if plain.get(id(child), 0) >= 0.8 * total:
                nxt = child
                break
        if nxt is None:
            break
        best = nxt
    return (best, "text") if best is not body else (body, "body")
