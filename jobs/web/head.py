"""ASGI middleware answering HEAD like GET without the body (RFC 9110 9.3.2): FastAPI routes
declared with ``@app.get`` answer HEAD with 405 on their own."""

from __future__ import annotations


class HeadAsGet:
    """Runs a HEAD request as GET and sends the same status and headers with an empty body."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # a copy: the server still sees HEAD in its own scope and sends no body either
        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
