"""The workspace's accounts and shared editing: single sign-on by a trusted reverse proxy's header
(`serve --trust-user-header`), the password change (page and `a11yaudit user passwd`), two editors triaging at
once on SQLite, and the triage shown in the static HTML report. Real servers (the CLI in subprocesses on
127.0.0.1), real Chromium (Playwright), the real database (a copy of the session's sample-site audit)."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import sqlite3
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest


sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from servetools import start_serve, stop_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"admin": "admin-pass-1", "editor1": "editor-pass-1", "editor2": "editor-pass-2",
             "viewer1": "viewer-pass-1", "pwuser": "pwuser-pass-1"}
ROLES = {"admin": "admin", "editor1": "editor", "editor2": "editor", "viewer1": "viewer", "pwuser": "editor"}


@pytest.fixture(scope="module")
def servers(sample_audit, tmp_path_factory, cli):
    """A copy of the session audit's database with five users and three servers on it: `plain` (no single
    sign-on), `sso` (--trust-user-header X-Remote-User, proxy 127.0.0.1 by default) and `sso_elsewhere` (the same
    header, but only from a proxy at 10.255.0.1: the test's requests from 127.0.0.1 are not the proxy's)."""
    tmp = tmp_path_factory.mktemp("workspace-accounts")
    path = tmp / "ws.sqlite"
    with sqlite3.connect(sample_audit["db"][len("sqlite:///"):]) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    db = f"sqlite:///{path}"
    for name, password in PASSWORDS.items():
        cli("--db", db, "user", "add", name, "--role", ROLES[name], "--password-stdin", input=password + "\n")
    from a11yaudit.store.db import Store
    store = Store(db)
    run = store.list_runs("sample")[-1]
    procs = {}
    try:
        procs["plain"] = start_serve(db)
        procs["sso"] = start_serve(db, "--trust-user-header", "X-Remote-User")
        procs["sso_elsewhere"] = start_serve(db, "--trust-user-header", "X-Remote-User", "--trusted-proxy", "10.255.0.1")
        pages = {p["id"]: p for p in store.run_pages(run["id"])}
        problems = [f for f in store.run_findings(run["id"])
                    if pages[f["page_id"]]["kind"] == "html" and f["outcome"] in ("failed", "cantTell")]
        yield {"db": db, "store": store, "run": run, "tmp": tmp, "cli": cli, "problems": problems, "pages": pages,
               "fps": sorted({f["fingerprint"] for f in problems}),
               **{name: base for name, (_, base) in procs.items()}}
    finally:
        for proc, _ in procs.values():
            stop_process(proc)


def _login(page, base: str, name: str, password: str | None = None):
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", password or PASSWORDS[name])
    page.click("main button[type=submit]")
    return page


def _problem_url(base: str, fp: str) -> str:
    return f"{base}/sites/sample/problems/{fp}"


# --- single sign-on -----------------------------------------------------------------------------------------------

def test_single_sign_on_by_the_trusted_proxy_header(servers, browser):
    from a11yaudit.store.workspace import triage_history, triage_of_site
    base, store, fp = servers["sso"], servers["store"], servers["fps"][-1]
    dialogs: list = []

    def as_user(name: str | None, server: str = "sso"):
        ctx = browser.new_context(extra_http_headers={"X-Remote-User": name} if name else {})
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        return page

    # An editor named by the proxy is logged in with the users table's role, without the login form.
    editor = as_user("editor1")
    editor.goto(f"{base}/")
    assert "/login" not in editor.url
    assert "editor1（編集者）" in editor.locator("header nav").inner_text()
    editor.goto(f"{base}/login")                      # the login page sends a logged-in user on
    assert not editor.url.startswith(f"{base}/login")
    editor.goto(_problem_url(base, fp))
    editor.check("#status-false_positive")
    editor.fill("#reason", "SSO editor: 装飾画像")
    editor.click("form.stack button[type=submit]")
    assert editor.locator("#current-status").inner_text().startswith("誤検出 — SSO editor: 装飾画像")
    assert triage_of_site(store, "sample")[fp]["updated_by"] == "editor1"
    assert [(h["user_name"], h["new_status"]) for h in triage_history(store, "sample", fp)] == [
        ("editor1", "false_positive")]
    # Its forms still need the CSRF token.
    resp = editor.request.post(_problem_url(base, fp), form={"status": "open"}, max_redirects=0)
    assert resp.status == 403 and "CSRF" in resp.text()
    # A viewer named by the proxy is a viewer: no change form, a POST with its own token refused.
    viewer = as_user("viewer1")
    viewer.goto(_problem_url(base, fp))
    assert "viewer1（閲覧者）" in viewer.locator("header nav").inner_text()
    assert viewer.locator("form.stack").count() == 0
    csrf = viewer.locator("header form input[name=csrf]").get_attribute("value")
    assert viewer.request.post(_problem_url(base, fp), form={"csrf": csrf, "status": "open"},
                               max_redirects=0).status == 403
    assert viewer.request.get(f"{base}/users").status == 403
    assert as_user("admin").request.get(f"{base}/users").status == 200
    # An unknown name: a 403 page that says so; no user is created.
    unknown = as_user("intruder")
    resp = unknown.goto(f"{base}/")
    assert resp.status == 403
    assert "シングルサインオンの利用者「intruder」はこのワークスペースに登録されていません" in \
        unknown.locator("p.error").inner_text()
    resp = unknown.goto(f"{base}/?lang=en")
    assert "The single sign-on user “intruder” is not a user of this workspace" in \
        unknown.locator("p.error").inner_text()
    from a11yaudit.store.workspace import list_users
    assert "intruder" not in {u["name"] for u in list_users(store)}
    # Without the option, or from an address that is not the trusted proxy, the header logs nobody in.
    for server in ("plain", "sso_elsewhere"):
        claim = as_user("admin")
        resp = claim.request.get(f"{servers[server]}/users", max_redirects=0)
        assert resp.status == 303 and resp.headers["location"].startswith("/login")
        resp = claim.request.post(_problem_url(servers[server], fp), form={"status": "open"}, max_redirects=0)
        assert resp.status == 403
    # Without the header, the SSO server is the usual login.
    anon = as_user(None)
    assert anon.request.get(f"{base}/", max_redirects=0).status == 303
    _login(anon, base, "viewer1")
    assert "viewer1（閲覧者）" in anon.locator("header nav").inner_text()
    assert triage_of_site(store, "sample")[fp]["status"] == "false_positive"
    assert dialogs == []


def test_serve_refuses_a_bad_trusted_proxy(servers, cli):
    proc = cli("--db", servers["db"], "serve", "--port", "0", "--trusted-proxy", "not-an-address", check=False,
               timeout=60)
    assert proc.returncode == 2 and "--trusted-proxy" in proc.stderr


# --- password change ------------------------------------------------------------------------------------------------

def _hash_of(store, name: str) -> str:
    from sqlalchemy import select

    from a11yaudit.store.schema import ws_users
    with store.engine.connect() as conn:
        return conn.execute(select(ws_users.c.password_hash).where(ws_users.c.name == name)).scalar()


def test_password_change_in_the_browser_and_by_the_cli(servers, browser):
    base, store, cli = servers["plain"], servers["store"], servers["cli"]
    first = _login(browser.new_context().new_page(), base, "pwuser")
    second = _login(browser.new_context().new_page(), base, "pwuser")
    old_hash = _hash_of(store, "pwuser")
    first.click("header a:has-text('パスワードの変更')")
    assert first.url.startswith(f"{base}/account/password")

    def change(current: str, new: str, again: str | None = None):
        first.fill("#current", current)
        first.fill("#new", new)
        first.fill("#again", new if again is None else again)
        first.click("#password-form button[type=submit]")

    change("wrong-password", "pwuser-new-pass-2")
    assert first.locator("p.error").inner_text() == "現在のパスワードが違います。"
    change(PASSWORDS["pwuser"], "pwuser-new-pass-2", "pwuser-new-pass-3")
    assert first.locator("p.error").inner_text() == "新しいパスワードが確認用と一致しません。"
    csrf = first.locator("#password-form input[name=csrf]").get_attribute("value")
    resp = first.request.post(f"{base}/account/password", form={"csrf": csrf, "current": PASSWORDS["pwuser"],
                                                                 "new": "short", "again": "short"})
    assert resp.status == 400 and "8文字以上" in resp.text()
    resp = first.request.post(f"{base}/account/password", form={"current": PASSWORDS["pwuser"],
                                                                 "new": "pwuser-new-pass-2",
                                                                 "again": "pwuser-new-pass-2"}, max_redirects=0)
    assert resp.status == 403 and "CSRF" in resp.text()
    assert _hash_of(store, "pwuser") == old_hash           # nothing changed so far
    change(PASSWORDS["pwuser"], "pwuser-new-pass-2")
    assert first.locator("p.ok").inner_text() == "パスワードを変更しました。ほかの場所でのログインは終了しました。"
    new_hash = _hash_of(store, "pwuser")
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")
    # This session goes on; the other one has ended.
    first.goto(f"{base}/")
    assert "/login" not in first.url
    second.goto(f"{base}/")
    assert "/login" in second.url
    _login(second, base, "pwuser")                          # the old password no longer opens it
    assert second.locator("p.error").inner_text() == "ユーザー名またはパスワードが違います。"
    _login(second, base, "pwuser", "pwuser-new-pass-2")
    assert "/login" not in second.url and "pwuser（編集者）" in second.locator("header nav").inner_text()
    # English.
    first.goto(f"{base}/account/password?lang=en")
    assert first.locator("h1").inner_text() == "Change password"
    # The CLI: a new hash, every session of the user ends.
    proc = cli("--db", servers["db"], "user", "passwd", "pwuser", "--password-stdin", input="pwuser-cli-pass-4\n")
    assert "pwuser" in proc.stderr
    for page in (first, second):
        page.goto(f"{base}/")
        assert "/login" in page.url
    _login(first, base, "pwuser", "pwuser-new-pass-2")
    assert first.locator("p.error").inner_text() == "ユーザー名またはパスワードが違います。"
    _login(first, base, "pwuser", "pwuser-cli-pass-4")
    assert "/login" not in first.url
    assert cli("--db", servers["db"], "user", "passwd", "nobody", "--password-stdin", input="long-enough-1\n",
               check=False).returncode == 2
    proc = cli("--db", servers["db"], "user", "passwd", "pwuser", "--password-stdin", input="short\n", check=False)
    assert proc.returncode == 2 and "8 characters" in proc.stderr


# --- two editors at once ----------------------------------------------------------------------------------------

class Client:
    """An HTTP client with its own cookie jar (its own session), for threads."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form: dict) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path, data=urllib.parse.urlencode(form).encode(),
                                                 method="POST"))

    def _open(self, req) -> tuple[int, str]:
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def login(self, name: str) -> str:
        status, text = self.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', text).group(1)
        status, text = self.post("/login", {"csrf": token, "name": name, "password": PASSWORDS[name], "next": "/"})
        assert status == 200 and f"{name}（編集者）" in text, text[-500:]
        return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def test_two_editors_changing_different_problems_at_once_lose_nothing(servers):
    from a11yaudit.store.workspace import triage_history, triage_of_site
    base, store = servers["plain"], servers["store"]
    fps = servers["fps"][:8]
    assert len(fps) == 8
    # Two server processes on the one SQLite file (the other one without the proxy header is the usual login), so the
    # writes meet in the database, not only in one event loop.
    editors = {"editor1": Client(base), "editor2": Client(servers["sso"])}
    tokens = {name: c.login(name) for name, c in editors.items()}
    rounds = [("false_positive", None), ("accepted", "2031-03-31"), ("open", None), ("accepted", "2032-01-15"),
              ("false_positive", None)]
    plan, failures = _concurrent_triage(editors, tokens, fps, rounds)
    assert failures == []
    decisions = triage_of_site(store, "sample")
    last_status, _ = rounds[-1]
    for fp in fps:
        name = plan[fp]
        assert decisions[fp]["status"] == last_status
        assert decisions[fp]["reason"] == f"{name} round {len(rounds) - 1}"
        assert decisions[fp]["updated_by"] == name
        history = list(reversed(triage_history(store, "sample", fp)))
        assert [(h["user_name"], h["old_status"], h["new_status"], h["reason"]) for h in history] == [
            (name, "open" if r == 0 else rounds[r - 1][0], status, f"{name} round {r}")
            for r, (status, _) in enumerate(rounds)]
        assert [str(h["expires"]) if h["expires"] else None for h in history] == [e for _, e in rounds]


