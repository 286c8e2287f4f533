"""Playwright + Chromium: one browser for the whole audit, one context per viewport and worker, page loads."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import re
import shutil
import time
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from .. import settings
from ..errors import InfrastructureError
from . import wire
from .pageload import PageLoad, _decode, build_artifacts, classify_error, not_a_page  # noqa: F401

log = logging.getLogger(__name__)

_AXE_CACHE: dict[str, str] = {}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# axe-core rules outside the WCAG A/AA tags that site audits run too, reported as ベストプラクティス (advisory: never in
# the A/AA figures or the checklist, never failing the gate unless asked): structure and keyboard problems that people
# meet (an empty heading, no h1, skipped heading levels, alt repeating the link text, tabindex above 0 …). Left out:
# `region` and `landmark-one-main` (every page of a template without landmarks, the same note on each), review-only
# rules (frame-tested, hidden-content) and deprecated ones no profile needs.
AXE_ADVISORY_RULES = [
    "accesskeys", "aria-allowed-role", "aria-dialog-name", "aria-text", "aria-treeitem-name", "empty-heading",
    "empty-table-header", "focus-order-semantics", "heading-order", "image-redundant-alt", "label-title-only",
    "landmark-banner-is-top-level", "landmark-contentinfo-is-top-level", "landmark-main-is-top-level",
    "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo", "landmark-no-duplicate-main",
    "meta-viewport-large", "page-has-heading-one", "presentation-role-conflict", "scope-attr-valid", "skip-link",
    "tabindex", "table-duplicate-name",
]
# Deprecated axe-core rules that a profile still needs: duplicate ids fail 4.1.1 (F77), a criterion of JIS X
# 8341-3:2016 and :2010 (removed in WCAG 2.2, so the wcag22 profile does not carry them).
AXE_OBSOLETE_RULES = ["duplicate-id", "duplicate-id-active"]
# WCAG-tagged rules that axe-core leaves out of a tag run because they are marked experimental or deprecated: run
# explicitly, so that every rule `rules list` names really runs. p-as-heading (experimental) is neither run nor listed:
# its guess that bold text is a heading fails a footer's site name on every page of the sample site.
AXE_UNTAGGED_WCAG_RULES = ["css-orientation-lock", "label-content-name-mismatch", "aria-roledescription",
                           "audio-caption", "table-fake-caption", "td-has-header"]
AXE_NOT_RUN = ["p-as-heading"]
AXE_EXTRA_RULES = AXE_UNTAGGED_WCAG_RULES + AXE_ADVISORY_RULES + AXE_OBSOLETE_RULES
MAX_HTML = 8 * 1024 * 1024
MAX_SOURCE = 4 * 1024 * 1024


def axe_source() -> str:
    """axe-core as bundled by axe-playwright-python (4.12.1): the one pinned axe-core for every engine."""
    if "src" not in _AXE_CACHE:
        import axe_playwright_python
        path = Path(axe_playwright_python.__file__).with_name("axe.min.js")
        _AXE_CACHE["src"] = path.read_text(encoding="utf-8")
    return _AXE_CACHE["src"]


def axe_version() -> str:
    m = re.search(r"axe v([0-9][0-9.]*[0-9])", axe_source()[:400])
    return m.group(1) if m else "unknown"


def axe_locale_script() -> str | None:
    """`axe.configure({locale})` with axe-core's own Japanese locale (rules/axe/locales/ja.json), if present."""
    if "locale" not in _AXE_CACHE:
        path = settings.rules_dir() / "axe" / "locales" / "ja.json"
        _AXE_CACHE["locale"] = (f"if (window.axe) {{ try {{ axe.configure({{locale: {path.read_text(encoding='utf-8')}}}); }}"
                                " catch (e) {} }") if path.exists() else ""
    return _AXE_CACHE["locale"] or None


def listeners_js() -> str:
    """Registered at document creation: marks elements that get click/pointer listeners (js/listeners.js)."""
    if "listeners" not in _AXE_CACHE:
        _AXE_CACHE["listeners"] = resources.files("a11yaudit").joinpath("js/listeners.js").read_text(encoding="utf-8")
    return _AXE_CACHE["listeners"]


def collect_js() -> str:
    if "collect" not in _AXE_CACHE:
        _AXE_CACHE["collect"] = resources.files("a11yaudit").joinpath("js/collect.js").read_text(encoding="utf-8")
    return _AXE_CACHE["collect"]


