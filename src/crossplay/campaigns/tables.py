"""Operational tables of campaigns: the double-entry points ledger, lots, check-ins,
reward stock, reservations, the partner outbox and campaign state.

Amounts are integers (points, or the smallest unit of a partner currency); times are
integer microseconds since the Unix epoch (UTC), exact and comparable on both SQLite and
PostgreSQL. Every column holding a person key is marked with :func:`pseudonym`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from crossplay.opdb.meta import anonymise_on_erasure, metadata, person_id_text, pseudonym

#: an account: one per (holder, currency). Holders are person ids (``person:`` accounts) or
#: system names (``budget:<campaign>``, ``expired``, ``fees``, ...).
accounts = Table(
    "ledger_accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # person | system
    Column("holder", String(128), nullable=False, info=pseudonym("person")),
    Column("currency", String(16), nullable=False),
    # system accounts that issue value (the campaign's funding source, exchange pools) may
    # go below zero; person accounts never do (checked in the database, too)
    Column("allow_negative", Boolean, nullable=False, default=False),
    Column("balance", BigInteger, nullable=False, default=0),
    # recorded debt: points clawed back by a reversal that the balance could not cover
    Column("debt", BigInteger, nullable=False, default=0),
    UniqueConstraint("kind", "holder", "currency"),
    CheckConstraint("allow_negative OR balance >= 0", name="non_negative"),
    CheckConstraint("debt >= 0", name="debt_non_negative"),
    info=anonymise_on_erasure(),  # postings reference it; the books keep balancing
)

#: a ledger transaction: the unit of idempotency. ``idem_key`` is unique; ``request`` is the
#: canonical JSON of the request so a different request under a used key is refused. Both
#: may hold person ids (a check-in's key names the person and day): key rotation rewrites
#: them with the accounts, so a rerun after a rotation finds every award it already made.
transactions = Table(
    "ledger_transactions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idem_key", String(200), nullable=False, unique=True, info=person_id_text()),
    Column("kind", String(16), nullable=False),
    Column("campaign_id", String(64), nullable=True),
    Column("ts", BigInteger, nullable=False),
    Column("request", Text, nullable=False, info=person_id_text()),
    Column("result", Text, nullable=False),
    # a reversal names the transaction it reverses; unique, so nothing is reversed twice
    Column("reverses", Integer, ForeignKey("ledger_transactions.id"), nullable=True,
           unique=True),
)

#: postings: every transaction's postings sum to zero per currency
postings = Table(
    "ledger_postings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tx_id", Integer, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("currency", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Index("ix_ledger_postings_account_ts", "account_id", "ts"),
    Index("ix_ledger_postings_tx", "tx_id"),
)

#: lots: each credit to a person account; spending takes the oldest lots first
lots = Table(
    "ledger_lots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("tx_id", Integer, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("earned_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_in_range"),
    Index("ix_ledger_lots_open", "account_id", "remaining"),
    Index("ix_ledger_lots_expiry", "expires_at"),
)

#: how much each transaction took from each lot (so a cancel gives back the same lots)
lot_moves = Table(
    "ledger_lot_moves", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tx_id", Integer, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("lot_id", Integer, ForeignKey("ledger_lots.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Index("ix_ledger_lot_moves_tx", "tx_id"),
)

#: rewards and their stock, per campaign and partner
rewards = Table(
    "campaign_rewards", metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("reward_id", String(64), primary_key=True),
    Column("partner", String(16), nullable=False),
    Column("currency", String(16), nullable=False),
    Column("cost", BigInteger, nullable=False),
    Column("stock", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False, default=0),
    Column("redeemed", BigInteger, nullable=False, default=0),
    CheckConstraint("stock >= 0 AND reserved >= 0 AND redeemed >= 0", name="stock_non_negative"),
)

#: redemptions: reserve -> confirmed | cancelled
redemptions = Table(
    "campaign_redemptions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(64), nullable=False),
    Column("reward_id", String(64), nullable=False),
    Column("person_id", String(128), nullable=False, info=pseudonym("person")),
    Column("status", String(12), nullable=False),  # reserved | confirmed | cancelled
    Column("reserve_tx", Integer, ForeignKey("ledger_transactions.id"), nullable=False),
    Column("settle_tx", Integer, ForeignKey("ledger_transactions.id"), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    info=anonymise_on_erasure(),  # holds reward stock (reserved / redeemed)
)

#: messages to partners, written in the same transaction as the change they announce
outbox = Table(
    "campaign_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),
    Column("partner", String(16), nullable=False),
    Column("message_key", String(200), nullable=False, unique=True),
    Column("payload", Text, nullable=False, info=person_id_text()),
    Column("created_at", BigInteger, nullable=False),
    Column("delivered_at", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_campaign_outbox_pending", "delivered_at", "id"),
)

#: the consumer's side of the outbox: message keys already processed (idempotent consumer)
inbox = Table(
    "campaign_inbox", metadata,
    Column("consumer", String(64), primary_key=True),
    Column("message_key", String(200), primary_key=True),
    Column("processed_at", BigInteger, nullable=False),
)

#: awards issued by rules (one row per ledger transaction of kind ``award``), for caps,
#: budget burn and reporting
awards = Table(
    "campaign_awards", metadata,
    Column("tx_id", Integer, ForeignKey("ledger_transactions.id"), primary_key=True),
    Column("campaign_id", String(64), nullable=False),
    Column("person_id", String(128), nullable=False, info=pseudonym("person")),
    Column("rule_id", String(64), nullable=False),
    Column("local_day", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("device", String(128), nullable=True),
    Column("ts", BigInteger, nullable=False),
    Index("ix_campaign_awards_person_day", "campaign_id", "person_id", "local_day"),
    info=anonymise_on_erasure(clear=("device",)),  # budget burn and caps count awards
)

#: daily check-ins per platform (``source`` = event | makeup)
checkins = Table(
    "campaign_checkins", metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("person_id", String(128), primary_key=True, info=pseudonym("person")),
    Column("platform", String(16), primary_key=True),
    Column("local_day", Date, primary_key=True),
    Column("source", String(8), nullable=False),
    Column("ts", BigInteger, nullable=False),
)

#: a campaign's state: active | paused | budget_exhausted
campaign_state = Table(
    "campaign_state", metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

#: which partner reserved a redemption over the HTTP API: only that partner may see,
#: confirm or cancel it (another partner's id is "not found", never "forbidden")
redemption_partners = Table(
    "campaign_redemption_partners", metadata,
    Column("redemption_id", Integer, ForeignKey("campaign_redemptions.id"), primary_key=True),
    Column("partner", String(16), nullable=False),
)

#: the first answer to each write of the HTTP API, by partner and ``Idempotency-Key``: a
#: replay gets it back byte for byte. ``fingerprint`` (SHA-256 of method, path and the
#: validated body with the user as its ``user_key``, never a native id) tells a replay
#: from a reuse of the key for another request; ``status`` NULL means the
#: first request is still running (its claim, ``claimed_at``/``claim``, lapses after a
#: lease so a retry after a crash can run it again: every write under it is idempotent).
api_idempotency = Table(
    "api_idempotency", metadata,
    Column("partner", String(16), primary_key=True),
    Column("idem_key", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("claim", String(32), nullable=False),
    Column("claimed_at", BigInteger, nullable=False),
    Column("status", Integer, nullable=True),
    Column("media_type", String(64), nullable=True),
    Column("body", Text, nullable=True),
)
