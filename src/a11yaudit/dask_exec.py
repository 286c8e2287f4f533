"""The Dask executor: the same page work as the local audit (pagework.audit_page), run as tasks on a Dask cluster.

The coordinator (the `a11yaudit audit --scheduler …` process) keeps everything that decides the crawl: the frontier,
scope and budget decisions, politeness towards the site, and the database. Workers only render and check pages:
each keeps one Chromium (started lazily by `BrowserPlugin`, reused across tasks, restarted if it dies) and returns a
picklable `PageOutcome`. The coordinator writes each page — results, findings and the links it revealed — in ONE
transaction, exactly as the local executor does, so `--resume` works the same and workers need no database access.
A task lost with its worker is re-run by the scheduler on another worker; a task that raised is retried.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import logging
import os
import pickle
import re
import threading
import time
import uuid

from .discover.urls import host_of
from .errors import ConfigError, InfrastructureError, RunInterrupted
from .hardening import HardenedSession
from .pagework import PageJob, PageOutcome, audit_page

log = logging.getLogger(__name__)

PLUGIN_NAME = "a11yaudit-browser"
TASK_RETRIES = 2
SCHEDULER_RE = re.compile(r"^(tcp|tls|ws|wss|ucx|inproc)://[^/\s]+$")

try:  # the plugin class must exist on workers; without dask installed it is a plain object (never registered)
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover — the dask extra is not installed
    _PluginBase = object


def check_scheduler_address(address: str) -> str:
    if not SCHEDULER_RE.match(address):
        raise ConfigError(f"must be a Dask scheduler address such as tcp://host:8786, got {address!r}",
                          field="--scheduler")
    return address


class BrowserPlugin(_PluginBase):
    """Worker side: one engine (Chromium via Playwright, or Selenium) per worker and browser policy, started on the
    first task and reused, one session per page in flight; it runs on a private event-loop thread so that Dask's
    own loop and task threads never block on it. A dead Chromium is restarted by the session, as locally."""

    name = PLUGIN_NAME
    idempotent = True          # a second coordinator must not replace (and close) browsers in use

    def __init__(self, max_browsers: int = 2, max_jobs: int = 4):
        self.max_browsers, self.max_jobs = max_browsers, max_jobs

    def setup(self, worker=None):
        self.worker_threads = getattr(getattr(worker, "state", None), "nthreads", 1) or 1
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self.browsers: collections.OrderedDict = collections.OrderedDict()   # job.key → Browser
        self.active: collections.Counter = collections.Counter()             # job.key → tasks running
        self.slots: dict = {}                                                 # job.key → idle tab sets
        self.jobs: collections.OrderedDict = collections.OrderedDict()       # token → PageJob
        self.doc_sizes: dict = {}                                             # run id → HEAD cache
        self.shots_seen: dict = {}                                            # run id → photographed problems
        self.host_next: dict = {}                                             # host → monotonic time it is free
        self.retry_stats: dict = {}                                           # retries done on this worker
        self.pages = 0

    def teardown(self, worker=None):
        if self._loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._close_all(), self._loop)
        try:
            fut.result(timeout=30)
        except Exception:  # noqa: BLE001 — the worker is going away anyway
            log.warning("closing the browsers failed", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None

    # --- on the task thread -----------------------------------------------------------------------------
    def _ensure_loop(self):
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="a11yaudit-browser-loop", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
        return self._loop

    def _job(self, token: str, payload: bytes) -> PageJob:
        with self._lock:
            job = self.jobs.get(token)
            if job is None:
                job = self.jobs[token] = pickle.loads(payload)
                while len(self.jobs) > self.max_jobs:
                    self.jobs.popitem(last=False)
            self.jobs.move_to_end(token)
            return job

    def audit(self, token: str, payload: bytes, url: str, return_artifacts: bool) -> PageOutcome:
        job = self._job(token, payload)
        loop = self._ensure_loop()
        return asyncio.run_coroutine_threadsafe(self._audit(job, url, return_artifacts), loop).result()

    # --- on the browser loop ----------------------------------------------------------------------------
    async def _engine(self, job: PageJob):
        from .gather import browser as browser_mod
        from .gather.engine import make_engine
        if job.axe_locale is not None:   # the coordinator's axe locale, not whatever this worker has on disk
            browser_mod._AXE_CACHE["locale"] = job.axe_locale
        engine = self.browsers.get(job.key)
        if engine is None:
            crawl = job.crawl
            engine = make_engine(crawl.engine, allowed_hosts=set(job.allowed_hosts),
                                 block_resources=list(crawl.block_resources), grid=crawl.grid,
                                 concurrency=max(1, self.worker_threads), timeout=crawl.timeout, guard=True)
            await engine.start()
            self.browsers[job.key] = engine
            for key in [k for k in self.browsers if k != job.key and not self.active[k]]:
                if len(self.browsers) <= self.max_browsers:
                    break
                await self._close(key)
        self.browsers.move_to_end(job.key)
        return engine

    async def _audit(self, job: PageJob, url: str, return_artifacts: bool) -> PageOutcome:
        self.active[job.key] += 1
        try:
            engine = await self._engine(job)
            pool = self.slots.setdefault(job.key, [])
            session = pool.pop() if pool else engine.session(job.crawl.user_agent_suffix)
            try:
                doc_sizes = self.doc_sizes.setdefault(job.run_id, {})
                # Same page deadline and retries (Retry-After, backoff) as the local audit; the host is held on this
                # worker while it waits (the coordinator paces the submissions).
                hardened = HardenedSession(session, job.crawl, self._polite, self.host_next, self.retry_stats)
                outcome = await audit_page(job, hardened, url, doc_sizes=doc_sizes, return_artifacts=return_artifacts,
                                           shots_seen=self.shots_seen.setdefault(job.run_id, set()))
            except BaseException:
                try:
                    await session.close()
                except Exception:  # noqa: BLE001
                    pass
                raise
            pool.append(session)
            outcome.browser = engine.version
            self.pages += 1
            return outcome
        finally:
            self.active[job.key] -= 1

    async def _polite(self, url: str) -> None:
        wait = self.host_next.get(host_of(url), 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _close(self, key) -> None:
        engine = self.browsers.pop(key, None)
        for session in self.slots.pop(key, []):
            try:
                await session.close()
            except Exception:  # noqa: BLE001
                pass
        if engine is not None:
            try:
                await engine.close()
            except Exception:  # noqa: BLE001
                log.warning("closing a browser failed", exc_info=True)

    async def _close_all(self) -> None:
        for key in list(self.browsers):
            await self._close(key)


def run_page_task(token: str, payload: bytes, url: str, return_artifacts: bool) -> PageOutcome:
    """The Dask task: one page on this worker's browser."""
    from distributed import get_worker
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None:        # registered before any task is submitted; a late joiner gets it on connect
        raise RuntimeError(f"worker {worker.address} has no {PLUGIN_NAME} plugin")
    return plugin.audit(token, payload, url, return_artifacts)


