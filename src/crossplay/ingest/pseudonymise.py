"""Pseudonymous keys: ``user_key = HMAC-SHA256(partner_secret, native_id)``.

Keys are the first 32 hex characters (128 bits) of the HMAC. Native ids are replaced in
the batch before anything else sees it, so they reach neither the lake nor quarantine.

Speed: ids repeat across events, so each batch hashes only its distinct ids, and it does
so inside DuckDB (vectorised, multi-threaded C++) with HMAC written out from its
definition (RFC 2104) over DuckDB's ``sha256``:

    HMAC(K, m) = H((K0 xor opad) || H((K0 xor ipad) || m))

where K0 is K padded with zeros to the 64-byte SHA-256 block (or H(K) padded, when K is
longer). Python's ``hmac`` has no vectorised form and costs ~1 µs per id in a Python loop;
``user_key`` below is the reference the tests compare the SQL form against.

Key versions (see :mod:`crossplay.core.secrets`): after a rotation a partner has a chain
of secrets and the key is ``HMAC(s_n, ... HMAC(s_2, HMAC(s_1, native_id)[:32])...)[:32]``
(:func:`chained_user_key`); the SQL form nests the same expression.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import Plan
from crossplay.schema import TableSpec

KEY_HEX_CHARS = 32
_BLOCK = 64


def user_key(secret: bytes, native_id: str) -> str:
    """The pseudonymous key of one native id (reference implementation)."""
    return hmac.new(secret, native_id.encode("utf-8"), hashlib.sha256).hexdigest()[
        :KEY_HEX_CHARS
    ]


def chained_user_key(chain: bytes | tuple[bytes, ...], native_id: str) -> str:
    """The key of one native id under every key version in turn (reference)."""
    secrets = (chain,) if isinstance(chain, bytes) else chain
    key = native_id
    for secret in secrets:
        key = user_key(secret, key)
    return key


def rekey_sql(secret: bytes, column: str) -> str:
    """SQL expression: the next version's key of the key text in ``column``."""
    ipad, opad = _pads(secret)
    return (f"left(sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || "
            f"encode({column})))), {KEY_HEX_CHARS})")


def _pads(secret: bytes) -> tuple[str, str]:
    key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
    key = key.ljust(_BLOCK, b"\x00")
    ipad = bytes(b ^ 0x36 for b in key)
    opad = bytes(b ^ 0x5C for b in key)
    return ipad.hex(), opad.hex()


