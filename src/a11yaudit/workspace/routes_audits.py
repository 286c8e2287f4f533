"""Audits started, watched, cancelled and resumed from the workspace. The audit itself runs in a worker process
(jobs.py); these endpoints only start it, send it SIGTERM, and read its progress from the database. Every change is
a POST from an editor or admin with the session's CSRF token."""

from __future__ import annotations

import asyncio
import time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import ConfigError
from .jobs import SITE_ID_RE, Jobs
from .web import Redirect, WsTranslator

CHANGERS = ("editor", "admin")
START_WAIT_S = 20.0           # how long the start POST waits for the worker's run to appear before redirecting
CANCEL_WAIT_S = 15.0
REFRESH_S = 3


def install(wsp, config: str | None = None, workdir: str | None = None) -> None:
    """Give the workspace its job bookkeeping and the templates their `audit_state(site_id)`. The sites.yaml is
    the `a11yaudit --config` that started `serve` (else A11YAUDIT_CONFIG, else ./sites.yaml); the work folder
    A11YAUDIT_WORKDIR, else `a11yaudit-work/` next to the SQLite database (jobs.default_workdir)."""
    import os

    import click

    from .. import settings
    if config is None:
        ctx = click.get_current_context(silent=True)
        obj = ctx.find_root().obj if ctx is not None else None
        config = (obj or {}).get("config") or os.environ.get("A11YAUDIT_CONFIG") or settings.DEFAULT_CONFIG
    workdir = workdir or os.environ.get("A11YAUDIT_WORKDIR") or None
    wsp.jobs = Jobs(wsp.store, wsp.store.url, config, workdir)
    wsp.env.globals["audit_state"] = wsp.jobs.site_state


def _changer(wsp, request: Request, user: dict) -> None:
    if user["role"] not in CHANGERS:
        from .web import Refused
        t = WsTranslator(wsp.lang(request))
        raise Refused(wsp.error(request, 403, t("監査を開始・中止・再開できるのは編集者と管理者だけです。"), user=user))


def _href(wsp, request: Request, path: str) -> str:
    return path + ("?lang=en" if wsp.lang(request) == "en" else "")


def audits_page(wsp, request: Request):
    """The configured sites (sites.yaml) with what runs for each and the start buttons."""
    user = wsp.require_user(request)
    t = WsTranslator(wsp.lang(request))
    jobs: Jobs = wsp.jobs
    try:
        sites = jobs.sites()
        problem = ""
    except ConfigError as exc:
        sites, problem = [], t("サイトの設定（sites.yaml）を読めません：{e}", e=str(exc))
    rows = [{"site": s, "state": jobs.site_state(s.id)} for s in sites]
    return wsp.render(request, "audits.html.j2", user=user, rows=rows, problem=problem,
                      can_change=user["role"] in CHANGERS, config=jobs.config or "")


async def start_audit(wsp, request: Request):
    user, _form = await wsp.checked_form(request)
    _changer(wsp, request, user)
    t = WsTranslator(wsp.lang(request))
    site_id = request.path_params["site_id"]
    jobs: Jobs = wsp.jobs
    try:
        site = jobs.site(site_id) if SITE_ID_RE.match(site_id) else None
    except ConfigError as exc:
        return wsp.error(request, 500, t("サイトの設定（sites.yaml）を読めません：{e}", e=str(exc)), user=user)
    if site is None:
        return wsp.error(request, 404, t("このサイトは設定（sites.yaml）にありません。"), user=user)
    state = jobs.site_state(site_id)
    if state["busy"]:
        return wsp.error(request, 409, t("このサイトの監査はすでに実行中です。終わるまで待つか、中止してください。"),
                         user=user)
    job = jobs.spawn(site_id)
    return await _wait_for_run(wsp, request, user, site_id, job["pid"])


