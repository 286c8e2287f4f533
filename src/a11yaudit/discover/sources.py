"""URL sources besides links: robots.txt (protego) and sitemaps (index, gzip, malformed input tolerated)."""

from __future__ import annotations

import gzip
import http.client
import logging
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from lxml import etree
from protego import Protego

log = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024
MAX_SITEMAP_BYTES = 60 * 1024 * 1024   # the sitemap protocol allows 50 MB uncompressed
MAX_SITEMAPS = 200
MAX_SITEMAP_URLS = 200_000


def _same_site_hop(old_url: str, new_url: str) -> bool:
    """A redirect stays on the site when it keeps the origin (scheme, host, port), or only switches between
    http://host and https://host on their default ports. Another port of the same host is another service."""
    from ..gather.guard_proxy import DEFAULT_PORTS, origin_tuple
    old, new = origin_tuple(old_url), origin_tuple(new_url)
    if old is None or new is None or old[1] != new[1]:
        return False
    return old == new or (old[2] == DEFAULT_PORTS[old[0]] and new[2] == DEFAULT_PORTS[new[0]])


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to http(s) on the same origin: a site's robots.txt, sitemap or document answering
    with a redirect to another host or port (a private address, 169.254.169.254, localhost, 127.0.0.1:other …) is
    refused, never fetched."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _same_site_hop(req.full_url, newurl):
            raise urllib.error.HTTPError(newurl, code, f"redirect to another host refused: {newurl[:200]}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _checked_create_connection(address, timeout, source_address=None):
    """socket.create_connection to the address that was checked (guard_proxy.resolve_checked): special addresses
    are refused and the name is resolved once, so a rebinding DNS answer cannot move the connection."""
    from ..gather.guard_proxy import resolve_checked
    host, port = address
    last: OSError | None = None
    for ip in resolve_checked(host, port):
        try:
            return socket.create_connection((ip, port), timeout, source_address)
        except OSError as exc:
            last = exc
    raise last or OSError(f"{host}: no address")


class _Checked:
    def connect(self):
        self._create_connection = _checked_create_connection
        return super().connect()


class _CheckedHTTPConnection(_Checked, http.client.HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, http.client.HTTPSConnection):
    pass


class _CheckedHTTP(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPS(urllib.request.HTTPSHandler):
    def https_open(self, req):
        kwargs = {"context": self._context}
        if hasattr(self, "_check_hostname"):
            kwargs["check_hostname"] = self._check_hostname
        return self.do_open(_CheckedHTTPSConnection, req, **kwargs)


_OPENER = urllib.request.build_opener(_SameHostRedirects)
_CHECKED_OPENER = urllib.request.build_opener(_SameHostRedirects, _CheckedHTTP, _CheckedHTTPS)


def open_url(req: urllib.request.Request | str, *, timeout: float, checked: bool = False):
    """urllib's urlopen, but redirects are followed on the same origin only (see _SameHostRedirects). `checked`:
    for URLs outside the audited site — private, loopback and link-local addresses are refused (PermissionError),
    and the connection goes to the address that was checked."""
    return (_CHECKED_OPENER if checked else _OPENER).open(req, timeout=timeout)


def _http_error(exc: urllib.error.HTTPError) -> str:
    return f"HTTP {exc.code}: {str(exc.msg)[:240]}" if 300 <= exc.code < 400 else f"HTTP {exc.code}"


@dataclass
class Fetched:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    error: str | None = None


def fetch(url: str, *, timeout: float = 15.0, max_bytes: int = MAX_SITEMAP_BYTES, user_agent: str = "a11yaudit",
          checked: bool = False) -> Fetched:
    """A plain GET for robots.txt and sitemaps (pages go through the browser). Never raises. `checked`: a URL
    outside the audited site, refused on special addresses (see open_url)."""
    if not url.startswith(("http://", "https://")):
        return Fetched(url, 0, b"", error="not an http(s) URL")
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with open_url(req, timeout=timeout, checked=checked) as resp:
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                return Fetched(url, resp.status, b"", error=f"larger than {max_bytes} bytes")
            return Fetched(url, resp.status, body, resp.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.code, b"", error=_http_error(exc))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, PermissionError):
            return Fetched(url, 0, b"", error=f"refused: {reason} (outside the audited site)")
        return Fetched(url, 0, b"", error=str(reason))


def head_size(url: str, *, timeout: float = 15.0, user_agent: str = "a11yaudit") -> dict:
    """HEAD a linked document: {"status", "bytes" (Content-Length or None), "error"}. Never raises."""
    if not url.startswith(("http://", "https://")):
        return {"status": 0, "bytes": None, "error": "not an http(s) URL"}
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with open_url(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            return {"status": resp.status, "bytes": int(length) if length and length.isdigit() else None,
                    "error": None}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "bytes": None, "error": _http_error(exc)}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return {"status": 0, "bytes": None, "error": str(getattr(exc, "reason", exc))[:200]}


@dataclass
class Robots:
    """robots.txt rules for one origin; a missing or broken robots.txt allows everything."""

    url: str
    status: int
    parser: Protego | None
    sitemaps: list[str] = field(default_factory=list)
    error: str | None = None

    def allowed(self, url: str, user_agent: str = "a11yaudit") -> bool:
        return True if self.parser is None else self.parser.can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str = "a11yaudit") -> float | None:
        return None if self.parser is None else self.parser.crawl_delay(user_agent)


