"""Server-rendered pages: the Jinja2 environment (autoescaped), the helpers templates use, and
`render`, which gives every page the caller, their CSRF token and the address of the page's
JSON counterpart."""

from __future__ import annotations

import html
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from multitude.api.context import caller_of, node_of
from multitude.domain.networks.rules import charter_of
from multitude.node import Node

__all__ = ["chart", "render", "render_error", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _short(value: str | None, length: int = 10) -> str:
    return (value or "")[:length]


@pass_context
def _money(context: Context, value: Any, currency: str | None = None) -> str:
    """An amount with thousands separators, and with its currency's decimals when it is named."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    places = context.get("decimals", {}).get(currency) if currency else None
    if places is not None and -number.as_tuple().exponent <= places:  # type: ignore[operator]
        number = number.quantize(Decimal(1).scaleb(-places))
    return f"{number:,}"


_decimals_seen: WeakKeyDictionary[Node, tuple[str | None, dict[str, int]]] = WeakKeyDictionary()


def _decimals(node: Node) -> dict[str, int]:
    """Each currency's decimals, as the networks' charters give them (the most when they differ);
    read again only when the projection changed."""
    version = node.projector.version
    kept = _decimals_seen.get(node)
    if kept is not None and kept[0] == version:
        return kept[1]
    found: dict[str, int] = {}
    for row in node.networks():
        for currency in charter_of(row).currencies:
            found[currency.code] = max(found.get(currency.code, 0), currency.decimals)
    _decimals_seen[node] = (version, found)
    return found


def _plain(value: Any) -> Any:
    """Every text of a figure with <, > and & escaped: Plotly draws the tags it finds in labels
    (links, styles), and names come from anyone who signs a profile or creates a network."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def chart(figure: dict[str, Any], label: str) -> Markup:
    """A chart drawn in the browser by Plotly (served by this node) from `figure`, with `label`
    read by screen readers; templates put a table of the same figures beside it."""
    data = json.dumps(_plain(figure), separators=(",", ":"), default=str)
    return Markup('<div class="chart" role="img" aria-label="{}" data-figure="{}"></div>').format(label, data)


templates.env.filters["short"] = _short
templates.env.filters["money"] = _money
templates.env.globals["chart"] = chart


def render(request: Request, template: str, status: int = 200, json_url: str | None = None,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    caller = caller_of(request)
    me = None
    if caller is not None:
        node = node_of(request).speaking_as(caller.key)
        me = {"account": caller.account, "agent": node.agent, "name": node.name_of(node.agent)}
    return templates.TemplateResponse(
        request, template, {"caller": caller, "me": me, "csrf": caller.csrf if caller else "",
                            "json_url": json_url, "decimals": _decimals(node_of(request)), **context},
        status_code=status, headers=headers,
    )


def render_error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, headers=headers, status_code=status, message=message)
