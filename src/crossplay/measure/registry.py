"""Experiment documents kept under ``<data_dir>/experiments/<key>.yaml`` (validated)."""

from __future__ import annotations

from pathlib import Path

import yaml

from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.measure.assignment import check_layers
from crossplay.measure.experiment import Experiment, load_experiment


def experiments_dir(settings: Settings) -> Path:
    return settings.data_dir / "experiments"


def list_experiments(settings: Settings) -> list[Experiment]:
    d = experiments_dir(settings)
    return [load_experiment(p) for p in sorted(d.glob("*.yaml"))] if d.is_dir() else []


def get_experiment(settings: Settings, key: str) -> Experiment:
    path = experiments_dir(settings) / f"{key}.yaml"
    if not path.exists():
        known = ", ".join(e.key for e in list_experiments(settings)) or "none"
        raise NotFoundError(f"no experiment {key!r} (known: {known}); add one with "
                            "`crossplay experiment add FILE`")
    return load_experiment(path)


def save_experiment(settings: Settings, exp: Experiment) -> Path:
    """Store ``exp`` (replacing a document with the same key) after the layer check."""
    others = [e for e in list_experiments(settings) if e.key != exp.key]
    check_layers([*others, exp])
    d = experiments_dir(settings)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{exp.key}.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(exp.model_dump(mode="json"), allow_unicode=True,
                                  sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return path
