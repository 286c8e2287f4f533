"""A hostile, broken and huge web site on 127.0.0.1 for hardening tests.

Every route models something met on real (old, slow, occasionally hostile) municipal sites. The server records
every request it receives (path, Host header, time) so tests can prove what was — and was not — fetched.
"""

from __future__ import annotations

import gzip
import html
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

# Payloads that must show up as text, never run, in every report format. Each sets window.__pwned or opens a
# dialog when it executes.
PAYLOADS = [
    '<script>window.__pwned=(window.__pwned||0)+1</script>',
    '"><img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
    '</textarea><script>alert(1)</script>',
]
TITLE_PAYLOAD = "攻撃" + PAYLOADS[0] + PAYLOADS[1] + PAYLOADS[2]

SJIS_TEXT = "文字コード試験　ｼﾌﾄJIS ①②　髙﨑"   # full-width space, half-width kana, NEC/IBM extensions (cp932)
EUC_TEXT = "文字コード試験　日本語EUC"


def _page(title: str, body: str, *, head: str = "", charset_meta: str | None = "utf-8", lang: str = "ja") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<meta name="viewport" content="width=device-width">'
            f"<title>{title}</title>{head}</head><body><main><h1>{title}</h1>{body}</main></body></html>")


class FaultSite:
    """`with FaultSite() as base: ...` or start()/stop(). `hits` lists (path, host, monotonic time)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, slow_seconds: float = 12.0,
                 big_sitemap_mb: float = 52.0, big_links: int = 10_000, big_elements: int = 100_000):
        self.slow_seconds, self.big_sitemap_mb = slow_seconds, big_sitemap_mb
        self.big_links, self.big_elements = big_links, big_elements
        self.hits: list[tuple[str, str, float]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:  # noqa: N802
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802
                site._handle(self)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="faultsite", daemon=True)

    # --- lifecycle --------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def start(self) -> str:
        self.thread.start()
        return self.base_url

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def paths_hit(self) -> list[str]:
        with self.lock:
            return [p for p, _h, _t in self.hits]

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [t for p, _h, t in self.hits if p == path]

    # --- responses --------------------------------------------------------------------------------------------
    @staticmethod
    def _send(h, status: int, body: bytes | str = b"", ctype: str | None = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            try:
                h.wfile.write(body)
            except OSError:
                pass

    def _handle(self, h) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.hits.append((h.path, h.headers.get("Host", ""), time.monotonic()))
            self.counts[path] += 1
            count = self.counts[path]
        route = self.ROUTES.get(path)
        if route is None:
            for prefix, name in self.PREFIX_ROUTES:
                if path.startswith(prefix):
                    route = name
                    break
        if route is None:
            self._send(h, 404, _page("見つかりません", "<p>404</p>"))
            return
        getattr(self, route)(h, path, query, count)

    # index ---------------------------------------------------------------------------------------------------
    def r_index(self, h, path, query, count):
        links = [
            ("/hang", "応答しないページ"), ("/slow", "遅いページ"), ("/flaky503", "一時的な503"),
            ("/burst500", "500が続くページ"), ("/ratelimit", "429 Retry-After"), ("/loop/a", "リダイレクトループ"),
            ("/offsite", "別ホストへのリダイレクト"), ("/runaway", "止まらないスクリプト"), ("/membomb", "メモリ爆弾"),
            ("/hugedom", "10万要素"), ("/links10k", "1万リンク"), ("/dialogs", "ダイアログ"),
            ("/navaway", "読み込み時に移動"), ("/navaway-offsite", "読み込み時に別ホストへ移動"),
            ("/sjis-header", "Shift_JIS（ヘッダー）"), ("/sjis-meta", "Shift_JIS（meta）"),
            ("/sjis-none", "Shift_JIS（宣言なし）"), ("/sjis-broken", "壊れたShift_JIS"),
            ("/eucjp-header", "EUC-JP（ヘッダー）"), ("/eucjp-meta", "EUC-JP（meta）"),
            ("/calendar?ym=2026-11", "カレンダー"), ("/session", "セッションID"), ("/grow?q=a", "伸びるクエリ"),
            ("/deep/a/", "繰り返すパス"), ("/private/secret", "robotsで禁止"), ("/hostile", "危険なリンク"),
            ("/xss/" + quote('"><img src=x onerror=alert(1)>'), "URLに攻撃文字列"), ("/xss/title", "タイトルに攻撃文字列"),
            ("/ok", "正常なページ"),
        ]
        items = "".join(f'<li><a href="{html.escape(u)}">{t}</a></li>' for u, t in links)
        self._send(h, 200, _page("障害試験サイト", f"<ul>{items}</ul>"))

    def r_ok(self, h, path, query, count):
        self._send(h, 200, _page("正常なページ", "<p>このページは正常です。</p>"))

    # time ----------------------------------------------------------------------------------------------------
    def r_hang(self, h, path, query, count):
        # Headers never come; held until the server stops.
        self.stopping.wait(600)

    def r_slow(self, h, path, query, count):
        if self.stopping.wait(self.slow_seconds):
            return
        self._send(h, 200, _page("遅いページ", "<p>遅れて届きました。</p>"))

    # status --------------------------------------------------------------------------------------------------
    def r_flaky503(self, h, path, query, count):
        if count <= 2:
            self._send(h, 503, "<p>Service Unavailable</p>", headers={"Retry-After": "1"})
        else:
            self._send(h, 200, _page("一時的に失敗したページ", "<p>3回目で表示されました。</p>"))

    def r_burst500(self, h, path, query, count):
        self._send(h, 500, "<p>Internal Server Error</p>")

    def r_ratelimit(self, h, path, query, count):
        if count == 1:
            self._send(h, 429, "<p>Too Many Requests</p>", headers={"Retry-After": "2"})
        else:
            self._send(h, 200, _page("混雑後のページ", "<p>待ってから表示されました。</p>"))

    def r_loop(self, h, path, query, count):
        target = "/loop/b" if path == "/loop/a" else "/loop/a"
        self._send(h, 302, b"", headers={"Location": target})

    def r_offsite(self, h, path, query, count):
        self._send(h, 302, b"", headers={"Location": f"http://localhost:{self.port}/canary-redirect"})

    def r_canary(self, h, path, query, count):
        self._send(h, 200, _page("カナリア", "<p>ここに来てはいけない</p>"))

    # renderer ------------------------------------------------------------------------------------------------
    def r_runaway(self, h, path, query, count):
        self._send(h, 200, _page("止まらないスクリプト", "<p>読み込み後に無限ループ</p>",
                                 head="<script>addEventListener('load', () => setTimeout(() => { for (;;) {} }, 0));"
                                      "</script>"))

    def r_membomb(self, h, path, query, count):
        # Until the renderer's JS heap (settings.RENDERER_HEAP_MB) is exhausted and the renderer dies.
        script = ("<script>const hog = []; for (let i = 0; ; i++) { hog.push(new Array(1e6).fill(i + 0.5)); }</script>")
        self._send(h, 200, _page("メモリ爆弾", "<p>メモリを食い尽くす</p>" + script))

    def r_hugedom(self, h, path, query, count):
        body = "<div>" + "<span>要素</span>" * self.big_elements + "</div>"
        self._send(h, 200, _page("10万要素のページ", body))

    def r_links10k(self, h, path, query, count):
        body = "<ul>" + "".join(f'<li><a href="/many/{i}">項目{i}</a></li>' for i in range(self.big_links)) + "</ul>"
        self._send(h, 200, _page("1万リンクのページ", body))

    # dialogs and navigation ----------------------------------------------------------------------------------
    def r_dialogs(self, h, path, query, count):
        script = ("<script>alert('ようこそ'); confirm('続けますか'); prompt('名前');"
                  "addEventListener('beforeunload', e => { e.preventDefault(); e.returnValue = '離れますか'; });"
                  "</script>")
        self._send(h, 200, _page("ダイアログのページ", "<p>ダイアログを出します</p>" + script))

    def r_navaway(self, h, path, query, count):
        self._send(h, 200, _page("移動するページ", "<p>移動します</p>",
                                 head="<script>addEventListener('load', () => { location.href = '/ok'; });</script>"))

    def r_navaway_offsite(self, h, path, query, count):
        self._send(h, 200, _page("別ホストへ移動するページ", "<p>移動します</p>",
                                 head=f"<script>location.href = 'http://localhost:{self.port}/canary-nav';</script>"))

    # encodings -----------------------------------------------------------------------------------------------
    def _jp(self, h, text: str, codec: str, header: str | None, meta: str | None, broken: bool = False):
        # `<img　src>` (U+3000 inside a tag) is what JP11 reads from the raw source: found only when decoded right.
        body = f'<p>{text}</p><p><img　src="/logo.png" alt="ロゴ"></p>'
        raw = _page(text, body, charset_meta=meta).encode(codec)
        if broken:
            raw = raw.replace("</p>".encode(codec), b"\x81</p>", 1)   # a lead byte with no trail byte
            raw = raw.replace(b"<main>", b"<main>\x82\xff\xa0", 1)
        self._send(h, 200, raw, ctype=f"text/html; charset={header}" if header else "text/html")

    def r_sjis_header(self, h, path, query, count):
        self._jp(h, SJIS_TEXT, "cp932", "Shift_JIS", None)

    def r_sjis_meta(self, h, path, query, count):
        self._jp(h, SJIS_TEXT, "cp932", None, "Shift_JIS")

    def r_sjis_none(self, h, path, query, count):
        self._jp(h, SJIS_TEXT, "cp932", None, None)

    def r_sjis_broken(self, h, path, query, count):
        self._jp(h, SJIS_TEXT, "cp932", "Shift_JIS", None, broken=True)

    def r_eucjp_header(self, h, path, query, count):
        self._jp(h, EUC_TEXT, "euc_jp", "EUC-JP", None)

    def r_eucjp_meta(self, h, path, query, count):
        self._jp(h, EUC_TEXT, "euc_jp", None, "EUC-JP")

    # crawl traps ---------------------------------------------------------------------------------------------
    def r_calendar(self, h, path, query, count):
        ym = (query.get("ym") or ["2026-11"])[0]
        try:
            y, m = (int(x) for x in ym.split("-"))
        except ValueError:
            y, m = 2026, 11
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
        body = (f'<a href="/calendar?ym={py:04d}-{pm:02d}">前の月</a> '
                f'<a href="/calendar?ym={ny:04d}-{nm:02d}">次の月</a>')
        self._send(h, 200, _page(f"行事カレンダー {y}年{m}月", body))

    def r_session(self, h, path, query, count):
        sid = f"{count:08x}{time.monotonic_ns() % 10**9:x}"
        body = (f'<a href="/session;jsessionid={sid}">セッション1</a> '
                f'<a href="/session?PHPSESSID={sid}">セッション2</a> '
                f'<a href="/session?sid={sid}&amp;page=1">セッション3</a>')
        self._send(h, 200, _page("セッションIDのページ", body))

    def r_grow(self, h, path, query, count):
        q = (query.get("q") or ["a"])[0]
        self._send(h, 200, _page(f"伸びるクエリ {len(q)}", f'<a href="/grow?q={q}a">もっと</a>'))

    def r_deep(self, h, path, query, count):
        self._send(h, 200, _page(f"深いパス {path.count('/')}", f'<a href="{path}a/">さらに深く</a>'))

    def r_private(self, h, path, query, count):
        self._send(h, 200, _page("秘密", "<p>robots.txt で禁止</p>"))

    # hostile links and requests ------------------------------------------------------------------------------
    def r_hostile(self, h, path, query, count):
        port = self.port
        links = ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin",
                 "http://192.168.1.1/", f"http://localhost:{port}/canary-link", f"http://[::1]:{port}/canary-v6",
                 "javascript:alert(1)", "data:text/html,<script>alert(1)</script>"]
        items = "".join(f'<li><a href="{html.escape(u)}">リンク{i}</a></li>' for i, u in enumerate(links))
        res = (f'<img src="http://localhost:{port}/canary-img" alt="画像">'
               f'<img src="http://169.254.169.254/latest/meta-data/x.png" alt="メタデータ">'
               f'<iframe src="file:///etc/passwd" title="ファイル"></iframe>'
               f"<script>fetch('http://localhost:{port}/canary-fetch').catch(() => {{}});"
               f"new Image().src = 'http://10.0.0.1/ping';</script>")
        self._send(h, 200, _page("危険なリンクのページ", f"<ul>{items}</ul>{res}"))

    def r_xss(self, h, path, query, count):
        p0, p1, p2 = (html.escape(p) for p in PAYLOADS)
        body = (f'<p>{p0}</p><img src="/x.png?{quote(PAYLOADS[1])}" alt="{p1}{p2}">'
                f'<img src="/y.png?v={quote(PAYLOADS[0])}">'            # no alt: a finding whose snippet carries it
                f'<a href="/xss/{quote(PAYLOADS[2])}">{p2}</a><a href="/ok"><img src="/z.png?{quote(PAYLOADS[1])}"></a>'
                f'<textarea>{p2}</textarea>')
        self._send(h, 200, _page(html.escape(TITLE_PAYLOAD), body))

    # robots and sitemaps -------------------------------------------------------------------------------------
    def r_robots(self, h, path, query, count):
        text = ("User-agent: *\nDisallow: /private/\n"
                f"Sitemap: {self.base_url}/sitemap_index.xml\n")
        self._send(h, 200, text, ctype="text/plain")

    def r_sitemap_index(self, h, path, query, count):
        b = self.base_url
        maps = ["/sitemap_index.xml", "/sitemap.xml.gz", "/sitemap-sjis.xml", "/sitemap-bad.xml", "/sitemap-missing.xml",
                "/sitemap-big.xml"]
        body = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<sitemap><loc>{b}{m}</loc></sitemap>" for m in maps) + "</sitemapindex>")
        self._send(h, 200, body, ctype="application/xml")

    def r_sitemap_gz(self, h, path, query, count):
        body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{self.base_url}/ok</loc></url><url><loc>{self.base_url}/from-gzip</loc></url></urlset>")
        self._send(h, 200, gzip.compress(body.encode()), ctype="application/x-gzip")

    def r_sitemap_sjis(self, h, path, query, count):
        body = ('<?xml version="1.0" encoding="Shift_JIS"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{self.base_url}/sjis-header</loc></url>"
                f"<url><loc>{self.base_url}/お知らせ/</loc></url></urlset>")
        self._send(h, 200, body.encode("cp932"), ctype="application/xml")

    def r_sitemap_bad(self, h, path, query, count):
        self._send(h, 200, "<html><body>not a sitemap <urlset><loc>", ctype="application/xml")

    def r_sitemap_big(self, h, path, query, count):
        """A ~50 MB sitemap generated while it is sent (chunked), never held in memory."""
        h.send_response(200)
        h.send_header("Content-Type", "application/xml")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        if h.command == "HEAD":
            return

        def chunk(data: bytes) -> None:
            h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

        target = int(self.big_sitemap_mb * 1024 * 1024)
        sent, i = 0, 0
        try:
            head = b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            chunk(head)
            sent += len(head)
            while sent < target:
                block = "".join(f"<url><loc>{self.base_url}/big/{n}</loc><lastmod>2026-11-27</lastmod></url>"
                                for n in range(i, i + 2000)).encode()
                i += 2000
                chunk(block)
                sent += len(block)
            chunk(b"</urlset>")
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass

    def r_many(self, h, path, query, count):
        self._send(h, 200, _page(f"項目 {path.rsplit('/', 1)[-1]}", "<p>項目</p>"))

    ROUTES = {
        "/": "r_index", "/ok": "r_ok", "/from-gzip": "r_ok", "/hang": "r_hang", "/slow": "r_slow",
        "/flaky503": "r_flaky503", "/burst500": "r_burst500", "/ratelimit": "r_ratelimit",
        "/loop/a": "r_loop", "/loop/b": "r_loop", "/offsite": "r_offsite", "/runaway": "r_runaway",
        "/membomb": "r_membomb", "/hugedom": "r_hugedom", "/links10k": "r_links10k", "/dialogs": "r_dialogs",
        "/navaway": "r_navaway", "/navaway-offsite": "r_navaway_offsite",
        "/sjis-header": "r_sjis_header", "/sjis-meta": "r_sjis_meta", "/sjis-none": "r_sjis_none",
        "/sjis-broken": "r_sjis_broken", "/eucjp-header": "r_eucjp_header", "/eucjp-meta": "r_eucjp_meta",
        "/calendar": "r_calendar", "/session": "r_session", "/grow": "r_grow", "/hostile": "r_hostile",
        "/robots.txt": "r_robots", "/sitemap_index.xml": "r_sitemap_index", "/sitemap.xml.gz": "r_sitemap_gz",
        "/sitemap-sjis.xml": "r_sitemap_sjis", "/sitemap-bad.xml": "r_sitemap_bad", "/sitemap-big.xml": "r_sitemap_big",
        "/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B/": "r_ok",
    }
    PREFIX_ROUTES = [("/canary", "r_canary"), ("/deep/", "r_deep"), ("/private/", "r_private"), ("/xss/", "r_xss"),
                     ("/many/", "r_many"), ("/session;", "r_session")]


def main() -> None:  # pragma: no cover — manual use: python -m a11yaudit.testing.faultsite
    import sys
    site = FaultSite(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(site.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
