"""rules → store → report without a browser, from artifacts of real Chromium output committed as fixtures."""

import json
import sys
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reportlinks import links_resolve  # noqa: E402

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
    # The same in every file of a split report, in both languages (page files, URL list).
    store.enqueue(run_id, [{"url": "http://sample.invalid/y/", "kind": "html", "doc_type": None, "depth": 0,
                            "found_via": "start", "referrer": None, "scope": "in_scope", "scope_reason": "",
                            "state": "queued", "skip_reason": None}])
    store.record_page(run_id, site.id, store.queued(run_id)[0]["id"], "/y/", {"state": "done", "title": "y"}, [], [])
    for lang in ("ja", "en"):
        out = write_report(store, run_id, ruleset, tmp_path / lang, pages_per_file=1, lang=lang).parent
        files = sorted(out.glob("*.html"))
        assert [f.name for f in files] == ["index.html", "pages-001.html", "pages-002.html", "urls.html"]
        for f in files:
            text = f.read_text(encoding="utf-8")
            assert "<script>alert" not in text and "<img src=x" not in text, f
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in (out / "pages-001.html").read_text(encoding="utf-8")


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


def _store_with_template_problem(site, db_url, n_pages=7):
    """n pages sharing a header problem (same rule, target, markup, message) and one page with its own problem."""
    store = Store(db_url)
    run_id = store.create_run(site, profile="jis2016", viewports=["pc", "sp"], axe_version="4.12.1",
                              tool_version="t", source="crawl", artifacts_dir=None, config={"policy": {"level": "AA"}})
    urls = [f"http://sample.invalid/p{i}.html" for i in range(n_pages)]
    store.enqueue(run_id, [{"url": u, "kind": "html", "doc_type": None, "depth": 1, "found_via": "link",
                            "referrer": None, "scope": "in_scope", "scope_reason": "", "state": "queued",
                            "skip_reason": None} for u in urls])
    header = dict(rule="JP02", outcome=FAILED, selector="header > img", snippet='<img src="/logo.png">',
                  message="画像に代替テキストがない", criteria=["1.1.1"])
    for row in store.queued(run_id):
        findings = [Finding(viewport=vp, **header) for vp in ("pc", "sp")]
        if row["url"].endswith("/p3.html"):
            findings.append(Finding(rule="JP01", viewport="pc", outcome=FAILED, selector="main > p:nth-child(2)",
                                    snippet="<p>氏　名</p>", message="空白で字間を調整している", criteria=["1.3.2"]))
        results = [RuleResult("JP02", vp, FAILED, ["1.1.1"], [f for f in findings if f.rule == "JP02"
                                                              and f.viewport == vp]) for vp in ("pc", "sp")]
        own = [f for f in findings if f.rule == "JP01"]
        results += [RuleResult("JP01", "pc", FAILED if own else "passed", ["1.3.2"], own)]
        store.record_page(run_id, site.id, row["id"], row["url"][len("http://sample.invalid"):],
                          {"state": "done", "title": "ページ" + row["url"][-7:-5]}, results, [])
    return store, run_id, urls


def test_problem_of_a_shared_part_is_reported_once(site, db_url):
    store, run_id, urls = _store_with_template_problem(site, db_url)
    view = build_report(store, run_id, load_rules())
    assert [(g["rule"], g["pages"], g["viewports"]) for g in view["common"]] == [("JP02", 7, ["PC", "スマートフォン"])]
    pages = {p["url"]: p for p in view["pages"]}
    # Every page points at it instead of repeating it; the page-specific problem stays on its page.
    assert all(p["common"] == [1] and p["failed"] == (3 if u.endswith("/p3.html") else 2) for u, p in pages.items())
    assert [[f["rule"] for f in p["findings"]] for p in pages.values()] == [[], [], [], ["JP01"], [], [], []]
    assert {r["rule"]: (r["failed"], r["pages"]) for r in view["rule_summary"]} == {"JP02": (14, 7), "JP01": (1, 1)}
    html = render_html(view)
    assert html.count('<img src="/logo.png">') == 0 and html.count("&lt;img src=&#34;/logo.png&#34;&gt;") == 1
    assert html.count('href="#common-1"') == 7


def test_large_run_report_is_split_into_page_files(site, db_url, tmp_path):
    store, run_id, urls = _store_with_template_problem(site, db_url)
    out = write_report(store, run_id, load_rules(), tmp_path / "r", pages_per_file=3).parent
    assert sorted(f.name for f in out.glob("*.html")) == ["index.html", "pages-001.html", "pages-002.html",
                                                          "pages-003.html", "urls.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "pages-003.html" in index and "p3.html" in index          # p3 is in the index's worst-pages list
    assert 'href="pages-002.html#page-' in index                      # …linked into its page file
    part = (out / "pages-002.html").read_text(encoding="utf-8")
    assert all(u in part for u in urls[3:6]) and urls[0] not in part and 'href="index.html#common-1"' in part
    assert all(u in (out / "urls.html").read_text(encoding="utf-8") for u in urls)
    assert links_resolve(out) > 30
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["files"][-1] == "urls.html" and summary["common_problems"] == 1
    assert summary["common"] == [{"number": 1, "rule": "JP02", "outcome": "failed", "criteria": ["1.1.1"],
                                  "selector": "header > img", "pages": 7, "in_scope_pages": 7}]
    assert {r["rule"]: (r["failed"], r["pages"]) for r in summary["rules"]} == {"JP02": (14, 7), "JP01": (1, 1)}
    # Re-rendered with room for every page: one file again, no stale page files left behind.
    write_report(store, run_id, load_rules(), tmp_path / "r")
    assert [f.name for f in out.glob("*.html")] == ["index.html"] and links_resolve(out) > 10
    assert (out / "index.html").stat().st_mode & 0o044 == 0o044       # readable by others (umask 022)
