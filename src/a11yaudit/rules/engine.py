"""The engine: runs rules on the artifacts of one page × viewport, isolating each rule's errors."""

from __future__ import annotations

import logging
import traceback

from .axe import axe_results
from .context import CheckContext
from .loader import RuleSet, profile_ids
from .model import CANT_TELL, ERROR, FAILED, INAPPLICABLE, PASSED, Finding, Rule, RuleResult
from .registry import all_checks

log = logging.getLogger(__name__)


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _message(rule: Rule, details: dict, lang: str = "ja", strict: bool = False) -> str | None:
    """The rule's message, or the message of the verdict's variant (message: {variants: {name: {ja, en}}}).
    `strict`: None when the rule has no message in `lang` (instead of the Japanese one)."""
    messages = rule.message
    variant = details.get("variant")
    if variant and isinstance(messages.get("variants"), dict) and variant in messages["variants"]:
        messages = messages["variants"][variant]
    if strict and not messages.get(lang):
        return None
    template = messages.get(lang) or messages.get("ja") or rule.title.get(lang, "")
    if lang != "ja" and messages.get(lang):
        # A detail written in Japanese by the check (a reason, an axis) has its English wording under "<key>_en":
        # the English message's {key} takes that one.
        suffix = "_" + lang
        details = {**details, **{k[:-len(suffix)]: v for k, v in details.items() if k.endswith(suffix)}}
    try:
        return template.format_map(_SafeDict(details))
    except (ValueError, IndexError):
        return template


def messages(rule: Rule, details: dict) -> tuple[str, str | None]:
    """A verdict's message in Japanese and in English (None when the rule has no English message), as stored."""
    return _message(rule, details), _message(rule, details, "en", strict=True)


def run_rule(rule: Rule, ctx: CheckContext) -> RuleResult:
    """Run one of our Python rules; an exception or a missing artifact gives outcome `error`."""
    # "name?" marks an optional artifact: gathered when possible (e.g. document sizes during a site audit), and the
    # check copes without it.
    # "peer": the PC rendering of the same page (cross-viewport rules); without one (a single-viewport audit) the
    # rule does not apply.
    if "peer" in rule.requires and ctx.peer is None:
        return RuleResult(rule.code, ctx.viewport, INAPPLICABLE, list(rule.requirements))
    missing = [a for a in rule.requires if not a.endswith("?") and a != "peer"
               and (a not in ctx.artifacts or ctx.artifacts[a] is None)]
    if missing:
        return RuleResult(rule.code, ctx.viewport, ERROR, list(rule.requirements),
                          error=f"missing artifact: {', '.join(missing)}")
    fn = all_checks()[rule.check]
    try:
        verdicts = list(fn(ctx, rule))
    except Exception as exc:  # noqa: BLE001 — one rule's failure must never stop the run
        log.warning("rule %s failed on %s: %s", rule.code, ctx.url, exc)
        return RuleResult(rule.code, ctx.viewport, ERROR, list(rule.requirements),
                          error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"[:2000])
    findings, n_passed, seen = [], 0, set()
    for v in verdicts:
        if v.outcome == PASSED:
            n_passed += 1
            continue
        if v.outcome not in (FAILED, CANT_TELL):
            continue
        el = v.element
        if el is None:
            selector, snippet, nid = "html", "", None
        else:
            selector, snippet, nid = ctx.selector_for(el), ctx.snippet(el), el.get("data-a11y-nid")
        key = (selector, v.outcome)
        if key in seen:
            continue
        seen.add(key)
        ja, en = messages(rule, v.details)
        findings.append(Finding(rule=rule.code, viewport=ctx.viewport, outcome=v.outcome, selector=selector,
                                snippet=snippet, message=ja, message_en=en,
                                nid=int(nid) if nid else None, criteria=list(rule.requirements)))
    if any(f.outcome == FAILED for f in findings):
        outcome = FAILED
    elif findings:
        outcome = CANT_TELL
    elif n_passed:
        outcome = PASSED
    else:
        outcome = INAPPLICABLE
    return RuleResult(rule.code, ctx.viewport, outcome, list(rule.requirements), findings, n_passed)


def evaluate(artifacts: dict, viewport: str, ruleset: RuleSet, profile: str, url: str = "",
             peer: dict | None = None) -> list[RuleResult]:
    """All rule results for one page × viewport: axe-core's (from the axe artifact) and ours. `peer`: the artifacts
    of the PC rendering of the same page, for rules comparing the two (requires: [peer])."""
    ctx = CheckContext(artifacts, viewport, url)
    ctx.peer = peer
    wanted = profile_ids(profile)
    results = []
    axe = _settle_contrast(artifacts.get("axe"), artifacts.get("pixels"), ruleset, profile)
    for res in axe_results(axe, viewport, ruleset):
        rule = ruleset.get(res.rule)
        if rule is None or wanted & set(rule.profiles):     # duplicate-id: the JIS profiles only (4.1.1)
            results.append(res)
    for rule in ruleset.python_rules(profile):
        if rule.applies_to(viewport) and "site" not in rule.requires:
            results.append(run_rule(rule, ctx))
    return results


def _settle_contrast(axe: dict | None, pixels: list | None, ruleset: RuleSet, profile: str) -> dict | None:
    """axe-core's undecided colour-contrast nodes that are settled are not reported again as candidates (one problem,
    reported once): those CT01 decided from the pixels of this rendering, and short texts (one character: 「税」,
    「»」) whose colours axe did compute and found sufficient — whether or not they are text, nothing fails."""
    ct01 = ruleset.get("CT01")
    if not axe or ct01 is None or not (profile_ids(profile) & set(ct01.profiles)):
        return axe
    from ..checks.contrast import settled_contrast_nodes
    axe_rules = ct01.options.get("axe_rules") or ["color-contrast"]
    settled = settled_contrast_nodes(pixels, ct01.options, axe_rules)
    incomplete = []
    for item in axe.get("incomplete") or []:
        if item.get("id") in axe_rules:
            nodes = []
            for node in item.get("nodes") or []:
                target = node.get("target") or []
                key = target[0] if len(target) == 1 and isinstance(target[0], str) else None
                data = node.get("data") or {}
                if _short_text_enough(data):
                    continue
                hit = settled.get(key)
                if hit is not None and hit[1:] == (data.get("fgColor"), data.get("fontSize"), data.get("fontWeight"),
                                                  data.get("messageKey")):
                    continue
                nodes.append(node)
            if not nodes:
                continue
            item = {**item, "nodes": nodes}
        incomplete.append(item)
    return {**axe, "incomplete": incomplete}


def _short_text_enough(data: dict) -> bool:
    if data.get("messageKey") not in ("shortTextContent", "nonBmp"):
        return False
    try:
        ratio = float(data.get("contrastRatio"))
        needed = float(str(data.get("expectedContrastRatio") or "4.5:1").split(":")[0])
    except (TypeError, ValueError):
        return False
    return ratio > 0 and ratio >= needed
