"""HTML from the Jinja2 templates in ``crossplay/web/templates`` (autoescaped).

:func:`render` is the one way a console or privacy-centre response is made: it gives every
template ``t`` (the catalogs in the request's language), ``lang``, ``fmt`` (how a value
prints: ``None`` as "–", integers with thousands separators, floats to four significant
digits) and ``chart_json`` (a Plotly figure as JSON for the page's script), and sets the
security headers every page carries (a strict Content-Security-Policy with scripts only
from this server, no framing, no sniffing, no referrer).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from fastapi.responses import HTMLResponse

from crossplay.cli.i18n import Messages
from crossplay.core.types import Lang

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; "
                                "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "font-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; "
                                "base-uri 'none'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def fmt(value: Any) -> str:
    """How a raw value prints on a page."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "–"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e7):
            return f"{value:.3g}"
        if float(value).is_integer() and abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def chart_json(figure: Mapping[str, Any]) -> str:
    """The figure as JSON safe inside ``<script type="application/json">``."""
    from plotly.io.json import to_json_plotly

    text: str = to_json_plotly(dict(figure))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("crossplay.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fmt=fmt, chart_json=chart_json)
    env.filters["fmt"] = fmt
    return env


def render(template: str, lang: Lang, context: Mapping[str, Any], *,
           status: int = 200) -> HTMLResponse:
    msg = Messages(lang)
    html = environment().get_template(template).render(
        t=msg, lang=lang, other_lang="en" if lang == "zh-CN" else "zh-CN", **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
