"""Gate targets: URLs, local HTML files, a CMS preview on standard input and PDF/Office files, resolved into
what is loaded and how each is identified (fingerprints like a site audit's)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .. import settings
from ..config import http_url_problem
from ..errors import ConfigError

MAX_INPUT = 8 * 1024 * 1024
FILE_SITE = "file"                 # the site part of the fingerprint of a local file outside every configured site
LOCAL_ORIGIN = "http://local-file.a11yaudit.invalid"   # where local files are served (from a route, no server)



# ---------------------------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Target:
    spec: str                      # as given on the command line
    kind: str                      # url | file | stdin
    load_url: str                  # what Chromium loads
    identity_url: str              # stored / reported URL (logical URL, or the file path for local files)
    site_key: str                  # site part of the fingerprint: site id, host, or "file"
    fp_path: str                   # path part of the fingerprint
    location: str                  # SARIF artifact URI: the URL or the file path
    site: Any = None               # config.Site or None
    profile: str = settings.DEFAULT_PROFILE
    body: bytes | None = None      # HTML served at load_url (file / stdin)
    serve_root: Path | None = None  # folder served at serve_origin (relative links of files, served sites)
    serve_origin: str | None = None


def check_html(data: bytes, name: str) -> None:
    """Reject input that is not an HTML page (exit 2): empty, binary, too large, or without any markup."""
    if not data or not data.strip():
        raise ConfigError("the HTML input is empty", file=name)
    if len(data) > MAX_INPUT:
        raise ConfigError(f"the HTML input is too large ({len(data)} bytes; at most {MAX_INPUT})", file=name)
    if b"\x00" in data[:65536]:
        raise ConfigError("the input is binary (NUL bytes), not an HTML page", file=name)
    from ..gather.browser import _decode
    text = _decode(data[:65536], "")
    if not re.search(r"<\s*[a-zA-Z!]", text):
        raise ConfigError("the input contains no HTML markup", file=name)


def _site_for_url(url: str, sites: list) -> Any:
    """The configured site whose origins (scheme, host, port) include the URL's (discover/scope.py)."""
    from ..discover.scope import ScopeClassifier
    for site in sites:
        if ScopeClassifier(site).same_site(url):
            return site
    return None


def _site_for_file(path: Path, sites: list) -> tuple[Any, str | None]:
    for site in sites:
        if site.serve is None:
            continue
        try:
            rel = path.resolve().relative_to(site.serve.resolve())
        except ValueError:
            continue
        return site, rel.as_posix()
    return None, None


