"""Benchmark (run by hand, never in CI): a generated site of realistic Japanese municipal pages, served on 127.0.0.1,
audited by a11yaudit (PC + smartphone, full rule set) and by pa11y-ci (axe runner) in the same run.

    .venv/bin/python bench/bench_site.py                          # 300 pages, concurrency 1, pa11y-ci on 100 of them
    .venv/bin/python bench/bench_site.py --pages 10000 --time-limit 900 --no-peer --no-reaudit
    .venv/bin/python bench/bench_site.py --generate-only DIR --pages 10000

Reports pages/minute, CPU seconds per page (whole process tree), peak PSS of the whole tree (Python, Playwright driver,
every Chromium process; sampled every 250 ms, with a PSS time series to check memory stays flat), where page time goes
(from the per-load timings the audit stores), the re-audit of the unchanged site (incremental: HTTP 304 → results
reused without rendering) and the ratio to pa11y-ci. pa11y-ci is installed on first use into
~/.cache/a11yaudit-bench/node (`npm install pa11y-ci@4.1.1`, PUPPETEER_SKIP_DOWNLOAD=1) and pointed at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sample import _sample, _tree  # noqa: E402  (PSS and CPU of a process tree via /proc)

NODE_DIR = Path(os.environ.get("A11YAUDIT_BENCH_NODE", Path.home() / ".cache" / "a11yaudit-bench" / "node"))
ORIGIN = "http://bench-city.invalid"
SECTIONS = [("kurashi", "くらし・手続き"), ("kosodate", "子育て・教育"), ("kenko", "健康・福祉"),
            ("bosai", "防災・安全"), ("sangyo", "産業・しごと"), ("kanko", "観光・文化"), ("shisei", "市政情報")]
TOPICS = ["住民票の写しの交付", "マイナンバーカードの申請", "ごみの分別と収集日", "児童手当", "保育所の入所申込み",
          "特定健康診査", "介護保険料", "避難所一覧", "ハザードマップ", "事業者向け補助金", "入札・契約情報",
          "観光イベント", "市議会の日程", "予算・決算", "職員採用試験", "国民健康保険税", "住宅リフォーム助成",
          "公民館の利用案内", "図書館のお知らせ", "水道料金"]
PDFS = ["shinseisho.pdf", "annai.pdf", "kekka-houkoku.pdf", "chirashi.pdf"]


def page_html(i: int, n: int, rnd: random.Random) -> str:
    sec, sec_ja = SECTIONS[i % len(SECTIONS)]
    topic = TOPICS[i % len(TOPICS)]
    title = f"{topic}（{i}）"
    nav = "".join(f'<li><a href="/{s}/">{ja}</a></li>' for s, ja in SECTIONS)
    links = [(j, TOPICS[j % len(TOPICS)]) for j in sorted({(i * 7 + k * 13 + 1) % n for k in range(10)} - {i})]
    news = "".join(f'<li><span class="date">令和8年{1 + (j % 12)}月{1 + (j % 28)}日</span>'
                   f'<a href="/{SECTIONS[j % len(SECTIONS)][0]}/p{j}.html">{t}について</a></li>' for j, t in links)
    rows = "".join(f"<tr><th scope=\"row\">{k + 1}月</th><td>{rnd.randint(100, 999)}件</td>"
                   f"<td>{rnd.randint(10, 99)}件</td></tr>" for k in range(6))
    defects = []
    if i % 5 == 0:      # image without alt
        defects.append('<p><img src="/images/photo.png" width="320" height="180"></p>')
    if i % 7 == 0:      # form control without label
        defects.append('<form action="/search"><input type="text" name="q"><button>検索</button></form>')
    if i % 11 == 0:     # low-contrast text and a "こちら" link
        defects.append('<p style="color:#aaa">詳しくは<a href="/shisei/">こちら</a></p>')
    if i % 13 == 0:     # layout table without headers
        defects.append("<table><tr><td>受付</td><td>平日</td></tr><tr><td>時間</td><td>8時30分～17時15分</td></tr></table>")
    pdf = PDFS[i % len(PDFS)]
    body = "".join(f"<p>{topic}に関する手続きの方法、必要な書類、受付窓口についてご案内します。"
                   f"ご不明な点は担当課までお問い合わせください。（段落{k + 1}）</p>" for k in range(4))
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | みどり市</title><link rel="stylesheet" href="/css/common.css"><script src="/js/common.js" defer></script>
</head><body>
<a class="skip" href="#main">本文へ移動</a>
<header class="site-header"><p class="logo"><a href="/"><img src="/images/logo.png" alt="みどり市" width="160" height="40"></a></p>
<form class="search" role="search" action="/search"><label for="q">サイト内検索</label><input id="q" name="q" type="search">
<button type="submit">検索</button></form>
<button class="menu-toggle" aria-expanded="false" aria-controls="gnav">メニュー</button></header>
<nav id="gnav" aria-label="グローバルナビゲーション"><ul>{nav}</ul></nav>
<nav aria-label="パンくずリスト" class="breadcrumb"><ol><li><a href="/">ホーム</a></li><li><a href="/{sec}/">{sec_ja}</a></li>
<li aria-current="page">{title}</li></ol></nav>
<main id="main"><h1>{title}</h1>
{body}
<h2>受付件数</h2><table><caption>月別の受付件数</caption><thead><tr><th scope="col">月</th><th scope="col">窓口</th>
<th scope="col">オンライン</th></tr></thead><tbody>{rows}</tbody></table>
<h2>関連書類</h2><ul><li><a href="/docs/{pdf}">{topic}の申請書（PDF形式：1KB）</a></li></ul>
<p><img src="/images/photo.png" alt="市役所本庁舎の外観" width="320" height="180"></p>
{''.join(defects)}
<h2>新着情報</h2><ul class="news">{news}</ul>
<h2>お問い合わせ</h2><p>{sec_ja}担当 電話：0123-45-{6000 + i % 1000:04d}</p>
</main>
<footer><p>みどり市役所 〒690-0000 みどり県みどり市本町1番1号</p><p><small>&copy; みどり市</small></p></footer>
</body></html>"""


