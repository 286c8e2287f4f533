"""What the workspace's app and its routes share: the session cookies, the security headers, the workspace's
translator, and the exceptions an endpoint raises to redirect or refuse."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.responses import Response

from ..report.i18n import Translator, catalogue

HERE = Path(__file__).parent
SESSION_COOKIE = "a11yws_session"
LOGIN_CSRF_COOKIE = "a11yws_login"
PER_PAGE = 50
COMPARE_LIMIT = 200
FP_RE = re.compile(r"^[0-9a-f]{40}$")
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


@functools.lru_cache(maxsize=None)
def _ws_catalogue(lang: str) -> dict[str, str]:
    if lang == "ja":
        return {}
    import yaml
    own = yaml.safe_load((HERE / f"{lang}.yaml").read_text(encoding="utf-8")) or {}
    return {**catalogue(lang), **own}


class WsTranslator(Translator):
    """The report's Translator with the workspace's own English entries (workspace/en.yaml) added."""

    def __init__(self, lang: str = "ja"):
        super().__init__(lang)
        self._table = _ws_catalogue(lang)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (also Starlette's own 404 / 405)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)
        await self.app(scope, receive, send_with_headers)


class Redirect(Exception):
    def __init__(self, location: str):
        self.location = location


class Refused(Exception):
    def __init__(self, response: Response):
        self.response = response


def local_next(value: str | None) -> str:
    """A redirect target after login: a path on this server only (never //host or a URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


USER_HEADER_SCOPE = "a11yws.header_user"      # the scope key of a name the trusted reverse proxy sent


class ProxyFront:
    """ASGI middleware (outermost, under uvicorn with proxy_headers off): the reverse proxy's handling.

    The connecting peer is read before anything rewrites it. Only when the peer is one of `trusted` (addresses or
    networks) are X-Forwarded-For / X-Forwarded-Proto applied (uvicorn's ProxyHeadersMiddleware) and, when
    `user_header` is set, that header's value kept in the scope as the logged-in user's name (single sign-on: the
    proxy authenticated the user). From any other peer both are ignored: a client cannot claim to be someone."""

    def __init__(self, app, trusted: list[str], user_header: str | None = None):
        import ipaddress

        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
        self.networks = [ipaddress.ip_network(t.strip(), strict=False) for t in trusted if t.strip()]
        self.user_header = user_header.lower().encode("latin-1") if user_header else None
        self.app = app
        self.proxied = ProxyHeadersMiddleware(app, trusted_hosts=[str(n) for n in self.networks] or [])

    def trusted_peer(self, scope) -> bool:
        import ipaddress
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in n for n in self.networks)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        scope = dict(scope)
        scope.pop(USER_HEADER_SCOPE, None)
        if not self.trusted_peer(scope):
            return await self.app(scope, receive, send)
        if self.user_header is not None:
            values = [v for k, v in scope.get("headers", []) if k.lower() == self.user_header]
            if values:
                scope[USER_HEADER_SCOPE] = values[-1].decode("utf-8", "replace").strip()
        return await self.proxied(scope, receive, send)
