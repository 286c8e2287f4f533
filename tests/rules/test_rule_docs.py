"""docs/rules.md is generated from the rule definitions; this fails when someone changes a rule and forgets to
regenerate it (`a11yaudit rules docs -o docs/rules.md`)."""

from pathlib import Path

from a11yaudit.rules.docs import render_rules_markdown
from a11yaudit.rules.loader import load_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rule_docs_match_definitions():
    rs = load_rules()
    text = render_rules_markdown(rs)
    assert DOCS.exists(), "docs/rules.md is missing: run `a11yaudit rules docs -o docs/rules.md`"
    assert DOCS.read_text(encoding="utf-8") == text, "docs/rules.md is stale: run `a11yaudit rules docs -o docs/rules.md`"
    for rule in rs.rules:
        if rule.engine == "python":
            assert f"## {rule.code}" in text and rule.title["ja"] in text
