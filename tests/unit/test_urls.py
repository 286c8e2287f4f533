"""URL canonicalisation and policy-scope classification."""

import pytest

from a11yaudit.config import Crawl, Policy, ScopeRule, Site
from a11yaudit.discover.scope import EXCLUDED, IN_SCOPE, OUT_OF_SCOPE, ScopeClassifier
from a11yaudit.discover.urls import OriginMap, canonicalize, document_type, section_of
from a11yaudit import settings


@pytest.mark.parametrize("raw,expected", [
    ("HTTP://WWW.Pref.Example.JP:80/a/b.html#top", "http://www.pref.example.jp/a/b.html"),
    ("https://example.jp:443", "https://example.jp/"),
    ("https://example.jp:8443/x", "https://example.jp:8443/x"),
    ("http://example.jp/a/./b/../c/", "http://example.jp/a/c/"),
    ("http://example.jp/kurashi/index.html", "http://example.jp/kurashi/"),
    ("http://example.jp/p?utm_source=x&b=2&a=1&fbclid=z", "http://example.jp/p?a=1&b=2"),
    ("http://example.jp/%7euser/%e3%81%82", "http://example.jp/~user/%E3%81%82"),
    ("http://example.jp/あ", "http://example.jp/%E3%81%82"),
])
def test_canonicalize(raw, expected):
    assert canonicalize(raw) == expected


@pytest.mark.parametrize("raw", ["javascript:void(0)", "mailto:a@example.jp", "tel:0852-22-1234",
                                 "file:///etc/passwd", "data:text/html,hi", "ftp://example.jp/", "", "http://"])
def test_non_page_urls_are_dropped(raw):
    assert canonicalize(raw) is None


def test_relative_links_resolve_against_base():
    assert canonicalize("../b/?x=1#f", "http://example.jp/a/c/") == "http://example.jp/a/b/?x=1"


def test_document_types_and_sections():
    assert document_type("http://e.jp/docs/a.PDF") == "pdf"
    assert document_type("http://e.jp/a.xlsx") == "office"
    assert document_type("http://e.jp/a/") is None
    assert section_of("http://e.jp/kurashi/gomi/") == "/kurashi/"
    assert section_of("http://e.jp/") == "/"


def test_origin_map_round_trip():
    m = OriginMap("http://sample.invalid", "http://127.0.0.1:5555")
    assert m.to_physical("http://sample.invalid/a/") == "http://127.0.0.1:5555/a/"
    assert m.to_logical("http://127.0.0.1:5555/a/?q=1") == "http://sample.invalid/a/?q=1"
    assert m.to_logical("https://www.example.com/") == "https://www.example.com/"


def _site(**policy):
    crawl = Crawl(**{k: v for k, v in settings.CRAWL_DEFAULTS.items()})
    return Site(id="s", name="s", start_urls=["https://www.pref.example.jp/"], crawl=crawl, viewports=["pc"],
                profile="jis2016", policy=Policy(**policy))


def test_scope_classification_with_reasons():
    import re
    site = _site(include=[ScopeRule(reason="全体", prefix="/")],
                 exclude=[ScopeRule(reason="旧ページ", prefix="/archive/"),
                          ScopeRule(reason="PDF", type="pdf"),
                          ScopeRule(reason="検索", pattern=r"/search\?", regex=re.compile(r"/search\?"))])
    sc = ScopeClassifier(site)
    assert sc.classify("https://www.pref.example.jp/kurashi/").status == IN_SCOPE
    d = sc.classify("https://www.pref.example.jp/archive/2012/a.html")
    assert (d.status, d.reason) == (EXCLUDED, "旧ページ")
    assert sc.classify("https://www.pref.example.jp/docs/a.pdf").reason == "PDF"
    assert sc.classify("https://www.pref.example.jp/search?q=x").status == EXCLUDED
    assert sc.classify("https://www.example.com/").status == OUT_OF_SCOPE


def test_scope_limited_to_a_prefix():
    site = _site(include=[ScopeRule(reason="くらし", prefix="/kurashi/")])
    sc = ScopeClassifier(site)
    assert sc.classify("https://www.pref.example.jp/kurashi/gomi/").status == IN_SCOPE
    assert sc.classify("https://www.pref.example.jp/kanko/").status == OUT_OF_SCOPE
    assert sc.same_site("https://www.pref.example.jp/kanko/")


def test_the_site_is_its_origins_not_its_host_names():
    """Issue 22: a site on 127.0.0.1:8123 does not own 127.0.0.1's other ports; http/https on the default ports of
    the site's host are one site; allowed_hosts are hosts on the default ports (or host:port)."""
    import dataclasses
    site = dataclasses.replace(_site(include=[ScopeRule(reason="全体", prefix="/")]),
                               start_urls=["http://127.0.0.1:8123/"],
                               allowed_hosts=["cdn.example.jp", "intra.example.jp:8080"])
    sc = ScopeClassifier(site)
    assert sc.same_site("http://127.0.0.1:8123/kurashi/")
    assert not sc.same_site("http://127.0.0.1:8080/secret") and not sc.same_site("http://127.0.0.1/")
    assert not sc.same_site("https://127.0.0.1:8123/")
    assert sc.classify("http://127.0.0.1:8080/secret").status == OUT_OF_SCOPE
    assert sc.same_site("https://cdn.example.jp/a.css") and sc.same_site("http://cdn.example.jp/a.css")
    assert not sc.same_site("http://cdn.example.jp:8080/")
    assert sc.same_site("http://intra.example.jp:8080/") and not sc.same_site("http://intra.example.jp/")
    www = ScopeClassifier(_site(include=[ScopeRule(reason="全体", prefix="/")]))
    assert www.same_site("http://www.pref.example.jp/a.html") and www.same_site("https://www.pref.example.jp/")
    assert not www.same_site("https://www.pref.example.jp:8443/")
