"""A check-in posted live (``POST /v1/checkins``): recorded, awarded, told to the person.

One typed function, :func:`checkin`, that the HTTP API calls (the CLI or a dashboard
could too). A partner's user checks in on the partner's platform; the user's person (an
active link, ``linking`` and ``marketing`` granted on both sides: the one consent policy)
is looked up, and every *active* stored campaign with check-in rules whose window holds
the check-in's local day evaluates the person's check-ins — the lake's, those recorded
before (live or by ``campaign apply``) and this one — with the same pure rules as the
batch path (:func:`crossplay.campaigns.rules.evaluate`). The day's awards go through the
same ledger requests with the same keys (:func:`crossplay.campaigns.engine.award_request`:
``<campaign>:checkin:<platform>:<person>:<day>``, ``...:dual_checkin:...``,
``...:streak<n>:...``), so the live path and ``campaign apply`` never award one thing
twice, and a second check-in the same day awards nothing. The batch path reads the
recorded check-ins back (:mod:`crossplay.campaigns.checkin_store`), so both walk the same
history.

The person, the lake's check-ins and the active campaigns come from the process's
:class:`~crossplay.campaigns.live_state.CheckinState` (in memory, brought up to date with
the live consents, links, lake and campaigns before each check-in), not from a warehouse
per request: :func:`linked_person` and :func:`lake_checkins` are the same questions asked
of a warehouse (the state answers as they do; a test pins them to each other).

Limits and the budget refuse an award with a reason (``daily_cap``, ``budget`` ...) that
the answer carries; they are not errors. An exhausted budget marks the campaign
``budget_exhausted``, as ``apply`` does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
from sqlalchemy import Connection, Engine

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign
from crossplay.campaigns.errors import BudgetExhausted, CampaignError, LedgerError
from crossplay.campaigns.ledger import Ledger, TxResult, run_retrying
from crossplay.campaigns.live_state import LinkedPerson, Snapshot, state_for
from crossplay.campaigns.messages import CATALOG, PersonFacts, render
from crossplay.campaigns.postings import insert_ignoring_duplicates
from crossplay.campaigns.rules import Event, local_day
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNER_PLATFORMS, Lang, Partner
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.policy import Purpose, linked_persons_sql

#: the platforms a check-in can be on (campaign documents allow these in ``checkins``)
CHECKIN_PLATFORMS: dict[Partner, tuple[str, ...]] = {
    p: tuple(x for x in PARTNER_PLATFORMS[p] if x in ("knowledge", "game"))
    for p in PARTNER_PLATFORMS}


@dataclass(frozen=True)
class AwardOutcome:
    """One award the check-in's day earns: ``new`` when this request wrote it (a replay of
    an award made before, by the batch path or an earlier request, is not new)."""

    rule: str
    points: int
    new: bool
    refused: str | None = None  # the reason (budget, daily_cap ...) when refused
    refused_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "points": self.points, "new": self.new}
        if self.refused is not None:
            out.update(refused=self.refused, refused_text=self.refused_text)
        return out


@dataclass
class CampaignCheckin:
    """What one campaign made of the check-in."""

    campaign_id: str
    day: dt.date
    currency: str
    first_today: bool  # the first check-in on this platform this local day
    awards: list[AwardOutcome] = field(default_factory=list)
    balance: int = 0
    streak: int = 0
    message: str = ""

    @property
    def points(self) -> int:
        return sum(a.points for a in self.awards if a.new and a.refused is None)

    def to_json(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "day": self.day.isoformat(),
                "first_today": self.first_today, "points": self.points,
                "currency": self.currency, "balance": self.balance, "streak": self.streak,
                "awards": [a.to_json() for a in self.awards], "message": self.message}


@dataclass
class CheckinOutcome:
    """The answer to a check-in: ``eligible`` False when the user is not a linked person
    with marketing consent on both sides (nothing is recorded then); ``campaigns``: the
    active campaigns whose window holds the day and whose audience holds the person."""

    platform: str
    eligible: bool
    campaigns: list[CampaignCheckin] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(c.points for c in self.campaigns)

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "eligible": self.eligible,
                "points": self.points, "campaigns": [c.to_json() for c in self.campaigns]}


def linked_person(con: duckdb.DuckDBPyConnection, partner: Partner, user_key: str,
                  purpose: Purpose) -> LinkedPerson | None:
    """The person of ``partner``'s user ``user_key`` on a warehouse connection: an active
    link whose both sides granted ``linking`` and ``purpose`` (None: not linked, or not
    allowed)."""
    col = "k_user_key" if partner == "knowledge" else "g_user_key"
    rows = con.sql(f"SELECT CAST(person_id AS VARCHAR), k_user_key, g_user_key "
                   f"FROM ({linked_persons_sql(purpose)}) WHERE {col} = {lit(user_key)} "
                   f"ORDER BY 1 LIMIT 1").fetchall()
    return LinkedPerson(str(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None


def person_of(settings: Settings, partner: Partner, user_key: str,
              purpose: Purpose) -> str | None:
    """:func:`linked_person`'s person id, on a connection of its own."""
    from crossplay.warehouse.duck import connect

    con = connect(settings)
    try:
        found = linked_person(con, partner, user_key, purpose)
    finally:
        con.close()
    return None if found is None else found.person


