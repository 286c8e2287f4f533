"""Issue 22, security items 1–5 and 14: what the gate, serve-gate and site audits may reach on the network.

Loopback ports stand in for internal services: the audited site or gated page is served on 127.0.0.1:A, a
"secret internal service" on 127.0.0.1:B or [::1]:C counts every request it receives. Nothing the page leads to
may reach it, and its secret never appears in any output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from servetools import stop_process  # noqa: E402

PAGE = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{t}</title>{h}</head>'
        '<body><main><h1>{t}</h1>{b}</main></body></html>')
SECRET = "INTERNAL-SECRET-7c1f"


class Service:
    """An HTTP server on one loopback address: `routes` path → (status, headers, body); every request is recorded."""

    def __init__(self, host: str = "127.0.0.1", routes: dict | None = None):
        self.routes = routes or {}
        self.hits: list[str] = []
        svc = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                svc.hits.append(self.path)
                status, headers, body = svc.routes.get(self.path.split("?", 1)[0], (404, {}, b"not found"))
                body = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(status)
                for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            address_family = __import__("socket").AF_INET6 if ":" in host else __import__("socket").AF_INET

        self.httpd = Server((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def secret_service(host: str = "127.0.0.1") -> Service:
    page = PAGE.format(t=SECRET, h="", b=f"<p>{SECRET}</p>")
    return Service(host, {p: (200, {}, page) for p in ("/", "/secret", "/secret.html", "/frame.html")}
                   | {"/secret.png": (200, {"Content-Type": "image/png"}, b"\x89PNG" + SECRET.encode()),
                      "/sitemap.xml": (200, {"Content-Type": "application/xml"},
                                       '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                                       f'sitemap/0.9"><url><loc>http://127.0.0.1/{SECRET}.html</loc></url></urlset>')})


def test_gate_fails_closed_on_redirects_and_navigations_to_internal_services(tmp_path, cli):
    """One gate run, three targets (before: each of them fetched the internal service and judged its page):
    - a URL on 127.0.0.1:A that answers 302 → http://[::1]:C/secret;
    - a local file whose script replaces it by a clean page next to it (location.replace) — before: the clean
      page was judged and the gate passed;
    - a CMS preview on stdin (--base-url on 127.0.0.1:A) whose script navigates to 127.0.0.1:B.
    Each is a load error (exit 3) naming what happened; the internal services get no request; no secret in the
    JSON output."""
    internal_v6, internal = secret_service("::1"), secret_service("127.0.0.1")
    site = Service("127.0.0.1", {
        "/page": (302, {"Location": f"{internal_v6.origin}/secret"}, b""),
        "/news/style.css": (200, {"Content-Type": "text/css"}, b"h1 { color: #222; }"),
    })
    try:
        folder = tmp_path / "public"
        folder.mkdir()
        (folder / "dirty.html").write_text(PAGE.format(
            t="汚いページ", h="", b='<img src="x.png"><script>location.replace("clean.html")</script>'),
            encoding="utf-8")
        (folder / "clean.html").write_text(PAGE.format(t="きれいなページ", h="", b="<p>本文</p>"), encoding="utf-8")
        preview = PAGE.format(t="プレビュー", h='<link rel="stylesheet" href="style.css">',
                              b=f'<p>本文</p><script>location.href = "{internal.origin}/secret";</script>')
        # (clean.html is gated too: with every target failing, the gate stops with exit 3 before any output)
        proc = cli("gate", f"{site.origin}/page", str(folder / "dirty.html"), str(folder / "clean.html"), "-",
                   "--base-url",
                   f"{site.origin}/news/preview.html", "--viewport", "pc", "--format", "json", "--lang", "en",
                   check=False, timeout=180, input=preview)
        assert proc.returncode == 3, proc.stderr[-3000:]
        assert SECRET not in proc.stdout and SECRET not in proc.stderr
        assert internal_v6.hits == [] and internal.hits == [], (internal_v6.hits, internal.hits)
        data = json.loads(proc.stdout)
        assert data["status"] == "error"
        rows = {row["target"]: row for row in data["pages"]}
        redirected = rows[f"{site.origin}/page"]
        assert not redirected["ok"] and "redirected away" in redirected["error"], redirected
        assert f"{internal_v6.origin}/secret" in redirected["error"]
        dirty = rows[str(folder / "dirty.html")]
        assert not dirty["ok"] and "navigated away" in dirty["error"] and "clean.html" in dirty["error"]
        stdin = rows["-"]
        assert not stdin["ok"] and "navigated away" in stdin["error"] and f"{internal.origin}/secret" in stdin["error"]
        assert rows[str(folder / "clean.html")]["ok"]
        assert "/news/style.css" in site.hits            # the preview's own origin stays reachable
        assert "navigated away" in proc.stderr
    finally:
        for s in (internal_v6, internal, site):
            s.close()


def test_gate_reports_a_redirect_on_the_targets_own_origin(cli):
    """A gated URL that redirects on its own origin (/kurashi → /kurashi/) is judged, and the redirect is reported."""
    site = Service("127.0.0.1", {
        "/kurashi": (301, {"Location": "/kurashi/"}, b""),
        "/kurashi/": (200, {}, PAGE.format(t="くらし", h="", b="<p>本文</p>")),
    })
    try:
        proc = cli("gate", f"{site.origin}/kurashi", "--viewport", "pc", "--format", "json", check=False, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        [row] = json.loads(proc.stdout)["pages"]
        assert row["ok"] and row["final_url"] == f"{site.origin}/kurashi/"
        assert f"→ {site.origin}/kurashi/" in proc.stderr
    finally:
        site.close()


def test_serve_gate_allowance_is_per_request():
    """serve-gate: a request whose base_url is on 127.0.0.1:A may use A (its stylesheet); the next request, with a
    public base_url, may not reach A at all (image, frame, script navigation). Before: the first request's
    loopback host stayed allowed for every later request."""
    local = Service("127.0.0.1", {"/news/style.css": (200, {"Content-Type": "text/css"}, b"p { color: #222; }")})
    proc = subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", "serve-gate", "--port", "0", "--viewport", "pc"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/gate", proc.stderr.readline())
        assert m
        base = f"http://127.0.0.1:{m.group(1)}"

        def post(base_url: str, html: str):
            req = urllib.request.Request(f"{base}/gate?base_url={base_url}&format=json", data=html.encode(),
                                         method="POST")
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:
                    return resp.status, resp.read().decode("utf-8")
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read().decode("utf-8")

        status, body = post(f"{local.origin}/news/a.html",
                            PAGE.format(t="一件目", h='<link rel="stylesheet" href="style.css">', b="<p>本文</p>"))
        assert status == 200 and "/news/style.css" in local.hits, body[:2000]
        before = len(local.hits)
        status, body = post("http://www.pref.example.jp/news/b.html", PAGE.format(
            t="二件目", h="", b=f'<img src="{local.origin}/secret.png" alt="画像">'
                               f'<iframe src="{local.origin}/frame.html" title="枠"></iframe>'
                               f'<script>location.href = "{local.origin}/secret.html";</script>'))
        # (Chromium's own Private Network Access rules already keep a public page's image and frame off loopback;
        # a top-level navigation is not covered by them)
        assert local.hits[before:] == [], local.hits
        assert SECRET not in body
        assert status == 503 and "navigated away" in json.loads(body)["pages"][0]["error"], body[:2000]
    finally:
        stop_process(proc, timeout=30)
        local.close()


def test_site_audit_stays_on_its_origin(tmp_path, cli):
    """A site on 127.0.0.1:A (a dev server) links to 127.0.0.1:B, frames it, and its robots.txt names sitemaps on
    127.0.0.1:B, [::1]:C and 169.254.169.254: none of them is requested, crawled or reported. Before: another
    port of the site's host was "the site" (crawled, its secret in the database and report) and every sitemap
    named in robots.txt was fetched."""
    from a11yaudit.store.db import Store
    internal, internal_v6 = secret_service("127.0.0.1"), secret_service("::1")
    links = (f'<a href="{internal.origin}/secret.html">内部</a> <a href="/a.html">a</a>'
             f'<iframe src="{internal.origin}/frame.html" title="枠"></iframe>')
    site = Service("127.0.0.1", {
        "/": (200, {}, PAGE.format(t="トップ", h="", b=links)),
        "/a.html": (200, {}, PAGE.format(t="ページA", h="", b="<p>本文</p>")),
        "/robots.txt": (200, {"Content-Type": "text/plain"},
                        f"User-agent: *\nAllow: /\nSitemap: {internal.origin}/sitemap.xml\n"
                        f"Sitemap: {internal_v6.origin}/sitemap.xml\n"
                        "Sitemap: http://169.254.169.254/latest/meta-data/\n"),
    })
    try:
        cfg = tmp_path / "sites.yaml"
        cfg.write_text(f"version: 1\nsites:\n  - id: dev\n    start_urls: ['{site.origin}/']\n    viewports: [pc]\n"
                       "    crawl: {timeout: 10, max_pages: 10}\n", encoding="utf-8")
        db = f"sqlite:///{tmp_path / 'a.sqlite'}"
        proc = cli("--config", str(cfg), "--db", db, "audit", "-q", "--artifacts-dir", str(tmp_path / "art"),
                   "--reports-dir", str(tmp_path / "rep"), timeout=240)
        assert internal.hits == [] and internal_v6.hits == [], (internal.hits, internal_v6.hits)
        store = Store(db)
        run = store.list_runs("dev")[-1]
        pages = {p["url"]: p for p in store.run_pages(run["id"])}
        assert pages[f"{site.origin}/a.html"]["state"] == "done"
        inner = pages[f"{internal.origin}/secret.html"]
        assert inner["state"] == "skipped" and inner["skip_reason"] == "other_host"
        report = Path(proc.stdout.strip().splitlines()[-1])
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in report.parent.rglob("*")
                 if p.is_file() and p.suffix in (".html", ".json")]
        assert texts and not any(SECRET in t for t in texts)
        sitemaps = json.loads(run["stats_json"])["sitemaps"]
        assert sitemaps["read"] == 0 and len(sitemaps["errors"]) == 3, sitemaps
        assert all("refused" in e for e in sitemaps["errors"]), sitemaps
    finally:
        for s in (internal, internal_v6, site):
            s.close()


sys.path.insert(0, str(ROOT / "tests"))
from netns import needs_netns, run_in_netns  # noqa: E402


@needs_netns
def test_gate_local_file_meta_refresh_through_a_redirector_to_the_metadata_service(tmp_path):
    """In a network namespace of its own: a public redirector (93.184.216.34) and the metadata service
    (169.254.169.254:80). A local HTML file whose meta refresh goes to the redirector, which answers 302 to the
    metadata address: the gate stops the navigation (exit 3, "navigated away"), the metadata service gets no
    request and its secret is in no output. Before: the metadata page was judged and shown in the JSON."""
    (tmp_path / "refresh.html").write_text(PAGE.format(
        t="更新", h='<meta http-equiv="refresh" content="0;url=http://93.184.216.34/redir">', b="<p>本文</p>"),
        encoding="utf-8")
    (tmp_path / "clean.html").write_text(PAGE.format(t="きれい", h="", b="<p>本文</p>"), encoding="utf-8")
    out = run_in_netns(r'''
import json, subprocess, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
hits = {"redirector": [], "metadata": []}
def serve(ip, name, answer):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            hits[name].append(self.path); status, headers, body = answer
            self.send_response(status)
            for k, v in headers.items(): self.send_header(k, v)
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    s = ThreadingHTTPServer((ip, 80), H); s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
serve("93.184.216.34", "redirector", (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""))
serve("169.254.169.254", "metadata", (200, {"Content-Type": "text/html"},
      b"<html lang=ja><head><title>%s</title></head><body><main><p>%s</p></main></body></html>" % (b"SECRET_TOKEN", b"SECRET_TOKEN")))
p = subprocess.run([sys.executable, "-m", "a11yaudit.cli", "gate", "TMP/refresh.html", "TMP/clean.html", "--viewport", "pc",
                    "--format", "json", "--lang", "en"], capture_output=True, text=True, timeout=150)
print(json.dumps({"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr[-3000:], "hits": hits}))
'''.replace("TMP", str(tmp_path)), addresses=("93.184.216.34", "169.254.169.254"), timeout=200)
    assert out["rc"] == 3, out["stderr"]
    assert out["hits"]["metadata"] == [], out["hits"]
    assert "SECRET_TOKEN" not in out["stdout"] + out["stderr"]
    rows = {Path(r["target"]).name: r for r in json.loads(out["stdout"])["pages"]}
    assert not rows["refresh.html"]["ok"] and "navigated away" in rows["refresh.html"]["error"]
    assert "93.184.216.34/redir" in rows["refresh.html"]["error"] and rows["clean.html"]["ok"]
