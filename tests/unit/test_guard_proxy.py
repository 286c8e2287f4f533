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
def proxy():
    g = GuardProxy({"127.0.0.1"})
    url = g.start()
    yield g, int(url.rsplit(":", 1)[1])
    g.stop()


def _client(port: int) -> socket.socket:
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    return c


def test_passes_allowed_requests_and_refuses_special_addresses(proxy):
    g, port = proxy
    up = Upstream(hang=False)
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
def test_upstream_that_hangs_is_released_when_the_client_gives_up(proxy, tunnel):
    g, port = proxy
    up = Upstream(hang=True)
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
