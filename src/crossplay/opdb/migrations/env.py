"""Alembic's environment for crossplay: run on the connection given in ``config.attributes``.

:mod:`crossplay.opdb.schema_version` opens the transaction (and takes the schema lock) before
Alembic starts, so every revision of one upgrade commits together or not at all.
"""

from __future__ import annotations

from alembic import context

from crossplay.opdb.meta import load_tables

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=load_tables(),
                  compare_type=True, compare_server_default=True)
with context.begin_transaction():
    context.run_migrations()
