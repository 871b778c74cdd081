"""Pseudonymous keys of native ids under a partner's *current* key version.

The one place outside ingest that turns a native id into a ``user_key`` (consent updates,
erasure, PSI contact files). See :mod:`crossplay.core.secrets` for versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crossplay.core.errors import ConfigError
from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.pseudonymise import KEY_HEX_CHARS, chained_user_key

_USER_KEY = re.compile(f"[0-9a-f]{{{KEY_HEX_CHARS}}}")


def native_key(settings: Settings, partner: Partner, native_id: str) -> str:
    """``user_key`` of one native id (same as ingest computes it)."""
    return chained_user_key(secret_chain(settings, partner), native_id.strip())


def native_keys(settings: Settings, partner: Partner, native_ids: Iterable[str]) -> list[str]:
    chain = secret_chain(settings, partner)
    return [chained_user_key(chain, n.strip()) for n in native_ids]


def check_user_key(value: str) -> str:
    """A ``user_key`` typed by a person (``--key``, ``--user-key``): trimmed and
    lower-cased, refused unless it is one — 32 hexadecimal characters, no prefix."""
    key = value.strip().lower()
    if not _USER_KEY.fullmatch(key):
        shown = value.strip()
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        raise ConfigError(
            f"{shown!r} is not a user key: a user_key is {KEY_HEX_CHARS} hexadecimal "
            f"characters (0-9, a-f) with no prefix, as crossplay stores it (see `crossplay "
            f"sql \"SELECT user_key FROM events LIMIT 1\"`); give a native id with --user "
            f"instead", code="bad_user_key", params={"shown": shown, "n": KEY_HEX_CHARS})
    return key