def lake_checkins(con: duckdb.DuckDBPyConnection, campaign: Campaign,
                  who: LinkedPerson) -> list[Event]:
    """The person's check-in events in the lake around the campaign's window (both
    partners' users), as the batch path reads them (:func:`~crossplay.campaigns.engine.
    load_events`, check-ins only)."""
    zone = campaign.zone
    lo = dt.datetime.combine(campaign.start, dt.time(), zone) - dt.timedelta(days=1)
    hi = dt.datetime.combine(campaign.end, dt.time(), zone) + dt.timedelta(days=2)
    rows = con.sql(f"""
        SELECT e.partner, CAST(e.event_id AS VARCHAR), e.platform, epoch_us(e.ts),
               epoch_us(e.ingested_at), json_extract_string(e.properties, '$.device_id')
        FROM events e
        WHERE e.event_type = 'checkin'
          AND ((e.partner = 'knowledge' AND e.user_key = {lit(who.k_user_key)})
               OR (e.partner = 'game' AND e.user_key = {lit(who.g_user_key)}))
          AND e.ts >= {lit(lo.astimezone(dt.UTC).isoformat())}::TIMESTAMPTZ
          AND e.ts < {lit(hi.astimezone(dt.UTC).isoformat())}::TIMESTAMPTZ
        ORDER BY e.ts, e.partner, e.event_id""").fetchall()
    return [Event(person=who.person, partner=str(r[0]), event_id=str(r[1]),
                  platform=str(r[2]), event_type="checkin", item_id=None, ts=int(r[3]),
                  ingested=None if r[4] is None else int(r[4]), device=r[5]) for r in rows]


def _text(key: str, lang: Lang, **params: object) -> str:
    return CATALOG[key][lang].format(**params)


def _reason_text(reason: str, lang: Lang) -> str:
    entry = CATALOG.get(f"campaign.reason.{reason}")
    return entry[lang] if entry else reason


def _checkin_platform(partner: Partner, platform: str | None) -> str:
    allowed = CHECKIN_PLATFORMS[partner]
    chosen = platform or allowed[0]
    if chosen not in allowed:
        raise CampaignError(f"{partner} users check in on {', '.join(allowed)}, "
                            f"not {chosen}", code="checkin_platform",
                            params={"partner": partner, "allowed": ", ".join(allowed),
                                    "platform": chosen})
    return chosen


def checkin(settings: Settings, engine: Engine, partner: Partner, user_key: str, *,
            platform: str | None = None, at_us: int, lang: Lang = "en",
            name: str | None = None) -> CheckinOutcome:
    """Record ``partner``'s user's check-in at ``at_us`` and award it in every active
    campaign with check-in rules (see the module). Idempotent per (person, platform,
    local day): a second check-in the same day awards nothing new."""
    chosen = _checkin_platform(partner, platform)
    out = CheckinOutcome(chosen, eligible=False)
    state = state_for(settings, engine)
    snap = state.snapshot(engine)  # fresh: consents, links, lake and campaigns
    who = snap.person(partner, user_key)
    if who is None:
        return out
    campaigns = [c for c in snap.checkin_campaigns(chosen)
                 if c.start <= local_day(at_us, c.zone) <= c.end]
    # a campaign with an audience file counts only the persons it lists
    campaigns = [c for c in campaigns if state.in_audience(c, who.person)]
    out.eligible = True
    ledger = Ledger(engine)
    for campaign in campaigns:
        out.campaigns.append(_campaign_checkin(snap, engine, ledger, campaign, partner,
                                               who, chosen, at_us, lang, name))
    return out


