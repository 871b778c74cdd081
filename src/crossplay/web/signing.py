"""The console's signing key and signed values: session cookies, CSRF tokens, privacy links.

The key is ``<data_dir>/keys/web.key`` (32 random bytes, hex, mode 0600), made on first use
— by the first of several workers that starts at once (``O_EXCL``; the others read it).
Rotating it (deleting the file) logs everybody out and voids every privacy-centre link.

Signed values are itsdangerous ``URLSafeTimedSerializer`` tokens, one *salt* per purpose,
so a value signed for one purpose (a session cookie) is never accepted for another
(a privacy link).
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from crossplay.core.settings import Settings

_CACHE: dict[Path, bytes] = {}
_LOCK = threading.Lock()


def key_path(settings: Settings) -> Path:
    return settings.keys_dir / "web.key"


def signing_key(settings: Settings) -> bytes:
    path = key_path(settings)
    with _LOCK:
        if path in _CACHE and path.exists():
            return _CACHE[path]
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        raw = ""
        for _ in range(50):  # another process may be between create and write
            raw = path.read_text(encoding="ascii").strip()
            if raw:
                break
            threading.Event().wait(0.01)
        key = bytes.fromhex(raw)
        _CACHE[path] = key
        return key


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_key(settings), salt=f"crossplay.{purpose}")


def sign(settings: Settings, purpose: str, value: Any) -> str:
    """``value`` (JSON-able) signed for ``purpose``, with the time it was signed."""
    return _serializer(settings, purpose).dumps(value)


def unsign(settings: Settings, purpose: str, token: str | None, max_age_s: float) -> Any:
    """The value of a token signed for ``purpose`` no longer than ``max_age_s`` ago, or None
    (missing, forged, for another purpose, expired, or signed in the future)."""
    if not token or len(token) > 4096:
        return None
    try:
        return _serializer(settings, purpose).loads(token, max_age=max(1, int(max_age_s)))
    except (SignatureExpired, BadSignature, ValueError):
        return None


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (False when either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


def nonce() -> str:
    return secrets.token_urlsafe(24)
