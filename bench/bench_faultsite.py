"""Peak memory of an audit of the fault-injection site (issue 8): the a11yaudit process and every Chromium process
under it, sampled from /proc every 0.2 s. Usage: python bench/bench_faultsite.py [--sitemap-mb 52]"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from a11yaudit.testing.faultsite import FaultSite  # noqa: E402

CONFIG = """version: 1
sites:
  - id: faults
    start_urls: ["{base}/"]
    viewports: [pc]
    crawl: {{timeout: 10, page_timeout: 30, max_pages: 60, max_depth: 8, concurrency: 2, max_sitemap_urls: 100,
             max_query_variants: 5, retry_max_wait: 3, audit_outside_scope: false}}
    policy:
      scope:
        exclude: [{{prefix: /big/, reason: bench}}]
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of pid and all its descendants (kB from /proc/*/status)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sitemap-mb", type=float, default=52)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FaultSite(big_sitemap_mb=args.sitemap_mb) as base:
        cfg = Path(tmp) / "sites.yaml"
        cfg.write_text(CONFIG.format(base=base), encoding="utf-8")
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", "--config", str(cfg), "--db",
                                 f"sqlite:///{tmp}/b.sqlite", "audit", "faults", "-q", "--no-report",
                                 "--artifacts-dir", f"{tmp}/art"], cwd=ROOT)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.2)
        print(f"exit {proc.returncode}; {time.monotonic() - started:.1f} s; peak RSS (a11yaudit + Chromium tree) "
              f"{peak / 2**20:.0f} MB; sitemap {args.sitemap_mb:g} MB")


if __name__ == "__main__":
    main()
