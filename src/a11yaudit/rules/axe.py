"""axe-core adapter: the axe artifact → RuleResults, mapped to success criteria through axe's wcagNNN tags."""

from __future__ import annotations

from .model import CANT_TELL, ERROR, FAILED, INAPPLICABLE, PASSED, Finding, RuleResult
from .standards import sc_from_axe_tag, sort_criteria


def _criteria(tags) -> list[str]:
    return sort_criteria(sc for sc in (sc_from_axe_tag(t) for t in tags or []) if sc)


def _target(node: dict) -> str:
    target = node.get("target") or []
    parts = [t if isinstance(t, str) else " >>> ".join(map(str, t)) for t in target]
    return " / ".join(parts) or "html"


def axe_results(axe: dict | None, viewport: str, ruleset=None) -> list[RuleResult]:
    if not axe:
        return [RuleResult("axe:run", viewport, ERROR, error="axe artifact missing")]
    if axe.get("error"):
        return [RuleResult("axe:run", viewport, ERROR, error=str(axe["error"])[:2000])]
    by_rule: dict[str, RuleResult] = {}

    def result_for(item: dict, outcome: str) -> RuleResult:
        code = f"axe:{item['id']}"
        res = by_rule.get(code)
        if res is None:
            res = by_rule[code] = RuleResult(code, viewport, outcome, _criteria(item.get("tags")))
        return res

    for outcome_key, outcome in (("violations", FAILED), ("incomplete", CANT_TELL)):
        for item in axe.get(outcome_key) or []:
            res = result_for(item, outcome)
            if outcome == FAILED:
                res.outcome = FAILED
            for node in item.get("nodes") or []:
                message = (node.get("summary") or item.get("help") or "").strip()
                res.findings.append(Finding(rule=res.rule, viewport=viewport, outcome=outcome,
                                            selector=_target(node), snippet=(node.get("html") or "")[:300],
                                            message=message[:1000],
                                            message_en=(node.get("summary_en") or "").strip()[:1000] or None,
                                            nid=node.get("nid"),
                                            criteria=res.criteria))
    for item in axe.get("passes") or []:
        res = result_for(item, PASSED)
        res.n_passed += int(item.get("count") or 0)
    for item in axe.get("inapplicable") or []:
        result_for(item, INAPPLICABLE)
    return list(by_rule.values())
