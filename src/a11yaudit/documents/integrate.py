"""Bridges to the rest of a11yaudit, for whoever wires documents into the audit, the store, the report and the gate:
the outcomes of a DocumentResult as the RuleResult/Finding rows that pages already produce (rules/model.py)."""

from __future__ import annotations

from ..rules.loader import RuleSet, load_rules, profile_ids
from ..rules.model import CANT_TELL, ERROR, FAILED, PASSED, Finding, RuleResult, worst
from .model import DocumentResult
from .registry import DOCUMENT_CHECKS

DOCUMENT_VIEWPORT = "document"


def document_rules(ruleset: RuleSet | None = None, profile=None, kind: str | None = None) -> list:
    """The document rules (engine 'document') of a profile spec, optionally only those that judge `kind` (pdf,
    docx, xlsx, pptx)."""
    rs = ruleset or load_rules()
    wanted = profile_ids(profile) if profile else None
    return [r for r in rs.rules if r.engine == "document" and r.enabled
            and (wanted is None or wanted & set(r.profiles))
            and (kind is None or kind in DOCUMENT_CHECKS.get(r.check, ()))]


def rule_results(result: DocumentResult, *, profile=None, ruleset: RuleSet | None = None,
                 viewport: str = DOCUMENT_VIEWPORT) -> list[RuleResult]:
    """One RuleResult per document rule of the profile that judges this kind of file: failed and cantTell outcomes
    become findings (selector = the location such as "p. 3", snippet = ""), passes are counted. A document that
    could not be checked (error_kind) gives outcome `error` for each rule, with the reason."""
    rs = ruleset or load_rules()
    rules = document_rules(rs, profile, result.kind if result.kind in ("pdf", "docx", "xlsx", "pptx") else None)
    if result.error_kind:
        if result.kind not in ("pdf", "docx", "xlsx", "pptx"):
            return []         # not a document we check at all (legacy Office, not a document): nothing to report
        return [RuleResult(r.code, viewport, ERROR, list(r.requirements),
                           error=f"{result.error_kind}: {result.error}") for r in rules]
    by_rule: dict = {}
    for o in result.outcomes:
        by_rule.setdefault(o.rule, []).append(o)
    out = []
    for r in rules:
        outcomes = by_rule.get(r.code)
        if not outcomes:
            continue
        findings = [Finding(rule=r.code, viewport=viewport, outcome=o.outcome, selector=o.location or "document",
                            snippet="", message=o.message, message_en=o.message_en, criteria=list(r.requirements))
                    for o in outcomes if o.outcome in (FAILED, CANT_TELL)]
        out.append(RuleResult(r.code, viewport, worst(o.outcome for o in outcomes), list(r.requirements), findings,
                              n_passed=sum(1 for o in outcomes if o.outcome == PASSED)))
    return out
