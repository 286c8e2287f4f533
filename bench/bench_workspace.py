"""Benchmark (run by hand): the web workspace (`a11yaudit serve`) on runs of 10,000 pages. SYNTHETIC: the bundled
sample site is audited once for real (`a11yaudit audit sample`, into a temporary database and artifacts folder, or
--source-db DB for a finished audit already made); its saved artifacts are re-evaluated with the page pipeline
(pagework.evaluate_page) and those real results are recorded, through the store API (Store.create_run / enqueue /
record_page / finish_run — what `audit --from-artifacts` does), onto N generated URLs under S sections of a fresh
SQLite database: page k of the run gets the results of sample page k mod 58, so every problem of the sample site
is shared by ~N/58 pages. Two runs are made; in the second, one section in ten gets another sample page's results
(new and fixed problems for the comparison). Then the real server (`a11yaudit serve`, uvicorn on 127.0.0.1) is
started on it, an admin logs in over HTTP (urllib, the login form with its CSRF token) and each page is timed
from the client: the first request (cold: the server builds and caches a finished run's view) and the median of
the next --rounds requests.

    .venv/bin/python bench/bench_workspace.py                       # 10,000 pages under 200 sections
    .venv/bin/python bench/bench_workspace.py --keep /tmp/wsbench   # keep the databases (re-use with --bench-db)
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "bench-admin-pass-1"


def sample_audit(tmp: Path) -> str:
    db = f"sqlite:///{tmp / 'sample.sqlite'}"
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "a11yaudit.cli", "--db", db, "audit", "sample", "--no-report", "--quiet",
                    "--artifacts-dir", str(tmp / "artifacts")], cwd=ROOT, check=True, timeout=1800)
    print(f"sample audit: {time.monotonic() - t:.0f} s", file=sys.stderr)
    return db


def sample_results(source_db: str):
    """The sample audit's HTML pages re-evaluated from its saved artifacts: [(path, page values, results)]."""
    from a11yaudit.discover.urls import path_of
    from a11yaudit.gather.artifacts import ArtifactStore
    from a11yaudit.pagework import evaluate_page
    from a11yaudit.rules.loader import load_rules
    from a11yaudit.store.db import Store
    store = Store(source_db)
    run = [r for r in store.list_runs("sample") if r["status"] == "finished" and r["artifacts_dir"]][-1]
    ruleset = load_rules()
    by_url: dict[str, dict] = {}
    for payload in ArtifactStore(Path(run["artifacts_dir"])).iter_all():
        by_url.setdefault(payload["url"], {})[payload["viewport"]] = payload["artifacts"]
    out = []
    for url in sorted(by_url):
        page = next(iter(by_url[url].values())).get("page") or {}
        values = {"state": "done", "http_status": page.get("status"), "title": page.get("title"),
                  "lang": page.get("lang"), "content_type": page.get("content_type")}
        out.append((path_of(url), values, evaluate_page(by_url[url], ruleset, run["profile"], url)))
    return run, out


def synthetic_run(store, site, run_src: dict, samples: list, n: int, sections: int, shift: int) -> int:
    """One finished run of n pages through the store API; section s (of `sections`) uses the sample pages shifted
    by `shift` when s % 10 == 0."""
    from a11yaudit.discover.scope import ScopeClassifier
    from a11yaudit.rerun import run_site_rules
    from a11yaudit.rules.loader import load_rules
    viewports = run_src["viewports"].split(",")
    run_id = store.create_run(site, profile=run_src["profile"], viewports=viewports,
                              axe_version=run_src["axe_version"], tool_version=run_src["tool_version"],
                              source="artifacts", artifacts_dir=None, config={"synthetic": True})
    per_section = (n + sections - 1) // sections
    scope = ScopeClassifier(site)
    t = time.monotonic()
    for k in range(n):
        sec, i = divmod(k, per_section)
        src_path, values, results = samples[(k + (shift if sec % 10 == 0 else 0)) % len(samples)]
        slug = src_path.strip("/").replace("/", "-") or "top"
        url = f"{site.base_url.rstrip('/')}/s{sec:03d}/{i:03d}-{slug}/"
        decision = scope.classify(url)
        store.enqueue(run_id, [{"url": url, "kind": "html", "doc_type": None, "depth": 2, "found_via": "link",
                                "referrer": None, "scope": decision.status, "scope_reason": decision.reason,
                                "state": "queued", "skip_reason": None}])
        page_id = store.ids_for(run_id, [url])[url]
        store.record_page(run_id, site.id, page_id, url[len(site.base_url.rstrip("/")):],
                          {**values, "title": f"{values['title']} ({sec}-{i})", "final_url": url}, results, [])
        if k and k % 2000 == 0:
            print(f"  run {run_id}: {k} pages, {time.monotonic() - t:.0f} s", file=sys.stderr)
    run_site_rules(store, run_id, site.id, load_rules(), run_src["profile"], viewports)
    store.finish_run(run_id, "finished", {"pages_done": n, "synthetic": True})
    print(f"run {run_id}: {n} pages recorded in {time.monotonic() - t:.0f} s", file=sys.stderr)
    return run_id


