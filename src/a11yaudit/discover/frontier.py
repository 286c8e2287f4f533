"""The crawl frontier of one run: which discovered URLs are queued and which are skipped, and why (dedupe, other
hosts, robots.txt, scope, depth and page budgets, crawl traps, the documents budget), politeness per host,
discovery (start URLs and sitemaps) and the queue restored on `--resume`.

Both executors drive it through the same public methods: the local asyncio workers (local_exec.py) and the Dask
coordinator (dask_exec.py). Database calls go through the `db` callable it is given (one transaction per call, in
the run's database thread, retried), so a run killed at any point leaves a frontier `--resume` can restore.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING, Awaitable, Callable
from urllib.parse import urlsplit

from .. import __version__, settings
from ..hardening import TrapGuard
from .scope import IN_SCOPE, ScopeClassifier
from .sources import fetch, load_robots, read_sitemaps
from .urls import OriginMap, canonicalize, document_type, host_of

if TYPE_CHECKING:
    from ..config import Site

ROBOTS_AGENT = "a11yaudit"


class Frontier:
    """Queueing decisions, budgets and politeness of one run.

    Public interface: `admit` (discovered URLs → pages rows), `discover` (start URLs and sitemaps, enqueued),
    `restore` (budgets and dedupe from a resumed run's rows), `pending` / `rows_for` (queued rows with their ids),
    `polite` (waits for the host's next free slot), `load_robots`, `serve_at`, `allowed_hosts`, `found`."""

    def __init__(self, site: Site, store, db: Callable[..., Awaitable],
                 check_document: Callable[[str], object] | None = None):
        self.site, self.store, self.db = site, store, db
        self.crawl = site.crawl            # replaced when robots.txt asks for a longer Crawl-delay
        self.scope = ScopeClassifier(site)
        self.origin_map = OriginMap(site.base_url, None)
        self.robots = None
        # Documents (pdf/docx/xlsx/pptx) are queued only when checked: this says which URLs the checker judges.
        self.check_document = check_document
        self.traps = TrapGuard(site.crawl)
        self.seen: set[str] = set()
        self.admitted = 0                  # HTML pages admitted to the page budget
        self.docs_admitted = 0             # documents admitted to documents.max_documents
        self.host_next: dict[str, float] = {}   # host → monotonic time of its next free slot

    @property
    def found(self) -> int:
        """URLs discovered so far (queued or skipped)."""
        return len(self.seen)

    def serve_at(self, physical: str | None) -> None:
        """The site is served at `physical` (a local copy); its logical URLs are kept in the store."""
        self.origin_map = OriginMap(self.site.base_url, physical)

    def allowed_hosts(self) -> set[str]:
        # Host names for the browser's own checks, and the site's origins: the filtering proxy compares (scheme,
        # host, port), so the served site's 127.0.0.1 opens its own port only (gather/guard_proxy.py Allowance).
        hosts = set(self.scope.hosts) | set(self.scope.origins)
        physical = self.origin_map.physical
        if physical:
            hosts |= {host_of(physical), physical.rstrip("/")}
        return hosts

    # --- decisions ----------------------------------------------------------------------------------------
    def _robots_refuse(self, url: str) -> bool:
        return bool(self.crawl.obey_robots and self.robots
                    and not self.robots.allowed(self.origin_map.to_physical(url), ROBOTS_AGENT))

    def _classify(self, url: str, depth: int, via: str, referrer: str | None) -> dict:
        """Classify one discovered URL into a pages row (queued, or skipped with the reason)."""
        decision = self.scope.classify(url)
        doc = document_type(url)
        entry = {"url": url, "kind": "document" if doc else "html", "doc_type": doc, "depth": depth,
                 "found_via": via, "referrer": referrer, "scope": decision.status,
                 "scope_reason": decision.reason, "state": "queued", "skip_reason": None, "error": None}
        outside = decision.status != IN_SCOPE and not self.crawl.audit_outside_scope
        if not self.scope.same_site(url):   # other hosts (also excluded external services) are never crawled
            entry.update(state="skipped", skip_reason="other_host")
        elif doc:
            if not (self.check_document is not None and self.check_document(url)):
                entry.update(state="skipped", skip_reason="document")
            elif self._robots_refuse(url):
                entry.update(state="skipped", skip_reason="robots")
            elif outside:
                entry.update(state="skipped", skip_reason="outside_scope")
            elif self.docs_admitted >= self.site.documents.max_documents:
                entry.update(state="skipped", skip_reason="document_budget")
            else:
                self.docs_admitted += 1     # queued: fetched and checked (documents are not in the page budget)
        elif (path := urlsplit(url).path.lower()).endswith(settings.FEED_EXTENSIONS) \
                or path.rsplit("/", 1)[-1] in settings.FEED_NAMES:
            entry.update(kind="document", state="skipped", skip_reason="feed")
        elif self._robots_refuse(url):
            entry.update(state="skipped", skip_reason="robots")
        elif outside:
            entry.update(state="skipped", skip_reason="outside_scope")
        elif depth > self.crawl.max_depth:
            entry.update(state="skipped", skip_reason="depth")
        elif (trap := self.traps.check(url)) is not None:
            entry.update(state="skipped", skip_reason=f"trap:{trap[0]}", error=trap[1])
        elif self.admitted >= self.crawl.max_pages:
            entry.update(state="skipped", skip_reason="budget")
        else:
            self.admitted += 1
            self.traps.note_admitted(url)
        return entry

    def admit(self, raw_urls, depth: int, via: str, referrer: str | None, base: str | None = None) -> list[dict]:
        """Pages rows for the URLs not seen before in this run (canonicalised, logical), each queued or skipped."""
        out = []
        for raw in raw_urls:
            url = canonicalize(raw, base, strip_params=self.crawl.strip_params)
            if url is None:
                continue
            url = self.origin_map.to_logical(url)
            if url in self.seen:
                continue
            self.seen.add(url)
            out.append(self._classify(url, depth, via, referrer))
        return out

    def restore(self, rows: list[dict]) -> None:
        """A resumed run: dedupe, budgets and trap counts from its stored pages rows."""
        self.seen = {r["url"] for r in rows}
        self.admitted = sum(1 for r in rows if r["kind"] == "html" and r["state"] != "skipped")
        self.docs_admitted = sum(1 for r in rows if r["kind"] == "document" and r["state"] != "skipped")
        for r in rows:
            if r["kind"] == "html" and r["state"] != "skipped":
                self.traps.note_admitted(r["url"])

    # --- politeness ---------------------------------------------------------------------------------------
    async def polite(self, url: str) -> None:
        """Wait for `url`'s host: one request per crawl.delay seconds per host, whichever worker asks."""
        host = host_of(url)
        now = time.monotonic()
        start = max(now, self.host_next.get(host, 0.0))
        self.host_next[host] = start + self.crawl.delay
        if start > now:
            await asyncio.sleep(start - now)

    # --- discovery ----------------------------------------------------------------------------------------
    def _fetch(self, url: str):
        return fetch(self.origin_map.to_physical(url), timeout=self.crawl.timeout,
                     user_agent=f"a11yaudit/{__version__}")

    def _fetch_physical(self, url: str):
        return fetch(url, timeout=self.crawl.timeout, user_agent=f"a11yaudit/{__version__}")

    async def load_robots(self) -> None:
        """robots.txt (when obeyed or for its sitemaps); a longer Crawl-delay than ours is kept, up to 30 s."""
        if self.crawl.obey_robots or self.crawl.sitemaps:
            self.robots = await asyncio.to_thread(load_robots, self.origin_map.to_physical(self.site.base_url),
                                                  self._fetch_physical)
            delay = self.robots.crawl_delay(ROBOTS_AGENT) if self.robots else None
            if delay and delay > self.crawl.delay:
                self.crawl = dataclasses.replace(self.crawl, delay=min(float(delay), 30.0))

    async def discover(self, run_id: int, say: Callable[[str], None]) -> dict | None:
        """Start URLs and sitemaps into the frontier, in ONE transaction: a run killed during discovery has no
        page rows, and --resume discovers again. Returns the sitemap figures (None without sitemaps)."""
        entries = self.admit(self.site.start_urls, 0, "start", None)
        sitemaps = None
        if self.crawl.sitemaps:
            more, sitemaps = await self._sitemap_entries(say)
            entries += more
        await self.db(self.store.enqueue, run_id, entries)
        return sitemaps

    async def _sitemap_entries(self, say: Callable[[str], None]) -> tuple[list[dict], dict]:
        start = [self.origin_map.to_logical(u) for u in (self.robots.sitemaps if self.robots else [])]
        start = start or [self.site.base_url + "/sitemap.xml"]
        # Sitemaps outside the site's origins (robots.txt and sitemap indexes may name any URL) are fetched only
        # from public addresses (discover/sources.py read_sitemaps).
        result = await asyncio.to_thread(read_sitemaps, start, self._fetch, max_urls=self.crawl.max_sitemap_urls,
                                         same_site=self.scope.same_site)
        for url, err in result.errors:
            say(f"sitemap {url}: {err}")
        figures = {"read": len(result.sitemaps_read), "urls": len(result.urls),
                   "dropped": result.dropped, "errors": [f"{u}: {e}" for u, e in result.errors][:50]}
        if result.dropped:
            say(f"sitemap: {result.dropped} URLs past max_sitemap_urls={self.crawl.max_sitemap_urls} not queued")
        # Sitemap URLs of a served site use its logical origin already; others may use the physical one.
        return self.admit(result.urls, 1, "sitemap", None), figures

    # --- the queue ----------------------------------------------------------------------------------------
    async def pending(self, run_id: int) -> list[dict]:
        """The run's queued rows (all of a new run's discovery, or what a resumed run has left)."""
        return await self.db(self.store.queued, run_id)

    async def rows_for(self, run_id: int, entries: list[dict]) -> list[dict]:
        """Queue rows (with their ids) for the queued ones among `entries`, once they are stored."""
        queued = [e for e in entries if e["state"] == "queued"]
        if not queued:
            return []
        ids = await self.db(self.store.ids_for, run_id, [e["url"] for e in queued])
        return [{"id": ids[e["url"]], "url": e["url"], "depth": e["depth"], "scope": e["scope"], "kind": e["kind"]}
                for e in queued if e["url"] in ids]
