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
  group. Counts *inside* a group (``buyers``) follow the same rules, both for the count
  and for its complement in the group (people who did not buy): a value below k —
  zero included, since "none of them bought" describes every one of them — is withheld,
  and so is every sum over those members (``spend`` over ``buyers``). The table is
  computed once per query and period and then frozen
  (:mod:`crossplay.privacy.release_periods`), so a partner toggling its users' consent
  between two requests gets the same table, or none.
- **noisy** (``epsilon``): OpenDP noise on every metric of every group of the public
  domain (empty groups included, so presence is not revealed); counts have sensitivity 1
  (discrete Laplace), sums clamp each person to ``[0, bound]`` (sensitivity = bound,
  Laplace); ε is split evenly over the metrics. Every cell carries its noise scale, a 95 %
  interval for the true value and a *mostly noise* flag (:mod:`crossplay.privacy.noise`);
  a noisy value below 0 is shown as 0. Groups whose *noisy* people count is below k are
  then suppressed, and inner counts and sums by the same rules on the noisy values
  (post-processing, no extra cost). ε must lie in ``[MIN_EPSILON, budget]`` (checked
  before anything is spent); it is spent from the partner's budget
  (``settings.privacy_epsilon_budget``), recorded in ``privacy_budget`` before the noise
  is drawn, and refunded if the release then fails; a release that would overspend is
  refused.

Derived cells (``spend_per_buyer``, :class:`crossplay.privacy.aggregates.Ratio`) are
computed from the released cells of their group in both kinds of release.

Every release is audited (query, partner, ε, groups released / suppressed).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select, text

from crossplay.core import clock
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.aggregates import QUERIES, AggregateQuery, Metric
from crossplay.privacy.audit import engine_for, record
from crossplay.privacy.noise import (
    ALPHA,
    CONFIDENCE,
    Mechanism,
    NoisyCell,
    draw,
    mechanism,
    noisy_cell,
    ratio_cell,
    ratio_value,
)
from crossplay.privacy.release_periods import ReleaseWithheld, frozen_table
from crossplay.privacy.tables import budget_spend

_PG_BUDGET_LOCK = 0x62756467  # 'budg'
#: the smallest ε a release accepts (below it the noise scale is meaningless, and a
#: denormal ε such as 1e-320 makes the scale infinite)
MIN_EPSILON = 1e-4

Key = tuple[str, ...]


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
    derived: tuple[str, ...] = ()
    #: each row: the dims, ``suppressed``, one value per metric and derived cell (None
    #: when withheld); noisy releases add ``noise``: per cell, :meth:`NoisyCell.as_dict`
    rows: list[dict[str, Any]] = field(default_factory=list)
    budget_left: float | None = None
    budget: float | None = None  # noisy releases: the partner's whole budget
    #: noisy releases: per metric, its mechanism (:meth:`Mechanism.as_dict`); per derived
    #: cell, how its interval is propagated
    noise: dict[str, dict[str, Any]] | None = None
    period: str | None = None  # exact releases: the period whose frozen table this is
    computed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "for": self.for_partner, "k": self.k,
                "epsilon": self.epsilon, "epsilon_spent": self.epsilon or 0.0,
                "budget": self.budget, "budget_left": self.budget_left,
                "dims": list(self.dims), "metrics": list(self.metrics),
                "derived": list(self.derived), "noise": self.noise,
                "period": self.period, "computed_at": self.computed_at,
                "rows": self.rows}


def _lines(keys: list[Key], ndims: int) -> list[list[Key]]:
    if ndims == 1:
        return [keys]
    lines: list[list[Key]] = []
    for axis in range(ndims):
        groups: dict[Key, list[Key]] = {}
        for key in keys:
            groups.setdefault(key[:axis] + key[axis + 1:], []).append(key)
        lines += list(groups.values())
    return lines


def suppress(cells: dict[Key, float], k: int, ndims: int,
             start: set[Key] | None = None) -> set[Key]:
    """Primary (< k, and every key of ``start``) and secondary suppression; returns the
    suppressed keys."""
    hidden = {key for key, n in cells.items() if n < k} | set(start or ())
    lines = _lines(list(cells), ndims)
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


def hidden_cells(values: dict[Key, list[float]], metrics: tuple[Metric, ...], k: int,
                 ndims: int, *, secondary: bool = True) -> dict[str, set[Key]]:
    """Per metric, the groups whose value is withheld.

    The first metric counts the group's people: groups below k are suppressed (with
    secondary suppression when ``secondary``). Another count (``buyers``) is withheld
    where it or its complement in the group is below k, zero included, or where the
    group is; with ``secondary``, each of its lines must then hide 0 or at least k of
    them (and of the complement) too. A sum is withheld wherever its ``over`` count is.
    """
    people = {key: v[0] for key, v in values.items()}
    groups = suppress(people, k, ndims) if secondary else {
        key for key, n in people.items() if n < k}
    out: dict[str, set[Key]] = {metrics[0].name: groups}
    for j, m in enumerate(metrics[1:], start=1):
        if m.kind != "count":
            continue
        inner = {key: v[j] for key, v in values.items()}
        rest = {key: people[key] - inner[key] for key in values}
        hidden = groups | {key for key in values if inner[key] < k or rest[key] < k}
        if secondary:
            while True:
                more = suppress(rest, k, ndims, suppress(inner, k, ndims, hidden))
                if more == hidden:
                    break
                hidden = more
        out[m.name] = hidden
    for m in metrics:
        if m.kind != "count":
            if m.over not in out:
                raise CrossplayError(f"metric {m.name} is summed over {m.over!r}, which is "
                                     "not a count of the query", code="release_definition",
                                     params={"metric": m.name, "over": m.over})
            out[m.name] = out[m.over]
    return out


