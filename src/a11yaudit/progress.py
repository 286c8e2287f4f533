"""Progress of a run on stderr (data goes to stdout, never here)."""

from __future__ import annotations

import collections
import sys
import time


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
