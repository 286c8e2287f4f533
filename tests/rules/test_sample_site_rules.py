"""Our Python rules on the sample site's HTML files, without a browser: every planted defect of a JP rule is
found (including the gov-style addon profile, which the default browser audit does not run), and no rule of a
standard profile fails a clean page. The browser test (tests/browser/test_sample_site.py) checks the same
through the real rendering for the default profile."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from a11yaudit.rules.context import CheckContext
from a11yaudit.rules.engine import run_rule
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.model import FAILED

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-site"
MANIFEST = yaml.safe_load((SAMPLE / "defects.yaml").read_text(encoding="utf-8"))
ORIGIN = MANIFEST["origin"]
RULES = load_rules()


def _context(page: str) -> CheckContext:
    path = SAMPLE / page.lstrip("/")
    if page.endswith("/"):
        path = path / "index.html"
    return CheckContext.from_html(path.read_text(encoding="utf-8"), url=ORIGIN + page)


JP_DEFECTS = [d for d in MANIFEST["defects"]
              if d["rule"].startswith("JP") and d.get("covered_by") in ("now", "gov-style")]


@pytest.mark.parametrize("defect", JP_DEFECTS, ids=[f"{d['rule']}{d['page']}" for d in JP_DEFECTS])
def test_planted_defect_is_found(defect):
    rule = RULES.get(defect["rule"])
    assert rule is not None, defect["rule"]
    if defect["covered_by"] == "gov-style":
        assert rule.profiles == ["gov-style"] and rule.requirements == []
    else:
        assert "jis2016" in rule.profiles
    if not set(rule.requires) <= {"dom", "page", "site"}:
        pytest.skip(f"{rule.code} needs facts measured in the browser; tests/browser/test_sample_site.py covers it")
    if "site" in rule.requires:
        result = _site_results(rule)[defect["page"]]
    else:
        result = run_rule(rule, _context(defect["page"]))
    assert result.error is None, result.error
    text = str(defect.get("text") or "").replace("　", "")
    hits = [f for f in result.findings if text in (f.snippet + f.message).replace("　", "")]
    assert hits, f"{defect['rule']} did not report {text!r} on {defect['page']}: {result.findings}"
    if defect.get("outcome"):
        assert any(f.outcome == defect["outcome"] for f in hits), hits


def _site_results(rule) -> dict:
    """A site rule over every HTML page of the sample site (title from the file), keyed by page path."""
    from a11yaudit.rules.site import evaluate_site

    pages = []
    for i, path in enumerate(sorted(SAMPLE.rglob("*.html")), start=1):
        rel = "/" + path.relative_to(SAMPLE).as_posix()
        rel = rel[: -len("index.html")] if rel.endswith("/index.html") else rel
        ctx = CheckContext.from_html(path.read_text(encoding="utf-8"))
        pages.append({"id": i, "url": ORIGIN + rel, "title": ctx.page["title"], "kind": "html", "state": "done"})
    results = evaluate_site(pages, RULES, "jis2016", "pc")
    by_id = {p["id"]: p["url"][len(ORIGIN):] for p in pages}
    return {by_id[pid]: next(r for r in res if r.rule == rule.code) for pid, res in results.items()}


@pytest.mark.parametrize("page", MANIFEST["clean"] + MANIFEST.get("later_only", []))
def test_clean_pages_have_no_failures_from_our_rules(page):
    ctx = _context(page)
    for profile in ("jis2016", "jis2010", "wcag22"):
        for rule in RULES.python_rules(profile):
            if not set(rule.requires) <= {"dom", "page"}:
                continue   # needs browser-only artifacts (e.g. keyboard walks): the browser test covers those
            result = run_rule(rule, ctx)
            assert result.error is None, (rule.code, result.error)
            failed = [f.selector for f in result.findings if f.outcome == FAILED]
            assert not failed, f"{page}: {rule.code} failed {failed}"


def test_gov_style_rules_are_an_addon_profile_only():
    from a11yaudit.rules.standards import load_standards

    _, profiles = load_standards()
    assert profiles["gov-style"].is_addon and not profiles["gov-style"].criteria
    gov = [r for r in RULES.rules if "gov-style" in r.profiles]
    assert {r.code for r in gov} >= {"JP12", "JP13", "JP14", "JP15"}
    assert all(r.profiles == ["gov-style"] and not r.requirements for r in gov)
    assert not any("gov-style" in r.profiles for r in RULES.python_rules("jis2016"))
