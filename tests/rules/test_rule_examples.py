"""Every rule's pass/fail examples (kept with the rule in rules/checks/*.yaml) run as tests."""

import re

import pytest

from a11yaudit.rules.context import CheckContext
from a11yaudit.rules.engine import run_rule
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.model import CANT_TELL, FAILED

RULES = [r for r in load_rules().rules if r.engine == "python"]
UNFILLED = re.compile(r"\{[a-z_]+\}")
CASES = [(r, i, ex) for r in RULES for i, ex in enumerate(r.examples)]


def test_rule_set_loads_with_our_rules_and_axe():
    rs = load_rules()
    codes = {r.code for r in rs.rules}
    assert {"JP01", "JP02", "JP03"} <= codes
    assert "axe:image-alt" in codes and rs.get("axe:image-alt").requirements == ["1.1.1"]
    assert rs.axe_version == "4.12.1"
    assert all(r.examples for r in RULES)


def _site_example(rule, example):
    from a11yaudit.rules.site import SiteContext
    from a11yaudit.rules.registry import all_checks
    got = {"failed": set(), "cantTell": set(), "passed": set()}
    for page, verdict in all_checks()[rule.check](SiteContext(example["pages"]), rule):
        got[verdict.outcome].add(page["url"])
    for key in ("failed", "cantTell", "passed"):
        if key in example:
            assert got[key] == set(example[key]), f"{key}: expected {example[key]}, got {sorted(got[key])}"


@pytest.mark.parametrize("rule,index,example", CASES, ids=[f"{r.code}-{i}" for r, i, _ in CASES])
def test_rule_example(rule, index, example):
    if "site" in rule.requires:
        _site_example(rule, example)
        return
    ctx = CheckContext.from_html(example["html"], extra=example.get("artifacts"))
    where = ctx
    if "peer" in example:       # cross-viewport rules: the PC rendering; expected elements are PC elements
        where = CheckContext.from_html(example["peer"])
        ctx.peer = where.artifacts
    result = run_rule(rule, ctx)
    assert result.error is None, result.error
    for outcome, key in ((FAILED, "failed"), (CANT_TELL, "cantTell")):
        expected = example.get(key)
        if expected is None:
            continue
        got_nids = sorted(f.nid for f in result.findings if f.outcome == outcome)
        want_nids = sorted(int(el["data-a11y-nid"]) for sel in expected for el in where.soup.select(sel))
        assert got_nids == want_nids, f"{key}: expected {expected} in {example['html']!r}, got {result.findings}"
    if "outcome" in example:
        assert result.outcome == example["outcome"]
    for f in result.findings:       # both languages' messages are filled in from the verdict's details
        assert f.message_en, f"{rule.code}: no English message"
        for text in (f.message, f.message_en):
            assert not UNFILLED.search(text), f"{rule.code}: placeholder left in {text!r}"
