"""The privacy centre: a person's own page (``/privacy``) and the API call a partner's
backend makes to send them there (``POST /v1/privacy-centre/tokens``, scope ``consent``).

The flow (service: :mod:`crossplay.web.privacy_centre`):

1. the partner's backend asks for a link for one of its users, named as the consent
   routes name them (``user_id``, pseudonymised at the edge with the caller's secret, or
   a ``user_key`` crossplay holds for the caller); it gets ``/privacy?token=…``, valid
   ``privacy_token_minutes``;
2. the person opens it: the server checks the token, sets the signed session cookie
   ``cp_privacy`` (``HttpOnly``, ``SameSite=Strict``, path ``/privacy``, as long as the
   link had left) and answers a short page that moves on to ``/privacy`` at once
   (``Refresh``) — not a 30x: the link is opened from the partner's app, another site,
   and a browser withholds a ``Strict`` cookie on every request of a navigation another
   site started, redirects included; the refresh is a navigation of this site's own page;
   the token leaves the address bar either way;
3. ``/privacy`` shows the person's link to the other partner's account (whether, since
   when, how) and their consent per purpose, with one small form per purpose and one to
   erase their data. Every form carries the session's CSRF nonce; a POST without it (or
   with another) is refused with 403 before anything runs.

Every answer of the HTML routes is an HTML page in the person's language (``?lang=``,
``cp_lang``, ``Accept-Language``), also when the link is bad or expired (401), a form is
refused (403) or something fails (500, with a reference): never problem+json. They are
not in the OpenAPI document. See docs/dashboard/privacy-centre.md.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import AliasChoices, BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from crossplay.api.auth import Caller, require
from crossplay.api.context import context_of
from crossplay.api.problems import problem_responses
from crossplay.api.users import MAX_NATIVE_ID, UserRef, own_user
from crossplay.cli.i18n import Messages
from crossplay.core.settings import Settings
from crossplay.core.types import Lang, Partner
from crossplay.privacy.policy import Purpose
from crossplay.web import messages, messages_privacy_centre  # noqa: F401  (their texts)
from crossplay.web import privacy_centre as centre
from crossplay.web.render import SECURITY_HEADERS, render
from crossplay.web.session import request_language, write_language

#: where the docs list this area (see :func:`crossplay.api.app.route_modules`)
ORDER = 65

log = logging.getLogger(__name__)
router = APIRouter()
P = "web.privacy_centre."
TEMPLATE = "privacy_centre.html"
#: most fields a privacy-centre form may send (it sends three)
MAX_FIELDS = 16


# --- the API: a link for one of the caller's users ------------------------------------

class PrivacyLinkRequest(UserRef):
    """The user (exactly one of ``user_id`` — ``user`` is accepted for it — or
    ``user_key``) and the page's first language."""

    user_id: str | None = Field(default=None, min_length=1, max_length=MAX_NATIVE_ID,
                                validation_alias=AliasChoices("user_id", "user"),
                                description="the user's id on the calling partner's "
                                            "platform (pseudonymised at the edge; `user` "
                                            "is accepted as another name of this field)",
                                examples=["u_10001"])
    lang: Literal["en", "zh-CN"] | None = Field(
        default=None, description="the page's language when it opens (the person can "
                                  "switch; default: their browser's)")


class PrivacyLinkOut(BaseModel):
    token: str = Field(description="the signed token (opaque; it holds no native id)")
    url: str = Field(description="where to send the person: this server's `/privacy` "
                                 "with the token, relative to the API's base URL")
    expires_at: str = Field(description="when the link stops working (UTC, ISO 8601); "
                                        "the page's session ends then too")


_LINK_EXAMPLE = {"token": "eyJwIjoia25vd2xlZGdlIiwidSI6IjNmMWMuLi4ifQ.Z8Jx0A.s1gn4tur3",
                 "url": "/privacy?token=eyJwIjoia25vd2xlZGdlIiwidSI6IjNmMWMuLi4ifQ.Z8Jx0A."
                        "s1gn4tur3&lang=zh-CN",
                 "expires_at": "2026-03-01T09:45:00+00:00"}


@router.post("/v1/privacy-centre/tokens", status_code=201, response_model=PrivacyLinkOut,
             tags=["privacy centre"], summary="A privacy-centre link for one of your users",
             description="A short-lived link (`privacy_token_minutes`, 15 by default) that "
                         "opens the privacy centre for this user: their link to the other "
                         "partner's account, their consent per purpose with switches, and "
                         "erasure. Hand it to the signed-in user (e.g. open `url` on this "
                         "server's host in their app's browser). The token holds the user's "
                         "pseudonymous key, never the native id; it is signed, valid for "
                         "this user of this partner only, and ends with an erasure of the "
                         "user. Issuing it is audited.",
             responses={**problem_responses(404),
                        201: {"content": {"application/json": {"example": _LINK_EXAMPLE}}}})
