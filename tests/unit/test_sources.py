"""robots.txt and sitemaps over real HTTP on 127.0.0.1: indexes, gzip, self-reference, malformed input."""

import gzip

from a11yaudit.discover.sources import fetch, load_robots, read_sitemaps


def _write(folder, name, data):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


URLSET = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          "{}</urlset>")


def test_robots_rules_and_sitemap_lines(tmp_path, serve):
    _write(tmp_path, "robots.txt", "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\nSitemap: http://x.invalid/sm.xml\n")
    base = serve(tmp_path)
    robots = load_robots(base)
    assert robots.status == 200 and robots.sitemaps == ["http://x.invalid/sm.xml"]
    assert not robots.allowed(base + "/private/a.html") and robots.allowed(base + "/kurashi/")
    assert robots.crawl_delay() == 2


def test_missing_robots_allows_everything(tmp_path, serve):
    robots = load_robots(serve(tmp_path))
    assert robots.status == 404 and robots.allowed("http://127.0.0.1/anything")


def test_sitemap_index_gzip_loop_and_malformed(tmp_path, serve):
    base = serve(tmp_path)
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{base}/index.xml</loc></sitemap>"        # points at itself
             f"<sitemap><loc>{base}/pages.xml.gz</loc></sitemap>"
             f"<sitemap><loc>{base}/broken.xml</loc></sitemap>"
             f"<sitemap><loc>{base}/missing.xml</loc></sitemap></sitemapindex>")
    _write(tmp_path, "index.xml", index)
    _write(tmp_path, "pages.xml.gz", gzip.compress(URLSET.format(
        "<url><loc>http://x.invalid/a/</loc></url><url><loc> http://x.invalid/日本語/ </loc></url>").encode()))
    _write(tmp_path, "broken.xml", "<html><body>not a sitemap")
    result = read_sitemaps([base + "/index.xml"])
    assert result.urls == ["http://x.invalid/a/", "http://x.invalid/日本語/"]
    assert result.sitemaps_read == [base + "/index.xml", base + "/pages.xml.gz"]
    errors = dict(result.errors)
    assert "malformed" in errors[base + "/broken.xml"] and errors[base + "/missing.xml"] == "HTTP 404"


def test_sitemap_url_cap_and_fetch_refuses_other_schemes(tmp_path, serve):
    base = serve(tmp_path)
    _write(tmp_path, "big.xml", URLSET.format("".join(f"<url><loc>http://x.invalid/{i}</loc></url>" for i in range(50))))
    assert len(read_sitemaps([base + "/big.xml"], max_urls=10).urls) == 10
    assert fetch("file:///etc/passwd").error == "not an http(s) URL"


def test_sitemaps_outside_the_site_are_refused_on_internal_addresses(tmp_path, serve):
    """Issue 22: the site (127.0.0.1:A) names sitemaps on the metadata address, another local port, [::1],
    `localhost`, and its own sitemap index redirects to another local port. None of them is fetched (the internal
    service on 127.0.0.1:B counts no request); the site's own sitemap is read. Before: 5 of 5 were fetched."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from a11yaudit.discover.scope import ScopeClassifier

    hits = []

    class Secret(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = URLSET.format("<url><loc>http://127.0.0.1/secret.html</loc></url>").encode()
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{internal.server_address[1]}/sitemap.xml")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    internal = ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    threading.Thread(target=internal.serve_forever, daemon=True).start()
    moved = ThreadingHTTPServer(("127.0.0.1", 0), Secret)       # stands for the site's redirecting sitemap
    threading.Thread(target=moved.serve_forever, daemon=True).start()
    try:
        b = internal.server_address[1]
        base = serve(tmp_path)
        _write(tmp_path, "sitemap.xml", URLSET.format(f"<url><loc>{base}/a.html</loc></url>"))
        site = type("S", (), {"base_url": base, "start_urls": [base + "/"], "allowed_hosts": [],
                              "policy": type("P", (), {"include": [], "exclude": []})()})()
        scope = ScopeClassifier(site)
        start = [f"{base}/sitemap.xml", "http://169.254.169.254/latest/meta-data/", f"http://127.0.0.1:{b}/sitemap.xml",
                 f"http://[::1]:{b}/sitemap.xml", f"http://localhost:{b}/sitemap.xml"]
        result = read_sitemaps(start, lambda u: fetch(u, timeout=3), same_site=scope.same_site,
                               get_outside=lambda u: fetch(u, timeout=3, checked=True))
        assert result.urls == [f"{base}/a.html"] and result.sitemaps_read == [f"{base}/sitemap.xml"]
        assert len(result.errors) == 4 and all("refused" in e for _, e in result.errors), result.errors
        # A redirect from the site's sitemap to another port of the same host is refused too.
        m = moved.server_address[1]
        res = fetch(f"http://127.0.0.1:{m}/moved", timeout=3)
        assert res.status == 302 and "refused" in res.error
        assert hits == ["/moved"], hits
    finally:
        internal.shutdown()
        moved.shutdown()
