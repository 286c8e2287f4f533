"""The workspace's Starlette app. Every figure of a run comes from the report model (report/model.build_report),
never from a second computation; SQL is in store/workspace.py. Page content (titles, URLs, markup, messages) is
hostile: Jinja2 autoescapes everything and the Content-Security-Policy allows no inline script (the pages have no
script at all)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import ConfigError
from ..report.i18n import LANGS, Translator, catalogue
from ..store import workspace as ws
from ..store.db import Store

HERE = Path(__file__).parent
SESSION_COOKIE = "a11yws_session"
LOGIN_CSRF_COOKIE = "a11yws_login"
PER_PAGE = 50
COMPARE_LIMIT = 200
_FP_RE = re.compile(r"^[0-9a-f]{40}$")
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


@functools.lru_cache(maxsize=None)
def _ws_catalogue(lang: str) -> dict[str, str]:
    if lang == "ja":
        return {}
    import yaml
    own = yaml.safe_load((HERE / f"{lang}.yaml").read_text(encoding="utf-8")) or {}
    return {**catalogue(lang), **own}


class WsTranslator(Translator):
    """The report's Translator with the workspace's own English entries (workspace/en.yaml) added."""

    def __init__(self, lang: str = "ja"):
        super().__init__(lang)
        self._table = _ws_catalogue(lang)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (also Starlette's own 404 / 405)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)
        await self.app(scope, receive, send_with_headers)


class Workspace:
    def __init__(self, db_url: str):
        self.store = Store(db_url)
        self._rules = None
        self._views: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
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
        """`make()` once per key for finished runs (they no longer change); the 16 most recent kept."""
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        value = make()
        if finished:
            with self._lock:
                self._views[key] = value
                while len(self._views) > 16:
                    self._views.popitem(last=False)
        return value

    def view(self, run_id: int, lang: str) -> dict:
        """The report model of a run."""
        from ..report.model import build_report
        run = self.store.get_run(run_id)
        return self.cached(("view", run_id, lang), run["status"] == "finished",
                           lambda: build_report(self.store, run_id, self.ruleset(), lang))

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
            raise _Redirect("/login?" + urlencode({"next": target, **({"lang": lang} if lang != "ja" else {})}))
        return user

    async def checked_form(self, request: Request) -> tuple[dict, dict]:
        """(user, form) of a POST from a logged-in user with the session's CSRF token; else a 403 response."""
        user = self.user(request)
        form = await request.form()
        t = WsTranslator(self.lang(request))
        if user is None:
            raise _Refused(self.error(request, 403, t("ログインしてください。")))
        token = form.get("csrf") or ""
        if not isinstance(token, str) or not secrets.compare_digest(token.encode(), user["csrf"].encode()):
            raise _Refused(self.error(request, 403, t("フォームの確認用トークン（CSRF）がないか、正しくありません。"),
                                      user=user))
        return user, form


class _Redirect(Exception):
    def __init__(self, location: str):
        self.location = location


class _Refused(Exception):
    def __init__(self, response: Response):
        self.response = response


