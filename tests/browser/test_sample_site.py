"""The whole path on the bundled sample site: planted defects are found, clean pages stay clean."""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ORIGIN = "http://sample.invalid"
SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "sample-site"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _by_page(sample_audit):
    store, run = sample_audit["store"], sample_audit["run"]
    pages = {p["url"][len(ORIGIN):]: p for p in store.run_pages(run["id"])}
    findings = defaultdict(list)
    by_id = {p["id"]: path for path, p in pages.items()}
    for f in store.run_findings(run["id"]):
        findings[by_id[f["page_id"]]].append(f)
    return pages, findings


def test_run_is_recorded_with_versions(sample_audit):
    run = sample_audit["run"]
    assert run["status"] == "finished" and run["axe_version"] == "4.12.1" and run["browser_version"]
    assert sample_audit["report"].exists()
    assert "ページ/分" in sample_audit["stderr"]          # progress goes to stderr


def test_every_planted_defect_is_reported(sample_audit, manifest):
    pages, findings = _by_page(sample_audit)
    missing = []
    for d in manifest["defects"]:
        if d.get("covered_by") != "now":
            continue
        for vp in d.get("viewports") or ["pc", "sp"]:
            hits = [f for f in findings[d["page"]] if f["rule"] == d["rule"] and f["viewport"] == vp]
            if d["rule"].startswith("JP") and d.get("text"):
                hits = [f for f in hits if d["text"].replace("　", "") in (f["snippet"] + f["message"]).replace("　", "")]
            if not hits:
                missing.append((d["page"], d["rule"], vp, d.get("text")))
    assert not missing, f"planted defects not reported: {missing}"


def test_clean_pages_have_no_failures(sample_audit, manifest):
    pages, findings = _by_page(sample_audit)
    for path in manifest["clean"]:
        assert path in pages, f"clean page {path} was not discovered"
        assert pages[path]["state"] == "done", (path, pages[path]["error"])
        failed = [(f["rule"], f["viewport"], f["selector"]) for f in findings[path] if f["outcome"] == "failed"]
        assert not failed, f"{path}: {failed}"


def test_discovery_and_scope(sample_audit, manifest):
    pages, _ = _by_page(sample_audit)
    for path in manifest.get("not_crawled", []):
        assert pages[path]["state"] == "skipped" and pages[path]["skip_reason"] == "robots"
    for path in manifest.get("orphans", []):
        assert pages[path]["state"] == "done" and pages[path]["found_via"] == "sitemap"
    # Same-site PDF / Office files are fetched and checked (issue 17): a pages row of kind document with its
    # rule results (viewport "document") and a documents row with its type, size and hash.
    from a11yaudit.docaudit import run_documents
    docs = {d["url"][len(ORIGIN):]: d for d in run_documents(sample_audit["store"], sample_audit["run"]["id"])}
    for path in manifest.get("documents", []):
        assert pages[path]["kind"] == "document" and pages[path]["state"] == "done", (path, pages[path]["error"])
        assert docs[path]["kind"] == path.rsplit(".", 1)[1] and docs[path]["size"] > 0 and docs[path]["sha256"]
    archive = [p for path, p in pages.items() if path.startswith("/archive/") and p["kind"] == "html"]
    assert archive and all(p["scope"] == "excluded" and "2015年以前" in p["scope_reason"] for p in archive)
    external = [p for p in pages.values() if not p["url"].startswith(ORIGIN)]
    assert external and all(p["state"] == "skipped" and p["skip_reason"] == "other_host" for p in external)
    # Canonicalisation: no fragments, no tracking parameters, no index.html duplicates.
    assert not any("#" in u or "utm_" in u or u.endswith("/index.html") for u in pages)
    assert len([p for p in pages.values() if p["kind"] == "html" and p["state"] == "done"]) >= 30


def test_rerun_from_artifacts_reproduces_findings(sample_audit, cli):
    store, run = sample_audit["store"], sample_audit["run"]
    proc = cli("--db", sample_audit["db"], "audit", "sample", "--from-artifacts", run["artifacts_dir"],
                   "--reports-dir", str(sample_audit["tmp"] / "reports2"), "--quiet")
    assert proc.stdout.strip().endswith("index.html")
    again = store.list_runs("sample")[-1]
    assert again["source"] == "artifacts" and again["id"] != run["id"]
    # Documents are checked from the files, not from page artifacts: only the pages' findings are re-evaluated.
    fps = lambda rid: sorted(f["fingerprint"] for f in store.run_findings(rid)  # noqa: E731
                             if f["viewport"] != "document")
    assert fps(again["id"]) == fps(run["id"])