WORKER_CHECK_S = 5.0          # how often the coordinator looks at the cluster while no page comes back


def no_worker_limit() -> float:
    """Seconds the coordinator waits with pages in flight and no worker in the cluster before it gives up
    (A11YAUDIT_DASK_NO_WORKER_S, default 300): the run is then kept as interrupted, to be resumed."""
    raw = os.environ.get("A11YAUDIT_DASK_NO_WORKER_S", "300")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"must be a number of seconds, got {raw!r}", field="A11YAUDIT_DASK_NO_WORKER_S") from None
    if value <= 0:
        raise ConfigError(f"must be above 0, got {raw!r}", field="A11YAUDIT_DASK_NO_WORKER_S")
    return value


class _NoWorkerWatchdog:
    """Without workers, Dask keeps the tasks waiting forever. The coordinator says so on the progress line once
    and, after no_worker_limit() seconds without any worker, stops with RunInterrupted: the pages already stored
    stay, the rest stay queued for `--resume`."""

    def __init__(self, auditor, address: str):
        self.auditor, self.address, self.limit = auditor, address, no_worker_limit()
        self.since: float | None = None

    def reset(self) -> None:
        self.since = None

    async def check(self, client) -> None:
        try:
            workers = len(await client.scheduler.ncores())
        except Exception:  # noqa: BLE001 — the scheduler itself is gone: counts as no worker
            workers = 0
        if workers:
            self.since = None
            return
        now = time.monotonic()
        if self.since is None:
            self.since = now
            self.auditor.progress.say(f"Dask scheduler {self.address}: no worker left; waiting up to "
                                      f"{self.limit:.0f} s for one (A11YAUDIT_DASK_NO_WORKER_S)")
        elif now - self.since >= self.limit:
            raise RunInterrupted(
                f"no Dask worker at {self.address} for {self.limit:.0f} s; run {self.auditor.run_id} is kept as "
                f"interrupted: start workers and run `a11yaudit audit {self.auditor.site.id} --resume "
                f"{self.auditor.run_id} --scheduler {self.address}`")