def _local_next(value: str | None) -> str:
    """A redirect target after login: a path on this server only (never //host or a URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def create_app(db_url: str) -> Starlette:
    wsp = Workspace(db_url)

    def handler(fn):
        """Endpoints: redirects to the login page and refusals as responses."""
        async def endpoint(request: Request):
            try:
                result = fn(request)
                if hasattr(result, "__await__"):
                    result = await result
                return result
            except _Redirect as r:
                return RedirectResponse(r.location, status_code=303)
            except _Refused as r:
                return r.response
        return endpoint

    # --- login / logout ---------------------------------------------------------------------------------------
    def login_page(request: Request, message: str = "", status: int = 200):
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        resp = wsp.render(request, "login.html.j2", status=status, login_csrf=token, message=message,
                          next=_local_next(request.query_params.get("next")))
        resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/login",
                        secure=request.url.scheme == "https")
        return resp

    def login_get(request: Request):
        return login_page(request)

    async def login_post(request: Request):
        form = await request.form()
        t = WsTranslator(wsp.lang(request))
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        sent = form.get("csrf") or ""
        if not token or not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), token.encode()):
            return wsp.error(request, 403, t("フォームの確認用トークン（CSRF）がないか、正しくありません。"))
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        address = request.client.host if request.client else ""
        key = ws.login_key(name, address)
        if ws.login_blocked(wsp.store, key):
            return login_page(request, t("ログインの失敗が続いたため、しばらく受け付けません。{m}分後にもう一度お試しください。",
                                         m=ws.LOGIN_WINDOW_MIN), status=429)
        user = ws.check_password(wsp.store, name, password, key)
        if user is None:
            return login_page(request, t("ユーザー名またはパスワードが違います。"), status=401)
        session = ws.new_session(wsp.store, user["id"])
        resp = RedirectResponse(_local_next(str(form.get("next") or "")), status_code=303)
        resp.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https", max_age=ws.SESSION_HOURS * 3600)
        resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return resp

    async def logout(request: Request):
        await wsp.checked_form(request)
        ws.end_session(wsp.store, request.cookies.get(SESSION_COOKIE))
        lang = wsp.lang(request)
        resp = RedirectResponse("/login" + ("?lang=en" if lang == "en" else ""), status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    # --- sites and runs ---------------------------------------------------------------------------------------
    def home(request: Request):
        user = wsp.require_user(request)
        lang = wsp.lang(request)
        by_site: dict[str, list] = {}
        for run in wsp.store.list_runs():
            by_site.setdefault(run["site_id"], []).append(run)
        rows = []
        for site_id in sorted(by_site):
            site = wsp.store.site(site_id) or {"id": site_id, "name": site_id, "base_url": ""}
            finished = [r for r in by_site[site_id] if r["status"] == "finished"]
            latest = finished[-1] if finished else None
            counts = wsp.view(latest["id"], lang)["counts"] if latest else None
            rows.append({"site": site, "latest": latest, "counts": counts, "runs": len(by_site[site_id])})
        return wsp.render(request, "home.html.j2", user=user, rows=rows)

    def site_page(request: Request):
        user = wsp.require_user(request)
        site_id = request.path_params["site_id"]
        site = wsp.store.site(site_id)
        if site is None:
            raise HTTPException(404)
        runs = list(reversed(wsp.store.list_runs(site_id)))
        return wsp.render(request, "site.html.j2", user=user, site=site, runs=runs)

    def problems_of(run: dict, view: dict, t) -> list[dict]:
        """The run's problems (failed and cantTell findings of HTML pages, one per fingerprint), those shared by
        the most pages first — the same grouping as the report's 複数ページに共通する問題."""
        pages = {p["id"]: p for p in wsp.store.run_pages(run["id"])}
        rows, seen = [], set()
        for f in wsp.store.run_findings(run["id"]):
            page = pages.get(f["page_id"])
            if page is None or page["kind"] != "html" or f["outcome"] not in ("failed", "cantTell") \
                    or f["fingerprint"] in seen:
                continue
            seen.add(f["fingerprint"])
            rows.append({**f, "url": page["url"], "title": page["title"], "message_text": t.message(f),
                         "criteria_list": [c for c in f["criteria"].split(",") if c]})
        key = lambda r: (r["rule"], r["outcome"], r["selector"], r["snippet"], r["message_text"])  # noqa: E731
        pages_of: dict = {}
        for r in rows:
            pages_of.setdefault(key(r), set()).add(r["page_id"])
        common_number = {(g["rule"], g["outcome"], g["selector"], g["snippet"], g["message"]): g["number"]
                         for g in view["common"]}
        for r in rows:
            r["shared_pages"] = len(pages_of[key(r)])
            r["common"] = common_number.get(key(r))
        rows.sort(key=lambda r: (r["common"] is None, r["common"] or 0, r["outcome"] != "failed",
                                 -r["shared_pages"], r["rule"], r["url"], r["viewport"]))
        return rows

    def run_page(request: Request):
        user = wsp.require_user(request)
        lang = wsp.lang(request)
        t = WsTranslator(lang)
        run = wsp.run_or_404(request.path_params["run_id"])
        view = wsp.view(run["id"], lang)
        problems = [dict(p) for p in wsp.cached(("problems", run["id"], lang), run["status"] == "finished",
                                                 lambda: problems_of(run, view, t))]
        triage = ws.triage_of_site(wsp.store, run["site_id"])
        q = request.query_params
        rule, crit, viewport, status = (q.get("rule", ""), q.get("criterion", ""), q.get("viewport", ""),
                                        q.get("status", ""))
        options = {"rule": sorted({p["rule"] for p in problems}),
                   "criterion": sorted({c for p in problems for c in p["criteria_list"]},
                                       key=lambda c: [int(x) if x.isdigit() else 0 for x in c.split(".")]),
                   "viewport": sorted({p["viewport"] for p in problems})}
        for p in problems:
            p["triage"] = triage.get(p["fingerprint"])
            p["status"] = p["triage"]["status"] if p["triage"] else "open"
        shown = [p for p in problems
                 if (not rule or p["rule"] == rule) and (not crit or crit in p["criteria_list"])
                 and (not viewport or p["viewport"] == viewport) and (not status or p["status"] == status)]
        pages_total = max(1, (len(shown) + PER_PAGE - 1) // PER_PAGE)
        try:
            page_no = min(max(1, int(q.get("page", "1"))), pages_total)
        except ValueError:
            page_no = 1
        filters = {"rule": rule, "criterion": crit, "viewport": viewport, "status": status}
        return wsp.render(request, "run.html.j2", user=user, run=run, view=view, site=view["site"],
                          problems=shown[(page_no - 1) * PER_PAGE: page_no * PER_PAGE], total=len(shown),
                          all_total=len(problems), page_no=page_no, pages_total=pages_total, filters=filters,
                          options=options, per_page=PER_PAGE, triage=triage)

    def compare_page(request: Request):
        user = wsp.require_user(request)
        t = WsTranslator(wsp.lang(request))
        try:
            a, b = int(request.query_params.get("a", "")), int(request.query_params.get("b", ""))
        except ValueError:
            return wsp.error(request, 400, t("比べる2つの実行を選んでください。"), user=user)
        run_a, run_b = wsp.run_or_404(a), wsp.run_or_404(b)
        if run_a["site_id"] != run_b["site_id"]:
            return wsp.error(request, 400, t("同じサイトの実行どうしを比べてください。"), user=user)

        def problems(run):
            pages = {p["id"]: p for p in wsp.store.run_pages(run["id"])}
            out = {}
            for f in wsp.store.run_findings(run["id"]):
                page = pages.get(f["page_id"])
                if page is not None and page["kind"] == "html" and f["outcome"] in ("failed", "cantTell"):
                    out.setdefault(f["fingerprint"], {**f, "url": page["url"], "title": page["title"],
                                                      "message_text": t.message(f)})
            return out
        pa, pb = problems(run_a), problems(run_b)
        order = lambda rows: sorted(rows, key=lambda r: (r["outcome"] != "failed", r["rule"], r["url"],  # noqa: E731
                                                         r["viewport"]))
        groups = [("new", t("新たな問題"), order(pb[fp] for fp in pb.keys() - pa.keys())),
                  ("fixed", t("解消した問題"), order(pa[fp] for fp in pa.keys() - pb.keys())),
                  ("persisting", t("残っている問題"), order(pb[fp] for fp in pb.keys() & pa.keys()))]
        site = wsp.store.site(run_a["site_id"]) or {"id": run_a["site_id"], "name": run_a["site_id"]}
        return wsp.render(request, "compare.html.j2", user=user, site=site, run_a=run_a, run_b=run_b,
                          groups=groups, limit=COMPARE_LIMIT,
                          triage=ws.triage_of_site(wsp.store, run_a["site_id"]))

    # --- triage -----------------------------------------------------------------------------------------------
    def problem_context(site_id: str, fp: str):
        site = wsp.store.site(site_id)
        if site is None or not _FP_RE.match(fp):
            raise HTTPException(404)
        finding = ws.finding_of(wsp.store, site_id, fp)
        if finding is None:
            raise HTTPException(404)
        return site, finding

    def problem_page(request: Request, user=None, message: str = "", status: int = 200, form=None):
        user = user or wsp.require_user(request)
        t = WsTranslator(wsp.lang(request))
        site, finding = problem_context(request.path_params["site_id"], request.path_params["fp"])
        fp = finding["fingerprint"]
        finding["message_text"] = t.message(finding)
        current = ws.triage_of_site(wsp.store, site["id"]).get(fp)
        return wsp.render(request, "problem.html.j2", status=status, user=user, site=site, finding=finding,
                          current=current, history=ws.triage_history(wsp.store, site["id"], fp),
                          can_edit=user["role"] in ("editor", "admin"), message=message, form=form or {},
                          back=_local_next(request.query_params.get("back")), today=dt.date.today())

    async def problem_post(request: Request):
        user, form = await wsp.checked_form(request)
        t = WsTranslator(wsp.lang(request))
        if user["role"] not in ("editor", "admin"):
            return wsp.error(request, 403, t("この操作には編集者か管理者の権限が必要です。"), user=user)
        site, finding = problem_context(request.path_params["site_id"], request.path_params["fp"])
        action = str(form.get("status") or "")
        reason = str(form.get("reason") or "").strip()
        expires_text = str(form.get("expires") or "").strip()
        values = {"status": action, "reason": reason, "expires": expires_text}
        if action not in ws.TRIAGE_STATUSES:
            return problem_page(request, user, t("判定を選んでください。"), 400, values)
        if action != "open" and not reason:
            return problem_page(request, user, t("理由を入力してください。"), 400, values)
        if len(reason) > 2000:
            return problem_page(request, user, t("理由は2000文字以内で入力してください。"), 400, values)
        expires = None
        if action == "accepted":
            try:
                expires = dt.date.fromisoformat(expires_text)
            except ValueError:
                return problem_page(request, user, t("許容の期限を YYYY-MM-DD で入力してください。"), 400, values)
        ws.set_triage(wsp.store, site["id"], finding["fingerprint"], action, reason, expires, user["name"])
        lang = wsp.lang(request)
        target = request.url.path + "?" + urlencode({**({"lang": lang} if lang != "ja" else {}),
                                                     "back": _local_next(str(form.get("back") or "")),
                                                     "saved": "1"})
        return RedirectResponse(target, status_code=303)

    # --- users (admin) ----------------------------------------------------------------------------------------
    def users_page(request: Request, user=None, message: str = "", status: int = 200, form=None):
        user = user or wsp.require_user(request)
        t = WsTranslator(wsp.lang(request))
        if user["role"] != "admin":
            return wsp.error(request, 403, t("この操作には管理者の権限が必要です。"), user=user)
        return wsp.render(request, "users.html.j2", status=status, user=user, users=ws.list_users(wsp.store),
                          roles=ws.ROLES, message=message, form=form or {},
                          saved=request.query_params.get("saved") == "1")

    async def users_post(request: Request):
        user, form = await wsp.checked_form(request)
        t = WsTranslator(wsp.lang(request))
        if user["role"] != "admin":
            return wsp.error(request, 403, t("この操作には管理者の権限が必要です。"), user=user)
        name, role = str(form.get("name") or "").strip(), str(form.get("role") or "")
        values = {"name": name, "role": role}
        if form.get("action") == "role":
            if role not in ws.ROLES or not ws.set_role(wsp.store, name, role):
                return users_page(request, user, t("利用者か役割が正しくありません。"), 400, values)
        else:
            try:
                ws.add_user(wsp.store, name, str(form.get("password") or ""), role)
            except ConfigError as exc:
                return users_page(request, user, t("利用者を追加できません：{reason}", reason=exc.detail), 400, values)
        lang = wsp.lang(request)
        return RedirectResponse("/users?" + urlencode({**({"lang": lang} if lang != "ja" else {}), "saved": "1"}),
                                status_code=303)

    async def not_found(request: Request, exc: HTTPException):
        t = WsTranslator(wsp.lang(request))
        msg = {404: t("ページが見つかりません。"), 405: t("この方法では使えません。")}.get(exc.status_code,
                                                                                  t("エラーが発生しました。"))
        return wsp.error(request, exc.status_code, msg, user=None)

    routes = [
        Route("/", handler(home)),
        Route("/login", handler(login_get), methods=["GET"]),
        Route("/login", handler(login_post), methods=["POST"]),
        Route("/logout", handler(logout), methods=["POST"]),
        Route("/sites/{site_id}", handler(site_page)),
        Route("/runs/{run_id:int}", handler(run_page)),
        Route("/compare", handler(compare_page)),
        Route("/sites/{site_id}/problems/{fp}", handler(problem_page), methods=["GET"]),
        Route("/sites/{site_id}/problems/{fp}", handler(problem_post), methods=["POST"]),
        Route("/users", handler(users_page), methods=["GET"]),
        Route("/users", handler(users_post), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.state.workspace = wsp
    return SecurityHeaders(app)


def serve(db_url: str, host: str, port: int, ready=None) -> None:
    """Run the workspace on uvicorn until interrupted; `ready((host, port))` once it listens (port 0 = any)."""
    import socket

    import uvicorn
    app = create_app(db_url)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=True,
                                           server_header=False))
    if ready is not None:
        ready(sock.getsockname()[:2])
    server.run(sockets=[sock])

