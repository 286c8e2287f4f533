"""`a11yaudit gate` end to end: real Chromium, few gate processes (each case is combined into one run)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from a11yaudit.store.db import fingerprint

SPOT = "examples/sample-site/kanko/spot/index.html"
HOSTILE = "tests/fixtures/gate/hostile.html"


def _entry(rule, selector, reason, expires=None, path="/kanko/spot/", site="sample",
           url="http://sample.invalid/kanko/spot/"):
    e = {"fingerprint": fingerprint(site, path, "pc", rule, selector), "rule": rule, "url": url,
         "viewport": "pc", "selector": selector, "reason": reason, "accepted_at": "2026-01-05"}
    if expires:
        e["expires"] = expires
    return e


def test_gate_baseline_accepted_expired_fixed_and_sarif(tmp_path, cli):
    """kanko/spot has planted axe:image-alt and JP02 failures: the first is accepted, the second's entry has
    expired (fails again), and an entry for a finding that no longer exists is reported as fixed. The hostile
    page (new findings) is gated in the same run; SARIF goes to a file."""
    import yaml
    baseline = tmp_path / "gate-baseline.yaml"
    baseline.write_text(yaml.safe_dump([
        _entry("axe:image-alt", 'img[src$="midoriko.png"]', "CMS テンプレートの既知の不具合（#123）"),
        _entry("JP02", "#main > p:nth-of-type(4) > img", "写真差し替え待ち", expires="2026-01-31"),
        _entry("axe:image-alt", "img.removed-long-ago", "旧バナー"),
    ], allow_unicode=True), encoding="utf-8")
    sarif_file = tmp_path / "out.sarif"
    proc = cli("gate", SPOT, HOSTILE, "--viewport", "pc", "--baseline", str(baseline), "--format", "sarif",
                   "--output", str(sarif_file), env_extra={"A11YAUDIT_TODAY": "2026-06-01"}, check=False,
                   timeout=120)
    err = proc.stderr
    assert proc.returncode == 1, err
    assert "不合格" in err and "ベースラインで承認済み: CMS テンプレートの既知の不具合（#123）" in err
    assert "期限切れのベースライン" in err and "写真差し替え待ち" in err
    assert "修正済み" in err and "img.removed-long-ago" in err
    assert "要確認" in err                                  # cantTell is listed as let through
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    by = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r for r in results}
    assert by[("axe:image-alt", 'img[src$="midoriko.png"]')]["level"] == "warning"
    assert by[("JP02", "#main > p:nth-of-type(4) > img")]["level"] == "error"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {SPOT, HOSTILE}
    text = json.dumps(sarif, ensure_ascii=False)
    assert "<script>alert(3)</script>" in text and "onerror" in text   # hostile snippets kept, JSON-escaped

    # The same page without the baseline, in English: both planted failures are new.
    bad = tmp_path / "bad.yaml"
    bad.write_text("- fingerprint: " + "a" * 40 + "\n  expires: someday\n", encoding="utf-8")
    proc = cli("gate", SPOT, "--baseline", str(bad), check=False)
    assert proc.returncode == 2 and "bad.yaml:2" in proc.stderr and "[0].expires" in proc.stderr


def test_accept_then_gate_passes_with_json(tmp_path, cli):
    baseline = tmp_path / "baseline.json"
    proc = cli("baseline", "accept", HOSTILE, "--viewport", "pc", "--baseline", str(baseline),
                   "--reason", "移行中のページ", "--expires", "2099-12-31", timeout=120)
    entries = json.loads(baseline.read_text(encoding="utf-8"))
    assert entries and all(e["reason"] == "移行中のページ" and e["url"] == HOSTILE for e in entries)
    assert any(e["rule"] == "axe:image-alt" for e in entries)
    proc = cli("gate", HOSTILE, "--viewport", "pc", "--baseline", str(baseline), "--format", "json",
                   "--lang", "en", check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "passed" and data["new"] == []
    assert {f["reason"] for f in data["let_through"] if f["why"] == "baseline"} == {"移行中のページ"}
    title = data["pages"][0]["title"]
    assert "<script>alert(1)</script>" in title and "]]>" in title and "</testcase>" in title
    assert "PASSED" in proc.stderr and "accepted in the baseline: 移行中のページ" in proc.stderr


def test_stdin_with_base_url_resolves_relative_css_and_junit(tmp_path, serve, cli):
    """A CMS preview: the HTML comes on stdin; its relative stylesheet (low contrast) is fetched from the server
    at --base-url, so axe's color-contrast failure proves the base URL is used. JUnit on stdout, escaped."""
    site = tmp_path / "site"
    (site / "news" / "css").mkdir(parents=True)
    (site / "news" / "css" / "low.css").write_text("p.faint { color: #bbbbbb; background: #ffffff; }\n",
                                                   encoding="utf-8")
    base = serve(site)
    html = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>]]></testcase><script>x</script>'
            '</title><link rel="stylesheet" href="css/low.css"></head><body><main><h1>お知らせ</h1>'
            '<p class="faint">薄い文字の本文です。</p></main></body></html>')
    proc = cli("gate", "-", "--base-url", f"{base}/news/preview.html", "--viewport", "pc", "--format", "junit",
                   check=False, timeout=120, input=html)
    assert proc.returncode == 1, proc.stderr
    root = ET.fromstring(proc.stdout.encode("utf-8"))
    [suite] = root.findall("testsuite")
    assert suite.get("name") == f"{base}/news/preview.html [pc]"
    failed = {c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None}
    assert "axe:color-contrast" in failed
    assert suite.find("properties/property[@name='title']").get("value").startswith("]]></testcase>")


