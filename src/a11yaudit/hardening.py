"""Hardening of the crawl: crawl-trap budgets, retries of transient errors with backoff and Retry-After,
and a whole-page deadline for runaway pages. Used by both executors (local_exec.py, dask_exec.py)."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import time
from collections import defaultdict
from urllib.parse import urlsplit

from .gather.browser import PageLoad

TRANSIENT_STATUS = {429, 500, 502, 503, 504}
TRANSIENT_KINDS = {"network"}


class TrapGuard:
    """Decides whether a discovered same-site URL is a crawl trap. Canonicalisation (session ids, tracking
    parameters, index files) has already folded equivalent URLs; these are the budgets beyond it. Each decision
    names the rule that stopped the URL (stored as skip_reason `trap:<rule>` with a note)."""

    def __init__(self, crawl):
        self.crawl = crawl
        self.query_variants: dict[str, int] = defaultdict(int)

    def note_admitted(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.query:
            self.query_variants[parts.path] += 1

    def check(self, url: str) -> tuple[str, str] | None:
        """(rule, note) when `url` is a trap, else None (and the URL is counted)."""
        if len(url) > self.crawl.max_url_length:
            return "url_length", f"URL が {len(url)} 文字（上限 {self.crawl.max_url_length}）"
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if segments:
            top = max(segments.count(s) for s in set(segments))
            if top > self.crawl.max_path_repeats:
                return "path_repeats", f"同じパス要素が {top} 回（上限 {self.crawl.max_path_repeats}）"
        if parts.query and self.query_variants[parts.path] >= self.crawl.max_query_variants:
            return "query_variants", (f"{parts.path} のクエリ違いが上限 {self.crawl.max_query_variants} 件に達した"
                                      "（カレンダー・検索結果など）")
        return None


def is_transient(load: PageLoad) -> bool:
    if load.artifacts is not None:
        return False
    return load.http_status in TRANSIENT_STATUS or load.error_kind in TRANSIENT_KINDS


def retry_delay(load: PageLoad, attempt: int, cap: float, base: float = 0.5) -> float:
    """Seconds to wait before attempt `attempt + 1`: Retry-After (seconds or HTTP date) when given, else
    exponential backoff (0.5, 1, 2 … s); never more than `cap`."""
    wait = None
    value = (load.retry_after or "").strip()
    if value:
        if value.isdigit():
            wait = float(value)
        else:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                when = email.utils.parsedate_to_datetime(value)
                wait = when.timestamp() - time.time()
    if wait is None or wait < 0:
        wait = base * (2 ** attempt)
    return min(wait, cap)


async def gather_with_deadline(coro, url: str, viewport: str, *, deadline: float) -> tuple[PageLoad, bool]:
    """An engine's gather bounded as a whole: a script that never yields after `load` would otherwise keep
    page.evaluate waiting for ever (navigation timeouts do not cover it). Returns (load, renderer_is_dead)."""
    try:
        return await asyncio.wait_for(coro, timeout=deadline), False
    except asyncio.TimeoutError:
        load = PageLoad(url=url, viewport=viewport, error_kind="timeout",
                        error=f"page did not finish within {deadline:g} s (runaway script?)")
        return load, True


class HardenedSession:
    """Wraps an engine session (gather/engine.py): each gather is bounded by the page deadline, and transient
    failures (429, 5xx, network) are tried again after Retry-After or an exponential backoff, during which the
    whole host is held (`host_next`, the audit's per-host politeness clock) for every worker."""

    def __init__(self, session, crawl, polite, host_next: dict, stats: dict):
        self.session, self.crawl, self.polite, self.host_next, self.stats = session, crawl, polite, host_next, stats

    async def gather(self, url: str, viewport: str, **kwargs) -> PageLoad:
        from .discover.urls import host_of
        attempt = 0
        while True:
            if attempt:
                await self.polite(url)
            load, dead = await gather_with_deadline(self.session.gather(url, viewport, **kwargs), url, viewport,
                                                    deadline=self.crawl.page_timeout)
            if dead and hasattr(self.session, "discard"):
                await self.session.discard(viewport)     # a hung renderer: a fresh context for the next page
            if not is_transient(load) or attempt >= self.crawl.retries:
                if attempt and load.error:
                    load.error = f"{load.error} (after {attempt + 1} attempts)"
                return load
            wait = retry_delay(load, attempt, self.crawl.retry_max_wait)
            host = host_of(url)
            self.host_next[host] = max(self.host_next.get(host, 0.0), time.monotonic() + wait)
            attempt += 1
            self.stats["retries"] = self.stats.get("retries", 0) + 1

    async def screenshot(self, nids: list, signature: str, artifacts_dir, url: str, seen: set | None) -> dict | None:
        shoot = getattr(self.session, "screenshot", None)
        return await shoot(nids, signature, artifacts_dir, url, seen) if shoot is not None else None

    async def close(self) -> None:
        await self.session.close()
