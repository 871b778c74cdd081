"""The vectorised HMAC (written out over DuckDB's sha256) equals Python's hmac module."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.ingest.pseudonymise import Pseudonymiser, user_key

ids = st.lists(st.one_of(st.none(), st.text(min_size=0, max_size=40)), max_size=30)
secrets = st.binary(min_size=16, max_size=130)


@settings(max_examples=60, deadline=None)
@given(secret=secrets, batch=ids)
def test_sql_hmac_matches_reference(secret: bytes, batch: list[str | None]) -> None:
    got = Pseudonymiser(secret).keys(pa.array(batch, pa.string())).to_pylist()
    expected = [user_key(secret, v.strip()) if v is not None and v.strip() else None
                for v in batch]
    assert got == expected


def test_cache_across_batches_and_eviction() -> None:
    secret = b"0123456789abcdef0123"
    p = Pseudonymiser(secret, cache_size=3)
    for batch in (["a", "b", "a"], ["c", "d", "e", "a"], ["b"], [], ["中文", "a"]):
        assert p.keys(pa.array(batch, pa.string())).to_pylist() == [
            user_key(secret, v) for v in batch]


def test_non_text_ids_are_keyed_as_their_text() -> None:
    secret = b"0123456789abcdef0123"
    assert Pseudonymiser(secret).keys(pa.array([12, None, 7])).to_pylist() == [
        user_key(secret, "12"), None, user_key(secret, "7")]


def test_keys_are_128_bit_hex() -> None:
    key = user_key(b"0123456789abcdef", "K0001")
    assert len(key) == 32 and int(key, 16) >= 0
