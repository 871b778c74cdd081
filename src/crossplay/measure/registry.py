"""Experiment documents kept in the operational database (SQLite or PostgreSQL).

Saving validates the layer slices against every other experiment of the same layer inside
the same write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL locks the table), so two
people adding overlapping experiments at once cannot both succeed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from crossplay.core import clock
from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.measure.assignment import check_layers
from crossplay.measure.experiment import Experiment
from crossplay.measure.tables import experiments
from crossplay.opdb import ensure_schema, get_engine


def _engine(settings: Settings | str) -> Engine:
    engine = get_engine(settings)
    ensure_schema(engine)
    return engine


def _load(doc: str) -> Experiment:
    return Experiment.model_validate_json(doc)


def list_experiments(settings: Settings | str) -> list[Experiment]:
    try:
        with _engine(settings).connect() as con:
            rows = con.execute(select(experiments.c.document)
                               .order_by(experiments.c.key)).all()
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read experiments: {exc}", code="experiment_read",
                          params={"detail": str(exc)}) from None
    return [_load(r.document) for r in rows]


def get_experiment(settings: Settings | str, key: str) -> Experiment:
    with _engine(settings).connect() as con:
        row = con.execute(select(experiments.c.document)
                          .where(experiments.c.key == key)).first()
    if row is None:
        known = ", ".join(e.key for e in list_experiments(settings)) or "none"
        raise NotFoundError(f"no experiment {key!r} (known: {known}); add one with "
                            "`crossplay experiment add FILE`", code="experiment_unknown",
                            params={"key": key, "known": known})
    return _load(row.document)


def save_experiment(settings: Settings | str, exp: Experiment) -> int:
    """Store ``exp`` (a new version when the key exists) after the layer check; returns
    the version."""
    engine = _engine(settings)
    doc = exp.model_dump_json()
    with engine.begin() as con:
        if con.dialect.name == "postgresql":
            con.execute(text("LOCK TABLE measure_experiments IN SHARE ROW EXCLUSIVE MODE"))
        existing = con.execute(select(experiments.c.key, experiments.c.version,
                                      experiments.c.document)).all()
        others = [_load(r.document) for r in existing if r.key != exp.key]
        check_layers([*others, exp])
        current = next((r for r in existing if r.key == exp.key), None)
        values: dict[str, Any] = {
            "layer": exp.layer, "layer_lo": exp.layer_range[0], "layer_hi": exp.layer_range[1],
            "document": doc, "updated_at": clock.now_us()}
        if current is None:
            con.execute(experiments.insert().values(key=exp.key, version=1, **values))
            return 1
        if current.document == doc:
            return int(current.version)
        version = int(current.version) + 1
        con.execute(experiments.update().where(experiments.c.key == exp.key)
                    .values(version=version, **values))
        return version
