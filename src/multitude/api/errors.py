"""How errors reach a client: one shape for the API, one page for people, never a trace.

- Problem (and the node's own errors: Refused is a 403 with the rule's reason, NodeError a 422
  with what is wrong) carry their message;
- a request that does not match the declared shape is a 422 naming each field;
- anything else is logged here and answered with a plain 500 that says nothing of the code.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from multitude.api.problems import Problem, TooManyAttempts
from multitude.errors import NodeError, Refused

__all__ = ["install_error_handlers", "wants_json"]

log = logging.getLogger("multitude.api")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(location[-1] if location else "request")


def _respond(request: Request, status: int, message: str, field: str | None = None,
             fields: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        error: dict[str, Any] = {"status": status, "message": message}
        if field:
            error["field"] = field
        if fields:
            error["fields"] = fields
        return JSONResponse({"error": error}, status_code=status, headers=headers)
    from multitude.api.templating import render_error  # pages load templates only when needed

    return render_error(request, status, message, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, error: Problem) -> Response:
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else None
        if error.status == 401 and not wants_json(request):
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            headers = {"Location": "/login?" + urlencode({"next": here})}
            return Response(status_code=303, headers=headers)
        return _respond(request, error.status, error.message, error.field, headers=headers)

    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> Response:
        return _respond(request, 403, str(error))

    @app.exception_handler(NodeError)
    async def node_error(request: Request, error: NodeError) -> Response:
        return _respond(request, 422, str(error))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> Response:
        fields = [{"field": _field(tuple(item.get("loc", ()))), "message": str(item.get("msg", "is not valid"))}
                  for item in error.errors()]
        first = fields[0] if fields else {"field": "request", "message": "is not valid"}
        message = "; ".join(f"{item['field']}: {item['message']}" for item in fields) or "the request is not valid"
        return _respond(request, 422, message, first["field"], fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        messages = {404: "there is nothing at this address", 405: "this address does not take that method"}
        return _respond(request, error.status_code, messages.get(error.status_code, str(error.detail)),
                        headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "the node met an unexpected error; it is logged on the server")


