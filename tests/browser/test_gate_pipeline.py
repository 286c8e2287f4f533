"""The gate runs through the same page pipeline as a site audit (pagework): on either engine, and with the linked
documents' sizes measured like an audit's (JP19).

Pages: the bundled sample site served on 127.0.0.1 (its /kurashi/gomi/sodai/ page states 「（PDF形式：350KB）」 for
a file of under 1 KB) and a local file of it."""

import json
import os

import pytest

from a11yaudit.gather.selenium_engine import find_chromedriver

SAMPLE_PAGE = "kurashi/gomi/sodai/"
SAMPLE_FILE = "examples/sample-site/kurashi/gomi/sodai/index.html"


def _gate(cli, *args):
    proc = cli("gate", *args, "--format", "json", "--fail-on", "none", check=False, timeout=180)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    return data, data["new"] + data["let_through"]


def _keys(findings):
    return sorted((f["rule"], f["viewport"], f["fingerprint"], f["outcome"]) for f in findings)


def test_gate_measures_linked_documents_like_an_audit(cli, serve):
    """JP19 (gov-style): the stated size of a linked PDF is checked against the file's real size (HEAD), on both
    renderings — before the one pipeline the gate never measured documents and JP19 was silently inapplicable."""
    base = serve("examples/sample-site")
    data, findings = _gate(cli, f"{base}/{SAMPLE_PAGE}", "--profile", "jis2016+gov-style")
    jp19 = [f for f in findings if f["rule"] == "JP19"]
    assert {f["viewport"] for f in jp19} == {"pc", "sp"}, findings
    assert all(f["outcome"] == "failed" for f in jp19)
    assert all(p["ok"] for p in data["pages"])


@pytest.mark.skipif(not find_chromedriver() and os.environ.get("CI") != "true",
                    reason="chromedriver not installed (apt-get install chromium-driver); required under CI")
@pytest.mark.parametrize("kind", ["url", "file"])
def test_gate_with_the_selenium_engine_finds_what_playwright_finds(cli, serve, kind):
    """`gate --engine selenium`: a URL, and a local file (served on 127.0.0.1 for WebDriver, where Playwright
    answers from a route) — the same findings with the same fingerprints as the Playwright engine."""
    if kind == "url":
        target = f"{serve('examples/sample-site')}/{SAMPLE_PAGE}"
        extra = ["--profile", "jis2016+gov-style"]
    else:
        target, extra = SAMPLE_FILE, []
    _, pw = _gate(cli, target, *extra)
    data, se = _gate(cli, target, *extra, "--engine", "selenium")
    assert all(p["ok"] for p in data["pages"])
    assert {p["url"] for p in data["pages"]}
    assert _keys(se) == _keys(pw)
    assert len(se) > 10
