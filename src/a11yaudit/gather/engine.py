"""The engine seam: how a page is opened at a viewport and turned into artifacts.

An engine is started once per audit and hands each audit worker a session; a session opens one URL at one viewport and
returns a PageLoad (artifacts, or an error kind). Rules, store and reports only see the artifacts, so they do not know
which engine ran. Two engines: Playwright (default, gather/browser.py) and Selenium WebDriver (gather/selenium_engine.py,
a local chromedriver or a remote Selenium Grid).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol
from urllib.parse import urlsplit

from .. import settings
from ..errors import ConfigError
from .browser import Browser, PageLoad, Tab, gather_page

ENGINES = ("playwright", "selenium")


class EngineSession(Protocol):
    async def gather(self, url: str, viewport: str, *, timeout: float, settle: float,
                     interactions: frozenset | tuple = ()) -> PageLoad: ...

    async def close(self) -> None: ...


class Engine(Protocol):
    name: str
    version: str | None          # browser version recorded in the run
    notes: list[str]             # what this engine could not do like the default one (recorded in the run)

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def session(self, ua_suffix: str) -> EngineSession: ...


class PlaywrightSession:
    """One audit worker's tabs (one context per viewport), rebuilt when the browser or a renderer died."""

    def __init__(self, browser: "PlaywrightEngine", ua_suffix: str):
        self.browser, self.ua_suffix = browser, ua_suffix
        self.tabs: dict[str, Tab] = {}
        self.context_pages = settings.context_pages()     # read once, not per page

    async def _tab(self, viewport: str) -> Tab:
        if self.browser.browser is None or not self.browser.browser.is_connected():
            self.tabs.clear()
            await self.browser.ensure()
        tab = self.tabs.get(viewport)
        if tab is not None and tab.loads >= self.context_pages:
            # Recycled here, before the next page, not after the last one: the previous page stays loaded until
            # then (its smartphone screenshot is taken after the rules ran).
            self.tabs.pop(viewport, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(tab.context.close(), timeout=30)
            self.browser.contexts_recycled += 1
            tab = None
        if tab is None:
            tab = self.tabs[viewport] = await self._new_tab(viewport)
        return tab

    async def _new_tab(self, viewport: str) -> Tab:
        return Tab(await self.browser.new_context(viewport, self.ua_suffix))

    async def gather(self, url: str, viewport: str, *, timeout: float, settle: float,
                     interactions: frozenset | tuple = ()) -> PageLoad:
        tab = await self._tab(viewport)
        tab.loads += 1
        load = await gather_page(tab, url, viewport, timeout=timeout, settle=settle, interactions=interactions)
        if load.error_kind == "renderer_crash":
            # The context may be unusable after a crash: drop it so the next page gets a fresh one.
            self.tabs.pop(viewport, None)
            with contextlib.suppress(Exception):
                await tab.context.close()
        return load

    async def screenshot(self, nids: list, signature: str, artifacts_dir, url: str, seen: set | None) -> dict | None:
        """The smartphone picture of the page just gathered (gather/mobile.py screenshot_findings)."""
        from .mobile import screenshot_findings
        tab = self.tabs.get("sp")
        if tab is None or tab.page is None or tab.page.is_closed():
            return None
        return await screenshot_findings(tab.page, nids, signature, artifacts_dir, url, seen=seen)

    async def discard(self, viewport: str) -> None:
        """Drop a viewport's context after a page overran its deadline (a renderer stuck in a script); when the
        context will not close, the browser is restarted (the next page rebuilds the tabs)."""
        tab = self.tabs.pop(viewport, None)
        if tab is None:
            return
        try:
            await asyncio.wait_for(tab.context.close(), timeout=30)
        except Exception:  # noqa: BLE001
            self.tabs.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.browser.close(), timeout=30)

    async def close(self) -> None:
        for tab in self.tabs.values():
            with contextlib.suppress(Exception):
                await tab.context.close()
        self.tabs.clear()


class PlaywrightEngine(Browser):
    name = "playwright"
    notes: list[str] = []
    contexts_recycled = 0       # contexts replaced after settings.context_pages() loads (run stats)

    def session(self, ua_suffix: str) -> PlaywrightSession:
        return PlaywrightSession(self, ua_suffix)


def check_grid_url(grid: str | None, *, field: str = "--grid") -> str | None:
    """A Selenium Grid (or any WebDriver remote end) URL: http(s)://host[:port][/path]."""
    if grid is None:
        return None
    parts = urlsplit(grid)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"must be an http(s) URL of a Selenium Grid (e.g. http://grid.example.jp:4444), "
                          f"got {grid!r}", field=field)
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"bad port in {grid!r}", field=field) from None
    return grid


def engine_overrides(engine: str | None, grid: str | None) -> dict:
    """Crawl settings from `--engine` and `--grid` (a Grid URL implies the selenium engine)."""
    out: dict = {}
    if grid is not None:
        check_grid_url(grid)
        if engine == "playwright":
            raise ConfigError("a Selenium Grid URL needs the selenium engine (--engine selenium)", field="--grid")
        out.update(engine="selenium", grid=grid)
    elif engine is not None:
        out["engine"] = engine
        if engine == "playwright":
            out["grid"] = None
    return out


def make_engine(name: str, *, allowed_hosts: set[str], block_resources: list[str], grid: str | None = None,
                concurrency: int = 1, timeout: float = 30.0, guard: bool = False) -> Engine:
    """`guard` (site audits): top-level navigations stay on the site's hosts and every request goes through the
    filtering proxy (gather/guard_proxy.py), which also sees redirect hops — Playwright, and Selenium with a local
    chromedriver (a remote Grid's browsers cannot reach a proxy on this machine: CDP URL blocking only)."""
    if name == "playwright":
        if grid:
            raise ConfigError("a Selenium Grid URL needs the selenium engine (--engine selenium)", field="--grid")
        return PlaywrightEngine(allowed_hosts=allowed_hosts, block_resources=block_resources,
                                navigation_hosts=set(allowed_hosts) if guard else None, guard=guard)
    if name == "selenium":
        from .selenium_engine import SeleniumEngine
        return SeleniumEngine(allowed_hosts=allowed_hosts, block_resources=block_resources,
                              grid=check_grid_url(grid), concurrency=concurrency, timeout=timeout, guard=guard)
    raise ConfigError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}", field="--engine")
