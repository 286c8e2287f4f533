"""The workspace's triage of a problem (by fingerprint: open / accepted / false positive, with its history) and
the users page (admin)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from ..errors import ConfigError
from ..store import workspace as ws
from .web import FP_RE, WsTranslator, local_next


def problem_context(wsp, site_id: str, fp: str):
    site = wsp.store.site(site_id)
    if site is None or not FP_RE.match(fp):
        raise HTTPException(404)
    finding = ws.finding_of(wsp.store, site_id, fp)
    if finding is None:
        raise HTTPException(404)
    return site, finding


def problem_page(wsp, request: Request, user=None, message: str = "", status: int = 200, form=None):
    user = user or wsp.require_user(request)
    t = WsTranslator(wsp.lang(request))
    site, finding = problem_context(wsp, request.path_params["site_id"], request.path_params["fp"])
    fp = finding["fingerprint"]
    finding["message_text"] = t.message(finding)
    current = ws.triage_of_site(wsp.store, site["id"]).get(fp)
    return wsp.render(request, "problem.html.j2", status=status, user=user, site=site, finding=finding,
                      current=current, history=ws.triage_history(wsp.store, site["id"], fp),
                      can_edit=user["role"] in ("editor", "admin"), message=message, form=form or {},
                      back=local_next(request.query_params.get("back")), today=dt.date.today())


async def problem_post(wsp, request: Request):
    user, form = await wsp.checked_form(request)
    t = WsTranslator(wsp.lang(request))
    if user["role"] not in ("editor", "admin"):
        return wsp.error(request, 403, t("この操作には編集者か管理者の権限が必要です。"), user=user)
    site, finding = problem_context(wsp, request.path_params["site_id"], request.path_params["fp"])
    action = str(form.get("status") or "")
    reason = str(form.get("reason") or "").strip()
    expires_text = str(form.get("expires") or "").strip()
    values = {"status": action, "reason": reason, "expires": expires_text}
    if action not in ws.TRIAGE_STATUSES:
        return problem_page(wsp, request, user, t("判定を選んでください。"), 400, values)
    if action != "open" and not reason:
        return problem_page(wsp, request, user, t("理由を入力してください。"), 400, values)
    if len(reason) > 2000:
        return problem_page(wsp, request, user, t("理由は2000文字以内で入力してください。"), 400, values)
    expires = None
    if action == "accepted":
        try:
            expires = dt.date.fromisoformat(expires_text)
        except ValueError:
            return problem_page(wsp, request, user, t("許容の期限を YYYY-MM-DD で入力してください。"), 400, values)
    ws.set_triage(wsp.store, site["id"], finding["fingerprint"], action, reason, expires, user["name"])
    lang = wsp.lang(request)
    target = request.url.path + "?" + urlencode({**({"lang": lang} if lang != "ja" else {}),
                                                 "back": local_next(str(form.get("back") or "")),
                                                 "saved": "1"})
    return RedirectResponse(target, status_code=303)


def users_page(wsp, request: Request, user=None, message: str = "", status: int = 200, form=None):
    user = user or wsp.require_user(request)
    t = WsTranslator(wsp.lang(request))
    if user["role"] != "admin":
        return wsp.error(request, 403, t("この操作には管理者の権限が必要です。"), user=user)
    return wsp.render(request, "users.html.j2", status=status, user=user, users=ws.list_users(wsp.store),
                      roles=ws.ROLES, message=message, form=form or {},
                      saved=request.query_params.get("saved") == "1")


async def users_post(wsp, request: Request):
    user, form = await wsp.checked_form(request)
    t = WsTranslator(wsp.lang(request))
    if user["role"] != "admin":
        return wsp.error(request, 403, t("この操作には管理者の権限が必要です。"), user=user)
    name, role = str(form.get("name") or "").strip(), str(form.get("role") or "")
    values = {"name": name, "role": role}
    if form.get("action") == "role":
        if role not in ws.ROLES or not ws.set_role(wsp.store, name, role):
            return users_page(wsp, request, user, t("利用者か役割が正しくありません。"), 400, values)
    else:
        try:
            ws.add_user(wsp.store, name, str(form.get("password") or ""), role)
        except ConfigError as exc:
            return users_page(wsp, request, user, t("利用者を追加できません：{reason}", reason=exc.detail), 400, values)
    lang = wsp.lang(request)
    return RedirectResponse("/users?" + urlencode({**({"lang": lang} if lang != "ja" else {}), "saved": "1"}),
                            status_code=303)
