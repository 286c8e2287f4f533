"""sites.yaml validation: good files load; bad ones name the file, line and field."""

import textwrap

import pytest

from a11yaudit.config import load_sites
from a11yaudit.errors import ConfigError

GOOD = textwrap.dedent("""\
    version: 1
    sites:
      - id: pref
        name: 島根県
        start_urls: ["https://www.pref.example.jp/"]
        crawl: {max_pages: 50, delay: 1.5}
        policy:
          level: AA
          scope:
            include: [{prefix: /, reason: 全体}]
            exclude:
              - {prefix: /movie/, reason: 動画}
              - {type: pdf, reason: PDFは例外}
    """)


def load(text, tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(text, encoding="utf-8")
    return load_sites(path, known_profiles={"jis2016", "jis2010", "wcag22"})


def test_good_file_loads_with_defaults(tmp_path):
    sites = load(GOOD, tmp_path)
    site = sites.sites[0]
    assert site.id == "pref" and site.crawl.max_pages == 50 and site.crawl.delay == 1.5
    assert site.crawl.obey_robots is True and site.viewports == ["pc", "sp"] and site.profile == "jis2016"
    assert [r.reason for r in site.policy.exclude] == ["動画", "PDFは例外"]
    assert site.base_url == "https://www.pref.example.jp"


@pytest.mark.parametrize("old,new,line,field,words", [
    ("max_pages: 50", "max_pages: lots", 6, "sites[0].crawl.max_pages", "integer"),
    ("name: 島根県", "nmae: 島根県", 4, "sites[0].nmae", "did you mean 'name'"),
    ("level: AA", "level: AAAA", 8, "sites[0].policy.level", "A, AA, AAA"),
    ("{prefix: /movie/, reason: 動画}", "{prefix: /movie/}", 12, "sites[0].policy.scope.exclude[0].reason", "reason"),
    ("{type: pdf, reason: PDFは例外}", "{not_in_cms: true, reason: CMS以外}", 13,
     "sites[0].policy.scope.exclude[1]", "decidable from the URL"),
    ('start_urls: ["https://www.pref.example.jp/"]', 'start_urls: ["file:///etc/passwd"]', 5,
     "sites[0].start_urls[0]", "http(s)"),
])
def test_errors_name_file_line_and_field(tmp_path, old, new, line, field, words):
    assert old in GOOD
    with pytest.raises(ConfigError) as exc:
        load(GOOD.replace(old, new), tmp_path)
    err = exc.value
    assert err.file.endswith("sites.yaml") and err.line == line and err.field == field
    assert words in str(err)
    assert str(err).startswith(f"{err.file}:{line}: {field}: ")


def test_yaml_syntax_error_has_line(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load(GOOD.replace("crawl: {max_pages: 50, delay: 1.5}", "crawl: {max_pages: 50, delay: 1.5"), tmp_path)
    assert exc.value.line is not None and "YAML syntax error" in str(exc.value)


def test_duplicate_site_ids_rejected(tmp_path):
    text = GOOD + GOOD.split("sites:\n", 1)[1]
    with pytest.raises(ConfigError, match="duplicate site id 'pref'"):
        load(text, tmp_path)


def test_serve_site_uses_logical_origin(tmp_path):
    (tmp_path / "site").mkdir()
    sites = load("version: 1\nsites:\n  - id: local\n    serve: site\n    origin: http://local.invalid\n", tmp_path)
    site = sites.sites[0]
    assert site.start_urls == ["http://local.invalid/"] and site.base_url == "http://local.invalid"
    with pytest.raises(ConfigError, match="folder not found"):
        load("version: 1\nsites:\n  - id: local\n    serve: nowhere\n", tmp_path)


def test_repository_sites_yaml_is_valid(root):
    sites = load_sites(root / "sites.yaml", known_profiles={"jis2016", "jis2010", "wcag22"})
    assert sites.sites[0].id == "sample" and sites.sites[0].serve is not None


def test_documents_settings_default_and_override(tmp_path):
    site = load(GOOD, tmp_path).sites[0]
    assert site.documents.check is True and site.documents.max_mb == 50 and site.documents.concurrency == 1
    text = GOOD.replace("crawl: {max_pages: 50, delay: 1.5}",
                        "crawl: {max_pages: 50, delay: 1.5}\n    documents: {max_mb: 5, check: false}")
    site = load(text, tmp_path).sites[0]
    assert site.documents.max_mb == 5 and site.documents.check is False and site.documents.check_timeout == 60
    text = GOOD.replace("version: 1\n", "version: 1\ndefaults:\n  documents: {max_mb: 8}\n")
    assert load(text, tmp_path).sites[0].documents.max_mb == 8


@pytest.mark.parametrize("value,field,words", [
    ("{max_mb: lots}", "sites[0].documents.max_mb", "a number"),
    ("{max_mb: 0}", "sites[0].documents.max_mb", "at least"),
    ("{check: yes please}", "sites[0].documents.check", "true or false"),
    ("{max_mbs: 5}", "sites[0].documents.max_mbs", "did you mean 'max_mb'"),
    ("{concurrency: 1.5}", "sites[0].documents.concurrency", "integer"),
])
def test_documents_errors_name_file_line_and_field(tmp_path, value, field, words):
    text = GOOD.replace("crawl: {max_pages: 50, delay: 1.5}",
                        f"crawl: {{max_pages: 50, delay: 1.5}}\n    documents: {value}")
    with pytest.raises(ConfigError) as exc:
        load(text, tmp_path)
    err = exc.value
    assert err.line == 7 and err.field == field and words in str(err)
    assert str(err).startswith(f"{err.file}:7: {field}: ")