def find_chromium() -> str | None:
    """A11YAUDIT_CHROMIUM, else a system Chromium; None means Playwright's own browser (if installed)."""
    env = os.environ.get("A11YAUDIT_CHROMIUM")
    if env:
        return env
    for cand in settings.CHROMIUM_CANDIDATES:
        if os.path.exists(cand):
            return cand
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _is_forbidden_host(host: str, allowed: set[str]) -> bool:
    """Loopback, private and link-local addresses are off limits unless the site itself lives there."""
    if host in allowed:
        return False
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified


class Browser:
    """One Chromium for the whole audit; restarted if it dies."""

    def __init__(self, *, executable: str | None = None, allowed_hosts: set[str] | None = None,
                 block_resources: list[str] | None = None, navigation_hosts: set[str] | None = None,
                 guard: bool = False):
        self.executable = executable if executable is not None else find_chromium()
        self.allowed_hosts = allowed_hosts or set()
        # When set (site audits): top-level navigations (redirects, location=…) only to these hosts.
        self.navigation_hosts = navigation_hosts
        # Site audits send every request through a filtering proxy (gather/guard_proxy.py): redirect hops to
        # private/loopback addresses are refused there, where Playwright's routes cannot see them.
        self.guard = guard
        self.proxy = None
        self.block_resources = set(block_resources or [])
        self._pw = None
        self.browser = None
        self.version = None
        self.launches = 0

    async def start(self) -> None:
        from playwright.async_api import Error as PWError
        from playwright.async_api import async_playwright
        if self._pw is None:
            self._pw = await async_playwright().start()
        kwargs = {}
        if self.guard:
            if self.proxy is None:
                from .guard_proxy import GuardProxy
                self.proxy = GuardProxy(self.allowed_hosts)
                self.proxy_url = self.proxy.start()
            kwargs["proxy"] = {"server": self.proxy_url, "bypass": "<-loopback>"}
        try:
            self.browser = await self._pw.chromium.launch(
                executable_path=self.executable, headless=True, args=settings.CHROMIUM_ARGS, **kwargs)
        except PWError as exc:
            hint = ("install Chromium from the system packages (Debian/Ubuntu: apt-get install chromium), "
                    "or point A11YAUDIT_CHROMIUM at a Chromium/Chrome binary")
            raise InfrastructureError(f"cannot start Chromium ({self.executable or 'Playwright default'}): "
                                      f"{str(exc).splitlines()[0]} — {hint}") from None
        self.version = self.browser.version
        self.launches += 1

    async def ensure(self) -> None:
        if self.browser is None or not self.browser.is_connected():
            await self.start()

    async def close(self) -> None:
        try:
            if self.browser is not None:
                await self.browser.close()
        finally:
            if self._pw is not None:
                await self._pw.stop()
            self._pw = self.browser = None
            if self.proxy is not None:
                await asyncio.to_thread(self.proxy.stop)
                self.proxy = None

    async def new_context(self, viewport: str, ua_suffix: str = "a11yaudit", axe: bool = True,
                          proxy: str | None = None):
        """`proxy`: this context's own port of the filtering proxy (the gate: one allowance per request)."""
        await self.ensure()
        vp = settings.VIEWPORTS[viewport]
        kwargs = dict(viewport={"width": vp["width"], "height": vp["height"]},
                      device_scale_factor=vp["device_scale_factor"], is_mobile=vp["is_mobile"],
                      has_touch=vp["has_touch"], locale="ja-JP", timezone_id="Asia/Tokyo",
                      service_workers="block", accept_downloads=False)
        if proxy:
            kwargs["proxy"] = {"server": proxy, "bypass": "<-loopback>"}
        ua = vp["user_agent"]
        if ua is None:
            ua = (await self._default_ua()) + f" {ua_suffix}"
        else:
            ua = ua + f" {ua_suffix}"
        kwargs["user_agent"] = ua
        ctx = await self.browser.new_context(**kwargs)
        await ctx.route(self._route_pattern(), self._route)
        # axe-core is registered once per context and evaluated by Chromium at document creation: measured
        # ~140 ms cheaper per page than evaluating the 600 KB source after load (V8 caches the compile).
        # A hostile page could tamper with window.axe; its results are facts about that page only.
        await ctx.add_init_script(script=listeners_js())
        if axe:     # (a context for pages checked without axe-core — ACT cases of our own rules — skips ~0.1 s a load)
            await ctx.add_init_script(script=axe_source())
            locale = axe_locale_script()
            if locale:
                await ctx.add_init_script(script=locale)
        return ctx

    async def _default_ua(self) -> str:
        """Chromium's desktop user agent without "Headless", built from the browser version (opening a page just
        to read navigator.userAgent cost ~0.3 s on the cold single-page gate)."""
        if not hasattr(self, "_ua"):
            self._ua = (f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        f"Chrome/{self.browser.version} Safari/537.36")
        return self._ua

    def _route_pattern(self):
        """Which requests our route handler sees. Site audits: only those it may refuse — anything not plain
        http(s) on a host of the site, and media files — so the page's own HTML, CSS, JS and images continue inside
        the Playwright driver without a round trip to Python (measured: −10 % CPU per page, −20 % load time).
        Their hosts were already vetted by the filtering proxy (gather/guard_proxy.py), which also sees redirect
        hops. Otherwise (gate, ACT harness): every request."""
        if self.navigation_hosts is None or not self.guard:
            return "**/*"
        hosts = "|".join(re.escape(h) for h in sorted(self.navigation_hosts))
        exts = "|".join(MEDIA_EXTENSIONS) if "media" in self.block_resources else "(?!)"
        return re.compile(rf"^(?!https?://(?:{hosts})(?::\d+)?(?:[/?#]|$)(?![^?#]*\.(?:{exts})(?:[?#]|$)))", re.I)

    async def _route(self, route) -> None:
        req = route.request
        url = req.url
        if await screen_scheme(route, url):
            return
        host = (urlsplit(url).hostname or "").lower()
        if _is_forbidden_host(host, self.allowed_hosts) or req.resource_type in self.block_resources:
            await route.abort("blockedbyclient")
            return
        if self.navigation_hosts is not None and host not in self.navigation_hosts and _is_main_navigation(req):
            await route.abort("blockedbyclient")
            return
        await route.continue_()