def load_robots(origin: str, get: Callable[[str], Fetched] = fetch) -> Robots:
    url = origin.rstrip("/") + "/robots.txt"
    res = get(url)
    if res.status != 200 or not res.body:
        # 4xx: no rules (RFC 9309 §2.3.1.3); 5xx / unreachable: RFC says assume disallow, but a broken
        # server must not stop an audit the site owner asked for — we record it and allow.
        return Robots(url, res.status, None, error=res.error)
    text = res.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
    parser = Protego.parse(text)
    return Robots(url, res.status, parser, sitemaps=list(parser.sitemaps))


@dataclass
class SitemapResult:
    urls: list[str] = field(default_factory=list)
    sitemaps_read: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    dropped: int = 0                      # URLs past the cap, counted only


def _iter_sitemap(body: bytes):
    """Yield the sitemap's root element name, then each <loc>, streaming: a 50 MB sitemap is never built as a
    tree (elements are cleared as they are read). The XML declaration's encoding (Shift_JIS …) is honoured;
    entities are not resolved and nothing is fetched from the network."""
    import io
    stream = io.BytesIO(body)
    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=stream) as gz:
            data = gz.read(MAX_SITEMAP_BYTES + 1)
        if len(data) > MAX_SITEMAP_BYTES:
            raise ValueError(f"gzip sitemap larger than {MAX_SITEMAP_BYTES} bytes uncompressed")
        stream = io.BytesIO(data)
    head = stream.getvalue()[:65536]
    root = None
    for _event, el in etree.iterparse(io.BytesIO(head), events=("start",), recover=True, resolve_entities=False,
                                      no_network=True):
        if isinstance(el.tag, str):
            root = etree.QName(el).localname
            break
    if root is None:
        raise ValueError("not XML")
    if root not in ("urlset", "sitemapindex"):
        raise ValueError(f"unexpected root element <{root}>")
    yield root
    for _event, el in etree.iterparse(stream, events=("end",), tag="{*}loc", recover=True, resolve_entities=False,
                                      no_network=True, huge_tree=False):
        text = (el.text or "").strip()
        if text:
            yield text
        el.clear()
        entry = el.getparent()            # <url> / <sitemap>: drop the ones already read, memory stays flat
        if entry is not None and entry.getparent() is not None:
            while entry.getprevious() is not None:
                del entry.getparent()[0]


def _parse_sitemap(body: bytes, max_urls: int | None = None) -> tuple[str, list[str], int]:
    """(kind, locs, dropped): at most `max_urls` locs are kept, the rest only counted."""
    it = _iter_sitemap(body)
    kind = next(it)
    if kind == "sitemapindex":
        max_urls = MAX_SITEMAPS
    locs, dropped = [], 0
    for loc in it:
        if max_urls is None or len(locs) < max_urls:
            locs.append(loc)
        else:
            dropped += 1
    return kind, locs, dropped


def read_sitemaps(start: list[str], get: Callable[[str], Fetched] = fetch, *,
                  max_sitemaps: int = MAX_SITEMAPS, max_urls: int = MAX_SITEMAP_URLS,
                  same_site: Callable[[str], bool] | None = None,
                  get_outside: Callable[[str], Fetched] | None = None) -> SitemapResult:
    """Read sitemaps and sitemap indexes breadth-first; self-references and loops are read once. URLs past
    `max_urls` are counted in `dropped`, not kept.

    `same_site` (site audits): sitemaps on the site's own origins are read with `get`; any other sitemap — named in
    robots.txt or in a sitemap index — with `get_outside` (default: `fetch(checked=True)`), which refuses
    loopback, private and link-local addresses (169.254.169.254, 127.0.0.1:other-port, intranet names)."""
    if same_site is not None:
        outside = get_outside or (lambda u: fetch(u, checked=True))
        inner = get
        get = lambda u: inner(u) if same_site(u) else outside(u)     # noqa: E731
    result = SitemapResult()
    queue, seen = list(start), set()
    while queue and len(result.sitemaps_read) < max_sitemaps:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        res = get(url)
        if res.error or res.status != 200:
            result.errors.append((url, res.error or f"HTTP {res.status}"))
            continue
        try:
            room = max(max_urls - len(result.urls), 0)
            kind, locs, dropped = _parse_sitemap(res.body, room)
        except (ValueError, OSError, EOFError, StopIteration, etree.XMLSyntaxError) as exc:
            result.errors.append((url, f"malformed sitemap: {exc}"))
            continue
        finally:
            res.body = b""
        result.sitemaps_read.append(url)
        if kind == "sitemapindex":
            queue.extend(loc for loc in locs if loc not in seen)
        else:
            result.urls.extend(locs)
            result.dropped += dropped
    if queue:
        result.errors.append((queue[0], f"more than {max_sitemaps} sitemaps; the rest were not read"))
    return result