async def _wait_for_run(wsp, request: Request, user: dict, site_id: str, pid: int):
    """Redirect to the run's progress page once the worker has created (or claimed) its run."""
    jobs: Jobs = wsp.jobs
    t = WsTranslator(wsp.lang(request))
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        job = jobs.job(site_id)
        if job is None or job.get("pid") != pid:
            break
        run_id = job.get("run_id")
        if run_id is not None and job.get("resume") is None:
            raise Redirect(_href(wsp, request, f"/runs/{run_id}/progress"))
        if run_id is not None and (jobs.is_live(run_id) or not job["alive"]):
            raise Redirect(_href(wsp, request, f"/runs/{run_id}/progress"))
        if not job["alive"]:
            return wsp.render(request, "audit_failed.html.j2", status=500, user=user, site_id=site_id,
                              log=jobs.log_tail(job), message=t("監査を開始できませんでした。"))
        await asyncio.sleep(0.25)
    raise Redirect(_href(wsp, request, "/audits"))


def _run_and_site(wsp, request: Request):
    run = wsp.run_or_404(request.path_params["run_id"])
    return run, run["site_id"]


async def resume_audit(wsp, request: Request):
    user, _form = await wsp.checked_form(request)
    _changer(wsp, request, user)
    t = WsTranslator(wsp.lang(request))
    run, site_id = _run_and_site(wsp, request)
    jobs: Jobs = wsp.jobs
    try:
        configured = jobs.site(site_id) is not None
    except ConfigError:
        configured = False
    if not configured:
        return wsp.error(request, 404, t("このサイトは設定（sites.yaml）にありません。"), user=user)
    if jobs.state(run) != "interrupted":
        return wsp.error(request, 409, t("この実行は再開できません（中断した実行だけ再開できます）。"), user=user)
    if jobs.site_state(site_id)["busy"]:
        return wsp.error(request, 409, t("このサイトの監査はすでに実行中です。終わるまで待つか、中止してください。"),
                         user=user)
    job = jobs.spawn(site_id, resume=run["id"])
    return await _wait_for_run(wsp, request, user, site_id, job["pid"])


async def cancel_audit(wsp, request: Request):
    user, _form = await wsp.checked_form(request)
    _changer(wsp, request, user)
    t = WsTranslator(wsp.lang(request))
    run, site_id = _run_and_site(wsp, request)
    jobs: Jobs = wsp.jobs
    if jobs.state(run) != "running":
        return wsp.error(request, 409, t("この実行は実行中ではありません。"), user=user)
    if not jobs.cancel(run["id"], site_id):
        return wsp.error(request, 409, t("この実行はワークスペースから開始されていないため、ここでは中止できません。"),
                         user=user)
    deadline = time.monotonic() + CANCEL_WAIT_S     # the worker closes Chromium and stores `interrupted`
    while time.monotonic() < deadline and jobs.is_live(run["id"]):
        await asyncio.sleep(0.25)
    raise Redirect(_href(wsp, request, f"/runs/{run['id']}/progress"))


def _progress_context(wsp, run: dict) -> dict:
    jobs: Jobs = wsp.jobs
    state = jobs.state(run)
    site_state = jobs.site_state(run["site_id"])
    job = site_state["job"]
    ours = bool(job and job.get("run_id") == run["id"])
    return {"state": state, "progress": jobs.progress(wsp.store.get_run(run["id"])),
            "ending": ours and job["alive"] and state != "running", "busy": site_state["busy"],
            "configured": site_state["configured"]}


def progress_page(wsp, request: Request):
    user = wsp.require_user(request)
    run = wsp.run_or_404(request.path_params["run_id"])
    site = wsp.store.site(run["site_id"]) or {"id": run["site_id"], "name": run["site_id"], "base_url": ""}
    ctx = _progress_context(wsp, run)
    auto = request.query_params.get("auto", "1") != "0"
    refresh = auto and (ctx["state"] == "running" or ctx["ending"])
    resp = wsp.render(request, "progress.html.j2", user=user, run=run, site=site, auto=auto, refresh=refresh,
                      refresh_s=REFRESH_S, can_change=user["role"] in CHANGERS, **ctx)
    if refresh:     # the page reloads itself while the run goes on (no script); ?auto=0 stops it
        resp.headers["Refresh"] = str(REFRESH_S)
    return resp


def progress_json(wsp, request: Request):
    if wsp.user(request) is None:
        raise HTTPException(403)
    run = wsp.run_or_404(request.path_params["run_id"])
    ctx = _progress_context(wsp, run)
    return JSONResponse({"run": run["id"], "site": run["site_id"], "state": ctx["state"], **ctx["progress"]})
