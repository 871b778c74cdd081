"""A partner's user's points: balance, statement, redemptions, exchanges — by user, not person.

The ledger keeps accounts of *persons* (the link between both partners' users). A partner
names its own user (its pseudonymous ``user_key``); the person is found through an active
link whose both sides granted ``linking`` (points a person earned stay theirs to see and
spend after ``marketing`` is withdrawn; earning needs it, see
:mod:`crossplay.campaigns.live`). A user who is not such a linked person has no points
account ("not found").

A redemption belongs to the partner that reserved it (``campaign_redemption_partners``):
the other partner's redemption ids are "not found", never "forbidden", so an id says
nothing about whether it exists. Every write takes the caller's idempotency key; the
ledger request keys are derived from it (``api:<partner>:<operation>:<key>``), so running
a write again under the same key (a retry after a crash) replays the first one.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from crossplay.campaigns import redemption as rd
from crossplay.campaigns import tables as t
from crossplay.campaigns.campaign_view import campaign_of
from crossplay.campaigns.ledger import Ledger, run_retrying
from crossplay.campaigns.live import person_of
from crossplay.campaigns.postings import insert_ignoring_duplicates
from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.policy import Purpose

#: most statement entries one page holds
MAX_PAGE = 500


def account_person(settings: Settings, partner: Partner, user_key: str) -> str:
    """The person whose points ``partner``'s user holds (see the module)."""
    person = person_of(settings, partner, user_key, Purpose.LINKING)
    if person is None:
        raise NotFoundError("this user has no points account: points belong to linked "
                            "persons (an active link, linking consent on both sides)",
                            code="ledger_no_account", params={})
    return person


def _iso(ts_us: int) -> str:
    return dt.datetime.fromtimestamp(ts_us / 1_000_000, tz=dt.UTC).isoformat()


def balance(settings: Settings, engine: Engine, partner: Partner, user_key: str,
            currency: str) -> dict[str, Any]:
    """The user's balance and recorded debt in ``currency``."""
    person = account_person(settings, partner, user_key)
    ledger = Ledger(engine)
    return {"currency": currency, "balance": ledger.balance(person, currency),
            "debt": ledger.debt(person, currency)}


