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

Ids are checked while they are keyed (the SQL only ever sees keys): an id longer than
256 characters or holding a control character gets a problem code in a side column
(``ID_CHECK_PREFIX`` + field) that the validation SQL turns into a quarantine reason.

Rows that could not be parsed into fields (a CSV row with a field too many, a JSON line
that is an array or does not parse) have no id column to key, so :func:`mask_sql` keys
*every* value in their raw text (a quoted string or a run of characters that are not JSON
/ CSV structure), keeping only the structure and known column names: whatever the shape,
no native id survives, and an id that was a whole value becomes its ``user_key`` (so
erasure finds the row and rotation re-keys it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.limits import RAW_KEEP_CHARS
from crossplay.ingest.sqlbase import ID_CHECK_PREFIX, Plan, lit
from crossplay.schema import TableSpec
from crossplay.schema.tables import MAX_ID_CHARS

KEY_HEX_CHARS = 32
_BLOCK = 64
#: C0 control characters (NUL ... U+001F), in RE2 syntax
CONTROL_CHARS = r"[\x00-\x1f]"


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

    def key_sql(self, column: str) -> str:
        """SQL expression: the key of the text in ``column`` (no trimming)."""
        expr = column
        for s in self._chain:
            expr = rekey_sql(s, expr)
        return expr

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

    def keys_checked(self, ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array | None]:
        """:meth:`keys`, and each id's problem (None when no id has one).

        A problem is 'C' (the id holds a control character: NUL ... U+001F) or
        'L<n>' (it is n characters long, over the 256 allowed). Checked once per distinct id.
        """
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
            ids = ids.cast(pa.string())
        keys = self.keys(ids)
        encoded = ids.dictionary_encode()
        trimmed = pc.utf8_trim_whitespace(encoded.dictionary)
        lengths = pc.utf8_length(trimmed)
        control = pc.match_substring_regex(trimmed, CONTROL_CHARS)
        long = pc.greater(lengths, MAX_ID_CHARS)
        if not (pc.any(control).as_py() or pc.any(long).as_py()):
            return keys, None
        problem = pc.if_else(control, pa.scalar("C"), pc.if_else(
            long, pc.binary_join_element_wise("L", pc.cast(lengths, pa.string()), ""),
            pa.scalar(None, pa.string())))
        return keys, pc.take(problem, encoded.indices)

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
    """Replace native id columns by their keys before anything else sees them.

    An id with a problem (too long, a control character) adds the side column
    ``ID_CHECK_PREFIX + field`` for the validation SQL.
    """
    for name, ps in pseudo.items():
        src = plan.mapping.columns.get(name, name)
        if src not in batch.column_names:
            continue
        idx = batch.column_names.index(src)
        keys, problems = ps.keys_checked(batch.column(src))
        if problems is not None:
            batch = batch.append_column(ID_CHECK_PREFIX + name, problems)
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


def mask_sql(raw: str, key: Pseudonymiser | None, names: Sequence[str], delimiter: str,
             keep: int = RAW_KEEP_CHARS) -> str:
    """SQL: the text in column ``raw`` with every value keyed (see the module docstring).

    A value is a quoted string (``"..."`` with ``\\"`` or ``""`` escapes; its content is
    keyed, ``""`` read as ``"``) or a run of characters other than white space, ``"``,
    ``, : { } [ ]`` and the delimiter. Values equal to a known column name stay. Only the
    first ``keep`` characters are kept; a longer text ends with its length. Without a key
    (a table with no user ids) the text is only shortened.
    """
    cut = f"left({raw}, {keep})"
    suffix = (f"CASE WHEN length({raw}) > {keep} THEN ' … (' || length({raw}) || "
              "' characters)' ELSE '' END")
    if key is None:
        return f"{cut} || {suffix}"
    structure = "".join("\\" + c if c in "[]\\^-" else c for c in dict.fromkeys(
        ' ",:{}[]' + delimiter))
    token = r'"(?:[^"\\]|\\.|"")*"|[^\s' + structure + "]+"
    known = ", ".join(lit(n) for n in dict.fromkeys(names)) or "''"
    inner = "substr(p[2], 2, length(p[2]) - 2)"
    value = f"trim(replace({inner}, '\"\"', '\"'))"
    masked = (f"CASE WHEN p[2] IS NULL THEN '' WHEN p[2] IN ({known}) THEN p[2] "
              f"WHEN left(p[2], 1) = '\"' AND length(p[2]) >= 2 AND right(p[2], 1) = '\"' "
              f"THEN CASE WHEN {inner} IN ({known}) OR {value} = '' THEN p[2] "
              f"ELSE '\"' || {key.key_sql(value)} || '\"' END "
              f"ELSE {key.key_sql('p[2]')} END")
    pattern = lit(token)
    return (f"array_to_string(list_transform(list_zip(regexp_split_to_array({cut}, {pattern}), "
            f"regexp_extract_all({cut}, {pattern})), lambda p: p[1] || {masked}), '') "
            f"|| {suffix}")
