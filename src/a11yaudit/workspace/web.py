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
