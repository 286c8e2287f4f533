"""The human test (人による試験) in the workspace, and a run's downloads.

For every page of the run's JB.1.2 sample (the latest sample stored with the run, `a11yaudit sample`), a form lists
the success criteria the 試験結果 of the automation alone leaves 要人手確認 (report/shiken.build_shiken without human
verdicts: nothing is computed a second way), with 適合 / 不適合 / 該当なし and a note; an editor's save writes the
human_verdicts table (store/human.py), which `a11yaudit shiken` combines with the automated results as it does an
imported file. The downloads are the existing builders' output: the 試験結果 (report/shiken_export: HTML, the two
CSVs, JSON, PDF printed by Chromium), the trend (report/trend) and the scope plan (report/scopeplan).

The 試験結果 needs the site's policy from sites.yaml: the `a11yaudit --config` that started `serve` (else
$A11YAUDIT_CONFIG, else sites.yaml in the server's working directory)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import settings
from ..errors import ConfigError
from ..report.human import VERDICT_LABELS, WORKSPACE_SOURCE, stored_human
from ..report.shiken import NEEDS_HUMAN
from ..store import human as hv
from ..store.samples import latest_sample
from .web import Refused, WsTranslator

NOTE_MAX = 2000
EDIT_ROLES = ("editor", "admin")
DOWNLOADS = {   # name → (media type, what it is)
    "shiken.html": ("text/html; charset=utf-8", "試験結果（HTML）"),
    "shiken.pdf": ("application/pdf", "試験結果（PDF）"),
    "shiken-checklist.csv": ("text/csv; charset=utf-8", "試験結果：達成基準チェックリスト（CSV）"),
    "shiken-pages.csv": ("text/csv; charset=utf-8", "試験結果：ページごとの結果（CSV）"),
    "shiken.json": ("application/json; charset=utf-8", "試験結果（JSON）"),
    "trend.csv": ("text/csv; charset=utf-8", "推移（CSV）"),
    "trend.json": ("application/json; charset=utf-8", "推移（JSON）"),
    "scope-plan.json": ("application/json; charset=utf-8", "対象範囲の拡大計画（JSON）"),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


# --- shared -----------------------------------------------------------------------------------------------------

def _cli_config() -> str | None:
    """The `a11yaudit --config` of the `serve` command that imports this module (none outside the CLI)."""
    import click
    ctx = click.get_current_context(silent=True)
    return ((ctx.find_root().obj if ctx is not None else None) or {}).get("config")


_CLI_CONFIG = _cli_config()


def config_path() -> str:
    return _CLI_CONFIG or os.environ.get("A11YAUDIT_CONFIG") or settings.DEFAULT_CONFIG


def site_config(wsp, request: Request, user: dict, site_id: str):
    """The config.Site of a run's site (its policy), else a refusal naming the file."""
    from ..config import load_sites
    from ..rules.standards import load_standards
    t = WsTranslator(wsp.lang(request))
    try:
        _, profiles = load_standards()
        return load_sites(config_path(), known_profiles=set(profiles)).get(site_id)
    except ConfigError as exc:
        raise Refused(wsp.error(request, 409, t("サイトの設定（{file}）を読めません：{reason}", file=config_path(),
                                                reason=str(exc)), user=user)) from None


def sample_or_refuse(wsp, request: Request, user: dict, run: dict) -> dict:
    sample = latest_sample(wsp.store, run["id"])
    if sample is None:
        t = WsTranslator(wsp.lang(request))
        raise Refused(wsp.error(request, 404, t("この実行には試験対象のページの標本がありません。"
                                                "`a11yaudit sample {site} --run {run}` で選んでください。",
                                                site=run["site_id"], run=run["id"]), user=user))
    return sample


def auto_shiken(wsp, run: dict, sample: dict, site) -> dict:
    """The 試験結果 of the automation alone (no human verdict): what it leaves 要人手確認 is what the form asks."""
    from ..report.shiken import build_shiken
    return wsp.cached(("shiken-auto", run["id"], sample["id"]), run["status"] == "finished",
                      lambda: build_shiken(wsp.store, run["id"], sample, wsp.ruleset(), site, human=[]))


