"""ASGI middleware of the web application: HTTP basic auth (when a password is set) and the
security headers every response carries (a strict Content-Security-Policy without scripts)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'; a name that is not an address is not."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SecurityHeaders:
    """Adds COMMON_HEADERS and, unless the route set its own, PAGE_CSP and X-Frame-Options."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [h for h in COMMON_HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                    extra.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BasicAuth:
    """HTTP basic auth against one user name and password, compared in constant time."""

    def __init__(self, app, *, user: str, password: str, realm: str = "kabar") -> None:
        self.app = app
        self.expected = f"{user}:{password}".encode()
        self.realm = realm

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self._authorised(scope):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"www-authenticate", f'Basic realm="{self.realm}", charset="UTF-8"'.encode()),
                    (b"content-type", b"text/plain; charset=utf-8"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"401 Unauthorized: this archive needs a password\n"})

    def _authorised(self, scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() != b"basic":
                    return False
                try:
                    given = base64.b64decode(token.strip(), validate=True)
                except (binascii.Error, ValueError):
                    return False
                return secrets.compare_digest(given, self.expected)
        return False
