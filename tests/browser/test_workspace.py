"""The web workspace (`a11yaudit serve`, issue 16): the real server (the CLI in a subprocess, uvicorn on 127.0.0.1,
a free port) on a copy of the session's sample-site audit database, driven by real Chromium (Playwright): login,
sites and runs with the report model's figures, two runs compared, triage and the gate's db: baseline, roles, CSRF,
login rate limit, hostile page titles, and axe-core on the workspace's own pages."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from a11yaudit.gather.browser import AXE_TAGS, axe_source

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from servetools import start_serve, stop_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
PASSWORDS = {"admin": "admin-pass-1", "editor1": "editor-pass-1", "viewer1": "viewer-pass-1",
             "locked": "locked-pass-1"}
ROLES = {"admin": "admin", "editor1": "editor", "viewer1": "viewer", "locked": "viewer"}
GATED_FILE = "examples/sample-site/kenko/kaigo/index.html"
GATED_URL = "http://sample.invalid/kenko/kaigo/"


def _prepare(sample_audit, tmp: Path, cli) -> Path:
    """The workspace database: a copy of the session audit's database with a second run (the same artifacts
    re-evaluated with the gov-style addon: new problems), a hostile page title and four users."""
    src_db = sample_audit["db"][len("sqlite:///"):]
    path = tmp / "ws.sqlite"
    with sqlite3.connect(src_db) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    db = f"sqlite:///{path}"
    cli("--db", db, "audit", "sample", "--from-artifacts", sample_audit["run"]["artifacts_dir"], "--profile",
        "jis2016+gov-style", "--no-report", "--quiet", timeout=900)
    with sqlite3.connect(path) as conn:       # a page whose title carries script (stored as the page gave it)
        conn.execute("UPDATE pages SET title = ? WHERE url = ?", (PAYLOAD, GATED_URL))
    for name, password in PASSWORDS.items():
        cli("--db", db, "user", "add", name, "--role", ROLES[name], "--password-stdin", input=password + "\n")
    return path


@pytest.fixture(scope="module")
def workspace(sample_audit, session_memo, tmp_path_factory, cli):
    """A fresh copy of the workspace database (see _prepare: made once a session, each module that serves it gets
    its own copy, so no module sees another's changes) and `a11yaudit serve` running on it."""
    if "workspace-db" not in session_memo:
        session_memo["workspace-db"] = _prepare(sample_audit, tmp_path_factory.mktemp("workspace-db"), cli)
    tmp = tmp_path_factory.mktemp("workspace")
    path = tmp / "ws.sqlite"
    with sqlite3.connect(session_memo["workspace-db"]) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    db = f"sqlite:///{path}"
    run_a = sample_audit["run"]
    from a11yaudit.store.db import Store
    store = Store(db)
    run_b = store.list_runs("sample")[-1]
    assert run_b["id"] != run_a["id"] and run_b["status"] == "finished"
    proc, base = start_serve(db)
    try:
        yield {"cli": cli, "base": base, "db": db, "store": store, "run_a": run_a, "run_b": run_b, "tmp": tmp}
    finally:
        stop_process(proc)


def _page(browser, dialogs: list):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page


def _login(page, base: str, name: str, password: str | None = None):
    page.goto(f"{base}/")
    assert "/login" in page.url              # not logged in: sent to the login page
    page.fill("#name", name)
    page.fill("#password", password or PASSWORDS[name])
    page.click("button[type=submit]")
    return page


def _fingerprints(store, run_id: int) -> set[str]:
    pages = {p["id"]: p for p in store.run_pages(run_id)}
    return {f["fingerprint"] for f in store.run_findings(run_id)
            if pages[f["page_id"]]["kind"] == "html" and f["outcome"] in ("failed", "cantTell")}


def test_login_sites_runs_and_comparison(workspace, browser):
    from a11yaudit.report.model import build_report
    from a11yaudit.rules.loader import load_rules
    base, store, run_a, run_b = workspace["base"], workspace["store"], workspace["run_a"], workspace["run_b"]
    dialogs: list = []
    page = _login(_page(browser, dialogs), base, "admin")
    assert page.url.rstrip("/") == base
    # Headers: no framing, no inline script, session cookie HttpOnly + SameSite=Lax.
    resp = page.goto(f"{base}/")
    headers = resp.headers
    assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    cookie = next(c for c in page.context.cookies() if c["name"] == "a11yws_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # Home: the latest finished run's figures are the report model's.
    counts = build_report(store, run_b["id"], load_rules(), "ja")["counts"]
    row = page.locator("tbody tr", has_text="sample")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert f"実行 {run_b['id']}" in cells[0]
    assert cells[1:4] == [str(counts["audited"]), str(counts["audited_in_scope"]), f"{counts['problem_share']} %"]
    # Run page: the checklist and the problems, 50 per page, filterable.
    page.goto(f"{base}/runs/{run_a['id']}")
    assert page.locator("h2#checklist").inner_text() == "達成基準チェックリスト"
    assert page.locator("#checklist + table tbody tr").count() >= 38        # JIS X 8341-3 A + AA criteria
    total = len(_fingerprints(store, run_a["id"]))
    assert page.locator("#problem-count").inner_text().startswith(f"{total}件（全{total}件）")
    assert page.locator("table.problems tbody tr").count() == min(50, total)
    first_shared = int(page.locator("table.problems tbody tr").first.locator("td.num").inner_text().split()[0])
    assert first_shared >= 3                  # problems shared by many pages come first
    page.select_option("#f-viewport", "pc")
    page.select_option("#f-rule", "axe:color-contrast")
    page.click(".filters button[type=submit]")
    pc_contrast = {f["fingerprint"] for f in store.run_findings(run_a["id"])
                   if f["viewport"] == "pc" and f["rule"] == "axe:color-contrast"}
    assert page.locator("#problem-count").inner_text().startswith(f"{len(pc_contrast)}件（全{total}件）")
    assert page.locator("table.problems tbody tr").count() == len(pc_contrast)
    if total > 50:
        page.goto(f"{base}/runs/{run_a['id']}?page=2")
        assert page.locator("nav.pager [aria-current=page]").inner_text() == "2"
    # Comparison by fingerprint, both ways round.
    page.goto(f"{base}/sites/sample")
    page.select_option("#cmp-a", str(run_a["id"]))
    page.select_option("#cmp-b", str(run_b["id"]))
    page.click("form.filters button[type=submit]")
    fa, fb = _fingerprints(store, run_a["id"]), _fingerprints(store, run_b["id"])
    assert fb - fa, "the gov-style addon adds problems"
    assert page.locator("#count-new").inner_text().endswith(f": {len(fb - fa)}")
    assert page.locator("#count-fixed").inner_text().endswith(f": {len(fa - fb)}")
    assert page.locator("#count-persisting").inner_text().endswith(f": {len(fa & fb)}")
    page.goto(f"{base}/compare?a={run_b['id']}&b={run_a['id']}&lang=en")
    assert page.locator("#count-fixed").inner_text() == f"Fixed problems: {len(fb - fa)}"
    assert page.locator("html").get_attribute("lang") == "en"
    assert dialogs == []


def _problem_url(base: str, fp: str) -> str:
    return f"{base}/sites/sample/problems/{fp}"


def _gate(workspace, today: str | None = None):
    env = {"A11YAUDIT_TODAY": today} if today else {}
    proc = workspace["cli"]("--db", workspace["db"], "gate", GATED_FILE, "--viewport", "pc", "--baseline", "db:sample",
                   "--format", "json", env_extra=env, check=False)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    return proc.returncode, json.loads(proc.stdout)


def test_triage_accept_with_expiry_feeds_the_gate_baseline(workspace, browser):
    base, store, run_b = workspace["base"], workspace["store"], workspace["run_b"]
    pages = {p["id"]: p["url"] for p in store.run_pages(run_b["id"])}
    fp = next(f["fingerprint"] for f in store.run_findings(run_b["id"])
              if pages[f["page_id"]] == GATED_URL and f["viewport"] == "pc" and f["rule"] == "axe:color-contrast")
    dialogs: list = []
    page = _login(_page(browser, dialogs), base, "editor1")
    page.goto(f"{base}/runs/{run_b['id']}?rule=axe:color-contrast&viewport=pc")
    row = page.locator("table.problems tbody tr", has_text=GATED_URL)
    assert row.locator("td").last.inner_text().startswith("未対応")
    row.locator("a").first.click()
    assert page.url.startswith(_problem_url(base, fp))
    page.check("#status-accepted")
    page.fill("#reason", "委託先の改修を2030年1月に予定")
    page.fill("#expires", "2030-01-31")
    page.click("form.stack button[type=submit]")
    assert page.locator("#current-status").inner_text() == "許容 — 委託先の改修を2030年1月に予定 （期限 2030-01-31）"
    history = page.locator("table tbody tr").first.locator("td").all_inner_texts()
    assert history[1:] == ["editor1", "未対応 → 許容", "委託先の改修を2030年1月に予定", "2030-01-31"]
    # The run page shows it; the back link leads there.
    page.click("p.crumbs a:has-text('戻る')")
    row = page.locator("table.problems tbody tr", has_text=GATED_URL)
    assert "許容" in row.locator("td").last.inner_text() and "2030-01-31" in row.locator("td").last.inner_text()
    # Accepting without a reason or an expiry date is refused and changes nothing.
    page.goto(_problem_url(base, fp))
    page.check("#status-accepted")
    page.fill("#reason", "")
    page.fill("#expires", "")
    page.click("form.stack button[type=submit]")
    assert page.locator("p.error").inner_text() == "理由を入力してください。"
    # The gate reads the acceptance from the database: let through with its reason until the expiry date …
    code, data = _gate(workspace, "2029-12-01")
    assert code == 0, data
    through = {f["fingerprint"]: f for f in data["let_through"]}
    assert through[fp]["why"] == "baseline"
    assert through[fp]["reason"] == "accepted (editor1): 委託先の改修を2030年1月に予定"
    # … and no longer after it.
    code, data = _gate(workspace, "2030-02-15")
    assert code == 1
    assert fp in {f["fingerprint"] for f in data["new"]}
    assert fp in {e["fingerprint"] for e in data["expired"]}
    # Reopened: back to the audit's own baseline entry (known in the latest run, not new).
    page.goto(_problem_url(base, fp))
    page.check("#status-open")
    page.click("form.stack button[type=submit]")
    assert page.locator("#current-status").inner_text() == "未対応"
    code, data = _gate(workspace, "2030-02-15")
    assert code == 0
    assert {f["fingerprint"]: f for f in data["let_through"]}[fp]["reason"].startswith("site audit run")
    # A false positive has no end date.
    page.goto(_problem_url(base, fp))
    page.check("#status-false_positive")
    page.fill("#reason", "背景画像の上の文字で、実際のコントラストは十分")
    page.click("form.stack button[type=submit]")
    code, data = _gate(workspace, "2099-01-01")
    assert code == 0
    assert {f["fingerprint"]: f for f in data["let_through"]}[fp]["reason"] == \
        "false positive (editor1): 背景画像の上の文字で、実際のコントラストは十分"
    from a11yaudit.store.workspace import triage_history
    assert [(h["old_status"], h["new_status"]) for h in triage_history(store, "sample", fp)] == [
        ("open", "false_positive"), ("accepted", "open"), ("open", "accepted")]
    assert dialogs == []


def test_viewer_gets_403_and_posts_need_the_csrf_token(workspace, browser):
    base, store, run_b = workspace["base"], workspace["store"], workspace["run_b"]
    fp = next(f["fingerprint"] for f in store.run_findings(run_b["id"])
              if f["outcome"] == "failed" and f["rule"] != "axe:color-contrast")
    dialogs: list = []
    viewer = _login(_page(browser, dialogs), base, "viewer1")
    viewer.goto(_problem_url(base, fp))
    assert viewer.locator("form.stack").count() == 0       # no change form for a viewer
    csrf = viewer.locator("header form input[name=csrf]").get_attribute("value")
    resp = viewer.request.post(_problem_url(base, fp), form={"csrf": csrf, "status": "false_positive",
                                                             "reason": "viewer tries"}, max_redirects=0)
    assert resp.status == 403
    editor = _login(_page(browser, dialogs), base, "editor1")
    for form in ({"status": "false_positive", "reason": "no token"},
                 {"csrf": csrf, "status": "false_positive", "reason": "someone else's token"}):
        resp = editor.request.post(_problem_url(base, fp), form=form, max_redirects=0)
        assert resp.status == 403
        assert "CSRF" in resp.text()
    # Logging in without the login form's token is refused too.
    resp = editor.request.post(f"{base}/login", form={"name": "admin", "password": PASSWORDS["admin"]},
                               max_redirects=0)
    assert resp.status == 403
    from a11yaudit.store.workspace import triage_history
    assert triage_history(store, "sample", fp) == []
    # Nothing without a session: the pages send to the login page, a POST is refused.
    anon = browser.new_context().new_page()
    assert anon.request.get(f"{base}/runs/{run_b['id']}", max_redirects=0).status == 303
    assert anon.request.post(_problem_url(base, fp), form={"status": "open"}, max_redirects=0).status == 403
    assert dialogs == []


def test_admin_manages_users_and_logout_ends_the_session(workspace, browser):
    base, store, run_b = workspace["base"], workspace["store"], workspace["run_b"]
    fp = sorted(_fingerprints(store, run_b["id"]))[-1]
    dialogs: list = []
    admin = _login(_page(browser, dialogs), base, "admin")
    admin.click("header a:has-text('利用者')")
    admin.fill("#new-name", "newcomer")
    admin.fill("#new-password", "short")
    admin.click("#add-user button[type=submit]")
    assert "8 characters" in admin.locator("p.error").inner_text()
    admin.fill("#new-password", "newcomer-pass-1")
    admin.click("#add-user button[type=submit]")
    assert admin.locator("p.ok").inner_text() == "保存しました。"
    assert admin.locator("tbody tr", has_text="newcomer").locator("td").first.inner_text() == "閲覧者"
    newcomer = _login(_page(browser, dialogs), base, "newcomer", "newcomer-pass-1")
    newcomer.goto(_problem_url(base, fp))
    assert newcomer.locator("form.stack").count() == 0
    # Made an editor: the newcomer's sessions end, and after logging in again the change form is there.
    row = admin.locator("tbody tr", has_text="newcomer")
    row.locator("select").select_option("editor")
    row.locator("button").click()
    assert admin.locator("tbody tr", has_text="newcomer").locator("td").first.inner_text() == "編集者"
    newcomer.goto(_problem_url(base, fp))
    assert "/login" in newcomer.url
    _login(newcomer, base, "newcomer", "newcomer-pass-1")
    newcomer.goto(_problem_url(base, fp))
    assert newcomer.locator("form.stack").count() == 1
    # Only an admin manages users.
    assert newcomer.request.get(f"{base}/users").status == 403
    csrf = newcomer.locator("header form input[name=csrf]").get_attribute("value")
    resp = newcomer.request.post(f"{base}/users", form={"csrf": csrf, "action": "role", "name": "newcomer",
                                                        "role": "admin"}, max_redirects=0)
    assert resp.status == 403
    # Logging out deletes the session row: the old cookie no longer opens anything.
    cookie = next(c for c in newcomer.context.cookies() if c["name"] == "a11yws_session")
    newcomer.click("header form button[type=submit]")
    assert "/login" in newcomer.url
    replay = browser.new_context()
    replay.add_cookies([cookie])
    assert replay.request.get(f"{base}/runs/{run_b['id']}", max_redirects=0).status == 303
    assert dialogs == []


def test_login_attempts_are_rate_limited(workspace, browser):
    dialogs: list = []
    page = _page(browser, dialogs)
    for _ in range(5):
        _login(page, workspace["base"], "locked", "wrong-password")
        assert page.locator("p.error").inner_text() == "ユーザー名またはパスワードが違います。"
    _login(page, workspace["base"], "locked")                # the right password, but too many failures
    assert "しばらく受け付けません" in page.locator("p.error").inner_text()
    assert "/login" in page.url


def test_hostile_page_title_is_shown_as_text(workspace, browser):
    base, store, run_b = workspace["base"], workspace["store"], workspace["run_b"]
    dialogs: list = []
    page = _login(_page(browser, dialogs), base, "admin")
    page.goto(f"{base}/runs/{run_b['id']}?rule=axe:color-contrast&viewport=pc")
    row = page.locator("table.problems tbody tr", has_text=GATED_URL)
    assert row.locator(".title").inner_text() == PAYLOAD
    assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
    row.locator("a").first.click()
    assert page.locator(".facts .title").inner_text() == PAYLOAD
    page.goto(f"{base}/compare?a={workspace['run_a']['id']}&b={run_b['id']}")
    assert page.locator(".title", has_text="<script>").count() >= 1
    assert page.locator("img[src=x]").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_workspace_pages_pass_axe(workspace, browser):
    base, store, run_a, run_b = workspace["base"], workspace["store"], workspace["run_a"], workspace["run_b"]
    fp = sorted(_fingerprints(store, run_b["id"]))[0]
    dialogs: list = []
    page = _page(browser, dialogs)
    paths = ["/login", "/login?lang=en"]
    problems = []

    def check(path):
        page.goto(base + path)
        page.evaluate(axe_source())
        res = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                            AXE_TAGS + ["best-practice"])
        problems.extend((path, v["id"], [n["target"] for n in v["nodes"]][:3]) for v in res["violations"])
    for path in paths:
        check(path)
    _login(page, base, "admin")
    for path in ["/", "/?lang=en", "/users", "/users?lang=en", "/sites/sample", f"/runs/{run_b['id']}", f"/runs/{run_b['id']}?lang=en&page=2",
                 f"/compare?a={run_a['id']}&b={run_b['id']}", _problem_url("", fp), _problem_url("", fp) + "?lang=en",
                 "/no-such-page"]:
        check(path)
    assert problems == []
    assert dialogs == []