def full_shiken(wsp, run: dict, sample: dict, site) -> dict:
    """The 試験結果 with the stored human verdicts, as `a11yaudit shiken` builds it."""
    from ..report.shiken import build_shiken
    return build_shiken(wsp.store, run["id"], sample, wsp.ruleset(), site,
                        human=stored_human(wsp.store, site, run, sample))


def _context(wsp, request: Request, user: dict):
    run = wsp.run_or_404(request.path_params["run_id"])
    sample = sample_or_refuse(wsp, request, user, run)
    site = site_config(wsp, request, user, run["site_id"])
    return run, sample, site


# --- the sample's pages and the form per page -------------------------------------------------------------------

def human_index(wsp, request: Request):
    user = wsp.require_user(request)
    run, sample, site = _context(wsp, request, user)
    auto = auto_shiken(wsp, run, sample, site)
    asked = [c for c in auto["checklist"] if c["result"] == NEEDS_HUMAN]
    stored = hv.run_verdicts(wsp.store, run["id"], urls={p["url"] for p in sample["pages"]})
    done: dict[str, int] = {}
    for r in stored:
        done[r["url"]] = done.get(r["url"], 0) + 1
    return wsp.render(request, "human_index.html.j2", user=user, run=run, site=site, sample=sample,
                      pages=auto["pages"], asked=asked, done=done)


def _page_no(request: Request, sample: dict) -> int:
    no = request.path_params["no"]
    if not 1 <= no <= len(sample["pages"]):
        raise HTTPException(404)
    return no


def _form_rows(auto: dict, url: str, stored: list[dict]) -> list[dict]:
    """The criteria of the form: those the automation leaves 要人手確認, and any with a verdict for this page."""
    mine = {r["criterion"]: r for r in stored if r["url"] == url}
    page = next(p for p in auto["pages"] if p["url"] == url)
    review = set(page["auto_review"])
    rows = []
    for c in auto["checklist"]:
        if c["result"] == NEEDS_HUMAN or c["id"] in mine:
            rows.append({**c, "stored": mine.get(c["id"]), "page_review": c["number"] in review})
    return rows


def human_page(wsp, request: Request, user=None, message: str = "", status: int = 200, form=None):
    user = user or wsp.require_user(request)
    run, sample, site = _context(wsp, request, user)
    no = _page_no(request, sample)
    auto = auto_shiken(wsp, run, sample, site)
    url = sample["pages"][no - 1]["url"]
    stored = hv.run_verdicts(wsp.store, run["id"], urls={url})
    return wsp.render(request, "human_page.html.j2", status=status, user=user, run=run, site=site, sample=sample,
                      no=no, page=auto["pages"][no - 1], rows=_form_rows(auto, url, stored),
                      whole=[r for r in stored if r["url"] == hv.WHOLE_SAMPLE],
                      verdict_labels=VERDICT_LABELS, can_edit=user["role"] in EDIT_ROLES, message=message,
                      form=form, total=len(sample["pages"]))


