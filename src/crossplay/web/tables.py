"""Operational table of the console's operators (declared on the shared opdb metadata).

- ``web_operators``: one row per person who logs in to the dashboard. Only the argon2id
  hash of the password is stored. ``partner`` is NULL for joint staff (both partners'
  data) or the one partner a partner-scoped operator belongs to. ``session_epoch`` grows
  when the password changes or the operator is disabled: sessions carry the epoch they
  were issued in, so a change logs every earlier session out. Times are integer
  microseconds since the Unix epoch (UTC), from :mod:`crossplay.core.clock`.

No column holds a person key: operators are staff, not the partners' users.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from crossplay.opdb.meta import metadata

operators = Table(
    "web_operators", metadata,
    Column("operator_id", String(16), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("partner", String(16), nullable=True),
    Column("session_epoch", Integer, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
    Column("disabled_at", BigInteger, nullable=True),
    Column("last_login_at", BigInteger, nullable=True),
)