def post_privacy_link(body: PrivacyLinkRequest,
                      caller: Caller = Depends(require("consent"))) -> dict[str, Any]:
    # the consent routes' own check (one rule for every consent-scope operation)
    key = own_user(caller, body.user_id, body.user_key)
    link = centre.issue_link(caller.settings, caller.partner, key,
                             actor=f"api:{caller.partner}:{caller.key.key_id}",
                             lang=body.lang)
    return {"token": link.token, "url": link.url, "expires_at": link.expires_at.isoformat()}


# --- the page ----------------------------------------------------------------------------

def _settings(request: Request) -> Settings:
    return context_of(request).settings


def _other(partner: Partner) -> Partner:
    return "game" if partner == "knowledge" else "knowledge"


def _html(lang: Lang, state: str, *, status: int = 200, flash: str | None = None,
          flash_kind: str = "ok", **context: Any) -> Response:
    msg = Messages(lang)
    other_lang = "en" if lang == "zh-CN" else "zh-CN"
    return render(TEMPLATE, lang, {
        "title": msg(P + "title"), "lang_url": f"{centre.PAGE_PATH}?lang={other_lang}",
        "nav": [], "viewer": None, "flash": flash, "flash_kind": flash_kind,
        "state": state, **context}, status=status)


def _error(lang: Lang, status: int, key: str, **params: Any) -> Response:
    msg = Messages(lang)
    return _html(lang, "error", status=status, heading=msg(f"{P}error.{status}"),
                 message=msg(P + key, **params), back=status in (400, 500))


def _set_cookie(response: Response, request: Request, settings: Settings,
                session: centre.PersonSession) -> None:
    response.set_cookie(centre.COOKIE, centre.session_cookie(settings, session),
                        max_age=max(1, session.remaining_s()), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https",
                        path=centre.COOKIE_PATH)


def _end_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(centre.COOKIE, path=centre.COOKIE_PATH, httponly=True,
                           samesite="strict", secure=request.url.scheme == "https")


def _crash(lang: Lang, request: Request, exc: Exception) -> Response:
    ref = secrets.token_hex(4)
    log.error("privacy centre: internal error %s on %s %s", ref, request.method,
              request.url.path, exc_info=exc)
    return _error(lang, 500, "error.internal", ref=ref)


def _day(value: Any) -> str | None:
    return None if value is None else value.date().isoformat()


def _centre_context(msg: Messages, session: centre.PersonSession,
                    seen: centre.Overview) -> dict[str, Any]:
    """What the page shows, as texts in the person's language (no key, no handle)."""
    partner = msg(P + "partner." + session.partner)
    other = msg(P + "partner." + _other(session.partner))
    links = []
    for link in seen.links:
        known = link.method in ("binding", "psi")
        method = (msg(P + "method." + link.method) if known
                  else msg(P + "method.other", method=link.method))
        since = _day(link.linked_at) or msg(P + "links.since_unknown")
        text = (msg(P + "links.active", other=other, since=since, method=method)
                if link.active else
                msg(P + "links.ended", other=other, since=since, method=method,
                    ended=_day(link.revoked_at)))
        links.append({"active": link.active, "text": text})
    purposes = []
    for purpose, state in seen.consent.items():
        day = _day(state.decided_at)
        if state.granted is None:
            decision = msg(P + ("decided.none_on" if state.allowed else "decided.none_off"))
        else:
            decision = msg(P + ("decided.granted" if state.granted else "decided.refused"),
                           date=day)
        purposes.append({"name": purpose.value, "label": msg(P + "purpose." + purpose.value),
                         "explain": msg(P + "purpose." + purpose.value + ".explain"),
                         "on": state.allowed, "decision": decision})
    return {"intro": msg(P + "intro", partner=partner, other=other),
            "partner_name": partner, "other_name": other, "linked": seen.linked,
            "links": links, "purposes": purposes, "csrf": session.csrf,
            "session_ends": msg(P + "session_ends",
                                time=session.expires_at.strftime("%Y-%m-%d %H:%M"))}


