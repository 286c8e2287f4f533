"""Fetching a document for the site audit (docaudit.download) from real HTTP servers on 127.0.0.1: streamed to disk
with its sha256 and validators, 304 on unchanged validators, the size cap with and without Content-Length, the
whole-download timeout, redirects to another origin refused; the temporary file never outlives a failure."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from a11yaudit.docaudit import checkable_kind, download, is_scan


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"       # no Content-Length needed: the body ends when the connection closes

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"%PDF-1.7\n" + b"x" * 5000
        if self.path == "/doc.pdf":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"v1"')
            self.send_header("Last-Modified", "Sat, 05 Dec 2026 00:00:00 GMT")
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/endless.pdf":          # no Content-Length, more than the cap
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"0" * (1 << 16))
            except OSError:
                pass
        elif self.path == "/slow.pdf":
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"0" * (1 << 20))
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif self.path == "/trickle.pdf":           # a few bytes at a time, never a full buffer
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"0" * 100)
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
        elif self.path == "/away.pdf":              # a redirect to another port of the host: refused
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.other_port}/doc.pdf")
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.other_port = other.server_address[1]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (srv, other)]
    for t in threads:
        t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    for s in (srv, other):
        s.shutdown()
        s.server_close()


def _get(base, path, tmp_path, **kw):
    args = {"max_bytes": 1 << 20, "timeout": 5, "deadline_s": 30, "user_agent": "a11yaudit-test"}
    args.update(kw)
    return download(base + path, tmp_path, **args)


def test_download_streams_hashes_and_keeps_validators(server, tmp_path):
    dl = _get(server, "/doc.pdf", tmp_path)
    data = b"%PDF-1.7\n" + b"x" * 5000
    assert dl.error_kind is None and dl.status == 200 and dl.path.read_bytes() == data
    assert dl.size == len(data) and dl.sha256 == hashlib.sha256(data).hexdigest()
    assert dl.etag == '"v1"' and dl.last_modified.startswith("Sat, 05 Dec 2026") and dl.content_type == "application/pdf"
    again = _get(server, "/doc.pdf", tmp_path, etag='"v1"')
    assert again.not_modified and again.path is None and again.etag == '"v1"'


def test_size_cap_timeout_redirect_and_missing_file_leave_no_file(server, tmp_path):
    big = _get(server, "/endless.pdf", tmp_path, max_bytes=1 << 20)
    assert big.error_kind == "too_large" and big.path is None and "download stopped" in big.error
    capped = _get(server, "/doc.pdf", tmp_path, max_bytes=1000)      # refused by its Content-Length, unread
    assert capped.error_kind == "too_large" and "not downloaded" in capped.error
    t0 = time.monotonic()
    slow = _get(server, "/slow.pdf", tmp_path, max_bytes=1 << 30, deadline_s=1.0)
    assert slow.error_kind == "fetch_timeout" and time.monotonic() - t0 < 10
    t0 = time.monotonic()
    trickle = _get(server, "/trickle.pdf", tmp_path, deadline_s=1.0)
    assert trickle.error_kind == "fetch_timeout" and time.monotonic() - t0 < 4
    away = _get(server, "/away.pdf", tmp_path)
    assert away.error_kind == "http" and "another host refused" in away.error
    gone = _get(server, "/nothing.pdf", tmp_path)
    assert gone.error_kind == "http" and gone.status == 404
    assert list(tmp_path.iterdir()) == []        # every temporary file was removed


def test_kinds_and_scans():
    assert checkable_kind("https://x.jp/a/B.PDF?x=1") == "pdf" and checkable_kind("https://x.jp/a.docx") == "docx"
    assert checkable_kind("https://x.jp/a.doc") is None and checkable_kind("https://x.jp/a.csv") is None
    assert is_scan(10, 10) and is_scan(3, 2) and not is_scan(10, 4) and not is_scan(5, 0) and not is_scan(None, 0)
