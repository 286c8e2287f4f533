"""The workspace's sites and runs: the home page (sites and their latest runs), a site's runs, a run's problems
(filtered, paged) and two runs compared."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..store import workspace as ws
from .web import COMPARE_LIMIT, PER_PAGE, WsTranslator


def home(wsp, request: Request):
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


def site_page(wsp, request: Request):
    user = wsp.require_user(request)
    site_id = request.path_params["site_id"]
    site = wsp.store.site(site_id)
    if site is None:
        raise HTTPException(404)
    runs = list(reversed(wsp.store.list_runs(site_id)))
    return wsp.render(request, "site.html.j2", user=user, site=site, runs=runs)


def problems_of(wsp, run: dict, view: dict, t) -> list[dict]:
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


def _problems_and_options(wsp, run: dict, view: dict, t) -> tuple[list[dict], dict]:
    problems = problems_of(wsp, run, view, t)
    options = {"rule": sorted({p["rule"] for p in problems}),
               "criterion": sorted({c for p in problems for c in p["criteria_list"]},
                                   key=lambda c: [int(x) if x.isdigit() else 0 for x in c.split(".")]),
               "viewport": sorted({p["viewport"] for p in problems})}
    return problems, options


def run_page(wsp, request: Request):
    user = wsp.require_user(request)
    lang = wsp.lang(request)
    t = WsTranslator(lang)
    run = wsp.run_or_404(request.path_params["run_id"])
    view = wsp.view(run["id"], lang)
    # The run's problems and the filter options are computed once per finished run and shared read-only by every
    # request; a request filters them without copying and copies only the rows of the page it shows (on a
    # 10,000-page run: 89,000 problems, bench/bench_workspace.py).
    problems, options = wsp.cached(("problems", run["id"], lang), run["status"] == "finished",
                                   lambda: _problems_and_options(wsp, run, view, t))
    triage = ws.triage_of_site(wsp.store, run["site_id"])
    q = request.query_params
    rule, crit, viewport, status = (q.get("rule", ""), q.get("criterion", ""), q.get("viewport", ""),
                                    q.get("status", ""))

    def status_of(p):
        row = triage.get(p["fingerprint"])
        return row["status"] if row else "open"
    shown = [p for p in problems
             if (not rule or p["rule"] == rule) and (not crit or crit in p["criteria_list"])
             and (not viewport or p["viewport"] == viewport) and (not status or status_of(p) == status)]
    pages_total = max(1, (len(shown) + PER_PAGE - 1) // PER_PAGE)
    try:
        page_no = min(max(1, int(q.get("page", "1"))), pages_total)
    except ValueError:
        page_no = 1
    filters = {"rule": rule, "criterion": crit, "viewport": viewport, "status": status}
    rows = [dict(p) for p in shown[(page_no - 1) * PER_PAGE: page_no * PER_PAGE]]
    for p in rows:
        p["triage"] = triage.get(p["fingerprint"])
        p["status"] = p["triage"]["status"] if p["triage"] else "open"
    return wsp.render(request, "run.html.j2", user=user, run=run, view=view, site=view["site"],
                      problems=rows, total=len(shown),
                      all_total=len(problems), page_no=page_no, pages_total=pages_total, filters=filters,
                      options=options, per_page=PER_PAGE, triage=triage)


def compare_page(wsp, request: Request):
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
        return wsp.cached(("compare", run["id"], wsp.lang(request)), run["status"] == "finished",
                          lambda: _compare_problems(wsp, run, t))
    def grouped():
        pa, pb = problems(run_a), problems(run_b)
        order = lambda rows: sorted(rows, key=lambda r: (r["outcome"] != "failed", r["rule"], r["url"],  # noqa: E731
                                                         r["viewport"]))
        return [("new", t("新たな問題"), order(pb[fp] for fp in pb.keys() - pa.keys())),
                ("fixed", t("解消した問題"), order(pa[fp] for fp in pa.keys() - pb.keys())),
                ("persisting", t("残っている問題"), order(pb[fp] for fp in pb.keys() & pa.keys()))]
    groups = wsp.cached(("compare-groups", a, b, wsp.lang(request)),
                        run_a["status"] == run_b["status"] == "finished", grouped)
    site = wsp.store.site(run_a["site_id"]) or {"id": run_a["site_id"], "name": run_a["site_id"]}
    return wsp.render(request, "compare.html.j2", user=user, site=site, run_a=run_a, run_b=run_b,
                      groups=groups, limit=COMPARE_LIMIT,
                      triage=ws.triage_of_site(wsp.store, run_a["site_id"]))


def _compare_problems(wsp, run: dict, t) -> dict:
    """A run's problems by fingerprint (failed and cantTell findings of HTML pages), for comparing two runs."""
    pages = {p["id"]: p for p in wsp.store.run_pages(run["id"])}
    out = {}
    for f in wsp.store.run_findings(run["id"]):
        page = pages.get(f["page_id"])
        if page is not None and page["kind"] == "html" and f["outcome"] in ("failed", "cantTell"):
            out.setdefault(f["fingerprint"], {**f, "url": page["url"], "title": page["title"],
                                              "message_text": t.message(f)})
    return out