def build(bench_db: str, source_db: str, n: int, sections: int) -> tuple[int, int]:
    from a11yaudit.config import load_sites
    from a11yaudit.store import workspace as ws
    from a11yaudit.store.db import Store
    run_src, samples = sample_results(source_db)
    site = load_sites(ROOT / "sites.yaml").get("sample")
    store = Store(bench_db)
    store.upgrade()
    run_a = synthetic_run(store, site, run_src, samples, n, sections, 0)
    run_b = synthetic_run(store, site, run_src, samples, n, sections, 1)
    ws.add_user(store, "admin", PASSWORD, "admin")
    return run_a, run_b


def measure(bench_db: str, run_a: int, run_b: int, rounds: int) -> list[tuple]:
    import http.cookiejar
    import urllib.parse
    import urllib.request
    proc = subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", "--db", bench_db, "serve", "--port", "0"],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = proc.stderr.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", line)
        assert m, f"serve did not start: {line}"
        base = m.group(1)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

        def get(path: str, data: dict | None = None):
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            with opener.open(base + path, data=body, timeout=300) as resp:
                return resp.status, resp.url, resp.read()
        _, _, form = get("/login")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', form).group(1).decode()
        status, url, _ = get("/login", {"csrf": csrf, "next": "/", "name": "admin", "password": PASSWORD})
        assert status == 200 and "/login" not in url, (status, url)
        rule = _busiest_rule(bench_db, run_b)
        pages = [("run page", f"/runs/{run_b}"),
                 (f"run page, rule {rule} + smartphone", f"/runs/{run_b}?rule={rule}&viewport=sp"),
                 ("problem list page 20", f"/runs/{run_b}?page=20"),
                 ("compare two runs", f"/compare?a={run_a}&b={run_b}"),
                 ("site page", "/sites/sample"),
                 ("home", "/")]
        rows = []
        for label, path in pages:
            times = []
            for _ in range(rounds + 1):
                t = time.perf_counter()
                status, url, body = get(path)
                times.append(time.perf_counter() - t)
                assert status == 200 and "/login" not in url, (path, status, url)
            rows.append((label, path, times[0], statistics.median(times[1:]), len(body)))
        return rows
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _busiest_rule(bench_db: str, run_id: int) -> str:
    import sqlite3
    with sqlite3.connect(bench_db[len("sqlite:///"):]) as con:
        return con.execute("SELECT rule FROM findings WHERE run_id=? AND viewport='sp' GROUP BY rule "
                           "ORDER BY count(*) DESC LIMIT 1", (run_id,)).fetchone()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--sections", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--source-db", help="a database with a finished `audit sample` run and its artifacts")
    ap.add_argument("--bench-db", help="re-use a database this script built (its last two runs)")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="wsbench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    if args.bench_db:
        from a11yaudit.store.db import Store
        bench_db = args.bench_db
        run_a, run_b = (r["id"] for r in Store(bench_db).list_runs("sample")[-2:])
    else:
        source_db = args.source_db or sample_audit(tmp)
        bench_db = f"sqlite:///{tmp / 'bench.sqlite'}"
        run_a, run_b = build(bench_db, source_db, args.pages, args.sections)
    rows = measure(bench_db, run_a, run_b, args.rounds)
    print(f"\n{args.pages} pages × {args.sections} sections; runs {run_a} and {run_b}; {bench_db}")
    print("| page | path | first request (cold) | median of next %d | HTML size |" % args.rounds)
    print("|---|---|---|---|---|")
    for label, path, cold, med, size in rows:
        print(f"| {label} | `{path}` | {cold:.2f} s | {med:.3f} s | {size // 1024} KB |")
    if not args.keep and not args.bench_db:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
