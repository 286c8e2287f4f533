"""The audit: discover → gather (browser) → artifacts → rules → store, with resume and re-evaluation from artifacts."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import logging
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from . import __version__, settings
from .config import Site
from .discover.scope import IN_SCOPE, ScopeClassifier
from .discover.sources import fetch, load_robots, read_sitemaps
from .discover.urls import OriginMap, canonicalize, document_type, host_of, path_of
from .errors import ConfigError, InfrastructureError, RunInterrupted
from .gather.artifacts import ArtifactStore
from .gather.browser import axe_locale_script, axe_version
from .gather.engine import Engine, EngineSession, make_engine
from .pagework import PageJob, PageOutcome, audit_page, document_sizes
from .hardening import HardenedSession, TrapGuard
from .rules.engine import evaluate
from .rules.site import evaluate_site, site_rules
from .rules.loader import RuleSet
from .serve import StaticServer
from .store.db import DatabaseUnavailable, Store, with_retry

log = logging.getLogger(__name__)


class Progress:
    """Progress on stderr: pages done (a resumed run counts the pages stored before) / found / failed, the rate over
    the last five minutes and, when the queue is known, the pages left and an estimate of the time they take.
    Data goes to stdout, never here."""

    WINDOW_S = 300.0

    def __init__(self, site_id: str, stream=None, quiet: bool = False):
        self.site_id, self.stream, self.quiet = site_id, stream or sys.stderr, quiet
        self.started = time.monotonic()
        self.done = self.failed = 0
        self.before = 0                     # pages already stored when a run is resumed
        self.found = 0
        self.remaining = None               # callable: pages still queued (the crawl's queue)
        self.recent: collections.deque = collections.deque()

    def rate(self, now: float) -> float:
        """Pages per minute over the last WINDOW_S seconds (since the start while shorter)."""
        while self.recent and now - self.recent[0] > self.WINDOW_S:
            self.recent.popleft()
        span = now - self.recent[0] if len(self.recent) > 1 else now - self.started
        return len(self.recent) / max(span, 1e-6) * 60

    @staticmethod
    def duration(minutes: float) -> str:
        m = max(1, round(minutes))
        return f"{m // 60}時間{m % 60}分" if m >= 60 else f"{m}分"

    def page(self, url: str, ok: bool, note: str = "") -> None:
        self.done += 1
        if not ok:
            self.failed += 1
        now = time.monotonic()
        self.recent.append(now)
        if self.quiet:
            return
        rate = self.rate(now)
        left = self.remaining() if self.remaining is not None else None
        eta = f" 残り {left} ページ 約{self.duration(left / rate)}" if left and rate > 0 else ""
        self.stream.write(f"[{self.site_id}] {self.before + self.done}/{self.found} 件 (失敗 {self.failed}) "
                          f"{rate:.1f} ページ/分{eta}  {'OK ' if ok else 'ERR'} {url}{'  ' + note if note else ''}\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(f"[{self.site_id}] {text}\n")
            self.stream.flush()


@dataclasses.dataclass
class AuditOptions:
    profile: str
    viewports: list[str]
    artifacts_root: Path
    save_artifacts: bool = True
    quiet: bool = False
    full: bool = False              # no incremental reuse of unchanged pages
    scheduler: str | None = None    # Dask scheduler address (tcp://host:8786): pages run as tasks on its workers


def site_config_dict(site: Site) -> dict:
    d = dataclasses.asdict(site)
    d["serve"] = str(site.serve) if site.serve else None
    for rules in [d["policy"]["include"], d["policy"]["exclude"]] + [ph["include"] for ph in d["policy"]["phases"]]:
        for rule in rules:
            rule.pop("regex", None)
    return d


class Auditor:
    def __init__(self, site: Site, store: Store, ruleset: RuleSet, options: AuditOptions):
        self.site, self.store, self.ruleset, self.opt = site, store, ruleset, options
        self.scope = ScopeClassifier(site)
        self.crawl = site.crawl
        self.progress = Progress(site.id, quiet=options.quiet)
        self.db_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11yaudit-db")
        self.seen: set[str] = set()
        self.admitted = 0          # HTML pages admitted to the page budget
        self.robots = None
        self.origin_map = OriginMap(site.base_url, None)
        self.run_id: int | None = None
        self.host_next: dict[str, float] = {}
        self.doc_sizes: dict[str, dict] = {}     # linked document URL → HEAD result (once per run)
        self.shots_seen: set[str] = set()           # smartphone problem signatures photographed in this run
        self.stats = {"pages_done": 0, "pages_error": 0, "viewport_loads": 0, "retries": 0, "pages_reused": 0,
                      "timings": {}}
        self.artifacts_missing: list[dict] = []     # artifact / screenshot files that could not be written
        self.traps = TrapGuard(site.crawl)
        self.job: PageJob | None = None
        self.incremental = None     # incremental.Incremental: earlier results of unchanged pages may be reused
        # Documents (issue 17): same-site pdf/docx/xlsx/pptx fetched and checked beside the pages (docaudit.py);
        # with a Dask scheduler, by the coordinator (dask_exec.py), beside the pages the cluster renders.
        self.check_docs = bool(site.documents.check)
        self.docs_admitted = 0
        self.doc_work = None

    # --- helpers ----------------------------------------------------------------------------------------
    async def _db(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()

        def timed():
            t0 = time.perf_counter()
            try:   # each call is one transaction, idempotent: retried with backoff, then DatabaseUnavailable
                return with_retry(fn, *args, **kwargs)
            finally:
                t = self.stats["timings"]
                t["db_ms"] = round(t.get("db_ms", 0.0) + (time.perf_counter() - t0) * 1000, 1)
        return await loop.run_in_executor(self.db_pool, timed)

    def _fetch(self, url: str):
        return fetch(self.origin_map.to_physical(url), timeout=self.crawl.timeout,
                     user_agent=f"a11yaudit/{__version__}")

    def _entry(self, url: str, depth: int, via: str, referrer: str | None) -> dict:
        """Classify one discovered URL into a pages row (queued, or skipped with the reason)."""
        decision = self.scope.classify(url)
        doc = document_type(url)
        entry = {"url": url, "kind": "document" if doc else "html", "doc_type": doc, "depth": depth,
                 "found_via": via, "referrer": referrer, "scope": decision.status,
                 "scope_reason": decision.reason, "state": "queued", "skip_reason": None, "error": None}
        if not self.scope.same_site(url):   # other hosts (also excluded external services) are never crawled
            entry.update(state="skipped", skip_reason="other_host")
        elif doc:
            from .docaudit import checkable_kind
            if not (self.check_docs and checkable_kind(url)):
                entry.update(state="skipped", skip_reason="document")
            elif self.crawl.obey_robots and self.robots and not self.robots.allowed(
                    self.origin_map.to_physical(url), "a11yaudit"):
                entry.update(state="skipped", skip_reason="robots")
            elif decision.status != IN_SCOPE and not self.crawl.audit_outside_scope:
                entry.update(state="skipped", skip_reason="outside_scope")
            elif self.docs_admitted >= self.site.documents.max_documents:
                entry.update(state="skipped", skip_reason="document_budget")
            else:
                self.docs_admitted += 1     # queued: fetched and checked (documents are not in the page budget)
        elif (path := urlsplit(url).path.lower()).endswith(settings.FEED_EXTENSIONS) \
                or path.rsplit("/", 1)[-1] in settings.FEED_NAMES:
            entry.update(kind="document", state="skipped", skip_reason="feed")
        elif self.crawl.obey_robots and self.robots and not self.robots.allowed(
                self.origin_map.to_physical(url), "a11yaudit"):
            entry.update(state="skipped", skip_reason="robots")
        elif decision.status != IN_SCOPE and not self.crawl.audit_outside_scope:
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

    def _new_entries(self, raw_urls, depth: int, via: str, referrer: str | None, base: str | None = None) -> list[dict]:
        out = []
        for raw in raw_urls:
            url = canonicalize(raw, base, strip_params=self.crawl.strip_params)
            if url is None:
                continue
            url = self.origin_map.to_logical(url)
            if url in self.seen:
                continue
            self.seen.add(url)
            out.append(self._entry(url, depth, via, referrer))
        return out

    # --- the run ----------------------------------------------------------------------------------------
    async def run(self, resume_run: int | None = None) -> int:
        server = StaticServer(self.site.serve) if self.site.serve else None
        physical = server.start() if server else None
        self.origin_map = OriginMap(self.site.base_url, physical)
        browser = make_engine(self.crawl.engine, allowed_hosts=self._allowed_hosts(physical),
                              block_resources=self.crawl.block_resources, grid=self.crawl.grid,
                              concurrency=self.crawl.concurrency, timeout=self.crawl.timeout, guard=True)
        status = "interrupted"
        db_down = False
        try:
            if resume_run is not None:
                await self._resume(resume_run)
            else:
                await self._start_new()
            if self.opt.scheduler:     # the same page work as Dask tasks; this process keeps the frontier
                from .dask_exec import crawl_on_dask
                self._setup_incremental()      # unchanged pages are answered here, without a task
                self.stats["engine"] = self.crawl.engine
                await crawl_on_dask(self, self.opt.scheduler)
            else:
                self._setup_incremental()
                if browser.name != "playwright" or not self.incremental.prev:
                    await browser.start()      # else Playwright starts on the first page that must be rendered
                    self.store.set_run(self.run_id, browser_version=browser.version)
                self.stats["engine"] = browser.name
                if browser.notes:
                    self.stats["engine_notes"] = list(browser.notes)
                await self._crawl(browser)
                self.stats["contexts_recycled"] = getattr(browser, "contexts_recycled", 0)
                if browser.version:
                    await self._db(self.store.set_run, self.run_id, browser_version=browser.version)
                elif self.stats.get("pages_reused"):
                    # Every page reused without rendering: its results were gathered by the browser of the run
                    # they come from (the reuse key includes the tool, rules and axe-core, not the browser build).
                    prev = [r for r in self.store.list_runs(self.site.id)
                            if r["id"] != self.run_id and r.get("browser_version")]
                    if prev:
                        self.store.set_run(self.run_id, browser_version=prev[-1]["browser_version"])
            # A run that audited nothing (no page checked: discovery found nothing, every page failed) is never
            # "finished": it would become the site's latest audit for trends, baselines and policy lint.
            audited = await self._db(self.store.count_pages, self.run_id)
            if not any(n for key, n in audited.items() if key.endswith(":done")):
                self.stats["nothing_audited"] = True
                status = "failed"
            else:
                status = "finished"
        except DatabaseUnavailable as exc:
            db_down = True
            raise RunInterrupted(
                f"データベースに書き込めません — {exc}; run {self.run_id} is kept (pages already stored are not lost): once the database is "
                f"back, finish it with `a11yaudit audit {self.site.id} --resume {self.run_id}`") from None
        except (asyncio.CancelledError, KeyboardInterrupt, RunInterrupted):
            raise                      # status stays "interrupted": --resume finishes the run
        except Exception:
            status = "failed"
            raise
        finally:
            with contextlib.suppress(Exception):
                await browser.close()
            if server:
                server.stop()
            if self.run_id is not None:
                try:     # with the database down, one try only: the run stays "running", which --resume accepts
                    with_retry(self._finish, status, budget=0 if db_down else None, what="storing the run's end")
                except Exception as exc:  # noqa: BLE001 — never hide the fault that stopped the run
                    log.warning("run %s: its end could not be stored: %s", self.run_id, exc)
                    self.progress.say(f"run {self.run_id}: 終了状態を保存できませんでした / its end could not be "
                                      f"stored ({exc}); resume with --resume {self.run_id}")
            self.db_pool.shutdown(wait=True)
        return self.run_id

    def _setup_incremental(self) -> None:
        """Earlier states of this site's pages (none with --full: everything is audited, states are still stored)."""
        from .incremental import Incremental, reuse_key
        from .store.reuse import previous_states
        key = reuse_key(self.opt.profile, self.opt.viewports, axe_version(), self.crawl.engine)
        self.incremental = Incremental(self, {} if self.opt.full else previous_states(self.store, self.site.id, key),
                                       key)

    async def _reuse(self, item: dict, prev: dict) -> list[dict]:
        """Validators say the page is unchanged: copy its results, continue the crawl with its stored links."""
        from .store.reuse import record_reused_page
        url = item["url"]
        new_entries = self._new_entries(prev["links"], item["depth"] + 1, "link", url)
        state = {"reuse_key": self.incremental.key, "etag": prev["etag"], "last_modified": prev["last_modified"],
                 "dom_hash": prev["dom_hash"], "subresources": prev["subresources"], "links": prev["links"],
                 "reused_from": prev["page_id"], "reuse_via": "validators"}
        n = await self._db(record_reused_page, self.store, self.run_id, item["id"], prev["page_id"],
                           self.incremental.page_values(prev, "validators"), state, new_entries)
        self.incremental.reused["validators"] += 1
        self.stats["pages_done"] += 1
        self.stats["pages_reused"] += 1
        if self.opt.save_artifacts:
            try:
                await asyncio.to_thread(self._carry_screenshot, url, prev["run_id"])
            except OSError as exc:
                from .pagework import write_failure
                self.artifacts_missing.append({"url": url, "what": "screenshot", "error": write_failure(exc)})
        self.progress.found = len(self.seen)
        self.progress.page(url, True, f"再利用 (HTTP 304) 指摘行 {n}")
        return await self._queued_rows(new_entries)

    def _carry_screenshot(self, url: str, prev_run_id: int) -> None:
        """A page reused without rendering keeps its smartphone screenshot: copied from the run it was taken in."""
        import shutil

        from .gather.artifacts import page_key
        cache = self.__dict__.setdefault("_run_dirs", {})
        if prev_run_id not in cache:
            cache[prev_run_id] = (self.store.get_run(prev_run_id) or {}).get("artifacts_dir")
        src_dir = cache[prev_run_id]
        if not src_dir:
            return
        name = f"{page_key(url)}.jpg"
        src, dst = Path(src_dir) / "screens" / name, self.artifacts_dir / "screens" / name
        if src.is_file() and not dst.exists() and src != dst:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)

    async def _queued_rows(self, new_entries: list[dict]) -> list[dict]:
        queued = [e for e in new_entries if e["state"] == "queued"]
        if not queued:
            return []
        ids = await self._db(self.store.ids_for, self.run_id, [e["url"] for e in queued])
        return [{"id": ids[e["url"]], "url": e["url"], "depth": e["depth"], "scope": e["scope"], "kind": e["kind"]}
                for e in queued if e["url"] in ids]

    def _allowed_hosts(self, physical: str | None) -> set[str]:
        # Host names for the browser's own checks, and the site's origins: the filtering proxy compares (scheme,
        # host, port), so the served site's 127.0.0.1 opens its own port only (gather/guard_proxy.py Allowance).
        hosts = set(self.scope.hosts) | set(self.scope.origins)
        if physical:
            hosts |= {host_of(physical), physical.rstrip("/")}
        return hosts

    def _finish(self, status: str) -> None:
        if status == "finished":
            run_site_rules(self.store, self.run_id, self.site.id, self.ruleset, self.opt.profile, self.opt.viewports)
        elapsed = time.monotonic() - self.progress.started
        counts = self.store.count_pages(self.run_id)
        artifacts = ArtifactStore(self.artifacts_dir).size_bytes() if self.opt.save_artifacts else 0
        stats = {**self.stats, "elapsed_s": round(elapsed, 2), "counts": counts, "artifacts_bytes": artifacts,
                 "pages_per_min": round(self.stats["pages_done"] / elapsed * 60, 2) if elapsed > 0 else None}
        if self.artifacts_missing:
            # Files that could not be written (disk full …): the pages' results are stored, these files are not.
            stats["artifacts_missing_count"] = len(self.artifacts_missing)
            stats["artifacts_missing"] = self.artifacts_missing[:200]
            self.progress.say(f"成果物 {len(self.artifacts_missing)} 件を保存できませんでした / "
                              f"{len(self.artifacts_missing)} artifact files could not be written "
                              f"({self.artifacts_missing[0]['error']})")
        if status == "finished":
            self.store.finish_run(self.run_id, status, stats)
        else:
            self.store.set_run(self.run_id, status=status, stats=stats)

    @property
    def artifacts_dir(self) -> Path:
        # Absolute: `prune` and the report must find (and only find) this folder whatever the current directory.
        return (Path(self.opt.artifacts_root) / self.site.id / str(self.run_id)).absolute()

    async def _start_new(self) -> None:
        self.run_id = self.store.create_run(
            self.site, profile=self.opt.profile, viewports=self.opt.viewports, axe_version=axe_version(),
            tool_version=__version__, source="crawl", artifacts_dir=None, config=site_config_dict(self.site))
        self.store.claim_run(self.run_id)      # held while this process audits it: another --resume is refused
        self.store.set_run(self.run_id, artifacts_dir=str(self.artifacts_dir))
        if self.opt.save_artifacts:
            from .retention import mark_run_folder
            with contextlib.suppress(OSError):    # a full disk is reported per file later, not here
                mark_run_folder(self.artifacts_dir, self.store, self.run_id)
        self.progress.say(f"run {self.run_id}: {self.site.name} ({self.site.base_url}"
                          + (f" → {self.origin_map.physical}" if self.origin_map.physical else "") + ")")
        await self._load_robots()
        await self._discover()

    async def _discover(self) -> None:
        """Start URLs and sitemaps into the frontier, in ONE transaction: a run killed during discovery has no
        page rows, and --resume discovers again."""
        entries = self._new_entries(self.site.start_urls, 0, "start", None)
        if self.crawl.sitemaps:
            entries += await self._sitemap_entries()
        await self._db(self.store.enqueue, self.run_id, entries)

    async def _load_robots(self) -> None:
        if self.crawl.obey_robots or self.crawl.sitemaps:
            self.robots = await asyncio.to_thread(load_robots, self.origin_map.to_physical(self.site.base_url),
                                                  self._fetch_physical)
            delay = self.robots.crawl_delay("a11yaudit") if self.robots else None
            if delay and delay > self.crawl.delay:
                self.crawl = dataclasses.replace(self.crawl, delay=min(float(delay), 30.0))

    def _fetch_physical(self, url: str):
        return fetch(url, timeout=self.crawl.timeout, user_agent=f"a11yaudit/{__version__}")

    async def _sitemap_entries(self) -> list[dict]:
        start = [self.origin_map.to_logical(u) for u in (self.robots.sitemaps if self.robots else [])]
        start = start or [self.site.base_url + "/sitemap.xml"]
        # Sitemaps outside the site's origins (robots.txt and sitemap indexes may name any URL) are fetched only
        # from public addresses (discover/sources.py read_sitemaps).
        result = await asyncio.to_thread(read_sitemaps, start, self._fetch, max_urls=self.crawl.max_sitemap_urls,
                                         same_site=self.scope.same_site)
        for url, err in result.errors:
            self.progress.say(f"sitemap {url}: {err}")
        self.stats["sitemaps"] = {"read": len(result.sitemaps_read), "urls": len(result.urls),
                                  "dropped": result.dropped, "errors": [f"{u}: {e}" for u, e in result.errors][:50]}
        if result.dropped:
            self.progress.say(f"sitemap: {result.dropped} URLs past max_sitemap_urls={self.crawl.max_sitemap_urls} "
                              "not queued")
        # Sitemap URLs of a served site use its logical origin already; others may use the physical one.
        return self._new_entries(result.urls, 1, "sitemap", None)

    async def _resume(self, run_id: int) -> None:
        run = self.store.get_run(run_id)
        if run["site_id"] != self.site.id:
            raise ConfigError(f"run {run_id} belongs to site {run['site_id']!r}, not {self.site.id!r}", field="--resume")
        if run["status"] == "finished":
            raise ConfigError(f"run {run_id} is already finished; nothing to resume", field="--resume")
        if run["source"] != "crawl":
            raise ConfigError(f"run {run_id} was made from artifacts; re-run it instead", field="--resume")
        # A run still being audited by a live process is refused (exit 2); one left by a dead process (kill -9,
        # crash: its lock went with it) is resumed, whatever its stored status says.
        self.store.claim_run(run_id)
        self.run_id = run_id
        self.opt = dataclasses.replace(self.opt, profile=run["profile"], viewports=run["viewports"].split(","))
        self.store.set_run(run_id, status="running")
        if self.opt.save_artifacts and str(self.artifacts_dir) == str(run.get("artifacts_dir")):
            from .retention import MARKER, mark_run_folder
            if not (self.artifacts_dir / MARKER).exists():
                with contextlib.suppress(OSError):
                    mark_run_folder(self.artifacts_dir, self.store, run_id)
        await self._load_robots()
        rows = self.store.run_pages(run_id)
        if not rows:
            # Killed (or stopped) during discovery: nothing was queued yet. Discover again.
            self.progress.say(f"resuming run {run_id}: discovery had not finished; discovering again")
            await self._discover()
            rows = self.store.run_pages(run_id)
        self.seen = {r["url"] for r in rows}
        self.admitted = sum(1 for r in rows if r["kind"] == "html" and r["state"] != "skipped")
        self.docs_admitted = sum(1 for r in rows if r["kind"] == "document" and r["state"] != "skipped")
        for r in rows:
            if r["kind"] == "html" and r["state"] != "skipped":
                self.traps.note_admitted(r["url"])
        done = sum(1 for r in rows if r["state"] in ("done", "error"))
        self.progress.before = done
        self.progress.say(f"resuming run {run_id}: {done} pages already stored, "
                          f"{sum(1 for r in rows if r['state'] == 'queued')} to go")

    async def _crawl(self, browser: Engine) -> None:
        queue: asyncio.Queue = _RoutingQueue()
        for row in await self._db(self.store.queued, self.run_id):
            queue.put_nowait(row)
        self.progress.found = len(self.seen)
        self.progress.remaining = queue.qsize
        workers = [asyncio.create_task(self._worker(i, browser, queue)) for i in range(self.crawl.concurrency)]
        # Documents on their own queue and threads, beside the pages (one DocumentChecker per thread).
        workers += [asyncio.create_task(self._doc_worker(queue.documents))
                    for _ in range(self.site.documents.concurrency if self.check_docs else 0)]

        async def both_joined():
            await queue.join()              # pages first: only pages reveal documents
            await queue.documents.join()
        joined = asyncio.create_task(both_joined())
        try:
            # A worker only ends by raising (the database is gone, a bug): the crawl stops with it instead of
            # waiting for ever on pages nobody takes.
            done, _ = await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not joined:
                    exc = task.exception()
                    raise exc if exc is not None else InfrastructureError("an audit worker stopped")
        finally:
            joined.cancel()
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            if self.doc_work is not None:
                await asyncio.to_thread(self._close_doc_work)

    def _close_doc_work(self) -> None:
        work, self.doc_work = self.doc_work, None
        work.close()
        pool = self.__dict__.pop("_doc_pool", None)
        if pool is not None:
            pool.shutdown(wait=True)
        import shutil
        shutil.rmtree(work.folder, ignore_errors=True)

    def _doc_work(self):
        if self.doc_work is None:
            import tempfile

            from .docaudit import DocumentWork
            from .documents import Limits
            cfg = self.site.documents
            self.doc_work = DocumentWork(
                limits=Limits(timeout_s=cfg.check_timeout, memory_mb=cfg.memory_mb), profile=self.opt.profile,
                ruleset=self.ruleset, folder=Path(tempfile.mkdtemp(prefix="a11yaudit-docs-")),
                user_agent=f"a11yaudit/{__version__}", max_bytes=int(cfg.max_mb * 1024 * 1024),
                read_timeout=self.crawl.timeout, fetch_timeout=cfg.fetch_timeout)
            self._doc_pool = ThreadPoolExecutor(max_workers=cfg.concurrency, thread_name_prefix="a11yaudit-doc")
        return self.doc_work

    async def _doc_worker(self, queue: asyncio.Queue) -> None:
        while True:
            item = await queue.get()
            try:
                await self._document_item(item)
            finally:
                queue.task_done()

    async def _document_item(self, item: dict) -> None:
        """One queued document, whichever executor runs the pages; a failure of our own is recorded, not raised."""
        try:
            await self._process_document(item)
        except RunInterrupted:
            raise
        except Exception as exc:  # noqa: BLE001 — record and go on
            log.exception("document %s", item["url"])
            await self._db(self.store.set_page, item["id"], state="error", error_kind="internal",
                           error=f"{type(exc).__name__}: {exc}"[:1000])
            self.stats["documents_error"] = self.stats.get("documents_error", 0) + 1
            self.progress.page(item["url"], False, "internal error")

    async def _process_document(self, item: dict) -> None:
        """Fetch and check one document (docaudit.py) and store it like a page; an unchanged one (304 or the same
        sha256) keeps the results of the run it was checked in."""
        from .docaudit import save_document
        url = item["url"]
        work = self._doc_work()
        prev = self.incremental.prev.get(url) if self.incremental is not None else None
        physical = self.origin_map.to_physical(url)
        await self._polite(physical)
        loop = asyncio.get_running_loop()
        checked = await loop.run_in_executor(self._doc_pool, work.run, physical, prev)
        final = checked.page_values.pop("final_url", None)
        values = {**checked.page_values, "kind": "document",
                  "timings_json": json.dumps({"document": {"fetch_ms": checked.fetch_ms,
                                                           "check_ms": checked.check_ms}})}
        if final:
            values["final_url"] = self.origin_map.to_logical(final)
        st = self.stats
        timings = st["timings"]
        timings["doc_fetch_ms"] = round(timings.get("doc_fetch_ms", 0.0) + checked.fetch_ms, 1)
        timings["doc_check_ms"] = round(timings.get("doc_check_ms", 0.0) + checked.check_ms, 1)
        st["documents_bytes"] = st.get("documents_bytes", 0) + checked.bytes
        if checked.reused_from is not None:
            from .store.reuse import record_reused_page
            state = {"reuse_key": self.incremental.key, "etag": checked.doc_row.get("etag") or prev.get("etag"),
                     "last_modified": checked.doc_row.get("last_modified") or prev.get("last_modified"),
                     "dom_hash": prev["dom_hash"], "subresources": [], "links": [],
                     "reused_from": checked.reused_from, "reuse_via": checked.reuse_via}
            keep = {**self.incremental.page_values(prev, checked.reuse_via), "kind": "document",
                    "timings_json": values["timings_json"]}
            if values.get("http_status") and values["http_status"] != 304:
                keep["http_status"] = values["http_status"]
            await self._db(record_reused_page, self.store, self.run_id, item["id"], checked.reused_from, keep,
                           state, [])
            await self._db(save_document, self.store, self.run_id, item["id"], checked.doc_row,
                           copy_from=checked.reused_from)
            st["documents_reused"] = st.get("documents_reused", 0) + 1
            st["documents_checked"] = st.get("documents_checked", 0) + 1
            self.progress.page(url, True, f"文書 再利用 / document reused ({checked.reuse_via})")
            return
        await self._db(self.store.record_page, self.run_id, self.site.id, item["id"], path_of(url), values,
                       checked.results, [])
        await self._db(save_document, self.store, self.run_id, item["id"], checked.doc_row)
        if checked.state is not None and self.incremental is not None:
            from .store.reuse import save_state
            await self._db(save_state, self.store, self.run_id, item["id"],
                           {**checked.state, "reuse_key": self.incremental.key})
        if checked.ok:
            st["documents_checked"] = st.get("documents_checked", 0) + 1
            n_fail = sum(r.n_failed for r in checked.results)
            self.progress.page(url, True, f"文書 / document: 指摘 {n_fail}")
        else:
            st["documents_error"] = st.get("documents_error", 0) + 1
            self.progress.page(url, False, f"文書 / document: {values.get('error') or ''}"[:160])

    async def _polite(self, url: str) -> None:
        host = host_of(url)
        now = time.monotonic()
        start = max(now, self.host_next.get(host, 0.0))
        self.host_next[host] = start + self.crawl.delay
        if start > now:
            await asyncio.sleep(start - now)

    async def _worker(self, index: int, browser: Engine, queue: asyncio.Queue) -> None:
        session = browser.session(self.crawl.user_agent_suffix)
        try:
            while True:
                item = await queue.get()
                try:
                    for row in await self._process(session, item):
                        queue.put_nowait(row)
                except RunInterrupted:
                    raise                   # the database stayed down through every retry: the run stops
                except Exception as exc:  # noqa: BLE001 — record and go on; the page stays accounted for
                    log.exception("page %s", item["url"])
                    # If this write fails too (DatabaseUnavailable after its retries), the worker ends and
                    # _crawl stops the run: never a dead worker with the coordinator waiting.
                    await self._db(self.store.set_page, item["id"], state="error", error_kind="internal",
                                   error=f"{type(exc).__name__}: {exc}"[:1000])
                    self.stats["pages_error"] += 1
                    self.stats["pages_internal_error"] = self.stats.get("pages_internal_error", 0) + 1
                    self.progress.page(item["url"], False, "internal error")
                finally:
                    queue.task_done()
        finally:
            with contextlib.suppress(Exception):
                await session.close()

    def _job(self) -> PageJob:
        """The per-run part of the page work (built once robots.txt is known; sent once to Dask workers)."""
        if self.job is None:
            self.job = PageJob(run_id=self.run_id, site=dataclasses.replace(self.site, crawl=self.crawl),
                               profile=self.opt.profile, viewports=list(self.opt.viewports), ruleset=self.ruleset,
                               physical=self.origin_map.physical, robots=self.robots,
                               allowed_hosts=frozenset(self._allowed_hosts(self.origin_map.physical)),
                               axe_locale=axe_locale_script())
        return self.job

    @property
    def _wants_documents(self) -> bool:
        return self._job().wants_documents

    async def _document_sizes(self, loads: dict) -> None:
        await document_sizes(self._job(), loads, self._polite, self.doc_sizes)

    async def _process(self, session: EngineSession, item: dict) -> list[dict]:
        if self.incremental is not None:
            prev = await self.incremental.validators_unchanged(item["url"])
            if prev is not None:
                return await self._reuse(item, prev)
        # Retries (Retry-After, backoff with the host held), the whole-page deadline: hardening.HardenedSession.
        session = HardenedSession(session, self.crawl, self._polite, self.host_next, self.stats)
        outcome = await audit_page(self._job(), session, item["url"], polite=self._polite,
                                   doc_sizes=self.doc_sizes,
                                   artifacts_dir=self.artifacts_dir if self.opt.save_artifacts else None,
                                   shots_seen=self.shots_seen)
        return await self._record(item, outcome)

    async def _record(self, item: dict, outcome: PageOutcome) -> list[dict]:
        """Coordinator side of a page, whichever executor rendered it: frontier and scope decisions for the links
        it revealed, then the page, its results and the new frontier rows in ONE transaction."""
        url, depth = item["url"], item["depth"]
        missing = list(outcome.artifacts_missing or [])
        if outcome.artifacts and self.opt.save_artifacts:
            from .pagework import save_artifacts
            missing += await asyncio.to_thread(save_artifacts, ArtifactStore(self.artifacts_dir), url,
                                               outcome.artifacts)
        if outcome.screenshot and self.opt.save_artifacts:
            # Taken on a Dask worker: the first picture of each distinct smartphone problem is kept (every worker
            # photographs each problem once; the coordinator keeps one per run, as the local audit does).
            from .gather.artifacts import page_key
            from .gather.mobile import results_signature
            sig = results_signature(outcome.results)
            if sig is not None and sig not in self.shots_seen:
                self.shots_seen.add(sig)
                path = self.artifacts_dir / "screens" / f"{page_key(url)}.jpg"
                try:
                    await asyncio.to_thread(lambda: (path.parent.mkdir(parents=True, exist_ok=True),
                                                     path.write_bytes(outcome.screenshot)))
                except OSError as exc:
                    from .pagework import write_failure
                    with contextlib.suppress(OSError):
                        path.unlink()
                    missing.append(["screenshot", write_failure(exc)])
        new_entries = self._new_entries(outcome.raw_links, depth + 1, "link", url, base=outcome.base)
        page_values = {**outcome.page_values, "timings_json": json.dumps(outcome.timings)}
        results = outcome.results
        state = reuse_src = None
        if outcome.ok_viewports and self.incremental is not None and outcome.render_state is not None:
            state = self.incremental.state_of(outcome)
            reuse_src = self.incremental.dom_unchanged(url, state["dom_hash"],
                                                       len(outcome.ok_viewports) == len(self.opt.viewports))
        if reuse_src is not None:
            # Same rendered DOM and scripts/styles as the stored page: its stored results are kept (and are what
            # the rules just computed again; pagework runs them before this decision).
            from .store.reuse import record_reused_page
            state.update(reused_from=reuse_src["page_id"], reuse_via="dom_hash")
            await self._db(record_reused_page, self.store, self.run_id, item["id"], reuse_src["page_id"],
                           page_values, state, new_entries)
            self.incremental.reused["dom_hash"] += 1
            self.stats["pages_reused"] += 1
        else:
            await self._db(self.store.record_page, self.run_id, self.site.id, item["id"], path_of(url), page_values,
                           results, new_entries)
            if state is not None:
                from .store.reuse import save_state
                await self._db(save_state, self.store, self.run_id, item["id"], state)
        self.stats["viewport_loads"] += outcome.viewport_loads
        if outcome.crash_retries:
            self.stats["crash_retries"] = self.stats.get("crash_retries", 0) + outcome.crash_retries
        for what, error in missing:
            self.artifacts_missing.append({"url": url, "what": what, "error": error})
        timings = self.stats["timings"]
        timings["python_ms"] = round(timings.get("python_ms", 0.0) + outcome.python_ms, 1)
        for vp in outcome.ok_viewports:
            for key, ms in (outcome.timings.get(vp) or {}).items():
                timings[key] = round(timings.get(key, 0.0) + ms, 1)
        ok = bool(outcome.ok_viewports)
        if ok:
            self.stats["pages_done"] += 1
        elif outcome.page_values.get("state") == "skipped":
            self.stats["pages_not_html"] = self.stats.get("pages_not_html", 0) + 1   # a feed or file: not an error
        else:
            self.stats["pages_error"] += 1
        self.progress.found = len(self.seen)
        n_fail = sum(r.n_failed for r in results)
        note = ("再利用 (DOM 同一)" if reuse_src is not None else f"指摘 {n_fail}") if ok else \
            "; ".join(outcome.errors.values())[:160]
        if missing:
            note += f"  成果物を保存できず / artifacts not written: {', '.join(m[0] for m in missing)}"

        self.progress.page(url, ok, note)
        return await self._queued_rows(new_entries)


