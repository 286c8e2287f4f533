"""Incremental re-audit on a tiny site served on 127.0.0.1: unchanged pages reuse their stored results (HTTP 304,
no rendering), an edited page — or a page whose stylesheet changed — is audited again, `--full` audits all."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from a11yaudit.store.db import Store
from a11yaudit.store.reuse import reuse_markers

PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<link rel="stylesheet" href="/css/site.css"></head><body>
<header><a href="/">トップ</a></header><nav aria-label="メニュー"><ul>{nav}</ul></nav>
<main><h1>{title}</h1><p>{body}</p></main><footer>みどり町役場</footer></body></html>"""

NAV = "".join(f'<li><a href="/p{i}.html">ページ{i}</a></li>' for i in range(1, 3))


def _write_site(root: Path) -> None:
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text("body { color: #222; background: #fff; }\n", encoding="utf-8")
    (root / "index.html").write_text(PAGE.format(title="みどり町", nav=NAV, body="お知らせ"), encoding="utf-8")
    for i in range(1, 3):
        (root / f"p{i}.html").write_text(PAGE.format(title=f"ページ{i}", nav=NAV, body=f"本文{i}"),
                                         encoding="utf-8")


def _config(tmp: Path, site: Path) -> Path:
    cfg = tmp / "sites.yaml"
    cfg.write_text(f"""version: 1
sites:
  - id: tiny
    name: みどり町（テスト）
    serve: {site}
    origin: http://tiny.invalid
    start_urls: ["/"]
    viewports: [pc]   # one viewport keeps the test short; reuse is per page
    crawl: {{max_pages: 10, max_depth: 3, delay: 0, concurrency: 1, sitemaps: false, obey_robots: false, timeout: 30}}
    policy:
      standard: JIS X 8341-3:2016
      level: AA
      degree: 一部準拠
      scope:
        include:
          - {{prefix: /, reason: 全体}}
""", encoding="utf-8")
    return cfg


def _findings(store: Store, run_id: int) -> dict[str, list]:
    pages = {p["id"]: p["url"] for p in store.run_pages(run_id)}
    out: dict[str, list] = {}
    for f in store.run_findings(run_id):
        out.setdefault(pages[f["page_id"]], []).append((f["viewport"], f["rule"], f["outcome"], f["fingerprint"]))
    return {u: sorted(v) for u, v in out.items()}


def _results(store: Store, run_id: int) -> dict[str, list]:
    pages = {p["id"]: p["url"] for p in store.run_pages(run_id)}
    out: dict[str, list] = {}
    for r in store.run_results(run_id):
        out.setdefault(pages[r["page_id"]], []).append((r["viewport"], r["rule"], r["outcome"], r["n_failed"]))
    return {u: sorted(v) for u, v in out.items()}


@pytest.mark.timeout(900)   # five CLI audits; ~1 min alone, several minutes on a shared, loaded machine
def test_incremental_reaudit(tmp_path, cli):
    site = tmp_path / "site"
    _write_site(site)
    cfg = _config(tmp_path, site)
    db = f"sqlite:///{tmp_path / 'inc.sqlite'}"
    base = ["--config", str(cfg), "--db", db, "audit", "tiny", "--no-report", "--no-artifacts"]
    store = Store(db)
    urls = {"http://tiny.invalid/", *(f"http://tiny.invalid/p{i}.html" for i in range(1, 3))}

    # 1. First audit: everything rendered, validators stored.
    cli(*base)
    run1 = store.list_runs("tiny")[-1]["id"]
    m1 = reuse_markers(store, run1)
    assert set(m1) == urls and all(v["reuse_via"] is None for v in m1.values())

    # 2. Unchanged site: every page reused via HTTP 304, the browser never started; identical results.
    proc = cli(*base)
    run2 = store.list_runs("tiny")[-1]["id"]
    m2 = reuse_markers(store, run2)
    assert set(m2) == urls and all(v["reuse_via"] == "validators" for v in m2.values()), m2
    # The browser never started; the run names the browser that gathered the results it reused (run 1's).
    assert store.get_run(run2)["browser_version"] == store.get_run(run1)["browser_version"]
    assert "再利用" in proc.stderr
    assert _findings(store, run2) == _findings(store, run1) and _results(store, run2) == _results(store, run1)
    assert sum(len(v) for v in _findings(store, run1).values()) > 0     # the comparison compares something

    # 3. Edit one page (an image without alt: new finding): only that page is audited again.
    p2 = site / "p2.html"
    p2.write_text(PAGE.format(title="ページ2", nav=NAV, body='本文2 <img src="/none.png">'), encoding="utf-8")
    # p1 is saved again with the same content (new ETag): rendered, but its DOM hash matches → rules not re-run.
    p1 = site / "p1.html"
    p1.write_text(p1.read_text(encoding="utf-8"), encoding="utf-8")
    os.utime(p1, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    cli(*base)
    run3 = store.list_runs("tiny")[-1]["id"]
    m3 = reuse_markers(store, run3)
    assert m3["http://tiny.invalid/p2.html"]["reuse_via"] is None
    assert m3["http://tiny.invalid/p1.html"]["reuse_via"] == "dom_hash"
    assert m3["http://tiny.invalid/"]["reuse_via"] == "validators"
    f2, f3 = _findings(store, run2), _findings(store, run3)
    assert {u: f3.get(u) for u in urls - {"http://tiny.invalid/p2.html"}} == \
           {u: f2.get(u) for u in urls - {"http://tiny.invalid/p2.html"}}
    assert "axe:image-alt" in {rule for _vp, rule, _o, _fp in f3["http://tiny.invalid/p2.html"]}
    assert "axe:image-alt" not in {rule for _vp, rule, _o, _fp in f2.get("http://tiny.invalid/p2.html", [])}

    # 4. The shared stylesheet changes (HTML unchanged): every page is rendered again; since the serialised DOM
    # is the same but the style's validators differ, no DOM-hash reuse either.
    css = site / "css" / "site.css"
    css.write_text("body { color: #767676; background: #fff; }\n", encoding="utf-8")
    os.utime(css, ns=(time.time_ns(), time.time_ns()))
    cli(*base)
    run4 = store.list_runs("tiny")[-1]["id"]
    assert all(v["reuse_via"] is None for v in reuse_markers(store, run4).values())

    # 5. --full audits everything again even though nothing changed.
    cli(*base, "--full")
    run5 = store.list_runs("tiny")[-1]["id"]
    m5 = reuse_markers(store, run5)
    assert set(m5) == urls and all(v["reuse_via"] is None for v in m5.values())
    assert _findings(store, run5) == _findings(store, run4)
    assert store.get_run(run5)["browser_version"]
