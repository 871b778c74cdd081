"""Alembic migrations of the operational database, shipped inside the package.

``env.py`` runs them on the connection :mod:`crossplay.opdb.schema_version` hands it (no
``alembic.ini`` at run time); ``versions/`` holds one module per revision, ``0001`` being the
first released schema. A new table or column needs a new revision: write it with
``.venv/bin/python -m crossplay.opdb.new_revision "what it does"`` (autogenerate against the
head), review it, and check it in; ``tests/opdb/test_migrations.py`` fails while the tables
declared on :data:`crossplay.opdb.meta.metadata` and the head revision differ.
"""
