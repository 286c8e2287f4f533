"""The run's documents: same-site pdf/docx/xlsx/pptx the frontier queued are fetched and checked
(docaudit.py) beside the pages, on their own threads (one DocumentChecker per thread), and stored like pages. With a
Dask scheduler the coordinator checks them (dask_exec.py), beside the pages the cluster renders."""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import __version__
from .discover.urls import path_of
from .errors import RunInterrupted

log = logging.getLogger(__name__)


class RunDocuments:
    """Document checks of one Auditor's run; the work folder and threads are made on the first document."""

    def __init__(self, auditor):
        self.a = auditor
        self.work = None
        self.pool: ThreadPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self.work is not None

    def _work(self):
        if self.work is None:
            import tempfile

            from .docaudit import DocumentWork
            from .documents import Limits
            a = self.a
            cfg = a.site.documents
            self.work = DocumentWork(
                limits=Limits(timeout_s=cfg.check_timeout, memory_mb=cfg.memory_mb), profile=a.opt.profile,
                ruleset=a.ruleset, folder=Path(tempfile.mkdtemp(prefix="a11yaudit-docs-")),
                user_agent=f"a11yaudit/{__version__}", max_bytes=int(cfg.max_mb * 1024 * 1024),
                read_timeout=a.crawl.timeout, fetch_timeout=cfg.fetch_timeout)
            self.pool = ThreadPoolExecutor(max_workers=cfg.concurrency, thread_name_prefix="a11yaudit-doc")
        return self.work

    async def close(self) -> None:
        """The threads stopped and the work folder removed (nothing to do before the first document)."""
        if self.work is not None:
            await asyncio.to_thread(self._close)

    def _close(self) -> None:
        work, self.work = self.work, None
        work.close()
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        import shutil
        shutil.rmtree(work.folder, ignore_errors=True)

    async def check(self, item: dict) -> None:
        """One queued document, whichever executor runs the pages; a failure of our own is recorded, not raised."""
        a = self.a
        try:
            await self._process(item)
        except RunInterrupted:
            raise
        except Exception as exc:  # noqa: BLE001 — record and go on
            log.exception("document %s", item["url"])
            await a.db(a.store.set_page, item["id"], state="error", error_kind="internal",
                       error=f"{type(exc).__name__}: {exc}"[:1000])
            a.stats["documents_error"] = a.stats.get("documents_error", 0) + 1
            a.progress.page(item["url"], False, "internal error")

    async def _process(self, item: dict) -> None:
        """Fetch and check one document (docaudit.py) and store it like a page; an unchanged one (304 or the same
        sha256) keeps the results of the run it was checked in."""
        from .docaudit import save_document
        a = self.a
        url = item["url"]
        work = self._work()
        prev = a.incremental.prev.get(url) if a.incremental is not None else None
        physical = a.frontier.origin_map.to_physical(url)
        await a.frontier.polite(physical)
        loop = asyncio.get_running_loop()
        checked = await loop.run_in_executor(self.pool, work.run, physical, prev)
        final = checked.page_values.pop("final_url", None)
        values = {**checked.page_values, "kind": "document",
                  "timings_json": json.dumps({"document": {"fetch_ms": checked.fetch_ms,
                                                           "check_ms": checked.check_ms}})}
        if final:
            values["final_url"] = a.frontier.origin_map.to_logical(final)
        st = a.stats
        timings = st["timings"]
        timings["doc_fetch_ms"] = round(timings.get("doc_fetch_ms", 0.0) + checked.fetch_ms, 1)
        timings["doc_check_ms"] = round(timings.get("doc_check_ms", 0.0) + checked.check_ms, 1)
        st["documents_bytes"] = st.get("documents_bytes", 0) + checked.bytes
        if checked.reused_from is not None:
            await self._keep(item, checked, prev, values)
            return
        await a.db(a.store.record_page, a.run_id, a.site.id, item["id"], path_of(url), values, checked.results, [])
        await a.db(save_document, a.store, a.run_id, item["id"], checked.doc_row)
        if checked.state is not None and a.incremental is not None:
            from .store.reuse import save_state
            await a.db(save_state, a.store, a.run_id, item["id"], {**checked.state, "reuse_key": a.incremental.key})
        if checked.ok:
            st["documents_checked"] = st.get("documents_checked", 0) + 1
            n_fail = sum(r.n_failed for r in checked.results)
            a.progress.page(url, True, f"文書 / document: 指摘 {n_fail}")
        else:
            st["documents_error"] = st.get("documents_error", 0) + 1
            a.progress.page(url, False, f"文書 / document: {values.get('error') or ''}"[:160])

    async def _keep(self, item: dict, checked, prev: dict, values: dict) -> None:
        """An unchanged document: the results of the run it was checked in are kept."""
        from .docaudit import save_document
        from .store.reuse import record_reused_page
        a = self.a
        state = {"reuse_key": a.incremental.key, "etag": checked.doc_row.get("etag") or prev.get("etag"),
                 "last_modified": checked.doc_row.get("last_modified") or prev.get("last_modified"),
                 "dom_hash": prev["dom_hash"], "subresources": [], "links": [],
                 "reused_from": checked.reused_from, "reuse_via": checked.reuse_via}
        keep = {**a.incremental.page_values(prev, checked.reuse_via), "kind": "document",
                "timings_json": values["timings_json"]}
        if values.get("http_status") and values["http_status"] != 304:
            keep["http_status"] = values["http_status"]
        await a.db(record_reused_page, a.store, a.run_id, item["id"], checked.reused_from, keep, state, [])
        await a.db(save_document, a.store, a.run_id, item["id"], checked.doc_row, copy_from=checked.reused_from)
        st = a.stats
        st["documents_reused"] = st.get("documents_reused", 0) + 1
        st["documents_checked"] = st.get("documents_checked", 0) + 1
        a.progress.page(item["url"], True, f"文書 再利用 / document reused ({checked.reuse_via})")