def resolve_targets(specs: list[str], *, base_url: str | None, sites: list, profile: str | None,
                    read_stdin=None, cwd: Path | None = None) -> list[Target]:
    """Command-line targets → Target objects; every input problem is a ConfigError (exit 2)."""
    from ..discover.urls import canonicalize, host_of, path_of
    from ..gather.guard_proxy import origin_tuple
    cwd = cwd or Path.cwd()
    if not specs:
        raise ConfigError("give at least one TARGET (URL, HTML file or '-')", field="TARGET")
    if specs.count("-") > 1:
        raise ConfigError("'-' (standard input) can be given once", field="TARGET")
    if base_url is not None and "-" not in specs:
        raise ConfigError("--base-url is used with '-' (HTML on standard input) only", field="--base-url")
    out: list[Target] = []
    for spec in specs:
        if spec == "-":
            if not base_url:
                raise ConfigError("HTML on standard input ('-') needs --base-url URL (where the page will be "
                                  "published; relative links and CSS resolve against it)", field="--base-url")
            if http_url_problem(base_url):     # a malformed URL (http://[::1/) is bad input, not a crash
                raise ConfigError(f"must be an http(s) URL, got {base_url!r} ({http_url_problem(base_url)})",
                                  field="--base-url")
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"must be an http(s) URL, got {base_url!r}", field="--base-url")
            data = (read_stdin or (lambda: sys.stdin.buffer.read()))()
            check_html(data, "<stdin>")
            load_url = base_url.split("#", 1)[0]
            if not parts.path:
                load_url += "/"
            ident = canonicalize(load_url) or load_url
            site = _site_for_url(ident, sites)
            t = Target(spec, "stdin", load_url, ident, site.id if site else host_of(ident), path_of(ident), ident,
                       site=site, body=data)
        elif re.match(r"^https?://", spec, re.I):
            if http_url_problem(spec):
                raise ConfigError(f"not a valid URL: {spec!r} ({http_url_problem(spec)})", field="TARGET")
            parts = urlsplit(spec)
            if not parts.hostname:
                raise ConfigError(f"not a valid URL: {spec!r}", field="TARGET")
            ident = canonicalize(spec) or spec
            site = _site_for_url(ident, sites)
            t = Target(spec, "url", spec, ident, site.id if site else host_of(ident), path_of(ident), spec, site=site)
        else:
            path = Path(spec)
            if path.is_dir():
                path = path / "index.html"
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise ConfigError("file not found (a TARGET is a URL, an HTML file or '-')", file=spec) from None
            except OSError as exc:
                raise ConfigError(f"cannot read the file: {exc.strerror}", file=spec) from None
            check_html(data, spec)
            site, rel = _site_for_file(path, sites)
            if site is not None:
                load_url = site.base_url + "/" + quote(rel)
                ident = canonicalize(load_url) or load_url
                t = Target(spec, "file", load_url, ident, site.id, path_of(ident), path.as_posix(), site=site,
                           body=data, serve_root=site.serve, serve_origin=site.base_url)
            else:
                resolved = path.resolve()
                try:
                    rel = resolved.relative_to(cwd.resolve()).as_posix()
                    root = cwd.resolve()
                except ValueError:
                    rel, root = resolved.name, resolved.parent
                load_url = LOCAL_ORIGIN + "/" + quote(rel)
                t = Target(spec, "file", load_url, rel, FILE_SITE, rel, rel, body=data, serve_root=root,
                           serve_origin=LOCAL_ORIGIN)
        if t.site is not None and t.site.serve is not None and t.serve_root is None \
                and origin_tuple(t.load_url) == origin_tuple(t.site.base_url):
            t.serve_root, t.serve_origin = t.site.serve, t.site.base_url   # a served site's logical URL
        t.profile = _profile_for(t, profile)
        out.append(t)
    return out


def _profile_for(target: Target, cli_profile: str | None) -> str:
    """Command line > the site's profile in sites.yaml > jis2016 (the project's settings precedence)."""
    from ..rules.standards import parse_profile_spec, profile_spec_string
    spec = cli_profile or (target.site.profile if target.site is not None else None) or settings.DEFAULT_PROFILE
    return profile_spec_string(*parse_profile_spec(spec))


DOCUMENT_SUFFIXES = (".pdf", ".docx", ".xlsx", ".pptx")


def is_document_spec(spec: str) -> bool:
    """A local PDF / Office file given as a TARGET (checked by the document checker, not rendered)."""
    return spec != "-" and not re.match(r"^https?://", spec, re.I) and spec.lower().endswith(DOCUMENT_SUFFIXES)



def document_targets(specs: list[str], *, sites: list, profile: str | None, cwd: Path | None = None) -> list[Target]:
    """Local documents → Targets (fingerprints like a site audit's when the file is inside a served site)."""
    from ..discover.urls import canonicalize, path_of
    cwd = cwd or Path.cwd()
    out = []
    for spec in specs:
        path = Path(spec)
        if not path.is_file():
            raise ConfigError("file not found (a TARGET is a URL, an HTML file, a PDF/Office file or '-')", file=spec)
        site, rel = _site_for_file(path, sites)
        if site is not None:
            ident = canonicalize(site.base_url + "/" + quote(rel)) or site.base_url + "/" + quote(rel)
            t = Target(spec, "file", ident, ident, site.id, path_of(ident), path.as_posix(), site=site)
        else:
            resolved = path.resolve()
            try:
                rel = resolved.relative_to(cwd.resolve()).as_posix()
            except ValueError:
                rel = resolved.name
            t = Target(spec, "file", LOCAL_ORIGIN + "/" + quote(rel), rel, FILE_SITE, rel, rel)
        t.profile = _profile_for(t, profile)
        out.append(t)
    return out
