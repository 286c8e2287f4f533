"""The human test in the workspace and a run's downloads: the real server (`a11yaudit serve` in a subprocess on
127.0.0.1) on a copy of the session's sample-site audit database with a JB.1.2 sample drawn by `a11yaudit sample`,
driven by real Chromium (Playwright). An editor enters verdicts on a sampled page's form; `a11yaudit shiken` (CLI)
and the workspace's own 試験結果 download both carry them; a viewer's save and a save without the CSRF token are
refused and change nothing."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from pathlib import Path

import pytest


sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from servetools import start_serve, stop_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"editor1": "editor-pass-1", "viewer1": "viewer-pass-1"}
ROLES = {"editor1": "editor", "viewer1": "viewer"}
HOSTILE_NOTE = '<script>alert(1)</script>"><img src=x onerror=alert(1)> 見出しの順序が不自然'
# Criteria an imported file may already have judged for the whole sample in the session's database
# (tests/browser/test_shiken_report.py): a whole-sample verdict wins over page verdicts, so they are not used here.
IMPORTED = {"1.2.1", "2.4.5", "1.3.1"}


@pytest.fixture(scope="module")
def workspace(sample_audit, tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("workspace-human")
    path = tmp / "ws.sqlite"
    with sqlite3.connect(sample_audit["db"][len("sqlite:///"):]) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    db = f"sqlite:///{path}"
    run = sample_audit["run"]
    out = cli("--db", db, "sample", "sample", "--run", str(run["id"]), "--method", "d", "--random", "3",
              "--seed", "7")
    sampled = [line.split("\t")[2] for line in out.stdout.strip().splitlines()]
    for name, password in PASSWORDS.items():
        cli("--db", db, "user", "add", name, "--role", ROLES[name], "--password-stdin", input=password + "\n")
    proc, base = start_serve(db)
    try:
        from a11yaudit.store.db import Store
        yield {"cli": cli, "base": base, "db": db, "store": Store(db), "run": run, "sampled": sampled,
               "tmp": tmp}
    finally:
        stop_process(proc)


def _login(browser, base: str, name: str, dialogs: list):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = ctx.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/")
    assert "/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    assert page.url.rstrip("/") == base
    return page


def _id(value: str) -> str:
    """A selector by id (criterion ids have dots)."""
    return f"[id='{value}']"


def _stored(workspace) -> list[dict]:
    from a11yaudit.store.human import run_verdicts
    return [r for r in run_verdicts(workspace["store"], workspace["run"]["id"]) if r["source"].startswith("ワークスペース")]


def test_editor_enters_verdicts_that_shiken_and_the_downloads_carry(workspace, browser):
    base, run, sampled = workspace["base"], workspace["run"], workspace["sampled"]
    dialogs: list = []
    page = _login(browser, base, "editor1", dialogs)
    # From the run page to the sample's pages and the first page's form.
    page.goto(f"{base}/runs/{run['id']}")
    page.click("#human + p a")
    assert page.url == f"{base}/runs/{run['id']}/human"
    rows = page.locator("table tbody tr")
    assert rows.count() == len(sampled)
    assert [rows.nth(i).locator(".url").inner_text() for i in range(rows.count())] == sampled
    rows.first.locator("a").click()
    assert page.url == f"{base}/runs/{run['id']}/human/1"
    assert page.locator(".facts .url").inner_text() == sampled[0]
    # The criteria asked are those the automation-only 試験結果 leaves 要人手確認 (the model's own computation).
    from a11yaudit.config import load_sites
    from a11yaudit.report.shiken import NEEDS_HUMAN, build_shiken
    from a11yaudit.rules.loader import load_rules
    from a11yaudit.store.samples import latest_sample
    store = workspace["store"]
    sample = latest_sample(store, run["id"])
    site = load_sites(ROOT / "sites.yaml", known_profiles=None).get("sample")
    auto = build_shiken(store, run["id"], sample, load_rules(), site, human=[])
    asked = [c["id"] for c in auto["checklist"] if c["result"] == NEEDS_HUMAN]
    shown = [i[len("c-"):] for i in page.locator("fieldset.criterion").evaluate_all("els => els.map(e => e.id)")]
    assert set(asked) <= set(shown) and asked
    ok_crit, bad_crit = [c for c in asked if c not in IMPORTED][:2]
    page.check(_id(f"v-{ok_crit}-pass"))
    page.check(_id(f"v-{bad_crit}-fail"))
    page.fill(_id(f"n-{bad_crit}"), HOSTILE_NOTE)
    page.click("form.stack button[type=submit]")
    assert page.locator("p.ok[role=status]").inner_text() == "人による判定を保存しました。"
    assert page.locator(_id(f"v-{bad_crit}-fail")).is_checked()
    assert page.locator(_id(f"n-{bad_crit}")).input_value() == HOSTILE_NOTE   # text, not markup
    stored = {r["criterion"]: r for r in _stored(workspace)}
    assert set(stored) == {ok_crit, bad_crit}
    assert stored[bad_crit]["verdict"] == "fail" and stored[bad_crit]["note"] == HOSTILE_NOTE
    assert stored[bad_crit]["tester"] == "editor1" and stored[bad_crit]["url"] == sampled[0]
    assert stored[ok_crit]["verdict"] == "pass" and stored[ok_crit]["updated_at"] is not None

    # `a11yaudit shiken` (CLI) combines them with the automated results.
    out = workspace["tmp"] / "reports"
    proc = workspace["cli"]("--db", workspace["db"], "shiken", "sample", "--run", str(run["id"]), "--format",
                            "csv,json", "--reports-dir", str(out))
    files = {p.rsplit("/", 1)[-1]: Path(p) for p in proc.stdout.split()}
    view = json.loads(files["shiken.json"].read_text(encoding="utf-8"))
    assert view["sample"]["id"] == sample["id"]
    checklist = {r["id"]: r for r in view["checklist"]}
    assert checklist[bad_crit]["result"] == "不適合"
    assert "人による試験で1ページが不適合" in checklist[bad_crit]["note"]
    assert "人による試験（ページ別 1件）" in checklist[ok_crit]["source"]
    first = view["pages"][0]
    assert first["url"] == sampled[0] and first["verdict"] == "不適合"
    human = {h["number"]: h for h in first["human"]}
    assert human[checklist[bad_crit]["number"]]["note"] == HOSTILE_NOTE
    assert human[checklist[bad_crit]["number"]]["source"] == "ワークスペース:editor1"
    assert human[checklist[ok_crit]["number"]]["result"] == "適合"
    cli_pages_csv = files["shiken-pages.csv"].read_text(encoding="utf-8-sig")
    assert f"{checklist[bad_crit]['number']} 不適合" in cli_pages_csv

    # The same 試験結果 downloaded from the run page: attachment, safe file name, the same verdicts.
    page.goto(f"{base}/runs/{run['id']}")
    with page.expect_download() as d:
        page.click("a[href$='/download/shiken-pages.csv']")
    download = d.value
    assert download.suggested_filename == f"sample-run{run['id']}-shiken-pages.csv"
    web_pages_csv = Path(download.path()).read_text(encoding="utf-8-sig")
    assert web_pages_csv == cli_pages_csv
    row = next(r for r in csv.reader(io.StringIO(web_pages_csv)) if r[1] == sampled[0])
    assert f"{checklist[bad_crit]['number']} 不適合" in row[6] and f"{checklist[ok_crit]['number']} 適合" in row[6]
    assert row[7] == "不適合"
    resp = page.request.get(f"{base}/runs/{run['id']}/download/shiken-checklist.csv")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"].startswith(
        f'attachment; filename="sample-run{run["id"]}-shiken-checklist.csv"')
    web_checklist = {r[0]: r for r in csv.reader(io.StringIO(resp.text().lstrip("\ufeff")))}
    assert web_checklist[checklist[bad_crit]["number"]][4] == "不適合"
    assert "人による試験（ページ別 1件）" in web_checklist[checklist[ok_crit]["number"]][7]
    resp = page.request.get(f"{base}/runs/{run['id']}/download/shiken.json")
    web_view = json.loads(resp.text())
    assert {r["id"]: r["result"] for r in web_view["checklist"]} == {k: r["result"] for k, r in checklist.items()}
    # The trend and the scope plan are the report builders' output.
    resp = page.request.get(f"{base}/runs/{run['id']}/download/trend.json")
    assert resp.headers["content-disposition"].startswith(f'attachment; filename="sample-run{run["id"]}-trend.json"')
    trend = json.loads(resp.text())
    assert run["id"] in [p["run"] for p in trend["periods"]]
    resp = page.request.get(f"{base}/runs/{run['id']}/download/trend.csv")
    assert resp.text().lstrip("\ufeff").startswith("period,")
    resp = page.request.get(f"{base}/runs/{run['id']}/download/scope-plan.json")
    plan = json.loads(resp.text())
    assert plan["run"] == run["id"] and plan["site"]["id"] == "sample"
    resp = page.request.get(f"{base}/runs/{run['id']}/download/shiken.html")
    assert resp.headers["content-disposition"].startswith("attachment;")
    assert "達成基準チェックリスト" in resp.text() and "<script>alert(1)" not in resp.text()
    resp = page.request.get(f"{base}/runs/{run['id']}/download/shiken.pdf")     # Chromium's print
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    assert resp.body()[:5] == b"%PDF-"
    assert page.request.get(f"{base}/runs/{run['id']}/download/..%2Fsites.yaml").status == 404
    # Clearing a verdict (未判定) deletes it.
    page.goto(f"{base}/runs/{run['id']}/human/1")
    page.check(_id(f"v-{ok_crit}-none"))
    page.click("form.stack button[type=submit]")
    assert {r["criterion"] for r in _stored(workspace)} == {bad_crit}
    assert dialogs == []


def test_viewer_sees_but_cannot_save_and_csrf_is_required(workspace, browser):
    base, run = workspace["base"], workspace["run"]
    before = _stored(workspace)
    dialogs: list = []
    page = _login(browser, base, "viewer1", dialogs)
    page.goto(f"{base}/runs/{run['id']}/human/1")
    assert page.locator("fieldset.criterion").count() > 0
    assert page.locator("input[type=radio]").count() == 0 and page.locator("form.stack").count() == 0
    assert "判定を入力するには編集者か管理者の権限が必要です。" in page.locator("main").inner_text()
    criterion = page.locator("fieldset.criterion").first.get_attribute("id")[len("c-"):]
    token = page.locator("input[name=csrf]").first.input_value()      # the viewer's own (logout form)
    resp = page.request.post(f"{base}/runs/{run['id']}/human/1", form={"csrf": token, f"v-{criterion}": "pass"})
    assert resp.status == 403
    assert _stored(workspace) == before
    # An editor's save without the CSRF token (or with a wrong one) is refused too.
    editor = _login(browser, base, "editor1", dialogs)
    resp = editor.request.post(f"{base}/runs/{run['id']}/human/1", form={f"v-{criterion}": "pass"})
    assert resp.status == 403 and "CSRF" in resp.text()
    resp = editor.request.post(f"{base}/runs/{run['id']}/human/1", form={"csrf": token, f"v-{criterion}": "pass"})
    assert resp.status == 403
    assert _stored(workspace) == before
    # English.
    page.goto(f"{base}/runs/{run['id']}/human?lang=en")
    assert page.locator("h1").inner_text().startswith("Human test")
    assert dialogs == []