CSS = """body{font-family:sans-serif;margin:0;color:#222;background:#fff;line-height:1.7}
.skip{position:absolute;left:-999px}.skip:focus{left:0}
.site-header{display:flex;justify-content:space-between;padding:8px 16px;background:#0b5d3b;color:#fff}
.site-header a{color:#fff}#gnav ul{display:flex;flex-wrap:wrap;list-style:none;margin:0;padding:0;background:#e8f3ec}
#gnav a{display:block;padding:8px 12px;color:#0b3d26}.breadcrumb ol{display:flex;list-style:none;padding:0 16px}
main{max-width:960px;margin:0 auto;padding:0 16px}table{border-collapse:collapse}th,td{border:1px solid #888;padding:4px}
.news .date{margin-right:1em;color:#555}footer{background:#333;color:#fff;padding:16px}
.menu-toggle{display:none}@media (max-width:600px){.menu-toggle{display:block}#gnav{display:none}}
"""
JS = """document.addEventListener('DOMContentLoaded',function(){var b=document.querySelector('.menu-toggle');
if(!b)return;b.addEventListener('click',function(){var o=b.getAttribute('aria-expanded')==='true';
b.setAttribute('aria-expanded',String(!o));document.getElementById('gnav').style.display=o?'':'block';});});"""
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082")


