"""Disk use of run artifacts and retention: old runs' rows and artifacts pruned, the latest run never touched."""

from __future__ import annotations

import json
import os
import re
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


MARKER = ".a11yaudit-run.json"
_PAGE_DIR = re.compile(r"^[0-9a-f]{20}$")
_PAGE_FILE = re.compile(r"^[a-z0-9_-]+\.json\.gz(?:\.tmp\d+)?$")


def _run_identity(run: dict) -> dict:
    return {"run": int(run["id"]), "site": run["site_id"], "started_at": str(run["started_at"])}


def mark_run_folder(folder: str | Path, store: Store, run_id: int) -> None:
    """Write the run's identity into its artifacts folder: `prune` deletes a folder only when this marker names
    the run being pruned (another database's run 3, a folder of another project, are never touched)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(json.dumps(_run_identity(store.get_run(run_id))), encoding="utf-8")


def _marked_for(folder: Path, run: dict) -> bool | None:
    """True: the marker names this run; False: it names another; None: no marker (a run of an older version)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return False
    return data == _run_identity(run)


def _only_artifacts(folder: Path) -> bool:
    """A folder of an older version's run (no marker) holds nothing but page folders of `<viewport>.json.gz`
    files and `screens/*.jpg`: anything else means it is not (only) ours."""
    try:
        for entry in folder.iterdir():
            if entry.is_symlink():
                return False
            if entry.is_dir() and _PAGE_DIR.match(entry.name):
                if not all(f.is_file() and not f.is_symlink() and _PAGE_FILE.match(f.name) for f in entry.iterdir()):
                    return False
            elif entry.is_dir() and entry.name == "screens":
                if not all(f.is_file() and not f.is_symlink() and f.suffix == ".jpg" for f in entry.iterdir()):
                    return False
            else:
                return False
    except OSError:
        return False
    return True


def _db_folder(store: Store | None) -> Path | None:
    """The folder of a SQLite database file (relative artifact paths of older runs are resolved against it)."""
    url = getattr(store, "url", "") or ""
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(url[len("sqlite:///"):]).absolute().parent
    return None


def owned_artifacts(run: dict, store: Store | None = None) -> Path | None:
    """The artifacts folder a crawl run wrote (a run re-evaluated from artifacts does not own its source).

    Paths are stored absolute; an older run's relative path is resolved against the SQLite database's folder —
    never the current directory — and without a database to resolve against it is not ours to measure or delete."""
    if run.get("source") != "crawl" or not run.get("artifacts_dir"):
        return None
    path = Path(run["artifacts_dir"])
    if not path.is_absolute():
        base = _db_folder(store)
        if base is None:
            return None
        path = base / path
    # Only a folder named after the run inside a folder named after the site: never an arbitrary path.
    if path.name != str(run["id"]) or path.parent.name != run["site_id"]:
        return None
    return path


def deletable(folder: Path | None, run: dict) -> bool:
    """Whether `prune` may delete this run's folder: a real folder (not a symlink) holding this run's marker, or, for
    a run of an older version without one, only artifact files."""
    if folder is None or folder.is_symlink() or not folder.is_dir():
        return False
    marked = _marked_for(folder, run)
    return marked if marked is not None else _only_artifacts(folder)


def prune(store: Store, site_id: str, keep: int, *, dry_run: bool = False) -> list[dict]:
    """Delete all but the newest `keep` runs of a site (rows and owned artifacts). Running runs are kept. Returns
    the runs pruned, each with the bytes freed."""
    keep = max(int(keep), 1)
    site_runs = store.list_runs(site_id)
    latest = site_runs[-1]["id"] if site_runs else None
    # `keep` counts finished runs: failed or interrupted runs newer than them never push a finished audit out.
    kept = {r["id"] for r in [r for r in site_runs if r["status"] == "finished"][-keep:]}
    kept |= {r["id"] for r in site_runs[-keep:]}
    old = [r for r in site_runs if r["id"] != latest and r["status"] != "running" and r["id"] not in kept]
    pruned = []
    for run in old:
        folder = owned_artifacts(run, store)
        ours = deletable(folder, run)
        freed = dir_bytes(folder) if ours else 0
        pruned.append({"id": run["id"], "status": run["status"], "bytes": freed,
                       "kept_folder": str(folder) if folder is not None and folder.exists() and not ours else None})
        if dry_run:
            continue
        with store.engine.begin() as conn:
            conn.execute(delete(findings).where(findings.c.run_id == run["id"]))
            conn.execute(delete(rule_results).where(rule_results.c.run_id == run["id"]))
            conn.execute(delete(pages).where(pages.c.run_id == run["id"]))
            conn.execute(delete(runs).where(runs.c.id == run["id"]))
        if ours:
            shutil.rmtree(folder, ignore_errors=True)
    return pruned
