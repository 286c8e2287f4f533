"""Benchmark (run by hand, never in CI): a11yaudit (PC + smartphone, every rule and pass) against @axe-core/cli
(PC, axe-core only, one browser reused) on the same generated municipal pages served on 127.0.0.1, interleaved
rounds, at concurrency 1 and 2 (axe-cli: that many processes, the URLs split between them).

    .venv/bin/python bench/bench_peers.py [--pages 60] [--rounds 3] [--concurrency 1 2]

@axe-core/cli is looked for in $A11YAUDIT_PEERS, bench/ or /tmp/peers (node_modules/.bin/axe; install it with
`CHROMEDRIVER_SKIP_DOWNLOAD=true npm install --ignore-scripts @axe-core/cli@4.13.0` — Debian's chromedriver is
used). Reports per tool and concurrency the medians of pages/minute (wall), CPU seconds per page and peak PSS of the
whole process tree, the CPU split by process kind, and a11yaudit's ratio to axe-cli (the aim: ≥ 1.5×), then where
a11yaudit's page time goes (ms per page and viewport, from the per-load timings every page stores) against the floor
of one navigation and one axe-core run per rendering.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gate import _find_axe_cli  # noqa: E402
from bench_site import audit, generate, watch, write_config  # noqa: E402

from a11yaudit.serve import StaticServer  # noqa: E402

CHROME_OPTS = "no-sandbox,disable-gpu,headless,disable-background-networking,disable-component-update,disable-sync"


def run_axe_cli(exe: list[str], urls: list[str], concurrency: int, workdir: Path) -> dict:
    """`concurrency` axe-cli processes, each auditing its share of the URLs in one browser, watched as one tree."""
    shares = [urls[i::concurrency] for i in range(concurrency)]
    script = " & ".join(
        " ".join([*exe, *share, "--chromedriver-path", "/usr/bin/chromedriver", "--chrome-path", "/usr/bin/chromium",
                  f"--chrome-options={CHROME_OPTS}", "--save", str(workdir / f"axe-{i}.json"), "--exit"])
        + " >/dev/null" for i, share in enumerate(shares)) + " ; wait"
    res = watch(["bash", "-c", script], cwd=workdir)
    res.update(pages=len(urls), pages_per_min=round(len(urls) / res["wall_s"] * 60, 1),
               cpu_s_per_page=round(res["cpu_s"] / len(urls), 2))
    return res


def run_ours(site: Path, n: int, concurrency: int, workdir: Path, k: int) -> dict:
    cfg = workdir / f"sites-{k}.yaml"
    write_config(cfg, site, n, concurrency)
    db = workdir / f"a-{k}.sqlite"
    res = audit(cfg, db, workdir / f"w-{k}", ["--full"], None)
    res["pages_per_min"] = res["pages_per_min_wall"]
    res["phases"] = phases(db, res)
    return res


def phases(db: Path, res: dict) -> dict:
    """Mean ms per page of each stored per-load timing, by viewport, plus the page-level work (rules in Python,
    database) from the run's stats."""
    sums: dict = {}
    n = 0
    with sqlite3.connect(db) as con:
        for (tj,) in con.execute("SELECT timings_json FROM pages WHERE kind = 'html' AND timings_json IS NOT NULL"):
            n += 1
            for vp, row in json.loads(tj).items():
                if isinstance(row, dict):
                    for key, ms in row.items():
                        sums[(vp, key)] = sums.get((vp, key), 0.0) + ms
    out = {f"{vp} {key}": round(v / max(n, 1), 1) for (vp, key), v in sorted(sums.items())}
    t = res["timings"]
    out["page python_ms (rules, artifacts)"] = round(t.get("python_ms", 0) / max(n, 1), 1)
    out["page db_ms"] = round(t.get("db_ms", 0) / max(n, 1), 1)
    out["page wall_ms (whole command / pages)"] = round(res["wall_s"] * 1000 / max(res["pages"], 1), 1)
    return out


def phase_report(rows: list[dict]) -> None:
    keys = sorted({k for r in rows for k in r["phases"]})
    med = {k: round(statistics.median(r["phases"].get(k, 0.0) for r in rows), 1) for k in keys}
    floor = sum(med.get(f"{vp} {k}", 0.0) for vp in ("pc", "sp") for k in ("load_ms", "axe_ms"))
    print("  a11yaudit, concurrency 1: mean ms per page (median of the rounds); floor = load + axe-core, both "
          f"renderings = {floor:.0f} ms")
    for k in keys:
        if med[k] >= 0.5:
            print(f"    {k:<40} {med[k]:>8}")


def _median(rows: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 2)


def _kinds(rows: list[dict]) -> dict:
    kinds: dict[str, list[float]] = {}
    for r in rows:
        for k, v in r["cpu_by_kind"].items():
            kinds.setdefault(k, []).append(v / r["pages"])
    return {k: round(statistics.median(v), 2) for k, v in sorted(kinds.items(), key=lambda kv: -sum(kv[1]))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    exe, why = _find_axe_cli()
    if exe is None:
        print(f"@axe-core/cli unavailable: {why}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="a11yaudit-peers-") as tmp:
        work = Path(tmp)
        site = work / "site"
        paths = generate(site, args.pages)
        results: dict = {}
        with StaticServer(site) as base:
            urls = [base + p for p in paths]
            k = 0
            for rnd in range(args.rounds):
                for c in args.concurrency:
                    k += 1
                    results.setdefault(("axe-cli", c), []).append(run_axe_cli(exe, urls, c, work))
                    results.setdefault(("a11yaudit", c), []).append(run_ours(site, len(urls), c, work, k))
                    print(f"round {rnd + 1} c={c}: axe-cli {results[('axe-cli', c)][-1]['pages_per_min']} p/min, "
                          f"a11yaudit {results[('a11yaudit', c)][-1]['pages_per_min']} p/min", flush=True)
    print(f"\n{len(paths)} pages, {args.rounds} rounds, medians")
    print(f"{'tool':<10} {'conc.':>5} {'pages/min':>10} {'CPU s/page':>11} {'peak PSS MB':>12}  CPU s/page by kind")
    for (tool, c), rows in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"{tool:<10} {c:>5} {_median(rows, 'pages_per_min'):>10} {_median(rows, 'cpu_s_per_page'):>11} "
              f"{_median(rows, 'peak_pss_mb'):>12}  {_kinds(rows)}")
    for c in args.concurrency:
        ratio = _median(results[("a11yaudit", c)], "pages_per_min") / _median(results[("axe-cli", c)], "pages_per_min")
        print(f"concurrency {c}: a11yaudit / axe-cli = {ratio:.2f}× (aim ≥ 1.5×)")
    if ("a11yaudit", 1) in results:
        phase_report(results[("a11yaudit", 1)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
