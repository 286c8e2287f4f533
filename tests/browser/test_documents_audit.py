"""Documents in a site audit (issue 17), end to end on a small site served on 127.0.0.1: every sample document made
by scripts/make_sample_documents.py is fetched, checked and stored with its expected outcomes (rule results with
viewport "document", a documents row with type, size, sha256 and validators); the hostile files give errors with
their reasons and the audit goes on; a file over max_mb is not downloaded; robots.txt is obeyed for documents; an
unchanged document keeps its results on the next audit and an edited one is checked again."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

from a11yaudit.docaudit import run_documents
from a11yaudit.store.db import Store
from a11yaudit.store.reuse import reuse_markers

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://docs.invalid"
HOSTILE_TITLE = '<img src=x onerror="alert(1)">お知らせ</title><script>alert(2)</script>'


def _script():
    spec = importlib.util.spec_from_file_location("sample_documents_site",
                                                  ROOT / "scripts" / "sample_documents_site.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def docsite(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docsite")
    site = tmp / "site"
    made = _script().make_site(site, hostile=True)      # documents, hostile files, index.html, hostile.html
    expected, hostile = made["expected"], made["hostile"]
    (site / "big").mkdir()
    (site / "big" / "huge.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * (3 << 20))    # over max_mb: 2
    (site / "private").mkdir()
    shutil.copy(site / "files" / "tagged-good.pdf", site / "private" / "secret.pdf")
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    # a document whose title is markup, and which fails DOC22 (an image without alt): shown escaped in the reports
    _script()._msd()._docx(site / "files" / "markup-title.docx", alt=False, headings=True, title=HOSTILE_TITLE)
    page = (site / "hostile.html").read_text(encoding="utf-8")
    (site / "hostile.html").write_text(page.replace("</ul>", '<li><a href="/big/huge.pdf">大きな資料</a></li>'
                                                    '<li><a href="/private/secret.pdf">非公開</a></li>'
                                                    '<li><a href="/files/markup-title.docx">お知らせ</a></li></ul>'),
                                       encoding="utf-8")
    cfg = tmp / "sites.yaml"
    cfg.write_text(f"""version: 1
sites:
  - id: docs
    name: 資料サイト（テスト）
    serve: {site}
    origin: {ORIGIN}
    start_urls: ["/"]
    viewports: [pc]
    crawl: {{max_pages: 5, max_depth: 2, delay: 0, concurrency: 1, sitemaps: false, obey_robots: true, timeout: 30}}
    documents: {{max_mb: 2, check_timeout: 30}}
    policy:
      level: AA
      degree: 一部準拠
      scope:
        include:
          - {{prefix: /, reason: 全体}}