# --- the triage in the static report ------------------------------------------------------------------------------

def _one_page_problem(servers, exclude: set) -> list[dict]:
    """The findings (one per viewport) of a problem on one page only (not one of the report's shared problems)."""
    problems = [f for f in servers["problems"] if f["outcome"] == "failed"]
    spread = Counter()
    pages_of: dict = {}
    for f in problems:
        pages_of.setdefault((f["rule"], f["selector"]), set()).add(f["page_id"])
    for key, pids in pages_of.items():
        spread[key] = len(pids)
    for f in sorted(problems, key=lambda f: (f["rule"], f["selector"], f["page_id"])):
        key = (f["rule"], f["selector"])
        group = [g for g in problems if (g["rule"], g["selector"], g["page_id"]) == (*key, f["page_id"])]
        if spread[key] == 1 and not ({g["fingerprint"] for g in group} & exclude):
            exclude |= {g["fingerprint"] for g in group}
            return group
    raise AssertionError("no problem found on one page only")


def _badges(folder: Path, rule: str, selector: str) -> list[str]:
    """The triage badges of the report's findings with this rule and target (every HTML file of the run)."""
    found = []
    from markupsafe import escape
    target = f"<code>{escape(selector)}</code>"
    for path in sorted(folder.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for block in re.split(r'<div class="finding">|<section aria-labelledby="common-', text)[1:]:
            block = block.split("</div>", 1)[0]
            if f"<code>{escape(rule)}</code>" in block and target in block:
                found += re.findall(r'<p class="triage triage-[a-z_]+">([^<]*)</p>', block)
    return found


def test_report_shows_the_triage(servers, browser):
    from a11yaudit.store.workspace import set_triage
    base, store, cli = servers["plain"], servers["store"], servers["cli"]
    taken = set(servers["fps"][:8]) | {servers["fps"][-1]}
    false_pos = _one_page_problem(servers, taken)
    accepted = _one_page_problem(servers, taken)
    untouched = _one_page_problem(servers, taken)
    # A false positive marked in the workspace (every viewport of it), an acceptance through the store's API.
    page = _login(browser.new_context().new_page(), base, "editor1")
    for f in false_pos:
        page.goto(_problem_url(base, f["fingerprint"]))
        page.check("#status-false_positive")
        page.fill("#reason", "実際には問題なし")
        page.click("form.stack button[type=submit]")
        assert page.locator("#current-status").inner_text().startswith("誤検出")
    for f in accepted:
        set_triage(store, "sample", f["fingerprint"], "accepted", "次の改修で直す", dt.date(2030, 1, 31), "admin")
    reports = servers["tmp"] / "reports"

    def render(lang: str = "ja", today: str | None = None) -> Path:
        proc = cli("--db", servers["db"], "report", "sample", "--reports-dir", str(reports / lang / (today or "now")),
                   "--lang", lang, env_extra={"A11YAUDIT_TODAY": today} if today else {})
        return Path(proc.stdout.strip().splitlines()[-1]).parent

    folder = render("ja", "2029-06-01")
    assert _badges(folder, false_pos[0]["rule"], false_pos[0]["selector"]) == ["判定：誤検出"]
    assert _badges(folder, accepted[0]["rule"], accepted[0]["selector"]) == ["判定：許容（期限 2030-01-31）"]
    assert _badges(folder, untouched[0]["rule"], untouched[0]["selector"]) == []
    folder = render("en", "2029-06-01")
    assert _badges(folder, false_pos[0]["rule"], false_pos[0]["selector"]) == ["Triage: False positive"]
    assert _badges(folder, accepted[0]["rule"], accepted[0]["selector"]) == ["Triage: Accepted (until 2030-01-31)"]
    # Past its end date the acceptance is shown as expired.
    folder = render("ja", "2030-02-01")
    assert _badges(folder, accepted[0]["rule"], accepted[0]["selector"]) == ["判定：許容の期限切れ（2030-01-31）"]


def test_account_pages_pass_axe(servers, browser):
    from a11yaudit.gather.browser import AXE_TAGS, axe_source
    problems = []

    def check(page, url):
        page.goto(url)
        page.evaluate(axe_source())
        res = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                            AXE_TAGS + ["best-practice"])
        problems.extend((url, v["id"], [n["target"] for n in v["nodes"]][:3]) for v in res["violations"])
    page = _login(browser.new_context().new_page(), servers["plain"], "viewer1")
    for path in ("/account/password", "/account/password?lang=en"):
        check(page, servers["plain"] + path)
    unknown = browser.new_context(extra_http_headers={"X-Remote-User": "intruder"}).new_page()
    check(unknown, servers["sso"] + "/")
    assert problems == []


