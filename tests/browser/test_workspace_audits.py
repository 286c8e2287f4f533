"""Audits started from the workspace (routes_audits.py, jobs.py): the real server (`a11yaudit --config … serve`) on a
fresh database, real Chromium logged in as an editor starts an audit of the sample site, watches its progress page
(figures from the database) until the worker process has finished the run, and sees the run listed; a viewer and a
POST without the CSRF token are refused; a running audit is cancelled (SIGTERM to its worker: the run is left
interrupted, its lock released) and resumed to the end from the site page."""

from __future__ import annotations

import copy
import re
import sys
import time
from pathlib import Path

import pytest
import yaml

from a11yaudit.gather.browser import AXE_TAGS, axe_source

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from servetools import start_serve, stop_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"editor1": "editor-pass-1", "viewer1": "viewer-pass-1"}
ROLES = {"editor1": "editor", "viewer1": "viewer"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, cli):
    """sites.yaml's sample site with a page budget of 5 (pc only), and `slow`: the same site one request per 2 s,
    so that it is still running when cancelled; `a11yaudit --config that --db fresh serve`."""
    tmp = tmp_path_factory.mktemp("ws-audits")
    doc = yaml.safe_load((ROOT / "sites.yaml").read_text(encoding="utf-8"))
    sample = doc["sites"][0]
    assert sample["id"] == "sample"
    sample["serve"] = str((ROOT / sample["serve"]).resolve())
    sample["viewports"] = ["pc"]
    sample["crawl"] = {**sample["crawl"], "max_pages": 5}
    slow = {**copy.deepcopy(sample), "id": "slow", "name": "ゆっくりのサイト",
            "crawl": {**sample["crawl"], "max_pages": 6, "delay": 2}}
    doc["sites"] = [sample, slow]
    config = tmp / "sites.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    db = f"sqlite:///{tmp / 'ws.sqlite'}"
    for name, password in PASSWORDS.items():
        cli("--db", db, "user", "add", name, "--role", ROLES[name], "--password-stdin", input=password + "\n")
    from a11yaudit.store.db import Store
    proc, base = start_serve(db, config=config)
    try:
        yield {"base": base, "db": db, "store": Store(db), "tmp": tmp, "config": config}
    finally:
        stop_process(proc)


def _login(browser, base: str, name: str, dialogs: list):
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    assert "/login" not in page.url, page.locator("main").inner_text()
    return page


def _row(page, site_id: str):
    """The /audits table row of a configured site (by its id)."""
    return page.locator("tbody tr").filter(has=page.locator("th span.muted", has_text=re.compile(f"^{site_id}$")))


def _state(page) -> str:
    return page.locator("#run-state strong").inner_text()


def _watch_until(page, url: str, states: set[str], timeout: float = 120.0, seen: list | None = None,
                 settled: bool = False) -> str:
    """Reload the progress page (as its Refresh header does) until the run's state is one of `states` (and with
    `settled`, the page no longer refreshes itself: the worker process has ended too)."""
    deadline = time.monotonic() + timeout
    while True:
        resp = page.goto(url)
        state = _state(page)
        if seen is not None:
            seen.append((state, resp.headers.get("refresh"), page.locator("#pages-done").inner_text()))
        if (state in states and not (settled and resp.headers.get("refresh"))) or time.monotonic() > deadline:
            return state
        page.wait_for_timeout(1000)


def _done_in_db(store, run_id: int) -> tuple[int, int]:
    counts = store.count_pages(run_id)
    done = sum(n for k, n in counts.items() if k.endswith((":done", ":error")))
    return done, done + sum(n for k, n in counts.items() if k.endswith(":queued"))


def _lock_held(db: str, run_id: int) -> bool:
    """Whether a process holds the run's lock (a fresh Store tries to claim it, as `--resume` would)."""
    from a11yaudit.errors import ConfigError
    from a11yaudit.store.db import Store
    probe = Store(db)
    try:
        probe.claim_run(run_id)
    except ConfigError:
        return True
    probe.release_run(run_id)
    return False