async def _centre(request: Request, lang: Lang, session: centre.PersonSession, *,
                  status: int = 200, flash: str | None = None, flash_kind: str = "ok",
                  saved: str | None = None) -> Response:
    seen = await run_in_threadpool(centre.overview, _settings(request), session)
    msg = Messages(lang)
    if saved is not None:
        state = seen.consent[Purpose(saved)]
        flash = msg(P + "saved", purpose=msg(P + "purpose." + saved),
                    state=msg(P + ("state.on" if state.allowed else "state.off")))
    return _html(lang, "centre", status=status, flash=flash, flash_kind=flash_kind,
                 **_centre_context(msg, session, seen))


async def _show(request: Request, lang: Lang) -> Response:
    settings = _settings(request)
    token = request.query_params.get("token")
    if token is not None:
        opened = await run_in_threadpool(centre.open_link, settings, token)
        if opened is None:
            return _error(lang, 401, "error.link")
        response = _html(lang, "continue", target=centre.PAGE_PATH)
        response.headers["Refresh"] = f"0; url={centre.PAGE_PATH}"
        _set_cookie(response, request, settings, opened)
        return response
    session = await run_in_threadpool(centre.read_session, settings,
                                      request.cookies.get(centre.COOKIE))
    if session is None:
        response = _error(lang, 401, "error.session")
        if centre.COOKIE in request.cookies:
            _end_cookie(response, request)
        return response
    saved = request.query_params.get("saved")
    return await _centre(request, lang, session,
                         saved=saved if saved in {p.value for p in Purpose} else None)


@router.get(centre.PAGE_PATH, include_in_schema=False)
async def privacy_page(request: Request) -> Response:
    lang, chosen = request_language(request)
    try:
        response = await _show(request, lang)
    except Exception as exc:  # an HTML page, never a stack trace nor problem+json
        response = _crash(lang, request, exc)
    if chosen:
        write_language(response, lang)
    return response


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


async def _checked_form(request: Request, lang: Lang
                        ) -> tuple[centre.PersonSession, FormData] | Response:
    """The session and form of a POST, or the page refusing it (nothing has run)."""
    try:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except Exception:  # malformed body, too many fields, a file
        return _error(lang, 400, "error.form")
    session = await run_in_threadpool(centre.read_session, _settings(request),
                                      request.cookies.get(centre.COOKIE))
    if session is None:
        return _error(lang, 401, "error.session")
    if not centre.csrf_ok(session, _field(form, "csrf_token")):
        return _error(lang, 403, "error.csrf")
    return session, form


def _see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303, headers=SECURITY_HEADERS)


async def _consent(request: Request, lang: Lang) -> Response:
    checked = await _checked_form(request, lang)
    if isinstance(checked, Response):
        return checked
    session, form = checked
    purpose, granted = _field(form, "purpose"), _field(form, "granted")
    if purpose not in {p.value for p in Purpose}:
        return _error(lang, 400, "error.purpose", purpose=(purpose or "")[:40])
    if granted not in ("true", "false"):
        return _error(lang, 400, "error.form")
    await run_in_threadpool(centre.change_consent, _settings(request), session, purpose,
                            granted == "true")
    return _see_other(f"{centre.PAGE_PATH}?saved={purpose}")


@router.post(centre.PAGE_PATH + "/consent", include_in_schema=False)
async def privacy_consent(request: Request) -> Response:
    lang, _ = request_language(request)
    try:
        return await _consent(request, lang)
    except Exception as exc:
        return _crash(lang, request, exc)


async def _erase(request: Request, lang: Lang) -> Response:
    checked = await _checked_form(request, lang)
    if isinstance(checked, Response):
        return checked
    session, form = checked
    msg = Messages(lang)
    if _field(form, "confirm") != "yes":
        return await _centre(request, lang, session, status=400, flash_kind="warn",
                             flash=msg(P + "erase.need_confirm"))
    done = await run_in_threadpool(centre.erase, _settings(request), session)
    response = _html(lang, "erased", found=done.report.found, request_id=done.request,
                     counts=[msg(P + "erased.lake", n=done.lake_rows),
                             msg(P + "erased.db", n=done.db_rows),
                             msg(P + "erased.derived", n=done.derived_rows),
                             msg(P + "erased.links", n=done.report.person_ids)])
    _end_cookie(response, request)
    return response


@router.post(centre.PAGE_PATH + "/erase", include_in_schema=False)
async def privacy_erase(request: Request) -> Response:
    lang, _ = request_language(request)
    try:
        return await _erase(request, lang)
    except Exception as exc:
        return _crash(lang, request, exc)
