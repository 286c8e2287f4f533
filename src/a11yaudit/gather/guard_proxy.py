"""A filtering HTTP proxy on 127.0.0.1 that Chromium sends every request through during site audits and gates.

Playwright's routes see the first request of each chain only: a redirect hop (302 → http://169.254.169.254/,
→ http://localhost/…) is followed by Chromium without asking. Through this proxy every hop, and every
subresource, is checked: loopback, private, link-local and other special addresses — also host names that
resolve to them — are refused (403) unless the request goes to an allowed origin (the audited site itself, or
the gated page's own origin). Origins are compared as (scheme, host, port): a site on 127.0.0.1:8123 does not
make 127.0.0.1:8080 reachable.

Each host name is resolved once per proxy (bounded by RESOLVE_TIMEOUT_S, failures cached too) and the proxy
connects to the address it checked: a name that answers a public address first and 127.0.0.1 next (DNS
rebinding) is connected to the public one. One request per client connection (`Connection: close`), CONNECT
tunnels for https.

`listen(entries)` opens another port of the same proxy with its own allowance (one per gate request, so one
request's allowance never leaks into another's); the resolver cache is shared."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

IDLE_S = 300          # a connection with no data either way for this long is closed (pages time out long before)
RESOLVE_TIMEOUT_S = 2.0   # a host name that does not resolve within this is treated as unresolvable for the run
CONNECT_TIMEOUT_S = 10.0   # a third-party address that does not answer within this is not tried again in the run
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_HOP_HEADERS = {"proxy-connection", "connection", "keep-alive", "proxy-authorization", "te", "trailer", "upgrade"}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def special(ip: str) -> bool:
    """True for addresses an audit must not reach on its own: loopback, private, link-local (169.254.169.254),
    shared (100.64/10), multicast, reserved, unspecified — also when wrapped in IPv6 (mapped, 6to4, NAT64)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        elif addr.sixtofour:
            addr = addr.sixtofour
        elif addr in _NAT64:
            addr = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast or addr.is_reserved
            or addr.is_unspecified or not addr.is_global)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


def origin_tuple(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, default ports filled in; None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    return scheme, host, port or DEFAULT_PORTS[scheme]


class Allowance:
    """The origins a proxy port lets through to special addresses.

    Entries are origins (`http://127.0.0.1:8123`: exactly that scheme, host and port) or host names
    (`www2.pref.example.jp`, `host:8080`): a bare host stands for that host on the default http and https ports
    (or on its given port), and only when no origin entry names the same host — the audit's host lists carry the
    served site's bare `127.0.0.1`, which must not open every local port. An origin on a default port also
    allows the other scheme's default port of the same host (http://host ↔ https://host: one site)."""

    def __init__(self, entries=()):
        origins: set[tuple[str, str, int]] = set()
        bare: set[tuple[str, int | None]] = set()
        for entry in entries or ():
            entry = (entry or "").strip()
            if not entry:
                continue
            if "://" in entry:
                o = origin_tuple(entry)
                if o is not None:
                    origins.add(o)
                    if o[2] == DEFAULT_PORTS[o[0]]:
                        other = "https" if o[0] == "http" else "http"
                        origins.add((other, o[1], DEFAULT_PORTS[other]))
                continue
            try:
                parts = urlsplit("//" + entry)
                host, port = (parts.hostname or "").lower().rstrip("."), parts.port
            except ValueError:
                continue
            if host:
                bare.add((host, port))
        named = {h for _, h, _ in origins}
        for host, port in bare:
            if host in named:
                continue
            for scheme in ("http", "https"):
                origins.add((scheme, host, port or DEFAULT_PORTS[scheme]))
        self.origins = frozenset(origins)

    def allows(self, scheme: str, host: str, port: int) -> bool:
        host = host.lower().strip("[]").rstrip(".")
        if scheme == "connect":        # a tunnel: https (or a WebSocket) to that host and port
            return ("https", host, port) in self.origins or ("http", host, port) in self.origins
        return (scheme, host, port) in self.origins

    def __repr__(self) -> str:
        return f"Allowance({sorted(self.origins)})"


class Resolver:
    """Host name → addresses, once per run: bounded by `timeout`, failures cached too, concurrent lookups of one
    name shared. One daemon thread per name looked up (once per run): a name whose DNS never answers holds up
    neither the other names nor the end of the process."""

    def __init__(self, timeout: float = RESOLVE_TIMEOUT_S):
        self.timeout = timeout
        self.cache: dict[str, asyncio.Future] = {}
        self.lookups = 0                 # names actually sent to the system resolver (tests, measurements)

    async def resolve(self, host: str) -> list[str]:
        """The addresses of `host` (raises OSError when it does not resolve in time)."""
        if is_ip(host):
            return [host]
        fut = self.cache.get(host)
        if fut is None:
            self.lookups += 1
            fut = self.cache[host] = asyncio.ensure_future(self._bounded(self._lookup(host), host))
        return list(await asyncio.shield(fut))

    @staticmethod
    def _lookup(host: str) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def settle(value, error):
            if not fut.done():
                fut.set_exception(error) if error is not None else fut.set_result(value)

        def work():
            try:
                value, error = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM), None
            except OSError as exc:
                value, error = None, exc
            try:
                loop.call_soon_threadsafe(settle, value, error)
            except RuntimeError:       # the proxy stopped meanwhile
                pass
        threading.Thread(target=work, name="a11yaudit-dns", daemon=True).start()
        return fut

    async def _bounded(self, lookup, host: str) -> list[str]:
        try:
            infos = await asyncio.wait_for(lookup, self.timeout)
        except asyncio.TimeoutError:
            raise OSError(f"{host}: no DNS answer within {self.timeout:g} s") from None
        except socket.gaierror as exc:
            raise OSError(f"{host}: {exc.strerror or exc}") from None
        out: list[str] = []
        for info in infos:
            ip = info[4][0]
            if ip not in out:
                out.append(ip)
        if not out:
            raise OSError(f"{host}: no address")
        return out

    def close(self) -> None:
        self.cache.clear()


