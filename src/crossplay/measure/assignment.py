"""Deterministic assignment by hashing: any service computes the same variant, no call.

A unit (a pseudonymous ``user_key``) maps to a number in [0, 1) by
``u(salt, unit) = int(sha256(f"{salt}:{unit}")[:13 hex], 16) / 16**13`` (52 bits: exact in
a double). Two draws per person:

- the *layer* draw ``u(layer, unit)`` says whether the person falls in the experiment's
  ``layer_range``; experiments of one layer have disjoint ranges, so no person is in two
  of them (mutual exclusion);
- the *experiment* draw ``u(key, unit)`` picks the variant by cumulative weight.

The two use different salts, so the variant does not depend on the layer slice. The same
arithmetic exists as DuckDB SQL (:func:`variant_sql`) for assigning a whole audience from
the lake; a test pins both forms to each other.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

from crossplay.ingest.sqlbase import lit
from crossplay.measure.errors import MeasureError
from crossplay.measure.experiment import Experiment

_HEX = 13
_SCALE = float(16**_HEX)


def unit_draw(salt: str, unit: str) -> float:
    digest = hashlib.sha256(f"{salt}:{unit}".encode()).hexdigest()
    return int(digest[:_HEX], 16) / _SCALE


def _bounds(exp: Experiment) -> list[tuple[str, float]]:
    total = sum(v.weight for v in exp.variants)
    acc, out = 0.0, []
    for v in exp.variants:
        acc += v.weight / total
        out.append((v.key, acc))
    return out


def assign(exp: Experiment, unit: str) -> str | None:
    """The variant of ``unit``, or None when it falls outside the experiment's layer slice."""
    lo, hi = exp.layer_range
    if exp.layer is not None or (lo, hi) != (0.0, 1.0):
        d = unit_draw(exp.layer or exp.key + ":layer", unit)
        if not lo <= d < hi:
            return None
    u = unit_draw(exp.key, unit)
    for key, bound in _bounds(exp):
        if u < bound:
            return key
    return exp.variants[-1].key


def _draw_sql(salt: str, column: str) -> str:
    return (f"(CAST(('0x' || left(sha256({lit(salt + ':')} || {column}), {_HEX})) AS UBIGINT)"
            f" / {_SCALE!r})")


def variant_sql(exp: Experiment, column: str = "user_key") -> str:
    """SQL expression: the variant of the key in ``column`` (NULL outside the layer slice)."""
    u = _draw_sql(exp.key, column)
    cases = " ".join(f"WHEN {u} < {bound!r} THEN {lit(key)}" for key, bound in _bounds(exp)[:-1])
    expr = f"CASE {cases} ELSE {lit(exp.variants[-1].key)} END"
    lo, hi = exp.layer_range
    if exp.layer is not None or (lo, hi) != (0.0, 1.0):
        d = _draw_sql(exp.layer or exp.key + ":layer", column)
        expr = f"CASE WHEN {d} >= {lo!r} AND {d} < {hi!r} THEN {expr} END"
    return expr


def check_layers(experiments: Sequence[Experiment]) -> None:
    """Refuse two experiments of one layer whose slices overlap (they would share people)."""
    by_layer: dict[str, list[Experiment]] = {}
    for e in experiments:
        if e.layer:
            by_layer.setdefault(e.layer, []).append(e)
    for layer, exps in by_layer.items():
        ordered = sorted(exps, key=lambda e: e.layer_range)
        for a, b in itertools.pairwise(ordered):
            if b.layer_range[0] < a.layer_range[1]:
                raise MeasureError(
                    f"experiments {a.key!r} and {b.key!r} overlap in layer {layer!r} "
                    f"({list(a.layer_range)} and {list(b.layer_range)}): give them disjoint "
                    "layer_range slices", code="measure_layer_overlap",
                    params={"a": a.key, "b": b.key, "layer": layer,
                            "a_range": list(a.layer_range), "b_range": list(b.layer_range)})