def generate(root: Path, n: int, seed: int = 7) -> list[str]:
    """Write an n-page site into root; returns the page paths (sitemap order)."""
    rnd = random.Random(seed)
    for d in ["css", "js", "images", "docs", *(s for s, _ in SECTIONS)]:
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "css" / "common.css").write_text(CSS, encoding="utf-8")
    (root / "js" / "common.js").write_text(JS, encoding="utf-8")
    for name in ("logo.png", "photo.png"):
        (root / "images" / name).write_bytes(PNG)
    for name in PDFS:
        (root / "docs" / name).write_bytes(b"%PDF-1.4\n" + b"%" * 900 + b"\n%%EOF\n")
    paths = []
    for i in range(n):
        sec = SECTIONS[i % len(SECTIONS)][0]
        path = "/" if i == 0 else f"/{sec}/p{i}.html"
        target = root / "index.html" if i == 0 else root / sec / f"p{i}.html"
        target.write_text(page_html(i, n, rnd), encoding="utf-8")
        paths.append(path)
    for sec, ja in SECTIONS:   # section index pages (linked from every page's navigation)
        members = [i for i in range(1, n) if SECTIONS[i % len(SECTIONS)][0] == sec][:50]
        items = "".join(f'<li><a href="/{sec}/p{i}.html">{TOPICS[i % len(TOPICS)]}（{i}）</a></li>' for i in members)
        (root / sec / "index.html").write_text(
            f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{ja} | みどり市</title>'
            f'<link rel="stylesheet" href="/css/common.css"></head><body><main id="main"><h1>{ja}</h1>'
            f'<ul>{"".join(items)}</ul></main></body></html>', encoding="utf-8")
        paths.append(f"/{sec}/")
    (root / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {ORIGIN}/sitemap.xml\n", encoding="utf-8")
    urls = "".join(f"<url><loc>{ORIGIN}{p}</loc></url>" for p in paths)
    (root / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                                      f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>', encoding="utf-8")
    return paths


def write_config(path: Path, site: Path, max_pages: int, concurrency: int) -> None:
    path.write_text(f"""version: 1
sites:
  - id: bench
    name: みどり市（ベンチマーク用生成サイト）
    serve: {site}
    origin: {ORIGIN}
    start_urls: ["/"]
    viewports: [pc, sp]
    crawl: {{max_pages: {max_pages}, max_depth: 20, delay: 0, concurrency: {concurrency}, sitemaps: true,
             obey_robots: true, timeout: 60}}
    policy:
      standard: JIS X 8341-3:2016
      level: AA
      degree: 一部準拠
      scope:
        include:
          - {{prefix: /, reason: 全体}}
""", encoding="utf-8")


def _kind(pid: int) -> str:
    """What a process of the tree is, for the CPU breakdown: a11yaudit (Python), the Playwright/pa11y Node process,
    or a Chromium process by its --type (browser, renderer, gpu-process, utility)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            line = fh.read().replace(b"\0", b" ").decode(errors="replace")   # Chromium rewrites its argv as one
    except OSError:
        return "?"
    exe = os.path.basename(line.split(" ", 1)[0]) if line else "?"
    if "chrom" in exe or (exe == "exe" and "--type=" in line):     # zygote children run as /proc/self/exe
        m = re.search(r"--type=(\S+)", line)
        sub = re.search(r"--utility-sub-type=(\S+)", line)
        return "chromium " + (m.group(1) if m else "browser") + (f" ({sub.group(1)})" if sub else "")
    if exe.startswith("python"):
        return "python"
    if exe == "node" or "node" in exe:
        return "node"
    return exe


def watch(cmd: list[str], *, cwd: Path, time_limit: float | None = None, env: dict | None = None,
          interval: float = 0.25, series_file: Path | None = None, progress=None) -> dict:
    """Run cmd; sample PSS and CPU of its whole process tree every `interval` s (the sampler's own CPU is not
    counted, but it runs on the same cores: at 100 ms it took ~35 % of a core). SIGTERM at time_limit."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    peak, cpu_by_pid, kinds, series, last = 0, {}, {}, [], 0.0
    import threading
    err: list[bytes] = []
    t = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    t.start()
    terminated = False
    while proc.poll() is None:
        pss, cpu = _sample(_tree(proc.pid))
        peak = max(peak, pss)
        for p, c in cpu.items():
            cpu_by_pid[p] = max(cpu_by_pid.get(p, 0.0), c)
            if kinds.get(p, "sh") in ("sh", "?"):
                # Debian's /usr/bin/chromium is a shell script that execs the browser: a process first seen as
                # "sh" is looked at again (it was the Chromium browser process in a 10,000-page run).
                kinds[p] = _kind(p)
        now = time.monotonic() - started
        if now - last >= 10:
            series.append((round(now), round(pss / 2**20)))
            last = now
            if series_file is not None:     # appended as it goes: a multi-hour run killed midway keeps its series
                with series_file.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "s": round(now),
                                         "pss_mb": round(pss / 2**20), "cpu_s": round(sum(cpu_by_pid.values()), 1),
                                         **(progress() if progress else {})}) + "\n")
        if time_limit and now > time_limit and not terminated:
            os.kill(proc.pid, signal.SIGTERM)
            terminated = True
        time.sleep(interval)
    t.join(timeout=10)
    by_kind: dict[str, float] = {}
    for p, c in cpu_by_pid.items():
        by_kind[kinds.get(p, "?")] = round(by_kind.get(kinds.get(p, "?"), 0.0) + c, 1)
    return {"rc": proc.returncode, "wall_s": round(time.monotonic() - started, 2), "peak_pss_mb": round(peak / 2**20),
            "cpu_s": round(sum(cpu_by_pid.values()), 1),
            "cpu_by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])), "pss_series": series, "stderr": b"".join(err).decode()[-3000:],
            "terminated": terminated}


