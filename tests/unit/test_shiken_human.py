"""The 試験結果 model and the human-test import: human verdicts win, automation never yields 適合, bad files name
file, line and field. Runs on artifacts of real Chromium output (tests/fixtures) re-evaluated into a real store."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from a11yaudit.audit import AuditOptions, reevaluate_artifacts
from a11yaudit.cli import cli
from a11yaudit.config import load_sites
from a11yaudit.errors import ConfigError
from a11yaudit.report.human import load_human
from a11yaudit.report.shiken import build_shiken, criterion_numbers, report_criteria
from a11yaudit.report.shiken_export import render_shiken_html, write_shiken
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.standards import load_standards
from a11yaudit.store.db import Store
from a11yaudit.store.samples import get_sample, save_sample
from a11yaudit.discover.sampling import draw

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "artifacts" / "sample"
ORIGIN = "http://sample.invalid"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shiken")
    site = load_sites(ROOT / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]
    db = f"sqlite:///{tmp / 'a.sqlite'}"
    store = Store(db)
    run_id = reevaluate_artifacts(site, store, load_rules(), AuditOptions(
        profile="jis2016", viewports=["pc", "sp"], artifacts_root=tmp / "art", quiet=True), FIXTURES)
    pop = sorted(p["url"] for p in store.run_pages(run_id) if p["scope"] == "in_scope")
    sample = get_sample(store, save_sample(store, run_id, draw(pop, base_url=site.base_url)))
    failed = {}
    for r in store.run_results(run_id):
        if r["outcome"] == "failed":
            for c in r["criteria"].split(","):
                failed.setdefault(c, set()).add(r["page_id"])
    return {"tmp": tmp, "db": db, "store": store, "run": run_id, "site": site, "sample": sample, "failed": failed}


def _load(audited, name, text):
    path = audited["tmp"] / name
    path.write_text(text, encoding="utf-8")
    all_criteria, profiles = load_standards()
    prof = profiles["jis2016"]
    ids = [c.id for c, _ in report_criteria(prof, "AA", [], all_criteria)]
    return load_human(path, criteria=criterion_numbers(prof, ids, all_criteria),
                      tested_urls={p["url"] for p in audited["sample"]["pages"]}, base_url=ORIGIN)


def _view(audited, human=()):
    return build_shiken(audited["store"], audited["run"], audited["sample"], load_rules(), audited["site"],
                        human=list(human))


def test_automation_alone_never_yields_conformance(audited):
    view = _view(audited)
    rows = {r["id"]: r for r in view["checklist"]}
    assert len(rows) == 38 and view["sample"]["method"] == "a" and view["sample"]["counts"]["tested"] == 7
    assert "適合" not in {r["result"] for r in rows.values()}
    assert rows["1.1.1"]["result"] == "不適合" and "自動チェックで" in rows["1.1.1"]["auto"]
    assert rows["1.2.1"]["result"] == "要人手確認" and rows["2.4.5"]["result"] == "要人手確認"
    assert view["status"] == "failed" and all(p["verdict"] != "適合" for p in view["pages"])
    assert view["tools"][1] == "axe-core 4.12.1"


def test_human_verdicts_win_and_show_their_source(audited):
    kurashi = "/kurashi/gomi/"
    human = _load(audited, "human.csv", "\ufeff達成基準,URL,適用,結果,注記,試験実施者,試験日\n"
                  "1.2.1,,非適用,,,試験 太郎,2026-11-20\n"
                  "1.1.1,,適用,適合,代替テキストを確認 <script>alert(1)</script>,試験 太郎,2026-11-21\n"
                  f"1.3.1,{kurashi},適用,不適合,表の見出しが不足,,\n")
    assert [h.source for h in human] == ["human.csv:2", "human.csv:3", "human.csv:4"]
    view = _view(audited, human)
    rows = {r["id"]: r for r in view["checklist"]}
    assert (rows["1.2.1"]["applicability"], rows["1.2.1"]["result"], rows["1.2.1"]["note"]) == \
        ("非適用", "適合", "該当コンテンツなし")
    assert rows["1.1.1"]["result"] == "適合" and "human.csv:3" in rows["1.1.1"]["source"]
    assert "人の判定を優先" in rows["1.1.1"]["note"]       # automation disagreed; the human verdict wins
    assert rows["1.3.1"]["result"] == "不適合" and "人による試験で1ページ" in rows["1.3.1"]["note"]
    page = next(p for p in view["pages"] if p["url"] == ORIGIN + kurashi)
    assert page["verdict"] == "不適合" and page["human"][0]["number"] == "1.3.1"
    assert view["period"]["start"].isoformat() <= "2026-11-20" and view["human"]["testers"] == ["試験 太郎"]
    html = render_shiken_html(view)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "試験結果" in html and "表明日" in html and "2026年11月27日" in html


def test_full_human_test_gives_all_pass(audited):
    view = _view(audited)
    lines = ["criterion,result,applicability,note"]
    for r in view["checklist"]:
        lines.append(f"{r['number']},,非適用," if r["id"].startswith("1.2.") else f"{r['number']},pass,,")
    view = _view(audited, _load(audited, "all.csv", "\n".join(lines) + "\n"))
    assert view["status"] == "all_pass" and view["totals"]["適合"] == 38 and view["totals"]["not_applicable"] == 5
    assert all(p["verdict"] == "適合" for p in view["pages"])
    out = write_shiken(view, audited["tmp"] / "out", ["html", "csv", "json"])
    assert [p.name for p in out] == ["shiken.html", "shiken-checklist.csv", "shiken-pages.csv", "shiken.json"]
    csv_text = (audited["tmp"] / "out" / "shiken-checklist.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("No.,達成基準,適合レベル,適用,結果,注記")
    assert "1.2.1,音声だけ及び映像だけ(収録済み),A,非適用,適合,該当コンテンツなし" in csv_text


def test_yaml_import(audited):
    human = _load(audited, "human.yaml", "version: 1\ntester: 試験 花子\ndate: 2026-11-22\nverdicts:\n"
                  "  - {criterion: 2.4.5, result: 適合, note: サイトマップと検索}\n"
                  "  - {criterion: 1.2.2, applicability: 非適用}\n"
                  "  - {criterion: 2.4.2, url: /, result: fail}\n")
    assert [(h.criterion, h.result, h.tester, h.url) for h in human] == [
        ("2.4.5", "適合", "試験 花子", None), ("1.2.2", "適合", "試験 花子", None),
        ("2.4.2", "不適合", "試験 花子", ORIGIN + "/")]
    assert human[2].source == "human.yaml:7"


@pytest.mark.parametrize("name,text,line,field,words", [
    ("a.csv", "criterion,result\n1.1.1,適合\n1.4.3,まあまあ\n", 3, "result", "適合 or 不適合"),
    ("b.csv", "criterion,result,colour\n", 1, "colour", "unknown column"),
    ("c.csv", "criterion,result\n1.1.1,適合\n9.9.9,適合\n", 3, "criterion", "not a success criterion"),
    ("d.csv", "criterion,result\n1.1.1,適合\n1.1.1,不適合\n", 3, "criterion", "duplicate verdict for 1.1.1 (first at line 2)"),
    ("e.csv", "criterion,url,result\n1.1.1,/not-tested/,適合\n", 2, "url", "not a page of the sample"),
    ("f.csv", "criterion,applicability,result\n1.2.1,非適用,不適合\n", 2, "result", "cannot be 不適合"),
    ("g.csv", "criterion,result\n1.1.1,\n", 2, "result", "required"),
    ("h.csv", "criterion,result,date\n1.1.1,適合,11/20\n", 2, "date", "YYYY-MM-DD"),
    ("i.yaml", "verdicts:\n  - {criterion: 1.1.1, result: ok}\n", 2, "verdicts[0].result", "適合 or 不適合"),
    ("j.yaml", "verdicts:\n  - criterion: 1.1.1\n    result: 適合\n  - criterion: 2.4.2\n    reslt: 適合\n", 5,
     "verdicts[1].reslt", "unknown field"),
    ("k.yaml", "- {criterion: 1.1.1, result: 適合}\n- {criterion: 4.1.1, url: /zzz/, result: 適合}\n", 2,
     "[1].url", "not a page of the sample"),
])
def test_bad_human_files_name_file_line_and_field(audited, name, text, line, field, words):
    with pytest.raises(ConfigError) as exc:
        _load(audited, name, text)
    err = exc.value
    assert err.file.endswith(name) and (err.line, err.field) == (line, field), str(err)
    assert words in str(err)


def test_shiken_command_rejects_a_bad_human_file_with_exit_2(audited):
    bad = audited["tmp"] / "bad.csv"
    bad.write_text("criterion,result\n1.1.1,たぶん\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["--db", audited["db"], "shiken", "sample", "--human", str(bad),
                                   "--format", "html", "--reports-dir", str(audited["tmp"] / "rep")])
    assert res.exit_code == 2 and f"{bad}:2: result: must be 適合 or 不適合" in res.output
    res = CliRunner().invoke(cli, ["--db", audited["db"], "shiken", "sample", "--format", "html,json",
                                   "--reports-dir", str(audited["tmp"] / "rep")])
    assert res.exit_code == 0, res.output
    assert (audited["tmp"] / "rep" / "sample" / str(audited["run"]) / "shiken" / "shiken.json").exists()
