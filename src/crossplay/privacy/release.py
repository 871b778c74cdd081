"""Aggregate release to a partner: k-suppression, secondary suppression, optional DP noise.

``release(settings, "overlap_by_category_pair", for_partner="game", epsilon=None)``
(``crossplay release NAME --for PARTNER [--epsilon E]``) runs a named query of
:mod:`crossplay.privacy.aggregates` and returns one row per group of the query's public
domain:

- **exact** (no ε): a group of fewer than k people (``settings.privacy_k``, default 10) is
  suppressed (its metrics are withheld). Then *secondary suppression*: in every line of
  the table (the whole table for one dimension; each row and each column for two) the
  suppressed groups must hold 0 or at least k people together, else the smallest
  released group of that line is suppressed too, until that holds everywhere. A partner
  who also receives the line's total (from a marginal query, or the PSI cardinality)
  learns by subtraction only the size of a union of at least k people, never a small
  group. Not covered: a full linear-programming audit over many queries, and two
  releases taken at different times (a person added between them) — use ε for those.
- **noisy** (``epsilon``): OpenDP's Laplace mechanism on every metric of every group of
  the public domain (empty groups included, so presence is not revealed); counts have
  sensitivity 1, sums clamp each person to ``[0, bound]`` (sensitivity = bound); ε is
  split evenly over the metrics. Groups whose *noisy* people count is below k are then
  suppressed (post-processing, no extra cost). ε is spent from the partner's budget
  (``settings.privacy_epsilon_budget``), recorded in ``privacy_budget`` before the
  result is computed; a release that would overspend is refused.

Every release is audited (query, partner, ε, groups released / suppressed).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from crossplay.core import clock
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.aggregates import QUERIES, AggregateQuery
from crossplay.privacy.audit import engine_for, record
from crossplay.privacy.tables import budget_spend

_PG_BUDGET_LOCK = 0x62756467  # 'budg'


class BudgetError(CrossplayError):
    code = "budget_exhausted"


@dataclass
class Release:
    query: str
    for_partner: Partner
    k: int
    epsilon: float | None
    dims: tuple[str, ...]
    metrics: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    budget_left: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "for": self.for_partner, "k": self.k,
                "epsilon": self.epsilon, "dims": list(self.dims),
                "metrics": list(self.metrics), "budget_left": self.budget_left,
                "rows": self.rows}


def suppress(cells: dict[tuple[str, ...], float], k: int, ndims: int) -> set[tuple[str, ...]]:
    """Primary (< k) and secondary suppression; returns the suppressed group keys."""
    hidden = {key for key, n in cells.items() if n < k}
    lines: list[list[tuple[str, ...]]] = []
    keys = list(cells)
    if ndims == 1:
        lines.append(keys)
    else:
        for axis in range(ndims):
            groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
            for key in keys:
                rest = key[:axis] + key[axis + 1:]
                groups.setdefault(rest, []).append(key)
            lines += list(groups.values())
    changed = True
    while changed:
        changed = False
        for line in lines:
            total = sum(cells[c] for c in line if c in hidden)
            if 0 < total < k:
                shown = sorted((c for c in line if c not in hidden), key=lambda c: (cells[c], c))
                if shown:
                    hidden.add(shown[0])
                    changed = True
    return hidden


def spent(settings: Settings, partner: Partner) -> float:
    with engine_for(settings).connect() as conn:
        value = conn.execute(select(func.coalesce(func.sum(budget_spend.c.epsilon), 0.0))
                             .where(budget_spend.c.partner == partner)).scalar_one()
    return float(value)


def _spend(settings: Settings, partner: Partner, query: str, epsilon: float) -> float:
    """Record the spending (refusing to overspend); returns what is left."""
    budget = settings.privacy_epsilon_budget
    with engine_for(settings).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_BUDGET_LOCK})
        used = float(conn.execute(
            select(func.coalesce(func.sum(budget_spend.c.epsilon), 0.0))
            .where(budget_spend.c.partner == partner)).scalar_one())
        if used + epsilon > budget + 1e-12:
            raise BudgetError(
                f"{partner} has spent ε={used:g} of its budget ε={budget:g}; this release "
                f"needs ε={epsilon:g}. Use exact (k-suppressed) releases, a smaller ε, or "
                "raise privacy_epsilon_budget with the other partner's agreement")
        conn.execute(budget_spend.insert().values(partner=partner, query=query,
                                                  epsilon=epsilon, ts=clock.now()))
    return budget - used - epsilon


def _laplace(values: list[float], sensitivity: float, epsilon: float) -> list[float]:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    scale = sensitivity / epsilon
    meas = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=float, nan=False)),
                             dp.l1_distance(T=float), scale=scale)
    if float(meas.map(float(sensitivity))) > epsilon * (1 + 1e-9):  # type: ignore[no-untyped-call]
        raise CrossplayError("the Laplace mechanism does not meet the requested ε")
    return [float(v) for v in meas([float(v) for v in values])]


def _groups(settings: Settings, q: AggregateQuery) -> tuple[list[tuple[str, ...]],
                                                              dict[tuple[str, ...], list[float]]]:
    from crossplay.warehouse.duck import connect

    dims = ", ".join(q.dims)
    sums = ", ".join(f"sum({m.name})" for m in q.metrics)
    con = connect(settings)
    try:
        domains = [[str(r[0]) for r in con.sql(d).fetchall()] for d in q.domain_sql]
        rows = con.sql(f"SELECT {dims}, {sums} FROM ({q.sql}) GROUP BY ALL").fetchall()
    finally:
        con.close()
    domain = [tuple(c) for c in itertools.product(*[sorted(set(d)) for d in domains])]
    values: dict[tuple[str, ...], list[float]] = {
        key: [0.0] * len(q.metrics) for key in domain}
    nd = len(q.dims)
    for r in rows:
        key = tuple(str(v) for v in r[:nd])
        values[key] = [float(v or 0) for v in r[nd:]]
        if key not in domain:
            domain.append(key)
    return domain, values


def release(settings: Settings, name: str, *, for_partner: Partner,
            epsilon: float | None = None, actor: str | None = None) -> Release:
    """Run the named aggregate for ``for_partner`` (see the module docstring)."""
    q = QUERIES.get(name)
    if q is None:
        raise NotFoundError(f"no aggregate named {name!r}; choose from {', '.join(QUERIES)}")
    if for_partner not in PARTNERS:
        raise CrossplayError(f"unknown partner {for_partner!r}: use knowledge or game")
    if epsilon is not None and not (math.isfinite(epsilon) and epsilon > 0):
        raise CrossplayError("ε must be a positive number", code="bad_epsilon")
    k = settings.privacy_k
    left: float | None = None
    if epsilon is not None:
        left = _spend(settings, for_partner, name, epsilon)
    domain, values = _groups(settings, q)
    people = q.metrics[0].name
    assert q.metrics[0].kind == "count" and people == "people"
    if epsilon is None:
        hidden = suppress({key: values[key][0] for key in domain}, k, len(q.dims))
        shown = {key: values[key] for key in domain}
    else:
        per = epsilon / len(q.metrics)
        noisy: dict[tuple[str, ...], list[float]] = {key: [] for key in domain}
        for j, m in enumerate(q.metrics):
            sens = 1.0 if m.kind == "count" else m.bound
            out = _laplace([values[key][j] for key in domain], sens, per)
            for key, v in zip(domain, out, strict=True):
                noisy[key].append(max(0.0, v))
        hidden = {key for key in domain if noisy[key][0] < k}
        shown = {key: [round(v) if m.kind == "count" else round(v, 2)
                       for v, m in zip(noisy[key], q.metrics, strict=True)] for key in domain}
    rel = Release(name, for_partner, k, epsilon, q.dims, tuple(m.name for m in q.metrics),
                  budget_left=left)
    for key in sorted(domain):
        row: dict[str, Any] = dict(zip(q.dims, key, strict=True))
        row["suppressed"] = key in hidden
        for m, v in zip(q.metrics, shown[key], strict=True):
            row[m.name] = None if key in hidden else (
                int(v) if m.kind == "count" else round(float(v), 2))
        rel.rows.append(row)
    record(settings, "release", actor=actor or f"partner:{for_partner}",
           subject=f"query:{name}",
           details={"for": for_partner, "epsilon": epsilon, "k": k,
                    "groups": len(domain), "suppressed": len(hidden)})
    return rel