class _RoutingQueue(asyncio.Queue):
    """The crawl's page queue; rows of kind "document" go to `documents`, worked by the document workers."""

    def __init__(self):
        super().__init__()
        self.documents: asyncio.Queue = asyncio.Queue()

    def put_nowait(self, item):
        if item.get("kind") == "document":
            return self.documents.put_nowait(item)
        return super().put_nowait(item)

    def qsize(self) -> int:
        return super().qsize() + self.documents.qsize()


def run_site_rules(store: Store, run_id: int, site_id: str, ruleset: RuleSet, profile: str,
                   viewports: list[str]) -> None:
    """Site-level rules (duplicate titles …) over the run's audited pages, after the crawl."""
    rules = site_rules(ruleset, profile)
    if not rules:
        return
    pages = store.run_pages(run_id)
    results = evaluate_site(pages, ruleset, profile, viewports[0] if viewports else "pc")
    store.replace_site_results(run_id, site_id, [r.code for r in rules], results,
                               {p["id"]: path_of(p["url"]) for p in pages})


def reevaluate_artifacts(site: Site, store: Store, ruleset: RuleSet, options: AuditOptions, folder: Path) -> int:
    """`audit --from-artifacts DIR`: a new run from saved artifacts, without a browser."""
    arts = ArtifactStore(folder)
    by_url: dict[str, dict] = {}
    for payload in arts.iter_all():
        by_url.setdefault(payload["url"], {})[payload["viewport"]] = payload["artifacts"]
    viewports = sorted({vp for d in by_url.values() for vp in d}, key=lambda v: list(settings.VIEWPORTS).index(v)
                       if v in settings.VIEWPORTS else 99)
    scope = ScopeClassifier(site)
    progress = Progress(site.id, quiet=options.quiet)
    progress.found = len(by_url)
    axe_versions = {((a.get("axe") or {}).get("version")) for d in by_url.values() for a in d.values()}
    axe_versions.discard(None)
    run_id = store.create_run(site, profile=options.profile, viewports=viewports,
                              axe_version=",".join(sorted(axe_versions)) or None, tool_version=__version__,
                              source="artifacts", artifacts_dir=str(folder), config=site_config_dict(site))
    started = time.monotonic()
    for url in sorted(by_url):
        decision = scope.classify(url)
        entry = {"url": url, "kind": "html", "doc_type": None, "depth": 0, "found_via": "artifacts",
                 "referrer": None, "scope": decision.status, "scope_reason": decision.reason, "state": "queued",
                 "skip_reason": None}
        store.enqueue(run_id, [entry])
        page_id = store.ids_for(run_id, [url])[url]
        results = []
        for viewport, artifacts in by_url[url].items():
            peer = by_url[url].get("pc") if viewport != "pc" else None
            results.extend(evaluate(artifacts, viewport, ruleset, options.profile, url, peer=peer))
        any_page = next(iter(by_url[url].values())).get("page") or {}
        store.record_page(run_id, site.id, page_id, path_of(url), {
            "state": "done", "http_status": any_page.get("status"), "title": any_page.get("title"),
            "lang": any_page.get("lang"), "content_type": any_page.get("content_type"),
            "final_url": any_page.get("final_url")}, results, [])
        progress.page(url, True, f"指摘 {sum(r.n_failed for r in results)}")
    run_site_rules(store, run_id, site.id, ruleset, options.profile, viewports)
    elapsed = time.monotonic() - started
    store.finish_run(run_id, "finished", {"pages_done": len(by_url), "elapsed_s": round(elapsed, 2),
                                          "counts": store.count_pages(run_id)})
    return run_id


def run_audit(site: Site, store: Store, ruleset: RuleSet, options: AuditOptions, resume: int | None = None) -> int:
    """Run an audit to the end; SIGTERM and Ctrl-C leave the run `interrupted` and resumable."""
    auditor = Auditor(site, store, ruleset, options)

    async def main():
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
        return await auditor.run(resume)

    try:
        return asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        if auditor.run_id is not None:
            sys.stderr.write(f"interrupted: resume with `a11yaudit audit {site.id} --resume {auditor.run_id}`\n")
        raise SystemExit(130) from None

