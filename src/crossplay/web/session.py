"""Who is at the console: the signed session cookie, its CSRF token, the language.

The cookie ``cp_session`` is signed (:mod:`crossplay.web.signing`), ``HttpOnly``,
``SameSite=Lax`` and ``Secure`` when the console is served over TLS. It holds the
operator's id, the operator's *session epoch* (a password change or a disable bumps it, so
every older cookie stops working at its next request) and a random CSRF nonce; anonymous
visitors get one too (without an operator), so that the login form is protected as well.

CSRF: every form carries the nonce as ``csrf_token``; a POST whose token does not match
the cookie's nonce is refused (403) before anything runs. A page on another site cannot
read the HttpOnly cookie, so it cannot send the token; ``SameSite=Lax`` keeps the cookie
off its cross-site POSTs in the first place.

The language: ``?lang=zh-CN|en`` switches it and is remembered in ``cp_lang``; otherwise
``Accept-Language`` decides (zh* → zh-CN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from crossplay.core.settings import Settings
from crossplay.core.types import Lang
from crossplay.web import signing

COOKIE = "cp_session"
LANG_COOKIE = "cp_lang"
PURPOSE = "console-session"


@dataclass(frozen=True)
class Session:
    operator_id: str | None
    epoch: int
    csrf: str
    #: the cookie must be (re)sent with the response
    fresh: bool = False


def read_session(request: Request, settings: Settings) -> Session:
    value = signing.unsign(settings, PURPOSE, request.cookies.get(COOKIE),
                           settings.web_session_hours * 3600)
    if isinstance(value, dict) and isinstance(value.get("c"), str):
        op = value.get("o")
        return Session(op if isinstance(op, str) else None, int(value.get("e") or 0),
                       value["c"])
    return Session(None, 0, signing.nonce(), fresh=True)


def new_session(operator_id: str | None, epoch: int) -> Session:
    """A new session (new nonce): at login and logout, so a token seen before is void."""
    return Session(operator_id, epoch, signing.nonce(), fresh=True)


def write_session(response: Response, request: Request, settings: Settings,
                  session: Session) -> None:
    token = signing.sign(settings, PURPOSE, {"o": session.operator_id, "e": session.epoch,
                                              "c": session.csrf})
    response.set_cookie(COOKIE, token, max_age=int(settings.web_session_hours * 3600),
                        httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/")


def csrf_ok(session: Session, form: dict[str, Any]) -> bool:
    token = form.get("csrf_token")
    return not session.fresh and signing.same(session.csrf,
                                              token if isinstance(token, str) else None)


def request_language(request: Request) -> tuple[Lang, bool]:
    """(the language, whether ``?lang=`` chose it and the cookie must be set)."""
    asked = request.query_params.get("lang")
    if asked in ("en", "zh-CN"):
        return asked, True  # type: ignore[return-value]
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in ("en", "zh-CN"):
        return cookie, False  # type: ignore[return-value]
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return ("zh-CN" if first.startswith("zh") else "en"), False


def write_language(response: Response, lang: Lang) -> None:
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                        samesite="lax", path="/")
