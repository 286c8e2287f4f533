"""The store on a real PostgreSQL server (Debian's binaries, a throwaway cluster on 127.0.0.1): migrations, the
same results as SQLite for the same artifacts, one transaction per page, and what PostgreSQL is stricter about
(NUL in page text, URLs longer than a btree entry, the session time zone)."""

from __future__ import annotations

import random
import string
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from pgtools import postgres_or_skip  # noqa: E402

from a11yaudit.audit import AuditOptions, reevaluate_artifacts  # noqa: E402
from a11yaudit.config import load_sites  # noqa: E402
from a11yaudit.report.html import write_report  # noqa: E402
from a11yaudit.rules.loader import load_rules  # noqa: E402
from a11yaudit.rules.model import FAILED, Finding, RuleResult  # noqa: E402
from a11yaudit.store.db import MIGRATIONS, Store  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "artifacts" / "sample"


@pytest.fixture(scope="module")
def pg():
    server = postgres_or_skip()        # the server runs with timezone=Asia/Tokyo on purpose
    yield server
    server.stop()


@pytest.fixture
def site():
    return load_sites(ROOT / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _entry(url, **kw):
    return {"url": url, "kind": "html", "doc_type": None, "depth": 1, "found_via": "link", "referrer": None,
            "scope": "in_scope", "scope_reason": "", "state": "queued", "skip_reason": None, **kw}


def test_artifacts_give_the_same_results_on_postgresql_as_on_sqlite(pg, site, tmp_path):
    url = pg.create_db("roundtrip")
    store = Store(url.replace("postgresql+psycopg://", "postgresql://"))   # plain URL → the psycopg 3 driver
    assert store.engine.dialect.name == "postgresql" and store.revision() == _head()
    Store(url)                                                             # opening again is a no-op upgrade
    lite = Store(f"sqlite:///{tmp_path / 'ref.sqlite'}")
    ruleset = load_rules()
    opts = AuditOptions(profile="jis2016", viewports=["pc", "sp"], artifacts_root=tmp_path / "art", quiet=True)
    run_pg = reevaluate_artifacts(site, store, ruleset, opts, FIXTURES)
    run_lite = reevaluate_artifacts(site, lite, ruleset, opts, FIXTURES)

    def snap(st, run_id):
        urls = {p["id"]: p["url"] for p in st.run_pages(run_id)}
        return (sorted((p["url"], p["state"], p["title"], p["scope"]) for p in st.run_pages(run_id)),
                sorted((urls[r["page_id"]], r["viewport"], r["rule"], r["outcome"], r["n_failed"], r["n_passed"])
                       for r in st.run_results(run_id)),
                sorted((urls[f["page_id"]], f["fingerprint"], f["message"]) for f in st.run_findings(run_id)))
    assert snap(store, run_pg) == snap(lite, run_lite)
    assert len(snap(store, run_pg)[2]) > 10
    run = store.get_run(run_pg)
    # Times come back in UTC whatever the server's time zone; the report shows them in Japan time.
    assert run["started_at"].utcoffset().total_seconds() == 0
    path = write_report(store, run_pg, ruleset, tmp_path / "reports")
    from a11yaudit.report.i18n import JST
    assert f"{run['started_at'].astimezone(JST):%Y年%m月%d日 %H:%M}" in path.read_text(encoding="utf-8")


def test_postgresql_takes_nul_and_long_urls_and_keeps_one_transaction_per_page(pg, site):
    store = Store(pg.create_db("strict"))
    run_id = store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="t",
                              source="crawl", artifacts_dir=None, config={})
    assert store.enqueue(run_id, [_entry("http://sample.invalid/", depth=0, found_via="start")]) == 1
    page_id = store.queued(run_id)[0]["id"]
    # A URL longer than a btree index entry (~2.7 KB), as search pages and session URLs make.
    long_url = "http://sample.invalid/search?q=" + "".join(random.choices(string.ascii_letters, k=6000))
    nul = "見出し\x00<script>"          # a page's script can put NUL into its title or markup
    finding = Finding(rule="JP02", viewport="pc", outcome=FAILED, selector="img", snippet=nul, message=nul,
                      criteria=["1.1.1"])
    store.record_page(run_id, site.id, page_id, "/", {"state": "done", "title": nul},
                      [RuleResult("JP02", "pc", FAILED, ["1.1.1"], [finding])],
                      [_entry(long_url), _entry("http://sample.invalid/a/")])
    pages = {p["url"]: p for p in store.run_pages(run_id)}
    assert pages["http://sample.invalid/"]["title"] == "見出し\ufffd<script>"
    assert store.run_findings(run_id)[0]["snippet"] == "見出し\ufffd<script>"
    assert long_url in pages and store.ids_for(run_id, [long_url])[long_url] == pages[long_url]["id"]
    # The same URLs again are ignored (the frontier never holds a URL twice).
    assert store.enqueue(run_id, [_entry(long_url), _entry("http://sample.invalid/a/"),
                                  _entry("http://sample.invalid/b/")]) == 1

    # All or nothing: a bad row half-way through leaves the page queued and nothing written.
    a_id = pages["http://sample.invalid/a/"]["id"]
    good = RuleResult("JP01", "pc", "passed", ["1.3.2"], n_passed=1)
    bad = RuleResult("JP02", "pc", None, ["1.1.1"])
    with pytest.raises(IntegrityError):
        store.record_page(run_id, site.id, a_id, "/a/", {"state": "done"}, [good, bad],
                          [_entry("http://sample.invalid/c/")])
    after = {p["url"]: p for p in store.run_pages(run_id)}
    assert after["http://sample.invalid/a/"]["state"] == "queued" and "http://sample.invalid/c/" not in after
    assert {r["page_id"] for r in store.run_results(run_id)} == {page_id}


def test_coordinators_opening_a_new_database_at_once_migrate_it_once(pg):
    from concurrent.futures import ThreadPoolExecutor
    url = pg.create_db("race")
    with ThreadPoolExecutor(4) as pool:       # one coordinator per site, all started together
        stores = list(pool.map(lambda _: Store(url), range(4)))
    assert {s.revision() for s in stores} == {_head()}
