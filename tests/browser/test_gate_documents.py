"""`a11yaudit gate FILE.pdf|.docx|.xlsx|.pptx` (issue 17): a document is checked before upload by the document
checker with the gate's exit codes (0 passed, 1 new failures, 3 could not be checked) and its JSON / JUnit / SARIF
output; documents and HTML pages can be gated together."""

from __future__ import annotations

import importlib.util
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    out = tmp_path_factory.mktemp("gate-docs")
    spec = importlib.util.spec_from_file_location("msd", ROOT / "scripts" / "make_sample_documents.py")
    msd = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(msd)
    msd.main([str(out), "--only", "tagged-good.pdf", "untagged.pdf", "good.docx", "default-sheets.xlsx",
              "slides-alt.pptx"])
    msd.make_hostile(out / "hostile")
    return out


def test_gate_documents_exit_codes_and_outputs(cli, docs, tmp_path):
    ok = cli("gate", str(docs / "tagged-good.pdf"), str(docs / "good.docx"), "--format", "json", check=False)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["status"] == "passed" and {p["viewport"] for p in data["pages"]} == {"document"}
    assert all(p["ok"] for p in data["pages"]) and len(data["pages"]) == 2

    bad = cli("gate", str(docs / "untagged.pdf"), "--format", "json", check=False)
    assert bad.returncode == 1, bad.stderr
    new = json.loads(bad.stdout)["new"]
    assert [(f["rule"], f["viewport"], f["criteria"]) for f in new] == [("DOC01", "document", ["1.3.1"])]
    assert "DOC01" in bad.stderr and "1.3.1" in bad.stderr

    # same exit code and findings in SARIF and JUnit
    sarif = cli("gate", str(docs / "untagged.pdf"), "--format", "sarif", "-o", str(tmp_path / "g.sarif"),
                check=False)
    assert sarif.returncode == 1
    run = json.loads((tmp_path / "g.sarif").read_text(encoding="utf-8"))["runs"][0]
    assert [r["ruleId"] for r in run["results"] if r.get("level") == "error"] == ["DOC01"]
    junit = cli("gate", str(docs / "untagged.pdf"), "--format", "junit", check=False)
    assert junit.returncode == 1
    suites = ET.fromstring(junit.stdout)
    failing = [tc.get("name") for tc in suites.iter("testcase") if tc.find("failure") is not None]
    assert failing == ["DOC01"] and suites.get("failures") == "1"

    # a file that cannot be checked: exit 3 with its reason, as a page that cannot be loaded
    locked = cli("gate", str(docs / "hostile" / "password.pdf"), "--format", "json", check=False)
    assert locked.returncode == 3, locked.stderr
    assert "password" in locked.stderr

    # a candidate (cantTell) never fails the gate; a page and a document gated together
    xlsx = cli("gate", str(docs / "default-sheets.xlsx"), "--format", "json", check=False)
    data = json.loads(xlsx.stdout)
    assert xlsx.returncode == 1 and [f["rule"] for f in data["new"]] == ["DOC22"]
    assert ("DOC24", "cantTell") in {(f["rule"], f["why"]) for f in data["let_through"]}
    page = tmp_path / "page.html"
    page.write_text('<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>資料</title></head><body>'
                    '<main><h1>資料</h1><p>お知らせの資料です。</p></main></body></html>', encoding="utf-8")
    both = cli("gate", str(page), str(docs / "slides-alt.pptx"), "--viewport", "pc", "--format", "json",
               check=False)
    data = json.loads(both.stdout)
    assert {p["viewport"] for p in data["pages"]} == {"pc", "document"} and all(p["ok"] for p in data["pages"])
    assert not [f for f in data["new"] if f["viewport"] == "document"], data["new"]

    # baseline accept on a document: the gate then passes; once the file is fixed its entry is dropped
    import shutil
    doc = tmp_path / "notice.pdf"
    shutil.copy(docs / "untagged.pdf", doc)
    base = tmp_path / "baseline.yaml"
    cli("baseline", "accept", str(doc), "--baseline", str(base), "--reason", "作り直し中")
    assert cli("gate", str(doc), "--baseline", str(base), check=False).returncode == 0
    shutil.copy(docs / "tagged-good.pdf", doc)
    fixed = cli("baseline", "accept", str(doc), "--baseline", str(base))
    assert "1 dropped" in fixed.stderr
