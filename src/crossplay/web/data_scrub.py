"""Quarantined rows as a person may see them on the dashboard: nothing that identifies one.

A quarantined row keeps the partner's source row as JSON, its user ids already replaced by
their pseudonymous keys (docs/ingestion.md), but the rest of the row is the export as
sent: a chat line or a comment can hold a phone number or an e-mail, an export may carry
a nickname, a device id, an IP address, a birthday, a location, the id of another person
(a streamer, a friend, a follower); and a pseudonymous key, shown, links the rows of one
person across the page. :func:`scrub_raw` therefore keeps the row's *shape* — its column
names, which values are empty, and values that are plainly not about a person (event
types, dates, small numbers, short codes) — and replaces every other value with
:data:`MASK`:

- every value of a column whose name says it holds a person, a contact, a device, a place
  or free text (:func:`identifying_name`: ``uid``, ``user_id``, ``viewer``, ``phone``,
  ``email``, ``nickname``, ``device_id``, ``ip``, ``birthday``, ``lat``, ``text``, ...),
  whole (nested values included);
- elsewhere, any value that is not one of: empty, ``true``/``false``, a number or numeric
  text with at most 5 digits before the point (timestamps in columns named for time may
  be epoch numbers), a date / date-time, a short code (a letter or ``_`` first, then
  letters, digits, ``_ . -``; no run of 6 digits, and not a hexadecimal key);
- a column *name* that is not such a short code (a partner could key an object by phone
  number) becomes :data:`MASK` too.

Rows the reader could not split into fields (stored masked: every value already a key) are
not JSON: each of their values goes through the same test, so only structure and names
remain. Empty values stay visible, so a ``missing_value`` row still shows what is missing.
"""

from __future__ import annotations

import json
import re
from typing import Any

MASK = "…"
#: how much of a scrubbed row is shown
MAX_CHARS = 600

#: words of a column name that mark it as holding a person, a contact, a device, a place or
#: free text (matched against the name's words, split at ``_ - .`` and camelCase)
IDENTIFYING_WORDS = frozenset((
    "user", "users", "uid", "uuid", "guid", "viewer", "member", "account", "acct", "customer",
    "cust", "player", "learner", "student", "buyer", "payer", "sender", "receiver",
    "recipient", "follower", "followee", "fan", "friend", "src", "dst", "anchor", "streamer",
    "host", "author", "creator", "teacher", "owner", "uploader", "openid", "unionid", "phone",
    "mobile", "tel", "telephone", "cellphone", "cell", "email", "mail", "wechat", "weixin",
    "wx", "qq", "weibo", "alipay", "name", "nick", "nickname", "realname", "fullname", "login",
    "username", "handle", "address", "addr", "ip", "ipv4", "ipv6", "device", "deviceid",
    "imei", "meid", "idfa", "idfv", "oaid", "gaid", "aaid", "mac", "serial", "card", "idcard",
    "passport", "ssn", "birth", "birthday", "dob", "gender", "sex", "age", "lat", "lng", "lon",
    "latitude", "longitude", "geo", "gps", "location", "loc", "city", "zip", "postcode",
    "postal", "token", "cookie", "session", "sid", "room", "text", "content", "comment",
    "message", "msg", "remark", "review", "danmu", "chat", "bio", "note", "signature",
    "avatar", "photo", "url",
))
#: compact names (no separators) that are identifying whole
_COMPACT = ("userid", "uid", "openid", "unionid", "deviceid", "phonenumber", "mobileno",
            "idcard", "idno", "email", "ipaddr", "ipaddress")
_TIME_WORDS = frozenset({"time", "ts", "date", "at", "timestamp", "datetime", "day", "dt",
                         "epoch"})

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])")
_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,39}")
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
_LONG_DIGITS = re.compile(r"\d{6,}")
_NUMBER = re.compile(r"[+-]?\d{1,5}(?:\.\d+)?")
_EPOCH = re.compile(r"[+-]?\d{9,13}(?:\.\d+)?")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
                   r"(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d{1,9})?)?)?"
                   r"(?:Z|[+-]\d{1,2}(?::?\d{2})?)?")
#: a value of a row that could not be split: a quoted string or a run of characters that
#: are not structure (what :func:`crossplay.ingest.pseudonymise.mask_sql` keyed)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.|"")*"|[^\s",:{}\[\];|\t]+')


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.split(name) if w]


def identifying_name(name: str) -> bool:
    """Whether a column called ``name`` may hold a person, contact, device, place or text."""
    words = _words(name)
    compact = "".join(words)
    return (any(w in IDENTIFYING_WORDS for w in words) or compact in IDENTIFYING_WORDS
            or any(compact.endswith(c) for c in _COMPACT))


def _time_name(name: str) -> bool:
    return any(w in _TIME_WORDS for w in _words(name))


def safe_text(text: str, name: str = "") -> bool:
    """Whether a text value may be shown as it is (see the module docstring)."""
    if text == "" or _DATE.fullmatch(text) or _NUMBER.fullmatch(text):
        return True
    if _EPOCH.fullmatch(text):
        return _time_name(name)
    return (bool(_CODE.fullmatch(text)) and not _LONG_DIGITS.search(text)
            and not _HEX.search(text))


def _safe_number(value: float, name: str) -> bool:
    text = repr(value) if isinstance(value, float) else str(value)
    if "e" in text.lower() or "inf" in text.lower() or "nan" in text.lower():
        return False
    return bool(_NUMBER.fullmatch(text) or (_EPOCH.fullmatch(text) and _time_name(name)))


def scrub_value(value: Any, name: str = "") -> Any:
    """``value`` (of a column called ``name``) with everything identifying masked."""
    if value is None or isinstance(value, bool) or value == "":
        return value
    if identifying_name(name):
        return MASK
    if isinstance(value, int | float):
        return value if _safe_number(value, name) else MASK
    if isinstance(value, str):
        return value if safe_text(value, name) else MASK
    if isinstance(value, list):
        return [scrub_value(v, name) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for i, (k, v) in enumerate(value.items()):
            key = str(k)
            shown = key if safe_text(key) and _CODE.fullmatch(key) else f"{MASK}{i}"
            out[shown] = scrub_value(v, key)
        return out
    return MASK


def _scrub_tokens(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith('"') and token.endswith('"') and len(token) >= 2:
            inner = token[1:-1]
            return token if safe_text(inner) else f'"{MASK}"'
        return token if safe_text(token) else MASK

    return _TOKEN.sub(one, text)


def scrub_raw(raw: str | None) -> str:
    """A quarantined row's raw text with every identifying value masked, clipped."""
    if raw is None:
        return ""
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        text = json.dumps(scrub_value(parsed), ensure_ascii=False)
    else:
        text = _scrub_tokens(raw)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + MASK
