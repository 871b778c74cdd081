"""Summary statistics: what SQL (or numpy) reduces rows to before any test runs.

The statistics never see raw rows: a metric in one variant is a :class:`Moments`
(``n``, ``sum``, ``sum_sq``), a metric with a covariate or a ratio metric is a
:class:`JointMoments` (the sums of two per-person columns and their cross product).
Fields are floats, or numpy arrays of the same shape when many experiments are analysed
at once (the A/A simulations do this: every function here broadcasts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Num = Any  # a float or a numpy array of floats; every formula here broadcasts


@dataclass(frozen=True)
class Moments:
    """``n`` people, the sum and the sum of squares of one per-person value."""

    n: Num
    sum: Num
    sum_sq: Num

    @classmethod
    def of(cls, values: npt.ArrayLike) -> Moments:
        v = np.asarray(values, dtype=np.float64)
        return cls(float(v.size), float(v.sum()), float((v * v).sum()))

    @property
    def mean(self) -> Num:
        return self.sum / self.n

    @property
    def var(self) -> Num:
        """Sample variance (n - 1 in the denominator; 0 when n < 2)."""
        n = np.asarray(self.n, dtype=np.float64)
        ss = self.sum_sq - self.sum * self.sum / np.where(n > 0, n, 1.0)
        out = np.where(n > 1, np.maximum(ss, 0.0) / np.where(n > 1, n - 1, 1.0), 0.0)
        return out if out.ndim else float(out)

    @property
    def var_of_mean(self) -> Num:
        return self.var / self.n


@dataclass(frozen=True)
class JointMoments:
    """Two per-person values ``y`` (the metric) and ``x`` (a covariate or a denominator)."""

    n: Num
    sum_y: Num
    sum_yy: Num
    sum_x: Num
    sum_xx: Num
    sum_xy: Num

    @classmethod
    def of(cls, y: npt.ArrayLike, x: npt.ArrayLike) -> JointMoments:
        yv = np.asarray(y, dtype=np.float64)
        xv = np.asarray(x, dtype=np.float64)
        return cls(float(yv.size), float(yv.sum()), float((yv * yv).sum()), float(xv.sum()),
                   float((xv * xv).sum()), float((xv * yv).sum()))

    @property
    def y(self) -> Moments:
        return Moments(self.n, self.sum_y, self.sum_yy)

    @property
    def x(self) -> Moments:
        return Moments(self.n, self.sum_x, self.sum_xx)

    @property
    def sxx(self) -> Num:
        """Centred sum of squares of x (``(n - 1) * var(x)``)."""
        return self.sum_xx - self.sum_x * self.sum_x / self.n

    @property
    def sxy(self) -> Num:
        """Centred cross product of x and y (``(n - 1) * cov(x, y)``)."""
        return self.sum_xy - self.sum_x * self.sum_y / self.n

    @property
    def cov(self) -> Num:
        return self.sxy / (self.n - 1)