# --- PostgreSQL ---------------------------------------------------------------------------------------------------

def _concurrent_triage(clients: dict, tokens: dict, fps: list[str], rounds: list[tuple]) -> tuple[dict, list]:
    """Every fingerprint changed by its editor in every round, all fingerprints of a round posted at once."""
    plan = {fp: list(clients)[i % len(clients)] for i, fp in enumerate(fps)}
    barrier = threading.Barrier(len(fps))
    failures: list = []

    def work(fp: str):
        name = plan[fp]
        try:
            for r, (status, expires) in enumerate(rounds):
                barrier.wait(timeout=120)
                code, text = clients[name].post(f"/sites/sample/problems/{fp}", {
                    "csrf": tokens[name], "status": status, "reason": f"{name} round {r}",
                    "expires": expires or "", "back": "/"})
                if code != 200 or "判定を保存しました" not in text:
                    failures.append((fp, r, code, text[-300:]))
        except Exception as exc:                            # noqa: BLE001 — reported by the caller's assertion
            failures.append((fp, "exception", repr(exc)))
            barrier.abort()
    threads = [threading.Thread(target=work, args=(fp,)) for fp in fps]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    return plan, failures


def test_workspace_on_postgresql(browser, cli, tmp_path):
    """The login, single sign-on and triage path on a real PostgreSQL server (a throwaway cluster, tests/pgtools.py):
    two server processes (both also taking the proxy's header), two editors at once, the audit trail complete,
    the report's badge."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgtools import postgres_or_skip

    from a11yaudit.audit import AuditOptions, reevaluate_artifacts
    from a11yaudit.config import load_sites
    from a11yaudit.rules.loader import load_rules
    from a11yaudit.store.db import Store
    from a11yaudit.store.workspace import triage_history, triage_of_site
    pg = postgres_or_skip()
    procs = []
    try:
        db = pg.create_db("workspace")
        store = Store(db)
        site = load_sites(ROOT / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]
        assert site.id == "sample"
        opts = AuditOptions(profile="jis2016", viewports=["pc", "sp"], artifacts_root=tmp_path / "art", quiet=True)
        run_id = reevaluate_artifacts(site, store, load_rules(), opts,
                                      ROOT / "tests" / "fixtures" / "artifacts" / "sample")
        fps = sorted({f["fingerprint"] for f in store.run_findings(run_id) if f["outcome"] == "failed"})
        assert len(fps) >= 8
        for name in ("editor1", "editor2"):
            cli("--db", db, "user", "add", name, "--role", "editor", "--password-stdin",
                input=PASSWORDS[name] + "\n")
        for _ in range(2):      # both take the proxy's header too; the login form works on them as ever
            procs.append(start_serve(db, "--trust-user-header", "X-Remote-User"))
        (_, base), (_, sso) = procs
        # Login and a triage in the browser.
        page = _login(browser.new_context().new_page(), base, "editor1")
        assert "editor1（編集者）" in page.locator("header nav").inner_text()
        page.goto(_problem_url(base, fps[-1]))
        page.check("#status-accepted")
        page.fill("#reason", "PostgreSQL: 次の改修で直す")
        page.fill("#expires", "2030-01-31")
        page.click("form.stack button[type=submit]")
        assert page.locator("#current-status").inner_text() == "許容 — PostgreSQL: 次の改修で直す （期限 2030-01-31）"
        # The proxy's header on the other server process sees it.
        proxied = browser.new_context(extra_http_headers={"X-Remote-User": "editor2"}).new_page()
        proxied.goto(_problem_url(sso, fps[-1]))
        assert "editor2（編集者）" in proxied.locator("header nav").inner_text()
        assert proxied.locator("#current-status").inner_text().startswith("許容")
        # The header user's CSRF token is the same in every server process on the database.
        token = proxied.locator("header form input[name=csrf]").get_attribute("value")
        resp = proxied.request.post(_problem_url(base, fps[-2]), form={
            "csrf": token, "status": "false_positive", "reason": "SSO: the other process"}, max_redirects=0)
        assert resp.status == 303
        assert triage_of_site(store, "sample")[fps[-2]]["updated_by"] == "editor2"
        # Two editors at once, on the two processes.
        clients = {"editor1": Client(base), "editor2": Client(sso)}
        tokens = {name: c.login(name) for name, c in clients.items()}
        rounds = [("false_positive", None), ("accepted", "2031-03-31"), ("open", None), ("false_positive", None)]
        plan, failures = _concurrent_triage(clients, tokens, fps[:6], rounds)
        assert failures == []
        decisions = triage_of_site(store, "sample")
        for fp, name in plan.items():
            assert (decisions[fp]["status"], decisions[fp]["updated_by"]) == ("false_positive", name)
            history = list(reversed(triage_history(store, "sample", fp)))
            assert [(h["user_name"], h["old_status"], h["new_status"]) for h in history] == [
                (name, "open" if r == 0 else rounds[r - 1][0], status) for r, (status, _) in enumerate(rounds)]
        # The static report reads the decisions from PostgreSQL too.
        proc = cli("--db", db, "report", "sample", "--reports-dir", str(tmp_path / "reports"),
                   env_extra={"A11YAUDIT_TODAY": "2029-06-01"})
        folder = Path(proc.stdout.strip().splitlines()[-1]).parent
        text = "".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.html"))
        assert "判定：許容（期限 2030-01-31）" in text and "判定：誤検出" in text
    finally:
        for proc, _ in procs:
            stop_process(proc)
        pg.stop()