def test_editor_starts_an_audit_and_watches_it_finish(server, browser):
    base, store = server["base"], server["store"]
    dialogs: list = []
    page = _login(browser, base, "editor1", dialogs)
    page.click("header a:has-text('監査の実行')")
    _row(page, "sample").locator("button:has-text('監査を開始する')").click()
    m = re.search(r"/runs/(\d+)/progress$", page.url)
    assert m, page.url
    run_id = int(m.group(1))
    run = store.get_run(run_id)
    assert run["site_id"] == "sample"
    # The status region and the progress element with its text equivalent.
    assert page.locator("[role=status][aria-live=polite] #run-state").count() == 1
    assert page.locator("progress#run-progress").count() == 1
    seen: list = []
    state = _watch_until(page, page.url, {"完了", "失敗", "中断"}, seen=seen, settled=True)
    assert state == "完了", (seen, server["tmp"])
    assert any(s == "実行中" and refresh == "3" for s, refresh, _ in seen), seen    # refreshed itself while running
    assert seen[-1][1] is None                                             # and no longer once its worker ended
    done, found = _done_in_db(store, run_id)
    assert done >= 1 and found == done and 1 <= store.count_pages(run_id).get("html:done", 0) <= 5  # budget
    assert page.locator("#pages-done").inner_text() == str(done)
    assert page.locator("#pages-queued").inner_text() == "0"
    assert page.locator("#progress-text").inner_text() == f"{done} / {found} ページ（100 %）"
    assert page.locator("progress#run-progress").get_attribute("value") == str(done)
    assert store.get_run(run_id)["status"] == "finished"
    assert not _lock_held(server["db"], run_id)
    data = page.request.get(f"{base}/runs/{run_id}/progress.json").json()      # the same figures as JSON
    assert (data["state"], data["done"], data["queued"], data["found"]) == ("finished", done, 0, found)
    # The run is listed on the site's page, finished, with its results behind it.
    page.click("a:has-text('結果を見る')")
    assert page.url.endswith(f"/runs/{run_id}")
    page.goto(f"{base}/sites/sample")
    listed = page.locator("tbody tr", has_text=f"実行 {run_id}")
    assert "完了" in listed.inner_text()
    assert page.locator("#audit + form button").inner_text() == "監査を開始する"
    # English, and axe-core on the new pages.
    page.goto(f"{base}/runs/{run_id}/progress?lang=en")
    assert page.locator("#run-state").inner_text() == "Status: Finished"
    problems = []
    for path in ["/audits", "/audits?lang=en", f"/runs/{run_id}/progress", "/sites/sample"]:
        page.goto(base + path)
        page.evaluate(axe_source())
        res = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                            AXE_TAGS + ["best-practice"])
        problems.extend((path, v["id"]) for v in res["violations"])
    assert problems == []
    assert dialogs == []


def test_viewer_and_missing_csrf_token_are_refused(server, browser):
    base, store = server["base"], server["store"]
    before = len(store.list_runs())
    dialogs: list = []
    viewer = _login(browser, base, "viewer1", dialogs)
    viewer.goto(f"{base}/audits")
    assert viewer.locator("button:has-text('監査を開始する')").count() == 0      # no start button for a viewer
    csrf = viewer.locator("header form input[name=csrf]").get_attribute("value")
    resp = viewer.request.post(f"{base}/sites/sample/audits", form={"csrf": csrf}, max_redirects=0)
    assert resp.status == 403
    editor = _login(browser, base, "editor1", dialogs)
    for form in ({}, {"csrf": csrf}):            # no token, and someone else's token
        resp = editor.request.post(f"{base}/sites/sample/audits", form=form, max_redirects=0)
        assert resp.status == 403 and "CSRF" in resp.text()
    anon = browser.new_context().new_page()
    assert anon.request.post(f"{base}/sites/sample/audits", form={}, max_redirects=0).status == 403
    # A site not in sites.yaml cannot be started.
    editor_csrf = editor.locator("header form input[name=csrf]").get_attribute("value")
    resp = editor.request.post(f"{base}/sites/nosuch/audits", form={"csrf": editor_csrf}, max_redirects=0)
    assert resp.status == 404
    time.sleep(1)
    assert len(store.list_runs()) == before
    assert dialogs == []


