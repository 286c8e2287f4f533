"""Documented defaults for every setting, and their precedence: defaults < sites.yaml < environment < command line."""

from __future__ import annotations

import os
from pathlib import Path

# Crawl defaults (overridden per site in sites.yaml `crawl:` and on the command line).
CRAWL_DEFAULTS: dict = {
    "max_pages": 500,          # page budget per run (HTML pages rendered; documents are not counted)
    "max_depth": 10,           # link hops from a start URL
    "delay": 0.0,              # seconds between two requests to the same host
    "concurrency": 2,          # pages rendered at the same time on one host
    "obey_robots": True,       # robots.txt is obeyed unless the site owner says otherwise
    "sitemaps": True,          # read sitemap.xml / sitemap indexes named in robots.txt or at /sitemap.xml
    "timeout": 30.0,           # seconds for one navigation
    "settle": 0.3,             # extra seconds to wait for network idle after `load` (bounded)
    "audit_outside_scope": True,  # also audit same-site pages outside the policy scope (for expansion planning)
    # Tracking and session parameters: never part of a page's identity (session ids would make every visit new).
    "strip_params": ["utm_*", "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "_ga", "_gl",
                     "jsessionid", "phpsessid", "aspsessionid*", "sessionid", "sid", "cfid", "cftoken"],
    "block_resources": ["media"],  # resource types never loaded: they cannot change the checks
    "user_agent_suffix": "a11yaudit",
    # Hardening: crawl traps, transient errors, runaway pages.
    "max_query_variants": 20,  # distinct query strings per path (calendars, search pages): the rest is a trap
    "max_url_length": 1024,    # longer URLs (ever-growing query strings) are a trap
    "max_path_repeats": 3,     # the same path segment more than this many times (/a/a/a/a/) is a trap
    "max_sitemap_urls": 50000,  # URLs kept from all sitemaps together; the rest is counted in the run stats
    "retries": 2,              # extra attempts for 429/5xx and network errors, with exponential backoff
    "retry_max_wait": 30.0,    # cap (seconds) on Retry-After and on the backoff between attempts
    "page_timeout": 120.0,     # seconds for one page × viewport as a whole (load, axe, checks): runaway scripts
    "engine": "playwright",    # playwright | selenium (WebDriver: local chromedriver, or a Selenium Grid with `grid`)
    "grid": None,              # Selenium Grid URL (http://host:4444) for the selenium engine; none = local chromedriver
    "scheduler": None,         # Dask scheduler (tcp://host:8786): render pages on its workers (docs/scale-out.md)
}

# Documents: same-site PDF and Office Open XML files the crawl finds are fetched (streamed to disk, the
# address guard and robots rules as for pages) and checked in a memory/time-limited worker (documents/).
DOCUMENT_DEFAULTS: dict = {
    "check": True,             # fetch and check same-site pdf/docx/xlsx/pptx files (false: only record them)
    "max_mb": 50.0,            # a larger file is not downloaded (an error with its reason; the audit goes on)
    "max_documents": 1000,     # documents checked per run (the rest is recorded, skip_reason document_budget)
    "fetch_timeout": 120.0,    # seconds for one download as a whole (each read also has crawl.timeout)
    "check_timeout": 60.0,     # seconds for the checker on one document (its worker is killed after it)
    "memory_mb": 1024,         # address-space cap of the checker's worker process
    "concurrency": 1,          # documents fetched and checked at the same time (one checker per thread)
}

# Each renderer's JavaScript heap is capped: a page that exhausts it crashes its own renderer (recorded, restarted),
# not the machine.
RENDERER_HEAP_MB = 512


def context_pages() -> int:
    """Page loads a browser context serves before it is replaced by a fresh one (A11YAUDIT_CONTEXT_PAGES, default
    200): whatever a context accumulates over thousands of navigations — memory cache, the driver's per-context
    objects, a renderer's leaks — is let go regularly, so a 10,000-page audit runs in bounded memory."""
    try:
        return max(1, int(os.environ.get("A11YAUDIT_CONTEXT_PAGES", "200")))
    except ValueError:
        return 200

