"""Disk use of run artifacts and retention: old runs' rows and artifacts pruned, the latest run never touched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import delete

from .store.db import Store
from .store.schema import findings, pages, rule_results, runs


def dir_bytes(path: str | Path | None) -> int:
    """Bytes under a folder (0 when it does not exist)."""
    if not path:
        return 0
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def owned_artifacts(run: dict) -> Path | None:
    """The artifacts folder a crawl run wrote (a run re-evaluated from artifacts does not own its source)."""
    if run.get("source") != "crawl" or not run.get("artifacts_dir"):
        return None
    path = Path(run["artifacts_dir"])
    # Only a folder named after the run inside a folder named after the site: never an arbitrary path.
    if path.name != str(run["id"]) or path.parent.name != run["site_id"]:
        return None
    return path


def prune(store: Store, site_id: str, keep: int, *, dry_run: bool = False) -> list[dict]:
    """Delete all but the newest `keep` runs of a site (rows and owned artifacts). Running runs are kept. Returns
    the runs pruned, each with the bytes freed."""
    keep = max(int(keep), 1)
    site_runs = store.list_runs(site_id)
    latest = site_runs[-1]["id"] if site_runs else None
    old = [r for r in site_runs[:-keep] if r["id"] != latest and r["status"] != "running"]
    pruned = []
    for run in old:
        folder = owned_artifacts(run)
        freed = dir_bytes(folder) if folder else 0
        pruned.append({"id": run["id"], "status": run["status"], "bytes": freed})
        if dry_run:
            continue
        with store.engine.begin() as conn:
            conn.execute(delete(findings).where(findings.c.run_id == run["id"]))
            conn.execute(delete(rule_results).where(rule_results.c.run_id == run["id"]))
            conn.execute(delete(pages).where(pages.c.run_id == run["id"]))
            conn.execute(delete(runs).where(runs.c.id == run["id"]))
        if folder and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
    return pruned
