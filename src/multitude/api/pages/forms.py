"""Forms before login (sign up, log in) are guarded against cross-site posting by a double-
submitted token: a random value in a cookie and the same value in the form; another site can
make a browser post the form but cannot read the cookie to fill it in. After login, the
session's own CSRF token does this job (see context.acting)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from multitude.api.problems import Forbidden

__all__ = ["FORM_COOKIE", "check_form_token", "form_token", "keep_form_token", "see_other"]

FORM_COOKIE = "multitude_form"


def form_token(request: Request) -> str:
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def keep_form_token(request: Request, response: Response, token: str) -> Response:
    if request.cookies.get(FORM_COOKIE) != token:
        response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=bool(request.app.state.secure_cookies))
    return response


def check_form_token(request: Request, sent: str) -> None:
    kept = request.cookies.get(FORM_COOKIE, "")
    if not kept or not hmac.compare_digest(kept, sent):
        raise Forbidden("this form has expired or did not come from this site; reload the page and try again")


def see_other(url: str) -> RedirectResponse:
    """After a form is handled, go to a page (POST, then redirect, then GET: reloading is harmless)."""
    return RedirectResponse(url, status_code=303)
