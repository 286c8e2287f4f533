"""The workspace's own pages pass our own audit (issue 16): every page of `a11yaudit serve` — logged in as admin
and, for the login page, logged out — goes through the same page pipeline as a site audit (PlaywrightEngine,
render_viewports with the jis2016 profile's gatherers, evaluate_page: axe-core and our rules) at the PC and the
smartphone viewport, and no conformance rule fails."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

from test_workspace import PASSWORDS, _fingerprints, workspace  # noqa: F401  (the module's fixture: the server)

PROFILE = "jis2016"
VIEWPORTS = ["pc", "sp"]
# The error page. The page pipeline (like a site audit) records an HTTP 4xx answer as a load error with no artifacts,
# so its answer — the real server's bytes and headers — reaches Chromium relabelled 200; the 404 is checked apart.
ERROR_PAGE = re.compile(r"/no-such-page(\?|$)")
WORKERS = 2                 # pages audited at once in the one browser (the machine the suite runs on has 2 cores)


def _paths(store, run_a: dict, run_b: dict) -> list[str]:
    fp = sorted(_fingerprints(store, run_b["id"]))[0]
    problem = f"/sites/sample/problems/{fp}"
    # Every page kind once in Japanese; the English versions of the pages with the most text of their own (the
    # other English pages share their structure and strings with these: suite time).
    return ["/", "/sites/sample", f"/runs/{run_b['id']}",
            f"/runs/{run_b['id']}?page=2", f"/runs/{run_a['id']}?lang=en",
            f"/runs/{run_b['id']}?rule=axe:color-contrast&viewport=sp",
            f"/compare?a={run_a['id']}&b={run_b['id']}", f"/compare?a={run_a['id']}&b={run_b['id']}&lang=en",
            problem, problem + "?lang=en", "/users", "/audits", "/audits?lang=en",
            f"/runs/{run_b['id']}/progress",
            f"/runs/{run_b['id']}/human", f"/runs/{run_b['id']}/human/1", f"/runs/{run_b['id']}/human/1?lang=en",
            "/account/password", "/no-such-page?lang=en"]


async def _audit(base: str, logged_in: list[str], anonymous: list[str]) -> tuple[list, list, dict]:
    from a11yaudit.gather.engine import PlaywrightEngine
    from a11yaudit.pagework import evaluate_page, render_viewports
    from a11yaudit.rules.loader import load_rules
    ruleset = load_rules()
    engine = PlaywrightEngine(guard=False, allowed_hosts={"127.0.0.1"})
    await engine.start()
    offenders, no_artifacts, statuses = [], [], {}
    error_statuses = []

    async def relabel(route):
        response = await route.fetch()
        error_statuses.append(response.status)
        await route.fulfill(response=response, status=200)
    try:
        # Log in as admin in a Playwright context of the same browser and take its session cookie.
        ctx = await engine.browser.new_context()
        page = await ctx.new_page()
        await page.goto(f"{base}/login")
        await page.fill("#name", "admin")
        await page.fill("#password", PASSWORDS["admin"])
        await page.click("button[type=submit]")
        await page.wait_for_load_state()
        cookies = [c for c in await ctx.cookies() if c["name"] == "a11yws_session"]
        assert cookies, "no session cookie after logging in"
        await ctx.close()
        # The pages are independent: WORKERS sessions of the one browser take them from a queue (logged-in pages
        # and the anonymous ones alike), each with its own contexts per cookie jar, so one page's interaction passes
        # and our rules (run off the event loop) overlap with another page's loading.
        queue: asyncio.Queue = asyncio.Queue()
        for jar, paths in (("admin", logged_in), ("anonymous", anonymous)):
            for path in paths:
                queue.put_nowait((jar, path))
        jars = {"admin": cookies, "anonymous": []}

        async def one(session, path: str) -> None:
            url = base + path
            loads, _ = await render_viewports(session, url, VIEWPORTS, ruleset=ruleset, profile=PROFILE,
                                              timeout=30, settle=0.3)
            for vp, load in loads.items():
                if not load.artifacts:
                    no_artifacts.append((path, vp, load.error))
                else:
                    statuses[(path, vp)] = ((load.artifacts.get("page") or {}).get("status"),
                                            (load.artifacts.get("page") or {}).get("final_url"))
            if any(not load.artifacts for load in loads.values()):
                return
            results = await asyncio.to_thread(evaluate_page, {vp: load.artifacts for vp, load in loads.items()},
                                              ruleset, PROFILE, url)
            for r in results:
                rule = ruleset.get(r.rule)
                if r.outcome != "failed" or (rule.category if rule else "conformance") != "conformance":
                    continue
                failed = [f for f in r.findings if f.outcome == "failed"] or [None]
                offenders.extend((r.rule, r.viewport, path, f.selector if f else None,
                                  f.message if f else r.error) for f in failed)

        async def worker() -> None:
            sessions = {}
            try:
                while not queue.empty():
                    jar, path = queue.get_nowait()
                    if jar not in sessions:
                        session = sessions[jar] = engine.session("a11yaudit")
                        for vp in VIEWPORTS:            # add the cookie before the first gather of each viewport
                            tab = await session._tab(vp)
                            if jars[jar]:
                                await tab.context.add_cookies(jars[jar])
                            await tab.context.route(ERROR_PAGE, relabel)
                    await one(sessions[jar], path)
            finally:
                for session in sessions.values():
                    await session.close()

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
    finally:
        await engine.close()
    return offenders, no_artifacts, statuses, error_statuses


def test_workspace_pages_pass_our_own_audit(workspace):  # noqa: F811
    base, store, run_a, run_b = workspace["base"], workspace["store"], workspace["run_a"], workspace["run_b"]
    # A sample of pages to test by hand (試験対象の標本), so the human-test pages exist for run B.
    workspace["cli"]("--db", workspace["db"], "sample", "sample", "--run", str(run_b["id"]), "--method", "d",
                     "--random", "3")
    logged_in = _paths(store, run_a, run_b)
    anonymous = ["/login", "/login?lang=en"]
    offenders, no_artifacts, statuses, error_statuses = asyncio.run(_audit(base, logged_in, anonymous))
    assert no_artifacts == []
    assert error_statuses and set(error_statuses) == {404}     # the error page was the server's real 404
    # Every logged-in page was audited as itself (the cookie held: no page fell back to the login form).
    for path in logged_in:
        for vp in VIEWPORTS:
            status, final_url = statuses[(path, vp)]
            assert "/login" not in urlsplit(final_url or "").path, (path, vp, final_url)
            assert status == 200, (path, vp, status)
    listing = "\n".join(f"{rule} [{vp}] {path} {selector}: {message}"
                        for rule, vp, path, selector, message in offenders)
    assert offenders == [], f"{len(offenders)} conformance failures on the workspace's own pages:\n{listing}"
