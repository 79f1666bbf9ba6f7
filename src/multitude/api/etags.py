"""ETags on reads: every successful GET answer carries a strong ETag (a digest of its body), and
a client that sends it back in If-None-Match gets 304 Not Modified, with no body to download.
The tag is weak (W/): it names the answer's content, whether or not it travels compressed.

A plain ASGI middleware: it holds a GET response's body until it is complete (pages and API
answers are small and never streamed), so it can digest it; other requests pass untouched."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ETags"]


def _matches(header: str, tag: str) -> bool:
    # Weak comparison (RFC 9110 13.1.2): W/"x" and "x" match.
    bare = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == bare or part.strip() == "*" for part in header.split(","))


class ETags:
    def __init__(self, app: ASGIApp, skip: tuple[str, ...] = ("/static/",)) -> None:
        self.app = app
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        asked = ""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                asked = value.decode("latin-1")
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"etag"]
            if start.get("status") != 200:
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            # Weak: the same answer may travel compressed or not, and byte-equality is not promised.
            tag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers.append((b"etag", tag.encode()))
            if asked and _matches(asked, tag):
                kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold)
