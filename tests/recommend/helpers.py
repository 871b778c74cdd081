"""Tiny matrices and catalogs whose right answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crossplay.recommend.dataset import Catalog

GROUP_TEXT = (("编程", ["编程", "Python"], "零基础学编程，Python 入门实战"),
              ("电竞", ["电竞", "MOBA"], "电竞比赛战术解说与英雄联盟"))


def checkerboard(n: int = 40) -> sp.csr_matrix:
    """Two groups of users and items; user u has every item of its group except item u.

    With consumed items filtered, the only unseen item of the user's own group is item u:
    every personalised model must rank it first (the held-out diagonal).
    """
    g = np.arange(n) // (n // 2)
    m = (g[:, None] == g[None, :]).astype(np.float32)
    np.fill_diagonal(m, 0.0)
    return sp.csr_matrix(m)


def catalog(n: int = 40, platforms: list[str] | None = None) -> Catalog:
    g = np.arange(n) // max(n // 2, 1) if n > 1 else np.zeros(n, np.int64)
    g = np.minimum(g, 1)
    cats = [GROUP_TEXT[x] for x in g]
    return Catalog(pd.DataFrame({
        "partner": "knowledge", "item_id": [f"c{i}" for i in range(n)],
        "platform": platforms or ["knowledge"] * n, "item_type": "course",
        "title": [f"{c[0]}课程{i} / Course {i}" for i, c in enumerate(cats)],
        "category": [c[0] for c in cats], "tags": [list(c[1]) for c in cats],
        "description": [c[2] for c in cats], "available": True}))
