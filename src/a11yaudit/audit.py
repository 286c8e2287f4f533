"""The audit: discover → gather (browser) → artifacts → rules → store, with resume and re-evaluation from artifacts.

The Auditor keeps one run: its frontier (discover/frontier.py), its database writes and its end. An executor takes
the queued pages and hands back what they revealed: the local asyncio workers (local_exec.py) or a Dask cluster
(dask_exec.py), both through the Auditor's public methods (`job`, `reuse_unchanged`, `record`, `record_failure`,
`note_browser`, `documents`)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import __version__
from .config import Site
from .discover.frontier import Frontier
from .discover.urls import OriginMap, path_of
from .docaudit import checkable_kind
from .docrun import RunDocuments
from .errors import ConfigError, RunInterrupted
from .gather.artifacts import ArtifactStore
from .gather.browser import axe_locale_script, axe_version
from .gather.engine import make_engine
from .pagework import PageJob, PageOutcome, document_sizes
from .progress import Progress
from .rerun import reevaluate_artifacts, run_site_rules, site_config_dict
from .rules.loader import RuleSet
from .serve import StaticServer
from .store.db import DatabaseUnavailable, Store, with_retry

__all__ = ["AuditOptions", "Auditor", "Progress", "reevaluate_artifacts", "run_audit", "run_site_rules",
           "site_config_dict"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class AuditOptions:
    profile: str
    viewports: list[str]
    artifacts_root: Path
    save_artifacts: bool = True
    quiet: bool = False
    full: bool = False              # no incremental reuse of unchanged pages
    scheduler: str | None = None    # Dask scheduler address (tcp://host:8786): pages run as tasks on its workers



class Auditor:
    def __init__(self, site: Site, store: Store, ruleset: RuleSet, options: AuditOptions):
        self.site, self.store, self.ruleset, self.opt = site, store, ruleset, options
        self.progress = Progress(site.id, quiet=options.quiet)
        self.db_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11yaudit-db")
        # The frontier: queueing, dedupe, budgets, traps, politeness and discovery (documents are queued only when
        # checked: fetched and checked beside the pages by `documents`).
        self.frontier = Frontier(site, store, self.db, check_document=checkable_kind if site.documents.check else None)
        self.documents = RunDocuments(self)
        self.run_id: int | None = None
        self.doc_sizes: dict[str, dict] = {}     # linked document URL → HEAD result (once per run)
        self.shots_seen: set[str] = set()           # smartphone problem signatures photographed in this run
        self.stats = {"pages_done": 0, "pages_error": 0, "viewport_loads": 0, "retries": 0, "pages_reused": 0,
                      "timings": {}}
        self.artifacts_missing: list[dict] = []     # artifact / screenshot files that could not be written
        self._page_job: PageJob | None = None
        self.incremental = None     # incremental.Incremental: earlier results of unchanged pages may be reused

    # --- the frontier's state, as incremental.py reads it ----------------------------------------------------
    @property
    def crawl(self):
        return self.frontier.crawl

    @property
    def scope(self):
        return self.frontier.scope

    @property
    def origin_map(self) -> OriginMap:
        return self.frontier.origin_map

    @origin_map.setter
    def origin_map(self, value: OriginMap) -> None:
        self.frontier.origin_map = value

    # --- helpers ----------------------------------------------------------------------------------------
    async def db(self, fn, *args, **kwargs):
        """One database call (one transaction) on the run's database thread, retried with backoff, then
        DatabaseUnavailable."""
        loop = asyncio.get_running_loop()

        def timed():
            t0 = time.perf_counter()
            try:   # each call is one transaction, idempotent: retried with backoff, then DatabaseUnavailable
                return with_retry(fn, *args, **kwargs)
            finally:
                t = self.stats["timings"]
                t["db_ms"] = round(t.get("db_ms", 0.0) + (time.perf_counter() - t0) * 1000, 1)
        return await loop.run_in_executor(self.db_pool, timed)

    # --- the run ----------------------------------------------------------------------------------------
    async def run(self, resume_run: int | None = None) -> int:
        server = StaticServer(self.site.serve) if self.site.serve else None
        self.frontier.serve_at(server.start() if server else None)
        browser = make_engine(self.crawl.engine, allowed_hosts=self.frontier.allowed_hosts(),
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
                await self._crawl_locally(browser)
            # A run that audited nothing (no page checked: discovery found nothing, every page failed) is never
            # "finished": it would become the site's latest audit for trends, baselines and policy lint.
            audited = await self.db(self.store.count_pages, self.run_id)
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

    async def _crawl_locally(self, browser) -> None:
        from .local_exec import crawl_locally
        self._setup_incremental()
        if browser.name != "playwright" or not self.incremental.prev:
            await browser.start()      # else Playwright starts on the first page that must be rendered
            self.store.set_run(self.run_id, browser_version=browser.version)
        self.stats["engine"] = browser.name
        if browser.notes:
            self.stats["engine_notes"] = list(browser.notes)
        await crawl_locally(self, browser)
        self.stats["contexts_recycled"] = getattr(browser, "contexts_recycled", 0)
        if browser.version:
            await self.note_browser(browser.version)
        elif self.stats.get("pages_reused"):
            # Every page reused without rendering: its results were gathered by the browser of the run
            # they come from (the reuse key includes the tool, rules and axe-core, not the browser build).
            prev = [r for r in self.store.list_runs(self.site.id)
                    if r["id"] != self.run_id and r.get("browser_version")]
            if prev:
                self.store.set_run(self.run_id, browser_version=prev[-1]["browser_version"])

    def _setup_incremental(self) -> None:
        """Earlier states of this site's pages (none with --full: everything is audited, states are still stored)."""
        from .incremental import Incremental, reuse_key
        from .store.reuse import previous_states
        key = reuse_key(self.opt.profile, self.opt.viewports, axe_version(), self.crawl.engine)
        self.incremental = Incremental(self, {} if self.opt.full else previous_states(self.store, self.site.id, key),
                                       key)

    async def note_browser(self, version: str) -> None:
        """The browser build that rendered the run's pages, stored on the run."""
        await self.db(self.store.set_run, self.run_id, browser_version=version)

    async def reuse_unchanged(self, item: dict) -> list[dict] | None:
        """Incremental re-audit: when the server says the page and its scripts/styles are unchanged, its earlier
        results are stored for this run and the queue rows of the links it revealed are returned; else None."""
        if self.incremental is None:
            return None
        prev = await self.incremental.validators_unchanged(item["url"])
        if prev is None:
            return None
        return await self._reuse(item, prev)

    async def _reuse(self, item: dict, prev: dict) -> list[dict]:
        """Validators say the page is unchanged: copy its results, continue the crawl with its stored links."""
        from .store.reuse import record_reused_page
        url = item["url"]
        new_entries = self.frontier.admit(prev["links"], item["depth"] + 1, "link", url)
        state = {"reuse_key": self.incremental.key, "etag": prev["etag"], "last_modified": prev["last_modified"],
                 "dom_hash": prev["dom_hash"], "subresources": prev["subresources"], "links": prev["links"],
                 "reused_from": prev["page_id"], "reuse_via": "validators"}
        n = await self.db(record_reused_page, self.store, self.run_id, item["id"], prev["page_id"],
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
        self.progress.found = self.frontier.found
        self.progress.page(url, True, f"再利用 (HTTP 304) 指摘行 {n}")
        return await self.frontier.rows_for(self.run_id, new_entries)

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
        physical = self.frontier.origin_map.physical
        self.progress.say(f"run {self.run_id}: {self.site.name} ({self.site.base_url}"
                          + (f" → {physical}" if physical else "") + ")")
        await self.frontier.load_robots()
        await self._discover()

    async def _discover(self) -> None:
        sitemaps = await self.frontier.discover(self.run_id, self.progress.say)
        if sitemaps is not None:
            self.stats["sitemaps"] = sitemaps

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
        await self.frontier.load_robots()
        rows = self.store.run_pages(run_id)
        if not rows:
            # Killed (or stopped) during discovery: nothing was queued yet. Discover again.
            self.progress.say(f"resuming run {run_id}: discovery had not finished; discovering again")
            await self._discover()
            rows = self.store.run_pages(run_id)
        self.frontier.restore(rows)
        done = sum(1 for r in rows if r["state"] in ("done", "error"))
        self.progress.before = done
        self.progress.say(f"resuming run {run_id}: {done} pages already stored, "
                          f"{sum(1 for r in rows if r['state'] == 'queued')} to go")

    # --- the page work, for both executors ------------------------------------------------------------------
    def job(self) -> PageJob:
        """The per-run part of the page work (built once robots.txt is known; sent once to Dask workers)."""
        if self._page_job is None:
            f = self.frontier
            self._page_job = PageJob(run_id=self.run_id, site=dataclasses.replace(self.site, crawl=self.crawl),
                                     profile=self.opt.profile, viewports=list(self.opt.viewports),
                                     ruleset=self.ruleset, physical=f.origin_map.physical, robots=f.robots,
                                     allowed_hosts=frozenset(f.allowed_hosts()), axe_locale=axe_locale_script())
        return self._page_job

    @property
    def _wants_documents(self) -> bool:
        return self.job().wants_documents

    async def _document_sizes(self, loads: dict) -> None:
        await document_sizes(self.job(), loads, self.frontier.polite, self.doc_sizes)

    async def record_failure(self, item: dict, exc: BaseException, note: str, internal: bool = False) -> None:
        """A page whose work raised: stored as an error (kind "internal"), so the page stays accounted for."""
        await self.db(self.store.set_page, item["id"], state="error", error_kind="internal",
                      error=f"{type(exc).__name__}: {exc}"[:1000])
        self.stats["pages_error"] += 1
        if internal:
            self.stats["pages_internal_error"] = self.stats.get("pages_internal_error", 0) + 1
        self.progress.page(item["url"], False, note)

    async def record(self, item: dict, outcome: PageOutcome) -> list[dict]:
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
            from .pagework import results_signature
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
        new_entries = self.frontier.admit(outcome.raw_links, depth + 1, "link", url, base=outcome.base)
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
            await self.db(record_reused_page, self.store, self.run_id, item["id"], reuse_src["page_id"],
                           page_values, state, new_entries)
            self.incremental.reused["dom_hash"] += 1
            self.stats["pages_reused"] += 1
        else:
            await self.db(self.store.record_page, self.run_id, self.site.id, item["id"], path_of(url), page_values,
                           results, new_entries)
            if state is not None:
                from .store.reuse import save_state
                await self.db(save_state, self.store, self.run_id, item["id"], state)
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
        self.progress.found = self.frontier.found
        n_fail = sum(r.n_failed for r in results)
        note = ("再利用 (DOM 同一)" if reuse_src is not None else f"指摘 {n_fail}") if ok else \
            "; ".join(outcome.errors.values())[:160]
        if missing:
            note += f"  成果物を保存できず / artifacts not written: {', '.join(m[0] for m in missing)}"

        self.progress.page(url, ok, note)
        return await self.frontier.rows_for(self.run_id, new_entries)



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

