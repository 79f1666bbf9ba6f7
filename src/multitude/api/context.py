"""What a request stands on: the node, the hosted accounts, and who is calling.

A caller is known by an API token (`Authorization: Bearer …`) or by the session cookie. Unsafe
requests made with the cookie must carry the session's CSRF token (the `csrf` form field, or
the `X-CSRF-Token` header): another site can make a browser send the cookie, not read the token.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from multitude.api.access import network_or_404, require_insider
from multitude.api.hosting import Caller, Hosting
from multitude.api.problems import Forbidden, Unauthenticated
from multitude.api.throttle import LoginThrottle
from multitude.api.writer import Writer
from multitude.domain.state import NetworkRow
from multitude.node import Node

__all__ = [
    "COOKIE",
    "Acting",
    "Anyone",
    "SignedIn",
    "acting",
    "caller_of",
    "hosting_of",
    "insider",
    "node_of",
    "signed_in",
    "throttle_of",
    "writer_of",
]

COOKIE = "multitude_session"
CSRF_HEADER = "x-csrf-token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def node_of(request: Request) -> Node:
    """The node, caught up once per request with what other processes wrote to its store."""
    node: Node = request.app.state.node
    state = request.scope.setdefault("state", {})
    if "caught_up" not in state:
        node.catch_up()
        state["caught_up"] = True
    return node


def writer_of(request: Request) -> Writer:
    writer: Writer = request.app.state.writer
    return writer


def hosting_of(request: Request) -> Hosting:
    hosting: Hosting = request.app.state.hosting
    return hosting


def throttle_of(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.throttle
    return throttle


def _secret(request: Request) -> tuple[str | None, str]:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), "token"
    return request.cookies.get(COOKIE), "session"


def caller_of(request: Request) -> Caller | None:
    """The caller, or None for an anonymous request (looked up once per request)."""
    if "caller" not in request.scope.setdefault("state", {}):
        secret, carried = _secret(request)
        found = hosting_of(request).caller(secret) if secret else None
        if found is not None and found.kind != carried:
            found = None  # a token in a cookie, or a session in a header, is not accepted
        request.state.caller = found
    caller: Caller | None = request.state.caller
    return caller


async def signed_in(request: Request) -> Caller:
    caller = caller_of(request)
    if caller is None:
        raise Unauthenticated("log in first, or send an API token as `Authorization: Bearer TOKEN`")
    return caller


async def acting(request: Request) -> Caller:
    """A signed-in caller allowed to change something: with the CSRF token when by cookie."""
    caller = await signed_in(request)
    if caller.kind == "session" and request.method not in _SAFE:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get("csrf")
            sent = value if isinstance(value, str) else None
        if not sent or not hmac.compare_digest(sent, caller.csrf):
            raise Forbidden("this form has expired or did not come from this site; reload the page and try again")
    return caller


async def optional_caller(request: Request) -> Caller | None:
    # async: a plain def would run in FastAPI's thread pool, off the loop that owns the node.
    return caller_of(request)


Anyone = Annotated[Caller | None, Depends(optional_caller)]
SignedIn = Annotated[Caller, Depends(signed_in)]
Acting = Annotated[Caller, Depends(acting)]


def insider(request: Request, caller: Caller, network: str,
            what: str = "contributions") -> tuple[Node, NetworkRow, str]:
    """The node, the network and the caller's agent, when the caller may see the network's `what`
    (404 for no such network, 403 for an outsider)."""
    node = node_of(request)
    row = network_or_404(node, network)
    agent = node.speaking_as(caller.key).agent
    require_insider(node, row, agent, what)
    return node, row, agent
