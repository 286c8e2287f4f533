"""Selenium WebDriver engine: the same artifacts as the Playwright engine, through a local chromedriver (Debian's
`chromium-driver`) or a remote Selenium Grid, for organisations that already run Grid.

Same pinned axe-core (the axe.min.js bundled by axe-playwright-python) registered the same way (a script evaluated at
document creation in every frame: CDP Page.addScriptToEvaluateOnNewDocument, the call behind Playwright's
add_init_script), the same js/collect.js and js/interact.js, the same artifact shape (browser.build_artifacts).

WebDriver is synchronous: each audit worker owns one driver, used from one thread of its own, reused across pages and
restarted if it dies. Viewports are switched on that driver with CDP (Emulation.setDeviceMetricsOverride, touch, user
agent). A remote end without CDP falls back to one driver per viewport (window size and --user-agent); what that
fallback cannot do (request blocking, layout passes) is recorded in the run's notes, and the artifacts it cannot
gather are absent so that their rules report an error ("missing artifact") instead of passing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from ..errors import InfrastructureError
from .browser import (DEFAULT_AXE_CONFIG, MAX_HTML, MAX_SOURCE, PageLoad, _decode, axe_locale_script, axe_source,
                      build_artifacts, classify_error, collect_js, find_chromium, not_a_page)

from .webdriver import _dead, _Driver, _PageAdapter, _short, blocked_url_patterns, find_chromedriver

log = logging.getLogger(__name__)

class SeleniumSession:
    """One audit worker: one driver (or one per viewport without CDP) used from one thread of its own."""

    def __init__(self, engine: "SeleniumEngine", ua_suffix: str):
        self.engine, self.ua_suffix = engine, ua_suffix
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11yaudit-webdriver")
        self.drivers: dict[str | None, _Driver] = {}

    def _driver(self, viewport: str) -> _Driver:
        if self.engine.cdp is False:
            key = viewport
        else:
            key = None
        drv = self.drivers.get(key)
        if drv is None:
            drv = self.engine.take_spare(self.ua_suffix, key) or _Driver(self.engine, key, self.ua_suffix)
            self.engine.launches += 1
            self.drivers[key] = drv
        return drv

    def _drop(self, drv: _Driver) -> None:
        for key, d in list(self.drivers.items()):
            if d is drv:
                del self.drivers[key]
        drv.quit()

    async def gather(self, url: str, viewport: str, *, timeout: float, settle: float,
                     interactions: frozenset | tuple = ()) -> PageLoad:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._gather, url, viewport, timeout, settle,
                                          frozenset(interactions))

    async def screenshot(self, nids: list, signature: str, artifacts_dir, url: str, seen: set | None) -> dict | None:
        """The smartphone picture of the page just gathered: the smartphone rendering is still loaded (with CDP one
        driver switched between viewports, smartphone last; without, the smartphone driver)."""
        drv = self.drivers.get(None if self.engine.cdp is not False else "sp")
        if drv is None or getattr(drv, "last_viewport", None) != "sp":
            return None
        from .mobile import screenshot_findings

        def shoot():
            return asyncio.run(screenshot_findings(_PageAdapter(drv), nids, signature, artifacts_dir, url,
                                                   seen=seen))
        return await asyncio.get_running_loop().run_in_executor(self.pool, shoot)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.pool, self._close)
        self.pool.shutdown(wait=False)

    def _close(self) -> None:
        for drv in self.drivers.values():
            drv.quit()
        self.drivers.clear()

    # --- one page × viewport, in the session's thread ------------------------------------------------------
    def _gather(self, url: str, viewport: str, timeout: float, settle: float, interactions: frozenset) -> PageLoad:
        result = PageLoad(url=url, viewport=viewport)
        t_start = time.perf_counter()
        drv = None
        try:
            drv = self._driver(viewport)
            drv.last_viewport = None
            d = drv.driver
            if drv.cdp:
                drv.emulate(viewport)
            if drv.perf_log:
                drv.perf_events()              # drop the events of the previous page
            d.get(url)
            t_loaded = time.perf_counter()
            events = self._settle(drv, settle) if drv.perf_log else []
            t_settled = time.perf_counter()
            result.final_url = d.current_url
            source = self._response(drv, result, events)
            if result.http_status is not None and result.http_status >= 400:
                result.error_kind, result.error = "http_error", f"HTTP {result.http_status}"
                return result
            if result.content_type and not any(k in result.content_type.lower() for k in ("html", "xml")):
                result.error_kind, result.error = "not_html", f"content type {result.content_type}"
                return result
            why = not_a_page(result.content_type, source)
            if why:
                result.error_kind, result.error = "not_html", why
                return result
            data = None
            for attempt in (1, 2):
                try:
                    if drv.cdp:
                        if not drv.evaluate("typeof axe !== 'undefined' && typeof axe.run === 'function'"):
                            d.execute_script(axe_source())    # e.g. a document.open() wiped the registered copy
                            if axe_locale_script():
                                d.execute_script(axe_locale_script())
                    else:
                        drv.inject_axe_frames()
                    t_axe_loaded = time.perf_counter()
                    data = drv.evaluate(collect_js(), {"runAxe": True, "maxHtml": MAX_HTML, "refine": True,
                                                       "axeConfig": DEFAULT_AXE_CONFIG})
                    break
                except Exception as exc:  # noqa: BLE001
                    # A client-side redirect replaced the document while we looked at it: gather the new one, once.
                    text = str(exc).lower()
                    if attempt == 2 or _dead(exc) or not ("unloaded" in text or "detached" in text
                                                          or "context" in text or "navigat" in text):
                        raise
                    self._wait_loaded(d, timeout)
                    result.final_url = d.current_url
                    if result.final_url.startswith("chrome-error:"):
                        result.error_kind, result.error = "network", f"client-side redirect failed ({d.current_url})"
                        return result
            t_done = time.perf_counter()
            build_artifacts(result, url, result.final_url, data, source,
                            (t_start, t_loaded, t_settled, t_axe_loaded, t_done))
            if interactions:
                self._interact(drv, result, data, viewport, interactions)
                result.timings["interact_ms"] = round((time.perf_counter() - t_done) * 1000, 1)
                result.timings["total_ms"] = round((time.perf_counter() - t_start) * 1000, 1)
            drv.pages += 1
            drv.last_viewport = viewport           # what the driver shows now (the smartphone picture needs it)
            return result
        except Exception as exc:  # noqa: BLE001 — any page fault is recorded and the audit goes on
            from ..errors import A11yAuditError
            if isinstance(exc, A11yAuditError):
                raise                                   # the driver could not even be started
            result.artifacts = None
            result.error_kind = classify_error(exc)
            result.error = _short(exc)
            if drv is not None:
                if _dead(exc):
                    if "crash" in str(exc).lower():
                        result.error_kind = "renderer_crash"
                    self._drop(drv)                     # restarted on the next page
                else:
                    self._reset(drv)
            return result

    def _reset(self, drv: _Driver) -> None:
        """A page in an unknown state (timed out, hung script) is not reused: blank the tab, or restart the driver."""
        try:
            with contextlib.suppress(Exception):
                drv.driver.execute_script("window.stop()")
            drv.driver.get("about:blank")
        except Exception:  # noqa: BLE001
            self._drop(drv)

    @staticmethod
    def _wait_loaded(d, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with contextlib.suppress(Exception):
                if d.execute_script("return document.readyState") == "complete":
                    return
            time.sleep(0.05)

    @staticmethod
    def _settle(drv: _Driver, limit: float) -> list[dict]:
        """Network events of this navigation (performance log); waits up to `limit` s for in-flight requests."""
        events: list[dict] = []
        inflight: set = set()
        deadline = time.perf_counter() + limit
        while True:
            for entry in drv.perf_events():
                try:
                    msg = json.loads(entry["message"])["message"]
                except (KeyError, ValueError, TypeError):
                    continue
                method, params = msg.get("method"), msg.get("params") or {}
                events.append(msg)
                rid = params.get("requestId")
                if method == "Network.requestWillBeSent":
                    inflight.add(rid)
                elif method in ("Network.loadingFinished", "Network.loadingFailed"):
                    inflight.discard(rid)
            if not inflight or limit <= 0 or time.perf_counter() >= deadline:
                return events
            time.sleep(0.025)

    @staticmethod
    def _response(drv: _Driver, result: PageLoad, events: list[dict]) -> str:
        """Status, content type and body of the main document: from the performance log and CDP, else from the page."""
        if drv.perf_log:
            main = None
            with contextlib.suppress(Exception):
                main = drv.cdp_cmd("Page.getFrameTree")["frameTree"]["frame"]["id"]
            response = rid = None
            subs: dict[str, list] = {}
            for msg in events:
                p = msg.get("params") or {}
                if msg.get("method") != "Network.responseReceived":
                    continue
                if p.get("type") == "Document" and (main is None or p.get("frameId") == main):
                    response, rid = p.get("response") or {}, p.get("requestId")
                elif p.get("type") in ("Script", "Stylesheet"):
                    # Validators of scripts and stylesheets, as the Playwright engine records them: the incremental
                    # re-audit re-renders a page whose script or stylesheet changed.
                    r = p.get("response") or {}
                    h = {k.lower(): v for k, v in (r.get("headers") or {}).items()}
                    if r.get("url"):
                        subs[r["url"]] = [r["url"], h.get("etag"), h.get("last-modified")]
            result.subresources = list(subs.values())
            if response is not None:
                headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
                result.http_status = response.get("status")
                result.content_type = headers.get("content-type", "")
                result.validators = {k: headers[k] for k in ("etag", "last-modified") if headers.get(k)}
                try:
                    body = drv.cdp_cmd("Network.getResponseBody", {"requestId": rid})
                except Exception:  # noqa: BLE001 — the body may be gone after a client-side redirect
                    return ""
                if body.get("base64Encoded"):
                    return _decode(base64.b64decode(body["body"])[:MAX_SOURCE], result.content_type)
                return (body.get("body") or "")[:MAX_SOURCE]
        # No performance log: what the page itself knows (Navigation Timing, document.contentType) and the source
        # from the HTTP cache.
        info = drv.evaluate("""async () => {
            const nav = performance.getEntriesByType('navigation')[0];
            let source = '';
            try { source = await (await fetch(location.href, {cache: 'force-cache', credentials: 'include'})).text(); }
            catch (e) { /* the source is best effort */ }
            return {status: nav && nav.responseStatus ? nav.responseStatus : null,
                    type: document.contentType + (document.characterSet ? '; charset=' + document.characterSet : ''),
                    source};
        }""")
        result.http_status, result.content_type = info["status"], info["type"]
        return (info["source"] or "")[:MAX_SOURCE]

    def _interact(self, drv: _Driver, result: PageLoad, data: dict, viewport: str, interactions: frozenset) -> None:
        """The in-page gatherers (gather/gatherers/) on this driver, in this thread, on a private event loop; without
        CDP the viewport cannot be resized, so the gatherers that need it are skipped (their artifacts are absent)."""
        from .gatherers import GatherContext, run_gatherers
        ctx = GatherContext(viewport, result.artifacts, frozenset({"cdp"}) if drv.cdp else frozenset())
        result.artifacts.update(asyncio.run(run_gatherers(_PageAdapter(drv), interactions, ctx, result.timings)))


class SeleniumEngine:
    """`--engine selenium [--grid URL]`: WebDriver sessions on a local chromedriver or a remote Grid."""

    name = "selenium"

    def __init__(self, *, allowed_hosts: set[str] | None = None, block_resources: list[str] | None = None,
                 grid: str | None = None, concurrency: int = 1, timeout: float = 30.0, guard: bool = False):
        self.allowed_hosts = set(allowed_hosts or set())
        self.guard = guard and not grid        # the filtering proxy runs here: only a local browser can use it
        self.proxy = None
        self.proxy_url: str | None = None
        self.block_resources = list(block_resources or [])
        self.grid = grid
        self.timeout = timeout
        self.concurrency = concurrency
        self.chromium = None if grid else find_chromium()
        self.chromedriver = None if grid else find_chromedriver()
        self.version: str | None = None
        self.cdp: bool | None = None
        self.notes: list[str] = []
        self.launches = 0
        self._spare: _Driver | None = None
        self._sessions: list[SeleniumSession] = []

    def start_error(self, detail: str) -> str:
        if self.grid:
            return (f"cannot start a WebDriver session on the Selenium Grid at {self.grid}: {detail} — check the URL "
                    "(e.g. http://grid.example.jp:4444) and that the Grid has a Chrome/Chromium node")
        return (f"cannot start chromedriver ({self.chromedriver}) with Chromium ({self.chromium}): {detail} — "
                "Debian/Ubuntu: apt-get install chromium chromium-driver; or set A11YAUDIT_CHROMEDRIVER")

    async def start(self) -> None:
        if not self.grid and not self.chromedriver:
            raise InfrastructureError("chromedriver not found — Debian/Ubuntu: apt-get install chromium-driver "
                                      "(or set A11YAUDIT_CHROMEDRIVER, or use --grid URL)")
        if self.grid:
            await asyncio.to_thread(self._preflight)
        if self.guard and self.proxy is None:
            from .guard_proxy import GuardProxy
            self.proxy = GuardProxy(self.allowed_hosts)
            self.proxy_url = self.proxy.start()
        drv = await asyncio.to_thread(_Driver, self, None, "")
        self.version = drv.version
        self.cdp = drv.cdp
        where = f"Selenium Grid {self.grid}" if self.grid else f"chromedriver {self.chromedriver}"
        if self.grid:
            self.notes.append("Selenium Grid: requests are filtered by CDP URL blocking only; redirect hops to "
                              "private addresses are not seen (the filtering proxy works with a local chromedriver)")
        self.notes.append(f"engine selenium ({where}); CDP {'available' if drv.cdp else 'not available'}"
                          f"; performance log {'available' if drv.perf_log else 'not available'}")
        if drv.cdp:
            self.notes += blocked_url_patterns(self.allowed_hosts, self.block_resources)[1]
            self._spare = drv
        else:
            await asyncio.to_thread(drv.quit)
            self.notes += ["no CDP on this WebDriver end: viewports by window size, --user-agent and chromedriver "
                           "mobileEmulation, one driver per viewport",
                           "no CDP: requests are not blocked (file:, private addresses, media)",
                           "no CDP: layout passes (200 %/400 % zoom) not gathered — LY rules report a missing artifact",
                           "no CDP: axe-core evaluated after load in the top document and its frames"]
        if not drv.perf_log:
            self.notes.append("no performance log: HTTP status from Navigation Timing, content type from the "
                              "document, source from the HTTP cache")

    def _preflight(self) -> None:
        """GET {grid}/status (Grid and chromedriver both answer it): a clear error instead of retried connections."""
        import urllib.error
        import urllib.request
        url = self.grid.rstrip("/") + "/status"
        try:
            with urllib.request.urlopen(url, timeout=15) as resp:
                body = json.loads(resp.read(1_000_000) or b"{}")
        except urllib.error.HTTPError as exc:
            raise InfrastructureError(self.start_error(f"GET {url} answered HTTP {exc.code}")) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InfrastructureError(self.start_error(f"GET {url} failed: {reason}")) from None
        value = body.get("value") if isinstance(body, dict) else None
        if isinstance(value, dict) and value.get("ready") is False:
            self.notes.append(f"the Grid said it was not ready: {str(value.get('message'))[:200]}")

    def take_spare(self, ua_suffix: str, key) -> _Driver | None:
        """The driver started to learn the browser version becomes the first session's driver."""
        drv, self._spare = self._spare, None
        if drv is not None and key is None:
            drv.ua_suffix = ua_suffix
            drv.viewport = None
            return drv
        if drv is not None:
            drv.quit()
        return None

    def session(self, ua_suffix: str) -> SeleniumSession:
        s = SeleniumSession(self, ua_suffix)
        self._sessions.append(s)
        return s

    async def close(self) -> None:
        for s in self._sessions:
            with contextlib.suppress(Exception):
                await s.close()
        if self._spare is not None:
            await asyncio.to_thread(self._spare.quit)
            self._spare = None
        if self.proxy is not None:
            await asyncio.to_thread(self.proxy.stop)
            self.proxy = self.proxy_url = None
