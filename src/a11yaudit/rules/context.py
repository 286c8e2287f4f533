"""CheckContext: the parsed artifacts of one page × viewport, shared by every rule (parsed once, lazily)."""

from __future__ import annotations

import re
from functools import cached_property

from bs4 import BeautifulSoup, Tag

NID = "data-a11y-nid"
_WS = re.compile(r"\s+")
_SNIPPET_MAX = 300
_CSS_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")


class CheckContext:
    def __init__(self, artifacts: dict, viewport: str, url: str = ""):
        self.artifacts, self.viewport, self.url = artifacts, viewport, url
        self.page = artifacts.get("page") or {}
        self.peer: dict | None = None    # the PC rendering's artifacts, for cross-viewport rules (requires: [peer])

    @classmethod
    def from_html(cls, html: str, viewport: str = "pc", url: str = "http://example.test/",
                  extra: dict | None = None) -> "CheckContext":
        """Build a context from plain HTML (rule examples, tests): node ids are stamped in document order (1 = html).
        `extra` adds artifacts a browser would gather (keyboard, layout), written against those ids; its `dom` entry
        (e.g. `media`) is merged into the DOM artifact."""
        soup = BeautifulSoup(html, "lxml")
        for i, el in enumerate(soup.find_all(True), start=1):
            el[NID] = str(i)
        title = soup.title.get_text() if soup.title else ""
        lang = soup.html.get("lang") if soup.html else None
        extra = dict(extra or {})
        dom = {"html": str(soup), "hidden": [], "source": html, **(extra.pop("dom", None) or {})}
        ctx = cls({"page": {"url": url, "title": title, "lang": lang}, "dom": dom, **extra}, viewport, url)
        ctx.__dict__["soup"] = soup
        return ctx

    @cached_property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.artifacts["dom"]["html"], "lxml")

    @cached_property
    def hidden_nids(self) -> set[str]:
        return {str(n) for n in self.artifacts["dom"].get("hidden") or []}

    @cached_property
    def by_nid(self) -> dict[str, Tag]:
        return {el[NID]: el for el in self.soup.find_all(attrs={NID: True})}

    def is_hidden(self, el: Tag) -> bool:
        """Not rendered (per the browser) or hidden from assistive technology (aria-hidden). Remembered per element:
        the walk up stops at the first ancestor already known, and every element passed gets its answer."""
        hidden = self.hidden_nids
        memo = self.__dict__.setdefault("_hidden_memo", {})
        path = []
        node = el
        result = False
        while isinstance(node, Tag):
            known = memo.get(id(node))
            if known is not None:
                result = known
                break
            path.append(node)
            if node.get(NID) in hidden or node.get("aria-hidden") == "true" or node.has_attr("hidden"):
                result = True
                break
            node = node.parent
        for passed in path:
            memo[id(passed)] = result
        return result

    def select(self, selector: str, *, visible: bool = True) -> list[Tag]:
        body = self.soup.body or self.soup
        found = body.select(selector)
        return [el for el in found if not (visible and self.is_hidden(el))]

    @staticmethod
    def text(el: Tag) -> str:
        return el.get_text()

    @cached_property
    def _id_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for el in self.soup.find_all(id=True):
            ident = el.get("id")
            if isinstance(ident, str):
                counts[ident] = counts.get(ident, 0) + 1
        return counts

    def _nth_of_type(self, node: Tag) -> tuple[int, int]:
        """(1-based index among same-name siblings, how many there are), computed once per parent."""
        cache = self.__dict__.setdefault("_nth_cache", {})
        parent = node.parent
        key = id(parent)
        table = cache.get(key)
        if table is None:
            table, counts = {}, {}
            for child in (parent.children if parent is not None else [node]):
                if isinstance(child, Tag):
                    counts[child.name] = counts.get(child.name, 0) + 1
                    table[id(child)] = (counts[child.name], child.name)
            table = {k: (i, counts[name]) for k, (i, name) in table.items()}
            cache[key] = table
        return table.get(id(node), (1, 1))

    def selector_for(self, el: Tag) -> str:
        """A short CSS path: the nearest unique #id, then tag:nth-of-type steps."""
        parts = []
        node = el
        ids = self._id_counts
        while isinstance(node, Tag) and node.name not in ("[document]",):
            ident = node.get("id")
            if ident and isinstance(ident, str) and _CSS_IDENT.match(ident) and ids.get(ident) == 1:
                parts.append(f"#{ident}")
                break
            if node.name in ("html", "body", "head"):
                parts.append(node.name)
            else:
                index, count = self._nth_of_type(node)
                parts.append(node.name if count == 1 else f"{node.name}:nth-of-type({index})")
            node = node.parent
        return " > ".join(reversed(parts))

    @staticmethod
    def snippet(el: Tag) -> str:
        """Opening tag (and short text) without our node ids, for the report."""
        clone_attrs = {k: v for k, v in el.attrs.items() if k != NID}
        attrs = "".join(
            f' {k}="{" ".join(v) if isinstance(v, list) else v}"' for k, v in clone_attrs.items())
        text = _WS.sub(" ", el.get_text()).strip()
        out = f"<{el.name}{attrs}>"
        if text:
            out += text[:120] + ("…" if len(text) > 120 else "") + f"</{el.name}>"
        return out[:_SNIPPET_MAX]
