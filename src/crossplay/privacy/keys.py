"""Pseudonymous keys of native ids under a partner's *current* key version.

The one place outside ingest that turns a native id into a ``user_key`` (consent updates,
erasure, PSI contact files). See :mod:`crossplay.core.secrets` for versions.
"""

from __future__ import annotations

from collections.abc import Iterable

from crossplay.core.secrets import secret_chain
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.pseudonymise import chained_user_key


def native_key(settings: Settings, partner: Partner, native_id: str) -> str:
    """``user_key`` of one native id (same as ingest computes it)."""
    return chained_user_key(secret_chain(settings, partner), native_id.strip())


def native_keys(settings: Settings, partner: Partner, native_ids: Iterable[str]) -> list[str]:
    chain = secret_chain(settings, partner)
    return [chained_user_key(chain, n.strip()) for n in native_ids]