def _db_progress(db: Path):
    """Pages by state in the newest run, read from the audit's database while it runs (frontier and store keep up)."""
    def read() -> dict:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            try:
                run = con.execute("SELECT max(id) FROM runs").fetchone()[0]
                rows = con.execute("SELECT state, count(*) FROM pages WHERE run_id = ? GROUP BY state", (run,))
                return {"run": run, **{state: n for state, n in rows}}
            finally:
                con.close()
        except sqlite3.Error as exc:
            return {"db_error": str(exc)}
    return read


def audit(cfg: Path, db: Path, workdir: Path, extra: list[str], time_limit: float | None,
          series_file: Path | None = None) -> dict:
    cmd = [sys.executable, "-m", "a11yaudit.cli", "--config", str(cfg), "--db", f"sqlite:///{db}", "audit", "bench",
           "-q", "--no-report", "--artifacts-dir", str(workdir / "artifacts"), *extra]
    res = watch(cmd, cwd=ROOT, time_limit=time_limit, series_file=series_file,
                progress=_db_progress(db) if series_file is not None else None)
    if res["rc"] not in (0, 130, -15, 143) and not res["terminated"]:
        raise SystemExit(f"audit failed ({res['rc']}):\n{res['stderr']}")
    con = sqlite3.connect(db)
    run_id, stats = con.execute("SELECT id, stats_json FROM runs ORDER BY id DESC").fetchone()
    stats = json.loads(stats)
    pages = stats["pages_done"]
    res.update(run_id=run_id, pages=pages, errors=stats["pages_error"], reused=stats.get("pages_reused", 0),
               audit_s=stats["elapsed_s"], viewport_loads=stats["viewport_loads"], timings=stats["timings"],
               pages_per_min=round(pages / stats["elapsed_s"] * 60, 1) if stats["elapsed_s"] else None,
               pages_per_min_wall=round(pages / res["wall_s"] * 60, 1),
               cpu_s_per_page=round(res["cpu_s"] / max(pages, 1), 2))
    return res


