"""Assign a whole audience from the lake with the SQL form of the hash assignment.

The file is an export of person-level rows (the partner's own users, pseudonymous keys):
it is written to the audit log."""

from __future__ import annotations

from pathlib import Path

from crossplay.core.derived import write_parquet
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.measure.assignment import variant_sql
from crossplay.measure.experiment import Experiment
from crossplay.privacy.policy import Purpose, allowed_sql
from crossplay.warehouse import connect


def assign_audience(settings: Settings, exp: Experiment, out: Path) -> dict[str, int]:
    """Write ``user_key, partner, variant`` of every user of the experiment's partner (or of
    its ``audience_sql``) who granted marketing (opt-in, :mod:`crossplay.privacy.policy`)
    and falls inside the experiment's layer slice; returns counts per variant."""
    con = connect(settings, scope=exp.partner)
    try:
        keys = exp.audience_sql or (
            f"SELECT DISTINCT user_key FROM events WHERE partner = {lit(exp.partner)}")
        # an audience is for reaching people: only those with a current marketing grant
        keys = allowed_sql(Purpose.MARKETING, exp.partner, exp.partner, keys)
        table = con.sql(f"""
            SELECT user_key, {lit(exp.partner)} AS partner, variant FROM (
              SELECT user_key, {variant_sql(exp)} AS variant FROM ({keys}))
            WHERE variant IS NOT NULL ORDER BY user_key""").to_arrow_table()
    finally:
        con.close()
    write_parquet(table, out)
    from crossplay.privacy.audit import record

    record(settings, "measure.audience_export", actor="cli", subject=f"experiment:{exp.key}",
           details={"rows": table.num_rows, "path": str(out), "partner": exp.partner})
    counts: dict[str, int] = {}
    for v in table["variant"].to_pylist():
        counts[v] = counts.get(v, 0) + 1
    return counts