def _campaign_checkin(snap: Snapshot, engine: Engine, ledger: Ledger,
                      campaign: Campaign, partner: Partner, who: LinkedPerson,
                      platform: str, at_us: int, lang: Lang,
                      name: str | None) -> CampaignCheckin:
    from crossplay.campaigns.checkin_store import stored_checkin_events
    from crossplay.campaigns.engine import award_request, record_checkins, set_status
    from crossplay.campaigns.rules import evaluate

    person = who.person
    day = local_day(at_us, campaign.zone)
    # record first, read after: of two concurrent check-ins of one person (one on each
    # platform), the one that reads last sees both and awards the dual check-in
    first_today = _record(engine, campaign.id, person, platform, day, at_us)
    history = snap.lake_checkins(campaign, who)
    first_today = first_today and not any(
        e.platform == platform and local_day(e.ts, campaign.zone) == day for e in history)
    recorded = stored_checkin_events(engine, campaign.id, {person})
    ev = evaluate(campaign, [*history, *recorded])
    # the day's awards but the other platforms' single check-ins (their own requests')
    others = {f"checkin_{x}" for x in campaign.checkins.platforms if x != platform} \
        if campaign.checkins is not None else set()
    todays = sorted((a for a in ev.awards if a.day == day and a.rule_id not in others),
                    key=lambda a: (a.ts, a.key))
    results = ledger.submit_many([award_request(campaign, a) for a in todays],
                                 stop_on=BudgetExhausted) if todays else []
    # store the evaluated days not stored yet (one statement per row: a person's whole
    # history each time was most of a repeated check-in's cost); what another request
    # stores meanwhile is ignored as a duplicate, as before
    stored_days = {tuple(e.event_id.rsplit(":", 2)[1:]) for e in recorded}
    record_checkins(engine, campaign.id, replace(ev, checkins=[
        c for c in ev.checkins
        if c.source != "event" or (c.platform, c.day.isoformat()) not in stored_days]))
    res = CampaignCheckin(campaign.id, day, campaign.points, first_today)
    for award, result in zip(todays, results, strict=True):
        res.awards.append(_outcome(award.rule_id, award.amount, result, lang))
    if any(isinstance(r, BudgetExhausted) for r in results):
        set_status(engine, campaign.id, "budget_exhausted")
    res.balance = ledger.balance(person, campaign.points)
    res.streak = _current_streak(campaign, ev.streaks.get(person), day)
    res.message = _message(campaign, res, platform, lang, name)
    return res


def _record(engine: Engine, campaign_id: str, person: str, platform: str, day: dt.date,
            at_us: int) -> bool:
    """Store the check-in (committed); False when that platform's day was stored before."""
    row = {"campaign_id": campaign_id, "person_id": person, "platform": platform,
           "local_day": day, "source": "event", "ts": at_us}

    def body(con: Connection) -> bool:
        return con.execute(insert_ignoring_duplicates(con, t.checkins, row)
                           .returning(t.checkins.c.ts)).first() is not None

    new: bool = run_retrying(engine, body)
    return new


def _outcome(rule: str, amount: int, result: TxResult | LedgerError | None,
             lang: Lang) -> AwardOutcome:
    if result is None:  # not run: the budget ran out on an earlier award
        return AwardOutcome(rule, 0, False, "budget", _reason_text("budget", lang))
    if isinstance(result, LedgerError):
        return AwardOutcome(rule, 0, False, result.reason, _reason_text(result.reason, lang))
    return AwardOutcome(rule, int(result.result.get("amount", amount)), not result.replayed)


def _current_streak(campaign: Campaign, streak: tuple[int, dt.date, int] | None,
                    day: dt.date) -> int:
    """The dual check-in streak as of ``day``: the last run's length while it can still go
    on (its last dual day is today, or the gap since is within the grace days)."""
    if streak is None or campaign.checkins is None:
        return 0
    current, last, _best = streak
    gap = (day - last).days - 1
    return current if gap < 0 or gap <= campaign.checkins.grace_days else 0


def _message(campaign: Campaign, res: CampaignCheckin, platform: str, lang: Lang,
             name: str | None) -> str:
    new = [a for a in res.awards if a.new and a.refused is None]
    refused = [a for a in res.awards if a.refused is not None]
    if new:
        which = "streak" if any(a.rule.startswith("streak_") for a in new) else "earned"
        facts = PersonFacts(name=name or _text("campaign.checkin_name", lang),
                            balance=res.balance, points=res.points, streak=res.streak,
                            recommended=[])
        text = render(campaign, which, lang, facts)
        if text:
            return text
        return _text("campaign.checkin_earned", lang, points=res.points,
                     balance=res.balance, streak=res.streak)
    if refused:
        return _text("campaign.checkin_refused", lang,
                     why=", ".join(dict.fromkeys(a.refused_text or "" for a in refused)))
    return _text("campaign.checkin_nothing_new", lang, platform=platform,
                 balance=res.balance, streak=res.streak)
