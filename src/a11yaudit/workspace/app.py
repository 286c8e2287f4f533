"""The workspace's Starlette app. Every figure of a run comes from the report model (report/model.build_report),
never from a second computation; SQL is in store/workspace.py. Page content (titles, URLs, markup, messages) is
hostile: Jinja2 autoescapes everything and the Content-Security-Policy allows no inline script (the pages have no
script at all). The endpoints are in routes_auth.py, routes_runs.py and routes_triage.py; what they share is in
web.py."""

from __future__ import annotations

import contextlib
import functools
import secrets
import threading
from collections import OrderedDict
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import ConfigError
from ..report.i18n import LANGS
from ..store import workspace as ws
from ..store.db import Store
from . import routes_auth, routes_runs, routes_triage
from . import routes_human
from . import routes_audits
from .web import HERE, SESSION_COOKIE, USER_HEADER_SCOPE, ProxyFront, Redirect, Refused, SecurityHeaders, WsTranslator


class Workspace:
    def __init__(self, db_url: str):
        self.store = Store(db_url)
        self._rules = None
        self._views: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Event] = {}
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                               autoescape=select_autoescape(["html", "j2"], default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(
            role_labels={"viewer": "閲覧者", "editor": "編集者", "admin": "管理者"},
            run_status_labels={"running": "実行中", "finished": "完了", "interrupted": "中断", "failed": "失敗"},
            triage_labels={"open": "未対応", "accepted": "許容", "false_positive": "誤検出"})

    # --- shared data ------------------------------------------------------------------------------------------
    def ruleset(self):
        if self._rules is None:
            from ..rules.loader import load_rules
            self._rules = load_rules()
        return self._rules

    def cached(self, key: tuple, finished: bool, make):
        """`make()` once per key for finished runs (they no longer change); the 16 most recent kept. A request for a
        key that another thread (a request, the warm-up) is building waits for it instead of building it twice."""
        if not finished:
            return make()
        while True:
            with self._lock:
                if key in self._views:
                    self._views.move_to_end(key)
                    return self._views[key]
                building = self._building.get(key)
                if building is None:
                    building = self._building[key] = threading.Event()
                    break
            building.wait(timeout=120)
        try:
            value = make()
            with self._lock:
                self._views[key] = value
                while len(self._views) > 16:
                    self._views.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._building.pop(key, None)
            building.set()

    def view(self, run_id: int, lang: str) -> dict:
        """The report model of a run."""
        from ..report.model import build_report
        run = self.store.get_run(run_id)
        return self.cached(("view", run_id, lang), run["status"] == "finished",
                           lambda: build_report(self.store, run_id, self.ruleset(), lang))

    def warm(self) -> None:
        """The cached views and problem lists of every site's latest finished run (Japanese), built in the background
        once the server starts, so that the first visitor of a 10,000-page run does not wait for them (cold: ~3 s;
        warm: under 0.1 s, bench/README.md)."""
        from .routes_runs import _problems_and_options
        try:
            latest = {}
            for run in self.store.list_runs():
                if run["status"] == "finished":
                    latest[run["site_id"]] = run
            for run in latest.values():
                view = self.view(run["id"], "ja")
                self.cached(("problems", run["id"], "ja"), True,
                            lambda run=run, view=view: _problems_and_options(self, run, view, WsTranslator("ja")))
        except Exception:  # noqa: BLE001 — a warm-up is an optimisation; requests build what they need
            return

    def run_or_404(self, run_id: int) -> dict:
        try:
            return self.store.get_run(run_id)
        except ConfigError:
            raise HTTPException(404) from None

    # --- request helpers --------------------------------------------------------------------------------------
    @staticmethod
    def lang(request: Request) -> str:
        lang = request.query_params.get("lang", "ja")
        return lang if lang in LANGS else "ja"

    def user(self, request: Request) -> dict | None:
        if request.scope.get(USER_HEADER_SCOPE) is not None:      # single sign-on (serve --trust-user-header)
            return routes_auth.header_user(self, request, request.scope[USER_HEADER_SCOPE])
        return ws.session_user(self.store, request.cookies.get(SESSION_COOKIE))

    def render(self, request: Request, template: str, status: int = 200, user: dict | None = None,
               **context) -> HTMLResponse:
        lang = self.lang(request)
        t = WsTranslator(lang)

        def href(path: str, **params) -> str:
            params = {k: v for k, v in params.items() if v not in (None, "")}
            if lang != "ja":
                params["lang"] = lang
            return path + ("?" + urlencode(params) if params else "")

        other = "en" if lang == "ja" else "ja"
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        if other != "ja":
            query["lang"] = other
        switch = request.url.path + ("?" + urlencode(query) if query else "")
        html = self.env.get_template(template).render(
            _=t, t=t, lang=lang, href=href, user=user, lang_switch=switch, request_path=request.url.path,
            request_query=request.url.query, request_saved=request.query_params.get("saved") == "1",
            **context)
        return HTMLResponse(html, status_code=status)

    def error(self, request: Request, status: int, message: str, user: dict | None = None) -> HTMLResponse:
        return self.render(request, "error.html.j2", status=status, user=user, status_code=status, message=message)

    def require_user(self, request: Request):
        user = self.user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            lang = self.lang(request)
            raise Redirect("/login?" + urlencode({"next": target, **({"lang": lang} if lang != "ja" else {})}))
        return user

    async def checked_form(self, request: Request) -> tuple[dict, dict]:
        """(user, form) of a POST from a logged-in user with the session's CSRF token; else a 403 response."""
        user = self.user(request)
        form = await request.form()
        t = WsTranslator(self.lang(request))
        if user is None:
            raise Refused(self.error(request, 403, t("ログインしてください。")))
        token = form.get("csrf") or ""
        if not isinstance(token, str) or not secrets.compare_digest(token.encode(), user["csrf"].encode()):
            raise Refused(self.error(request, 403, t("フォームの確認用トークン（CSRF）がないか、正しくありません。"),
                                      user=user))
        return user, form


def _handler(wsp: Workspace, fn):
    """Endpoints: `fn(wsp, request)`, with redirects to the login page and refusals as responses."""
    async def endpoint(request: Request):
        try:
            result = fn(wsp, request)
            if hasattr(result, "__await__"):
                result = await result
            return result
        except Redirect as r:
            return RedirectResponse(r.location, status_code=303)
        except Refused as r:
            return r.response
    return endpoint


def create_app(db_url: str) -> Starlette:
    wsp = Workspace(db_url)
    routes_audits.install(wsp)            # sites.yaml and the work folder of audit workers
    handler = functools.partial(_handler, wsp)

    async def not_found(request: Request, exc: HTTPException):
        t = WsTranslator(wsp.lang(request))
        msg = {404: t("ページが見つかりません。"), 405: t("この方法では使えません。")}.get(exc.status_code,
                                                                                  t("エラーが発生しました。"))
        return wsp.error(request, exc.status_code, msg, user=None)

    auth, runs, triage = routes_auth, routes_runs, routes_triage
    routes = [
        Route("/", handler(runs.home)),
        Route("/login", handler(auth.login_get), methods=["GET"]),
        Route("/login", handler(auth.login_post), methods=["POST"]),
        Route("/logout", handler(auth.logout), methods=["POST"]),
        Route("/sites/{site_id}", handler(runs.site_page)),
        Route("/runs/{run_id:int}", handler(runs.run_page)),
        Route("/compare", handler(runs.compare_page)),
        Route("/sites/{site_id}/problems/{fp}", handler(triage.problem_page), methods=["GET"]),
        Route("/sites/{site_id}/problems/{fp}", handler(triage.problem_post), methods=["POST"]),
        Route("/users", handler(triage.users_page), methods=["GET"]),
        Route("/users", handler(triage.users_post), methods=["POST"]),
        Route("/account/password", handler(auth.password_page), methods=["GET"]),
        Route("/account/password", handler(auth.password_post), methods=["POST"]),
        Route("/audits", handler(routes_audits.audits_page), methods=["GET"]),
        Route("/sites/{site_id}/audits", handler(routes_audits.start_audit), methods=["POST"]),
        Route("/runs/{run_id:int}/progress", handler(routes_audits.progress_page), methods=["GET"]),
        Route("/runs/{run_id:int}/progress.json", handler(routes_audits.progress_json), methods=["GET"]),
        Route("/runs/{run_id:int}/cancel", handler(routes_audits.cancel_audit), methods=["POST"]),
        Route("/runs/{run_id:int}/resume", handler(routes_audits.resume_audit), methods=["POST"]),
        Route("/runs/{run_id:int}/human", handler(routes_human.human_index), methods=["GET"]),
        Route("/runs/{run_id:int}/human/{no:int}", handler(routes_human.human_page), methods=["GET"]),
        Route("/runs/{run_id:int}/human/{no:int}", handler(routes_human.human_post), methods=["POST"]),
        Route("/runs/{run_id:int}/download/{name}", handler(routes_human.download), methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_app):
        threading.Thread(target=wsp.warm, name="a11yaudit-warm", daemon=True).start()
        yield

    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found}, lifespan=lifespan)
    app.state.workspace = wsp
    return SecurityHeaders(app)


def serve(db_url: str, host: str, port: int, ready=None, trusted_proxies: tuple[str, ...] = ("127.0.0.1",),
          user_header: str | None = None) -> None:
    """Run the workspace on uvicorn until interrupted; `ready((host, port))` once it listens (port 0 = any).
    X-Forwarded-* and `user_header` (single sign-on) are honoured from `trusted_proxies` only (web.ProxyFront)."""
    import socket

    import uvicorn
    app = ProxyFront(create_app(db_url), list(trusted_proxies), user_header)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False,
                                           server_header=False))
    if ready is not None:
        ready(sock.getsockname()[:2])
    server.run(sockets=[sock])

