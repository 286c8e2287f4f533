"""Per-pass costs from a run's artifacts: every pass that runs on an already rendered page records its own time.

    .venv/bin/python bench/bench_passes.py artifacts/sample/<run>

Prints, per viewport, the median / mean / max ms of the page load, axe-core, the keyboard walk, the layout passes
(640 and 320 CSS px on PC, 320 on the smartphone), the text passes (baseline, text resized to 200 %, text spacing)
and the smartphone pass (fixed/sticky, focus hidden, targets, text sizes), and how many loads each page had.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def main(folder: str) -> None:
    agg: dict = defaultdict(list)
    loads: dict = defaultdict(int)
    for f in sorted(Path(folder).glob("*/*.json.gz")):
        d = json.loads(gzip.open(f).read())
        a, vp = d["artifacts"], d["viewport"]
        loads[d["url"]] += 1
        t = a["page"]["timings"]
        for k in ("load_ms", "axe_ms", "interact_ms", "total_ms"):
            if k in t:
                agg[(vp, k)].append(t[k])
        for name in ("keyboard", "layout", "phone"):
            if isinstance(a.get(name), dict) and "ms" in a[name]:
                agg[(vp, name)].append(a[name]["ms"])
        for k, v in ((a.get("textfit") or {}).get("ms") or {}).items():
            agg[(vp, f"textfit.{k}")].append(v)
    for key in sorted(agg):
        v = agg[key]
        print(f"{key[0]:3} {key[1]:18} n={len(v):3} median={statistics.median(v):7.1f} "
              f"mean={statistics.mean(v):7.1f} max={max(v):7.1f} ms")
    per_page = sorted(set(loads.values()))
    print(f"pages: {len(loads)}, artifact files (page × viewport loads) per page: {per_page}")
    screens = Path(folder) / "screens"
    if screens.is_dir():
        sizes = [p.stat().st_size for p in screens.glob("*.jpg")]
        print(f"screenshots: {len(sizes)} pages, {sum(sizes) // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1])
