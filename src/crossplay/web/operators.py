"""The console's operators: accounts made from the CLI, argon2id passwords, roles.

``crossplay operator create|list|disable|enable|password`` call these functions; the
dashboard's login calls :func:`authenticate`. Passwords are hashed with argon2id
(argon2-cffi, its default parameters) and never stored or logged in clear. A failed login
takes the same time whether or not the user exists (a dummy hash is verified), and says
the same thing in both cases.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from crossplay.core.clock import now_us
from crossplay.core.errors import CrossplayError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.web.page import ROLES, Role, Viewer
from crossplay.web.tables import operators

#: shortest password accepted
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_USERNAME = 64

_hasher = PasswordHasher()
#: verified when the user does not exist, so both failures cost the same
_DUMMY_HASH = _hasher.hash("crossplay-no-such-operator")


class OperatorError(CrossplayError):
    code = "operator_error"


class LoginFailed(OperatorError):
    code = "operator_login_failed"


@dataclass(frozen=True)
class Operator:
    operator_id: str
    username: str
    role: Role
    partner: Partner | None
    session_epoch: int
    created_at: datetime
    disabled_at: datetime | None
    last_login_at: datetime | None

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.operator_id, self.username, self.role, self.partner)


def _engine(settings: Settings) -> Engine:
    from crossplay.opdb import ensure_schema, get_engine

    engine = get_engine(settings)
    ensure_schema(engine)
    return engine


def _dt(us: int | None) -> datetime | None:
    return None if us is None else datetime.fromtimestamp(us / 1e6, tz=UTC)


def _row(row: object) -> Operator:
    m = row._mapping  # type: ignore[attr-defined]
    created = _dt(m["created_at"])
    assert created is not None
    return Operator(m["operator_id"], m["username"], m["role"], m["partner"],
                    m["session_epoch"], created, _dt(m["disabled_at"]),
                    _dt(m["last_login_at"]))


def check_username(name: str) -> str:
    clean = unicodedata.normalize("NFC", name.strip())
    if not clean or len(clean) > MAX_USERNAME:
        raise OperatorError(f"a user name has 1 to {MAX_USERNAME} characters",
                            code="operator_bad_username", params={"max": MAX_USERNAME})
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in clean) or " " in clean:
        raise OperatorError("a user name must not contain spaces or control characters",
                            code="operator_username_chars")
    return clean


def check_password(password: str) -> str:
    if not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        raise OperatorError(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            code="operator_bad_password", params={"min": MIN_PASSWORD, "max": MAX_PASSWORD})
    return password


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise OperatorError(f"unknown role {role!r}: use one of {', '.join(ROLES)}",
                            code="operator_bad_role",
                            params={"role": role, "roles": ", ".join(ROLES)})
    return role


def check_partner(partner: str | None) -> Partner | None:
    if partner in (None, "", "joint"):
        return None
    if partner not in ("knowledge", "game"):
        raise OperatorError(f"unknown partner {partner!r}: use knowledge, game or joint",
                            code="operator_bad_partner", params={"partner": partner})
    return partner  # type: ignore[return-value]


def new_password() -> str:
    """A random password for a new account (printed once by the CLI)."""
    return secrets.token_urlsafe(15)


def create_operator(settings: Settings, username: str, password: str, *,
                    role: str = "viewer", partner: str | None = None) -> Operator:
    name = check_username(username)
    values = {"operator_id": "op_" + secrets.token_hex(6), "username": name,
              "password_hash": _hasher.hash(check_password(password)),
              "role": check_role(role), "partner": check_partner(partner),
              "session_epoch": 0, "created_at": now_us()}
    try:
        with _engine(settings).begin() as con:
            con.execute(insert(operators).values(**values))
    except IntegrityError:
        raise OperatorError(f"an operator named {name!r} exists already",
                            code="operator_exists", params={"username": name}) from None
    return get_operator(settings, name)


def list_operators(settings: Settings) -> list[Operator]:
    with _engine(settings).connect() as con:
        rows = con.execute(select(operators).order_by(operators.c.username)).all()
    return [_row(r) for r in rows]


def get_operator(settings: Settings, username: str) -> Operator:
    with _engine(settings).connect() as con:
        row = con.execute(select(operators).where(operators.c.username == username)).first()
    if row is None:
        raise NotFoundError(f"no operator {username!r}: `crossplay operator list` shows them",
                            code="operator_unknown", params={"username": username})
    return _row(row)


def operator_by_id(engine: Engine, operator_id: str) -> Operator | None:
    with engine.connect() as con:
        row = con.execute(select(operators)
                          .where(operators.c.operator_id == operator_id)).first()
    return None if row is None else _row(row)


def authenticate(settings: Settings, username: str, password: str) -> Operator:
    """The operator whose name and password these are, or :class:`LoginFailed`."""
    engine = _engine(settings)
    with engine.connect() as con:
        row = con.execute(select(operators).where(
            operators.c.username == unicodedata.normalize("NFC", username.strip())
        )).first()
    stored = row._mapping["password_hash"] if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD])
        ok = row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or row._mapping["disabled_at"] is not None:
        raise LoginFailed("wrong user name or password", code="operator_login_failed")
    op = _row(row)
    changes: dict[str, object] = {"last_login_at": now_us()}
    if _hasher.check_needs_rehash(stored):
        changes["password_hash"] = _hasher.hash(password)
    with engine.begin() as con:
        con.execute(update(operators).where(operators.c.operator_id == op.operator_id)
                    .values(**changes))
    return op


def _change(settings: Settings, username: str, **values: object) -> Operator:
    op = get_operator(settings, username)
    with _engine(settings).begin() as con:
        con.execute(update(operators).where(operators.c.operator_id == op.operator_id)
                    .values(session_epoch=operators.c.session_epoch + 1, **values))
    return get_operator(settings, username)


def end_sessions(engine: Engine, operator_id: str) -> None:
    """Log an operator out everywhere (every cookie issued before is void)."""
    with engine.begin() as con:
        con.execute(update(operators).where(operators.c.operator_id == operator_id)
                    .values(session_epoch=operators.c.session_epoch + 1))


def set_password(settings: Settings, username: str, password: str) -> Operator:
    """New password; every open session of this operator ends."""
    return _change(settings, username, password_hash=_hasher.hash(check_password(password)))


def disable_operator(settings: Settings, username: str) -> Operator:
    """No more logins; every open session ends at its next request."""
    return _change(settings, username, disabled_at=now_us())


def enable_operator(settings: Settings, username: str) -> Operator:
    return _change(settings, username, disabled_at=None)


def set_role(settings: Settings, username: str, role: str,
             partner: str | None = None) -> Operator:
    return _change(settings, username, role=check_role(role), partner=check_partner(partner))
