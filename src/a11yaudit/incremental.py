"""Incremental re-audit: a page unchanged since the last audit of the site reuses its stored results.

Two ways to know a page is unchanged, cheapest first:

1. HTTP validators, before any rendering: a conditional GET (If-None-Match / If-Modified-Since) of the page answers
   304, and so does every same-site script and stylesheet the page loaded when it was last rendered (each checked
   once per run). The page is then not opened at all: its rule results and findings are copied into the new run
   (page_state.reuse_via = "validators"), and the links it revealed last time continue the crawl.
2. The rendered DOM: a page whose validators changed or are missing is rendered as usual; if the serialised DOM of
   every viewport and the validators of its same-site scripts and styles hash to the stored value, the stored
   results are copied (reuse_via = "dom_hash"). Since the page work moved to pagework.py (shared with the Dask
   executor) the rules still run on such a page before the decision; only the result writes are saved.

Decisions (see bench/README.md): a page whose HTML is unchanged but whose same-site script or stylesheet changed is
re-rendered (the script may change the DOM, the style the contrast and layout). Third-party scripts, images, fonts
and the linked PDF/Office files (JP19 sizes) are not compared. Results are reused only from a run made with the
same reuse key: tool version, the installed checks and rule files, axe-core version, profile, viewports and
engine — any
change there audits everything again. `--full` turns reuse off.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

from . import __version__, settings
from .discover.sources import open_url
from .discover.urls import canonicalize

_KEY_CACHE: dict = {}


def code_fingerprint() -> str:
    """Hash of everything that decides results: the package's Python/JS sources and the rule files."""
    if "fp" not in _KEY_CACHE:
        h = hashlib.sha1(__version__.encode())
        pkg = Path(str(resources.files("a11yaudit")))
        files = sorted(p for ext in ("*.py", "*.js") for p in pkg.rglob(ext) if "migrations" not in p.parts)
        rules = settings.rules_dir()
        if rules.is_dir():
            files += sorted(p for p in rules.rglob("*") if p.is_file())
        for p in files:
            h.update(str(p.name).encode())
            h.update(p.read_bytes())
        _KEY_CACHE["fp"] = h.hexdigest()
    return _KEY_CACHE["fp"]


def reuse_key(profile: str, viewports: list[str], axe_version: str, engine: str = "playwright") -> str:
    return hashlib.sha1("\x1f".join((code_fingerprint(), axe_version or "", profile, ",".join(viewports), engine))
                        .encode()).hexdigest()


def conditional_get(url: str, etag: str | None, last_modified: str | None, *, timeout: float,
                    user_agent: str) -> int:
    """Status of a conditional GET (304 = unchanged); 0 on a network error. Never raises, reads no body."""
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with open_url(urllib.request.Request(url, headers=headers), timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError, ValueError):
        return 0


def dom_hash(dom_sha1: dict, subresources: list) -> str:
    h = hashlib.sha1()
    for vp in sorted(dom_sha1):
        h.update(f"{vp}:{dom_sha1[vp]};".encode())
    h.update(json.dumps(sorted(subresources), ensure_ascii=False).encode())
    return h.hexdigest()


class Incremental:
    """Per-run reuse decisions for one Auditor."""

    def __init__(self, auditor, previous: dict[str, dict], key: str):
        self.a, self.prev, self.key = auditor, previous, key
        self.sub_ok: dict[str, asyncio.Future] = {}     # same-site script/style URL → unchanged? (once per run)
        self.reused = {"validators": 0, "dom_hash": 0}
        self.check_ms = 0.0

    def _ua(self) -> str:
        return f"a11yaudit/{__version__}"

    async def _unchanged(self, logical: str, etag: str | None, last_modified: str | None) -> bool:
        if not (etag or last_modified):
            return False
        physical = self.a.origin_map.to_physical(logical)
        status = await asyncio.to_thread(conditional_get, physical, etag, last_modified,
                                         timeout=self.a.crawl.timeout, user_agent=self._ua())
        return status == 304

    async def _sub_unchanged(self, sub: list) -> bool:
        url, etag, lm = sub
        fut = self.sub_ok.get(url)
        if fut is None:
            fut = self.sub_ok[url] = asyncio.ensure_future(self._unchanged(url, etag, lm))
        return await fut

    async def validators_unchanged(self, url: str) -> dict | None:
        """The previous state of `url` if the server says neither it nor its same-site scripts/styles changed."""
        prev = self.prev.get(url)
        if prev is None or not (prev["etag"] or prev["last_modified"]):
            return None
        await self.a.frontier.polite(self.a.origin_map.to_physical(url))
        if not await self._unchanged(url, prev["etag"], prev["last_modified"]):
            return None
        for sub in prev["subresources"]:
            if not await self._sub_unchanged(sub):
                return None
        return prev

    def dom_unchanged(self, url: str, digest: str, all_viewports: bool) -> dict | None:
        prev = self.prev.get(url)
        if prev is None or not all_viewports or prev["dom_hash"] != digest:
            return None
        return prev

    # --- what is stored for the next audit -------------------------------------------------------------
    def state_of(self, outcome) -> dict:
        """Validators, same-site script/style validators, DOM hash and links (logical URLs) of a rendered page
        (from pagework's PageOutcome.render_state)."""
        rs = outcome.render_state
        validators = rs.get("validators") or {}
        subs: dict[str, list] = {}
        for phys, etag, lm in rs.get("subresources") or []:
            logical = self.a.origin_map.to_logical(phys)
            if self.a.scope.same_site(logical):
                subs[logical] = [logical, etag, lm]
        sub_list = sorted(subs.values())
        links: list[str] = []
        seen: set[str] = set()
        for raw in outcome.raw_links:
            u = canonicalize(raw, outcome.base, strip_params=self.a.crawl.strip_params)
            if u is None:
                continue
            u = self.a.origin_map.to_logical(u)
            if u not in seen:
                seen.add(u)
                links.append(u)
        # A script or style without validators cannot be checked cheaply: the page is then never reused by
        # validators (only by DOM hash after rendering).
        checkable = all(s[1] or s[2] for s in sub_list)
        return {"reuse_key": self.key, "etag": validators.get("etag") if checkable else None,
                "last_modified": validators.get("last-modified") if checkable else None,
                "dom_hash": dom_hash(rs.get("dom_sha1") or {}, sub_list), "subresources": sub_list, "links": links}

    @staticmethod
    def page_values(prev: dict, via: str) -> dict:
        return {"state": "done", "http_status": prev["http_status"], "final_url": prev["final_url"],
                "title": prev["title"], "lang": prev["lang"], "content_type": prev["content_type"],
                "error_kind": None, "error": None, "load_ms": None,
                "timings_json": json.dumps({"reused": via, "from_page": prev["page_id"]})}
