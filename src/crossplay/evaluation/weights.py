"""How a benchmark's value column becomes the training matrix's weights (pure).

``--weight`` names the transform of a (user, item) pair's value ``v`` — the sum of the
rating column over the pair's training rows (play hours, ratings, counts):

- ``binary``: 1 for every pair with a training row (the value is not read);
- ``linear``: ``v``;
- ``log1p``: ``ln(1 + v)``.

``linear`` and ``log1p`` need a finite value of 0 or more on every training row, and a
weight below ``MAX_WEIGHT`` (the models compute in float32). A pair whose weight is 0 is
no interaction (implicit's convention: no confidence): it is left out of the matrix.
ALS reads a weight ``w`` as the confidence ``1 + alpha * w`` (``alpha``: ``--alpha`` at
import, or ``--param als.alpha=...`` at run).
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from crossplay.core.errors import ConfigError

Weight = Literal["binary", "linear", "log1p"]
WEIGHTS: tuple[Weight, ...] = get_args(Weight)
MAX_WEIGHT = 1e12


def check_weight(name: str) -> Weight:
    for w in WEIGHTS:
        if name == w:
            return w
    raise ConfigError(f"unknown weight transform {name!r}: use {', '.join(WEIGHTS)}",
                      code="bench_weight", params={"name": name,
                                                   "weights": ", ".join(WEIGHTS)})


def check_alpha(alpha: float | None) -> float | None:
    if alpha is not None and not (math.isfinite(alpha) and alpha > 0):
        raise ConfigError(f"--alpha {alpha}: ALS's confidence scale must be a number above 0",
                          code="bench_alpha", params={"alpha": alpha})
    return alpha


def pair_weights(values: npt.NDArray[np.float64], weight: Weight
                 ) -> npt.NDArray[np.float64]:
    """Weights of pairs whose summed value is ``values`` (see the module docstring)."""
    if weight == "binary":
        return np.ones(values.shape, dtype=np.float64)
    if np.isnan(values).any():
        n = int(np.isnan(values).sum())
        raise ConfigError(f"--weight {weight} needs a value on every training row; {n} "
                          "pairs have none (import with the value column chosen, or use "
                          "--weight binary)", code="bench_weight_missing",
                          params={"weight": weight, "n": n})
    if (values < 0).any():
        n = int((values < 0).sum())
        raise ConfigError(f"--weight {weight} needs values of 0 or more; {n} pairs sum to "
                          "less", code="bench_weight_negative",
                          params={"weight": weight, "n": n})
    out = values if weight == "linear" else np.log1p(values)
    if out.size and not float(out.max()) < MAX_WEIGHT:
        top = float(out.max())
        raise ConfigError(f"--weight {weight} gives weights up to {top:g}, beyond "
                          f"{MAX_WEIGHT:g}: use --weight log1p", code="bench_weight_large",
                          params={"weight": weight, "top": top, "limit": MAX_WEIGHT})
    return np.asarray(out, dtype=np.float64)
