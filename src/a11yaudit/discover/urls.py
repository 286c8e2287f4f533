"""URL canonicalisation and classification (HTML page vs document); the crawler's identity of a page."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from .. import settings
from ..urlkinds import document_type  # noqa: F401  (re-exported: the crawl, scope and page work read it here)

DEFAULT_PORTS = {"http": 80, "https": 443}
INDEX_FILES = ("index.html", "index.htm", "index.php", "default.htm", "default.html", "default.aspx")
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
# Session ids carried as path parameters (/page;jsessionid=ABC): never part of a page's identity.
_SESSION_IN_PATH = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/;]*", re.I)


def _normalise_percent(path: str) -> str:
    # Decode then re-encode so %7E == ~ and %e3%81%82 == %E3%81%82 == あ (UTF-8).
    return quote(unquote(path, errors="surrogateescape"), safe=_SAFE_PATH, errors="surrogateescape")


def _strip(params: list[tuple[str, str]], patterns: list[str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params if not any(fnmatch.fnmatchcase(k.lower(), p.lower()) for p in patterns)]


def canonicalize(url: str, base: str | None = None, *, strip_params: list[str] | None = None) -> str | None:
    """Return the canonical form of `url` (resolved against `base`), or None when it is not an http(s) page URL.

    Rules: scheme and host lower-cased, default ports dropped, fragment dropped, dot segments resolved,
    percent-encoding normalised, tracking parameters (utm_*, fbclid …) dropped and the rest sorted,
    a trailing index file (index.html …) folded into its directory, and an empty path made "/".
    `javascript:`, `mailto:`, `tel:`, `data:`, `file:` and anything but http(s) give None.
    """
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
        port = parts.port
    except (UnicodeError, ValueError):
        return None
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = _SESSION_IN_PATH.sub("", parts.path) or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if path in (".", "//"):
        path = "/"
    if not path.startswith("/"):
        path = "/" + path
    if trailing and not path.endswith("/"):
        path += "/"
    head, tail = posixpath.split(path)
    if tail.lower() in INDEX_FILES:
        path = head if head.endswith("/") else head + "/"
    path = _normalise_percent(path)
    query = ""
    if parts.query:
        params = parse_qsl(parts.query, keep_blank_values=True)
        params = _strip(params, settings.CRAWL_DEFAULTS["strip_params"] if strip_params is None else strip_params)
        query = urlencode(sorted(params), doseq=True)
    return urlunsplit((scheme, netloc, path, query, ""))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def path_of(url: str) -> str:
    """Path plus query: the part of a URL that identifies a page within its site (used in fingerprints)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


_DIR_RE = re.compile(r"^/[^/]*/?")


def section_of(url: str) -> str:
    """First path directory ('/kurashi/'), which on most municipal sites is the department's section."""
    path = urlsplit(url).path
    m = _DIR_RE.match(path)
    if not m or "/" not in path[1:]:
        return "/"
    return m.group(0) if m.group(0).endswith("/") else m.group(0) + "/"


class OriginMap:
    """Maps a served site's logical origin (stable, stored) to the physical 127.0.0.1 origin and back."""

    def __init__(self, logical: str, physical: str | None):
        self.logical = logical.rstrip("/")
        self.physical = physical.rstrip("/") if physical else None

    def to_physical(self, url: str) -> str:
        if self.physical and (url.startswith(self.logical + "/") or url == self.logical):
            return self.physical + url[len(self.logical):]
        return url

    def to_logical(self, url: str) -> str:
        if self.physical and (url.startswith(self.physical + "/") or url == self.physical):
            return self.logical + url[len(self.physical):]
        return url
