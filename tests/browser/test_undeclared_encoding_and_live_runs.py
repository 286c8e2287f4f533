"""Hostile inputs, round two (issue 22 item 15): pages served with no encoding declaration at all (no charset in
Content-Type, no <meta charset>), in UTF-8, Shift_JIS and EUC-JP, through the site audit and the gate with real
Chromium and a real HTTP server on 127.0.0.1. Shift_JIS and EUC-JP are decoded by Chromium's Japanese
detection; UTF-8 is never detected by Chromium on http(s) pages, so the page is what users see: mojibake, and
GN24 says so."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from a11yaudit.store.db import Store

TITLE = "みどり県 くらしの情報"
# JP01 (1.3.2, level A): a heading spaced out with full-width spaces — found only when the text is decoded right.
BODY = ("<!DOCTYPE html><html lang=\"ja\"><head><title>{title}</title></head><body><main><h1>お　知　ら　せ</h1>"
        "<p>燃えるごみは月曜日と木曜日に出してください。資源ごみは第二水曜日です。詳しくは環境課までお問い合わせ"
        "ください。</p></main></body></html>")
INDEX = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>トップ</title></head><body><main>'
         '<h1>トップ</h1><p><a href="/utf8.html">UTF-8</a> <a href="/sjis.html">Shift_JIS</a> '
         '<a href="/eucjp.html">EUC-JP</a></p></main></body></html>')
PAGES = {"/": (INDEX.encode("utf-8"), "text/html; charset=utf-8"),
         "/utf8.html": (BODY.format(title=TITLE).encode("utf-8"), "text/html"),
         "/sjis.html": (BODY.format(title=TITLE).encode("cp932"), "text/html"),
         "/eucjp.html": (BODY.format(title=TITLE).encode("euc_jp"), "text/html"),
         "/declared.html": (BODY.format(title=TITLE).encode("utf-8"), "text/html; charset=UTF-8")}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body, ctype = PAGES.get(self.path, (b"not found", "text/plain; charset=us-ascii"))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", ctype)        # no charset parameter on the three test pages
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def audited(site, tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("encodings")
    cfg = tmp / "sites.yaml"
    cfg.write_text(f"version: 1\nsites:\n  - id: enc\n    name: 文字コード\n    start_urls: ['{site}/']\n"
                   "    viewports: [pc]\n    crawl: {sitemaps: false, obey_robots: false, timeout: 15}\n",
                   encoding="utf-8")
    db = f"sqlite:///{tmp / 'enc.sqlite'}"
    cli("--config", str(cfg), "--db", db, "audit", "-q", "--no-report", "--no-artifacts", timeout=300)
    store = Store(db)
    run = store.list_runs("enc")[-1]
    pages = {p["url"].rsplit("/", 1)[-1]: p for p in store.run_pages(run["id"])}
    findings = store.run_findings(run["id"])
    return {"run": run, "pages": pages, "findings": findings}


def test_selenium_engine_decodes_and_reports_alike(site, tmp_path, cli):
    from a11yaudit.gather.selenium_engine import find_chromedriver
    if not find_chromedriver() and os.environ.get("CI") != "true":
        pytest.skip("chromedriver not installed (apt-get install chromium-driver); required under CI")
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(f"version: 1\nsites:\n  - id: enc\n    name: 文字コード\n    start_urls: ['{site}/']\n"
                   "    viewports: [pc]\n    crawl: {sitemaps: false, obey_robots: false, timeout: 15, "
                   "engine: selenium}\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'sel.sqlite'}"
    cli("--config", str(cfg), "--db", db, "audit", "-q", "--no-report", "--no-artifacts", timeout=300)
    store = Store(db)
    run = store.list_runs("enc")[-1]
    sel = {"pages": {p["url"].rsplit("/", 1)[-1]: p for p in store.run_pages(run["id"])},
           "findings": store.run_findings(run["id"])}
    for name in ("sjis.html", "eucjp.html"):
        assert sel["pages"][name]["title"] == TITLE
        rules = _rules_on(sel, name)
        assert "JP01" in rules and "自動判別" in rules["GN24"]["message"], (name, sorted(rules))
    assert "文字化けしています" in _rules_on(sel, "utf8.html")["GN24"]["message"]


def _rules_on(audited, name):
    pid = audited["pages"][name]["id"]
    return {f["rule"]: f for f in audited["findings"] if f["page_id"] == pid}


def test_site_audit_decodes_undeclared_shift_jis_and_euc_jp(audited):
    assert audited["run"]["status"] == "finished"
    for name in ("sjis.html", "eucjp.html"):
        page = audited["pages"][name]
        assert page["state"] == "done" and page["title"] == TITLE, (name, page["title"])
        rules = _rules_on(audited, name)
        assert "JP01" in rules, (name, sorted(rules))          # the spaced heading is seen: text decoded right
        gn24 = rules["GN24"]
        assert "文字コードが宣言されていません" in gn24["message"] and "自動判別" in gn24["message"], gn24["message"]


def test_site_audit_reports_undeclared_utf8_as_mojibake(audited):
    page = audited["pages"]["utf8.html"]
    assert page["state"] == "done" and page["title"] != TITLE     # what Chromium shows a user: mojibake
    gn24 = _rules_on(audited, "utf8.html")["GN24"]
    assert "文字化けしています" in gn24["message"] and "windows-1252" in gn24["message"], gn24["message"]
    assert "garbled (mojibake)" in gn24["message_en"]
    # Declared pages are not reported.
    assert "GN24" not in _rules_on(audited, "")


def _gate(cli, url, *extra):
    proc = cli("gate", url, "--viewport", "pc", "--format", "json", *extra, check=False, timeout=180)
    return proc, json.loads(proc.stdout) if proc.stdout.strip() else None


def test_gate_decodes_undeclared_japanese_pages_and_fails_on_their_problems(site, cli):
    for name in ("sjis.html", "eucjp.html"):
        proc, res = _gate(cli, f"{site}/{name}")
        assert proc.returncode == 1, proc.stderr[-2000:]
        new = {f["rule"] for f in res["new"]}
        assert "JP01" in new, (name, new)
        let = {f["rule"]: f for f in res["let_through"]}
        assert "GN24" in let and let["GN24"]["why"] == "best_practice", (name, sorted(let))


def test_gate_fails_closed_on_an_undeclared_utf8_page(site, cli):
    """Shown as mojibake, the page cannot be judged for what its author wrote: exit 3 by default (fail closed),
    the findings still listed; with --fail-on advisory GN24 itself is a new problem too."""
    proc, res = _gate(cli, f"{site}/utf8.html")
    assert proc.returncode == 3, proc.stderr[-2000:]
    bad = [ld for ld in res["pages"] if not ld["ok"]]
    assert bad and bad[0]["error"].startswith("garbled") and "文字化け" in bad[0]["error"], res["pages"]
    assert "GN24" in {f["rule"] for f in res["let_through"]}
    proc, res = _gate(cli, f"{site}/utf8.html", "--fail-on", "advisory")
    assert proc.returncode == 3, proc.stderr[-2000:]
    gn24 = [f for f in res["new"] if f["rule"] == "GN24"]
    assert gn24 and "文字化け" in gn24[0]["message"], res["new"]
    proc, res = _gate(cli, f"{site}/declared.html", "--fail-on", "advisory")
    assert "GN24" not in {f["rule"] for f in res["new"] + res["let_through"]}
    assert "JP01" in {f["rule"] for f in res["new"]}      # declared UTF-8: decoded right, its problem found


# --- item 17: --resume of a run another process is auditing; `runs` after a resume ----------------------------

def _audit_proc(root, db, tmp_path, *extra):
    return subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", "--db", db, "audit", "sample", "--viewport", "pc",
                             "--concurrency", "1", "--max-pages", "8", "--no-report", "-q", "--artifacts-dir",
                             str(tmp_path / "art"), *extra], cwd=root, env={**os.environ},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_done(db, n, proc):
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        try:
            store = Store(db)
            runs = store.list_runs("sample")
        except Exception:  # noqa: BLE001 — the schema is still being created
            continue
        if runs and sum(1 for p in store.run_pages(runs[0]["id"]) if p["state"] == "done") >= n:
            return store, runs[0]["id"]
    raise AssertionError("the audit did not store pages in time")


def test_resume_of_a_live_run_is_refused_and_runs_counts_the_whole_run(tmp_path, cli, root):
    db = f"sqlite:///{tmp_path / 'live.sqlite'}"
    proc = _audit_proc(root, db, tmp_path)
    try:
        store, run_id = _wait_done(db, 2, proc)
        res = cli("--db", db, "audit", "sample", "--resume", str(run_id), "--no-report", "-q", check=False, timeout=120)
        assert res.returncode == 2, res.stderr[-2000:]
        assert f"--resume: run {run_id} is being audited by another process right now" in res.stderr
        assert proc.poll() is None                     # the live audit goes on, untouched
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)        # a stale run left by kill -9 ...
        proc.wait(timeout=30)
    before = sum(1 for p in store.run_pages(run_id) if p["state"] == "done" and p["kind"] == "html")
    assert store.get_run(run_id)["status"] == "running"
    cli("--db", db, "audit", "sample", "--viewport", "pc", "--concurrency", "1", "--max-pages", "8", "--no-report",
        "-q", "--resume", str(run_id), "--artifacts-dir", str(tmp_path / "art"), timeout=300)   # ... resumes at once
    run = store.get_run(run_id)
    done = sum(1 for p in store.run_pages(run_id) if p["state"] == "done" and p["kind"] == "html")
    assert run["status"] == "finished" and done > before
    assert json.loads(run["stats_json"])["pages_done"] == done - before     # what the last part saw
    line = cli("--db", db, "runs").stdout.strip().splitlines()[-1].split("\t")
    assert line[0] == str(run_id) and line[4] == str(done), line      # `runs`: the whole run


# --- item 17: a full disk while Chromium prints the 試験結果 PDF -------------------------------------------------

def test_full_disk_during_pdf_output_is_exit_3_and_leaves_no_half_file(tmp_path, root, cli):
    from a11yaudit.audit import AuditOptions, reevaluate_artifacts
    from a11yaudit.config import load_sites
    from a11yaudit.rules.loader import load_rules
    site = load_sites(root / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]
    db = f"sqlite:///{tmp_path / 'pdf.sqlite'}"
    reevaluate_artifacts(site, Store(db), load_rules(), AuditOptions(
        profile="jis2016", viewports=["pc", "sp"], artifacts_root=tmp_path / "art", quiet=True),
        root / "tests" / "fixtures" / "artifacts" / "sample")
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("needs root to mount a tmpfs")
    try:
        proc = cli("--db", db, "shiken", "sample", "--format", "pdf", "--reports-dir", str(mnt), check=False,
                   timeout=180)
        assert proc.returncode == 3, proc.stderr[-2000:]
        assert "ディスクの空きがありません — no space left on the device" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert [p.name for p in mnt.rglob("*") if p.is_file()] == []      # no shiken.pdf.tmp, no half PDF
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
