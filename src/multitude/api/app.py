"""The node's HTTP face: the JSON API under /api/v1 (described by OpenAPI at
/api/v1/openapi.json) and the web pages, both over one Node.

Requests are served on one event loop and the node is called from it directly: the node (one
store connection, one in-memory projection) is used by one request at a time, which is also how
its single writer works. Only slow work that does not touch the node (password hashing) leaves
the loop for a thread.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from multitude import __version__
from multitude.api.errors import install_error_handlers
from multitude.api.etags import ETags
from multitude.api.headers import SecurityHeaders
from multitude.api.hosting import Hosting
from multitude.api.pages import accounts as account_pages
from multitude.api.pages import assemblies as assembly_pages
from multitude.api.pages import contributions as contribution_pages
from multitude.api.pages import equations as equation_pages
from multitude.api.pages import events as event_pages
from multitude.api.pages import money as money_pages
from multitude.api.pages import networks as network_pages
from multitude.api.routes import accounts, assemblies, contributions, equations, incomes, networks
from multitude.api.routes import events as event_routes
from multitude.api.throttle import LoginThrottle
from multitude.api.writer import Writer
from multitude.node import Node

__all__ = ["create_app"]

_STATIC = Path(__file__).parent / "static"
_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

ROUTERS = (
    accounts.router,
    networks.router,
    contributions.router,
    account_pages.router,
    network_pages.router,
    contribution_pages.router,
    event_routes.router,
    event_pages.router,
    equations.router,
    incomes.router,
    equation_pages.router,
    money_pages.router,
    assemblies.router,
    assembly_pages.router,
)


def create_app(node: Node, *, secure_cookies: bool = True, throttle: LoginThrottle | None = None,
               verify_every: float = 10.0) -> FastAPI:
    """The ASGI application serving `node`. `secure_cookies=False` only for plain HTTP on a
    trusted local network: browsers then send the session cookie unencrypted. Verification
    refolds the whole log; it runs at most once every `verify_every` seconds."""
    app = FastAPI(
        title="Multitude",
        version=__version__,
        summary="The open back office of self-organising networks: a signed event log, networks, "
        "contribution accounting and fair redistribution.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive docs load scripts from the internet; the description is enough
        redoc_url=None,
    )
    app.state.node = node
    app.state.hosting = Hosting(node.store)
    app.state.throttle = throttle or LoginThrottle()
    app.state.secure_cookies = secure_cookies
    app.state.verify_every = verify_every
    app.state.writer = Writer(node)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        return FileResponse(_PLOTLY, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.add_middleware(ETags)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    return app
