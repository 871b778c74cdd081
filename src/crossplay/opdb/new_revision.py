"""Write the next schema revision for developers: ``python -m crossplay.opdb.new_revision MSG``.

Upgrades a scratch SQLite database to the current head, lets Alembic's autogenerate compare
it with the tables declared on :data:`crossplay.opdb.meta.metadata`, and writes
``migrations/versions/<next number>_<slug>.py``. Review the file (autogenerate misses
renames and server-side details), run ``ruff format`` on it, and check it in.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from crossplay.opdb.schema_version import alembic_config, head


def next_revision_id(current: str) -> str:
    """``0001`` -> ``0002``: revisions are numbered in order."""
    return f"{int(current) + 1:04d}"


def write_revision(message: str) -> Path:
    """Autogenerate the next revision against the head; returns the file written."""
    rev_id = next_revision_id(head())
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        try:
            with engine.begin() as con:
                cfg = alembic_config(con)
                command.upgrade(cfg, "head")
                cfg.set_main_option("file_template", f"{rev_id}_{slug}")
                script = command.revision(cfg, message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].strip():
        print("usage: python -m crossplay.opdb.new_revision \"what the revision does\"",
              file=sys.stderr)
        return 2
    print(write_revision(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
