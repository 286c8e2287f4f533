"""The CI gate's pure parts: baseline files, comparison, and the JSON / JUnit / SARIF writers (no browser)."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from a11yaudit import gate
from a11yaudit.errors import ConfigError
from a11yaudit.gather.browser import PageLoad
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.model import CANT_TELL, FAILED, PASSED, Finding, RuleResult
from a11yaudit.store.db import fingerprint

TODAY = dt.date(2026, 6, 1)
HOSTILE = 'タイトル <script>alert(1)</script> ]]> "><img onerror=x> </testcase>\x00\x1b\x0b end'


def _target(spec="page.html", site_key="file", path="page.html", profile="jis2016"):
    return gate.Target(spec=spec, kind="file", load_url=gate.LOCAL_ORIGIN + "/" + path, identity_url=path,
                       site_key=site_key, fp_path=path, location=path, profile=profile)


def _load(spec, vp, title=HOSTILE, ok=True):
    if not ok:
        return PageLoad(url=spec, viewport=vp, error_kind="timeout", error="Timeout 30000ms exceeded")
    return PageLoad(url=spec, viewport=vp, artifacts={"page": {"title": title}})


def _results(vp):
    return [
        RuleResult("axe:image-alt", vp, FAILED, ["1.1.1"], [
            Finding("axe:image-alt", vp, FAILED, "img.a", '<img src="a" alt="]]></testcase>">', HOSTILE,
                    criteria=["1.1.1"]),
            Finding("axe:image-alt", vp, FAILED, "img.b", "<img>", "画像に代替テキストがない", criteria=["1.1.1"],
                    message_en="Fix any of the following:\n  Element does not have an alt attribute")]),
        RuleResult("JP05", vp, CANT_TELL, ["2.4.9"], [
            Finding("JP05", vp, CANT_TELL, "a.here", "<a>こちら</a>", "こちら", criteria=["2.4.9"])]),
        RuleResult("JP12", vp, FAILED, [], [Finding("JP12", vp, FAILED, "a.pdf", "<a>", "PDF", criteria=[])]),
        RuleResult("axe:reflow", vp, FAILED, ["1.4.10"], [
            Finding("axe:reflow", vp, FAILED, "div.wide", "<div>", "横スクロール", criteria=["1.4.10"])]),
        RuleResult("axe:document-title", vp, PASSED, ["2.4.2"]),
    ]


def _fp(selector, rule="axe:image-alt", vp="pc"):
    return fingerprint("file", "page.html", vp, rule, selector)


def _compare(baseline, fail_on="AA", ok=True):
    t = _target()
    loads = {(t.spec, "pc"): _load(t.spec, "pc", ok=ok)}
    results = {(t.spec, "pc"): _results("pc")} if ok else {}
    return gate.compare([t], loads, results, baseline, ruleset=load_rules(), fail_on=fail_on, today=TODAY)


def test_new_findings_fail_and_the_rest_is_let_through_with_why():
    res = _compare([])
    assert res.exit_code == 1 and res.status == "failed"
    assert {f.selector for f in res.new} == {"img.a", "img.b"}
    why = {f.rule: f.why for f in res.let_through}
    assert why == {"JP05": "cantTell", "JP12": "addon", "axe:reflow": "below_level"}
    reflow = next(f for f in res.let_through if f.rule == "axe:reflow")
    assert "not in jis2016" in reflow.reason


def test_english_output_shows_english_messages_where_there_are_some():
    res = _compare([])
    b = next(f for f in res.new if f.selector == "img.b")
    assert b.text("ja") == "画像に代替テキストがない" and b.text("en").startswith("Fix any of the following:")
    a = next(f for f in res.new if f.selector == "img.a")
    assert a.text("en") == HOSTILE                      # no English message stored: the message as it is
    assert "Element does not have an alt attribute" in gate.summary_text(res, "en")
    assert "画像に代替テキストがない" in gate.summary_text(res, "ja")
    assert "Element does not have an alt attribute" not in gate.summary_text(res, "ja")
    sarif = json.loads(gate.to_sarif(res, "en"))
    texts = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert any("Element does not have an alt attribute" in t for t in texts)
    assert "Element does not have an alt attribute" in gate.to_junit(res, "en")
    assert "画像に代替テキストがない" in gate.to_junit(res, "ja")
    out = json.loads(gate.to_json(res))                 # JSON carries both
    row = next(f for f in out["new"] if f["selector"] == "img.b")
    assert row["message"] == "画像に代替テキストがない" and row["message_en"].startswith("Fix any")


def test_baseline_accepted_expired_and_fixed():
    baseline = [
        gate.BaselineEntry(_fp("img.a"), "axe:image-alt", "page.html", "pc", "img.a", reason="CMS の既知の不具合"),
        gate.BaselineEntry(_fp("img.b"), "axe:image-alt", "page.html", "pc", "img.b", reason="期限付き",
                           expires=dt.date(2026, 1, 31)),
        gate.BaselineEntry(_fp("img.gone"), "axe:image-alt", "page.html", "pc", "img.gone", reason="直した"),
        gate.BaselineEntry(_fp("img.other"), "axe:image-alt", "other.html", "pc", "img.other", reason="別ページ"),
    ]
    res = _compare(baseline)
    assert [f.selector for f in res.new] == ["img.b"] and res.new[0].expired == "2026-01-31"
    assert [e.selector for e in res.expired] == ["img.b"]
    accepted = [f for f in res.let_through if f.why == "baseline"]
    assert [(f.selector, f.reason) for f in accepted] == [("img.a", "CMS の既知の不具合")]
    assert [e.selector for e in res.fixed] == ["img.gone"]        # other.html was not gated: not "fixed"
    text = gate.summary_text(res, "ja")
    assert "CMS の既知の不具合" in text and "期限切れ" in text and "修正済み" in text and "img.gone" in text
    assert "\x1b" not in text and "\x00" not in text
    baseline[1].expires = dt.date(2026, 12, 31)
    assert _compare(baseline).exit_code == 0


def test_fail_on_levels():
    assert _compare([], fail_on="none").exit_code == 0
    assert _compare([], fail_on="A").exit_code == 1
    res = _compare([], fail_on="none")
    assert all(f.why in ("below_level", "cantTell", "addon") for f in res.let_through)


def test_load_error_is_exit_3():
    res = _compare([], ok=False)
    assert res.exit_code == 3 and res.load_errors


def test_parse_baseline_yaml_and_json(tmp_path):
    fp = "a" * 40
    entries = gate.parse_baseline(f"- fingerprint: {fp}\n  rule: JP02\n  reason: 理由\n  expires: 2026-03-31\n"
                                  "  accepted_at: 2026-01-01\n", "b.yaml")
    assert entries[0].expires == dt.date(2026, 3, 31) and entries[0].accepted_at == "2026-01-01"
    entries = gate.parse_baseline(json.dumps({"version": 1, "entries": [{"fingerprint": fp.upper(),
                                                                          "expires": "2026-03-31"}]}), "b.json")
    assert entries[0].fingerprint == fp
    assert gate.parse_baseline("", "b.yaml") == []


@pytest.mark.parametrize("text, line, field", [
    ("- fingerprint: abc\n", 1, "[0].fingerprint"),
    (f"- fingerprint: {'a' * 40}\n  reason: ok\n- fingerprint: {'b' * 40}\n  expires: next week\n", 4, "[1].expires"),
    (f"- fingerprint: {'a' * 40}\n  reasn: typo\n", 2, "[0].reasn"),
    (f"- fingerprint: {'a' * 40}\n  reason: [1, 2]\n", 2, "[0].reason"),
    ("- fingerprint: [unclosed\n", 2, None),
    ("fingerprint: x\n", 1, "fingerprint"),
])
def test_malformed_baseline_names_file_line_and_field(text, line, field):
    with pytest.raises(ConfigError) as err:
        gate.parse_baseline(text, "gate-baseline.yaml")
    e = err.value
    assert e.file == "gate-baseline.yaml" and e.line == line and e.exit_code == 2
    if field:
        assert e.field == field and field in str(e)


def test_malformed_json_baseline():
    with pytest.raises(ConfigError) as err:
        gate.parse_baseline('[{"fingerprint": }]', "b.json")
    assert err.value.file == "b.json" and err.value.line == 1
    with pytest.raises(ConfigError) as err:
        gate.parse_baseline('[{"fingerprint": "' + "a" * 40 + '", "expires": 5}]', "b.json")
    assert err.value.field == "[0].expires"


def test_merge_and_dump_baseline_roundtrip(tmp_path):
    res = _compare([])
    old = gate.BaselineEntry(_fp("img.a"), "axe:image-alt", "page.html", "pc", "img.a", reason="元の理由",
                             accepted_at="2025-01-01")
    gone = gate.BaselineEntry(_fp("img.gone"), "axe:image-alt", "page.html", "pc", "img.gone", reason="x")
    other = gate.BaselineEntry(_fp("img.o"), "axe:image-alt", "other.html", "pc", "img.o", reason="y")
    merged, stats = gate.merge_baseline([old, gone, other], res.findings, {"page.html"}, {"pc"}, reason="新規",
                                        expires=dt.date(2027, 1, 1), today=TODAY)
    by_sel = {e.selector: e for e in merged}
    assert by_sel["img.a"].reason == "元の理由" and by_sel["img.a"].accepted_at == "2025-01-01"
    assert "img.gone" not in by_sel and "img.o" in by_sel
    assert by_sel["img.b"].reason == "新規" and by_sel["img.b"].expires == dt.date(2027, 1, 1)
    assert "a.here" not in by_sel          # cantTell findings are not recorded
    assert stats == {"added": 3, "kept": 1, "dropped": 1}   # img.b, JP12 and the reflow finding are added
    for name in ("b.yaml", "b.json"):
        text = gate.dump_baseline(merged, name)
        assert {e.fingerprint for e in gate.parse_baseline(text, name)} == {e.fingerprint for e in merged}


def test_writers_escape_hostile_content():
    res = _compare([gate.BaselineEntry(_fp("img.b"), "axe:image-alt", "page.html", "pc", "img.b", reason=HOSTILE)])
    xml = gate.to_junit(res)
    root = ET.fromstring(xml.encode("utf-8"))           # parses: nothing broke out of its element
    suites = root.findall("testsuite")
    assert len(suites) == 1 and suites[0].get("name") == "page.html [pc]"
    cases = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert set(cases) == {"axe:image-alt", "JP05", "JP12", "axe:reflow", "axe:document-title"}
    failure = cases["axe:image-alt"].find("failure")
    assert failure is not None and "]]></testcase>" in failure.text and "<script>" in failure.get("message")
    assert cases["JP12"].find("failure") is None
    title = suites[0].find("properties/property[@name='title']").get("value")
    assert "</testcase>" in title and "\x00" not in title and "\ufffd" in title

    sarif = json.loads(gate.to_sarif(res))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "WCAG 1.1.1" in rules["axe:image-alt"]["properties"]["tags"]
    assert rules["axe:image-alt"]["helpUri"].startswith("https://")
    by_sel = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run["results"]}
    assert by_sel["img.a"]["level"] == "error" and HOSTILE in by_sel["img.a"]["message"]["text"]
    assert by_sel["img.b"]["level"] == "warning" and by_sel["img.b"]["suppressions"][0]["justification"] == HOSTILE
    assert by_sel["a.here"]["level"] == "note"
    assert by_sel["img.a"]["partialFingerprints"]["a11yaudit/v1"] == _fp("img.a")
    assert by_sel["img.a"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "page.html"
    assert run["results"][0]["ruleId"] == run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"]

    data = json.loads(gate.to_json(res))
    assert data["status"] == "failed" and data["counts"]["new"] == 1
    assert data["pages"][0]["title"] == HOSTILE


@pytest.mark.parametrize("data, words", [(b"", "empty"), (b"  \n\t", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
                                         (b"just some text", "no HTML")])
def test_bad_html_input(data, words):
    with pytest.raises(ConfigError) as err:
        gate.check_html(data, "<stdin>")
    assert words in str(err.value) and err.value.exit_code == 2


def test_targets_of_a_served_site_use_the_site_fingerprints(root):
    from a11yaudit.config import load_sites
    sites = load_sites(root / "sites.yaml").sites
    [t] = gate.resolve_targets([str(root / "examples/sample-site/kanko/spot/index.html")], base_url=None,
                               sites=sites, profile=None)
    assert t.site.id == "sample" and t.identity_url == "http://sample.invalid/kanko/spot/"
    assert (t.site_key, t.fp_path) == ("sample", "/kanko/spot/") and t.profile == "jis2016"
    [u] = gate.resolve_targets(["http://sample.invalid/kanko/"], base_url=None, sites=sites,
                               profile="jis2016+gov-style")
    assert u.serve_root == sites[0].serve and u.profile == "jis2016+gov-style"
    [s] = gate.resolve_targets(["-"], base_url="https://www.example.jp/news/a.html", sites=sites, profile=None,
                               read_stdin=lambda: b"<p>x</p>")
    assert (s.site_key, s.fp_path, s.body) == ("www.example.jp", "/news/a.html", b"<p>x</p>")
    with pytest.raises(ConfigError, match="--base-url"):
        gate.resolve_targets(["-"], base_url=None, sites=[], profile=None, read_stdin=lambda: b"<p>")
    with pytest.raises(ConfigError, match="file not found"):
        gate.resolve_targets(["nope/missing.html"], base_url=None, sites=[], profile=None)


def test_db_baseline_without_a_finished_run_names_the_database(db_url):
    from a11yaudit.store.db import Store
    store = Store(db_url)
    with pytest.raises(ConfigError) as err:
        gate.db_baseline(store, "nosuchsite")
    assert "nosuchsite" in str(err.value) and "sqlite" in str(err.value)