def breakdown(res: dict) -> dict:
    """Average ms per page (both viewports) by phase, and each phase's share of page time."""
    t, pages = res["timings"], max(res["pages"] - res.get("reused", 0), 1)
    phases = {
        "navigation + load": t.get("load_ms", 0), "settle wait": t.get("settle_ms", 0),
        "axe-core (incl. injection check)": t.get("axe_ms", 0) + t.get("axe_inject_ms", 0),
        "CJK contrast": t.get("cjk_contrast_ms", 0), "DOM serialisation + facts (collect.js)": t.get("collect_ms", 0),
        "layout / keyboard / pixels (interact)": t.get("interact_ms", 0),
        "Python rules + artifact files": t.get("python_ms", 0), "database writes": t.get("db_ms", 0),
    }
    rest = t.get("total_ms", 0) - sum(t.get(k, 0) for k in ("load_ms", "settle_ms", "axe_ms", "axe_inject_ms",
                                                             "cjk_contrast_ms", "collect_ms", "interact_ms"))
    phases["other (protocol, headers, body)"] = max(rest, 0)
    total = sum(phases.values()) or 1
    return {k: (round(v / pages, 1), round(100 * v / total, 1)) for k, v in phases.items()}


def ensure_pa11y() -> Path:
    binary = NODE_DIR / "node_modules" / ".bin" / "pa11y-ci"
    if not binary.exists():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "pa11y-ci@4.1.1"], cwd=NODE_DIR, check=True,
                       env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
    return binary


