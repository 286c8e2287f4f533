"""sites.yaml → validated Site objects (glossary: 対象範囲 = scope, 準拠 = conformant, 方針 = policy).

Every error names the file, the line and the field; nothing runs on a bad file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import settings
from .configread import SCOPE_TYPES, ScopeRule, _get, _Reader, _scope_rules  # noqa: F401
from .yamlsrc import Located, load_yaml

SITE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
LEVELS = ("A", "AA", "AAA")
DEGREES = ("準拠", "一部準拠", "配慮")


@dataclass
class Policy:
    name: str = ""
    standard: str = "JIS X 8341-3:2016"
    level: str = "AA"
    degree: str = "準拠"
    include: list[ScopeRule] = field(default_factory=list)
    exclude: list[ScopeRule] = field(default_factory=list)
    contact: str = ""
    # The rest of the ウェブアクセシビリティ方針 (parsed in policy.py, linted in policy_lint.py).
    deadline: Any = None                       # datetime.date: 目標を達成する期限 (一部準拠 / 配慮 targets)
    statement_date: Any = None                 # datetime.date: 表明日
    technologies: list[str] = field(default_factory=list)    # 依存したウェブコンテンツ技術
    exceptions: list = field(default_factory=list)           # policy.PolicyException (例外事項 + 代替手段)
    additional_criteria: list[str] = field(default_factory=list)   # 追加する達成基準 (SC ids)
    phases: list = field(default_factory=list)               # policy.Phase (段階的拡大)
    known_issues: str = ""                     # 現時点で把握している問題点及び今後の対応
    sampling: Any = None                       # policy.SamplingPlan (JIS X 8341-3:2016 JB.1.2)


@dataclass
class Crawl:
    max_pages: int
    max_depth: int
    delay: float
    concurrency: int
    obey_robots: bool
    sitemaps: bool
    timeout: float
    settle: float
    audit_outside_scope: bool
    strip_params: list[str]
    block_resources: list[str]
    user_agent_suffix: str
    max_query_variants: int = 20
    max_url_length: int = 1024
    max_path_repeats: int = 3
    max_sitemap_urls: int = 50000
    retries: int = 2
    retry_max_wait: float = 30.0
    page_timeout: float = 120.0
    engine: str = "playwright"
    grid: str | None = None
    scheduler: str | None = None       # Dask scheduler address; None = render locally


@dataclass
class Documents:
    """sites.yaml `documents:` — checking the PDF / Office files of the site (settings.DOCUMENT_DEFAULTS)."""
    check: bool = True
    max_mb: float = 50.0
    max_documents: int = 1000
    fetch_timeout: float = 120.0
    check_timeout: float = 60.0
    memory_mb: int = 1024
    concurrency: int = 1


@dataclass
class Site:
    id: str
    name: str
    start_urls: list[str]
    crawl: Crawl
    viewports: list[str]
    profile: str
    policy: Policy
    serve: Path | None = None          # local folder served on 127.0.0.1 for the audit
    origin: str | None = None          # logical origin of a served site (stable across runs)
    allowed_hosts: list[str] = field(default_factory=list)
    keep_runs: int | None = None       # retention: runs kept per site (older ones pruned after an audit)
    documents: Documents = field(default_factory=Documents)
    source_file: str = ""
    source_line: int | None = None

    @property
    def base_url(self) -> str:
        """The logical origin every stored URL uses."""
        if self.origin:
            return self.origin
        parts = urlsplit(self.start_urls[0])
        return f"{parts.scheme}://{parts.netloc}"


def http_url_problem(url: str) -> str | None:
    """Why `url` is not a usable http(s) URL (malformed IPv6 brackets, a port out of range, no host…), or None.
    urlsplit raises ValueError on some of these; a caller turns the answer into a ConfigError."""
    try:
        parts = urlsplit(url)
        parts.port          # raises ValueError on a port that is not a number or out of range
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "the scheme must be http or https"
    if not parts.hostname:
        return "no host"
    return None


@dataclass
class SitesFile:
    path: str
    sites: list[Site]

    def get(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        from .errors import ConfigError
        hint = difflib.get_close_matches(site_id, [s.id for s in self.sites], n=1)
        raise ConfigError(f"no site with id {site_id!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                          + f"; known: {', '.join(s.id for s in self.sites)}", file=self.path)


def _serve_and_start_urls(doc: Located, path: tuple, r: _Reader, site_id: str,
                          config_dir: Path) -> tuple[Path | None, str | None, list[str]]:
    """(served folder, logical origin, start URLs): a served site's start URLs may be paths on its origin."""
    serve = None
    origin = None
    if r.has("serve"):
        serve = (config_dir / r.str("serve")).resolve()
        if not serve.is_dir():
            raise r.err("serve", f"folder not found: {serve}")
        origin = r.str("origin", f"http://{site_id}.local")
        if not re.match(r"^https?://[^/]+$", origin) or http_url_problem(origin):
            raise r.err("origin", "must be scheme://host with no path, e.g. http://sample.invalid")
        start_urls = r.str_list("start_urls", ["/"])
        start_urls = [origin + u if u.startswith("/") else u for u in start_urls]
    else:
        start_urls = r.str_list("start_urls")
    for i, url in enumerate(start_urls):
        problem = http_url_problem(url)
        if problem:
            raise doc.error(path + ("start_urls", i), f"must be an http(s) URL, got {url!r} ({problem})")
    return serve, origin, start_urls