async def crawl_on_dask(auditor, address: str) -> None:
    """The coordinator's crawl loop on a Dask cluster: at most `crawl.concurrency` pages in flight (the same
    politeness towards the site as a local audit), results stored here as they come back."""
    check_scheduler_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'a11yaudit[dask]'", field="--scheduler") from None
    try:
        client = await Client(address, asynchronous=True, timeout=30, set_as_default=False)
    except (OSError, asyncio.TimeoutError, TimeoutError) as exc:
        raise InfrastructureError(f"cannot reach the Dask scheduler {address}: {exc}") from None
    try:
        nthreads = await client.scheduler.ncores()
    except Exception:  # noqa: BLE001 — only for the progress line
        nthreads = {}
    auditor.progress.say(f"Dask scheduler {address}: {len(nthreads)} workers, {sum(nthreads.values())} threads")
    inflight: dict = {}           # asyncio task → (dask future, page row)
    try:
        await client.register_plugin(BrowserPlugin(), name=PLUGIN_NAME)
        job = auditor.job()
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        token = hashlib.sha1(payload).hexdigest()
        return_artifacts = auditor.opt.save_artifacts
        frontier = auditor.frontier
        queue = collections.deque(await frontier.pending(auditor.run_id))
        auditor.progress.found = frontier.found
        auditor.progress.remaining = queue.__len__
        limit = max(1, auditor.crawl.concurrency)
        browser_noted = False
        physical = frontier.origin_map.to_physical

        async def result_of(fut):
            return await fut

        watchdog = _NoWorkerWatchdog(auditor, address)

        while queue or inflight:
            while queue and len(inflight) < limit:
                item = queue.popleft()
                if item.get("kind") == "document":      # documents are fetched and checked here, beside the pages
                    inflight[asyncio.ensure_future(auditor.documents.check(item))] = (None, item)
                    continue
                reused = await auditor.reuse_unchanged(item)    # incremental re-audit, as in the local executor
                if reused is not None:
                    queue.extend(reused)
                    continue
                for _ in auditor.opt.viewports:   # one politeness slot per page load, as the local executor
                    await frontier.polite(physical(item["url"]))
                fut = client.submit(run_page_task, token, payload, item["url"], return_artifacts,
                                    key=f"a11yaudit-page-{auditor.run_id}-{item['id']}-{uuid.uuid4().hex[:8]}",
                                    pure=False, retries=TASK_RETRIES)
                inflight[asyncio.ensure_future(result_of(fut))] = (fut, item)
            if not inflight:        # every page taken so far was unchanged and answered here
                continue
            done, _ = await asyncio.wait(list(inflight), return_when=asyncio.FIRST_COMPLETED,
                                         timeout=min(WORKER_CHECK_S, watchdog.limit / 3))
            if not done:
                await watchdog.check(client)
                continue
            watchdog.reset()
            for task in done:
                fut, item = inflight.pop(task)
                if fut is None:       # a document: stored by the task itself
                    task.result()     # re-raises only RunInterrupted (the database is gone)
                    continue
                try:
                    outcome = task.result()
                except Exception as exc:  # noqa: BLE001 — the page stays accounted for, as in the local worker
                    log.warning("page %s failed on the cluster: %s", item["url"], exc)
                    await auditor.record_failure(item, exc, f"cluster: {type(exc).__name__}")
                    continue
                if not browser_noted and getattr(outcome, "browser", None):
                    await auditor.note_browser(outcome.browser)
                    browser_noted = True
                queue.extend(await auditor.record(item, outcome))
                fut.release()
    finally:
        for task, (fut, _item) in inflight.items():
            task.cancel()
        if auditor.documents.started:
            await asyncio.gather(*(t for t, (f, _i) in inflight.items() if f is None), return_exceptions=True)
            await auditor.documents.close()
        if inflight:
            try:
                await client.cancel([fut for fut, _ in inflight.values() if fut is not None])
            except Exception:  # noqa: BLE001
                pass
        await client.close()
