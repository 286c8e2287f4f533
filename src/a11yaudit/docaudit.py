"""Documents in a site audit: the same-site PDF and Office Open XML files the crawl finds are fetched —
the address guard (same-origin redirects only, discover/sources.open_url) and robots rules as for pages, a size cap,
a per-read and a whole-download timeout, streamed to a temporary file, never held in memory — and checked by the
documents library in its memory/time-limited worker (one DocumentChecker per thread). Their results are stored like
pages' (a pages row of kind "document", rule results with viewport "document", a documents row with the type,
size, sha256 and HTTP validators); an unchanged document (304 on a conditional GET, or the same sha256) keeps its
earlier results.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHECKED_EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx"}


def checkable_kind(url: str) -> str | None:
    """pdf / docx / xlsx / pptx when the URL names a document the checker judges, else None."""
    return CHECKED_EXTENSIONS.get(posixpath.splitext(urlsplit(url).path.lower())[1])


@dataclass
class Download:
    status: int = 0
    path: Path | None = None
    size: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    not_modified: bool = False
    error_kind: str | None = None        # http | too_large | fetch_timeout | network
    error: str | None = None
    elapsed_ms: float = 0.0


def download(url: str, folder: Path, *, max_bytes: int, timeout: float, deadline_s: float, user_agent: str,
             etag: str | None = None, last_modified: str | None = None) -> Download:
    """GET `url` into a new file under `folder`, 1 MB at a time, hashing as it goes. Never raises. A file larger
    than max_bytes (by Content-Length, or once that many bytes arrived) or slower than deadline_s is dropped with
    its reason. With validators, a 304 answer is `not_modified` (no body)."""
    from .discover.sources import _http_error, open_url
    t0 = time.monotonic()
    out = Download()
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    fd, name = tempfile.mkstemp(prefix="doc-", suffix=posixpath.splitext(urlsplit(url).path)[1][:8], dir=folder)
    keep = False
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                with open_url(urllib.request.Request(url, headers=headers), timeout=timeout) as resp:
                    out.status = resp.status
                    out.final_url = resp.geturl()
                    out.etag = resp.headers.get("ETag")
                    out.last_modified = resp.headers.get("Last-Modified")
                    out.content_type = resp.headers.get("Content-Type")
                    length = resp.headers.get("Content-Length")
                    if length and length.isdigit() and int(length) > max_bytes:
                        out.error_kind = "too_large"
                        out.error = f"{int(length):,} bytes > max_mb ({max_bytes:,} bytes): not downloaded"
                        return out
                    h = hashlib.sha256()
                    # read1: one socket read at a time, so the whole-download deadline also holds against a server
                    # that trickles a few bytes at a time (read(n) would wait for all n bytes)
                    read = getattr(resp, "read1", resp.read)
                    while chunk := read(1 << 20):
                        out.size += len(chunk)
                        if out.size > max_bytes:
                            out.error_kind = "too_large"
                            out.error = f"more than max_mb ({max_bytes:,} bytes): download stopped"
                            return out
                        if time.monotonic() - t0 > deadline_s:
                            out.error_kind = "fetch_timeout"
                            out.error = f"download not finished within {deadline_s:g} s ({out.size:,} bytes read)"
                            return out
                        h.update(chunk)
                        fh.write(chunk)
                    out.sha256 = h.hexdigest()
                    out.path = Path(name)
                    keep = True
            except urllib.error.HTTPError as exc:
                out.status = exc.code
                if exc.code == 304:
                    out.not_modified = True
                    out.etag = exc.headers.get("ETag") or etag
                    out.last_modified = exc.headers.get("Last-Modified") or last_modified
                else:
                    out.error_kind, out.error = "http", _http_error(exc)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                out.error_kind = "fetch_timeout" if "timed out" in str(reason) else "network"
                out.error = f"{type(reason).__name__}: {reason}"[:300]
    finally:
        out.elapsed_ms = round((time.monotonic() - t0) * 1000, 1)
        if not keep:
            with _suppress():
                os.unlink(name)
    return out


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


def image_only_pages(result) -> int:
    return int((result.text or {}).get("image_only_count") or 0)


def is_scan(pages: int | None, image_only: int | None) -> bool:
    """A document that is mostly page images without text (at least half its pages): it needs to be made again
    from its source (or OCR'd and tagged), not repaired."""
    return bool(image_only) and image_only >= max(1, ((pages or image_only) + 1) // 2)


@dataclass
class Checked:
    """What a document's fetch and check gave, for the coordinator to store."""
    page_values: dict
    results: list
    doc_row: dict
    state: dict | None = None          # page_state (validators, sha256 as dom_hash) for the next audit
    reused_from: int | None = None     # unchanged: copy this earlier page's results
    reuse_via: str | None = None
    fetch_ms: float = 0.0
    check_ms: float = 0.0
    bytes: int = 0
    ok: bool = True


@dataclass
class DocumentWork:
    """Fetching and checking documents on threads of its own, beside the page work: one DocumentChecker (one
    worker process) per thread, closed with close()."""
    limits: object
    profile: str
    ruleset: object
    folder: Path
    user_agent: str
    max_bytes: int
    read_timeout: float
    fetch_timeout: float
    _local: threading.local = field(default_factory=threading.local)
    _checkers: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def checker(self):
        c = getattr(self._local, "checker", None)
        if c is None:
            from .documents import DocumentChecker
            c = self._local.checker = DocumentChecker(self.limits)
            c._rules = self.ruleset       # the run's rules (loaded once at its start), never read again mid-run
            with self._lock:
                self._checkers.append(c)
        return c

    def close(self) -> None:
        with self._lock:
            checkers, self._checkers = self._checkers, []
        for c in checkers:
            with _suppress():
                c.close()

    def run(self, physical_url: str, prev: dict | None) -> Checked:
        """Fetch and check one document (blocking: call on a thread). `prev`: the URL's earlier state (etag,
        last_modified, dom_hash = sha256[:40], page_id) when results may be reused."""
        dl = download(physical_url, self.folder, max_bytes=self.max_bytes, timeout=self.read_timeout,
                      deadline_s=self.fetch_timeout, user_agent=self.user_agent,
                      etag=prev.get("etag") if prev else None,
                      last_modified=prev.get("last_modified") if prev else None)
        values = {"http_status": dl.status or None, "content_type": dl.content_type, "load_ms": dl.elapsed_ms}
        row = {"etag": dl.etag, "last_modified": dl.last_modified, "size": dl.size or None, "sha256": dl.sha256,
               "kind": checkable_kind(physical_url)}
        if prev and dl.not_modified:
            return Checked({**values, "state": "done"}, [], row, reused_from=prev["page_id"],
                           reuse_via="validators", fetch_ms=dl.elapsed_ms)
        if dl.path is None:
            row.update(error_kind=dl.error_kind, facts_json=json.dumps({"fetch_error": dl.error}, ensure_ascii=False))
            return Checked({**values, "state": "error", "error_kind": f"document_{dl.error_kind}",
                            "error": dl.error}, [], row, fetch_ms=dl.elapsed_ms, ok=False)
        try:
            state = {"etag": dl.etag, "last_modified": dl.last_modified, "dom_hash": dl.sha256[:40],
                     "subresources": [], "links": []}
            if prev and prev.get("dom_hash") == dl.sha256[:40]:
                return Checked({**values, "state": "done"}, [], row, state=state, reused_from=prev["page_id"],
                               reuse_via="hash", fetch_ms=dl.elapsed_ms, bytes=dl.size)
            from .documents.integrate import rule_results
            t0 = time.monotonic()
            result = self.checker().check(dl.path, dl.content_type)
            check_ms = round((time.monotonic() - t0) * 1000, 1)
            results = rule_results(result, profile=self.profile, ruleset=self.ruleset)
            facts = dict(result.facts or {})
            if result.error:
                facts["error"] = result.error
            row.update(kind=result.kind, media_type=result.media_type, size=result.size, sha256=result.sha256,
                       pages=result.pages, title=result.title, lang=result.lang,
                       image_only_pages=image_only_pages(result), error_kind=result.error_kind,
                       facts_json=json.dumps(facts, ensure_ascii=False, default=str)[:20000])
            values.update(title=(result.title or "")[:2000] or None, lang=(result.lang or "")[:35] or None)
            if result.error_kind:
                values.update(state="error", error_kind=f"document_{result.error_kind}",
                              error=(result.error or result.error_kind)[:1000])
                state = None       # checked again next time (a timeout may pass on a quieter machine)
            else:
                values.update(state="done", error_kind=None, error=None)
            return Checked(values, results, row, state=state, fetch_ms=dl.elapsed_ms, check_ms=check_ms,
                           bytes=dl.size, ok=not result.error_kind)
        finally:
            with _suppress():
                os.unlink(dl.path)


# --- store -----------------------------------------------------------------------------------------------------
_DOC_COLS = ("kind", "media_type", "size", "sha256", "etag", "last_modified", "pages", "title", "lang",
             "image_only_pages", "error_kind", "facts_json")


def save_document(store, run_id: int, page_id: int, row: dict, *, copy_from: int | None = None) -> None:
    """The documents row of a fetched document (replacing an earlier one of the same page: resume-safe). With
    copy_from, the facts of that earlier page's document, with this fetch's validators."""
    from sqlalchemy import delete, insert, select

    from .store.schema import documents
    values = {c: row.get(c) for c in _DOC_COLS}
    if store.pg:      # document text is hostile: PostgreSQL refuses NUL characters in text
        from .store.db import _pg_rows
        values = _pg_rows([values])[0]
    for c in ("title", "media_type", "etag", "last_modified"):
        if isinstance(values.get(c), str):
            values[c] = values[c][:2000]
    if isinstance(values.get("lang"), str):
        values["lang"] = values["lang"][:35]
    with store.engine.begin() as conn:
        if copy_from is not None:
            old = conn.execute(select(documents).where(documents.c.page_id == copy_from)).mappings().first()
            if old is not None:
                values = {c: old[c] for c in _DOC_COLS}
                for c in ("etag", "last_modified"):
                    values[c] = row.get(c) or old[c]
        conn.execute(delete(documents).where(documents.c.page_id == page_id))
        conn.execute(insert(documents).values(page_id=page_id, run_id=run_id, **values))


def run_documents(store, run_id: int) -> list[dict]:
    """Every document row of a run with its URL, state and error (for reports, scope plans and tests)."""
    from sqlalchemy import select

    from .store.schema import documents, pages
    q = (select(pages.c.id.label("page_id"), pages.c.url, pages.c.state, pages.c.error_kind.label("page_error_kind"),
                pages.c.error, pages.c.scope, *(documents.c[c] for c in _DOC_COLS))
         .select_from(documents.join(pages, pages.c.id == documents.c.page_id))
         .where(documents.c.run_id == run_id).order_by(pages.c.url))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
