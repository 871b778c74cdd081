"""Operational table of partner API keys (declared on the shared opdb metadata).

- ``access_api_keys``: one row per key. Only the SHA-256 of the secret is stored; the secret
  itself is shown once, at creation. Times are integer microseconds since the Unix epoch
  (UTC), exact and comparable on SQLite and PostgreSQL, from :mod:`crossplay.core.clock`.

No column holds a person key: keys identify partners, not people.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from crossplay.opdb.meta import metadata

api_keys = Table(
    "access_api_keys", metadata,
    Column("key_id", String(16), primary_key=True),
    Column("partner", String(16), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    # known scopes, space-separated (see crossplay.access.apikeys.Scope)
    Column("scopes", String(256), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Column("last_used_at", BigInteger, nullable=True),
)
