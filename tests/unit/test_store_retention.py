"""`prune` deletes only a run's own artifacts folder (issue 22 item 13): never a folder found by resolving a stored
relative path against the current directory, never another database's run folder of the same number."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from a11yaudit.config import load_sites
from a11yaudit.retention import mark_run_folder, prune
from a11yaudit.store.db import Store

SITES = """version: 1
sites:
  - id: s
    name: 試験市
    start_urls: ["https://www.city.example.jp/"]
"""


@pytest.fixture
def site(tmp_path):
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(SITES, encoding="utf-8")
    return load_sites(cfg).get("s")


def _runs(store: Store, site, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        rid = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="x",
                               source="crawl", artifacts_dir=None, config={})
        store.set_run(rid, status="finished")
        ids.append(rid)
    return ids


def _artifact_folder(folder: Path) -> Path:
    (folder / "0123456789abcdef0123").mkdir(parents=True)
    (folder / "0123456789abcdef0123" / "pc.json.gz").write_bytes(b"x" * 100)
    return folder


def test_relative_path_is_never_resolved_against_the_current_directory(tmp_path, site, monkeypatch):
    project_a, project_b = tmp_path / "a", tmp_path / "b"
    project_a.mkdir()
    store = Store(f"sqlite:///{project_a / 'a.sqlite'}")
    old, _new = _runs(store, site, 2)
    store.set_run(old, artifacts_dir=f"artifacts/s/{old}")       # as stored by earlier versions
    own = _artifact_folder(project_a / "artifacts" / "s" / str(old))
    other = _artifact_folder(project_b / "artifacts" / "s" / str(old))     # another project's run folder
    (other / "notes.txt").write_text("他プロジェクトのファイル", encoding="utf-8")
    monkeypatch.chdir(project_b)
    pruned = prune(store, "s", 1)
    assert [r["id"] for r in pruned] == [old]
    assert other.is_dir() and (other / "notes.txt").exists(), "another project's folder was deleted"
    assert not own.exists(), "the run's own folder (relative to its database) is pruned"


def test_another_databases_run_folder_is_kept(tmp_path, site):
    shared = tmp_path / "artifacts"
    a = Store(f"sqlite:///{tmp_path / 'a.sqlite'}")
    b = Store(f"sqlite:///{tmp_path / 'b.sqlite'}")
    a_old, _ = _runs(a, site, 2)
    b_old, _ = _runs(b, site, 2)
    assert a_old == b_old
    folder = _artifact_folder(shared / "s" / str(a_old))
    mark_run_folder(folder, a, a_old)          # database a's run wrote it
    for store, rid in ((a, a_old), (b, b_old)):
        store.set_run(rid, artifacts_dir=str(folder))
    prune(b, "s", 1)
    assert folder.is_dir(), "database b pruned database a's folder"
    assert [r["id"] for r in b.list_runs("s")] == [b_old + 1]
    prune(a, "s", 1)
    assert not folder.exists()


def test_unmarked_folder_with_foreign_files_or_a_symlink_is_kept(tmp_path, site):
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    r1, r2, _r3 = _runs(store, site, 3)
    foreign = _artifact_folder(tmp_path / "art" / "s" / str(r1))
    (foreign / "thesis.docx").write_bytes(b"mine")
    target = _artifact_folder(tmp_path / "elsewhere" / "data")
    link = tmp_path / "art" / "s" / str(r2)
    os.symlink(target, link)
    store.set_run(r1, artifacts_dir=str(foreign))
    store.set_run(r2, artifacts_dir=str(link))
    pruned = prune(store, "s", 1)
    assert {r["id"] for r in pruned} == {r1, r2}
    assert (foreign / "thesis.docx").exists() and (target / "0123456789abcdef0123" / "pc.json.gz").exists()
    assert all(r["kept_folder"] for r in pruned)


def test_keep_counts_finished_runs(tmp_path, site):
    """A failed (empty) newest run never pushes the last finished audit out."""
    store = Store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    r1, r2 = _runs(store, site, 2)
    r3 = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="x",
                          source="crawl", artifacts_dir=None, config={})
    store.set_run(r3, status="failed")
    pruned = prune(store, "s", 1)
    assert [r["id"] for r in pruned] == [r1]
    assert [r["id"] for r in store.list_runs("s")] == [r2, r3]
