"""The workspace's login and logout (a CSRF cookie on the login form, a session cookie after it)."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ..store import workspace as ws
from .web import LOGIN_CSRF_COOKIE, SESSION_COOKIE, WsTranslator, local_next


def login_page(wsp, request: Request, message: str = "", status: int = 200):
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    resp = wsp.render(request, "login.html.j2", status=status, login_csrf=token, message=message,
                      next=local_next(request.query_params.get("next")))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/login",
                    secure=request.url.scheme == "https")
    return resp


def login_get(wsp, request: Request):
    return login_page(wsp, request)


async def login_post(wsp, request: Request):
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
        return login_page(wsp, request,
                          t("ログインの失敗が続いたため、しばらく受け付けません。{m}分後にもう一度お試しください。",
                            m=ws.LOGIN_WINDOW_MIN), status=429)
    user = ws.check_password(wsp.store, name, password, key)
    if user is None:
        return login_page(wsp, request, t("ユーザー名またはパスワードが違います。"), status=401)
    session = ws.new_session(wsp.store, user["id"])
    resp = RedirectResponse(local_next(str(form.get("next") or "")), status_code=303)
    resp.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax", path="/",
                    secure=request.url.scheme == "https", max_age=ws.SESSION_HOURS * 3600)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


async def logout(wsp, request: Request):
    await wsp.checked_form(request)
    ws.end_session(wsp.store, request.cookies.get(SESSION_COOKIE))
    lang = wsp.lang(request)
    resp = RedirectResponse("/login" + ("?lang=en" if lang == "en" else ""), status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
