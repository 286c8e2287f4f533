"""robots.txt, sitemaps and document HEADs are plain HTTP fetches: they follow redirects on the same host only."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from a11yaudit.discover.sources import fetch, head_size
from a11yaudit.incremental import conditional_get


@pytest.fixture
def redirecting_server():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, body: bool):
            hits.append(f"{self.headers.get('Host', '').split(':')[0]}{self.path}")
            port = self.server.server_address[1]
            if self.path == "/elsewhere":     # another host name for the same machine: must not be followed
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{port}/secret")
            elif self.path == "/to-file":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
            elif self.path == "/same":
                self.send_response(301)
                self.send_header("Location", "/ok")
            else:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
            self.end_headers()
            if body and self.path not in ("/elsewhere", "/to-file", "/same"):
                self.wfile.write(b"ok")

        def do_GET(self):
            self._answer(True)

        def do_HEAD(self):
            self._answer(False)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    srv.shutdown()


def test_redirect_to_another_host_is_refused_and_never_fetched(redirecting_server):
    base, hits = redirecting_server
    got = fetch(base + "/elsewhere", timeout=5)
    assert got.status == 302 and got.body == b"" and "another host refused" in got.error
    head = head_size(base + "/elsewhere", timeout=5)
    assert head["bytes"] is None and "another host refused" in head["error"]
    assert conditional_get(base + "/elsewhere", '"x"', None, timeout=5, user_agent="t") == 302
    refused = fetch(base + "/to-file", timeout=5).error
    assert "file:///etc/passwd" in refused and "not allowed" in refused
    assert not any(h.startswith("localhost") for h in hits), hits


def test_redirect_on_the_same_host_is_followed(redirecting_server):
    base, hits = redirecting_server
    got = fetch(base + "/same", timeout=5)
    assert got.status == 200 and got.body == b"ok" and got.error is None
    assert head_size(base + "/same", timeout=5) == {"status": 200, "bytes": 2, "error": None}
    assert hits[:2] == ["127.0.0.1/same", "127.0.0.1/ok"]
