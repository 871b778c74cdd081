"""The operators' console (issue: the dashboard), on the API's app: thin handlers over
:mod:`crossplay.web`.

- ``GET /`` → the first page (or the login); ``GET|POST /login``, ``POST /logout``;
- ``GET /dash/<slug>`` a page, with its filter bar's query parameters; ``?format=json``
  the page as JSON; ``?download=<table>.csv`` one of its tables;
- ``POST /dash/<slug>/action/<name>`` a page's form action (CSRF token, role checked);
- ``/static/web/…`` the console's CSS and script, and the plotly.js that the installed
  plotly package ships (never a CDN).

Order of checks on every page: a valid session (else → login), the page's role, the
partner scope (a partner-scoped operator asking for the other partner → 403), the filters
(bad → 400), then the page (from the cache while its data signature holds). Every error is
an HTML page in the operator's language with the right status, never a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crossplay.api.context import ApiContext, context_of
from crossplay.core.errors import CrossplayError
from crossplay.core.types import Lang
from crossplay.web import messages as _messages  # noqa: F401  (registers the frame's texts)
from crossplay.web import registry
from crossplay.web.cache import PageCache, Signatures
from crossplay.web.operators import LoginFailed, authenticate, end_sessions, operator_by_id
from crossplay.web.page import (
    PLATFORMS,
    Filters,
    Page,
    PageData,
    PageError,
    PageRequest,
    Viewer,
)
from crossplay.web.registry import nav_pages, page
from crossplay.web.render import SECURITY_HEADERS, render
from crossplay.web.session import (
    Session,
    csrf_ok,
    new_session,
    read_session,
    request_language,
    write_language,
    write_session,
)

ORDER = 90
log = logging.getLogger("crossplay.web")
router = APIRouter(include_in_schema=False)

#: most rows a page table shows (the CSV has them all)
MAX_ROWS = 500
#: extra query parameters a page may receive (besides the filters), and their longest value
MAX_PARAM = 128
_FILTER_NAMES = ("start", "end", "partner", "platform", "segment")
_RESERVED = {*_FILTER_NAMES, "lang", "format", "download", "flash"}
_STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
LOGIN_WINDOW_S = 15 * 60


# --- services the console keeps per app ---------------------------------------------------------

class _Console:
    def __init__(self, ctx: ApiContext) -> None:
        self.cache = PageCache()
        self.signatures = Signatures(ctx.settings, lambda: ctx.engine)
        self._fails: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        #: one background builder: rebuilds of stale views and the warm-up at start
        self.builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-build")
        self._building: set[Hashable] = set()

    def throttled(self, key: tuple[str, str], limit: int) -> bool:
        now = time.monotonic()
        with self._lock:
            fails = self._fails[key]
            while fails and now - fails[0] > LOGIN_WINDOW_S:
                fails.popleft()
            return len(fails) >= limit

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails[key].append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails.pop(key, None)

    def rebuild(self, key: Hashable, pg: Page, req: PageRequest) -> None:
        """Build this view in the background (once at a time per view)."""
        with self._lock:
            if key in self._building:
                return
            self._building.add(key)

        def run() -> None:
            try:
                signature = self.signatures.of(pg.sources)
                hit = self.cache.get(key, signature)
                if hit is not None and hit[1]:
                    return  # a request built it meanwhile
                self.cache.put(key, signature, pg.build(req))
            except Exception:
                log.exception("console: background build of %s failed", pg.slug)
            finally:
                with self._lock:
                    self._building.discard(key)

        try:
            self.builder.submit(run)
        except RuntimeError:  # shutting down
            with self._lock:
                self._building.discard(key)


def _console(ctx: ApiContext) -> _Console:
    console = ctx.services.get("console")
    if console is None:
        console = ctx.services["console"] = _Console(ctx)
    assert isinstance(console, _Console)
    return console


async def start(ctx: ApiContext) -> None:
    console = _console(ctx)
    registry.all_pages()  # import every page (and its catalog) before the first request
    console.builder.submit(_warm, ctx, console)


async def stop(ctx: ApiContext) -> None:
    console = ctx.services.get("console")
    if isinstance(console, _Console):
        console.builder.shutdown(wait=False, cancel_futures=True)


def _warm(ctx: ApiContext, console: _Console) -> None:
    """Precompute the default view of every cached page, in both languages, for each kind
    of operator the console has (role and partner), so the first visits are fast too."""
    from sqlalchemy import select

    from crossplay.web.tables import operators

    try:
        with ctx.engine.connect() as con:
            kinds = con.execute(select(operators.c.role, operators.c.partner).distinct()
                                .where(operators.c.disabled_at.is_(None))).all()
    except Exception:
        log.exception("console: cannot list operators to warm the cache")
        return
    for role, partner in kinds:
        viewer = Viewer("warm-up", "warm-up", role, partner)
        for pg in registry.all_pages():
            if not pg.cacheable or not viewer.may(pg.role):
                continue
            for lang in ("zh-CN", "en"):
                req = PageRequest(settings=ctx.settings, lang=lang,
                                  filters=Filters(partner=partner), viewer=viewer,
                                  params={}, engine=ctx.engine)
                key = _cache_key(pg, req)
                if console.cache.get(key, console.signatures.of(pg.sources)) is None:
                    console.rebuild(key, pg, req)


# --- helpers --------------------------------------------------------------------------------------

def _lang_url(request: Request, lang: Lang) -> str:
    other = "en" if lang == "zh-CN" else "zh-CN"
    params = [(k, v) for k, v in request.query_params.multi_items()
              if k not in ("lang", "flash")]
    return f"{request.url.path}?{urlencode([*params, ('lang', other)])}"


def _finish(response: Response, request: Request, ctx: ApiContext, session: Session,
            lang: Lang, lang_chosen: bool) -> Response:
    if session.fresh:
        write_session(response, request, ctx.settings, session)
    if lang_chosen:
        write_language(response, lang)
    return response


def _error(request: Request, ctx: ApiContext, session: Session, lang: Lang, chosen: bool,
           status: int, message: str, viewer: Viewer | None = None) -> Response:
    from crossplay.cli.i18n import Messages

    msg = Messages(lang)
    heading = msg(f"web.error.{status}") if status in (400, 403, 404, 405, 429) else \
        msg("web.error.500")
    response = render("error.html", lang, {
        "title": heading, "heading": heading, "status": status, "message": message,
        "back": "/", "lang_url": _lang_url(request, lang), "csrf": session.csrf,
        "viewer": viewer, "nav": _nav(viewer, lang, None) if viewer else []},
        status=status)
    return _finish(response, request, ctx, session, lang, chosen)


def _nav(viewer: Viewer | None, lang: Lang, active: str | None) -> list[tuple[str, str, bool]]:
    from crossplay.cli.i18n import Messages

    if viewer is None:
        return []
    msg = Messages(lang)
    return [(p.slug, msg(p.title_key), p.slug == active) for p in nav_pages(viewer)
            if not p.person_level or p.slug == active]


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a path of this console: never another site (``//evil``, ``https://…``)."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return "/"
    return target


def _viewer(ctx: ApiContext, session: Session) -> Viewer | None:
    if session.operator_id is None:
        return None
    op = operator_by_id(ctx.engine, session.operator_id)
    if op is None or op.disabled_at is not None or op.session_epoch != session.epoch:
        return None
    return op.viewer


def _date(request: Request, name: str, lang: Lang) -> dt.date | None:
    from crossplay.cli.i18n import Messages

    raw = request.query_params.get(name) or None
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise PageError(Messages(lang)("web.error.bad_date", name=name, value=raw[:40]),
                        400) from None


def _choice(request: Request, name: str, choices: tuple[str, ...], lang: Lang) -> str | None:
    from crossplay.cli.i18n import Messages

    raw = request.query_params.get(name) or None
    if raw is not None and raw not in choices:
        raise PageError(Messages(lang)("web.error.bad_choice", name=name, value=raw[:40],
                                       choices=", ".join(choices)), 400)
    return raw


def _filters(request: Request, pg: Page, viewer: Viewer, lang: Lang) -> Filters:
    from crossplay.cli.i18n import Messages

    msg = Messages(lang)
    start, end = _date(request, "start", lang), _date(request, "end", lang)
    if start is not None and end is not None and start >= end:
        raise PageError(msg("web.error.bad_range"), 400)
    partner = _choice(request, "partner", ("knowledge", "game"), lang)
    if viewer.partner is not None:
        if partner is not None and partner != viewer.partner:
            raise PageError(msg("web.error.partner",
                                partner=msg(f"web.partner.{viewer.partner}")), 403)
        partner = viewer.partner
    platform = _choice(request, "platform", PLATFORMS, lang)
    segment = request.query_params.get("segment") or None
    if segment is not None and len(segment) > 64:
        raise PageError(msg("web.error.too_long", name="segment", max=64), 400)
    return Filters(start=start if "start" in pg.filters else None,
                   end=end if "end" in pg.filters else None,
                   partner=partner,  # type: ignore[arg-type]
                   platform=platform if "platform" in pg.filters else None,
                   segment=segment if "segment" in pg.filters else None)


def _params(request: Request, lang: Lang) -> dict[str, str]:
    from crossplay.cli.i18n import Messages

    out: dict[str, str] = {}
    for name, value in request.query_params.items():
        if name in _RESERVED:
            continue
        if len(name) > 32 or len(value) > MAX_PARAM:
            raise PageError(Messages(lang)("web.error.too_long", name=name[:32],
                                           max=MAX_PARAM), 400)
        out[name] = value
    return out


def _cache_key(pg: Page, req: PageRequest) -> Hashable:
    return (pg.slug, req.filters.key(), tuple(sorted(req.params.items())), req.lang,
            req.viewer.partner, req.viewer.role)


def _build(ctx: ApiContext, pg: Page, req: PageRequest) -> tuple[PageData, float, str]:
    """The page's data and how they were got: ``built`` now, ``cached`` (the data have not
    changed since), or ``stale`` (they have: the new build runs in the background)."""
    console = _console(ctx)
    began = time.perf_counter()
    if not pg.cacheable:
        return pg.build(req), (time.perf_counter() - began) * 1000, "built"
    key = _cache_key(pg, req)
    signature = console.signatures.of(pg.sources)
    hit = console.cache.get(key, signature)
    if hit is not None:
        data, fresh = hit
        if not fresh:
            console.rebuild(key, pg, req)
        return data, (time.perf_counter() - began) * 1000, "cached" if fresh else "stale"
    data = pg.build(req)
    console.cache.put(key, signature, data)
    return data, (time.perf_counter() - began) * 1000, "built"


def _csv_cell(value: Any) -> Any:
    # a cell a spreadsheet would run as a formula is written as text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(data: PageData, key: str) -> str:
    table = data.tables()[key]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else _csv_cell(v) for v in row])
    return out.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def page_json(pg: Page, req: PageRequest, data: PageData) -> dict[str, Any]:
    return {"page": pg.slug, "lang": req.lang,
            "filters": {k: (str(v) if v is not None else None)
                        for k, v in asdict(req.filters).items()},
            "params": dict(req.params), "empty": data.empty,
            "sections": [{"title": s.title,
                          "items": [{"kind": type(i).__name__.lower(), **asdict(i)}
                                    for i in s.items]}
                         for s in data.sections]}


# --- routes ---------------------------------------------------------------------------------------

@router.get("/static/web/plotly.min.js")
async def plotly_js() -> FileResponse:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/web/{name}")
async def static_file(name: str) -> Response:
    path = _STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        return Response(status_code=404)
    kind = {"css": "text/css", "js": "text/javascript"}.get(path.suffix[1:], "text/plain")
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/")
async def home(request: Request) -> Response:
    ctx = context_of(request)
    session = read_session(request, ctx.settings)
    viewer = await run_in_threadpool(_viewer, ctx, session)
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    first = nav_pages(viewer)
    return RedirectResponse(f"/dash/{first[0].slug}" if first else "/login", status_code=303)


@router.get("/login")
async def login_form(request: Request) -> Response:
    ctx = context_of(request)
    session = read_session(request, ctx.settings)
    lang, chosen = request_language(request)
    response = _login_page(request, session, lang, error=None, username="",
                           target=request.query_params.get("next"))
    return _finish(response, request, ctx, session, lang, chosen)


def _login_page(request: Request, session: Session, lang: Lang, *, error: str | None,
                username: str, target: str | None, status: int = 200) -> Response:
    return render("login.html", lang, {
        "title": "crossplay", "csrf": session.csrf, "error": error, "username": username,
        "next": _safe_next(target), "lang_url": _lang_url(request, lang), "viewer": None,
        "nav": []}, status=status)


@router.post("/login")
async def login(request: Request) -> Response:
    from crossplay.cli.i18n import Messages

    ctx = context_of(request)
    session = read_session(request, ctx.settings)
    lang, chosen = request_language(request)
    form = dict(await request.form())
    if not csrf_ok(session, form):
        return _error(request, ctx, session, lang, chosen, 403,
                      Messages(lang)("web.error.csrf"))
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")
    client = request.client.host if request.client else "?"
    console = _console(ctx)
    throttle_key = (username.lower(), client)
    if console.throttled(throttle_key, ctx.settings.web_login_attempts):
        return _error(request, ctx, session, lang, chosen, 429,
                      Messages(lang)("web.login.throttled", minutes=LOGIN_WINDOW_S // 60))
    try:
        op = await run_in_threadpool(authenticate, ctx.settings, username, password)
    except LoginFailed:
        console.failed(throttle_key)
        log.info("console login failed for %r from %s", username, client)
        failed = _login_page(request, session, lang,
                             error=Messages(lang)("web.login.failed"), username=username,
                             target=str(form.get("next") or ""), status=401)
        return _finish(failed, request, ctx, session, lang, chosen)
    console.succeeded(throttle_key)
    fresh = new_session(op.operator_id, op.session_epoch)
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    return _finish(response, request, ctx, fresh, lang, chosen)


@router.post("/logout")
async def logout(request: Request) -> Response:
    from crossplay.cli.i18n import Messages

    ctx = context_of(request)
    session = read_session(request, ctx.settings)
    lang, chosen = request_language(request)
    form = dict(await request.form())
    if not csrf_ok(session, form):
        return _error(request, ctx, session, lang, chosen, 403,
                      Messages(lang)("web.error.csrf"))
    if session.operator_id is not None:
        # every cookie of this operator is void from now on, a copy of this one included
        await run_in_threadpool(end_sessions, ctx.engine, session.operator_id)
    response = RedirectResponse("/login", status_code=303)
    return _finish(response, request, ctx, new_session(None, 0), lang, chosen)


def _flash(request: Request, ctx: ApiContext) -> str | None:
    from crossplay.web.signing import unsign

    value = unsign(ctx.settings, "console-flash", request.query_params.get("flash"), 120)
    return value if isinstance(value, str) else None


@router.get("/dash/{slug}")
async def show_page(request: Request, slug: str) -> Response:
    ctx = context_of(request)
    session = read_session(request, ctx.settings)
    lang, chosen = request_language(request)
    viewer = await run_in_threadpool(_viewer, ctx, session)
    if viewer is None:
        return _finish(_login_redirect(request), request, ctx, session, lang, chosen)
    return await run_in_threadpool(_show, request, ctx, session, lang, chosen, viewer, slug)


def _request(request: Request, ctx: ApiContext, pg: Page, viewer: Viewer,
             lang: Lang) -> PageRequest:
    return PageRequest(settings=ctx.settings, lang=lang,
                       filters=_filters(request, pg, viewer, lang), viewer=viewer,
                       params=_params(request, lang), engine=ctx.engine)


def _denied(pg: Page | None, viewer: Viewer, lang: Lang, slug: str) -> PageError | None:
    from crossplay.cli.i18n import Messages

    msg = Messages(lang)
    if pg is None:
        return PageError(msg("web.error.no_page", slug=slug[:40]), 404)
    if not viewer.may(pg.role):
        return PageError(msg("web.error.role", role=msg(f"web.role.{viewer.role}"),
                             needed=msg(f"web.role.{pg.role}")), 403)
    return None


def _show(request: Request, ctx: ApiContext, session: Session, lang: Lang, chosen: bool,
          viewer: Viewer, slug: str) -> Response:
    from crossplay.cli.i18n import Messages

    msg = Messages(lang)
    pg = page(slug)
    try:
        denied = _denied(pg, viewer, lang, slug)
        if denied is not None:
            raise denied
        assert pg is not None
        req = _request(request, ctx, pg, viewer, lang)
        data, ms, how = _build(ctx, pg, req)
        download = request.query_params.get("download")
        if download is not None:
            key = download.removesuffix(".csv")
            if key not in data.tables():
                raise PageError(msg("web.error.no_table", table=key[:40]), 404)
            return _finish(Response(_csv(data, key), media_type="text/csv; charset=utf-8",
                                    headers={**SECURITY_HEADERS, "Content-Disposition":
                                             f'attachment; filename="{slug}-{key}.csv"'}),
                           request, ctx, session, lang, chosen)
        if request.query_params.get("format") == "json":
            body = json.dumps(page_json(pg, req, data), ensure_ascii=False,
                              default=_json_default)
            return _finish(Response(body, media_type="application/json",
                                    headers={**SECURITY_HEADERS, "Content-Disposition":
                                             f'attachment; filename="{slug}.json"'}),
                           request, ctx, session, lang, chosen)
    except PageError as exc:
        return _error(request, ctx, session, lang, chosen, exc.status, exc.message, viewer)
    except CrossplayError as exc:
        from crossplay.cli.i18n import error_text, use_language

        use_language(lang)
        return _error(request, ctx, session, lang, chosen, 400, error_text(exc), viewer)
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("console page %s failed (reference %s)", slug, ref)
        return _error(request, ctx, session, lang, chosen, 500,
                      msg("web.error.internal", ref=ref), viewer)
    base = [(k, v) for k, v in request.query_params.multi_items()
            if k not in ("lang", "flash", "format", "download")]
    tables = list(data.tables().items())
    response = render("page.html", lang, {
        "title": msg(pg.title_key), "page": pg, "data": data, "viewer": viewer,
        "filters": req.filters, "filters_shown": bool(pg.filters),
        "partners": ("knowledge", "game"), "platforms": PLATFORMS,
        "extra_params": sorted(req.params.items()),
        "csrf": session.csrf, "nav": _nav(viewer, lang, pg.slug),
        "lang_url": _lang_url(request, lang), "max_rows": MAX_ROWS, "tables": tables,
        "json_url": f"/dash/{slug}?{urlencode([*base, ('format', 'json')])}",
        "csv_url": lambda key: f"/dash/{slug}?{urlencode([*base, ('download', key + '.csv')])}",
        "with_charts": bool(data.charts()), "flash": _flash(request, ctx),
        "query": urlencode(base),
        "built_ms": ms, "cached_text": msg(f"web.{how}") if how != "built" else "",
        "stale": how == "stale"})
    return _finish(response, request, ctx, session, lang, chosen)


@router.post("/dash/{slug}/action/{action}")
async def page_action(request: Request, slug: str, action: str) -> Response:
    ctx = context_of(request)
    session = read_session(request, ctx.settings)
    lang, chosen = request_language(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    viewer = await run_in_threadpool(_viewer, ctx, session)
    if viewer is None:
        return _finish(_login_redirect(request), request, ctx, session, lang, chosen)
    return await run_in_threadpool(_act, request, ctx, session, lang, chosen, viewer, slug,
                                   action, form)


def _act(request: Request, ctx: ApiContext, session: Session, lang: Lang, chosen: bool,
         viewer: Viewer, slug: str, action: str, form: dict[str, str]) -> Response:
    from crossplay.cli.i18n import Messages
    from crossplay.web.signing import sign

    msg = Messages(lang)
    if not csrf_ok(session, form):
        return _error(request, ctx, session, lang, chosen, 403, msg("web.error.csrf"), viewer)
    pg = page(slug)
    try:
        denied = _denied(pg, viewer, lang, slug)
        if denied is not None:
            raise denied
        assert pg is not None
        if action not in pg.actions:
            raise PageError(msg("web.error.no_action", slug=slug, action=action[:40]), 404)
        needed, handler = pg.actions[action]
        if not viewer.may(needed):
            raise PageError(msg("web.error.role", role=msg(f"web.role.{viewer.role}"),
                                needed=msg(f"web.role.{needed}")), 403)
        req = _request(request, ctx, pg, viewer, lang)
        fields = {k: v for k, v in form.items() if k != "csrf_token"}
        done = handler(req, fields)
        log.info("console action %s/%s by %s", slug, action, viewer.username)
    except PageError as exc:
        return _error(request, ctx, session, lang, chosen, exc.status, exc.message, viewer)
    except CrossplayError as exc:
        from crossplay.cli.i18n import error_text, use_language

        use_language(lang)
        return _error(request, ctx, session, lang, chosen, 400, error_text(exc), viewer)
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("console action %s/%s failed (reference %s)", slug, action, ref)
        return _error(request, ctx, session, lang, chosen, 500,
                      msg("web.error.internal", ref=ref), viewer)
    console = _console(ctx)
    console.signatures.forget()
    console.cache.drop(slug)  # the operator sees what the action changed, not a stale page
    back = [(k, v) for k, v in request.query_params.multi_items() if k not in ("flash",)]
    back.append(("flash", sign(ctx.settings, "console-flash", done)))
    return _finish(RedirectResponse(f"/dash/{slug}?{urlencode(back)}", status_code=303),
                   request, ctx, session, lang, chosen)

