"""Pseudonymous keys: ``user_key = HMAC-SHA256(partner_secret, native_id)``.

Keys are the first 32 hex characters (128 bits) of the HMAC. Native ids are replaced in
the batch before anything else sees it, so they reach neither the lake nor quarantine.
Each distinct id in a batch is hashed once (ids repeat across events), with a bounded
cache across batches.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

KEY_HEX_CHARS = 32


def user_key(secret: bytes, native_id: str) -> str:
    """The pseudonymous key of one native id (reference implementation)."""
    return hmac.new(secret, native_id.encode("utf-8"), hashlib.sha256).hexdigest()[
        :KEY_HEX_CHARS
    ]


class Pseudonymiser:
    """Vectorised, cached ``user_key`` over Arrow arrays for one secret."""

    def __init__(self, secret: bytes, cache_size: int = 2_000_000) -> None:
        self._inner = hmac.new(secret, digestmod=hashlib.sha256)
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def key(self, native_id: str) -> str:
        cached = self._cache.get(native_id)
        if cached is not None:
            return cached
        h = self._inner.copy()
        h.update(native_id.encode("utf-8"))
        out = h.hexdigest()[:KEY_HEX_CHARS]
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[native_id] = out
        return out

    def keys(self, ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Keys for ``ids`` (any type; cast to text). Null and blank ids stay null."""
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
            ids = ids.cast(pa.string())
        ids = pc.utf8_trim_whitespace(ids)
        ids = pc.if_else(pc.equal(ids, ""), pa.scalar(None, pa.string()), ids)
        uniques = pc.unique(ids).drop_null()
        hashed = pa.array([self.key(v) for v in uniques.to_pylist()], pa.string())
        idx = pc.index_in(ids, value_set=uniques)
        return pc.take(hashed, idx)
