"""Hostile, broken and huge site (issue 8): one audit of the fault-injection site on 127.0.0.1, shared by the
assertions below. Every page is accounted for, traps are contained, nothing outside the site is fetched,
Japanese encodings are decoded, and report outputs never run page content."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from a11yaudit.store.db import Store
from a11yaudit.testing.faultsite import PAYLOADS, SJIS_TEXT, EUC_TEXT, FaultSite

# concurrency 3: most of the audit is waiting out the faults' deadlines (a hung page, a slow one, a runaway script, a
# memory bomb, each up to `timeout` / `page_timeout`); a third worker lets the ordinary pages go on meanwhile.
CONFIG = """version: 1
sites:
  - id: faults
    name: 障害試験サイト
    start_urls: ["{base}/"]
    viewports: [pc]
    retention: {{keep_runs: 1}}
    crawl: {{timeout: 10, page_timeout: 20, max_pages: 60, max_depth: 8, concurrency: 3, max_sitemap_urls: 100,
             max_query_variants: 3, retry_max_wait: 3, audit_outside_scope: false}}
    policy:
      scope:
        exclude: [{{prefix: /big/, reason: 巨大サイトマップの試験用URL}}]
"""


@pytest.fixture(scope="module")
def fault_audit(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("fault-site")
    # The 52 MB sitemap costs ~30 s under load; CI reads a 12 MB one (same code path, streamed).
    site = FaultSite(slow_seconds=12, big_sitemap_mb=12)
    base = site.start()
    cfg = tmp / "sites.yaml"
    cfg.write_text(CONFIG.format(base=base), encoding="utf-8")
    db = f"sqlite:///{tmp / 'faults.sqlite'}"
    started = time.monotonic()
    try:
        proc = cli("--config", str(cfg), "--db", db, "audit", "faults", "--artifacts-dir", str(tmp / "art"),
                   "--reports-dir", str(tmp / "rep"), timeout=600)
    finally:
        site.stop()
    store = Store(db)
    run = store.list_runs("faults")[-1]
    pages = {(p["url"][len(base):] or "/") if p["url"].startswith(base + "/") else p["url"]: p
             for p in store.run_pages(run["id"])}
    return {"tmp": tmp, "base": base, "site": site, "store": store, "run": run, "pages": pages, "cfg": cfg,
            "db": db, "report": Path(proc.stdout.strip().splitlines()[-1]), "stderr": proc.stderr,
            "elapsed": time.monotonic() - started}


def test_every_fault_is_accounted_for(fault_audit):
    pages, run = fault_audit["pages"], fault_audit["run"]
    assert run["status"] == "finished"
    assert not [u for u, p in pages.items() if p["state"] == "queued"], "every page is audited or recorded"
    expect = {
        "/hang": ("error", "timeout"), "/slow": ("error", "timeout"), "/burst500": ("error", "http_error"),
        "/loop/a": ("error", "redirect_loop"), "/offsite": ("error", "redirect_offsite"),
        "/runaway": ("error", "timeout"),
        "/flaky503": ("done", None), "/ratelimit": ("done", None), "/dialogs": ("done", None),
        "/ok": ("done", None), "/from-gzip": ("done", None),
    }
    got = {u: (pages[u]["state"], pages[u]["error_kind"]) for u in expect}
    assert got == expect
    # The memory bomb exhausts its renderer's heap: a crash, or the navigation timeout when the crash comes later.
    assert (pages["/membomb"]["state"], pages["/membomb"]["error_kind"]) in (("error", "renderer_crash"),
                                                                           ("error", "timeout"))
    assert pages["/burst500"]["http_status"] == 500 and "3 attempts" in pages["/burst500"]["error"]
    # Huge pages finish in time (audited) or hit the whole-page deadline: never hang the audit.
    for u in ("/hugedom", "/links10k"):
        assert (pages[u]["state"], pages[u]["error_kind"]) in (("done", None), ("error", "timeout")), pages[u]
    # A page that navigates away on load is audited; one that navigates to another host is not rendered there.
    assert pages["/navaway"]["state"] == "done"
    # (the blocked location change either lands on an error page — redirect_offsite — or keeps `load` from firing)
    assert (pages["/navaway-offsite"]["state"], pages["/navaway-offsite"]["error_kind"]) in (
        ("error", "redirect_offsite"), ("error", "timeout"))
    stats = json.loads(run["stats_json"])
    assert stats["retries"] >= 4 and stats["sitemaps"]["dropped"] > 100_000   # the big sitemap, read to the end


def test_retries_honour_retry_after_and_the_crawl_goes_on_after_a_crash(fault_audit):
    site = fault_audit["site"]
    hits = site.times("/ratelimit")
    assert len(hits) == 2 and hits[1] - hits[0] >= 1.9          # Retry-After: 2
    flaky = site.times("/flaky503")
    assert len(flaky) == 3 and all(b - a >= 0.9 for a, b in zip(flaky, flaky[1:]))   # Retry-After: 1
    assert len(site.times("/burst500")) == 3                    # 1 + retries (2), then recorded
    crash_at = site.times("/membomb")[0]
    assert any(t > crash_at for _p, _h, t in site.hits), "pages are still fetched after the renderer crash"


def test_crawl_traps_stopped_by_a_named_rule(fault_audit):
    pages = fault_audit["pages"]
    traps = {u: (p["skip_reason"], p["error"]) for u, p in pages.items() if (p["skip_reason"] or "").startswith("trap:")}
    reasons = {r for r, _ in traps.values()}
    assert {"trap:query_variants", "trap:path_repeats"} <= reasons
    assert all(note for _, note in traps.values())
    assert sum(1 for u, p in pages.items() if u.startswith("/calendar") and p["state"] == "done") == 3
    assert sum(1 for u, p in pages.items() if u.startswith("/grow") and p["state"] == "done") == 3
    assert "/deep/a/a/a/a/" in pages and pages["/deep/a/a/a/a/"]["skip_reason"] == "trap:path_repeats"
    # Session ids are not part of a page's identity: one page, not one per visit.
    assert [u for u in pages if u.startswith("/session")] == ["/session", "/session?page=1"]
    assert pages["/private/secret"]["skip_reason"] == "robots"


def test_nothing_outside_the_site_is_fetched(fault_audit):
    site, pages, base = fault_audit["site"], fault_audit["pages"], fault_audit["base"]
    assert not [h for h in site.hits if "canary" in h[0] or not h[1].startswith("127.0.0.1")]
    assert not [p for p in site.paths_hit() if p.startswith("/private/")]
    others = {p["url"]: p["skip_reason"] for p in pages.values() if not p["url"].startswith(base)}
    assert {u.split("/")[2] for u in others} >= {"169.254.169.254", "10.0.0.1", "192.168.1.1"}
    assert set(others.values()) == {"other_host"}
    assert not [p for p in pages.values() if p["url"].startswith(("file:", "javascript:", "data:"))]


def test_japanese_encodings_decoded_everywhere(fault_audit):
    pages, store, run = fault_audit["pages"], fault_audit["store"], fault_audit["run"]
    for u, text in (("/sjis-header", SJIS_TEXT), ("/sjis-meta", SJIS_TEXT), ("/sjis-none", SJIS_TEXT),
                    ("/sjis-broken", SJIS_TEXT), ("/eucjp-header", EUC_TEXT), ("/eucjp-meta", EUC_TEXT)):
        assert pages[u]["state"] == "done" and pages[u]["title"] == text, u
    # JP11 reads the raw source: the U+3000 inside <img　src> is found only when the bytes are decoded right.
    jp11 = {f["page_id"] for f in store.run_findings(run["id"]) if f["rule"] == "JP11"}
    for u in ("/sjis-header", "/sjis-meta", "/sjis-none", "/sjis-broken", "/eucjp-header", "/eucjp-meta"):
        assert pages[u]["id"] in jp11, u
    # The Shift_JIS sitemap's Japanese path.
    assert pages["/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B/"]["found_via"] == "sitemap"
    snippets = " ".join(f["snippet"] for f in store.run_findings(run["id"]))
    assert "文字コード試験" in snippets and "縺" not in snippets and "譁" not in snippets


def test_html_report_shows_payloads_as_text_and_runs_none(fault_audit):
    from playwright.sync_api import sync_playwright

    from a11yaudit.gather.browser import find_chromium
    from a11yaudit import settings
    report = fault_audit["report"]
    html = report.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in html and "onerror=\"window" not in html
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=settings.CHROMIUM_ARGS)
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(report.as_uri())
        page.wait_for_timeout(500)
        pwned = page.evaluate("window.__pwned")
        text = page.evaluate("document.body.innerText")
        browser.close()
    assert pwned is None and dialogs == []
    assert PAYLOADS[0] in text


def test_gate_outputs_carry_payloads_as_text(fault_audit, tmp_path):
    from a11yaudit import gate
    base = fault_audit["base"]
    site = FaultSite()
    url = site.start() + "/xss/title"
    try:
        opt = gate.GateOptions(targets=[url], base_url=None, viewports=["pc"], profile=None,
                               config=str(fault_audit["cfg"]), timeout=30, baseline=None, db_url=fault_audit["db"])
        targets, ruleset, _, loads, results = gate.gather(opt)
    finally:
        site.stop()
    res = gate.compare(targets, loads, results, [], ruleset=ruleset, fail_on="AA", today=gate.today())
    as_json = json.loads(gate.to_json(res))
    junit = ET.fromstring(gate.to_junit(res))
    sarif = json.loads(gate.to_sarif(res))
    json_text = json.dumps(as_json, ensure_ascii=False)
    junit_text = " ".join([*(e.text or "" for e in junit.iter()), *(v for e in junit.iter() for v in e.attrib.values())])
    sarif_text = json.dumps(sarif, ensure_ascii=False)
    for out in (json_text, junit_text, sarif_text):
        assert any(p in out or p.replace('"', '\\"') in out for p in PAYLOADS), out[:500]
    assert base  # the module's audit ran first


def test_retention_prunes_old_runs_and_reports_disk_use(fault_audit, cli):
    from a11yaudit.config import load_sites
    tmp, store = fault_audit["tmp"], fault_audit["store"]
    site = load_sites(fault_audit["cfg"]).get("faults")
    assert site.keep_runs == 1
    crawl_run = fault_audit["run"]
    crawl_art = Path(crawl_run["artifacts_dir"])
    assert crawl_art.is_dir()
    # Two newer runs in the same database, each with artifacts of its own.
    newer = []
    for _ in range(2):
        rid = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="x",
                               source="crawl", artifacts_dir=None, config={})
        folder = tmp / "art" / "faults" / str(rid)
        folder.mkdir(parents=True)
        (folder / "a.json.gz").write_bytes(b"x" * 1000)
        store.set_run(rid, artifacts_dir=str(folder), status="finished")
        newer.append(rid)
    listing = cli("--config", str(fault_audit["cfg"]), "--db", fault_audit["db"], "runs", "faults")
    lines = listing.stdout.splitlines()
    assert "artifacts total:" in listing.stderr and all("\tartifacts " in ln for ln in lines)
    assert "artifacts 0 B" not in lines[0] and lines[-1].endswith("artifacts 1000 B")
    dry = cli("--config", str(fault_audit["cfg"]), "--db", fault_audit["db"], "prune", "faults", "--dry-run")
    assert f"would prune run {crawl_run['id']}" in dry.stdout and crawl_art.is_dir()
    out = cli("--config", str(fault_audit["cfg"]), "--db", fault_audit["db"], "prune", "faults")   # keep_runs: 1
    assert [r["id"] for r in store.list_runs("faults")] == [newer[-1]]
    assert f"pruned run {crawl_run['id']}" in out.stdout and not crawl_art.exists()
    assert store.run_pages(crawl_run["id"]) == [] and store.run_findings(crawl_run["id"]) == []
    assert (tmp / "art" / "faults" / str(newer[-1])).is_dir()
