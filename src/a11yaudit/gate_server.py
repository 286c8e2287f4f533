"""A warm CI gate for CMS integration: `a11yaudit serve-gate` keeps Chromium and the rule set loaded and gates the
HTML a CMS posts before publication, so a page is judged in the time of its own rendering — no process start, no
browser start, no rule loading on the critical path.

    POST /gate?base_url=https://www.pref.example.jp/kurashi/new.html[&viewport=pc][&fail_on=AA][&format=json]
         body: the page HTML (any charset the page declares)
    → 200 with the gate result (json | sarif | junit), header X-A11yaudit-Exit: 0 (passed) or 1 (new findings);
      400 for bad input (exit 2), 503 when the page could not be rendered (exit 3).
    GET /health → {"status": "ok", "axe_version": …, "browser": …, "gates": n}

It listens on 127.0.0.1 by default: it renders whatever it is sent and must not be exposed to other machines.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import gate, settings
from .errors import A11yAuditError, ConfigError, InfrastructureError

MAX_BODY = 10 * 1024 * 1024
FORMATS = {"json": ("application/json; charset=utf-8", gate.to_json),
           "sarif": ("application/sarif+json; charset=utf-8", gate.to_sarif),
           "junit": ("application/xml; charset=utf-8", gate.to_junit)}


@dataclass
class ServerOptions:
    config: str = settings.DEFAULT_CONFIG
    db_url: str | None = None
    baseline: str | None = None
    profile: str | None = None
    viewports: tuple = tuple(settings.DEFAULT_VIEWPORTS)
    timeout: float = 30.0
    settle: float = 0.3
    concurrency: int = 2


class WarmGate:
    """One Chromium and one rule set for every request; requests run on a private asyncio loop thread."""

    def __init__(self, opt: ServerOptions):
        from .gather.engine import PlaywrightEngine
        from .rules.loader import load_rules
        self.opt = opt
        self.sites = gate._load_sites(opt.config)
        self.ruleset = load_rules()
        # Every request through the filtering proxy; each gate call opens its own port of it with the allowance of
        # its own page (gate.gather_targets), so a loopback base_url of one request opens nothing for the next.
        self.browser = PlaywrightEngine(block_resources=list(settings.CRAWL_DEFAULTS["block_resources"]), guard=True)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="a11yaudit-gate-loop", daemon=True)
        self.thread.start()
        self._run(self.browser.start())
        self.slots = asyncio.Semaphore(max(1, opt.concurrency))
        self.count = 0

    def _run(self, coro, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _gather(self, targets, viewports):
        async with self.slots:
            await self.browser.ensure()
            return await gate.gather_targets(self.browser, targets, list(viewports), self.ruleset,
                                             timeout=self.opt.timeout, settle=self.opt.settle)

    def gate(self, body: bytes, base_url: str | None, *, viewports=None, fail_on: str = "AA"):
        targets = gate.resolve_targets(["-"], base_url=base_url, sites=self.sites, profile=self.opt.profile,
                                       read_stdin=lambda: body)
        baseline = gate.load_baseline_spec(self.opt.baseline, self.opt.db_url)
        loads, results = self._run(self._gather(targets, viewports or self.opt.viewports),
                                   timeout=self.opt.timeout * 4 + 30)
        self.count += 1
        return gate.compare(targets, loads, results, baseline, ruleset=self.ruleset, fail_on=fail_on,
                            today=gate.today())

    def close(self) -> None:
        try:
            self._run(self.browser.close(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)


def make_handler(warm: WarmGate):
    class Handler(BaseHTTPRequestHandler):
        server_version = "a11yaudit-gate"

        def log_message(self, fmt, *args) -> None:  # quiet: one line per gate is written below
            pass

        def _send(self, status: int, body: str, content_type: str = "application/json; charset=utf-8",
                  exit_code: int | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if exit_code is not None:
                self.send_header("X-A11yaudit-Exit", str(exit_code))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, exc: Exception, exit_code: int) -> None:
            self._send(status, json.dumps({"error": str(exc), "exit": exit_code}, ensure_ascii=False),
                       exit_code=exit_code)

        def do_GET(self) -> None:  # noqa: N802 — http.server's naming
            if urlsplit(self.path).path != "/health":
                self._send(404, json.dumps({"error": "not found"}))
                return
            self._send(200, json.dumps({"status": "ok", "axe_version": warm.ruleset.axe_version,
                                        "browser": warm.browser.version, "gates": warm.count}))

        def do_POST(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path != "/gate":
                self._send(404, json.dumps({"error": "not found"}))
                return
            query = parse_qs(parts.query)
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length <= 0 or length > MAX_BODY:
                    raise ConfigError(f"the request body must be the page HTML (1 byte to {MAX_BODY} bytes)",
                                      field="body")
                body = self.rfile.read(length)
                fmt = (query.get("format") or ["json"])[0]
                if fmt not in FORMATS:
                    raise ConfigError(f"format must be one of {', '.join(FORMATS)}", field="format")
                viewports = query.get("viewport") or None
                for vp in viewports or []:
                    if vp not in settings.VIEWPORTS:
                        raise ConfigError(f"unknown viewport {vp!r}", field="viewport")
                fail_on = (query.get("fail_on") or ["AA"])[0]
                if fail_on not in ("A", "AA", "AAA", "none"):
                    raise ConfigError("fail_on must be A, AA, AAA or none", field="fail_on")
                res = warm.gate(body, (query.get("base_url") or [None])[0], viewports=viewports, fail_on=fail_on)
            except ConfigError as exc:
                self._error(400, exc, 2)
                return
            except (InfrastructureError, A11yAuditError) as exc:
                self._error(503, exc, 3)
                return
            except Exception as exc:  # noqa: BLE001 — the server keeps serving; the caller sees exit 3
                self._error(503, InfrastructureError(f"{type(exc).__name__}: {exc}"), 3)
                return
            content_type, writer = FORMATS[fmt]
            code = res.exit_code
            self._send(503 if code == 3 else 200, writer(res), content_type, exit_code=code)

    return Handler


def serve(opt: ServerOptions, host: str = "127.0.0.1", port: int = 8765, ready=None) -> None:
    import signal

    def _stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _stop)     # SIGTERM closes Chromium like Ctrl-C does
    warm = WarmGate(opt)
    httpd = ThreadingHTTPServer((host, port), make_handler(warm))
    httpd.daemon_threads = True
    if ready:
        ready(httpd.server_address)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
        warm.close()
