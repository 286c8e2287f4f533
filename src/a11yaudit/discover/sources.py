"""URL sources besides links: robots.txt (protego) and sitemaps (index, gzip, malformed input tolerated)."""

from __future__ import annotations

import gzip
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree
from protego import Protego

log = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024
MAX_SITEMAP_BYTES = 60 * 1024 * 1024   # the sitemap protocol allows 50 MB uncompressed
MAX_SITEMAPS = 200
MAX_SITEMAP_URLS = 200_000


@dataclass
class Fetched:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    error: str | None = None


def fetch(url: str, *, timeout: float = 15.0, max_bytes: int = MAX_SITEMAP_BYTES, user_agent: str = "a11yaudit") -> Fetched:
    """A plain GET for robots.txt and sitemaps (pages go through the browser). Never raises."""
    if not url.startswith(("http://", "https://")):
        return Fetched(url, 0, b"", error="not an http(s) URL")
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (scheme checked above)
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                return Fetched(url, resp.status, b"", error=f"larger than {max_bytes} bytes")
            return Fetched(url, resp.status, body, resp.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.code, b"", error=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Fetched(url, 0, b"", error=str(getattr(exc, "reason", exc)))


def head_size(url: str, *, timeout: float = 15.0, user_agent: str = "a11yaudit") -> dict:
    """HEAD a linked document: {"status", "bytes" (Content-Length or None), "error"}. Never raises."""
    if not url.startswith(("http://", "https://")):
        return {"status": 0, "bytes": None, "error": "not an http(s) URL"}
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (scheme checked above)
            length = resp.headers.get("Content-Length")
            return {"status": resp.status, "bytes": int(length) if length and length.isdigit() else None,
                    "error": None}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "bytes": None, "error": f"HTTP {exc.code}"}
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


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


def _parse_sitemap(body: bytes) -> tuple[str, list[str]]:
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)[:MAX_SITEMAP_BYTES]
    root = etree.fromstring(body, parser=_PARSER)
    if root is None:
        raise ValueError("not XML")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"unexpected root element <{kind}>")
    locs = [(el.text or "").strip() for el in root.iter() if isinstance(el.tag, str)
            and etree.QName(el).localname == "loc"]
    return kind, [loc for loc in locs if loc]


def read_sitemaps(start: list[str], get: Callable[[str], Fetched] = fetch, *,
                  max_sitemaps: int = MAX_SITEMAPS, max_urls: int = MAX_SITEMAP_URLS) -> SitemapResult:
    """Read sitemaps and sitemap indexes breadth-first; self-references and loops are read once."""
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
            kind, locs = _parse_sitemap(res.body)
        except (ValueError, OSError, EOFError, etree.XMLSyntaxError) as exc:
            result.errors.append((url, f"malformed sitemap: {exc}"))
            continue
        result.sitemaps_read.append(url)
        if kind == "sitemapindex":
            queue.extend(loc for loc in locs if loc not in seen)
        else:
            room = max_urls - len(result.urls)
            result.urls.extend(locs[:max(room, 0)])
    return result
