"""Serves a local folder (a static CMS export such as the bundled sample site) on a free 127.0.0.1 port."""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html; charset=utf-8",
                      ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
                      ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

    def log_message(self, *args) -> None:  # noqa: D401 — keep stderr for our progress lines
        pass

    def send_head(self):
        """HTTP validators like a real web server's: a strong ETag (mtime in ns + size, so an edit within the same
        second is still seen) next to Last-Modified, and 304 for a matching If-None-Match (If-Modified-Since is
        handled by the standard library). Incremental re-audits depend on this."""
        self._etag = None
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            for index in ("index.html", "index.htm"):
                if os.path.isfile(os.path.join(path, index)) and self.path.split("?", 1)[0].endswith("/"):
                    path = os.path.join(path, index)
                    break
        if os.path.isfile(path):
            st = os.stat(path)
            self._etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
            inm = self.headers.get("If-None-Match")
            if inm and self._etag in [t.strip() for t in inm.split(",")] or inm == "*":
                self.send_response(304)
                self.send_header("Last-Modified", self.date_time_string(int(st.st_mtime)))
                self.end_headers()
                return None
        return super().send_head()

    def end_headers(self) -> None:
        if getattr(self, "_etag", None) and not self._headers_have("ETag"):
            self.send_header("ETag", self._etag)
        super().end_headers()

    def _headers_have(self, name: str) -> bool:
        buf = b"".join(getattr(self, "_headers_buffer", []))
        return f"\r\n{name}:".lower().encode() in buf.lower()


class StaticServer:
    """Context manager: `with StaticServer(folder) as base_url: ...`."""

    def __init__(self, folder: str | Path, host: str = "127.0.0.1", port: int = 0):
        self.folder = Path(folder)
        handler = functools.partial(_QuietHandler, directory=str(self.folder))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="a11yaudit-serve", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self.thread.start()
        return self.base_url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
