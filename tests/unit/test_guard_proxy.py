"""The filtering proxy every site-audit request goes through (gather/guard_proxy.py), with real sockets on
127.0.0.1: it passes allowed traffic, refuses special addresses, and lets go of an upstream that hangs as soon as
the browser gives up on the request (plain HTTP and CONNECT tunnels)."""

import socket
import threading
import time

import pytest

from a11yaudit.gather.guard_proxy import GuardProxy


class Upstream:
    """A TCP server on 127.0.0.1 that either answers one HTTP response or hangs, and records when each of its
    connections was closed by the other side."""

    def __init__(self, hang: bool):
        self.hang = hang
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.closed_at: list[float] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._conn, args=(conn,), daemon=True).start()

    def _conn(self, conn):
        with conn:
            conn.recv(65536)
            if not self.hang:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                return
            conn.settimeout(30)
            try:
                while conn.recv(65536):          # hang: never answer; return when the proxy closes
                    pass
            except OSError:
                pass
            self.closed_at.append(time.monotonic())


@pytest.fixture
def make_proxy():
    """make_proxy(allowed entries) -> (GuardProxy, its port); stopped after the test."""
    started = []

    def make(allowed):
        g = GuardProxy(allowed)
        url = g.start()
        started.append(g)
        return g, int(url.rsplit(":", 1)[1])
    yield make
    for g in started:
        g.stop()


def _client(port: int) -> socket.socket:
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    return c


