"""Partner secrets for pseudonymisation (``user_key = HMAC-SHA256(secret, native_id)``).

A secret comes from ``CROSSPLAY_<PARTNER>_SECRET`` (or crossplay.toml), else from the key
file ``<data_dir>/keys/<partner>.key`` that ``crossplay keys init`` (or the demo) writes.
There is no default: a missing secret is an error that says how to provide one.

Versions: that first secret is version 1. ``crossplay keys rotate`` adds version N+1 as
``<data_dir>/keys/<partner>.v<N+1>.key``. Keys are *chained* through the versions::

    key_1 = HMAC(secret_1, native_id)[:32 hex]
    key_n = HMAC(secret_n, key_{n-1})[:32 hex]

so rotation can re-key every stored key without knowing any native id (native ids are
never stored), and a later ingest computes the same current key from the native id.
:func:`secret_chain` returns every version's secret, oldest first.
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
                          f"`crossplay keys init --partner {partner}`", code="bad_secret",
                          params={"path": str(path), "partner": partner})
    var = f"CROSSPLAY_{partner.upper()}_SECRET"
    raise ConfigError(
        f"no secret for partner '{partner}': set {var} "
        f"(at least 16 characters) or run `crossplay keys init --partner {partner}` "
        f"to create {path}",
        code="missing_secret", params={"partner": partner, "var": var, "path": str(path)},
    )


def rotated_key_file(settings: Settings, partner: Partner, version: int) -> Path:
    return settings.keys_dir / f"{partner}.v{version}.key"


def _rotated_versions(settings: Settings, partner: Partner) -> list[int]:
    versions: list[int] = []
    if settings.keys_dir.is_dir():
        for path in settings.keys_dir.glob(f"{partner}.v*.key"):
            tail = path.name[len(partner) + 2:-len(".key")]
            if tail.isdigit() and int(tail) >= 2:
                versions.append(int(tail))
    return sorted(versions)


def key_version(settings: Settings, partner: Partner) -> int:
    """The partner's current key version (1 until the first rotation)."""
    versions = _rotated_versions(settings, partner)
    return versions[-1] if versions else 1


def version_file(settings: Settings, partner: Partner) -> Path:
    """``<keys>/<partner>.version``: the current version, written by each rotation."""
    return settings.keys_dir / f"{partner}.version"


def secret_chain(settings: Settings, partner: Partner) -> tuple[bytes, ...]:
    """Every version's secret, oldest (version 1) first.

    Refuses a gap in the versions, and fewer versions than the last rotation recorded
    in ``<partner>.version`` (a lost newest key file would otherwise mint unrelated keys).
    """
    chain = [partner_secret(settings, partner)]
    marker = version_file(settings, partner)
    if marker.is_file():
        recorded = marker.read_text(encoding="ascii").strip()
        if recorded.isdigit() and int(recorded) > key_version(settings, partner):
            raise ConfigError(f"key version {recorded} of '{partner}' is missing from "
                              f"{settings.keys_dir}: restore it from the backup",
                              code="missing_key_version",
                              params={"version": recorded, "partner": partner,
                                      "keys": str(settings.keys_dir)})
    for expected, version in enumerate(_rotated_versions(settings, partner), start=2):
        if version != expected:
            raise ConfigError(f"key version {expected} of '{partner}' is missing from "
                              f"{settings.keys_dir}: restore it from the backup",
                              code="missing_key_version",
                              params={"version": expected, "partner": partner,
                                      "keys": str(settings.keys_dir)})
        raw = rotated_key_file(settings, partner, version).read_text(encoding="ascii").strip()
        if len(raw) < 32:
            raise ConfigError(f"the key file for version {version} of '{partner}' is too "
                              "short", code="bad_rotated_secret",
                              params={"version": version, "partner": partner})
        chain.append(raw.encode("ascii"))
    return tuple(chain)


def write_rotated_secret(settings: Settings, partner: Partner, version: int) -> Path:
    """Create the secret file of a new version (mode 0600); refuses to replace one."""
    path = rotated_key_file(settings, partner, version)
    if path.exists():
        raise ConfigError(f"{path} already exists", code="rotated_secret_exists",
                          params={"path": str(path)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(_secrets.token_hex(32) + "\n")
    version_file(settings, partner).write_text(f"{version}\n", encoding="ascii")
    return path


def init_secret(settings: Settings, partner: Partner, *, overwrite: bool = False) -> Path:
    """Create a random key file for ``partner`` (mode 0600); refuses to replace one."""
    path = key_file(settings, partner)
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} already exists; replacing it would orphan every "
                          "pseudonymous key already in the lake", code="secret_exists",
                          params={"path": str(path)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(_secrets.token_hex(32) + "\n")
    return path
