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
- **noisy** (``epsilon``): OpenDP's Laplace mechanism on every metric of every group of
  the public domain (empty groups included, so presence is not revealed); counts have
  sensitivity 1, sums clamp each person to ``[0, bound]`` (sensitivity = bound); ε is
  split evenly over the metrics. Groups whose *noisy* people count is below k are then
  suppressed, and inner counts and sums by the same rules on the noisy values
  (post-processing, no extra cost). ε must lie in ``[MIN_EPSILON, budget]`` (checked
  before anything is spent); it is spent from the partner's budget
  (``settings.privacy_epsilon_budget``), recorded in ``privacy_budget`` before the noise
  is drawn, and refunded if the release then fails; a release that would overspend is
  refused.

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
    rows: list[dict[str, Any]] = field(default_factory=list)
    budget_left: float | None = None
    period: str | None = None  # exact releases: the period whose frozen table this is
    computed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "for": self.for_partner, "k": self.k,
                "epsilon": self.epsilon, "dims": list(self.dims),
                "metrics": list(self.metrics), "budget_left": self.budget_left,
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
                                     "not a count of the query", code="release_definition")
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
            code="bad_epsilon")


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
                "raise privacy_epsilon_budget with the other partner's agreement")
        entry = conn.execute(budget_spend.insert().values(
            partner=partner, query=query, epsilon=epsilon, ts=clock.now())
        ).inserted_primary_key
    assert entry is not None
    return budget - used - epsilon, int(entry[0])


def _refund(settings: Settings, entry: int) -> None:
    """Take back a spending whose release failed before anything was handed out."""
    with engine_for(settings).begin() as conn:
        conn.execute(budget_spend.delete().where(budget_spend.c.id == entry))


def _laplace(values: list[float], sensitivity: float, epsilon: float) -> list[float]:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    scale = sensitivity / epsilon
    if not math.isfinite(scale):
        raise CrossplayError(f"ε={epsilon!r} gives no finite noise scale",
                             code="bad_epsilon")
    try:
        meas = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=float, nan=False)),
                                 dp.l1_distance(T=float), scale=scale)
        if float(meas.map(float(sensitivity))) > epsilon * (1 + 1e-9):  # type: ignore[no-untyped-call]
            raise CrossplayError("the Laplace mechanism does not meet the requested ε",
                                 code="release_noise")
        return [float(v) for v in meas([float(v) for v in values])]
    except dp.OpenDPException as exc:
        raise CrossplayError(f"OpenDP could not add the noise ({exc.variant}): "
                             "no budget was spent; try another ε",
                             code="release_noise") from None


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


def release(settings: Settings, name: str, *, for_partner: Partner,
            epsilon: float | None = None, actor: str | None = None) -> Release:
    """Run the named aggregate for ``for_partner`` (see the module docstring)."""
    q = QUERIES.get(name)
    if q is None:
        raise NotFoundError(f"no aggregate named {name!r}; choose from {', '.join(QUERIES)}")
    if for_partner not in PARTNERS:
        raise CrossplayError(f"unknown partner {for_partner!r}: use knowledge or game")
    if epsilon is not None:
        check_epsilon(settings, epsilon)
    k = settings.privacy_k
    assert q.metrics[0].kind == "count" and q.metrics[0].name == "people"
    rel = Release(name, for_partner, k, epsilon, q.dims, tuple(m.name for m in q.metrics))
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
        rel.rows, rel.period = snap.rows, snap.period
        rel.computed_at = snap.created_at.isoformat(timespec="seconds")
    else:
        rel.budget_left, entry = _spend(settings, for_partner, name, epsilon)
        try:
            per_metric = epsilon / len(q.metrics)
            noisy: dict[Key, list[float]] = {key: [] for key in domain}
            for j, m in enumerate(q.metrics):
                sens = 1.0 if m.kind == "count" else m.bound
                out = _laplace([values[key][j] for key in domain], sens, per_metric)
                for key, v in zip(domain, out, strict=True):
                    noisy[key].append(max(0.0, v))
            shown = {key: [float(round(v)) if m.kind == "count" else v
                           for v, m in zip(noisy[key], q.metrics, strict=True)]
                     for key in domain}
            rel.rows = _rows(q, domain, shown,
                             hidden_cells(shown, q.metrics, k, len(q.dims), secondary=False))
        except BaseException:
            _refund(settings, entry)
            raise
    suppressed = sum(r["suppressed"] for r in rel.rows)
    record(settings, "release", actor=actor or f"partner:{for_partner}",
           subject=f"query:{name}",
           details={**audit, "period": rel.period, "groups": len(rel.rows),
                    "suppressed": suppressed})
    return rel
