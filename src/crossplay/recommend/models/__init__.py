"""Recommenders with one interface (``Recommender``): see docs/recommendation.md."""

from crossplay.recommend.models.base import NotFittedError, Recommender, load_model
from crossplay.recommend.models.content import ContentBased
from crossplay.recommend.models.crossdomain import EMCDR, CrossALS, CrossItemKNN, Hybrid
from crossplay.recommend.models.knn import ItemKNN
from crossplay.recommend.models.mf import ALS, BPR
from crossplay.recommend.models.popularity import Popularity, SegmentPopularity
from crossplay.recommend.models.registry import MODELS

__all__ = ["ALS", "BPR", "EMCDR", "MODELS", "ContentBased", "CrossALS", "CrossItemKNN",
           "Hybrid", "ItemKNN", "NotFittedError", "Popularity", "Recommender", "SegmentPopularity",
           "load_model"]
