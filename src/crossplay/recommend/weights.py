"""How behaviour becomes interaction strength and confidence (pure, no I/O).

An event of type ``t`` with value ``v`` (seconds, yuan or a score) adds
``base_t + per_log_t * ln(1 + v / unit_t)`` to the strength of its (user, item) pair; a
negative base (refunds) takes strength away. Pairs whose total strength is not positive are
dropped. The matrix the models see holds the *confidence* of each pair (Hu, Koren and
Volinsky 2008): ``alpha * ln(1 + strength / epsilon)`` (``log``, the default: a 10,000-hour
player does not outweigh everything else) or ``alpha * strength`` (``linear``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from crossplay.core.errors import ConfigError
from crossplay.ingest.sqlbase import lit
from crossplay.schema.tables import all_event_types


@dataclass(frozen=True)
class EventWeight:
    """Strength one event adds: ``base + per_log * ln(1 + value / unit)``."""

    base: float
    per_log: float = 0.0
    unit: float = 1.0


def _default_weights() -> dict[str, EventWeight]:
    return {
        # knowledge
        "course_view": EventWeight(1.0),
        "enroll": EventWeight(3.0),
        "lesson_watch": EventWeight(1.0, 1.0, 600.0),  # watch seconds
        "lesson_complete": EventWeight(2.0),
        "course_complete": EventWeight(5.0),
        "rating": EventWeight(0.0, 2.0, 1.0),  # score 1..5 -> 1.4 .. 3.6
        "purchase": EventWeight(5.0, 1.0, 10.0),  # yuan (knowledge and game)
        "refund": EventWeight(-5.0),
        # game
        "session": EventWeight(1.0, 1.0, 1800.0),  # session seconds
        "level_clear": EventWeight(0.3),
        "achievement": EventWeight(0.5),
        # stream
        "watch": EventWeight(1.0, 1.0, 600.0),  # watch seconds
        "chat": EventWeight(0.2),
        "gift": EventWeight(3.0, 1.0, 10.0),  # yuan
        "follow": EventWeight(3.0),
        "subscribe": EventWeight(5.0),
    }


@dataclass(frozen=True)
class InteractionConfig:
    """Event weights, confidence scaling and minimum activity.

    Event types absent from ``weights`` (check-ins, campaign pushes) add nothing.
    """

    weights: dict[str, EventWeight] = field(default_factory=_default_weights)
    confidence: Literal["log", "linear"] = "log"
    alpha: float = 10.0
    epsilon: float = 1.0
    min_user_items: int = 1
    min_item_users: int = 1

    def validate(self) -> InteractionConfig:
        known = set(all_event_types())
        unknown = sorted(set(self.weights) - known)
        if unknown:
            raise ConfigError(f"unknown event type(s) in weights: {', '.join(unknown)}; "
                              f"use one of {', '.join(sorted(known))}",
                              code="recommend_weights",
                              params={"unknown": ", ".join(unknown),
                                      "known": ", ".join(sorted(known))})
        for name, w in self.weights.items():
            if w.unit <= 0:
                raise ConfigError(f"weight of {name}: unit must be > 0",
                                  code="recommend_weights_unit", params={"event_type": name})
        if self.confidence not in ("log", "linear"):
            raise ConfigError("confidence must be log or linear",
                              code="recommend_weights_confidence")
        if self.alpha <= 0 or self.epsilon <= 0:
            raise ConfigError("alpha and epsilon must be > 0", code="recommend_weights_alpha")
        if self.min_user_items < 1 or self.min_item_users < 1:
            raise ConfigError("minimum activity must be at least 1",
                              code="recommend_weights_min_activity")
        return self

    def weight_sql(self, event_type: str = "event_type", value: str = "value") -> str:
        """A DuckDB expression giving each event's strength."""
        if not self.weights:
            return "0.0"
        parts = []
        for name, w in sorted(self.weights.items()):
            expr = f"{w.base!r}"
            if w.per_log:
                expr += f" + {w.per_log!r} * ln(1 + coalesce({value}, 0) / {w.unit!r})"
            parts.append(f"WHEN {lit(name)} THEN {expr}")
        return f"CASE {event_type} {' '.join(parts)} ELSE 0.0 END"

    def scale(self, strength: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """Confidence of pairs with the given (positive) strength."""
        s = np.asarray(strength, dtype=np.float64)
        if self.confidence == "log":
            out = self.alpha * np.log1p(s / self.epsilon)
        else:
            out = self.alpha * s
        return out.astype(np.float32)
