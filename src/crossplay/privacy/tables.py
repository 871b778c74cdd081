"""Operational tables of privacy and identity (declared on the shared opdb metadata).

- ``privacy_audit``: the append-only, hash-chained audit log (:mod:`crossplay.privacy.audit`);
- ``privacy_consents``: consent decisions made live (API, CLI) after ingest, history kept
  (:mod:`crossplay.privacy.consent`);
- ``privacy_links``: bind / unbind actions produced by PSI or live bindings
  (:mod:`crossplay.privacy.links`);
- ``privacy_budget``: differential-privacy spending per partner (:mod:`crossplay.privacy.release`);
- ``privacy_release_snapshots``: the exact release of each query frozen per period (the
  members it counted are in ``derived/releases``, where erasure and rotation reach them);
- ``privacy_key_versions``: the rotation history of partner secrets (no secret in it).

Every column holding a person key is marked with :func:`crossplay.opdb.pseudonym`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from crossplay.opdb import metadata, pseudonym

audit_log = Table(
    "privacy_audit", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("subject", String(256), nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("prev_hash"),
)

live_consents = Table(
    "privacy_consents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner", String(16), nullable=False),
    Column("user_key", String(64), nullable=False, index=True, info=pseudonym("partner")),
    Column("purpose", String(32), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("source", String(128), nullable=False),
)

live_links = Table(
    "privacy_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("k_user_key", String(64), nullable=False, index=True, info=pseudonym("knowledge")),
    Column("g_user_key", String(64), nullable=False, index=True, info=pseudonym("game")),
    Column("method", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("source", String(128), nullable=False),
)

budget_spend = Table(
    "privacy_budget", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner", String(16), nullable=False, index=True),
    Column("query", String(64), nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
)

release_snapshots = Table(
    "privacy_release_snapshots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("query", String(64), nullable=False),
    Column("period", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # released | withdrawn | withheld
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("members", BigInteger, nullable=False),
    Column("rows", Text, nullable=True),  # the frozen table (JSON) while it is served
    Column("reason", Text, nullable=True),
    UniqueConstraint("query", "period"),
)

key_versions = Table(
    "privacy_key_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("rotated_at", DateTime(timezone=True), nullable=False),
    Column("rows_rekeyed", BigInteger, nullable=False),
    UniqueConstraint("partner", "version"),
)

#: every table of this module (created by :func:`crossplay.privacy.audit.engine_for`)
ALL = (audit_log, live_consents, live_links, budget_spend, release_snapshots, key_versions)