async def human_post(wsp, request: Request):
    user, form = await wsp.checked_form(request)
    t = WsTranslator(wsp.lang(request))
    if user["role"] not in EDIT_ROLES:
        return wsp.error(request, 403, t("この操作には編集者か管理者の権限が必要です。"), user=user)
    run, sample, site = _context(wsp, request, user)
    no = _page_no(request, sample)
    auto = auto_shiken(wsp, run, sample, site)
    url = sample["pages"][no - 1]["url"]
    rows = _form_rows(auto, url, hv.run_verdicts(wsp.store, run["id"], urls={url}))
    values = {c["id"]: (str(form.get("v-" + c["id"]) or ""), str(form.get("n-" + c["id"]) or "").strip())
              for c in rows}
    for c in rows:
        verdict, note = values[c["id"]]
        if verdict not in hv.VERDICTS + ("",):
            return human_page(wsp, request, user, t("判定は適合・不適合・該当なしから選んでください。"), 400, values)
        if len(note) > NOTE_MAX:
            return human_page(wsp, request, user, t("注記は2000文字以内で入力してください。"), 400, values)
        if note and not verdict:
            return human_page(wsp, request, user, t("注記のある達成基準（{n}）の判定を選んでください。",
                                                    n=c["number"]), 400, values)
    save, clear = [], []
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    for c in rows:
        verdict, note = values[c["id"]]
        old = c["stored"]
        if not verdict:
            if old is not None:
                clear.append((url, c["id"]))
        elif old is None or (old["verdict"], old["note"]) != (verdict, note):
            save.append({"url": url, "criterion": c["id"], "verdict": verdict, "note": note, "tester": user["name"],
                         "tested_on": today, "source": f"{WORKSPACE_SOURCE}:{user['name']}"})
    hv.save_verdicts(wsp.store, run["id"], save, sample_id=sample["id"], clear=clear)
    lang = wsp.lang(request)
    return RedirectResponse(request.url.path + "?" + urlencode({**({"lang": lang} if lang != "ja" else {}),
                                                                 "saved": "1"}), status_code=303)


# --- downloads ----------------------------------------------------------------------------------------------------

def safe_name(*parts) -> str:
    """A file name of ASCII letters, digits, '-', '_' and '.' only (a site id is the user's text)."""
    name = "-".join(_UNSAFE.sub("_", str(p)).strip("._") or "x" for p in parts)
    return name[:150]


def attachment(body, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "content-disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"})


async def download(wsp, request: Request):
    user = wsp.require_user(request)
    name = request.path_params["name"]
    if name not in DOWNLOADS:
        raise HTTPException(404)
    run = wsp.run_or_404(request.path_params["run_id"])
    lang = wsp.lang(request)
    media_type = DOWNLOADS[name][0]
    filename = safe_name(run["site_id"], f"run{run['id']}", name)
    if name.startswith("trend."):
        from ..report import trend as tr
        data = await run_in_threadpool(tr.build_trend, wsp.store, run["site_id"], wsp.ruleset(), lang=lang)
        body = tr.to_csv(data) if name.endswith(".csv") else json.dumps(tr.to_json(data), ensure_ascii=False,
                                                                         indent=1, default=str)
        if name.endswith(".csv"):
            body = "\ufeff" + body       # UTF-8 with BOM, as the 試験結果's CSVs: Excel opens it correctly
        return attachment(body, media_type, filename)
    if name == "scope-plan.json":
        from ..report import scopeplan as sp
        plan = await run_in_threadpool(sp.build_plan, wsp.store, run["site_id"], wsp.ruleset(), run_id=run["id"],
                                       lang=lang)
        return attachment(json.dumps(plan, ensure_ascii=False, indent=1, default=str), media_type, filename)
    sample = sample_or_refuse(wsp, request, user, run)
    site = site_config(wsp, request, user, run["site_id"])
    from ..report import shiken_export as se
    from ..report.shiken import to_json
    view = await run_in_threadpool(full_shiken, wsp, run, sample, site)
    if name == "shiken.json":
        return attachment(to_json(view), media_type, filename)
    if name == "shiken-checklist.csv":
        return attachment("\ufeff" + se.checklist_csv(view), media_type, filename)
    if name == "shiken-pages.csv":
        return attachment("\ufeff" + se.pages_csv(view), media_type, filename)
    html = se.render_shiken_html(view)
    if name == "shiken.html":
        return attachment(html, media_type, filename)
    from ..gather.printing import print_pdf       # Chromium's print, as `a11yaudit shiken --format pdf`
    try:
        pdf = await run_in_threadpool(print_pdf, html)
    except Exception as exc:      # no Chromium on this machine: say so instead of a 500
        t = WsTranslator(lang)
        return wsp.error(request, 503, t("PDFを作れません（Chromiumが必要です）：{reason}", reason=str(exc)[:300]),
                         user=user)
    return attachment(pdf, media_type, filename)
