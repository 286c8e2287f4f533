"""The gate's requests in Playwright: pages given as files or on standard input served from memory or their
folder, special addresses outside the allowance refused, and the top document kept on the target."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .browser import Tab, screen_scheme
from .engine import PlaywrightSession


def html_content_type(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "text/html; charset=utf-8"
    except UnicodeDecodeError:
        return "text/html"       # Chromium reads the <meta charset> (Shift_JIS pages)



def folder_file(root: Path, url_path: str) -> tuple[bytes, str] | None:
    """The file a URL path names in a served folder, as (bytes, content type); None when there is none or it is a
    dot file or lies outside the folder. Shared by the Playwright routes and the Selenium engine's loopback server
    (gate/serving.py)."""
    path = unquote(url_path)
    parts = [p for p in path.split("/") if p]
    target = root.joinpath(*parts) if parts else root
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    try:
        ok = not any(p.startswith(".") for p in parts) and target.resolve().is_relative_to(root.resolve()) \
            and target.is_file()
    except OSError:
        ok = False
    if not ok:
        return None
    data = target.read_bytes()
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if ctype == "text/html":
        ctype = html_content_type(data)
    elif ctype.startswith("text/") or ctype in ("application/javascript",):
        ctype += "; charset=utf-8"
    return data, ctype


async def _serve_folder(route, root: Path, block: set[str]) -> None:
    """Fulfil a request under a served origin from a local folder (no dot files, nothing outside the folder)."""
    req = route.request
    if req.resource_type in block:
        await route.abort("blockedbyclient")
        return
    found = folder_file(root, urlsplit(req.url).path)
    if found is None:
        await route.fulfill(status=404, body=b"not found", headers={"content-type": "text/plain"})
        return
    await route.fulfill(status=200, body=found[0], headers={"content-type": found[1]})


async def _serve_body(route, body: bytes) -> None:
    await route.fulfill(status=200, body=body, headers={"content-type": html_content_type(body)})


def _doc_key(url: str) -> str:
    """A URL as Chromium may spell it (case, default port, percent-encoding), without its fragment."""
    from ..discover.urls import canonicalize
    url = url.split("#", 1)[0]
    return canonicalize(url, strip_params=[]) or url


def same_document(a: str, b: str) -> bool:
    return a.split("#", 1)[0] == b.split("#", 1)[0] or _doc_key(a) == _doc_key(b)


class GateRoutes:
    """One context's requests in the gate: the pages given as files / on stdin and their folders are served from
    here; other requests to special addresses outside the allowance are refused (the proxy refuses the redirect
    hops); and the top document stays the target: any other top-level navigation (location.replace, a meta
    refresh, a link followed) is stopped and recorded, so the target is judged or the load fails — never the page
    it led to, nor Chromium's error page."""

    def __init__(self, targets: list, allowance, block: set[str]):
        self.bodies = {_doc_key(t.load_url): t.body for t in targets if t.body is not None}
        self.folders = {t.serve_origin.rstrip("/"): t.serve_root for t in targets
                        if t.serve_root is not None and t.serve_origin}
        self.allowance = allowance
        self.block = block
        self.tab = None                # the context's tab, whose page's main frame must stay on the target
        self.target = None  # the gate Target loaded now
        self.navigations: list[str] = []

    async def handle(self, route) -> None:
        from ..gather.guard_proxy import is_ip, origin_tuple, special
        req = route.request
        url = req.url
        if await screen_scheme(route, url):
            return
        try:
            top = req.is_navigation_request() and req.frame.parent_frame is None
        except Exception:  # noqa: BLE001 — e.g. a worker's request has no frame
            top = False
        if top:
            page = self.tab.page if self.tab is not None else None
            ours = page is not None and req.frame == page.main_frame
            if not (ours and self.target is not None and same_document(url, self.target.load_url)):
                if ours:
                    self.navigations.append(url)
                await route.abort("blockedbyclient")      # (a popup is not followed either)
                return
        if req.resource_type in self.block:
            await route.abort("blockedbyclient")
            return
        bare = url.split("#", 1)[0]
        body = self.bodies.get(_doc_key(url))
        if body is not None:
            await _serve_body(route, body)
            return
        for origin, root in self.folders.items():
            if bare == origin or bare.startswith(origin + "/"):
                await _serve_folder(route, root, self.block)
                return
        origin = origin_tuple(url)
        if origin is None:
            await route.abort("blockedbyclient")
            return
        host = origin[1]
        if not self.allowance.allows(*origin) and (
                host == "localhost" or host.endswith(".localhost") or (is_ip(host) and special(host))):
            await route.abort("blockedbyclient")
            return
        await route.continue_()


class GateSession(PlaywrightSession):
    """The gate's engine session on Playwright: its own port of the filtering proxy (allowance: these targets'
    origins only) and, in each viewport's context, the gate's routes (files and standard input served from here,
    the top document kept on the target). `begin(target)` before a target's loads; `navigations(viewport)` after."""

    def __init__(self, engine, targets: list, allowance, proxy_url: str | None):
        super().__init__(engine, "a11yaudit")
        self.targets, self.allowance, self.proxy_url = targets, allowance, proxy_url
        self.routes: dict[str, GateRoutes] = {}
        self.target = None

    async def _new_tab(self, viewport: str) -> Tab:
        ctx = await self.browser.new_context(viewport, self.ua_suffix, proxy=self.proxy_url)
        routes = GateRoutes(self.targets, self.allowance, self.browser.block_resources)
        await ctx.route("**/*", routes.handle)        # the last route registered wins over the browser's
        tab = Tab(ctx)
        routes.tab, routes.target = tab, self.target
        self.routes[viewport] = routes
        return tab

    def begin(self, target) -> None:
        self.target = target
        for routes in self.routes.values():
            routes.target, routes.navigations = target, []

    def navigations(self, viewport: str) -> list[str]:
        routes = self.routes.get(viewport)
        return list(routes.navigations) if routes is not None else []