# Viewports: PC and smartphone as a minimum; the smartphone one uses touch and a mobile UA so
# that sites which redirect phones to a separate smartphone site are followed.
VIEWPORTS: dict = {
    "pc": {"label": {"ja": "PC", "en": "PC"}, "width": 1280, "height": 800, "device_scale_factor": 1,
           "is_mobile": False, "has_touch": False, "user_agent": None},
    "sp": {"label": {"ja": "スマートフォン", "en": "Smartphone"}, "width": 390, "height": 844,
           "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
           "user_agent": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")},
}
DEFAULT_VIEWPORTS = ["pc", "sp"]

DEFAULT_PROFILE = "jis2016"
DEFAULT_CONFIG = "sites.yaml"
DEFAULT_DB = "sqlite:///a11yaudit.sqlite"
DEFAULT_ARTIFACTS_DIR = "artifacts"
DEFAULT_REPORTS_DIR = "reports"

# Chromium launch flags needed when running as root on a machine with no outside network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-quic",
    # Media that a page starts by itself must really start, so that its sound and duration can be measured (1.4.2);
    # nothing is heard.
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
    f"--js-flags=--max-old-space-size={RENDERER_HEAP_MB}",
]
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                       "/usr/bin/google-chrome-stable"]

# Document types recorded (not rendered) when linked.
# Feeds (RSS/Atom) are recorded but never rendered: they are not web pages (a feed served under another name is
# recognised by its content type after the load, gather/browser.py not_a_page).
FEED_EXTENSIONS = (".rss", ".atom", ".rdf")
FEED_NAMES = ("rss.xml", "atom.xml", "feed.xml", "rss2.xml", "index.rdf")   # SHIRASAGI writes …/rss.xml
DOCUMENT_EXTENSIONS = {
    ".pdf": "pdf", ".doc": "office", ".docx": "office", ".xls": "office", ".xlsx": "office",
    ".ppt": "office", ".pptx": "office", ".odt": "office", ".ods": "office", ".odp": "office",
    ".jtd": "office", ".rtf": "office", ".csv": "data", ".zip": "archive", ".lzh": "archive",
    ".mp4": "video", ".mov": "video", ".wmv": "video", ".mp3": "audio", ".wav": "audio",
    ".jpg": "image", ".jpeg": "image", ".png": "image", ".gif": "image", ".svg": "image",
}


def project_root() -> Path:
    """The folder holding rules/ and sites.yaml: A11YAUDIT_HOME, else the current folder, else the source tree."""
    env = os.environ.get("A11YAUDIT_HOME")
    if env:
        return Path(env)
    cwd = Path.cwd()
    if (cwd / "rules").is_dir():
        return cwd
    return Path(__file__).resolve().parents[2]


def rules_dir() -> Path:
    env = os.environ.get("A11YAUDIT_RULES")
    return Path(env) if env else project_root() / "rules"


def db_url(cli_value: str | None = None) -> str:
    return cli_value or os.environ.get("A11YAUDIT_DB") or DEFAULT_DB


def act_corpus() -> Path:
    """The W3C ACT Rules test cases: $A11YAUDIT_ACT_CORPUS, else ../shared/corpora/act beside the project folder (the corpus is not part of this repository)."""
    env = os.environ.get("A11YAUDIT_ACT_CORPUS")
    if env:
        return Path(env)
    return project_root().parent / "shared" / "corpora" / "act"


def pin_fonts() -> str | None:
    """Make browsers started from now on see only the fonts scripts/setup.sh installs (src/a11yaudit/fonts.conf),
    through FONTCONFIG_FILE, which Chromium inherits. Used by the tests and `a11yaudit act`, whose verdicts must not
    depend on a machine's other fonts. Returns the file, or None where the pinned fonts are missing (other systems)."""
    conf = Path(__file__).with_name("fonts.conf")
    if not conf.exists() or not Path("/usr/share/fonts/truetype/liberation").is_dir():
        return None
    os.environ["FONTCONFIG_FILE"] = str(conf)
    return str(conf)