def _cursor(ts: int, skip: int) -> str:
    return base64.urlsafe_b64encode(f"{ts}:{skip}".encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, skip = raw.split(":")
        out = int(ts), int(skip)
    except (ValueError, UnicodeDecodeError):
        raise ConfigError("the statement cursor is not one this server gave: start "
                          "again without a cursor", code="ledger_cursor", params={}) from None
    if out[1] < 0 or not 0 <= out[0] < 2**62:
        raise ConfigError("the statement cursor is not one this server gave: start "
                          "again without a cursor", code="ledger_cursor", params={})
    return out


def statement(settings: Settings, engine: Engine, partner: Partner, user_key: str,
              currency: str, *, limit: int = 100, cursor: str | None = None
              ) -> dict[str, Any]:
    """The user's postings in ``currency``, oldest first, with the running balance after
    each; ``limit`` per page, ``next_cursor`` for the next page (None: the last page).

    The cursor is the time of the last entry given and how many entries of that time were
    given, so a page starts exactly after the previous one (entries of one instant are in
    posting order) and its running balance is read from the postings before it.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ConfigError(f"limit must be 1 to {MAX_PAGE}", code="ledger_limit",
                          params={"max": MAX_PAGE})
    person = account_person(settings, partner, user_key)
    start, skip = _read_cursor(cursor) if cursor else (None, 0)
    rows = Ledger(engine).statement(person, currency, start=start)
    page = rows[skip:skip + limit]
    more = len(rows) > skip + limit
    next_cursor = None
    if more and page:
        last = page[-1]["ts"]
        same = sum(1 for r in page if r["ts"] == last)
        # entries of ``last`` given so far: this page's, plus the skipped ones if the page
        # began at that same instant
        if start == last:
            same += skip
        next_cursor = _cursor(last, same)
    return {"currency": currency,
            "entries": [{"at": _iso(r["ts"]), "ts": r["ts"], "amount": r["amount"],
                         "kind": r["kind"], "balance": r["balance"]} for r in page],
            "next_cursor": next_cursor}


def _owned(engine: Engine, partner: Partner, redemption_id: int) -> Any:
    """The redemption if ``partner`` reserved it, else "not found" (see the module)."""
    r, o = t.redemptions.c, t.redemption_partners.c
    with engine.connect() as con:
        row = con.execute(select(r.id, r.campaign_id, r.reward_id, r.status)
                          .join(t.redemption_partners, o.redemption_id == r.id)
                          .where(r.id == redemption_id, o.partner == partner)).first()
    if row is None:
        raise NotFoundError(f"no redemption {redemption_id} of yours",
                            code="ledger_redemption_not_found", params={"id": redemption_id})
    return row


def _redemption_json(engine: Engine, redemption_id: int) -> dict[str, Any]:
    r = t.redemptions.c
    with engine.connect() as con:
        row = con.execute(select(r.id, r.campaign_id, r.reward_id, r.status,
                                 t.rewards.c.cost, t.rewards.c.currency)
                          .join(t.rewards, (t.rewards.c.campaign_id == r.campaign_id)
                                & (t.rewards.c.reward_id == r.reward_id))
                          .where(r.id == redemption_id)).one()
    return {"redemption_id": int(row[0]), "campaign_id": str(row[1]),
            "reward_id": str(row[2]), "status": str(row[3]), "cost": int(row[4]),
            "currency": str(row[5])}


def reserve(settings: Settings, engine: Engine, partner: Partner, user_key: str,
            campaign_id: str, reward_id: str, *, idem_key: str,
            at_us: int | None = None) -> dict[str, Any]:
    """Reserve one unit of a reward for the user (stock and points held)."""
    person = account_person(settings, partner, user_key)
    ledger = Ledger(engine)
    done = rd.reserve(ledger, f"api:{partner}:reserve:{idem_key}", campaign_id, reward_id,
                      person, ts=at_us)
    rid = int(done.result["redemption"])

    def own(con: Any) -> None:
        con.execute(insert_ignoring_duplicates(con, t.redemption_partners,
                                               {"redemption_id": rid, "partner": partner}))
    run_retrying(engine, own)
    out = _redemption_json(engine, rid)
    out["balance"] = ledger.balance(person, out["currency"])
    return out


def confirm(engine: Engine, partner: Partner, redemption_id: int, *, idem_key: str,
            at_us: int | None = None) -> dict[str, Any]:
    """Confirm the partner's reservation: the points are spent, the partner who fulfils
    the reward gets an outbox message."""
    _owned(engine, partner, redemption_id)
    rd.confirm(Ledger(engine), f"api:{partner}:confirm:{idem_key}", redemption_id, ts=at_us)
    return _redemption_json(engine, redemption_id)


def cancel(engine: Engine, partner: Partner, redemption_id: int, *, idem_key: str,
           at_us: int | None = None) -> dict[str, Any]:
    """Cancel the partner's reservation: stock and points go back."""
    _owned(engine, partner, redemption_id)
    done = rd.cancel(Ledger(engine), f"api:{partner}:cancel:{idem_key}", redemption_id,
                     ts=at_us)
    out = _redemption_json(engine, redemption_id)
    out["restored"] = int(done.result.get("restored", 0))
    out["expired"] = int(done.result.get("expired", 0))
    return out


def exchange(settings: Settings, engine: Engine, partner: Partner, user_key: str,
             campaign_id: str, from_currency: str, to_currency: str, amount: int, *,
             idem_key: str, at_us: int | None = None) -> dict[str, Any]:
    """Exchange the user's points at the campaign's rate (``exchange`` in its document)."""
    person = account_person(settings, partner, user_key)
    rate = campaign_of(engine, campaign_id).rate(from_currency, to_currency)
    ledger = Ledger(engine)
    done = ledger.exchange(f"api:{partner}:exchange:{idem_key}", person, from_currency,
                           to_currency, amount, rate=Decimal(rate.rate),
                           fee_rate=Decimal(rate.fee), ts=at_us)
    return {"campaign_id": campaign_id, "from": from_currency, "to": to_currency,
            "amount": int(done.result["amount"]), "fee": int(done.result["fee"]),
            "received": int(done.result["received"]), "rate": str(rate.rate),
            "balances": {from_currency: ledger.balance(person, from_currency),
                         to_currency: ledger.balance(person, to_currency)}}
