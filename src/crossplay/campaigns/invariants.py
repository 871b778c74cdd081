"""The ledger's invariants, checked from the stored rows (tests, benchmark, ``status``).

1. every transaction's postings sum to zero in each currency;
2. every account's balance equals the sum of its postings;
3. no balance below zero except the issuing accounts (``issuer``, ``pool:*``);
4. a person account's open lots add up to its balance;
5. every currency sums to zero over all accounts;
6. reward stock, reserved and redeemed counts are never negative.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from crossplay.campaigns import tables as t


def violations(engine: Engine) -> list[str]:
    """Every invariant that does not hold, as readable lines (empty: all hold)."""
    out: list[str] = []
    with engine.connect() as con:
        for tx_id, cur, total in con.execute(
                select(t.postings.c.tx_id, t.postings.c.currency, func.sum(t.postings.c.amount))
                .group_by(t.postings.c.tx_id, t.postings.c.currency)
                .having(func.sum(t.postings.c.amount) != 0)).all():
            out.append(f"transaction {tx_id}: {cur} postings sum to {total}, not 0")
        sums: dict[int, int] = {
            int(a): int(s) for a, s in con.execute(
                select(t.postings.c.account_id, func.sum(t.postings.c.amount))
                .group_by(t.postings.c.account_id)).all()}
        lot_sums: dict[int, int] = {
            int(a): int(s) for a, s in con.execute(
                select(t.lots.c.account_id, func.sum(t.lots.c.remaining))
                .group_by(t.lots.c.account_id)).all()}
        for acc_id, kind, _holder, cur, allow_neg, balance in con.execute(select(
                t.accounts.c.id, t.accounts.c.kind, t.accounts.c.holder, t.accounts.c.currency,
                t.accounts.c.allow_negative, t.accounts.c.balance)).all():
            posted = int(sums.get(acc_id) or 0)
            if posted != balance:
                out.append(f"account {acc_id} ({kind} {cur}): balance {balance} but postings "
                           f"sum to {posted}")
            if balance < 0 and not allow_neg:
                out.append(f"account {acc_id} ({kind} {cur}) is negative: {balance}")
            if kind == "person" and int(lot_sums.get(acc_id) or 0) != balance:
                out.append(f"account {acc_id} ({cur}): lots hold {lot_sums.get(acc_id) or 0} "
                           f"but the balance is {balance}")
        for cur, total in con.execute(
                select(t.accounts.c.currency, func.sum(t.accounts.c.balance))
                .group_by(t.accounts.c.currency)).all():
            if int(total) != 0:
                out.append(f"currency {cur}: balances sum to {total}, not 0")
        for cid, rid, stock, reserved, redeemed in con.execute(select(
                t.rewards.c.campaign_id, t.rewards.c.reward_id, t.rewards.c.stock,
                t.rewards.c.reserved, t.rewards.c.redeemed)).all():
            if min(stock, reserved, redeemed) < 0:
                out.append(f"reward {cid}/{rid}: stock {stock}, reserved {reserved}, "
                           f"redeemed {redeemed}")
    return out
