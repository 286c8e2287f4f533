"""The Selenium WebDriver engine (local chromedriver) against the Playwright engine on the same pages: the stored
artifacts and the rule outcomes per page × viewport must match, so that rules, store and reports cannot tell which
engine ran.

Allowed differences (asserted below, nothing else may differ):
- timings (each engine measures its own steps) and the physical 127.0.0.1 port inside absolute link URLs (each run
  serves the folder on a new port; stored page URLs use the logical origin and are equal);
- pixel contrast ratios of text over gradients/images within 0.3 (two screenshots of one box; the Selenium engine
  takes them with CDP Page.captureScreenshot, Playwright with its own screenshot path; anti-aliasing may differ by
  a pixel or two) — the rule outcomes from them must still be equal;
- run statistics: `engine` and `engine_notes` (what the Selenium engine could not do like Playwright).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest
import yaml

from a11yaudit.gather.artifacts import ArtifactStore
from a11yaudit.gather.selenium_engine import find_chromedriver
from a11yaudit.store.db import Store

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-site"

if not find_chromedriver() and os.environ.get("CI") != "true":
    pytest.skip("chromedriver not installed (apt-get install chromium-driver); required under CI",
                allow_module_level=True)

PAGES = ["/kurashi/gomi/sodai/", "/kensei/soshiki/", "/engine-extras/", "/no-such-page/"]

EXTRAS = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>エンジン比較用のページ｜みどり県</title>
<style>
  body { font-family: sans-serif; margin: 0; padding: 16px; }
  .banner { background: linear-gradient(90deg, #ffffff, #cccccc); color: #9a9a9a; padding: 12px; font-size: 16px; }
  .clip { height: 1.4em; overflow: hidden; width: 300px; }
  a.nofocus:focus { outline: none; }
</style></head>
<body><main>
<h1>エンジン比較</h1>
<p class="banner">グラデーションの上の薄い文字の案内です</p>
<p class="clip">高さを固定した案内文です。拡大すると二行目以降が見えなくなる長い説明文がここに続きます。</p>
<p><a class="nofocus" href="/kurashi/">くらしの情報</a> <a href="/kensei/soshiki/">組織</a></p>
<iframe src="/engine-extras/frame.html" title="埋め込みの案内" width="400" height="120"></iframe>
<video src="/engine-extras/clip.mp4" controls width="200"></video>
<p><img src="/images/chosha.svg" alt="" width="20" height="20" onload="this.dataset.probe='loaded'"
  onerror="this.dataset.probe='blocked'" id="probe-site">
<img src="/images/chosha.svg?next=http://localhost/x" alt="" width="20" height="20" id="probe-query"
  onload="this.dataset.probe='loaded'" onerror="this.dataset.probe='blocked'">
<script>
  // The same image through another loopback name: a private address that is not the site, blocked by both engines.
  document.write('<img alt="" width="20" height="20" id="probe-local" src="http://localhost:' + location.port +
    '/images/chosha.svg" onload="this.dataset.probe=\\'loaded\\'" onerror="this.dataset.probe=\\'blocked\\'">');
</script></p>
</main></body></html>
"""
FRAME = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>枠内</title></head>
<body><img src="/engine-extras/none.png" width="40" height="40"><p>枠の中の文章</p></body></html>"""


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("engines")
    site = tmp / "site"
    shutil.copytree(SAMPLE, site)
    (site / "engine-extras").mkdir()
    (site / "engine-extras" / "index.html").write_text(EXTRAS, encoding="utf-8")
    (site / "engine-extras" / "frame.html").write_text(FRAME, encoding="utf-8")
    config = tmp / "sites.yaml"
    config.write_text(yaml.safe_dump({"version": 1, "sites": [{
        "id": "engines", "name": "エンジン比較", "serve": str(site), "origin": "http://sample.invalid",
        "start_urls": PAGES, "viewports": ["pc", "sp"],
        "crawl": {"max_pages": 10, "max_depth": 0, "sitemaps": False, "concurrency": 1, "timeout": 60}}]},
        allow_unicode=True), encoding="utf-8")
    out = {}
    for engine in ("playwright", "selenium"):
        t0 = time.perf_counter()
        db = f"sqlite:///{tmp / (engine + '.sqlite')}"
        proc = cli("--config", str(config), "--db", db, "audit", "engines", "--engine", engine, "--no-report",
                   "--artifacts-dir", str(tmp / ("art-" + engine)), "-q")
        store = Store(db)
        run = store.list_runs("engines")[-1]
        out[engine] = {"store": store, "run": run, "db": db, "stderr": proc.stderr,
                       "arts": ArtifactStore(tmp / ("art-" + engine) / "engines" / str(run["id"])),
                       "art_dir": tmp / ("art-" + engine) / "engines" / str(run["id"]),
                       "seconds": time.perf_counter() - t0}
    return out


def _results(run_info) -> dict:
    store, run = run_info["store"], run_info["run"]
    urls = {p["id"]: p["url"] for p in store.run_pages(run["id"])}
    return {(urls.get(r["page_id"]), r["viewport"], r["rule"]): (r["outcome"], r["n_failed"], r["n_cant_tell"])
            for r in store.run_results(run["id"])}


def _findings(run_info) -> set:
    store, run = run_info["store"], run_info["run"]
    urls = {p["id"]: p["url"] for p in store.run_pages(run["id"])}
    return {(urls.get(f["page_id"]), f["viewport"], f["rule"], f["outcome"], f["selector"])
            for f in store.run_findings(run["id"])}


def _artifacts(run_info) -> dict:
    return {(p["url"], p["viewport"]): p["artifacts"] for p in run_info["arts"].iter_all()}


def test_selenium_engine_matches_playwright(both_runs):
    pw, se = both_runs["playwright"], both_runs["selenium"]
    # The run records the same pinned axe-core and the browser; the engine and its notes are in the stats.
    assert pw["run"]["axe_version"] == se["run"]["axe_version"] == "4.12.1"
    assert se["run"]["browser_version"] and se["run"]["status"] == "finished"
    stats = json.loads(se["run"]["stats_json"])
    assert stats["engine"] == "selenium" and json.loads(pw["run"]["stats_json"])["engine"] == "playwright"
    assert any("CDP available" in n and "performance log available" in n for n in stats["engine_notes"])
    assert json.loads(se["run"]["config_json"])["crawl"]["engine"] == "selenium"

    # Same pages, same states (the missing page is an HTTP error in both).
    pages = {e: {p["url"]: (p["state"], p["http_status"], p["error_kind"], p["title"], p["lang"], p["content_type"])
                 for p in both_runs[e]["store"].run_pages(both_runs[e]["run"]["id"])} for e in both_runs}
    assert pages["playwright"] == pages["selenium"]
    assert pages["selenium"]["http://sample.invalid/no-such-page/"][:3] == ("error", 404, "http_error")
    html_done = [p for p in se["store"].run_pages(se["run"]["id"]) if p["state"] == "done" and p["kind"] != "document"]
    assert len(html_done) == 3

    # Same rule outcomes and counts per page × viewport × rule, and the same findings.
    a, b = _results(pw), _results(se)
    assert len(a) > 150
    assert {k: v for k, v in a.items() if b.get(k) != v} == {}
    assert set(a) == set(b)
    assert _findings(pw) == _findings(se)
    # The pages exercise what the comparison is about: axe-core failures, inside a frame too, and interaction rules.
    assert a[("http://sample.invalid/kurashi/gomi/sodai/", "pc", "KB02")][0] == "failed"
    assert a[("http://sample.invalid/kurashi/gomi/sodai/", "pc", "LY01")][0] in ("failed", "cantTell")
    assert a[("http://sample.invalid/kensei/soshiki/", "pc", "LY02")][0] == "failed"
    assert a[("http://sample.invalid/engine-extras/", "pc", "axe:image-alt")][0] == "failed"

    # Same artifacts, field by field.
    A, B = _artifacts(pw), _artifacts(se)
    assert set(A) == set(B) and len(A) == 6
    port = re.compile(r"http://(127\.0\.0\.1|localhost):\d+")
    for key in A:
        x, y = A[key], B[key]
        assert set(x) == set(y), key
        for field in ("url", "final_url", "status", "content_type", "title", "lang", "charset", "viewport_meta",
                      "scroll_width", "client_width", "inner_width", "inner_height"):
            xv, yv = x["page"][field], y["page"][field]
            if isinstance(xv, str):
                xv, yv = port.sub("ORIGIN", xv), port.sub("ORIGIN", yv)
            assert xv == yv, (key, field)
        assert port.sub("ORIGIN", json.dumps(x["page"]["links"])) == port.sub("ORIGIN", json.dumps(y["page"]["links"]))
        # Serialised DOM, node ids, hidden elements, media (absolute src), CJK contrast facts and the HTTP source.
        assert port.sub("ORIGIN", json.dumps(x["dom"], sort_keys=True)) == \
               port.sub("ORIGIN", json.dumps(y["dom"], sort_keys=True)), key
        for kind in ("violations", "incomplete", "passes", "inapplicable"):
            assert ([(r["id"], r["count"], [(n["target"], n["nid"]) for n in r["nodes"]]) for r in x["axe"][kind]]
                    == [(r["id"], r["count"], [(n["target"], n["nid"]) for n in r["nodes"]]) for r in y["axe"][kind]]), \
                (key, kind)
        if "keyboard" in x:
            assert x["keyboard"]["records"] == y["keyboard"]["records"], key
            assert x["keyboard"]["focusables"] == y["keyboard"]["focusables"] > 0
        if "layout" in x:
            assert {k: v for k, v in x["layout"].items() if k != "ms"} == \
                   {k: v for k, v in y["layout"].items() if k != "ms"}, key
        if "pixels" in x:
            assert len(x["pixels"]) == len(y["pixels"]), key
            for p, q in zip(x["pixels"], y["pixels"]):
                assert (p["rule"], p["nid"], p["target"], p["reason"]) == (q["rule"], q["nid"], q["target"], q["reason"])
                assert ("highest" in p) == ("highest" in q), (p, q)
                if "highest" in p:
                    assert abs(p["highest"] - q["highest"]) <= 0.3 and abs(p["lowest"] - q["lowest"]) <= 0.3, (p, q)
    extras = B[("http://sample.invalid/engine-extras/", "pc")]
    for vp in ("pc", "sp"):     # request blocking: the site's image loads, the one from "localhost" is blocked
        html = B[("http://sample.invalid/engine-extras/", vp)]["dom"]["html"]
        assert re.search(r'id="probe-site"[^>]*data-probe="loaded"|data-probe="loaded"[^>]*id="probe-site"', html)
        assert re.search(r'id="probe-query"[^>]*data-probe="loaded"|data-probe="loaded"[^>]*id="probe-query"', html)
        assert re.search(r'id="probe-local"[^>]*data-probe="blocked"|data-probe="blocked"[^>]*id="probe-local"', html)
    assert extras["pixels"] and "highest" in extras["pixels"][0]      # measured from two CDP screenshots
    assert extras["layout"]["zoom200"]["clipped"]

    # The smartphone pictures of pages with smartphone failures: the same pages photographed, phone-width JPEGs.
    from PIL import Image
    shots = {e: sorted((both_runs[e]["art_dir"] / "screens").glob("*.jpg")) for e in both_runs}
    assert shots["playwright"] and [f.name for f in shots["selenium"]] == [f.name for f in shots["playwright"]]
    for f in shots["selenium"]:
        with Image.open(f) as img:
            assert img.format == "JPEG" and img.width == 390 and img.height >= 300, (f, img.size)


def test_selenium_grid_errors(cli, tmp_path):
    """A Grid that cannot be reached is an infrastructure error (exit 3), a URL that is not http(s) a usage error
    (exit 2); both say what to do, without a traceback."""
    db = f"sqlite:///{tmp_path / 'g.sqlite'}"
    proc = cli("--db", db, "audit", "sample", "--grid", "http://127.0.0.1:9/wd/hub", "--max-pages", "1",
               "--no-report", "-q", check=False, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "Selenium Grid at http://127.0.0.1:9/wd/hub" in proc.stderr and "Traceback" not in proc.stderr
    assert "/status" in proc.stderr
    proc = cli("--db", db, "audit", "sample", "--grid", "grid.example.jp:4444", "--no-report", "-q",
               check=False, timeout=120)
    assert proc.returncode == 2 and "--grid: must be an http(s) URL" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("--db", db, "audit", "sample", "--engine", "playwright", "--grid", "http://127.0.0.1:9", "-q",
               check=False, timeout=120)
    assert proc.returncode == 2 and "needs the selenium engine" in proc.stderr


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    if int(fh.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


def test_selenium_driver_restart_and_no_cdp_fallback(serve, monkeypatch):
    """A driver that dies is replaced on the next page (the page it died on is recorded as an error); a WebDriver end
    without CDP still gathers page, dom, axe and keyboard, and leaves the layout artifact absent so that its rules
    report an error instead of a pass."""
    import asyncio

    from a11yaudit.gather.selenium_engine import SeleniumEngine
    from a11yaudit.rules.engine import evaluate
    from a11yaudit.rules.loader import load_rules

    base = serve(SAMPLE)
    url = base + "/kurashi/gomi/sodai/"
    wanted = frozenset({"keyboard", "layout"})

    async def restart():
        engine = SeleniumEngine(allowed_hosts={"127.0.0.1"}, block_resources=["media"], timeout=60)
        await engine.start()
        session = engine.session("a11yaudit")
        try:
            first = await session.gather(url, "pc", timeout=60, settle=0.3, interactions=wanted)
            # Chromium dies under the worker: kill the browser processes this driver's chromedriver started.
            service_pid = session.drivers[None].driver.service.process.pid
            for pid in _children_of(service_pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            dead = await session.gather(url, "pc", timeout=60, settle=0.3)
            again = await session.gather(url, "sp", timeout=60, settle=0.3)
            return first, dead, again, engine.launches
        finally:
            await engine.close()

    first, dead, again, launches = asyncio.run(restart())
    assert first.artifacts and first.http_status == 200
    assert dead.artifacts is None and dead.error_kind and dead.error
    assert again.artifacts and again.artifacts["page"]["inner_width"] == 390 and launches == 2

    monkeypatch.setenv("A11YAUDIT_SELENIUM_NO_CDP", "1")

    async def no_cdp():
        engine = SeleniumEngine(allowed_hosts={"127.0.0.1"}, block_resources=["media"], timeout=60)
        await engine.start()
        session = engine.session("a11yaudit")
        try:
            return await session.gather(url, "pc", timeout=60, settle=0.3, interactions=wanted), engine.notes
        finally:
            await engine.close()

    load, notes = asyncio.run(no_cdp())
    assert any("CDP not available" in n for n in notes) and any("layout passes" in n for n in notes)
    arts = load.artifacts
    assert arts and load.http_status == 200 and "html" in load.content_type
    assert arts["axe"]["version"] == "4.12.1" and arts["dom"]["source"].lstrip().lower().startswith("<!doctype")
    assert arts["page"]["inner_width"] == 1280 and "keyboard" in arts and "layout" not in arts
    results = {r.rule: r for r in evaluate(arts, "pc", load_rules(), "jis2016", url)}
    assert results["LY01"].outcome == "error" and "missing artifact: layout" in results["LY01"].error
    # The planted focus-visibility defect is found from the keyboard walk with and without CDP.
    assert results["KB02"].outcome == "failed"
    assert {r.rule: r for r in evaluate(first.artifacts, "pc", load_rules(), "jis2016", url)}["KB02"].outcome == "failed"


def test_selenium_site_audit_refuses_redirect_hops_to_private_addresses():
    """A same-site page that redirects (HTTP 302) to another loopback name: CDP URL blocking sees only the first
    URL, so site audits with a local chromedriver send every request through the filtering proxy, which refuses the
    hop — the canary is never fetched, and the page is recorded as an HTTP error, not audited elsewhere."""
    import asyncio
    import http.server
    import threading

    from a11yaudit.gather.engine import make_engine

    hits: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append((self.headers.get("Host", ""), self.path))
            if self.path == "/hop":
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{self.server.server_port}/canary")
                self.end_headers()
                return
            body = "<!DOCTYPE html><html lang=ja><title>ok</title><p>canary</p>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    async def go():
        # (the proxy allows the site's origin, not every port of its host: gather/guard_proxy.py Allowance)
        engine = make_engine("selenium", allowed_hosts={"127.0.0.1", base}, block_resources=["media"], timeout=30,
                             guard=True)
        await engine.start()
        session = engine.session("a11yaudit")
        try:
            return await session.gather(base + "/hop", "pc", timeout=30, settle=0.3), list(engine.proxy.refused)
        finally:
            await engine.close()

    try:
        load, refused = asyncio.run(go())
    finally:
        server.shutdown()
    assert ("127.0.0.1:" + str(server.server_port), "/hop") in hits
    assert not [h for h in hits if h[1] == "/canary"], hits          # the hop was never fetched
    assert refused and refused[0].startswith("localhost:")
    assert load.artifacts is None and load.error_kind == "http_error", (load.error_kind, load.error)


def test_selenium_records_the_validators_the_incremental_reaudit_needs(serve):
    """The page's ETag/Last-Modified and those of its same-site scripts and stylesheets, as with Playwright: with
    them an unchanged page is reused from a conditional GET (no rendering) under `--engine selenium` too."""
    import asyncio

    from a11yaudit.gather.engine import make_engine

    base = serve(SAMPLE)
    url = base + "/kurashi/gomi/sodai/"

    async def gather(name):
        engine = make_engine(name, allowed_hosts={"127.0.0.1"}, block_resources=["media"], timeout=60)
        await engine.start()
        session = engine.session("a11yaudit")
        try:
            return await session.gather(url, "pc", timeout=60, settle=0.3)
        finally:
            await session.close()
            await engine.close()

    sel, pw = asyncio.run(gather("selenium")), asyncio.run(gather("playwright"))
    assert sel.artifacts and pw.artifacts
    assert sel.validators and sel.validators == pw.validators
    assert sel.subresources and sorted(map(tuple, sel.subresources)) == sorted(map(tuple, pw.subresources))
    assert all(etag for _url, etag, _lm in sel.subresources)
