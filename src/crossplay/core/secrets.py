"""Partner secrets for pseudonymisation (``user_key = HMAC-SHA256(secret, native_id)``).

A secret comes from ``CROSSPLAY_<PARTNER>_SECRET`` (or crossplay.toml), else from the key
file ``<data_dir>/keys/<partner>.key`` that ``crossplay keys init`` (or the demo) writes.
There is no default: a missing secret is an error that says how to provide one.
"""

from __future__ import annotations

import os
import secrets as _secrets
from pathlib import Path

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner


def key_file(settings: Settings, partner: Partner) -> Path:
    return settings.keys_dir / f"{partner}.key"


def partner_secret(settings: Settings, partner: Partner) -> bytes:
    """The partner's HMAC secret, or a ``ConfigError`` naming both ways to provide it."""
    configured = settings.knowledge_secret if partner == "knowledge" else settings.game_secret
    if configured is not None:
        return configured.get_secret_value().encode("utf-8")
    path = key_file(settings, partner)
    if path.is_file():
        raw = path.read_text(encoding="ascii").strip()
        if len(raw) >= 32:
            return raw.encode("ascii")
        raise ConfigError(f"the key file {path} is too short; delete it and run "
                          f"`crossplay keys init --partner {partner}`", code="bad_secret")
    raise ConfigError(
        f"no secret for partner '{partner}': set CROSSPLAY_{partner.upper()}_SECRET "
        f"(at least 16 characters) or run `crossplay keys init --partner {partner}` "
        f"to create {path}",
        code="missing_secret",
    )


def init_secret(settings: Settings, partner: Partner, *, overwrite: bool = False) -> Path:
    """Create a random key file for ``partner`` (mode 0600); refuses to replace one."""
    path = key_file(settings, partner)
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} already exists; replacing it would orphan every "
                          "pseudonymous key already in the lake", code="secret_exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(_secrets.token_hex(32) + "\n")
    return path
