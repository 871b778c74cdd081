"""The synthetic world's planted campaign as an experiment with its holdout.

The campaign tool of a real deployment logs each eligible person's assignment (treatment
or holdout) when the campaign starts. The synthetic world keeps that assignment in its
ground truth (``people/*.parquet``: ``campaign_eligible``, ``treated``), so this module
plays the campaign tool: it reads the assignment log from there — only the assignment,
never the true effects — and logs it as exposures through the ingest pipeline. The
analysis then sees only the lake.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.compute as pc
import pyarrow.dataset as ds

from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.measure.experiment import Experiment, MetricDef, Variant
from crossplay.measure.exposures import log_exposures
from crossplay.measure.registry import save_experiment


def _truth(world_dir: Path) -> dict[str, object]:
    path = world_dir / "ground_truth" / "truth.json"
    if not path.exists():
        raise NotFoundError(f"{path} does not exist: is {world_dir} a generated world?",
                            code="world_truth_missing",
                            params={"path": str(path), "world": str(world_dir)})
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def sample_experiment(world_dir: Path) -> tuple[Experiment, dt.datetime]:
    """The campaign's experiment document and the moment people were assigned."""
    truth = _truth(world_dir)
    camp = truth["campaign"]
    window = truth["window"]
    assert isinstance(camp, dict) and isinstance(window, dict)
    first = dt.date.fromisoformat(camp["first_day"])
    end = dt.date.fromisoformat(camp["end_exclusive"])
    zone = ZoneInfo(window.get("timezone", "Asia/Shanghai"))
    assigned = dt.datetime.combine(first, dt.time(0, 0), zone)
    days = (end - first).days
    start = dt.date.fromisoformat(window["start"])
    pre = min((first - start).days, 366)  # the pre-period covariate: the world before
    exp = Experiment(
        key=camp["id"], name=camp["title"], partner="knowledge", layer="knowledge_campaigns",
        variants=[Variant(key="holdout", weight=50), Variant(key="treatment", weight=50)],
        control="holdout", audience=camp["eligibility"],
        start=first - dt.timedelta(days=1), stop=end + dt.timedelta(days=1), mde=0.5,
        metrics=[
            MetricDef(key="course_purchase", kind="conversion", event_types=["purchase"],
                      item_types=["course", "audio", "ebook"], within_days=days,
                      role="primary"),
            MetricDef(key="revenue", kind="revenue", within_days=days, cuped_days=pre,
                      role="secondary"),
            MetricDef(key="learning_seconds", kind="time_spent", event_types=["lesson_watch"],
                      within_days=days, cuped_days=pre, role="secondary"),
            MetricDef(key="refunds", kind="count", event_types=["refund"], within_days=days,
                      role="guardrail", higher_is_better=False),
        ])
    return exp, assigned


def assignment_log(world_dir: Path) -> list[tuple[str, str]]:
    """``(native knowledge id, variant)`` of every eligible person (the tool's log)."""
    table = ds.dataset(world_dir / "ground_truth" / "people", format="parquet").to_table(
        columns=["k_uid", "campaign_eligible", "treated"])
    table = table.filter(pc.field("campaign_eligible"))
    return [(str(k), "treatment" if t else "holdout")
            for k, t in zip(table["k_uid"].to_pylist(), table["treated"].to_pylist(),
                            strict=True)]


def load_sample_campaign(settings: Settings, world_dir: Path) -> Experiment:
    """Save the campaign's experiment and log its assignments as exposures (idempotent)."""
    exp, assigned = sample_experiment(world_dir)
    save_experiment(settings, exp)
    log_exposures(settings, exp, ((k, v, assigned) for k, v in assignment_log(world_dir)))
    return exp


def find_world(settings: Settings) -> Path:
    """The generated world the lake was loaded from: ``<data_dir>/world``, else the world
    whose exports the latest ingest runs read (it holds ``ground_truth/``)."""
    default = settings.data_dir / "world"
    if (default / "ground_truth" / "truth.json").exists():
        return default
    from crossplay.lake import Lake

    for run in reversed(Lake(settings.lake_dir).read_manifest().runs):
        for src in run.sources:
            for parent in Path(src).parents:
                if (parent / "ground_truth" / "truth.json").exists():
                    return parent
    raise NotFoundError("no generated world found for this data directory: run "
                        "`crossplay demo` (or `crossplay generate`, then ingest)",
                        code="world_not_found")