def _get(port: int, url: str) -> bytes:
    c = _client(port)
    host = url.split("/")[2]
    c.sendall(f"GET {url} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    return data


def test_passes_allowed_requests_and_refuses_special_addresses(make_proxy):
    up = Upstream(hang=False)
    g, port = make_proxy({f"http://127.0.0.1:{up.port}"})
    c = _client(port)
    c.sendall(f"GET http://127.0.0.1:{up.port}/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"ok")
    c = _client(port)
    c.sendall(b"GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n")
    assert c.recv(65536).startswith(b"HTTP/1.1 403") and g.refused == ["169.254.169.254:80"]


@pytest.mark.parametrize("tunnel", [False, True])
def test_upstream_that_hangs_is_released_when_the_client_gives_up(make_proxy, tunnel):
    up = Upstream(hang=True)
    g, port = make_proxy({f"http://127.0.0.1:{up.port}"})
    c = _client(port)
    if tunnel:
        c.sendall(f"CONNECT 127.0.0.1:{up.port} HTTP/1.1\r\nHost: 127.0.0.1:{up.port}\r\n\r\n".encode())
        assert c.recv(65536).startswith(b"HTTP/1.1 200 Connection Established")
        c.sendall(b"\x16\x03\x01 pretend TLS client hello")
    else:
        c.sendall(f"GET http://127.0.0.1:{up.port}/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    deadline = time.monotonic() + 5
    while up.accepted == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert up.accepted == 1
    time.sleep(0.3)
    assert up.closed_at == []                     # still waiting for the upstream while the client waits
    gave_up = time.monotonic()
    c.close()                                     # the browser's page timed out / navigated away
    while not up.closed_at and time.monotonic() < gave_up + 5:
        time.sleep(0.02)
    assert up.closed_at and up.closed_at[0] - gave_up < 2, "the proxy kept the hanging upstream connection open"


# --- issue 22: origins, one allowance per listener, DNS rebinding, bounded DNS ------------------------------------

def test_the_site_is_its_origin_not_its_host(make_proxy):
    """A served site's audit allows `127.0.0.1` and `http://127.0.0.1:A`: port A passes, another local service on
    127.0.0.1:B (plain and CONNECT), [::1] and `localhost` are refused and never connected to."""
    site, secret = Upstream(hang=False), Upstream(hang=False)
    g, port = make_proxy({"sample.invalid", "127.0.0.1", f"http://127.0.0.1:{site.port}"})
    assert _get(port, f"http://127.0.0.1:{site.port}/").endswith(b"ok")
    assert _get(port, f"http://127.0.0.1:{secret.port}/secret").startswith(b"HTTP/1.1 403")
    assert _get(port, f"http://localhost:{secret.port}/secret").startswith(b"HTTP/1.1 403")
    c = _client(port)
    c.sendall(f"CONNECT 127.0.0.1:{secret.port} HTTP/1.1\r\nHost: 127.0.0.1:{secret.port}\r\n\r\n".encode())
    assert c.recv(65536).startswith(b"HTTP/1.1 403")
    assert _get(port, "http://[::1]:9/").startswith(b"HTTP/1.1 403")
    assert secret.accepted == 0 and site.accepted == 1
    assert f"127.0.0.1:{secret.port}" in g.refused


def test_each_listener_has_its_own_allowance(make_proxy):
    """serve-gate: each request gets a port of the proxy with its own allowance; the browser's default port and a
    closed request's port allow nothing local."""
    up = Upstream(hang=False)
    g, port = make_proxy(set())
    url, handle = g.listen([f"http://127.0.0.1:{up.port}"])
    other, other_handle = g.listen(["https://www.pref.example.jp"])
    lport, oport = int(url.rsplit(":", 1)[1]), int(other.rsplit(":", 1)[1])
    assert _get(lport, f"http://127.0.0.1:{up.port}/").endswith(b"ok")
    assert _get(oport, f"http://127.0.0.1:{up.port}/").startswith(b"HTTP/1.1 403")
    assert _get(port, f"http://127.0.0.1:{up.port}/").startswith(b"HTTP/1.1 403")
    g.unlisten(handle)
    time.sleep(0.2)
    with pytest.raises(OSError):
        _get(lport, f"http://127.0.0.1:{up.port}/")
    assert up.accepted == 1


import sys as _sys  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))
from netns import needs_netns, run_in_netns  # noqa: E402

_PROXY_IN_NETNS = r'''
import json, socket, threading, time
from netns import FakeDNS
from a11yaudit.gather.guard_proxy import GuardProxy

def server(ip, body):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((ip, 8080)); s.listen()
    def loop():
        while True:
            c, _ = s.accept(); c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body); c.close()
    threading.Thread(target=loop, daemon=True).start()

def get(port, url):
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % url).encode())
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    return data.decode("latin-1")
'''


@needs_netns
def test_dns_rebinding_connects_to_the_address_that_was_checked():
    """rebind.test answers a public address (93.184.216.34, a server inside the namespace) to the first question
    and 127.0.0.1 afterwards, where an internal service listens on the same port: the proxy connects to the
    address it checked. Before: it resolved again to connect and fetched the internal service's secret."""
    out = run_in_netns(_PROXY_IN_NETNS + r'''
dns = FakeDNS({"rebind.test": ["93.184.216.34", "127.0.0.1"]})
server("93.184.216.34", b"public page"); server("127.0.0.1", b"INTERNAL SECRET")
g = GuardProxy(set()); port = int(g.start().rsplit(":", 1)[1])
first = get(port, "http://rebind.test:8080/")
second = get(port, "http://rebind.test:8080/again")
g.stop()
print(json.dumps({"first": first, "second": second, "a_queries": dns.a_queries("rebind.test")}))
''', addresses=("93.184.216.34",))
    assert out["first"].endswith("public page") and out["second"].endswith("public page"), out
    assert "SECRET" not in out["first"] + out["second"]
    assert out["a_queries"] == 1                     # resolved once for the run


@needs_netns
def test_unanswered_dns_is_bounded_and_cached_per_run():
    """Social widgets on a machine whose DNS never answers (resolv.conf: 5 s × 2 attempts): each host costs at most
    RESOLVE_TIMEOUT_S once, later requests for it are answered at once (502), never waiting for the resolver
    again; other hosts are not held up meanwhile. Before: ~10 s per request, twice (check, then connect)."""
    out = run_in_netns(_PROXY_IN_NETNS + r'''
from a11yaudit.gather.guard_proxy import RESOLVE_TIMEOUT_S
hosts = ["platform.twitter.com", "connect.facebook.net", "b.st-hatena.com"]
dns = FakeDNS({"ok.test": ["93.184.216.34"]}, blackhole=set(hosts))
server("93.184.216.34", b"public page")
g = GuardProxy(set()); port = int(g.start().rsplit(":", 1)[1])
times, answers = {}, {}
def one(h, key):
    t = time.monotonic(); answers[key] = get(port, "http://%s/widgets.js" % h)[:12]; times[key] = time.monotonic() - t
threads = [threading.Thread(target=one, args=(h, h)) for h in hosts]
t0 = time.monotonic()
for t in threads: t.start()
ok_t = time.monotonic(); ok = get(port, "http://ok.test:8080/"); ok_s = time.monotonic() - ok_t
for t in threads: t.join()
first_round = time.monotonic() - t0
t1 = time.monotonic()
for h in hosts: answers[h + " again"] = get(port, "http://%s/widgets.js" % h)[:12]
again = time.monotonic() - t1
print(json.dumps({"first_round": first_round, "again": again, "ok": ok, "ok_s": ok_s, "answers": answers,
                  "bound": RESOLVE_TIMEOUT_S, "a_queries": {h: dns.a_queries(h) for h in hosts},
                  "lookups": g.resolver.lookups}))
g.stop()
''', addresses=("93.184.216.34",))
    assert out["first_round"] < out["bound"] + 1.5, out
    assert out["again"] < 0.5, out
    assert out["ok"].endswith("public page") and out["ok_s"] < 1.0, out
    assert all(a.startswith("HTTP/1.1 502") for a in out["answers"].values()), out
    assert out["lookups"] == 4


@needs_netns
def test_a_third_party_address_that_never_answers_is_tried_once_per_run():
    """No internet, but DNS answers: widgets.example resolves to 8.8.4.4, where connections hang. The first request
    waits CONNECT_TIMEOUT_S (1 s here) and gets 502; later ones get 502 at once. The audited site's own origin is
    never written off: each request to it is tried again."""
    out = run_in_netns(_PROXY_IN_NETNS + r'''
from a11yaudit.gather import guard_proxy
guard_proxy.CONNECT_TIMEOUT_S = 1.0
dns = FakeDNS({"widgets.example": ["8.8.4.4"], "site.example": ["8.8.8.8"]})
g = GuardProxy({"http://site.example"}); port = int(g.start().rsplit(":", 1)[1])
def timed(url):
    t = time.monotonic(); answer = get(port, url)[:12]; return answer, round(time.monotonic() - t, 2)
out = {"widget": [timed("http://widgets.example/w.js") for _ in range(3)],
       "site": [timed("http://site.example/") for _ in range(2)]}
g.stop()
print(json.dumps(out))
''', black_holes=("8.8.0.0/16",))
    (a1, t1), (a2, t2), (a3, t3) = out["widget"]
    assert a1 == a2 == a3 == "HTTP/1.1 502", out
    assert 0.9 < t1 < 2.5 and t2 < 0.3 and t3 < 0.3, out
    assert all(t > 0.9 for _, t in out["site"]), out


def test_special_addresses_also_inside_ipv6_and_shared_space():
    """The metadata service and loopback written in other forms are special too: IPv4-mapped, 6to4, NAT64, and
    the shared address space (100.64/10, carrier-grade NAT) — refused by the proxy like their plain forms."""
    from a11yaudit.gather.guard_proxy import special
    for ip in ("127.0.0.1", "169.254.169.254", "10.1.2.3", "100.64.0.1", "::1", "fe80::1%eth0", "::ffff:127.0.0.1",
               "2002:7f00:1::", "64:ff9b::a9fe:a9fe", "0.0.0.0", "fd00::1"):
        assert special(ip), ip
    for ip in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822"):
        assert not special(ip), ip


def test_nat64_metadata_address_is_refused_by_the_proxy(make_proxy):
    g, port = make_proxy(set())
    assert _get(port, "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/").startswith(b"HTTP/1.1 403")
    assert _get(port, "http://100.64.0.1/").startswith(b"HTTP/1.1 403")


@needs_netns
def test_sitemap_fetch_outside_the_site_connects_to_the_checked_address():
    """The plain fetches (sitemaps outside the site) check and connect in one step too: with a rebinding name the
    first answer (public) is fetched, the later one (127.0.0.1) is refused, the internal service never reached."""
    out = run_in_netns(_PROXY_IN_NETNS + r'''
from a11yaudit.discover.sources import fetch
dns = FakeDNS({"rebind.test": ["93.184.216.34", "127.0.0.1"]})
server("93.184.216.34", b"public sitemap"); server("127.0.0.1", b"INTERNAL SECRET")
a = fetch("http://rebind.test:8080/sitemap.xml", checked=True, timeout=5)
b = fetch("http://rebind.test:8080/sitemap.xml", checked=True, timeout=5)
print(json.dumps({"a": [a.body.decode(), a.error], "b": [b.body.decode(), b.error]}))
''', addresses=("93.184.216.34",))
    assert out["a"] == ["public sitemap", None], out
    assert out["b"][0] == "" and "refused" in out["b"][1] and "127.0.0.1" in out["b"][1], out