def test_report_command_rerenders_from_the_database(sample_audit, cli):
    proc = cli("--db", sample_audit["db"], "report", "sample", "--run", str(sample_audit["run"]["id"]),
                   "--reports-dir", str(sample_audit["tmp"] / "reports3"), "--pages-per-file", "20")
    html = open(proc.stdout.strip(), encoding="utf-8").read()
    assert "達成基準チェックリスト" in html and "1.3.2" in html
    assert (Path(proc.stdout.strip()).parent / "pages-002.html").is_file() and 'href="pages-002.html"' in html


def test_report_itself_passes_axe(sample_audit, axe_violations):
    report = sample_audit["report"]
    problems = axe_violations(report.parent, [report.name])
    assert not problems, json.dumps(problems, ensure_ascii=False)


def test_split_report_passes_axe_and_its_links_resolve(sample_audit, axe_violations, tmp_path):
    """A run too large for one file (here: more than 10 pages) gets page files and a URL list; all of them are
    accessible and every link between them lands on an existing file and anchor."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from reportlinks import links_resolve

    from a11yaudit.report.html import write_report
    from a11yaudit.rules.loader import load_rules
    out = write_report(sample_audit["store"], sample_audit["run"]["id"], load_rules(), tmp_path / "split",
                       pages_per_file=10).parent
    parts = sorted(f.name for f in out.glob("pages-*.html"))
    assert len(parts) >= 3 and (out / "urls.html").is_file()
    assert links_resolve(out) > 50
    en = write_report(sample_audit["store"], sample_audit["run"]["id"], load_rules(), tmp_path / "split-en",
                      pages_per_file=10, lang="en")
    (out / "en.html").write_bytes(en.read_bytes())        # the English index next to the Japanese files
    # test_report_itself_passes_axe checks the whole one-file index; here the templates only a split report uses.
    problems = axe_violations(out, [parts[0], "urls.html", "en.html"])
    assert not problems, json.dumps(problems, ensure_ascii=False)


def test_findings_are_stored_in_japanese_and_english(sample_audit, tmp_path):
    """Every finding keeps its Japanese message and an English one (our rules' message.en; axe-core's summary built
    from its English templates in the same run), and an English report shows the English ones."""
    from a11yaudit.report.html import write_report
    from a11yaudit.rules.loader import load_rules
    store, run_id = sample_audit["store"], sample_audit["run"]["id"]
    findings = store.run_findings(run_id)
    assert findings and all(f["message_en"] for f in findings), [f for f in findings if not f["message_en"]][:3]
    axe = [f for f in findings if f["rule"].startswith("axe:")]
    assert len(axe) > 20 and all(f["message_en"].startswith("Fix ") for f in axe)
    assert all(JAPANESE.search(f["message"]) for f in axe)
    ours = [f for f in findings if not f["rule"].startswith("axe:")]
    assert len(ours) > 20 and sum(1 for f in ours if f["message"] != f["message_en"]) == len(ours)
    out = write_report(store, run_id, load_rules(), tmp_path / "en", pages_per_file=1000, lang="en")
    html = out.read_text(encoding="utf-8")
    contrast = next(f for f in axe if f["rule"] == "axe:color-contrast")
    assert contrast["message_en"].split("\n")[1].strip() in html          # e.g. "Element has insufficient …"
    assert contrast["message"].split("\n")[0] not in html


@pytest.mark.parametrize("bad", ["version: 1\nsites: []\n", "version: 1\nsites:\n  - id: Bad Id\n"])
def test_bad_config_exits_2_with_location(tmp_path, bad, cli):
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(bad, encoding="utf-8")
    proc = cli("--config", str(cfg), "audit", check=False)
    assert proc.returncode == 2 and f"{cfg}:" in proc.stderr and "sites" in proc.stderr


def test_generated_documents_get_their_expected_outcomes(sample_audit):
    """The sample site's 資料室 (/kensei/yosan/ → /docs/generated/) links the 30 documents made by
    scripts/sample_documents_site.py: each is fetched and checked in the site audit with its expected outcomes, and
    is outside the policy's scope (PDF and Office files are 例外事項 there) but audited."""
    from a11yaudit.docaudit import run_documents
    folder = SAMPLE_SITE / "docs" / "generated" / "files"
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    store, run = sample_audit["store"], sample_audit["run"]
    docs = {d["url"]: d for d in run_documents(store, run["id"])}
    outcomes: dict = {}
    for r in store.run_results(run["id"]):
        if r["viewport"] == "document":
            outcomes.setdefault(r["page_id"], {})[r["rule"]] = r["outcome"]
    for name, want in expected.items():
        d = docs[f"{ORIGIN}/docs/generated/files/{name}"]
        assert d["state"] == "done" and d["kind"] == want["kind"] and d["scope"] == "excluded", (name, d["error"])
        got = outcomes.get(d["page_id"], {})
        wrong = {rule: (o, got.get(rule)) for rule, o in want["outcomes"].items()
                 if got.get(rule) != o and not (o == "inapplicable" and got.get(rule) is None)}
        assert not wrong, f"{name}: expected vs got {wrong}"
