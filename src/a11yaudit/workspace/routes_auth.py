"""The workspace's login and logout (a CSRF cookie on the login form, a session cookie after it), the login by a
trusted reverse proxy's header (single sign-on) and the logged-in user's password change."""

from __future__ import annotations

import secrets

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ..store import workspace as ws
from .web import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Refused, WsTranslator, local_next


def header_user(wsp, request: Request, name: str) -> dict:
    """The user the trusted reverse proxy names (`serve --trust-user-header`): an existing local user with the role
    of the users table. An unknown name is refused (403), never created."""
    user = ws.header_login(wsp.store, name) if name else None
    if user is None:
        t = WsTranslator(wsp.lang(request))
        raise Refused(wsp.error(request, 403, t(
            "シングルサインオンの利用者「{name}」はこのワークスペースに登録されていません。管理者に利用者の登録"
            "（a11yaudit user add）を依頼してください。", name=name or "—")))
    return {**user, "session": None, "sso": True}


def login_page(wsp, request: Request, message: str = "", status: int = 200):
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    resp = wsp.render(request, "login.html.j2", status=status, login_csrf=token, message=message,
                      next=local_next(request.query_params.get("next")))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/login",
                    secure=request.url.scheme == "https")
    return resp


def login_get(wsp, request: Request):
    if wsp.user(request) is not None:          # logged in already (a session, or the proxy's header)
        return RedirectResponse(local_next(request.query_params.get("next")), status_code=303)
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


def password_page(wsp, request: Request, user=None, message: str = "", status: int = 200):
    user = user or wsp.require_user(request)
    return wsp.render(request, "password.html.j2", status=status, user=user, message=message,
                      minimum=ws.PASSWORD_MIN, saved=request.query_params.get("saved") == "1")


async def password_post(wsp, request: Request):
    """The logged-in user's new password: the current one, the new one twice (at least PASSWORD_MIN characters);
    a new argon2id hash, and the user's other sessions end (this one stays)."""
    user, form = await wsp.checked_form(request)
    t = WsTranslator(wsp.lang(request))
    current, new, again = (str(form.get(k) or "") for k in ("current", "new", "again"))
    if not ws.verify_password(wsp.store, user["user_id"], current):
        return password_page(wsp, request, user, t("現在のパスワードが違います。"), 400)
    if len(new) < ws.PASSWORD_MIN:
        return password_page(wsp, request, user, t("新しいパスワードは{n}文字以上にしてください。",
                                                    n=ws.PASSWORD_MIN), 400)
    if new != again:
        return password_page(wsp, request, user, t("新しいパスワードが確認用と一致しません。"), 400)
    if new == current:
        return password_page(wsp, request, user, t("新しいパスワードが現在のものと同じです。"), 400)
    ws.set_password(wsp.store, user["name"], new, keep_session=user.get("session"))
    lang = wsp.lang(request)
    return RedirectResponse("/account/password?" + urlencode({**({"lang": lang} if lang != "ja" else {}),
                                                              "saved": "1"}), status_code=303)
