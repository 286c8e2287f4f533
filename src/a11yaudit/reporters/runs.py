"""A stored audit run in the shape the reporters take (the gate's result): every page of the run is a target whose
findings are classified at the --fail-on level against the site's triage (the same baseline `gate --baseline
db:SITE` reads), so an audit emits JSON, JUnit XML and SARIF through the same writers as the gate."""

from __future__ import annotations

from dataclasses import dataclass

from ..discover.urls import path_of
from ..gate.compare import GateResult, compare
from ..gate.targets import Target
from ..rules.model import Finding, RuleResult


@dataclass
class _StoredLoad:
    """A page × viewport as the run stored it (compare reads artifacts, final_url, error_kind, error)."""
    artifacts: dict | None
    final_url: str | None = None
    error_kind: str | None = None
    error: str | None = None


def run_result(store, run_id: int, ruleset, *, fail_on: str = "AA", baseline=None, today=None) -> GateResult:
    """The run's audited pages and their failed / cantTell findings as a GateResult."""
    run = store.get_run(run_id)
    profile = run.get("profile") or "jis2016"
    viewports = [v for v in (run.get("viewports") or "pc").split(",") if v]
    pages = [p for p in store.run_pages(run_id) if p["state"] == "done" and p["kind"] == "html"]
    by_id = {p["id"]: p for p in pages}
    targets, loads, results = [], {}, {}
    for p in pages:
        url = p["url"]
        t = Target(url, "url", url, url, run["site_id"], path_of(url), url)
        t.profile = profile
        targets.append(t)
        for vp in viewports:
            loads[(url, vp)] = _StoredLoad({"page": {"title": p.get("title")}})
    grouped: dict = {}
    for f in store.run_findings(run_id):
        page = by_id.get(f["page_id"])
        if page is None:
            continue
        criteria = [c for c in (f.get("criteria") or "").split(",") if c]
        key = (page["url"], f["viewport"])
        res = grouped.setdefault((key, f["rule"]), RuleResult(f["rule"], f["viewport"], f["outcome"], criteria))
        res.findings.append(Finding(rule=f["rule"], viewport=f["viewport"], outcome=f["outcome"],
                                    selector=f["selector"], snippet=f.get("snippet") or "",
                                    message=f.get("message") or "", nid=f.get("nid"), criteria=criteria,
                                    message_en=f.get("message_en")))
    for (key, _rule), res in grouped.items():
        results.setdefault(key, []).append(res)
    return compare(targets, loads, results, baseline or [], ruleset=ruleset, fail_on=fail_on, today=today)