def run_pa11y(urls: list[str], concurrency: int, workdir: Path) -> dict:
    binary = ensure_pa11y()
    cfg = workdir / "pa11yci-axe.json"
    cfg.write_text(json.dumps({"defaults": {
        "chromeLaunchConfig": {"executablePath": "/usr/bin/chromium",
                               "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                        "--disable-component-update", "--disable-sync", "--no-first-run",
                                        "--disable-dev-shm-usage"]},
        "runners": ["axe"], "standard": "WCAG2AA", "timeout": 60000, "concurrency": concurrency},
        "urls": urls}), encoding="utf-8")
    res = watch([str(binary), "-c", str(cfg), "--json"], cwd=workdir)
    if res["rc"] not in (0, 2):
        raise SystemExit(f"pa11y-ci failed ({res['rc']}):\n{res['stderr']}")
    res.update(pages=len(urls), pages_per_min_wall=round(len(urls) / res["wall_s"] * 60, 1),
               cpu_s_per_page=round(res["cpu_s"] / len(urls), 2))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=300, help="pages to generate (default 300)")
    ap.add_argument("--max-pages", type=int, default=None, help="page budget of the audit (default: all)")
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=None, help="stop the first audit after this many seconds")
    ap.add_argument("--peer-pages", type=int, default=100, help="pages given to pa11y-ci (default 100)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-reaudit", action="store_true")
    ap.add_argument("--generate-only", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="keep the site, database and results in this folder")
    ap.add_argument("--resume", action="store_true",
                    help="with --keep: finish the interrupted audit kept there (a long run spread over several sittings;"
                         " the PSS/progress series goes on in <keep>/series.jsonl)")
    args = ap.parse_args()
    if args.generate_only:
        generate(args.generate_only, args.pages)
        return
    with tempfile.TemporaryDirectory(prefix="a11ybench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        site, db, cfg = work / "site", work / "bench.sqlite", work / "sites.yaml"
        series = work / "series.jsonl" if args.keep else None
        extra: list[str] = []
        if args.resume:
            if not (args.keep and db.is_file()):
                raise SystemExit("--resume needs --keep FOLDER holding an earlier run (bench.sqlite)")
            con = sqlite3.connect(db)
            run_id, status = con.execute("SELECT id, status FROM runs ORDER BY id DESC").fetchone()
            con.close()
            if status == "finished":
                raise SystemExit(f"run {run_id} in {db} is finished: nothing to resume")
            paths = [ln for ln in (site / "paths.txt").read_text(encoding="utf-8").splitlines() if ln]
            extra = ["--resume", str(run_id)]
            m = re.search(r"concurrency: (\d+)", cfg.read_text(encoding="utf-8"))
            args.concurrency = int(m.group(1)) if m else args.concurrency     # the kept run's, for the report
            print(f"resuming run {run_id} ({status}) of {len(paths)} pages", flush=True)
        else:
            t0 = time.monotonic()
            paths = generate(site, args.pages)
            (site / "paths.txt").write_text("\n".join(paths) + "\n", encoding="utf-8")
            print(f"generated {len(paths)} pages in {time.monotonic() - t0:.1f} s", flush=True)
            write_config(cfg, site, args.max_pages or len(paths), args.concurrency)
        out: dict = {"pages_generated": len(paths), "concurrency": args.concurrency}
        first = audit(cfg, db, work, extra, args.time_limit, series_file=series)
        out["first"] = first
        out["breakdown"] = breakdown(first)
        print(json.dumps({k: v for k, v in first.items() if k != "stderr"}, ensure_ascii=False), flush=True)
        if not args.no_reaudit and not first["terminated"]:
            again = audit(cfg, db, work, [], None)
            out["reaudit"] = again
            out["reaudit_ratio_wall"] = round(first["wall_s"] / again["wall_s"], 1)
            out["reaudit_ratio_audit"] = round(first["audit_s"] / max(again["audit_s"], 1e-3), 1)
            print(json.dumps({k: v for k, v in again.items() if k != "stderr"}, ensure_ascii=False), flush=True)
        if not args.no_peer:
            # pa11y-ci gets the URLs our audit stored (physical = served again on a fresh port by a StaticServer).
            from a11yaudit.serve import StaticServer
            with StaticServer(site) as base:
                urls = [base + p for p in paths[: args.peer_pages]]
                peer = run_pa11y(urls, args.concurrency, work)
            out["pa11y"] = peer
            print(json.dumps({k: v for k, v in peer.items() if k != "stderr"}, ensure_ascii=False), flush=True)
        report(out)
        res_dir = ROOT / "bench" / "results"
        res_dir.mkdir(parents=True, exist_ok=True)
        (res_dir / f"site-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
            json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def report(out: dict) -> None:
    f = out["first"]
    print(f"\n== {out['pages_generated']} generated pages, concurrency {out['concurrency']} ==")
    print("| tool | pages | pages/min (audit) | pages/min (wall, incl. start) | CPU s/page | peak PSS MB |")
    print("|---|---|---|---|---|---|")
    print(f"| a11yaudit PC+SP, all rules | {f['pages']} | {f['pages_per_min']} | {f['pages_per_min_wall']} | "
          f"{f['cpu_s_per_page']} | {f['peak_pss_mb']} |")
    if "reaudit" in out:
        r = out["reaudit"]
        print(f"| a11yaudit re-audit, unchanged | {r['pages']} ({r['reused']} reused) | {r['pages_per_min']} | "
              f"{r['pages_per_min_wall']} | {r['cpu_s_per_page']} | {r['peak_pss_mb']} |")
    if "pa11y" in out:
        p = out["pa11y"]
        print(f"| pa11y-ci 4.1.1 (axe), PC only | {p['pages']} | – | {p['pages_per_min_wall']} | {p['cpu_s_per_page']} | "
              f"{p['peak_pss_mb']} |")
        print(f"\nratio a11yaudit / pa11y-ci (pages/min, wall incl. start): "
              f"{f['pages_per_min_wall'] / p['pages_per_min_wall']:.2f}×")
    if "reaudit" in out:
        print(f"unchanged-site re-audit: {out['reaudit_ratio_wall']}× faster (wall), "
              f"{out['reaudit_ratio_audit']}× (audit time)")
    print("\n| phase | ms per page (PC+SP) | share |\n|---|---|---|")
    for k, (ms, pct) in out["breakdown"].items():
        print(f"| {k} | {ms} | {pct} % |")
    print(f"\nPSS over time (s, MB): {f['pss_series']}")


if __name__ == "__main__":
    main()