def _crawl(doc: Located, path: tuple, defaults: dict) -> Crawl:
    """The site's `crawl:` over the file's defaults over settings.CRAWL_DEFAULTS."""
    crawl_defaults = dict(settings.CRAWL_DEFAULTS)
    crawl_defaults.update(defaults.get("crawl") or {})
    c = _Reader(doc, path + ("crawl",), set(settings.CRAWL_DEFAULTS))
    crawl = Crawl(
        max_pages=c.num("max_pages", crawl_defaults["max_pages"], kind=int, minimum=1),
        max_depth=c.num("max_depth", crawl_defaults["max_depth"], kind=int, minimum=0),
        delay=c.num("delay", crawl_defaults["delay"]),
        concurrency=c.num("concurrency", crawl_defaults["concurrency"], kind=int, minimum=1),
        obey_robots=c.bool("obey_robots", crawl_defaults["obey_robots"]),
        sitemaps=c.bool("sitemaps", crawl_defaults["sitemaps"]),
        timeout=c.num("timeout", crawl_defaults["timeout"], minimum=1),
        settle=c.num("settle", crawl_defaults["settle"]),
        audit_outside_scope=c.bool("audit_outside_scope", crawl_defaults["audit_outside_scope"]),
        strip_params=c.str_list("strip_params", crawl_defaults["strip_params"]),
        block_resources=c.str_list("block_resources", crawl_defaults["block_resources"]),
        user_agent_suffix=c.str("user_agent_suffix", crawl_defaults["user_agent_suffix"]),
        max_query_variants=c.num("max_query_variants", crawl_defaults["max_query_variants"], kind=int, minimum=1),
        max_url_length=c.num("max_url_length", crawl_defaults["max_url_length"], kind=int, minimum=64),
        max_path_repeats=c.num("max_path_repeats", crawl_defaults["max_path_repeats"], kind=int, minimum=1),
        max_sitemap_urls=c.num("max_sitemap_urls", crawl_defaults["max_sitemap_urls"], kind=int, minimum=0),
        retries=c.num("retries", crawl_defaults["retries"], kind=int, minimum=0),
        retry_max_wait=c.num("retry_max_wait", crawl_defaults["retry_max_wait"]),
        page_timeout=c.num("page_timeout", crawl_defaults["page_timeout"], minimum=5),
        engine=c.str("engine", crawl_defaults["engine"], choices=("playwright", "selenium")),
        grid=c.str("grid", crawl_defaults["grid"]),
        scheduler=c.str("scheduler", crawl_defaults.get("scheduler")),
    )
    if crawl.scheduler and not re.match(r"^(tcp|tls|ws|wss|ucx|inproc)://[^/\s]+$", crawl.scheduler):
        raise c.err("scheduler", f"must be a Dask scheduler address such as tcp://host:8786, got {crawl.scheduler!r}")
    if crawl.grid is not None:
        if http_url_problem(crawl.grid):
            raise c.err("grid", f"must be an http(s) URL of a Selenium Grid (e.g. http://grid.example.jp:4444), "
                                f"got {crawl.grid!r}")
        if crawl.engine != "selenium":
            raise c.err("grid", "a Selenium Grid URL needs `engine: selenium`")
    return crawl


def _keep_runs(doc: Located, path: tuple, r: _Reader) -> int | None:
    """`retention: keep_runs:` (None: every run is kept)."""
    if r.has("retention"):
        ret = _Reader(doc, path + ("retention",), {"keep_runs"})
        if ret.value.get("keep_runs") is not None:
            return ret.num("keep_runs", None, kind=int, minimum=1)
    return None


def _documents(doc: Located, path: tuple, defaults: dict) -> Documents:
    """The site's `documents:` over the file's defaults over settings.DOCUMENT_DEFAULTS."""
    doc_defaults = dict(settings.DOCUMENT_DEFAULTS)
    doc_defaults.update(defaults.get("documents") or {})
    dr = _Reader(doc, path + ("documents",), set(settings.DOCUMENT_DEFAULTS))
    return Documents(
        check=dr.bool("check", doc_defaults["check"]),
        max_mb=dr.num("max_mb", doc_defaults["max_mb"], minimum=0.001),
        max_documents=dr.num("max_documents", doc_defaults["max_documents"], kind=int, minimum=0),
        fetch_timeout=dr.num("fetch_timeout", doc_defaults["fetch_timeout"], minimum=1),
        check_timeout=dr.num("check_timeout", doc_defaults["check_timeout"], minimum=1),
        memory_mb=dr.num("memory_mb", doc_defaults["memory_mb"], kind=int, minimum=128),
        concurrency=dr.num("concurrency", doc_defaults["concurrency"], kind=int, minimum=1),
    )