class Refused(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


class GuardProxy:
    def __init__(self, allowed=(), *, resolve_timeout: float = RESOLVE_TIMEOUT_S):
        self.allowance = allowed if isinstance(allowed, Allowance) else Allowance(allowed)
        self.refused: list[str] = []        # host:port refused (for tests and the log)
        self.loop = asyncio.new_event_loop()
        self.resolver = Resolver(resolve_timeout)
        self.unreachable: set[tuple[str, int]] = set()     # (address, port) that timed out (see _connect)
        self.server = None
        self.servers: list = []
        self.port = None
        self.thread = threading.Thread(target=self.loop.run_forever, name="a11yaudit-guard", daemon=True)

    # --- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> str:
        self.thread.start()
        self.server = self._open(self.allowance)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    def _open(self, allowance: Allowance):
        async def _start():
            return await asyncio.start_server(lambda r, w: self._client(r, w, allowance), "127.0.0.1", 0)
        server = asyncio.run_coroutine_threadsafe(_start(), self.loop).result(10)
        self.servers.append(server)
        return server

    def listen(self, entries) -> tuple[str, object]:
        """Another port with its own allowance: (proxy URL, handle for `unlisten`)."""
        allowance = entries if isinstance(entries, Allowance) else Allowance(entries)
        server = self._open(allowance)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", server

    def unlisten(self, handle) -> None:
        def _close():
            handle.close()
            if handle in self.servers:
                self.servers.remove(handle)
        self.loop.call_soon_threadsafe(_close)

    def stop(self) -> None:
        if self.servers:
            async def _close():
                for server in self.servers:
                    server.close()
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            try:
                asyncio.run_coroutine_threadsafe(_close(), self.loop).result(5)
            except Exception:  # noqa: BLE001
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.resolver.close()

    # --- policy -----------------------------------------------------------------------------------------------
    async def addresses(self, allowance: Allowance, scheme: str, host: str, port: int) -> list[str]:
        """The checked addresses to connect to for host:port, or Refused. Resolved once (see Resolver)."""
        host = host.lower().strip("[]").rstrip(".")
        allowed = allowance.allows(scheme, host, port)
        if not allowed and (host == "localhost" or host.endswith(".localhost")):
            raise Refused(403, f"a11yaudit: {host} is outside the audited site (loopback)")
        try:
            ips = await self.resolver.resolve(host)
        except OSError as exc:
            raise Refused(502, f"a11yaudit: cannot resolve {host} ({exc})") from None
        if not allowed:
            bad = [ip for ip in ips if special(ip)]
            if bad:
                raise Refused(403, f"a11yaudit: {host} is outside the audited site (private/loopback {bad[0]})")
        return ips

    async def allowed_target(self, host: str, port: int, scheme: str = "http") -> bool:
        try:
            await self.addresses(self.allowance, scheme, host, port)
            return True
        except Refused as exc:
            return exc.status != 403

    async def _connect(self, ips: list[str], port: int, *, remember: bool = True):
        """Connect to the first checked address that answers. An address that timed out is remembered for the run
        (`remember`: third parties only, never the site itself): on a machine without internet every social widget
        would otherwise cost CONNECT_TIMEOUT_S on every page."""
        last: Exception | str | None = None
        for ip in ips:
            if (ip, port) in self.unreachable:
                last = f"{ip}:{port} did not answer earlier in this run"
                continue
            try:
                return await asyncio.wait_for(asyncio.open_connection(ip.split("%", 1)[0], port), CONNECT_TIMEOUT_S)
            except asyncio.TimeoutError:
                last = f"{ip}:{port} did not answer within {CONNECT_TIMEOUT_S:g} s"
                if remember:
                    self.unreachable.add((ip, port))
            except OSError as exc:
                last = exc
        raise Refused(502, f"a11yaudit: upstream unreachable ({last})")

    # --- connections ------------------------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      allowance: Allowance) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
            writer.close()
            return
        try:
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                await self._tunnel(reader, writer, host, int(port), allowance)
                return
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await self._refuse(writer, "bad request", 400)
                return
            host, port = parts.hostname, parts.port or 80
            try:
                ips = await self.addresses(allowance, "http", host, port)
                up_r, up_w = await self._connect(ips, port, remember=not allowance.allows("http", host, port))
            except Refused as exc:
                if exc.status == 403:
                    self.refused.append(f"{host}:{port}")
                await self._refuse(writer, exc.text, exc.status)
                return
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            headers = [ln for ln in lines[1:] if ln and ln.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
            up_w.write((f"{method} {path} {version}\r\n" + "\r\n".join(headers)
                        + "\r\nConnection: close\r\n\r\n").encode("latin-1"))
            length = next((int(ln.split(":", 1)[1]) for ln in headers if ln.lower().startswith("content-length:")), 0)
            if length:
                up_w.write(await reader.readexactly(length))
            await up_w.drain()
            await self._until_either_ends(self._pipe(up_r, writer), self._client_gone(reader))
            up_w.close()
        except Exception as exc:  # noqa: BLE001 — a broken exchange ends that connection only
            log.debug("guard proxy: %s", exc)
        finally:
            writer.close()

    async def _refuse(self, writer, text: str, status: int = 403) -> None:
        body = text.encode()
        reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}.get(status, "Forbidden")
        writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        await writer.drain()

    async def _tunnel(self, reader, writer, host: str, port: int, allowance: Allowance) -> None:
        try:
            ips = await self.addresses(allowance, "connect", host, port)
            up_r, up_w = await self._connect(ips, port, remember=not allowance.allows("connect", host, port))
        except Refused as exc:
            if exc.status == 403:
                self.refused.append(f"{host.strip('[]')}:{port}")
            await self._refuse(writer, exc.text, exc.status)
            return
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        # Either side closing ends the tunnel: Chromium dropping a request to a hanging server must not leave the
        # upstream connection (and this coroutine) open for the rest of the audit.
        await self._until_either_ends(self._pipe(reader, up_w), self._pipe(up_r, writer))
        up_w.close()

    @staticmethod
    async def _until_either_ends(*coros) -> None:
        tasks = [asyncio.ensure_future(c) for c in coros]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @staticmethod
    async def _client_gone(reader: asyncio.StreamReader) -> None:
        """Returns when the client closes its connection (after its one request it sends nothing more)."""
        while await reader.read(65536):
            pass

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await asyncio.wait_for(src.read(65536), IDLE_S)
                if not data:
                    break
                dst.write(data)
                await dst.drain()
        finally:
            if dst.can_write_eof():
                try:
                    dst.write_eof()
                except OSError:
                    pass


# --- the same checks for plain fetches (robots.txt, sitemaps, HEAD of documents) ------------------------------

def resolve_checked(host: str, port: int, *, timeout: float = RESOLVE_TIMEOUT_S) -> list[str]:
    """Blocking: the addresses of `host`, resolved once with a bounded wait; OSError when it does not resolve and
    PermissionError when any address is special (see `special`)."""
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        raise PermissionError(f"{host} is a loopback name")
    if is_ip(host):
        ips = [host]
    else:
        box: dict = {}

        def work():
            try:
                box["infos"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
            except OSError as exc:
                box["error"] = exc
        t = threading.Thread(target=work, name="a11yaudit-dns", daemon=True)
        t.start()
        t.join(timeout)
        if t.is_alive():
            raise OSError(f"{host}: no DNS answer within {timeout:g} s")
        if "error" in box:
            raise OSError(f"{host}: {box['error']}")
        ips = []
        for info in box["infos"]:
            if info[4][0] not in ips:
                ips.append(info[4][0])
    bad = [ip for ip in ips if special(ip)]
    if bad:
        raise PermissionError(f"{host} is a private/loopback address" if is_ip(host)
                              else f"{host} resolves to a private/loopback address ({bad[0]})")
    return ips
