"""A page that hangs or answers 404 is recorded with its error and the audit goes on."""

from __future__ import annotations

from a11yaudit.store.db import Store

PAGE = '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{t}</title></head><body><main>{b}</main></body></html>'


def test_hanging_and_missing_pages_do_not_stop_the_audit(tmp_path, cli):
    site = tmp_path / "site"
    site.mkdir()
    links = '<a href="/hang.html">無限ループ</a> <a href="/missing.html">存在しない</a> <a href="/ok.html">正常</a>'
    (site / "index.html").write_text(PAGE.format(t="トップ", b=links), encoding="utf-8")
    (site / "hang.html").write_text(PAGE.format(t="止まるページ", b="<script>while (true) {}</script>"), encoding="utf-8")
    (site / "ok.html").write_text(PAGE.format(t="正常なページ", b="<h1>お　知　ら　せ</h1>"), encoding="utf-8")
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(f"version: 1\nsites:\n  - id: faults\n    serve: {site}\n    viewports: [pc]\n"
                   "    crawl: {timeout: 3, sitemaps: false}\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    cli("--config", str(cfg), "--db", db, "audit", "-q", "--artifacts-dir", str(tmp_path / "art"),
        "--reports-dir", str(tmp_path / "rep"), timeout=180)
    store = Store(db)
    run = store.list_runs("faults")[0]
    assert run["status"] == "finished"
    pages = {p["url"].rsplit("/", 1)[-1]: p for p in store.run_pages(run["id"])}
    assert pages["hang.html"]["state"] == "error" and pages["hang.html"]["error_kind"] == "timeout"
    assert pages["missing.html"]["state"] == "error" and pages["missing.html"]["http_status"] == 404
    assert pages["ok.html"]["state"] == "done" and pages[""]["state"] == "done"
    assert any(f["rule"] == "JP01" for f in store.run_findings(run["id"]))
