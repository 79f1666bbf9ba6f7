"""Every route checks who is asking. The routes are enumerated from the app itself, so a route
added later is held to the same rules without anyone remembering to list it:

- with no session or token, every route but the few public ones answers 401 (the API) or sends
  the browser to the login page (a page), and stores nothing;
- a person signed in but outside the network answers 403 with a reason on every route, except
  those this file lists as open to anyone signed in (each with why), and stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from api.conftest import Person, Web
from fastapi.routing import APIRoute

from multitude.api.app import ROUTERS

# Routes anyone may call: to get an account or a session, to see that the node is up, and to
# post an event someone signed (the signature is the authority, checked by the rules).
PUBLIC = {
    ("POST", "/api/v1/accounts"), ("POST", "/api/v1/session"), ("GET", "/api/v1/health"),
    ("POST", "/api/v1/events"), ("GET", "/signup"), ("POST", "/signup"), ("GET", "/login"), ("POST", "/login"),
    ("GET", "/"),  # the welcome page when logged out
}

# Routes open to anyone signed in, inside a network or not, and why.
OPEN = {
    ("DELETE", "/api/v1/session"): "one's own session",
    ("POST", "/logout"): "one's own session",
    ("GET", "/api/v1/me"): "one's own account",
    ("GET", "/me"): "one's own account",
    ("PUT", "/api/v1/me/profile"): "one's own profile",
    ("POST", "/me/profile"): "one's own profile",
    ("GET", "/api/v1/tokens"): "one's own tokens",
    ("POST", "/api/v1/tokens"): "one's own tokens",
    ("DELETE", "/api/v1/tokens/{token_id}"): "one's own tokens (another's answers 404)",
    ("POST", "/me/tokens"): "one's own tokens",
    ("POST", "/me/tokens/{token_id}/revoke"): "one's own tokens (another's is left alone)",
    ("PUT", "/api/v1/me/password"): "one's own password",
    ("POST", "/me/password"): "one's own password",
    ("GET", "/api/v1/sessions"): "one's own sessions",
    ("DELETE", "/api/v1/sessions/{session_id}"): "one's own sessions (another's answers 404)",
    ("POST", "/me/sessions/{session_id}/end"): "one's own sessions (another's is left alone)",
    ("GET", "/api/v1/networks"): "finding a network to join",
    ("GET", "/networks"): "finding a network to join",
    ("POST", "/api/v1/networks"): "anyone may start a network",
    ("POST", "/networks"): "anyone may start a network",
    ("GET", "/api/v1/networks/{network}"): "what a network shows the world, to decide to join",
    ("GET", "/n/{network}"): "what a network shows the world, to decide to join",
    ("GET", "/api/v1/networks/{network}/members"): "who is in a network is public to those signed in",
    ("GET", "/api/v1/networks/{network}/equation"): "the value equation in force is public",
    ("GET", "/n/{network}/equation"): "the value equation in force is public",
    ("POST", "/api/v1/networks/{network}/join"): "asking to join is what an outsider does",
    ("POST", "/n/{network}/join"): "asking to join is what an outsider does",
    ("GET", "/api/v1/events"): "filtered to the events the caller may see",
    ("GET", "/events"): "filtered to the events the caller may see",
    ("GET", "/api/v1/verify"): "the log's integrity concerns everyone who relies on it",
    ("GET", "/verify"): "the log's integrity concerns everyone who relies on it",
}

EQUATION = """name = "Shares"
version = 1

