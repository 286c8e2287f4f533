"""An audit's findings through the reporters seam: `a11yaudit report SITE --format json|junit|sarif` writes the
stored run with the gate's writers, every finding identified by the fingerprint the database stored."""

import json
import xml.etree.ElementTree as ET


def test_audit_run_as_json_junit_and_sarif(sample_audit, cli, tmp_path):
    db, store, run = sample_audit["db"], sample_audit["store"], sample_audit["run"]
    stored = store.run_findings(run["id"])
    done = {p["id"] for p in store.run_pages(run["id"]) if p["state"] == "done" and p["kind"] == "html"}
    fps = {f["fingerprint"] for f in stored if f["page_id"] in done}

    proc = cli("--db", db, "report", "sample", "--format", "json", check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    listed = data["new"] + data["let_through"]
    assert {f["fingerprint"] for f in listed} == fps
    assert data["new"], "the sample site has planted A/AA failures"
    assert all(f["outcome"] == "failed" for f in data["new"])
    assert {p["url"] for p in data["pages"]} == {p["url"] for p in store.run_pages(run["id"]) if p["id"] in done}

    out = tmp_path / "run.sarif"
    proc = cli("--db", db, "report", "sample", "--format", "sarif", "-o", str(out), check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    sarif = json.loads(out.read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert len(results) == len(data["new"]) + len(data["let_through"])

    proc = cli("--db", db, "report", "sample", "--format", "junit", "--lang", "en", check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    root = ET.fromstring(proc.stdout.encode("utf-8"))
    failures = sum(1 for c in root.iter("testcase") if c.find("failure") is not None)
    assert failures >= 1
