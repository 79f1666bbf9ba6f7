"""Pages to sign up, log in and out, and see and edit one's profile, identity and API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from multitude.api.context import Acting, SignedIn, hosting_of, node_of
from multitude.api.hosting import Caller
from multitude.api.pages.forms import check_form_token, form_token, keep_form_token, see_other
from multitude.api.problems import Problem
from multitude.api.templating import render
from multitude.api.views.me import (
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

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: a login link must not send anyone elsewhere afterwards.
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _form(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    token = form_token(request)
    response = render(request, template, status=status, form_token=token, **context)
    keep_form_token(request, response, token)
    return response


@router.get("/signup")
async def signup_page(request: Request) -> HTMLResponse:
    return _form(request, "signup.html", values={})


@router.post("/signup")
async def signup(request: Request, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                 display_name: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = "",
                 form_token: Annotated[str, Form()] = "") -> Response:
    check_form_token(request, form_token)
    values = {"name": name, "display_name": display_name}
    try:
        row, key = await sign_up(request, name.strip(), password, display_name, secret or None)
        issued = hosting_of(request).issue(row.name, key, "session", request.headers.get("user-agent", "")[:120])
    except Problem as problem:
        return _form(request, "signup.html", status=problem.status, error=problem.message, field=problem.field,
                     values=values)
    response = see_other("/")
    set_session(request, response, issued)
    return response


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return _form(request, "login.html", next=_safe_next(next), values={})


@router.post("/login")
async def login(request: Request, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/", form_token: Annotated[str, Form()] = "") -> Response:
    check_form_token(request, form_token)
    try:
        issued = await log_in(request, name.strip(), password)
    except Problem as problem:
        return _form(request, "login.html", status=problem.status, error=problem.message, next=_safe_next(next),
                     values={"name": name})
    response = see_other(_safe_next(next))
    set_session(request, response, issued)
    return response


@router.post("/logout")
async def logout(request: Request, caller: Acting) -> Response:
    response = see_other("/login")
    clear_session(request, response, caller)
    return response


def _me(request: Request, caller: Caller, status: int = 200, **context: Any) -> HTMLResponse:
    me = me_of(node_of(request), caller)
    tokens = [row for row in hosting_of(request).credentials(caller.account) if row.kind == "token"]
    context.setdefault("new_token", None)
    return render(request, "me.html", status=status, json_url="/api/v1/me", profile=me, tokens=tokens,
                  sessions=sessions_of(request, caller), **context)


@router.get("/me")
async def me_page(request: Request, caller: SignedIn) -> HTMLResponse:
    return _me(request, caller)


@router.post("/me/password")
async def new_password(request: Request, caller: Acting, current_password: Annotated[str, Form()] = "",
                       new_password: Annotated[str, Form()] = "") -> Response:
    try:
        await change_password(request, caller, current_password, new_password)
    except Problem as problem:
        return _me(request, caller, status=problem.status, password_error=problem.message,
                   password_field=problem.field)
    return _me(request, caller, notice="Your password is changed; your other sessions and tokens have ended.")


@router.post("/me/sessions/{session_id}/end")
async def end_other_session(request: Request, caller: Acting, session_id: str) -> Response:
    close_session(request, caller, session_id)
    return see_other("/me#sessions")


@router.post("/me/profile")
async def save_profile(request: Request, caller: Acting, name: Annotated[str, Form()] = "",
                       about: Annotated[str, Form()] = "", skills: Annotated[str, Form()] = "",
                       location: Annotated[str, Form()] = "") -> Response:
    listed = [skill.strip() for skill in skills.split(",") if skill.strip()]
    node_of(request).speaking_as(caller.key).publish_profile("person", name.strip() or caller.account, about.strip(),
                                                           listed, location.strip())
    return see_other("/me")


@router.post("/me/tokens")
async def new_token(request: Request, caller: Acting, label: Annotated[str, Form()] = "script") -> HTMLResponse:
    issued = hosting_of(request).issue(caller.account, caller.key, "token", label.strip()[:120] or "script", 365)
    # Shown once, on this answer only: it is never stored in the clear, nor put in an address.
    return _me(request, caller, new_token=issued.secret, headers={"Cache-Control": "no-store"})


@router.post("/me/tokens/{token_id}/revoke")
async def revoke_token(request: Request, caller: Acting, token_id: str) -> Response:
    hosting = hosting_of(request)
    for row in hosting.credentials(caller.account):
        if row.kind == "token" and row.digest[:16] == token_id:
            hosting.revoke(caller.account, row.digest)
    return see_other("/me")
