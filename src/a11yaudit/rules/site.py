"""Site-level rules: judgements that need every page of a run (duplicate titles across the site). They run once
after the crawl, on the stored pages, and their results are stored against each page like any other rule's."""

from __future__ import annotations

from .engine import messages
from .model import CANT_TELL, FAILED, INAPPLICABLE, PASSED, Finding, RuleResult
from .registry import all_checks

SITE = "site"


class SiteContext:
    """The audited pages of one run: dicts with at least id, url, title, scope, state, kind."""

    def __init__(self, pages: list[dict]):
        self.pages = [p for p in pages if p.get("kind", "html") == "html" and p.get("state", "done") == "done"]


def site_rules(ruleset, profile) -> list:
    return [r for r in ruleset.python_rules(profile) if SITE in r.requires]


def evaluate_site(pages: list[dict], ruleset, profile, viewport: str) -> dict[int, list[RuleResult]]:
    """Results per page id for every site rule of the profile. A check yields (page, Verdict) pairs; pages that
    the rule looked at without objection get `passed`."""
    ctx = SiteContext(pages)
    out: dict[int, list[RuleResult]] = {}
    for rule in site_rules(ruleset, profile):
        fn = all_checks()[rule.check]
        by_page: dict[int, RuleResult] = {}
        for page, verdict in fn(ctx, rule):
            res = by_page.get(page["id"])
            if res is None:
                res = by_page[page["id"]] = RuleResult(rule.code, viewport, INAPPLICABLE, list(rule.requirements))
            if verdict.outcome == PASSED:
                res.n_passed += 1
                if res.outcome == INAPPLICABLE:
                    res.outcome = PASSED
                continue
            ja, en = messages(rule, verdict.details)
            res.findings.append(Finding(rule=rule.code, viewport=viewport, outcome=verdict.outcome,
                                        selector=verdict.details.get("selector", "title"),
                                        snippet=str(verdict.details.get("snippet", ""))[:300],
                                        message=ja, message_en=en, criteria=list(rule.requirements)))
            if verdict.outcome == FAILED or (verdict.outcome == CANT_TELL and res.outcome != FAILED):
                res.outcome = verdict.outcome
        for page_id, res in by_page.items():
            out.setdefault(page_id, []).append(res)
    return out
