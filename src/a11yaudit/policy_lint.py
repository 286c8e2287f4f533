"""The policy lint (`a11yaudit policy lint`, also run by check-config): scope rules that decide nothing or
everything, fields a published claim needs, phases already due, and (given a store) a 準拠 claim contradicted by the
latest audit.

Sources: JIS X 8341-3:2016 附属書JA.1, WAIC 方針策定ガイドライン, 総務省 みんなの公共サイト運用ガイドライン 2024
(「適切でない取組の例」), as summarised in docs/configuration.md (policy). The policy fields themselves are read in policy.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from .config import Site
from .discover.scope import IN_SCOPE, ScopeClassifier
from .rules.standards import load_standards, parse_profile_spec
from .store.aggregate import not_passing_results
from .yamlsrc import format_path, load_yaml


@dataclass
class LintIssue:
    severity: str            # error | warning
    message: str
    file: str
    line: int | None
    field: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.field}: {self.severity}: {self.message}"


def lint_policy(site: Site, index: int, *, today: dt.date | None = None, store=None) -> list[LintIssue]:
    """Checks beyond the schema (which load_sites already enforces): scope rules that decide nothing or everything,
    fields a claim needs, phases already due, and (with a store) a 準拠 claim contradicted by the latest audit.
    `index` is the site's position in sites.yaml (for the field path)."""
    today = today or dt.date.today()
    pol, file = site.policy, site.source_file
    base = ("sites", index, "policy")
    try:
        doc = load_yaml(file)
    except Exception:
        doc = None
    issues: list[LintIssue] = []

    def add(sev, msg, sub: tuple):
        path = base + sub
        issues.append(LintIssue(sev, msg, file, doc.line(path) if doc else site.source_line, format_path(path)))

    classifier = ScopeClassifier(site)
    top = site.base_url + "/"
    for kind, rules in (("include", pol.include), ("exclude", pol.exclude)):
        for i, rule in enumerate(rules):
            sub = ("scope", kind, i)
            if rule.prefix is not None and "://" in rule.prefix:
                host = (urlsplit(rule.prefix).hostname or "").lower()
                if host not in classifier.hosts:
                    add("error", f"prefix {rule.prefix!r} is on host {host!r}, which is not part of the site "
                        f"({', '.join(sorted(classifier.hosts))}): the tool can never decide these URLs; add the "
                        "host to allowed_hosts or fix the prefix", sub + ("prefix",))
            if kind == "exclude" and rule.regex is not None and rule.regex.search(top) \
                    and rule.regex.search(top + "zz-any/page.html"):
                add("error", f"pattern {rule.pattern!r} matches every URL of the site, so the scope is empty",
                    sub + ("pattern",))
    if classifier.classify(top).status != IN_SCOPE:
        add("warning", f"the top page {top} is not in the scope", ("scope",))
    if pol.degree in ("一部準拠", "配慮") and pol.deadline is None:
        add("warning", f"degree {pol.degree} without a deadline (目標を達成する期限); WAIC asks for the date by which "
            "the target is met", ("degree",))
    if pol.deadline is not None and pol.deadline < today:
        add("warning", f"the deadline {pol.deadline} has passed", ("deadline",))
    if pol.degree in ("準拠", "一部準拠") and pol.statement_date is None:
        add("warning", "no statement_date (表明日, required by JB.3.1 for the test result)", ())
    if not pol.technologies:
        add("warning", "no technologies (依存したウェブコンテンツ技術, required by JB.3.1), e.g. [HTML, CSS, "
            "JavaScript]", ())
    if not pol.contact:
        add("warning", "no contact (問い合わせ先)", ())
    for i, phase in enumerate(pol.phases):
        if phase.date <= today:
            add("warning", f"phase {phase.name!r} was due on {phase.date}: move its rules into scope.include "
                "(the scope in force already counts them)", ("phases", i, "date"))
    if store is not None and pol.degree == "準拠":
        for msg in contradicted_claim(site, store):
            add("warning", msg, ("degree",))
    return issues


def contradicted_claim(site: Site, store) -> list[str]:
    """総務省 2024 「適切でない取組の例」: 準拠 published while the all-pages checker still finds A/AA failures on
    in-scope pages (WAIC test guideline: the whole scope is tested, sampled or not). Uses the site's latest finished run."""
    runs = [r for r in store.list_runs(site.id) if r["status"] == "finished"]
    if not runs:
        return []
    run = runs[-1]
    all_criteria, profiles = load_standards()
    profile, _ = parse_profile_spec(run["profile"], profiles)
    levels = {"A": {"A"}, "AA": {"A", "AA"}, "AAA": {"A", "AA", "AAA"}}[site.policy.level]
    wanted = {c.id for c in profile.criteria if c.level in levels} | set(site.policy.additional_criteria)
    in_scope = {p["id"]: p for p in store.run_pages(run["id"]) if p["scope"] == "in_scope" and p["state"] == "done"}
    bad_pages, per_sc = set(), {}
    for page_id, _rule, _outcome, criteria in not_passing_results(store, run["id"], ("failed",)):
        if page_id not in in_scope:
            continue
        for c in (x for x in (criteria or "").split(",") if x in wanted):
            bad_pages.add(page_id)
            per_sc.setdefault(c, set()).add(page_id)
    if not bad_pages:
        return []
    top = ", ".join(f"{c} ({len(v)})" for c, v in sorted(per_sc.items(), key=lambda kv: -len(kv[1]))[:5])
    msg = (f"the policy claims {site.policy.standard} level {site.policy.level} 準拠, but the latest audit (run "
           f"{run['id']}) found failures of level {site.policy.level} criteria on {len(bad_pages)} of "
           f"{len(in_scope)} in-scope pages (criteria: {top}). 総務省「みんなの公共サイト運用ガイドライン（2024年版）」"
           "lists a 準拠 claim with known A/AA problems as an improper practice (適切でない取組): fix the pages or "
           "change the degree to 一部準拠")
    return [msg]
