"""`multitude serve`: the node's main job, serving the web app and the JSON API."""

from __future__ import annotations

import gc
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from multitude.cli.context import console, fail, opened

if TYPE_CHECKING:
    from multitude.node import Node

__all__ = ["DEMO_PASSWORD", "register"]

DEMO_PASSWORD = "multitude-demo"


def _demo_accounts(node: Node) -> None:
    """A hosted account for each person of the demo, so one can log in as any of them."""
    from multitude.api.hosting import Hosting
    from multitude.api.views.me import link_device
    from multitude.demo import CAST, demo_key

    hosting = Hosting(node.store)
    for person in CAST:
        if hosting.account(person.handle) is None:
            row, key = hosting.new_account(person.handle, DEMO_PASSWORD, demo_key(person.handle).public)
            hosting.add(row)
            link_device(node, demo_key(person.handle), key, "web node")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise fail(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one, printed).")] = 8000,
    demo: Annotated[bool, typer.Option(help="Serve the demo: load it into this (demo) home, with an account "
                                             "for each of its people.")] = False,
    insecure_cookies: Annotated[bool, typer.Option(help="Send the session cookie over plain HTTP too (a camp's "
                                                        "own network without TLS). Off: HTTPS or loopback only.")]
    = False,
    tls_cert: Annotated[str | None, typer.Option(help="Serve HTTPS with this certificate (PEM).")] = None,
    tls_key: Annotated[str | None, typer.Option(help="… and this private key (PEM).")] = None,
) -> None:
    """Serve the web app and the JSON API (/api/v1) of this node until interrupted."""
    import uvicorn

    from multitude.api import create_app

    if demo:
        from multitude.cli.demo import demo_home, load_once

        demo_home(ctx, fresh=False)
    if (tls_cert is None) != (tls_key is None):
        raise fail("--tls-cert and --tls-key go together")
    loopback = host in ("127.0.0.1", "::1", "localhost")
    if not loopback and tls_cert is None and not insecure_cookies:
        # Browsers keep Secure cookies over plain HTTP only for localhost: nobody could log in.
        raise fail(f"serving {host} over plain HTTP: give --tls-cert and --tls-key, or --insecure-cookies "
                   "on a trusted network of your own (anyone on it can then read sessions)")
    with opened(ctx) as node:
        if demo:
            load_once(node)
            _demo_accounts(node)
        app = create_app(node, secure_cookies=not insecure_cookies)
        # What is loaded now lives as long as the server: keep it out of the collector's full
        # passes, which would otherwise pause every request for tens of milliseconds.
        gc.collect()
        gc.freeze()
        sock = _bind(host, port)
        bound_port = sock.getsockname()[1]
        scheme = "https" if tls_cert else "http"
        if loopback:
            shown = "localhost"
        elif host in ("0.0.0.0", "::"):  # every interface: name the machine, which others can reach
            shown = socket.gethostname()
        else:
            shown = f"[{host}]" if ":" in host else host
        address = f"{scheme}://{shown}:{bound_port}/"
        config = uvicorn.Config(app, log_level="warning", ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                                server_header=False, access_log=False, timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        console.print(f"[bold]Multitude[/] is serving {node.counts()['events']} events from {node.store.url}")
        if demo:
            console.print(f"Log in as any of the demo's people (ana, bilal, chen, ivo, lena, …) "
                          f"with the password [bold]{DEMO_PASSWORD}[/].")
        console.print(f"Open {address} (Ctrl-C stops the node)", soft_wrap=True)
        console.file.flush()
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()


def register(app: typer.Typer) -> None:
    app.command()(serve)
