"""Accounts, sessions, API tokens and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from multitude.api.context import Acting, SignedIn, hosting_of, node_of
from multitude.api.problems import Invalid, NotFound
from multitude.api.routes.responses import ReceiptOut, errors, receipt_out
from multitude.api.views.me import (
    MeOut,
    OpenSession,
    change_password,
    clear_session,
    close_session,
    log_in,
    me_of,
    sessions_of,
    set_session,
    sign_up,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class SignUp(BaseModel):
    name: str = Field(description="login name: 2-32 lower-case letters, digits, '.', '_' or '-'", max_length=64)
    password: str = Field(description="at least 10 characters", max_length=1024)
    display_name: str = Field("", max_length=120, description="the name others see (the login name if empty)")
    secret: str | None = Field(None, max_length=200,
                               description="to host an existing identity: its 32-byte seed in hex")


class AccountOut(BaseModel):
    name: str
    agent: str


class LogIn(BaseModel):
    name: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class SessionOut(BaseModel):
    account: str
    agent: str
    csrf: str = Field(description="send back as X-CSRF-Token on requests that change something")


class ProfileIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    about: str = Field("", max_length=2000)
    skills: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=list, max_length=50)
    location: str = Field("", max_length=120)


class TokenIn(BaseModel):
    label: str = Field(min_length=1, max_length=120)
    days: int = Field(365, ge=1, le=3650)


class TokenOut(BaseModel):
    id: str
    label: str
    created: str
    expires: str


class IssuedToken(TokenOut):
    token: str = Field(description="shown once: keep it; send as `Authorization: Bearer TOKEN`")


@router.post("/accounts", status_code=201, response_model=AccountOut, responses=errors(409, 422))
async def create_account(request: Request, account: SignUp) -> AccountOut:
    """Sign up: a hosted account with a new identity, or hosting an existing one (`secret`)."""
    row, _ = await sign_up(request, account.name, account.password, account.display_name, account.secret)
    return AccountOut(name=row.name, agent=row.agent)


@router.post("/session", response_model=SessionOut, responses=errors(401, 422, 429))
async def create_session(request: Request, response: Response, credentials: LogIn) -> SessionOut:
    """Log in: sets the session cookie (HTTP-only, SameSite=Lax, Secure)."""
    issued = await log_in(request, credentials.name, credentials.password)
    set_session(request, response, issued)
    node = node_of(request)
    agent = hosting_of(request).caller(issued.secret)
    return SessionOut(account=issued.row.account, agent=node.speaking_as(agent.key).agent if agent else "",
                      csrf=issued.row.csrf)


@router.delete("/session", status_code=204, responses=errors(401, 403, 422))
async def end_session(request: Request, caller: Acting) -> Response:
    """Log out: the session is revoked on the node, not only forgotten by the browser. A request
    made with an API token has no session to end (revoke the token itself instead)."""
    if caller.kind != "session":
        raise Invalid("this request carries an API token, not a session; revoke a token with "
                      "DELETE /api/v1/tokens/{id}", "authorization")
    response = Response(status_code=204)
    clear_session(request, response, caller)
    return response


@router.get("/me", response_model=MeOut, responses=errors(401))
async def me(request: Request, caller: SignedIn) -> MeOut:
    """Who I am, my networks, and what needs my attention."""
    return me_of(node_of(request), caller)


@router.put("/me/profile", response_model=ReceiptOut, responses=errors(401, 403, 422))
async def set_profile(request: Request, caller: Acting, profile: ProfileIn) -> ReceiptOut:
    """Publish my profile (a signed event: every node that holds it shows this name)."""
    receipt = node_of(request).speaking_as(caller.key).publish_profile(
        "person", profile.name, profile.about, profile.skills, profile.location)
    return receipt_out(receipt)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024, description="at least 10 characters")


@router.put("/me/password", status_code=204, responses=errors(401, 403, 422, 429))
async def set_password(request: Request, caller: Acting, change: PasswordChange) -> Response:
    """Change my password; every other session and token of mine ends."""
    await change_password(request, caller, change.current_password, change.new_password)
    return Response(status_code=204)


@router.get("/sessions", response_model=list[OpenSession], responses=errors(401))
async def sessions(request: Request, caller: SignedIn) -> list[OpenSession]:
    """My open sessions (the browsers I am logged in from), oldest first."""
    return sessions_of(request, caller)


@router.delete("/sessions/{session_id}", status_code=204, responses=errors(401, 403, 404))
async def delete_session(request: Request, caller: Acting, session_id: str) -> Response:
    """End one of my sessions (a browser I left logged in somewhere)."""
    if not close_session(request, caller, session_id):
        raise NotFound(f"no session {session_id!r} of yours")
    return Response(status_code=204)


def _token_out(row: object) -> TokenOut:
    return TokenOut(id=row.digest[:16], label=row.label, created=row.created, expires=row.expires)  # type: ignore[attr-defined]


@router.get("/tokens", response_model=list[TokenOut], responses=errors(401))
async def tokens(request: Request, caller: SignedIn) -> list[TokenOut]:
    """My API tokens (never their secrets)."""
    return [_token_out(row) for row in hosting_of(request).credentials(caller.account) if row.kind == "token"]


@router.post("/tokens", status_code=201, response_model=IssuedToken, responses=errors(401, 403, 422))
async def create_token(request: Request, caller: Acting, token: TokenIn) -> IssuedToken:
    """A token for scripts: it acts as me until it expires or is revoked."""
    issued = hosting_of(request).issue(caller.account, caller.key, "token", token.label, token.days,
                                       until=caller.expires if caller.kind == "token" else None)
    return IssuedToken(token=issued.secret, **_token_out(issued.row).model_dump())


@router.delete("/tokens/{token_id}", status_code=204, responses=errors(401, 403, 404))
async def revoke_token(request: Request, caller: Acting, token_id: str) -> Response:
    """Revoke one of my tokens: it stops working at once."""
    hosting = hosting_of(request)
    mine = [row for row in hosting.credentials(caller.account) if row.kind == "token" and row.digest[:16] == token_id]
    if not mine or not hosting.revoke(caller.account, mine[0].digest):
        raise NotFound(f"no token {token_id!r} of yours")
    return Response(status_code=204)


