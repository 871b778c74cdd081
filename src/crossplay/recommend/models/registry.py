"""Every model by its artifact name."""

from __future__ import annotations

from crossplay.recommend.models.base import Recommender
from crossplay.recommend.models.content import ContentBased
from crossplay.recommend.models.crossdomain import EMCDR, CrossALS, CrossItemKNN, Hybrid
from crossplay.recommend.models.knn import ItemKNN
from crossplay.recommend.models.mf import ALS, BPR
from crossplay.recommend.models.popularity import Popularity, SegmentPopularity

MODELS: dict[str, type[Recommender]] = {
    cls.name: cls for cls in (Popularity, SegmentPopularity, ItemKNN, ALS, BPR,
                              ContentBased, EMCDR, Hybrid, CrossALS, CrossItemKNN)
}