def test_bad_input_is_exit_2_and_no_browser_is_exit_3(tmp_path, cli):
    empty = cli("gate", "-", "--base-url", "https://www.example.jp/", check=False, input="")
    assert empty.returncode == 2 and "empty" in empty.stderr
    binary = tmp_path / "logo.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = cli("gate", str(binary), check=False)
    assert proc.returncode == 2 and "logo.html" in proc.stderr and "binary" in proc.stderr
    proc = cli("gate", "-", check=False, input="<p>x</p>")
    assert proc.returncode == 2 and "--base-url" in proc.stderr
    proc = cli("gate", HOSTILE, env_extra={"A11YAUDIT_CHROMIUM": "/bin/false"}, check=False)
    assert proc.returncode == 3 and "cannot start Chromium" in proc.stderr


def test_serve_gate_keeps_the_browser_warm_and_answers_per_request():
    """`a11yaudit serve-gate`: one process, several posted pages — a clean page passes (exit 0), a page with planted
    defects fails (exit 1) as JUnit, an empty body is a 400 (exit 2); /health reports the engine."""
    import os
    import re
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "tests"))
    from servetools import stop_process
    proc = subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", "serve-gate", "--port", "0", "--viewport", "pc"],
                            cwd=root, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/gate", line)
        assert m, line + proc.stderr.read(2000)
        base = f"http://127.0.0.1:{m.group(1)}"

        def post(page: str, body: bytes, fmt: str = "json"):
            url = f"{base}/gate?base_url=http://sample.invalid{page}&format={fmt}"
            req = urllib.request.Request(url, data=body, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:
                    return resp.status, resp.headers.get("X-A11yaudit-Exit"), resp.read().decode("utf-8")
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers.get("X-A11yaudit-Exit"), exc.read().decode("utf-8")

        health = json.loads(urllib.request.urlopen(f"{base}/health", timeout=30).read())
        assert health["status"] == "ok" and health["axe_version"] == "4.12.1"
        clean = (root / "examples/sample-site/index.html").read_bytes()
        status, code, body = post("/", clean)
        assert (status, code) == (200, "0"), body[:2000]
        assert json.loads(body)["status"] == "passed"
        status, code, body = post("/kanko/spot/", (root / SPOT).read_bytes(), fmt="junit")
        assert (status, code) == (200, "1")
        suites = ET.fromstring(body)
        assert any(tc.find("failure") is not None for tc in suites.iter("testcase"))
        status, code, body = post("/x/", b"   ")
        assert (status, code) == (400, "2") and "error" in json.loads(body)
        assert json.loads(urllib.request.urlopen(f"{base}/health", timeout=30).read())["gates"] == 2
    finally:
        stop_process(proc, timeout=30)


def test_local_file_gets_its_relative_stylesheet(cli):
    """A local HTML file: its folder is served to Chromium, so the relative stylesheet applies (the low-contrast
    note is found) and the image without alt is found; identity is the path relative to the current folder."""
    proc = cli("gate", "tests/fixtures/gate/page.html", "--viewport", "pc", "--format", "json", check=False,
               timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    rules = {f["rule"] for f in data["new"]}
    assert {"axe:color-contrast", "axe:image-alt"} <= rules, rules
    assert all(f["url"] == "tests/fixtures/gate/page.html" for f in data["new"])


def test_gate_compares_the_smartphone_rendering_with_the_pc_one(cli):
    """SP08 needs both renderings of the page: the sample page whose CSS hides its attachment list on phones fails
    it in the gate as in a site audit (the smartphone evaluation waits for the PC load of the same page)."""
    proc = cli("gate", "examples/sample-site/kurashi/sumai/hojo/index.html", "--format", "json", check=False,
               timeout=120)
    data = json.loads(proc.stdout)
    sp08 = [f for f in data["new"] + data["let_through"] if f["rule"] == "SP08"]
    assert len(sp08) == 2 and {f["viewport"] for f in sp08} == {"sp"}, proc.stderr
    assert all("添付ファイル" in f["message"] for f in sp08)
    assert any("交付申請書" in f["message"] for f in sp08) and any("工事費内訳書" in f["message"] for f in sp08)
