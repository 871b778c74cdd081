"""Person look-up: one user's explained recommendations, as ``crossplay recommend for
--partner P --user ID --explain`` gives them.

The native id is pseudonymised here exactly as the API does it
(:func:`crossplay.api.users.resolve_user`: the partner's secret chain, as at ingest), and
the list comes from :func:`crossplay.recommend.service.recommend_for`, so the same consent
checks decide: personalised only where the policy allows, popular items (and the reason)
otherwise; an id the lake does not know gets popular items and is said to be unknown.

Every look-up is audited with the operator as the actor (``operator:<username>``) and a
digest of the person as the subject (:func:`crossplay.privacy.audit.person_subject`):
``recommend_cross_read`` when the joint (cross-domain) space served the list — written
by ``recommend_for`` itself, as for the CLI and the API — and ``recommend_read`` for every
other look-up. A partner-scoped operator may look up only their own partner's users.
"""

from __future__ import annotations

from typing import Any

from crossplay.api.users import MAX_NATIVE_ID, resolve_user
from crossplay.cli.commands_recommend import policy_text
from crossplay.cli.i18n import Messages, coded_text, origin_of
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.audit import person_subject, record
from crossplay.recommend.dataset import DOMAINS, Domain
from crossplay.recommend.explain import display_title
from crossplay.recommend.service import recommend_for
from crossplay.web import messages_recommend as _messages  # noqa: F401  (registers texts)
from crossplay.web.page import (
    Note,
    Page,
    PageData,
    PageError,
    PageRequest,
    Section,
    Table,
    Tile,
)
from crossplay.web.page_recommend import lookup_form
from crossplay.web.recommend_results import trained

#: items shown (``crossplay recommend for``'s default)
N_ITEMS = 10
#: the audit action of a look-up the joint space did not serve (a joint read is
#: ``recommend_cross_read``, recorded by the service)
READ_ACTION = "recommend_read"
CROSS_READ_ACTION = "recommend_cross_read"


def _error(req: PageRequest, exc: CrossplayError) -> str:
    return coded_text(exc.code, exc.params, exc.message, origin_of(exc), lang=req.lang)


def well_formed(user: str) -> bool:
    """A native id as the API accepts one (1 to ``MAX_NATIVE_ID`` characters, not blank),
    without control characters (a pasted line break is not part of an id)."""
    return (0 < len(user) <= MAX_NATIVE_ID and bool(user.strip())
            and not any(ord(c) < 32 or ord(c) == 127 for c in user))


def _ask(req: PageRequest, partner: str = "", domain: str = "") -> Section:
    return Section(req.t("web.person.form"),
                   [Note(req.t("web.person.ask")), lookup_form(req, partner, "", domain)])


def _query(req: PageRequest) -> tuple[Partner, str, Domain | None]:
    """The look-up asked for (partner, native id, domain), checked; PageError if not."""
    t = req.t
    own = req.viewer.partner
    # the console's frame reads ``partner`` into the filters (checked there against the
    # viewer's scope); a direct caller may pass it as a parameter
    raw_partner = (req.params.get("partner") or req.filters.partner or "").strip()
    raw_domain = (req.params.get("domain") or "").strip()
    user = req.params.get("user") or ""
    partner = raw_partner or own
    if partner is None:
        raise PageError(t("web.person.error.need_partner"), 400)
    if partner not in PARTNERS:
        raise PageError(t("web.person.error.partner", value=raw_partner), 400)
    if own is not None and partner != own:
        raise PageError(t("web.person.error.other_partner", partner=t(f"web.partner.{own}")),
                        403)
    if raw_domain and raw_domain not in DOMAINS:
        raise PageError(t("web.person.error.domain", value=raw_domain), 400)
    if not well_formed(user):
        raise PageError(t("web.person.error.user", max=MAX_NATIVE_ID), 400)
    domain: Domain | None = raw_domain or None
    return partner, user, domain


def look_up(req: PageRequest, partner: Partner, user: str, domain: Domain | None
            ) -> tuple[dict[str, Any], str, str]:
    """``recommend_for``'s answer for the user, their ``user_key``, and the audit action
    this look-up was recorded under."""
    actor = f"operator:{req.viewer.username}"
    key = resolve_user(req.settings, partner, user, None)
    res = recommend_for(req.settings, partner=partner, user_key=key, domain=domain, n=N_ITEMS,
                        explain=True, lang=req.lang, actor=actor)
    if res["personalised"] and str(res.get("unit") or "").startswith("cross-"):
        return res, key, CROSS_READ_ACTION  # recorded by recommend_for
    record(req.settings, READ_ACTION, actor=actor, subject=person_subject(partner, key),
           details={"domain": res["domain"], "unit": res["unit"], "n": N_ITEMS,
                    "personalised": res["personalised"], "known": res["known"],
                    "via": "console"})
    return res, key, READ_ACTION


def build(req: PageRequest) -> PageData:
    t = req.t
    if "user" not in req.params:  # nothing asked yet: the form
        return PageData(sections=[_ask(req, req.params.get("partner")
                                       or req.filters.partner or "",
                                       req.params.get("domain", ""))])
    partner, user, domain = _query(req)
    if not trained(req.settings):
        return PageData(sections=[_ask(req, partner, domain or "")],
                        empty=t("web.person.no_model"))
    try:
        res, key, action = look_up(req, partner, user, domain)
    except NotFoundError as exc:  # e.g. the bundle has no model of that domain
        return PageData(sections=[_ask(req, partner, domain or "")], empty=_error(req, exc))
    except CrossplayError as exc:
        raise PageError(_error(req, exc), 400) from None
    msg = Messages(req.lang)
    policy = policy_text(msg, res["policy"])
    if not res["known"]:
        status = Note(t("web.person.unknown", partner=t(f"web.partner.{partner}")), "warn")
    elif res["personalised"]:
        status = Note(t("rec.personal", model=res["model"], policy=policy), "ok")
    else:
        status = Note(t("rec.popular", policy=policy), "warn")
    yes, no = t("web.person.yes"), t("web.person.no")
    d = res["domain"]
    tiles = [Tile(t("web.person.tile.personalised"), yes if res["personalised"] else no),
             Tile(t("web.person.tile.model"), str(res["model"])),
             Tile(t("web.person.tile.domain"), t(f"rec.domain.{d}")),
             Tile(t("web.person.tile.known"), yes if res["known"] else no)]
    rows = [[i["rank"], i["item_id"], display_title(i["title"], req.lang),
             float(i["score"]), i.get("why", "")] for i in res["items"]]
    table = Table("recommendations", t("web.person.table", n=len(rows),
                                       domain=t(f"rec.domain.{d}")),
                  ["#", t("rec.col.item"), t("rec.col.title"), t("rec.col.score"),
                   t("rec.col.why")], rows, sortable=False)
    audited = Note(t("web.person.audited", action=action,
                     actor=f"operator:{req.viewer.username}"))
    section = Section(t("web.person.section", partner=t(f"web.partner.{partner}"),
                        ukey=key[:12]), [status, *tiles, table, audited])
    return PageData(sections=[section, _ask(req, partner, domain or "")])


PAGE = Page(slug="person", title_key="web.nav.person", build=build, filters=(), order=61,
            person_level=True, cacheable=False)
