"""Redemption: reserve -> confirm | cancel, stock never oversold, points never spent twice.

- ``reserve`` takes one unit of stock with a conditional update (``stock > 0``) and moves the
  reward's cost from the person to ``hold:<campaign>`` (oldest lots first), in one
  transaction with a ``reserved`` redemption row.
- ``confirm`` moves the held points to ``redeemed:<campaign>`` and writes an outbox message
  for the partner who fulfils the reward, in the same transaction (the outbox pattern).
- ``cancel`` returns the stock and the held points to the lots they came from (points whose
  lot expired meanwhile go to ``expired``).

A redemption changes state once: the ``reserved -> confirmed | cancelled`` update is
conditional, so a racing confirm and cancel cannot both succeed. Locks follow the ledger's
order: person accounts, then the redemption and reward rows, then system accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from crossplay.campaigns import postings as p
from crossplay.campaigns import tables as t
from crossplay.campaigns.errors import InsufficientFunds, LedgerError, OutOfStock
from crossplay.campaigns.ledger import Ledger, Request, TxResult, run_retrying


@dataclass(frozen=True)
class Reward:
    campaign_id: str
    reward_id: str
    partner: str
    currency: str
    cost: int
    stock: int


def define_rewards(engine: Engine, rewards: list[Reward]) -> int:
    """Create the rewards that do not exist yet (stock is set once, then only moves by
    redemptions). Returns how many were created."""
    def body(con: Connection) -> int:
        made = 0
        for r in rewards:
            values = {"campaign_id": r.campaign_id, "reward_id": r.reward_id,
                      "partner": r.partner, "currency": r.currency, "cost": r.cost,
                      "stock": r.stock, "reserved": 0, "redeemed": 0}
            made += con.execute(p.insert_ignoring_duplicates(con, t.rewards, values)
                                .returning(t.rewards.c.reward_id)).first() is not None
        return made
    made: int = run_retrying(engine, body)
    return made


def _reward(con: Connection, campaign_id: str, reward_id: str) -> Any:
    row = con.execute(select(t.rewards).where(t.rewards.c.campaign_id == campaign_id,
                                              t.rewards.c.reward_id == reward_id)).first()
    if row is None:
        raise LedgerError(f"campaign {campaign_id!r} has no reward {reward_id!r}",
                          code="campaign_unknown_reward",
                          params={"campaign": campaign_id, "reward": reward_id})
    return row


def reserve(ledger: Ledger, key: str, campaign_id: str, reward_id: str, person: str, *,
            ts: int | None = None) -> TxResult:
    """Reserve one unit of a reward for a person; raises OutOfStock / InsufficientFunds."""
    with ledger.engine.connect() as con:
        reward = _reward(con, campaign_id, reward_id)
    currency, cost = str(reward.currency), int(reward.cost)

    def op(con: Connection, tx_id: int, ts: int, accs: dict[tuple[str, str], p.Account],
           locked: p.Locked) -> dict[str, Any]:
        acc = accs[(person, currency)]
        if locked.balance[acc.id] < cost:
            raise InsufficientFunds(f"balance {locked.balance[acc.id]} {currency} is less "
                                    f"than the reward's cost {cost}",
                                    code="campaign_reward_unaffordable",
                                    params={"balance": locked.balance[acc.id],
                                            "currency": currency, "cost": cost})
        took = con.execute(update(t.rewards).where(
            t.rewards.c.campaign_id == campaign_id, t.rewards.c.reward_id == reward_id,
            t.rewards.c.stock > 0).values(stock=t.rewards.c.stock - 1,
                                          reserved=t.rewards.c.reserved + 1)).rowcount
        if took != 1:
            raise OutOfStock(f"reward {reward_id!r} is out of stock", code="out_of_stock",
                             params={"reward": reward_id})
        hold = p.account(con, "system", f"hold:{campaign_id}", currency)
        p.post(con, tx_id, ts, [(acc, -cost), (hold, cost)], locked)
        p.take_lots(con, acc, tx_id, cost)
        rid = int(con.execute(insert(t.redemptions).values(
            campaign_id=campaign_id, reward_id=reward_id, person_id=person,
            status="reserved", reserve_tx=tx_id, created_at=ts)
            .returning(t.redemptions.c.id)).scalar_one())
        return {"redemption": rid, "cost": cost, "currency": currency}

    return ledger.submit(Request(key, "reserve", {"campaign": campaign_id,
                                                  "reward": reward_id, "person": person},
                                 ((person, currency),), op, campaign_id=campaign_id, ts=ts))


def _redemption(ledger: Ledger, redemption_id: int) -> Any:
    with ledger.engine.connect() as con:
        row = con.execute(select(t.redemptions, t.rewards.c.currency, t.rewards.c.cost,
                                 t.rewards.c.partner)
                          .join(t.rewards, (t.rewards.c.campaign_id
                                            == t.redemptions.c.campaign_id)
                                & (t.rewards.c.reward_id == t.redemptions.c.reward_id))
                          .where(t.redemptions.c.id == redemption_id)).first()
    if row is None:
        raise LedgerError(f"no redemption {redemption_id}", code="campaign_unknown_redemption",
                          params={"id": redemption_id})
    return row


def _settle(con: Connection, redemption_id: int, tx_id: int, status: str) -> None:
    changed = con.execute(update(t.redemptions).where(
        t.redemptions.c.id == redemption_id, t.redemptions.c.status == "reserved")
        .values(status=status, settle_tx=tx_id)).rowcount
    if changed != 1:
        now = con.execute(select(t.redemptions.c.status)
                          .where(t.redemptions.c.id == redemption_id)).scalar_one()
        raise LedgerError(f"redemption {redemption_id} is {now}, not reserved",
                          code="campaign_redemption_settled",
                          params={"id": redemption_id, "status": now})


def confirm(ledger: Ledger, key: str, redemption_id: int, *, ts: int | None = None) -> TxResult:
    """Confirm a reservation: points to ``redeemed:<campaign>``, a message to the partner."""
    r = _redemption(ledger, redemption_id)
    cid, currency, cost = str(r.campaign_id), str(r.currency), int(r.cost)

    def op(con: Connection, tx_id: int, ts: int, accs: dict[tuple[str, str], p.Account],
           locked: p.Locked) -> dict[str, Any]:
        _settle(con, redemption_id, tx_id, "confirmed")
        con.execute(update(t.rewards).where(
            t.rewards.c.campaign_id == cid, t.rewards.c.reward_id == r.reward_id)
            .values(reserved=t.rewards.c.reserved - 1, redeemed=t.rewards.c.redeemed + 1))
        hold = p.account(con, "system", f"hold:{cid}", currency)
        done = p.account(con, "system", f"redeemed:{cid}", currency)
        p.post(con, tx_id, ts, [(hold, -cost), (done, cost)], locked)
        con.execute(insert(t.outbox).values(
            topic="reward.redeemed", partner=str(r.partner),
            message_key=f"redemption:{redemption_id}:confirmed",
            payload=json.dumps({"redemption": redemption_id, "campaign": cid,
                                "reward": str(r.reward_id), "person_id": str(r.person_id),
                                "cost": cost, "currency": currency}, sort_keys=True),
            created_at=ts, attempts=0))
        return {"redemption": redemption_id, "status": "confirmed"}

    return ledger.submit(Request(key, "confirm", {"redemption": redemption_id}, (), op,
                                 campaign_id=cid, ts=ts))


def cancel(ledger: Ledger, key: str, redemption_id: int, *, ts: int | None = None) -> TxResult:
    """Cancel a reservation: the stock and the held points go back."""
    r = _redemption(ledger, redemption_id)
    cid, currency, cost = str(r.campaign_id), str(r.currency), int(r.cost)
    person = str(r.person_id)

    def op(con: Connection, tx_id: int, ts: int, accs: dict[tuple[str, str], p.Account],
           locked: p.Locked) -> dict[str, Any]:
        _settle(con, redemption_id, tx_id, "cancelled")
        con.execute(update(t.rewards).where(
            t.rewards.c.campaign_id == cid, t.rewards.c.reward_id == r.reward_id)
            .values(stock=t.rewards.c.stock + 1, reserved=t.rewards.c.reserved - 1))
        restored, expired_part = p.restore_lots(con, int(r.reserve_tx), tx_id, ts)
        if restored + expired_part != cost:
            raise LedgerError(f"redemption {redemption_id} held {restored + expired_part} "
                              f"in lots, not its cost {cost}", code="campaign_redemption_lots",
                              params={"id": redemption_id, "held": restored + expired_part,
                                      "cost": cost})
        hold = p.account(con, "system", f"hold:{cid}", currency)
        expired = p.account(con, "system", "expired", currency)
        p.post(con, tx_id, ts, [(hold, -cost), (accs[(person, currency)], restored),
                                (expired, expired_part)], locked)
        return {"redemption": redemption_id, "status": "cancelled", "restored": restored,
                "expired": expired_part}

    return ledger.submit(Request(key, "cancel", {"redemption": redemption_id},
                                 ((person, currency),), op, campaign_id=cid, ts=ts))
