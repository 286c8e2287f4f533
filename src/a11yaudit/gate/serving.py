"""Pages given to the gate as files or on standard input, for an engine that cannot answer requests itself (Selenium):
served on 127.0.0.1 by a small server, the same way the Playwright routes serve them (gather/gate_routes.py): the
given HTML at its own path, the rest of its folder beside it (no dot files, nothing outside the folder)."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from ..gather.gate_routes import folder_file, html_content_type
from .targets import Target


def _base_tag(body: bytes, base_url: str) -> bytes:
    """A preview body served from the loopback server still resolves its relative links and CSS against the URL where
    it will be published (--base-url): a <base href> first in <head> (only when the page has none)."""
    if re.search(rb"<base\s", body[:65536], re.I):
        return body
    tag = b'<base href="' + base_url.replace('"', "%22").encode() + b'">'
    m = re.search(rb"<head[^>]*>", body[:65536], re.I)
    return body[:m.end()] + tag + body[m.end():] if m else tag + body


class TargetServer:
    """A loopback server for one file or standard-input target of a gate call (its own port, so that links from the
    site root resolve as they would on the site). The target's load_url is rewritten to it; its identity (the URL or
    file reported and fingerprinted) stays as it was."""

    def __init__(self, target: Target):
        self.bodies: dict[str, bytes] = {}
        self.roots: dict[str, Path] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        parts = urlsplit(target.load_url)
        path = parts.path or "/"
        if target.kind == "stdin":
            self.bodies[path] = _base_tag(target.body, target.load_url)
        else:
            self.bodies[path] = target.body
            if target.serve_root is not None:
                self.roots[""] = Path(target.serve_root)
        target.load_url = base + path + (f"?{parts.query}" if parts.query else "")
        target.serve_origin = base
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="a11yaudit-gate-files", daemon=True)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:      # quiet
                return None

            def do_GET(self) -> None:  # noqa: N802 — http.server's name
                status, ctype, data = server.answer(urlsplit(self.path).path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        return Handler

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if path in self.bodies:
            return 200, html_content_type(self.bodies[path]), self.bodies[path]
        for prefix, root in self.roots.items():
            if path.startswith(prefix + "/"):
                found = folder_file(root, path[len(prefix):])
                if found is not None:
                    return 200, found[1], found[0]
        return 404, "text/plain", b"not found"

    def start(self) -> "TargetServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