[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  value = "hours"
"""


class World:
    """Ana's Lab, with Bo as a member who logged work that Ana validated and was paid for, and a
    proposal of Ana's open for a week; and Zed, who has an account and belongs to nothing."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.ana, self.bo, self.zed = web.person("ana"), web.person("bo"), web.person("zed")
        self.network = self.ana.ok("POST", "/api/v1/networks", json={
            "name": "Lab", "membership": "approval", "currencies": [{"code": "EUR"}],
            "validation": {"policy": "peers"}})["network"]
        api = f"/api/v1/networks/{self.network}"
        self.bo.ok("POST", f"{api}/join", json={"note": "hi"})
        self.ana.ok("POST", f"{api}/members/{self.bo.agent}/approve", json={})
        self.contribution = self.bo.ok("POST", f"{api}/contributions", json={"action": "work", "hours": "2"})["event"]
        self.ana.ok("POST", f"{api}/contributions/{self.contribution}/validate", json={})
        self.ana.ok("POST", f"{api}/equation", json={"document": EQUATION})
        self.income = self.ana.ok("POST", f"{api}/incomes", json={"amount": "100", "currency": "EUR",
                                                                   "source": "grant"})["income"]
        self.distribution = self.ana.ok("POST", f"{api}/incomes/{self.income}/distribute", json={})["distribution"]
        self.proposal = self.ana.ok("POST", f"{api}/proposals", json={
            "title": "Paint the door", "method": "consent", "closes": "+7d"})["proposal"]
        issued = self.ana.ok("POST", "/api/v1/tokens", json={"label": "ana's script"})
        self.token, self.secret = issued["id"], issued["token"]

    def path(self, template: str) -> str:
        return template.format(network=self.network, member=self.bo.agent, contribution=self.contribution,
                               income=self.income, distribution=self.distribution, event=self.contribution,
                               token_id=self.token, role="custodian", proposal=self.proposal,
                               session_id=self.ana.ok("GET", "/api/v1/sessions")[0]["id"])

    def body(self, method: str, template: str, csrf: str) -> dict[str, Any]:
        """A request that would be well formed, so that what answers is the check of who asks."""
        if method in ("GET", "DELETE"):
            return {}
        if not template.startswith("/api/"):
            form = {**FORMS.get(template.rsplit("/", 1)[-1], {}), "csrf": csrf}
            return {"data": {key: self.bo.agent if value == "BO" else value for key, value in form.items()}}
        return {"json": JSON.get(template.rsplit("/", 1)[-1], {})}


JSON: dict[str, dict[str, Any]] = {
    "contributions": {"action": "work", "hours": "1"},
    "flag": {"reason": "not seen"}, "retract": {"reason": "mine?"}, "decline": {"reason": "no"},
    "roles": {"role": "facilitator"}, "equation": {"document": EQUATION}, "check": {"document": EQUATION},
    "preview": {"amount": "10", "currency": "EUR"},
    "incomes": {"amount": "10", "currency": "EUR", "source": "sale"},
    "networks": {"name": "Mine"}, "profile": {"name": "Zed"}, "tokens": {"label": "script"},
    "proposals": {"title": "Mine", "method": "consent", "closes": "+1d"}, "votes": {"position": "consent"},
    "comments": {"text": "hello"}, "amendments": {"title": "Mine now"}, "delegations": {"delegate": "Bo"},
}
FORMS: dict[str, dict[str, Any]] = {
    "log": {"action": "work", "duration": "1h", "hours": "1h"}, "flag": {"reason": "not seen"},
    "decline": {"reason": "no"}, "roles": {"member": "BO", "role": "facilitator"},
    "check": {"document": EQUATION}, "adopt": {"document": EQUATION},
    "preview": {"amount": "10", "currency": "EUR", "document": EQUATION},
    "incomes": {"amount": "10", "currency": "EUR", "source": "sale"}, "networks": {"name": "Mine"},
    "profile": {"name": "Zed"}, "tokens": {"label": "script"},
    "proposals": {"title": "Mine", "method": "consent", "preset": "+1d"}, "votes": {"position": "consent"},
    "comments": {"text": "hello"}, "amendments": {"title": "Mine now"}, "delegations": {"delegate": "BO"},
}


def routes() -> list[tuple[str, str]]:
    found = sorted({(method, route.path) for router in ROUTERS for route in router.routes
                    if isinstance(route, APIRoute) for method in route.methods if method != "HEAD"})
    assert len(found) > 70  # every router is counted
    return found


@pytest.fixture
def world(web: Web) -> World:
    return World(web)


def _ask(world: World, person: Person | None, method: str, template: str) -> tuple[int, str, dict[str, str]]:
    client = person.client if person else world.web.client()
    csrf = person.client.headers.get("x-csrf-token", "") if person else ""
    response = client.request(method, world.path(template), follow_redirects=False,
                              **world.body(method, template, csrf))
    return response.status_code, response.text, dict(response.headers)


def test_every_route_refuses_an_anonymous_caller(world: World) -> None:
    before = world.web.events()
    wrong = []
    for method, template in routes():
        if (method, template) in PUBLIC:
            continue
        status, text, headers = _ask(world, None, method, template)
        if template.startswith("/api/"):
            if status != 401 or "log in first" not in text:
                wrong.append(f"{method} {template}: {status} {text[:120]}")
        elif status != 303 or not headers.get("location", "").startswith("/login"):
            wrong.append(f"{method} {template}: {status}, not sent to the login page")
    assert not wrong, "\n".join(wrong)
    assert world.web.events() == before


def test_every_route_refuses_someone_outside_the_network(world: World) -> None:
    before = world.web.events()
    wrong = []
    for method, template in routes():
        if (method, template) in PUBLIC or (method, template) in OPEN:
            continue
        status, text, _ = _ask(world, world.zed, method, template)
        if status != 403:
            wrong.append(f"{method} {template}: {status} {text[:160]}")
    assert not wrong, "\n".join(wrong)
    assert world.web.events() == before


def test_the_lists_of_exceptions_name_only_routes_that_exist() -> None:
    existing = set(routes())
    assert set(PUBLIC) <= existing and set(OPEN) <= existing
