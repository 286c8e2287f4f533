"""Benchmark (run by hand, not in CI): cold single-page `a11yaudit gate` time, process start to exit, on one local
HTML file of the sample site (both viewports, and pc only), next to @axe-core/cli on the same page in the same
run (interleaved rounds, medians).

    .venv/bin/python bench/bench_gate.py --rounds 3 [--page examples/sample-site/kanko/spot/index.html]

The peer: @axe-core/cli (npm install @axe-core/cli@4.13.0; see bench/README.md), found as $A11YAUDIT_PEERS/node_modules/.bin/axe,
bench/node_modules/.bin/axe or on PATH; it loads the page over HTTP (the sample site served on 127.0.0.1) with
Debian's Chromium and chromedriver. When it cannot run, the reason is printed instead of a figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _timed(cmd: list[str], **kw) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - t0, proc.returncode, proc.stderr[-400:]


def _find_axe_cli() -> tuple[list[str] | None, str]:
    for base in filter(None, [os.environ.get("A11YAUDIT_PEERS"), str(ROOT / "bench"), "/tmp/peers"]):
        cand = Path(base) / "node_modules" / ".bin" / "axe"
        if cand.exists():
            break
    else:
        found = shutil.which("axe")
        cand = Path(found) if found else None
    if cand is None:
        return None, ("@axe-core/cli is not installed (npm install @axe-core/cli@4.13.0 in bench/ or "
                      "$A11YAUDIT_PEERS; no download at benchmark time)")
    if not Path("/usr/bin/chromedriver").exists():
        return None, "Debian's chromedriver (package chromium-driver) is missing"
    return [str(cand)], ""


def _warm_times(exe: str, page: Path, rel_url: str, rounds: int) -> dict[str, list[float]]:
    """The same page posted to a warm `a11yaudit serve-gate` (browser and rules already loaded)."""
    import re
    import urllib.request
    proc = subprocess.Popen([exe, "serve-gate", "--port", "0"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    out: dict[str, list[float]] = {"serve-gate pc+sp": [], "serve-gate pc": []}
    try:
        m = re.search(r":(\d+)/gate", proc.stderr.readline())
        if not m:
            return {}
        body = page.read_bytes()
        for r in range(rounds + 1):          # the first request warms the V8 code cache and is not counted
            for label, extra in (("serve-gate pc+sp", ""), ("serve-gate pc", "&viewport=pc")):
                url = f"http://127.0.0.1:{m.group(1)}/gate?base_url=http://sample.invalid{rel_url}{extra}"
                t = time.perf_counter()
                urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=120).read()
                if r:
                    out[label].append(time.perf_counter() - t)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--page", default="examples/sample-site/kanko/spot/index.html")
    args = ap.parse_args()
    exe = str(ROOT / ".venv" / "bin" / "a11yaudit")
    page = ROOT / args.page
    rel_url = "/" + page.relative_to(ROOT / "examples" / "sample-site").as_posix()
    peer, why = _find_axe_cli()
    from a11yaudit.serve import StaticServer
    times: dict[str, list[float]] = {"gate pc+sp": [], "gate pc": [], "@axe-core/cli (pc)": []}
    with StaticServer(ROOT / "examples" / "sample-site") as base, tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for label, extra in (("gate pc+sp", []), ("gate pc", ["--viewport", "pc"])):
                s, rc, err = _timed([exe, "gate", str(page), *extra, "--format", "json", "--output",
                                     f"{tmp}/g.json"], cwd=ROOT)
                if rc not in (0, 1):
                    print(f"{label}: exit {rc}: {err}", file=sys.stderr)
                    return 3
                times[label].append(s)
            if peer:
                s, rc, err = _timed([*peer, base + rel_url, "--chromedriver-path", "/usr/bin/chromedriver",
                                     "--chrome-path", "/usr/bin/chromium",
                                     "--chrome-options=no-sandbox,disable-gpu,headless", "--save", f"{tmp}/axe.json"],
                                    cwd=tmp)
                if rc not in (0, 1):   # exit 1 = violations found, not a failure of the run
                    why = f"@axe-core/cli exited {rc}: {err.strip()}"
                    peer = None
                else:
                    times["@axe-core/cli (pc)"].append(s)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items() if v), file=sys.stderr)
    warm = _warm_times(exe, page, rel_url, args.rounds)
    print(f"cold single-page time, process start to exit, median of {args.rounds} ({page.relative_to(ROOT)}):")
    for label, values in times.items():
        if values:
            print(f"  {label:<22} {statistics.median(values):6.2f} s   (min {min(values):.2f}, max {max(values):.2f})")
        else:
            print(f"  {label:<22} not measured: {why}")
    for label, values in warm.items():
        print(f"  {label:<22} {statistics.median(values):6.2f} s   (min {min(values):.2f}, max {max(values):.2f})"
              "   warm: POST to a running `a11yaudit serve-gate`")
    if times["gate pc"] and times["@axe-core/cli (pc)"]:
        ratio = statistics.median(times["gate pc"]) / statistics.median(times["@axe-core/cli (pc)"])
        print(f"  gate pc / @axe-core/cli = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
