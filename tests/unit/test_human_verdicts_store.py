"""The human test's verdicts in the database (migration 0012, store/human.py) on SQLite and on a real PostgreSQL
server: insert, replace by (run, url, criterion), clear, a file imported again replacing its own verdicts, long
URLs and NUL in a note, and the verdicts as the 試験結果 takes them (report/human.from_stored)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from pgtools import postgres_or_skip  # noqa: E402

from a11yaudit.config import load_sites  # noqa: E402
from a11yaudit.report.human import FAIL, NOT_APPLICABLE, PASS, from_stored  # noqa: E402
from a11yaudit.store import human as hv  # noqa: E402
from a11yaudit.store.db import Store  # noqa: E402

LONG_URL = "http://sample.invalid/search?q=" + "あ" * 3000


@pytest.fixture(scope="module")
def pg():
    server = postgres_or_skip()
    yield server
    server.stop()


def _run(store: Store) -> int:
    site = load_sites(ROOT / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]
    return store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="x",
                            source="crawl", artifacts_dir=None, config={})


def _exercise(store: Store) -> None:
    run = _run(store)
    top = "http://sample.invalid/"
    hv.save_verdicts(store, run, [
        {"url": top, "criterion": "1.3.1", "verdict": "fail", "note": "見出し\x00なし", "tester": "editor1",
         "tested_on": dt.date(2026, 12, 1), "source": "ワークスペース:editor1"},
        {"url": LONG_URL, "criterion": "1.3.1", "verdict": "pass", "note": "", "tester": "editor1",
         "source": "ワークスペース:editor1"},
        {"url": None, "criterion": "1.2.1", "verdict": "na", "note": "", "tester": "試験 太郎",
         "source": "human.yaml:5"},
        {"url": top, "criterion": "2.4.6", "verdict": "pass", "note": "", "tester": "試験 太郎",
         "source": "human.yaml:6"},
    ])
    rows = hv.run_verdicts(store, run)
    assert len(rows) == 4
    # The same (run, url, criterion) again replaces the verdict.
    hv.save_verdicts(store, run, [{"url": top, "criterion": "1.3.1", "verdict": "pass", "note": "直った",
                                   "tester": "editor2", "source": "ワークスペース:editor2"}])
    rows = {(r["url"], r["criterion"]): r for r in hv.run_verdicts(store, run)}
    assert len(rows) == 4 and rows[(top, "1.3.1")]["verdict"] == "pass" and rows[(top, "1.3.1")]["tester"] == "editor2"
    assert rows[(LONG_URL, "1.3.1")]["verdict"] == "pass"
    # Only the sample's pages (and the whole-sample verdicts) when asked for.
    assert {(r["url"], r["criterion"]) for r in hv.run_verdicts(store, run, urls={top})} == {
        (top, "1.3.1"), ("", "1.2.1"), (top, "2.4.6")}
    # A file imported again replaces what it stored before (and nothing else).
    hv.save_verdicts(store, run, [{"url": None, "criterion": "1.2.1", "verdict": "pass", "note": "",
                                   "source": "human.yaml:3"}], replace_source="human.yaml")
    rows = {(r["url"], r["criterion"]): r for r in hv.run_verdicts(store, run)}
    assert (top, "2.4.6") not in rows and rows[("", "1.2.1")]["verdict"] == "pass" and len(rows) == 3
    # Clearing deletes.
    hv.save_verdicts(store, run, [], clear=[(LONG_URL, "1.3.1")])
    verdicts = from_stored(hv.run_verdicts(store, run), {"1.3.1", "1.2.1"})
    assert [(v.criterion, v.url, v.applicability, v.result) for v in verdicts] == [
        ("1.3.1", top, "適用", PASS), ("1.2.1", None, "適用", PASS)]
    with pytest.raises(ValueError):
        hv.save_verdicts(store, run, [{"url": top, "criterion": "1.3.1", "verdict": "maybe"}])
    assert from_stored([{"criterion": "1.1.1", "url": "", "verdict": "na", "note": "", "tester": "", "tested_on": None,
                         "source": ""}])[0].note == "該当コンテンツなし"
    assert from_stored([{"criterion": "1.1.1", "url": top, "verdict": "fail", "note": "x", "tester": "",
                         "tested_on": None, "source": ""}])[0].result == FAIL
    assert NOT_APPLICABLE == "非適用"


def test_human_verdicts_on_sqlite(tmp_path):
    _exercise(Store(f"sqlite:///{tmp_path / 'h.sqlite'}"))


def test_human_verdicts_on_postgresql(pg):
    store = Store(pg.create_db("human"))
    assert store.pg
    _exercise(store)