def spent(settings: Settings, partner: Partner) -> float:
    with engine_for(settings).connect() as conn:
        value = conn.execute(select(func.coalesce(func.sum(budget_spend.c.epsilon), 0.0))
                             .where(budget_spend.c.partner == partner)).scalar_one()
    return float(value)


def check_epsilon(settings: Settings, epsilon: float) -> None:
    """Refuse an ε that is not a number in ``[MIN_EPSILON, budget]`` (nothing is spent)."""
    budget = settings.privacy_epsilon_budget
    if not (math.isfinite(epsilon) and MIN_EPSILON <= epsilon <= budget):
        raise CrossplayError(
            f"ε must be a number from {MIN_EPSILON:g} to the privacy budget {budget:g} "
            f"(got {epsilon!r}); nothing was spent. Use e.g. --epsilon 0.5",
            code="bad_epsilon", params={"low": MIN_EPSILON, "budget": budget, "got": epsilon})


def _spend(settings: Settings, partner: Partner, query: str,
           epsilon: float) -> tuple[float, int]:
    """Record the spending (refusing to overspend); returns what is left and the entry id."""
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
                "raise privacy_epsilon_budget with the other partner's agreement",
                code="budget_exhausted", params={"partner": partner, "used": used, "budget": budget,
                        "needed": epsilon})
        entry = conn.execute(budget_spend.insert().values(
            partner=partner, query=query, epsilon=epsilon, ts=clock.now())
        ).inserted_primary_key
    assert entry is not None
    return budget - used - epsilon, int(entry[0])


def _refund(settings: Settings, entry: int) -> None:
    """Take back a spending whose release failed before anything was handed out."""
    with engine_for(settings).begin() as conn:
        conn.execute(budget_spend.delete().where(budget_spend.c.id == entry))


def _per_person(settings: Settings, q: AggregateQuery) -> tuple[list[Key], pa.Table]:
    """The query's public domain and one row per person: ``person_id``, the dims, the
    metrics and ``digest`` (a hash of the person's row, to notice changes)."""
    from crossplay.warehouse.duck import connect

    cols = [*q.dims, *(m.name for m in q.metrics)]
    parts = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in cols)
    con = connect(settings)
    try:
        domains = [[str(r[0]) for r in con.sql(d).fetchall()] for d in q.domain_sql]
        per = con.sql(f"SELECT person_id, {', '.join(cols)}, "
                      f"left(md5(concat_ws('|', {parts})), 16) AS digest "
                      f"FROM ({q.sql})").to_arrow_table()
    finally:
        con.close()
    domain = [tuple(c) for c in itertools.product(*[sorted(set(d)) for d in domains])]
    return domain, per


def _sums(q: AggregateQuery, domain: list[Key], per: pa.Table
          ) -> tuple[list[Key], dict[Key, list[float]]]:
    """Per group of the domain (groups outside it appended): the metric sums."""
    values: dict[Key, list[float]] = {key: [0.0] * len(q.metrics) for key in domain}
    domain = list(domain)
    if per.num_rows:
        agg = per.group_by(list(q.dims)).aggregate([(m.name, "sum") for m in q.metrics])
        data = agg.to_pydict()
        for i in range(agg.num_rows):
            key = tuple(str(data[d][i]) for d in q.dims)
            values[key] = [float(data[f"{m.name}_sum"][i] or 0) for m in q.metrics]
            if key not in domain:
                domain.append(key)
    return domain, values


def _rows(q: AggregateQuery, domain: list[Key], shown: dict[Key, list[float]],
          hidden: dict[str, set[Key]]) -> list[dict[str, Any]]:
    groups = hidden[q.metrics[0].name]
    rows = []
    for key in sorted(domain):
        row: dict[str, Any] = dict(zip(q.dims, key, strict=True))
        row["suppressed"] = key in groups
        for m, v in zip(q.metrics, shown[key], strict=True):
            row[m.name] = None if key in hidden[m.name] else (
                round(v) if m.kind == "count" else round(float(v), 2))
        rows.append(row)
    return rows