def _viewports(doc: Located, path: tuple, r: _Reader, defaults: dict) -> list[str]:
    viewports = r.str_list("viewports", defaults.get("viewports") or settings.DEFAULT_VIEWPORTS)
    for i, vp in enumerate(viewports):
        if vp not in settings.VIEWPORTS:
            raise doc.error(path + ("viewports", i), f"unknown viewport {vp!r}; known: "
                            f"{', '.join(settings.VIEWPORTS)}")
    return viewports


def _profile(r: _Reader, defaults: dict, known_profiles: set[str]) -> str:
    """The profile spec: a name, names joined by "+", or a list of names (joined by "+")."""
    raw_profile = r.value.get("profile") if isinstance(r.value, dict) else None
    if isinstance(raw_profile, list):
        if not raw_profile or not all(isinstance(x, str) and x.strip() for x in raw_profile):
            raise r.err("profile", f"must be a profile name or a list of names, got {raw_profile!r}")
        profile = "+".join(x.strip() for x in raw_profile)
    else:
        profile = r.str("profile", defaults.get("profile") or settings.DEFAULT_PROFILE)
    if known_profiles:
        import re as _re
        for name in [p for p in _re.split(r"[+,\s]+", profile) if p]:
            if name not in known_profiles:
                raise r.err("profile", f"unknown profile {name!r}; known: {', '.join(sorted(known_profiles))}")
    return profile


def _policy(doc: Located, path: tuple) -> Policy:
    """The site's ウェブアクセシビリティ方針 (`policy:`), its scope decidable from the URL alone."""
    from .policy import POLICY_FIELDS, read_policy_extras
    p = _Reader(doc, path + ("policy",), POLICY_FIELDS)
    policy = Policy(
        name=p.str("name", ""), standard=p.str("standard", "JIS X 8341-3:2016"),
        level=p.str("level", "AA", choices=LEVELS), degree=p.str("degree", "準拠", choices=DEGREES),
        contact=p.str("contact", ""),
    )
    _Reader(doc, path + ("policy", "scope"), {"include", "exclude"})
    policy.include = _scope_rules(doc, path + ("policy", "scope", "include"), require_reason=False)
    policy.exclude = _scope_rules(doc, path + ("policy", "scope", "exclude"), require_reason=True)
    if not policy.include:
        policy.include = [ScopeRule(reason="サイト全体", prefix="/")]
    read_policy_extras(p, policy)
    return policy


def _site(doc: Located, path: tuple, defaults: dict, config_dir: Path, known_profiles: set[str]) -> Site:
    r = _Reader(doc, path, {"id", "name", "start_urls", "serve", "origin", "crawl", "viewports", "profile",
                            "policy", "allowed_hosts", "retention", "documents"})
    site_id = r.str("id")
    if not SITE_ID_RE.match(site_id):
        raise r.err("id", "must be lower-case letters, digits, '-' or '_' (used in file names), got "
                    f"{site_id!r}")
    serve, origin, start_urls = _serve_and_start_urls(doc, path, r, site_id, config_dir)
    crawl = _crawl(doc, path, defaults)
    keep_runs = _keep_runs(doc, path, r)
    documents = _documents(doc, path, defaults)
    viewports = _viewports(doc, path, r, defaults)
    profile = _profile(r, defaults, known_profiles)
    policy = _policy(doc, path)
    allowed_hosts = r.str_list("allowed_hosts", [])
    return Site(id=site_id, name=r.str("name", site_id), start_urls=start_urls, crawl=crawl,
                viewports=viewports, profile=profile, policy=policy, serve=serve, origin=origin,
                allowed_hosts=allowed_hosts, keep_runs=keep_runs, documents=documents, source_file=doc.file, source_line=doc.line(path))


def load_sites(path: str | Path = settings.DEFAULT_CONFIG, *, known_profiles: set[str] | None = None,
               text: str | None = None) -> SitesFile:
    """Load and validate sites.yaml. Raises ConfigError naming file, line and field."""
    doc = load_yaml(path, text)
    top = _Reader(doc, (), {"version", "defaults", "sites"})
    version = top.value.get("version", 1)
    if version != 1:
        raise top.err("version", f"unsupported version {version!r}; this a11yaudit reads version 1")
    d = _Reader(doc, ("defaults",), {"crawl", "viewports", "profile", "documents"})
    _Reader(doc, ("defaults", "crawl"), set(settings.CRAWL_DEFAULTS))
    _Reader(doc, ("defaults", "documents"), set(settings.DOCUMENT_DEFAULTS))
    defaults = d.value
    sites_data = top.value.get("sites")
    if not isinstance(sites_data, list) or not sites_data:
        raise doc.error(("sites",), "must be a non-empty list of sites")
    config_dir = Path(path).resolve().parent
    sites, seen = [], {}
    for i in range(len(sites_data)):
        site = _site(doc, ("sites", i), defaults, config_dir, known_profiles or set())
        if site.id in seen:
            raise doc.error(("sites", i, "id"), f"duplicate site id {site.id!r} (first at line {seen[site.id]})")
        seen[site.id] = doc.line(("sites", i, "id"))
        sites.append(site)
    return SitesFile(path=str(path), sites=sites)