""", encoding="utf-8")
    return {"tmp": tmp, "site": site, "cfg": cfg, "expected": expected, "hostile": hostile}


def _audit(cli, docsite, db):
    """One audit of the site, in this process: both audits then share one reuse key (its code fingerprint is taken
    once per process), even while the shared source tree is being edited between them."""
    from a11yaudit.audit import AuditOptions, run_audit
    from a11yaudit.config import load_sites
    from a11yaudit.report.html import write_report
    from a11yaudit.rules.loader import load_rules
    from a11yaudit.rules.standards import load_standards
    site = load_sites(docsite["cfg"], known_profiles=set(load_standards()[1])).get("docs")
    store, ruleset = Store(db), load_rules()
    run_id = run_audit(site, store, ruleset, AuditOptions(
        profile=site.profile, viewports=site.viewports, artifacts_root=docsite["tmp"] / "artifacts",
        save_artifacts=False, quiet=True))
    write_report(store, run_id, ruleset, docsite["tmp"] / "reports")
    return run_id


@pytest.mark.timeout(1800)
def test_site_audit_checks_documents(cli, docsite):
    db = f"sqlite:///{docsite['tmp'] / 'a.sqlite'}"
    _audit(cli, docsite, db)
    store = Store(db)
    run = store.list_runs("docs")[-1]
    assert run["status"] == "finished"
    pages = {p["url"]: p for p in store.run_pages(run["id"])}
    docs = {d["url"]: d for d in run_documents(store, run["id"])}
    results: dict = {}
    for r in store.run_results(run["id"]):
        results.setdefault(r["page_id"], {})[(r["viewport"], r["rule"])] = r["outcome"]

    # every sample document: fetched, checked, its expected outcomes stored as rule results
    expected = docsite["expected"]
    for name, want in expected.items():
        url = f"{ORIGIN}/files/{name}"
        page, doc = pages[url], docs[url]
        assert page["kind"] == "document" and page["state"] == "done", (name, page["error"])
        data = (docsite["site"] / "files" / name).read_bytes()
        assert doc["kind"] == want["kind"] and doc["size"] == len(data)
        assert doc["sha256"] == hashlib.sha256(data).hexdigest()
        assert doc["etag"] and doc["last_modified"] and doc["media_type"]
        got = {rule: outcome for (vp, rule), outcome in results.get(page["id"], {}).items() if vp == "document"}
        for rule, outcome in want["outcomes"].items():
            if outcome == "inapplicable":
                assert got.get(rule) in (None, "inapplicable"), (name, rule, got.get(rule))
            else:
                assert got.get(rule) == outcome, (name, rule, outcome, got.get(rule))

    # hostile files: errors with their reasons (or checked), never the end of the audit
    for name, want in docsite["hostile"].items():
        page = pages[f"{ORIGIN}/hostile/{name}"]
        if want["error_kind"] and not want.get("limits"):
            assert page["state"] == "error" and page["error_kind"] == f"document_{want['error_kind']}", \
                (name, page["state"], page["error_kind"], page["error"])
            assert page["error"]
        else:
            assert page["state"] in ("done", "error"), name
    huge = pages[f"{ORIGIN}/big/huge.pdf"]
    assert huge["state"] == "error" and huge["error_kind"] == "document_too_large" and "max_mb" in huge["error"]
    secret = pages[f"{ORIGIN}/private/secret.pdf"]
    assert secret["state"] == "skipped" and secret["skip_reason"] == "robots" and secret["url"] not in docs

    stats = json.loads(run["stats_json"])
    n_ok = len(expected) + sum(1 for w in docsite["hostile"].values()
                               if not w["error_kind"] or w.get("limits"))
    assert stats["documents_checked"] >= len(expected)
    assert stats["documents_checked"] + stats["documents_error"] == len(expected) + len(docsite["hostile"]) + 2
    assert stats["documents_checked"] <= n_ok + 1
    markup = pages[f"{ORIGIN}/files/markup-title.docx"]
    assert markup["state"] == "done" and markup["title"] == HOSTILE_TITLE
    assert pages[f"{ORIGIN}/"]["state"] == "done" and pages[f"{ORIGIN}/hostile.html"]["state"] == "done"

    # the site report's documents section: counts by type, problem share, the problem documents and the pages
    # linking to them; document text is escaped (hostile)
    html = next((docsite["tmp"] / "reports" / "docs" / str(run["id"])).glob("index.html")).read_text("utf-8")
    assert 'id="h-documents"' in html and "/files/untagged.pdf" in html and "DOC01" in html
    section = html[html.index('id="h-documents"'):]
    section = section[:section.index('aria-labelledby="h-rules"')]
    assert "リンク元：" in section and f'<span class="url">{ORIGIN}/</span>' in section   # the index page links
    summary = json.loads((docsite["tmp"] / "reports" / "docs" / str(run["id"]) / "summary.json").read_text("utf-8"))
    ds = summary["documents"]
    assert ds["checked"] == stats["documents_checked"] and ds["errors"] == stats["documents_error"]
    assert {k["kind"] for k in ds["by_kind"]} == {"pdf", "docx", "xlsx", "pptx"} and 0 < ds["with_problems"]
    assert f"{ORIGIN}/files/untagged.pdf" in {d["url"] for d in ds["top"]}
    assert "<script" not in section.lower() and "<img src=x" not in section
    assert "&lt;img src=x onerror=" in section and f"{ORIGIN}/files/markup-title.docx" in section

    # the 試験結果: the in-scope documents are tested; a conformance failure of a document makes its criterion
    # 不適合, best-practice rules never do
    db_args = ("--config", str(docsite["cfg"]), "--db", db)
    cli(*db_args, "sample", "docs", "--run", str(run["id"]), "--method", "a")
    out = cli(*db_args, "shiken", "docs", "--run", str(run["id"]), "--format", "json,html",
              "--reports-dir", str(docsite["tmp"] / "shiken"))
    files = {p.rsplit("/", 1)[-1]: p for p in out.stdout.split()}
    view = json.loads(Path(files["shiken.json"]).read_text(encoding="utf-8"))
    tested_docs = {d["url"]: d for d in view["documents"]}
    assert f"{ORIGIN}/files/untagged.pdf" in tested_docs and f"{ORIGIN}/private/secret.pdf" not in tested_docs
    assert "1.3.1" in tested_docs[f"{ORIGIN}/files/untagged.pdf"]["auto_failed"]
    assert tested_docs[f"{ORIGIN}/files/untagged.pdf"]["verdict"] == "不適合"
    assert tested_docs[f"{ORIGIN}/hostile/password.pdf"]["verdict"] == "チェックできず"
    crit = {r["id"]: r for r in view["checklist"]}
    assert crit["1.3.1"]["result"] == "不適合" and "文書ファイル" in crit["1.3.1"]["source"]
    assert crit["1.3.1"]["failed_documents"] >= 3      # untagged, figure without alt, table without th …
    shiken_html = Path(files["shiken.html"]).read_text(encoding="utf-8")
    assert "試験対象の文書ファイル" in shiken_html and "&lt;img src=x onerror=" in shiken_html
    assert "<img src=x" not in shiken_html and "<script>alert" not in shiken_html

    # the scope plan: documents as a part of the site, scans (to be made again) apart from those to repair
    plan = json.loads(cli(*db_args, "scope", "plan", "docs", "--run", str(run["id"]), "--format", "json",
                          "-o", str(docsite["tmp"] / "plan.html")).stdout)
    d_in = plan["documents"]["in_scope"]
    scans = {u for u, d in docs.items() if d["image_only_pages"] and d["pages"]
             and d["image_only_pages"] * 2 >= d["pages"] and pages[u]["state"] == "done"}
    assert f"{ORIGIN}/files/scan.pdf" in scans and f"{ORIGIN}/files/tagged-good.pdf" not in scans
    assert d_in["documents"] == len(docs) and d_in["scans"] == len(scans) and d_in["repair"] >= 5
    assert d_in["with_problems"] >= d_in["repair"] and plan["documents"]["outside"]["documents"] == 0
    assert 'id="h-docs"' in (docsite["tmp"] / "plan.html").read_text(encoding="utf-8")

    # a second audit: unchanged documents keep their results (304); a file rewritten with the same bytes (new
    # validators) keeps them by its sha256; an edited one is checked again
    files = docsite["site"] / "files"
    same = files / "good.docx"
    same.write_bytes(same.read_bytes() + b"")
    import os
    os.utime(same, ns=(same.stat().st_atime_ns, same.stat().st_mtime_ns + 5_000_000_000))
    edited = files / "untagged.pdf"
    shutil.copy(files / "tagged-good.pdf", edited)
    _audit(cli, docsite, db)
    run2 = store.list_runs("docs")[-1]
    assert run2["id"] != run["id"] and run2["status"] == "finished"
    marks = reuse_markers(store, run2["id"])
    assert marks[f"{ORIGIN}/files/tagged-good.pdf"]["reuse_via"] == "validators"
    assert marks[f"{ORIGIN}/files/good.docx"]["reuse_via"] == "hash"
    assert marks[f"{ORIGIN}/files/untagged.pdf"]["reuse_via"] is None
    pages2 = {p["url"]: p for p in store.run_pages(run2["id"])}
    results2: dict = {}
    for r in store.run_results(run2["id"]):
        results2.setdefault(r["page_id"], {})[(r["viewport"], r["rule"])] = r["outcome"]
    for name in ("tagged-good.pdf", "good.docx"):
        url = f"{ORIGIN}/files/{name}"
        assert results2[pages2[url]["id"]] == results[pages[url]["id"]], name
    edited_url = f"{ORIGIN}/files/untagged.pdf"
    assert results2[pages2[edited_url]["id"]][("document", "DOC01")] == "passed"     # was failed: untagged
    assert results[pages[edited_url]["id"]][("document", "DOC01")] == "failed"
    docs2 = {d["url"]: d for d in run_documents(store, run2["id"])}
    assert docs2[edited_url]["sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()
    assert docs2[f"{ORIGIN}/files/tagged-good.pdf"]["sha256"] == docs[f"{ORIGIN}/files/tagged-good.pdf"]["sha256"]
    stats2 = json.loads(run2["stats_json"])
    assert stats2["documents_reused"] >= len(expected) - 1
