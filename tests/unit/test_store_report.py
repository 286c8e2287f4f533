"""rules → store → report without a browser, from artifacts of real Chromium output committed as fixtures."""

import json
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from a11yaudit.audit import AuditOptions, reevaluate_artifacts
from a11yaudit.config import load_sites
from a11yaudit.report.html import render_html, write_report
from a11yaudit.report.model import build_report
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.model import FAILED, Finding, RuleResult
from a11yaudit.store.db import Store, fingerprint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "artifacts" / "sample"


@pytest.fixture
def site(root):
    return load_sites(root / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]


def _options(tmp_path):
    return AuditOptions(profile="jis2016", viewports=["pc", "sp"], artifacts_root=tmp_path / "art", quiet=True)


def test_migrations_create_the_schema_once(db_url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from a11yaudit.store.db import MIGRATIONS
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    store = Store(db_url)
    assert store.revision() == ScriptDirectory.from_config(cfg).get_current_head()
    Store(db_url)            # opening again is a no-op upgrade
    assert store.list_runs() == []


def test_from_artifacts_round_trip(site, db_url, tmp_path):
    store = Store(db_url)
    ruleset = load_rules()
    run_a = reevaluate_artifacts(site, store, ruleset, _options(tmp_path), FIXTURES)
    run_b = reevaluate_artifacts(site, store, ruleset, _options(tmp_path), FIXTURES)
    run = store.get_run(run_a)
    assert run["status"] == "finished" and run["source"] == "artifacts" and run["axe_version"] == "4.12.1"
    pages = store.run_pages(run_a)
    n_pages = len({p.parent.name for p in FIXTURES.glob("*/*.json.gz")})
    assert len(pages) == n_pages and all(p["state"] == "done" for p in pages)
    results = store.run_results(run_a)
    # One row per page × viewport × rule, passes included.
    assert {r["outcome"] for r in results} >= {"passed", "failed", "inapplicable"}
    keys = [(r["page_id"], r["viewport"], r["rule"]) for r in results]
    assert len(keys) == len(set(keys))
    findings = store.run_findings(run_a)
    assert {"JP01", "JP02", "JP03"} <= {f["rule"] for f in findings}
    # Fingerprints are stable across runs over the same content.
    fps = lambda run_id: sorted(f["fingerprint"] for f in store.run_findings(run_id))  # noqa: E731
    assert fps(run_a) == fps(run_b) and len(fps(run_a)) == len(findings)

    path = write_report(store, run_a, ruleset, tmp_path / "reports")
    html = path.read_text(encoding="utf-8")
    assert path == tmp_path / "reports" / "sample" / str(run_a) / "index.html"
    assert "達成基準チェックリスト" in html and "自動チェックの結果だけで" in html
    view = build_report(store, run_a, ruleset)
    assert len(view["checklist"]) == 38
    assert not any("適合" == row["label"] for row in view["checklist"])   # never claims conformance
    summary = json.loads((path.parent / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["audited"] == n_pages


def test_report_escapes_hostile_page_content(site, db_url, tmp_path):
    store = Store(db_url)
    ruleset = load_rules()
    run_id = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="4.12.1", tool_version="t",
                              source="crawl", artifacts_dir=None, config={"policy": {"level": "AA"}})
    payload = '"><img src=x onerror=alert(1)><script>alert(2)</script></textarea>'
    store.enqueue(run_id, [{"url": "http://sample.invalid/x/?q=<script>", "kind": "html", "doc_type": None,
                            "depth": 0, "found_via": "start", "referrer": None, "scope": "in_scope",
                            "scope_reason": payload, "state": "queued", "skip_reason": None}])
    page_id = store.queued(run_id)[0]["id"]
    finding = Finding(rule="JP02", viewport="pc", outcome=FAILED, selector=payload, snippet=payload,
                      message=payload, criteria=["1.1.1"])
    store.record_page(run_id, site.id, page_id, "/x/", {"state": "done", "title": payload},
                      [RuleResult("JP02", "pc", FAILED, ["1.1.1"], [finding])], [])
    html = render_html(build_report(store, run_id, ruleset))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_record_page_is_all_or_nothing(site, db_url):
    store = Store(db_url)
    run_id = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="t",
                              source="crawl", artifacts_dir=None, config={})
    store.enqueue(run_id, [{"url": "http://sample.invalid/", "kind": "html", "doc_type": None, "depth": 0,
                            "found_via": "start", "referrer": None, "scope": "in_scope", "scope_reason": "",
                            "state": "queued", "skip_reason": None}])
    page_id = store.queued(run_id)[0]["id"]
    good = RuleResult("JP01", "pc", "passed", ["1.3.2"], n_passed=1)
    bad = RuleResult("JP02", "pc", None, ["1.1.1"])       # NOT NULL violation half-way through
    new_link = {"url": "http://sample.invalid/a/", "kind": "html", "doc_type": None, "depth": 1, "found_via": "link",
                "referrer": None, "scope": "in_scope", "scope_reason": "", "state": "queued", "skip_reason": None}
    with pytest.raises(IntegrityError):
        store.record_page(run_id, site.id, page_id, "/", {"state": "done"}, [good, bad], [new_link])
    assert store.run_results(run_id) == []
    assert [p["state"] for p in store.run_pages(run_id)] == ["queued"]     # still to do; nothing half-written


def test_fingerprint_ignores_whitespace_and_case_but_not_identity():
    a = fingerprint("s", "/a/", "pc", "JP01", "main > TH:nth-of-type(2)")
    assert a == fingerprint("s", "/a/", "pc", "JP01", " main >  th:nth-of-type(2) ")
    assert a != fingerprint("s", "/a/", "sp", "JP01", "main > th:nth-of-type(2)")
    assert a != fingerprint("s", "/b/", "pc", "JP01", "main > th:nth-of-type(2)")
