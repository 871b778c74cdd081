"""A block of simulated events in the generator's own terms (before any export shape)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.synth.sampling import BoolArray, IntArray


@dataclass(frozen=True)
class EventBlock:
    """Column arrays of equal length.

    ``person`` is the row in the chunk's ``People``; ``code`` indexes the platform's
    partner codes; ``item`` a catalog position (-1 none); ``ts`` local wall-clock seconds
    since the world's start; ``value`` is meaningful where ``has_value``; ``aux`` and
    ``tag`` are small per-platform extras (-1 none): lesson / level / phrase / gift /
    sku numbers, and a channel index.
    """

    person: IntArray
    code: IntArray
    item: IntArray
    ts: IntArray
    value: IntArray
    has_value: BoolArray
    aux: IntArray
    tag: IntArray

    @property
    def n(self) -> int:
        return int(self.person.size)

    @classmethod
    def make(
        cls, person: IntArray, code: int | IntArray, ts: IntArray, *,
        item: IntArray | None = None, value: IntArray | None = None,
        aux: IntArray | None = None, tag: IntArray | int | None = None,
    ) -> EventBlock:
        n = person.size
        none = np.full(n, -1, dtype=np.int64)

        def col(v: IntArray | int | None) -> IntArray:
            if v is None:
                return none
            return np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)).copy()

        return cls(
            person=person.astype(np.int64), code=col(code), item=col(item),
            ts=ts.astype(np.int64),
            value=col(value) if value is not None else np.zeros(n, np.int64),
            has_value=np.full(n, value is not None), aux=col(aux), tag=col(tag),
        )

    def select(self, rows: IntArray | BoolArray | slice) -> EventBlock:
        return EventBlock(
            self.person[rows], self.code[rows], self.item[rows], self.ts[rows],
            self.value[rows], self.has_value[rows], self.aux[rows], self.tag[rows],
        )

    def before(self, horizon: int) -> EventBlock:
        """Only the events strictly before ``horizon`` seconds."""
        return self.select(self.ts < horizon)

    def time_order(self) -> IntArray:
        """Row order by time, ties by person then code (deterministic)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        lo = int(self.ts.min())
        span_person = int(self.person.max()) + 1
        key = ((self.ts - lo) * span_person + self.person) * 32 + self.code
        return np.argsort(key).astype(np.int64)


def concat(blocks: list[EventBlock]) -> EventBlock:
    return EventBlock(*(
        np.concatenate([getattr(b, name) for b in blocks])
        for name in ("person", "code", "item", "ts", "value", "has_value", "aux", "tag")
    ))
