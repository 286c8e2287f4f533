"""A filtering HTTP proxy on 127.0.0.1 that Chromium sends every request through during site audits.

Playwright's routes see the first request of each chain only: a redirect hop (302 → http://169.254.169.254/,
→ http://localhost/…) is followed by Chromium without asking. Through this proxy every hop, and every
subresource, is checked: loopback, private, link-local and other special addresses — also host names that
resolve to them — are refused (403) unless the site itself lives there. One request per client connection
(`Connection: close`), CONNECT tunnels for https."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading

log = logging.getLogger(__name__)

IDLE_S = 300          # a connection with no data either way for this long is closed (pages time out long before)
_HOP_HEADERS = {"proxy-connection", "connection", "keep-alive", "proxy-authorization", "te", "trailer", "upgrade"}


def _special(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast or addr.is_reserved
            or addr.is_unspecified)


class GuardProxy:
    def __init__(self, allowed_hosts: set[str]):
        self.allowed = {h.lower().strip("[]") for h in allowed_hosts}
        self.refused: list[str] = []        # host:port refused (for tests and the log)
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.port = None
        self.thread = threading.Thread(target=self.loop.run_forever, name="a11yaudit-guard", daemon=True)

    # --- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> str:
        self.thread.start()
        fut = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._client, "127.0.0.1", 0), self.loop)
        self.server = fut.result(10)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            async def _close():
                self.server.close()
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

    # --- policy -----------------------------------------------------------------------------------------------
    async def allowed_target(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        if host in self.allowed:
            return True
        if host == "localhost" or host.endswith(".localhost"):
            return False
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            return not _special(host)
        except ValueError:
            pass
        try:
            infos = await self.loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return True      # unresolvable: let Chromium report the DNS error itself
        return not any(_special(info[4][0]) for info in infos)

    # --- connections ------------------------------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                await self._tunnel(reader, writer, host, int(port))
                return
            from urllib.parse import urlsplit
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await self._refuse(writer, "bad request", 400)
                return
            host, port = parts.hostname, parts.port or 80
            if not await self.allowed_target(host, port):
                self.refused.append(f"{host}:{port}")
                await self._refuse(writer, f"a11yaudit: {host} is outside the audited site (private/loopback)")
                return
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            headers = [ln for ln in lines[1:] if ln and ln.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
            up_r, up_w = await asyncio.wait_for(asyncio.open_connection(host, port), 30)
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
        writer.write(f"HTTP/1.1 {status} Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        await writer.drain()

    async def _tunnel(self, reader, writer, host: str, port: int) -> None:
        if not await self.allowed_target(host, port):
            self.refused.append(f"{host}:{port}")
            await self._refuse(writer, f"a11yaudit: {host} is outside the audited site (private/loopback)")
            return
        try:
            up_r, up_w = await asyncio.wait_for(asyncio.open_connection(host, port), 30)
        except (OSError, asyncio.TimeoutError):
            await self._refuse(writer, "upstream unreachable", 502)
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
