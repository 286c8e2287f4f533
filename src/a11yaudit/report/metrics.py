"""Per-run facts shared by the trend report and the scope-expansion plan.

The definitions are the audit report's (report/model.py), so the figures agree with it:
- a page "has A/AA problems" when a rule result on it failed on a success criterion of the run's profile at the
  policy's level or below (addon-profile rules such as gov-style carry no such criterion, AAA criteria are above
  an AA policy, WCAG 2.1/2.2 additions are outside a JIS 2016 profile) — the 総務省 survey metric;
- "failed findings" are the findings of outcome failed whose rule is not addon-only (the report's 問題あり count);
- failures per criterion = in-scope pages with a failed result on that criterion (the 達成基準チェックリスト).
tests/browser/test_trend_scope.py checks that these numbers equal build_report's for the same runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..discover.scope import EXCLUDED, IN_SCOPE, OUT_OF_SCOPE
from ..discover.urls import path_of, section_of
from ..rules.loader import RuleSet
from ..rules.model import FAILED
from ..rules.standards import load_standards, parse_profile_spec, sort_criteria
from ..store.aggregate import not_passing_results
from ..store.db import Store

FACT_FIELDS = ("page_id", "viewport", "rule", "outcome", "criteria", "selector", "snippet", "fingerprint")
LEVELS = {"A": {"A"}, "AA": {"A", "AA"}, "AAA": {"A", "AA", "AAA"}}
JST = dt.timezone(dt.timedelta(hours=9), "JST")
_WS = re.compile(r"\s+")
_NTH = re.compile(r":nth-(?:child|of-type)\(\d+\)")


def _criteria(value: str) -> list[str]:
    return [c for c in (value or "").split(",") if c]


@dataclass
class PageFacts:
    url: str
    path: str
    section: str
    scope: str
    state: str
    title: str | None
    problem: bool = False                                   # A/AA problem within the profile
    failed_criteria: set = field(default_factory=set)       # profile criteria (policy level) failed on the page
    findings: list = field(default_factory=list)            # failed findings (report's 問題あり), dicts
    problem_findings: list = field(default_factory=list)    # those of them on an A/AA criterion of the profile


@dataclass
class RunFacts:
    run: dict
    profile_id: str
    level: str
    viewports: list[str]
    profile_ids: set
    levels: set
    pages: dict[str, PageFacts]                             # URL → facts (same-site HTML pages only)

    @property
    def id(self) -> int:
        return self.run["id"]

    def audited(self, scope: str | None = None) -> list[PageFacts]:
        return [p for p in self.pages.values() if p.state == "done" and (scope is None or p.scope == scope)]

    @property
    def started_jst(self) -> dt.datetime | None:
        s = self.run.get("started_at")
        if s is None:
            return None
        if s.tzinfo is None:            # SQLite gives naive datetimes; the store writes UTC
            s = s.replace(tzinfo=dt.timezone.utc)
        return s.astimezone(JST)


def finding_is_failed(ruleset: RuleSet, code: str, outcome: str, addon_ids: set) -> bool:
    """The report's 問題あり: outcome failed and the rule is neither addon-only (gov-style) nor a readiness rule
    (both are reported apart)."""
    if outcome != FAILED:
        return False
    rule = ruleset.get(code)
    return not (rule is not None and (rule.advisory or (rule.profiles and set(rule.profiles) <= addon_ids)))


def load_run_facts(store: Store, run: dict, ruleset: RuleSet) -> RunFacts:
    all_criteria, all_profiles = load_standards()
    profile, _ = parse_profile_spec(run["profile"], all_profiles)
    addon_ids = {pid for pid, p in all_profiles.items() if p.is_addon}
    config = json.loads(run.get("config_json") or "{}")
    level = (config.get("policy") or {}).get("level", "AA")
    levels = LEVELS.get(level, LEVELS["AA"])
    profile_ids = profile.ids()
    by_id: dict[int, PageFacts] = {}
    pages: dict[str, PageFacts] = {}
    for p in store.run_pages(run["id"]):
        if p["kind"] != "html" or p["skip_reason"] == "other_host":
            continue
        pf = PageFacts(url=p["url"], path=path_of(p["url"]), section=section_of(p["url"]), scope=p["scope"],
                       state=p["state"], title=p["title"])
        pages[p["url"]] = by_id[p["id"]] = pf
    # Only the failed results, from the covering index (a 10,000-page run has ~2 million result rows: loading them
    # all as dicts took 2 GB and 25 s per run in the trend report).
    for page_id, _rule, _outcome, criteria in not_passing_results(store, run["id"], (FAILED,)):
        pf = by_id.get(page_id)
        if pf is None:
            continue
        in_profile = [c for c in _criteria(criteria) if c in profile_ids and all_criteria[c].level in levels]
        if in_profile:
            pf.problem = True
            pf.failed_criteria.update(in_profile)
    # Only what trend and plan read of a finding: messages stay in the database (the trend report holds several
    # runs of a large site at once).
    for f in store.run_findings(run["id"], FACT_FIELDS):
        pf = by_id.get(f["page_id"])
        if pf is not None and finding_is_failed(ruleset, f["rule"], f["outcome"], addon_ids):
            pf.findings.append(f)
            if any(c in profile_ids and all_criteria[c].level in levels for c in _criteria(f["criteria"])):
                pf.problem_findings.append(f)
    return RunFacts(run=run, profile_id=run["profile"], level=level,
                    viewports=[v for v in run["viewports"].split(",") if v], profile_ids=profile_ids,
                    levels=levels, pages=pages)


def conformance(pages: list[PageFacts]) -> dict:
    """The conformance picture of a set of audited in-scope pages: count, pages with A/AA problems and their share,
    and failures per criterion (pages with a failed result on it)."""
    per_crit = Counter()
    for p in pages:
        per_crit.update(p.failed_criteria)
    with_problems = sum(1 for p in pages if p.problem)
    return {"pages": len(pages), "with_problems": with_problems,
            "problem_share": round(100 * with_problems / len(pages), 1) if pages else None,
            "failed_findings": sum(len(p.findings) for p in pages),
            "criteria": {c: per_crit[c] for c in sort_criteria(per_crit)}}


def normalise_target(selector: str, snippet: str) -> str:
    """What identifies 'the same element' across the pages of one template: its HTML snippet with whitespace
    collapsed (lower-cased). axe's selectors are the shortest unique ones within each page, so the same template
    element gets different selectors on different pages ('img' here, '.banner' there); the selector (without
    positional indices) is used only when there is no snippet."""
    snip = _WS.sub(" ", (snippet or "").strip().lower())
    if snip:
        return "html:" + snip
    return "css:" + _NTH.sub("", _WS.sub(" ", (selector or "").strip().lower()))


SCOPES = (IN_SCOPE, EXCLUDED, OUT_OF_SCOPE)


def group_by_section(pages) -> dict[str, list]:
    out = defaultdict(list)
    for p in pages:
        out[p.section].append(p)
    return dict(sorted(out.items()))