class Pseudonymiser:
    """Vectorised ``user_key`` over Arrow arrays for one secret."""

    def __init__(self, secret: bytes | tuple[bytes, ...],
                 con: duckdb.DuckDBPyConnection | None = None,
                 cache_size: int = 5_000_000) -> None:
        chain = (secret,) if isinstance(secret, bytes) else tuple(secret)
        self._known_ids = pa.array([], pa.string())
        self._known_keys = pa.array([], pa.string())
        self._cache_size = cache_size
        expr = "id"
        for s in chain:
            expr = rekey_sql(s, expr)
        self._sql = f"SELECT {expr} AS k FROM __ids"
        self._chain = chain
        self._con = con

    def key(self, native_id: str) -> str:
        return chained_user_key(self._chain, native_id)

    def keys(self, ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Keys for ``ids`` (any type; cast to text). Null and blank ids stay null.

        Distinct ids seen in earlier batches are remembered (up to ``cache_size``) so
        each id is hashed once per run.
        """
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
            ids = ids.cast(pa.string())
        encoded = ids.dictionary_encode()  # one hash pass; the dictionary is the distinct ids
        dictionary = pc.utf8_trim_whitespace(encoded.dictionary)
        blank = pc.equal(dictionary, pa.scalar("", pa.string()))
        dictionary = pc.if_else(blank, pa.scalar(None, pa.string()), dictionary)
        idx = pc.index_in(dictionary, value_set=self._known_ids)
        fresh_mask = pc.and_(pc.is_null(idx), pc.is_valid(dictionary))
        if pc.any(fresh_mask).as_py():
            fresh = pc.unique(dictionary.filter(fresh_mask))
            if len(self._known_ids) + len(fresh) > self._cache_size:  # start afresh
                self._known_ids = pc.unique(dictionary).drop_null()
                self._known_keys = self._hash(self._known_ids)
                idx = pc.index_in(dictionary, value_set=self._known_ids)
            else:
                base = len(self._known_ids)
                self._known_ids = pa.concat_arrays([self._known_ids, fresh])
                self._known_keys = pa.concat_arrays([self._known_keys, self._hash(fresh)])
                fresh_idx = pc.add(pc.index_in(dictionary, value_set=fresh), base)
                idx = pc.if_else(fresh_mask, fresh_idx, idx)
        dict_keys = pc.take(self._known_keys, idx)
        return pc.take(dict_keys, encoded.indices)

    def _hash(self, uniques: pa.Array) -> pa.Array:
        con = self._con or duckdb.connect()
        try:
            con.register("__ids", pa.table({"id": uniques}))
            return con.sql(self._sql).to_arrow_table().column("k").combine_chunks()
        finally:
            con.unregister("__ids")
            if self._con is None:
                con.close()


def id_secrets(settings: Settings, spec: TableSpec,
               partner: Partner) -> dict[str, tuple[bytes, ...]]:
    """Which secret chain pseudonymises which id field (checked before any work starts)."""
    out: dict[str, tuple[bytes, ...]] = {}
    for f in spec.fields:
        if f.kind == "pseudo_id" or (spec.name == "social_edges" and f.name == "dst_id"):
            owner: Partner = partner
            if f.name == "k_user_id":
                owner = "knowledge"
            elif f.name == "g_user_id":
                owner = "game"
            out[f.name] = secret_chain(settings, owner)
    return out


def pseudonymise_batch(batch: pa.Table, plan: Plan,
                      pseudo: dict[str, Pseudonymiser]) -> pa.Table:
    """Replace native id columns by their keys before anything else sees them."""
    for name, ps in pseudo.items():
        src = plan.mapping.columns.get(name, name)
        if src not in batch.column_names:
            continue
        idx = batch.column_names.index(src)
        keys = ps.keys(batch.column(src))
        if name == "dst_id":  # streamers are catalog items, not people: keep their id
            dst_type = _dst_types(batch, plan)
            if dst_type is not None:
                original = batch.column(src).combine_chunks().cast(pa.string())
                streamer = pc.equal(dst_type, pa.scalar("streamer", pa.string()))
                keys = pc.if_else(streamer, original, keys)
        batch = batch.set_column(idx, src, keys)
    return batch


def _dst_types(batch: pa.Table, plan: Plan) -> pa.Array | None:
    m = plan.mapping
    if "dst_type" in m.constants:
        value = str(m.constants["dst_type"])
        return pa.array([value] * batch.num_rows, pa.string())
    col = m.columns.get("dst_type", "dst_type")
    if col not in batch.column_names:
        return None
    arr = batch.column(col).combine_chunks().cast(pa.string())
    mapped = m.values.get("dst_type", {})
    if mapped:
        vals = arr.to_pylist()
        arr = pa.array([mapped.get(v, v) if v is not None else None for v in vals], pa.string())
    return arr


def scrub_raw(raw: str, header: list[str], id_cols: dict[str, Pseudonymiser],
              delimiter: str) -> str:
    """Replace native ids inside an unparseable row's text by their keys.

    JSON text: every ``"<id column>": value`` pair; anything else is read as a CSV row
    and the id columns are replaced by position.
    """
    text = raw.lstrip()
    if text.startswith("{"):
        for col, ps in id_cols.items():
            pattern = r'("' + re.escape(col) + r'"\s*:\s*)("?)([^",}\s]*)\2'

            def keyed(mt: re.Match[str], ps: Pseudonymiser = ps) -> str:
                value = mt.group(3)
                if not value or value == "null":
                    return mt.group(0)
                return f'{mt.group(1)}"{ps.key(value)}"'

            raw = re.sub(pattern, keyed, raw)
        return raw
    fields = next(csv.reader([raw], delimiter=delimiter), [])
    changed = False
    for col, ps in id_cols.items():
        if col in header:
            i = header.index(col)
            if i < len(fields) and fields[i].strip():
                fields[i] = ps.key(fields[i].strip())
                changed = True
    if not changed:
        return raw
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(fields)
    return buf.getvalue()