def _with_derived(q: AggregateQuery, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with each derived cell of ``q``, withheld where either part is."""
    out = []
    for row in rows:
        row = dict(row)
        for r in q.derived:
            num, den = row.get(r.num), row.get(r.den)
            row[r.name] = (ratio_value(num, den, r.bound)
                           if num is not None and den is not None and den > 0 else None)
        out.append(row)
    return out


def _withheld(cell: NoisyCell) -> dict[str, Any]:
    return {"value": None, "noise_scale": cell.noise_scale, "ci_low": None,
            "ci_high": None, "mostly_noise": None}


def noisy_rows(q: AggregateQuery, domain: list[Key], values: dict[Key, list[float]],
               epsilon: float, k: int) -> tuple[list[dict[str, Any]], dict[str, Mechanism]]:
    """The noisy table of ``q`` (pure: draws OpenDP noise, touches no store).

    ``values`` holds the true metric sums per group of ``domain``; ε is split evenly over
    the metrics. Returns the rows (values as printed, suppression on the noisy values,
    ``noise`` per cell) and each metric's mechanism.
    """
    share = epsilon / len(q.metrics)
    mechs: dict[str, Mechanism] = {}
    raw: dict[Key, dict[str, float]] = {key: {} for key in domain}
    for j, m in enumerate(q.metrics):
        mech = mechanism("count" if m.kind == "count" else "sum",
                         1.0 if m.kind == "count" else m.bound, share)
        mechs[m.name] = mech
        out = draw(mech, [values[key][j] for key in domain])
        for key, v in zip(domain, out, strict=True):
            raw[key][m.name] = v
    cells = {key: {m.name: noisy_cell(mechs[m.name], raw[key][m.name]) for m in q.metrics}
             for key in domain}
    shown = {key: [cells[key][m.name].value for m in q.metrics] for key in domain}
    rows = _with_derived(q, _rows(q, domain, shown,
                                  hidden_cells(shown, q.metrics, k, len(q.dims),
                                               secondary=False)))
    for row in rows:
        key = tuple(row[d] for d in q.dims)
        noise = {m.name: cells[key][m.name].as_dict() if row[m.name] is not None
                 else _withheld(cells[key][m.name]) for m in q.metrics}
        for r in q.derived:
            cell = ratio_cell((mechs[r.num], raw[key][r.num]), (mechs[r.den], raw[key][r.den]),
                              row[r.name] or 0.0, r.bound)
            noise[r.name] = cell.as_dict() if row[r.name] is not None else _withheld(cell)
        row["noise"] = noise
    return rows, mechs


def _noise_info(q: AggregateQuery, mechs: dict[str, Mechanism]) -> dict[str, dict[str, Any]]:
    info = {name: mech.as_dict() for name, mech in mechs.items()}
    for r in q.derived:
        info[r.name] = {"mechanism": "derived", "of": [r.num, r.den],
                        "method": "bonferroni", "part_confidence": 1 - ALPHA / 2,
                        "confidence": CONFIDENCE, "bound": r.bound}
    return info


def release(settings: Settings, name: str, *, for_partner: Partner,
            epsilon: float | None = None, actor: str | None = None) -> Release:
    """Run the named aggregate for ``for_partner`` (see the module docstring)."""
    q = QUERIES.get(name)
    if q is None:
        raise NotFoundError(f"no aggregate named {name!r}; choose from {', '.join(QUERIES)}",
                            code="unknown_aggregate",
                            params={"name": name, "names": ", ".join(QUERIES)})
    if for_partner not in PARTNERS:
        raise CrossplayError(f"unknown partner {for_partner!r}: use knowledge or game",
                             code="release_partner", params={"partner": for_partner})
    if epsilon is not None:
        check_epsilon(settings, epsilon)
    k = settings.privacy_k
    assert q.metrics[0].kind == "count" and q.metrics[0].name == "people"
    rel = Release(name, for_partner, k, epsilon, q.dims, tuple(m.name for m in q.metrics),
                  tuple(r.name for r in q.derived))
    audit: dict[str, Any] = {"for": for_partner, "epsilon": epsilon, "k": k}
    base, per = _per_person(settings, q)
    domain, values = _sums(q, base, per)
    if epsilon is None:
        try:
            snap = frozen_table(settings, name, per.select(["person_id", "digest"]),
                                lambda: _rows(q, domain, values,
                                              hidden_cells(values, q.metrics, k, len(q.dims))))
        except ReleaseWithheld as exc:
            record(settings, "release", actor=actor or f"partner:{for_partner}",
                   subject=f"query:{name}", details={**audit, "withheld": exc.code})
            raise
        rel.rows, rel.period = _with_derived(q, snap.rows), snap.period
        rel.computed_at = snap.created_at.isoformat(timespec="seconds")
    else:
        rel.budget_left, entry = _spend(settings, for_partner, name, epsilon)
        rel.budget = settings.privacy_epsilon_budget
        try:
            rel.rows, mechs = noisy_rows(q, domain, values, epsilon, k)
            rel.noise = _noise_info(q, mechs)
        except BaseException:
            _refund(settings, entry)
            raise
    suppressed = sum(r["suppressed"] for r in rel.rows)
    record(settings, "release", actor=actor or f"partner:{for_partner}",
           subject=f"query:{name}",
           details={**audit, "period": rel.period, "groups": len(rel.rows),
                    "suppressed": suppressed})
    return rel
