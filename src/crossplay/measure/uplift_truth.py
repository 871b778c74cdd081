"""A synthetic world's true campaign effects, keyed like the lake (evaluation only).

Never used to fit or score a model: it reads ``true_uplift`` from the world's ground truth
(``ground_truth/people/*.parquet``) and maps each person's native knowledge id to the
lake's pseudonymous ``user_key`` with the partner's secret chain, as ingest did
(:func:`crossplay.ingest.pseudonymise.chained_user_key`, the reference form). The uplift
evaluation then measures the share of *true* incremental conversions the policy captures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc
import pyarrow.dataset as ds

from crossplay.core.errors import NotFoundError
from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.pseudonymise import chained_user_key
from crossplay.measure.errors import MeasureError

_NATIVE = {"knowledge": "k_uid", "game": "g_uid"}


def true_effects_by_key(settings: Settings, world_dir: Path,
                        partner: Partner = "knowledge") -> dict[str, float]:
    """``user_key -> true uplift`` for every campaign-eligible person of the world."""
    people = world_dir / "ground_truth" / "people"
    if not people.is_dir() or not any(people.glob("*.parquet")):
        raise NotFoundError(f"no ground truth under {people}: is {world_dir} a generated "
                            "world?", code="uplift_no_truth",
                            params={"people": str(people), "world": str(world_dir)})
    table = ds.dataset(people, format="parquet").to_table(
        columns=[_NATIVE[partner], "campaign_eligible", "true_uplift"],
        filter=pc.field("campaign_eligible"))
    chain = secret_chain(settings, partner)
    natives = table.column(_NATIVE[partner]).to_pylist()
    effects = table.column("true_uplift").to_pylist()
    return {chained_user_key(chain, str(n).strip()): float(e)
            for n, e in zip(natives, effects, strict=True) if n is not None}


def true_effects_for(settings: Settings, world_dir: Path, user_keys: Sequence[str],
                     partner: Partner = "knowledge") -> npt.NDArray[np.float64]:
    """True uplift of each of ``user_keys`` (the experiment's people, in order).

    Raises when a key is not an eligible person of the world: then the lake was not loaded
    from this world (or with other secrets) and any figure would be wrong.
    """
    truth = true_effects_by_key(settings, world_dir, partner)
    missing = [k for k in user_keys if k not in truth]
    if missing:
        raise MeasureError(
            f"{len(missing):,} of {len(user_keys):,} people of the experiment are not "
            f"eligible people of the world at {world_dir}: was the lake loaded from this "
            "world with the current partner secrets?", code="uplift_truth_mismatch",
            params={"missing": len(missing), "n": len(user_keys), "world": str(world_dir)})
    return np.array([truth[k] for k in user_keys], dtype=np.float64)