# File types of audio and video (site audits route only these, on the site's own hosts, to be refused as "media").
MEDIA_EXTENSIONS = ("mp4", "m4v", "webm", "ogv", "ogg", "oga", "mov", "avi", "wmv", "flv", "mkv", "mpg", "mpeg",
                    "ts", "m3u8", "mpd", "mp3", "m4a", "aac", "wav", "flac", "opus", "wma", "mid", "midi")


async def screen_scheme(route, url: str) -> bool:
    """The first step of every route handler (site audits and the gate): inline content (data:, blob:, about:) goes
    on, any scheme but http(s) — file:, ftp:, chrome: … — is refused. True when the request was handled here."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("data", "blob", "about"):
        await route.continue_()
        return True
    if scheme not in ("http", "https"):
        await route.abort("blockedbyclient")
        return True
    return False


def _is_main_navigation(req) -> bool:
    try:
        return req.is_navigation_request() and req.frame.parent_frame is None
    except Exception:  # noqa: BLE001 — e.g. a service-worker request has no frame
        return False


class Tab:
    """A page reused across navigations (new_page costs ~100 ms), tracking in-flight requests so that waiting for
    the page to settle ends as soon as the network is quiet instead of a fixed networkidle delay."""

    def __init__(self, context):
        self.context = context
        self.loads = 0              # page loads in this context (PlaywrightSession recycles it after a while)
        self.page = None
        self.inflight: set = set()
        self.subresources: dict = {}

    async def ensure(self):
        if self.page is None or self.page.is_closed():
            self.page = await self.context.new_page()
            self.inflight = set()
            inflight = self.inflight
            self.page.on("request", lambda r: inflight.add(r))
            self.page.on("requestfinished", lambda r: inflight.discard(r))
            self.page.on("requestfailed", lambda r: inflight.discard(r))
            self.page.on("dialog", lambda d: asyncio.ensure_future(_dismiss(d)))
            self.page.on("response", self._on_response)
        return self.page

    def _on_response(self, response) -> None:
        # Validators of scripts and stylesheets, for the incremental re-audit (a changed script re-renders a page).
        if response.request.resource_type in ("script", "stylesheet"):
            h = response.headers
            self.subresources[response.url] = [response.url, h.get("etag"), h.get("last-modified")]

    async def settle(self, limit: float) -> None:
        deadline = time.perf_counter() + limit
        while self.inflight and time.perf_counter() < deadline:
            await asyncio.sleep(0.025)

    async def discard(self) -> None:
        if self.page is not None:
            with contextlib.suppress(Exception):
                await self.page.close()
        self.page = None


async def _dismiss(dialog) -> None:
    """alert/confirm/prompt are dismissed; a beforeunload prompt is accepted (else the page could keep us)."""
    with contextlib.suppress(Exception):
        if dialog.type == "beforeunload":
            await dialog.accept()
        else:
            await dialog.dismiss()


def axe_run_config(rules: list[str] | None = None, result_types=("violations", "incomplete")) -> dict:
    """axe.run options: by WCAG A/AA tags (site audits) or an explicit rule list (ACT harness, gate); always into
    every frame (axe-core is registered in each frame by the context's init script)."""
    if rules is not None:
        return {"runOnly": {"type": "rule", "values": list(rules)}, "resultTypes": list(result_types), "iframes": True}
    return {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": list(result_types), "iframes": True,
            "rules": {rule: {"enabled": True} for rule in AXE_EXTRA_RULES}}


DEFAULT_AXE_CONFIG = axe_run_config()


async def gather_page(tab: Tab, url: str, viewport: str, *, timeout: float, settle: float,
                      run_axe: bool = True, axe_config: dict | None = None, refine_axe: bool = True,
                      interactions: tuple[str, ...] | frozenset = ()) -> PageLoad:
    """Load one URL in one viewport and gather the page, dom and axe artifacts. Never raises for page faults."""
    result = PageLoad(url=url, viewport=viewport)
    t_start = time.perf_counter()
    try:
        page = await tab.ensure()
        page.set_default_timeout(timeout * 1000)
        tab.inflight.clear()
        tab.subresources.clear()
        response = await page.goto(url, wait_until="load", timeout=timeout * 1000)
        t_loaded = time.perf_counter()
        if settle > 0:
            await tab.settle(settle)
        t_settled = time.perf_counter()
        headers = await response.all_headers() if response else {}
        result.http_status = response.status if response else None
        result.final_url = page.url
        result.content_type = headers.get("content-type", "")
        result.retry_after = headers.get("retry-after")
        result.validators = {k: headers[k] for k in ("etag", "last-modified") if headers.get(k)}
        if response is not None and response.status >= 400:
            result.error_kind, result.error = "http_error", f"HTTP {response.status}"
            return result
        if result.content_type and not re.search(r"html|xml", result.content_type, re.I):
            result.error_kind, result.error = "not_html", f"content type {result.content_type}"
            return result
        source = ""
        if response is not None:
            try:
                body = await response.body()
                source = _decode(body[:MAX_SOURCE], result.content_type)
            except Exception:  # noqa: BLE001 — the body may be gone after a client-side redirect
                source = ""
        why = not_a_page(result.content_type, source)
        if why:
            result.error_kind, result.error = "not_html", why
            return result
        for attempt in (1, 2):
            try:
                if run_axe and not await page.evaluate("typeof axe !== 'undefined' && typeof axe.run === 'function'"):
                    await page.evaluate(axe_source())     # e.g. a document.open() wiped the init script's copy
                    if axe_locale_script():
                        await page.evaluate(axe_locale_script())
                t_axe_loaded = time.perf_counter()
                data = await wire.evaluate(page, collect_js(), {
                    "runAxe": run_axe, "maxHtml": MAX_HTML, "refine": refine_axe,
                    "axeConfig": axe_config or DEFAULT_AXE_CONFIG})
                break
            except Exception as exc:  # noqa: BLE001
                # A client-side redirect (meta refresh, location=…) replaced the document while we looked at it:
                # wait for the new document and gather that one, once.
                if attempt == 2 or "Execution context was destroyed" not in str(exc):
                    raise
                with contextlib.suppress(Exception):
                    await page.wait_for_load_state("load", timeout=timeout * 1000)
                result.final_url = page.url
                if page.url.startswith("chrome-error:"):
                    result.error_kind, result.error = "network", f"client-side redirect failed ({page.url})"
                    return result
        t_done = time.perf_counter()
        build_artifacts(result, url, page.url, data, source,
                        (t_start, t_loaded, t_settled, t_axe_loaded, t_done))
        result.subresources = list(tab.subresources.values())
        if interactions:
            from .gatherers import GatherContext, run_gatherers
            result.artifacts.update(await run_gatherers(page, interactions, GatherContext(viewport, result.artifacts),
                                                         result.timings))
            result.timings["interact_ms"] = round((time.perf_counter() - t_done) * 1000, 1)
            result.timings["total_ms"] = round((time.perf_counter() - t_start) * 1000, 1)
        return result
    except Exception as exc:  # noqa: BLE001 — any page fault is recorded and the audit goes on
        result.error_kind = classify_error(exc)
        result.error = str(exc).splitlines()[0][:500]
        # A page in an unknown state (crashed, hung script, pending dialog) is not reused.
        await tab.discard()
        return result