def test_cancel_a_running_audit_and_resume_it(server, browser):
    base, store, db = server["base"], server["store"], server["db"]
    dialogs: list = []
    page = _login(browser, base, "editor1", dialogs)
    page.goto(f"{base}/audits")
    _row(page, "slow").locator("button:has-text('監査を開始する')").click()
    m = re.search(r"/runs/(\d+)/progress$", page.url)
    assert m, page.url
    run_id = int(m.group(1))
    progress_url = page.url
    # Running: a second start of the same site is refused while it runs.
    deadline = time.monotonic() + 60
    while _done_in_db(store, run_id)[0] < 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    page.goto(progress_url)
    assert _state(page) == "実行中"
    assert _lock_held(db, run_id)
    csrf = page.locator("header form input[name=csrf]").get_attribute("value")
    again = page.request.post(f"{base}/sites/slow/audits", form={"csrf": csrf}, max_redirects=0)
    assert again.status == 409
    # Cancelled: the worker ends, the run is interrupted and resumable, nothing holds it.
    page.click("#cancel")
    state = _watch_until(page, progress_url, {"中断", "完了", "失敗"}, timeout=30)
    assert state == "中断"
    run = store.get_run(run_id)
    assert run["status"] == "interrupted"
    assert not _lock_held(db, run_id)
    done_before, found_before = _done_in_db(store, run_id)
    assert 1 <= done_before < 6 and found_before > done_before, (done_before, found_before)
    assert page.locator("#pages-done").inner_text() == str(done_before)
    assert page.locator("#pages-queued").inner_text() == str(found_before - done_before)
    # The site's page lists it with a Resume button; resumed, it runs to the end.
    page.goto(f"{base}/sites/slow")
    assert "中断" in page.locator("tbody tr", has_text=f"実行 {run_id}").inner_text()
    page.click(f"button:has-text('実行 {run_id} を再開する')")
    assert page.url.endswith(f"/runs/{run_id}/progress")
    state = _watch_until(page, progress_url, {"完了", "失敗"}, timeout=120)
    assert state == "完了"
    done, found = _done_in_db(store, run_id)
    assert done == found and done > done_before
    assert store.get_run(run_id)["status"] == "finished"
    assert len([r for r in store.list_runs("slow")]) == 1                # resumed, not a second run
    assert dialogs == []


def test_a_restarted_server_still_sees_cancels_and_resumes_the_audit(server, browser):
    """The worker outlives the server that started it; a new server reads what runs from the database (and the
    worker's pid from the work folder), cancels it, and offers the interrupted run for resuming."""
    store, db = server["store"], server["db"]
    dialogs: list = []
    proc, base = start_serve(db, config=server["config"])
    try:
        page = _login(browser, base, "editor1", dialogs)
        page.goto(f"{base}/audits")
        _row(page, "slow").locator("button:has-text('監査を開始する')").click()
        run_id = int(re.search(r"/runs/(\d+)/progress$", page.url).group(1))
    finally:
        stop_process(proc)                      # the server goes; its worker does not
    assert _lock_held(db, run_id)
    proc, base = start_serve(db, config=server["config"])
    try:
        page = _login(browser, base, "editor1", dialogs)
        page.goto(f"{base}/sites/slow")
        page.click(f"a:has-text('実行 {run_id} を監査中です')")
        assert _state(page) == "実行中"
        page.click("#cancel")
        assert _watch_until(page, f"{base}/runs/{run_id}/progress", {"中断", "完了", "失敗"}, timeout=30) == "中断"
        assert store.get_run(run_id)["status"] == "interrupted" and not _lock_held(db, run_id)
        page.goto(f"{base}/sites/slow")
        assert page.locator(f"button:has-text('実行 {run_id} を再開する')").count() == 1
    finally:
        stop_process(proc)
    assert dialogs == []
