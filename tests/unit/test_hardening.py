"""Crawl hardening without a browser: trap budgets, retry delays, raw-HTML decoding, session ids, streamed
sitemaps, atomic writes, located errors for the new settings and malformed inputs (exit 2, nothing written)."""

from __future__ import annotations

import gzip

import pytest

from a11yaudit import settings
from a11yaudit.config import Crawl, load_sites
from a11yaudit.discover.sources import read_sitemaps
from a11yaudit.discover.urls import canonicalize
from a11yaudit.errors import ConfigError
from a11yaudit.fsutil import atomic_write_text
from a11yaudit.gather.browser import PageLoad, _decode
from a11yaudit.hardening import TrapGuard, is_transient, retry_delay
from a11yaudit.testing.faultsite import EUC_TEXT, SJIS_TEXT, FaultSite


def _crawl(**kw) -> Crawl:
    base = {k: v for k, v in settings.CRAWL_DEFAULTS.items()}
    return Crawl(**{**base, **kw})


def test_trap_guard_names_the_rule():
    guard = TrapGuard(_crawl(max_query_variants=2, max_url_length=80, max_path_repeats=2))
    for ym in ("2026-01", "2026-02"):
        url = f"http://x.jp/cal?ym={ym}"
        assert guard.check(url) is None
        guard.note_admitted(url)
    rule, note = guard.check("http://x.jp/cal?ym=2026-03")
    assert rule == "query_variants" and "/cal" in note
    assert guard.check("http://x.jp/other?ym=1") is None                  # budgets are per path
    assert guard.check("http://x.jp/a/b/a/b/a/")[0] == "path_repeats"
    assert guard.check("http://x.jp/a/b/a/b/") is None
    assert guard.check("http://x.jp/s?q=" + "a" * 80)[0] == "url_length"


def test_session_ids_are_not_identity():
    assert canonicalize("http://x.jp/p;jsessionid=ABC123?b=1") == "http://x.jp/p?b=1"
    assert canonicalize("http://x.jp/p?PHPSESSID=1&sid=2&page=3") == "http://x.jp/p?page=3"


def test_retry_delay_honours_retry_after_with_a_cap():
    load = PageLoad(url="u", viewport="pc", http_status=429, error_kind="http_error", retry_after="7")
    assert is_transient(load) and retry_delay(load, 0, cap=30) == 7
    assert retry_delay(load, 0, cap=3) == 3
    load.retry_after = "Wed, 21 Oct 2015 07:28:00 GMT"                    # in the past: backoff instead
    assert retry_delay(load, 2, cap=30) == 2.0
    load.retry_after = None
    assert [retry_delay(load, a, cap=30) for a in range(3)] == [0.5, 1.0, 2.0]
    assert not is_transient(PageLoad(url="u", viewport="pc", http_status=404, error_kind="http_error"))
    assert is_transient(PageLoad(url="u", viewport="pc", error_kind="network"))


@pytest.mark.parametrize("codec,text,ctype", [
    ("cp932", SJIS_TEXT, "text/html; charset=Shift_JIS"), ("cp932", SJIS_TEXT, "text/html"),
    ("euc_jp", EUC_TEXT, "text/html; charset=EUC-JP"), ("euc_jp", EUC_TEXT, "text/html"),
    ("utf-8", SJIS_TEXT, "text/html; charset=Shift_JIS"),   # Chromium already transcoded it to UTF-8
])
def test_raw_html_decoded_without_mojibake(codec, text, ctype):
    body = f"<html><title>{text}</title><img\u3000src=a.png></html>".encode(codec)
    assert text in _decode(body, ctype) and "<img\u3000src" in _decode(body, ctype)


def test_broken_shift_jis_bytes_become_replacement_characters():
    out = _decode(SJIS_TEXT.encode("cp932") + b"\x81", "text/html; charset=shift_jis")
    assert out.startswith(SJIS_TEXT) and out.endswith("\ufffd")


def test_sitemaps_streamed_self_index_gzip_shift_jis_and_malformed():
    with FaultSite(big_sitemap_mb=3) as base:
        res = read_sitemaps([base + "/sitemap_index.xml"], max_urls=10)
    assert res.sitemaps_read.count(base + "/sitemap_index.xml") == 1           # the self-reference is read once
    assert base + "/from-gzip" in res.urls and base + "/お知らせ/" in res.urls     # gzip; Shift_JIS declaration
    assert len(res.urls) == 10 and res.dropped > 20_000                           # big one: read to the end
    errors = dict(res.errors)
    assert "malformed" in errors[base + "/sitemap-bad.xml"] and errors[base + "/sitemap-missing.xml"] == "HTTP 404"


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "report.html"
    atomic_write_text(target, "old")

    with pytest.raises(TypeError):
        atomic_write_text(target, 123)            # a failing write
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.parametrize("snippet,where", [
    ("crawl: {retries: -1}", "sites[0].crawl.retries"),
    ("crawl: {max_query_variants: many}", "sites[0].crawl.max_query_variants"),
    ("retention: {keep_runs: 0}", "sites[0].retention.keep_runs"),
    ("retention: {keep: 3}", "sites[0].retention.keep"),
])
def test_new_settings_give_located_errors(tmp_path, snippet, where):
    cfg = tmp_path / "sites.yaml"
    cfg.write_text(f'version: 1\nsites:\n  - id: s\n    start_urls: ["http://127.0.0.1:1/"]\n    {snippet}\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_sites(cfg)
    assert f"{cfg}:5: {where}" in str(err.value)


def test_corrupt_artifact_folder_exit_2_and_no_run_written(tmp_path):
    bad = tmp_path / "art" / "page"
    bad.mkdir(parents=True)
    (bad / "pc.json.gz").write_bytes(gzip.compress(b"{not json"))
    db = tmp_path / "x.sqlite"
    from click.testing import CliRunner

    from a11yaudit.cli import cli
    res = CliRunner().invoke(cli, ["--db", f"sqlite:///{db}", "audit", "sample", "--from-artifacts",
                                   str(tmp_path / "art"), "--no-report", "-q"])
    assert res.exit_code == 2 and f"{bad / 'pc.json.gz'}: unreadable artifact" in res.output
    from a11yaudit.store.db import Store
    assert Store(f"sqlite:///{db}").list_runs() == []
