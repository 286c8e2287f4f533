"""The local executor: `crawl.concurrency` asyncio workers in this process, each with its own browser session,
take pages from the frontier's queue (discover/frontier.py), render and check them (pagework.audit_page) and hand
the outcomes to the Auditor, which stores them and queues the links they revealed. The Dask executor
(dask_exec.py) does the same with pages rendered on a cluster."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .errors import InfrastructureError, RunInterrupted
from .gather.engine import Engine, EngineSession
from .hardening import HardenedSession
from .pagework import audit_page

log = logging.getLogger(__name__)


class RoutingQueue(asyncio.Queue):
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


async def crawl_locally(auditor, browser: Engine) -> None:
    """The crawl to its end: every queued page and document (and those they reveal) audited and stored."""
    frontier = auditor.frontier
    queue: asyncio.Queue = RoutingQueue()
    for row in await frontier.pending(auditor.run_id):
        queue.put_nowait(row)
    auditor.progress.found = frontier.found
    auditor.progress.remaining = queue.qsize
    workers = [asyncio.create_task(_worker(auditor, browser, queue)) for _ in range(auditor.crawl.concurrency)]
    # Documents on their own queue and threads, beside the pages (one DocumentChecker per thread).
    workers += [asyncio.create_task(_doc_worker(auditor, queue.documents))
                for _ in range(auditor.site.documents.concurrency if auditor.site.documents.check else 0)]

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
        await auditor.documents.close()


async def _worker(auditor, browser: Engine, queue: asyncio.Queue) -> None:
    session = browser.session(auditor.crawl.user_agent_suffix)
    try:
        while True:
            item = await queue.get()
            try:
                for row in await _process(auditor, session, item):
                    queue.put_nowait(row)
            except RunInterrupted:
                raise                   # the database stayed down through every retry: the run stops
            except Exception as exc:  # noqa: BLE001 — record and go on; the page stays accounted for
                log.exception("page %s", item["url"])
                # If this write fails too (DatabaseUnavailable after its retries), the worker ends and
                # crawl_locally stops the run: never a dead worker with the coordinator waiting.
                await auditor.record_failure(item, exc, "internal error", internal=True)
            finally:
                queue.task_done()
    finally:
        with contextlib.suppress(Exception):
            await session.close()


async def _doc_worker(auditor, queue: asyncio.Queue) -> None:
    while True:
        item = await queue.get()
        try:
            await auditor.documents.check(item)
        finally:
            queue.task_done()


async def _process(auditor, session: EngineSession, item: dict) -> list[dict]:
    reused = await auditor.reuse_unchanged(item)
    if reused is not None:
        return reused
    # Retries (Retry-After, backoff with the host held), the whole-page deadline: hardening.HardenedSession.
    frontier = auditor.frontier
    session = HardenedSession(session, auditor.crawl, frontier.polite, frontier.host_next, auditor.stats)
    outcome = await audit_page(auditor.job(), session, item["url"], polite=frontier.polite,
                               doc_sizes=auditor.doc_sizes,
                               artifacts_dir=auditor.artifacts_dir if auditor.opt.save_artifacts else None,
                               shots_seen=auditor.shots_seen)
    return await auditor.record(item, outcome)
