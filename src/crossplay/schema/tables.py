"""The canonical tables as code.

Each table has *input fields* (what a partner export must or may provide, named in a
mapping file) and *stored columns* (what lands in the lake). Identifier fields of kind
``pseudo_id`` arrive as native ids and are stored only as HMAC keys (``user_id`` ->
``user_key``). ``SCHEMA_VERSION`` is written into every Parquet file's metadata and
into the lake manifest; bump it with a migration note in docs/data-model.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crossplay.core.types import Platform, TableName

SCHEMA_VERSION = 1

FieldKind = Literal[
    "string", "pseudo_id", "enum", "timestamp", "number", "bool", "json", "tags"
]

#: event types per platform (DESIGN.md); "common" types are valid on every platform
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "knowledge": (
        "course_view", "enroll", "lesson_watch", "lesson_complete", "course_complete",
        "rating", "purchase", "refund", "checkin",
    ),
    "game": ("session", "level_clear", "achievement", "purchase", "checkin"),
    "stream": ("watch", "chat", "gift", "follow", "subscribe"),
    "common": ("campaign_exposure", "campaign_click", "reward_redeem"),
}

ITEM_TYPES = (
    "course", "lesson", "ebook", "audio", "membership", "live_class",
    "game", "virtual_item", "stream", "streamer", "reward",
)
SOCIAL_KINDS = ("follow", "friend", "gift", "chat", "invite", "team")
DST_TYPES = ("user", "streamer")
PURPOSES = ("linking", "personalisation", "marketing")
LINK_METHODS = ("binding", "psi")
LINK_ACTIONS = ("bind", "unbind")
PLATFORM_VALUES: tuple[Platform, ...] = ("knowledge", "game", "stream")

MAX_ID_CHARS = 256
MAX_TEXT_CHARS = 4_000
MAX_JSON_BYTES = 65_536
#: largest magnitude of a number field after unit conversion (an amount in yuan, a
#: duration in seconds: 1e12 s is 31,000 years); beyond it a value is a unit error or an attack
MAX_NUMBER = 1e12


def all_event_types() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for types in EVENT_TYPES.values():
        for t in types:
            seen[t] = None
    return tuple(seen)


@dataclass(frozen=True)
class Field:
    """One input field of a canonical table."""

    name: str
    kind: FieldKind
    required: bool
    doc: str
    enum: tuple[str, ...] = ()
    max_chars: int = MAX_ID_CHARS
    min_value: float | None = None
    stored_as: str | None = None  # stored column name when it differs (pseudo ids)
    default: str | None = None  # default value (as text) when the mapping gives none

    @property
    def column(self) -> str:
        return self.stored_as or self.name


@dataclass(frozen=True)
class TableSpec:
    """A canonical lake table: its input fields, key and partitioning."""

    name: TableName
    fields: tuple[Field, ...]
    #: field holding the natural key; ``None`` means a content hash of all fields
    key_field: str | None
    partition_by: tuple[str, ...]
    doc: str

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required and f.default is None)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """Columns of the Parquet files (partition columns live in the path)."""
        cols = ["partner", *(f.column for f in self.fields)]
        if self.key_field is None:
            cols.insert(1, "record_id")
        cols += ["source", "ingested_at"]
        return tuple(c for c in cols if c not in self.partition_by)


_TS_DOC = "time of the fact; naive values are read in the mapping's time zone, stored as UTC"

EVENTS = TableSpec(
    name="events",
    key_field="event_id",
    partition_by=("partner", "platform", "date"),
    doc="one behaviour event of one user on one platform",
    fields=(
        Field("event_id", "string", False,
              "unique per partner; derived from the row's content when the export has none"),
        Field("user_id", "pseudo_id", True, "native user id; stored only as user_key",
              stored_as="user_key"),
        Field("platform", "enum", True, "knowledge, game or stream", enum=PLATFORM_VALUES),
        Field("event_type", "enum", True, "see EVENT_TYPES", enum=all_event_types()),
        Field("item_id", "string", False, "course, lesson, game, stream, streamer or reward"),
        Field("item_type", "enum", False, "type of item_id", enum=ITEM_TYPES),
        Field("ts", "timestamp", True, _TS_DOC),
        Field("value", "number", False,
              "seconds for durations, yuan (or the currency) for amounts, score for ratings",
              min_value=0.0),
        Field("currency", "string", False, "CNY, or a partner currency code", max_chars=16),
        Field("properties", "json", False, "extra attributes as a JSON object",
              max_chars=MAX_JSON_BYTES),
    ),
)

ITEMS = TableSpec(
    name="items",
    key_field=None,
    partition_by=("partner",),
    doc="catalog entries; a changed entry is a new version (latest ingested wins)",
    fields=(
        Field("item_id", "string", True, "the partner's item id"),
        Field("item_type", "enum", True, "course, game, streamer, ...", enum=ITEM_TYPES),
        Field("platform", "enum", True, "knowledge, game or stream", enum=PLATFORM_VALUES),
        Field("title", "string", True, "display title (Chinese and/or English)",
              max_chars=MAX_TEXT_CHARS),
        Field("category", "string", False, "category, e.g. 编程 or MOBA"),
        Field("tags", "tags", False, "tags; text is split on , ; | 、 ，",
              max_chars=MAX_TEXT_CHARS),
        Field("price", "number", False, "list price in yuan", min_value=0.0),
        Field("language", "string", False, "zh, en, ...", max_chars=16),
        Field("description", "string", False, "free text", max_chars=MAX_JSON_BYTES),
    ),
)

SOCIAL_EDGES = TableSpec(
    name="social_edges",
    key_field=None,
    partition_by=("partner",),
    doc="who follows, befriends, gifts, chats with, invites or teams up with whom",
    fields=(
        Field("src_user_id", "pseudo_id", True, "native id of the acting user",
              stored_as="src_user_key"),
        Field("dst_id", "string", True,
              "native user id (pseudonymised) or a streamer's item id", stored_as="dst_key"),
        Field("dst_type", "enum", False, "user or streamer", enum=DST_TYPES, default="user"),
        Field("kind", "enum", True, "follow, friend, gift, chat, invite, team",
              enum=SOCIAL_KINDS),
        Field("weight", "number", False, "strength (count, amount)", min_value=0.0,
              default="1"),
        Field("ts", "timestamp", True, _TS_DOC),
    ),
)

CONSENTS = TableSpec(
    name="consents",
    key_field=None,
    partition_by=("partner",),
    doc="consent decisions; the latest per (partner, user, purpose) wins, history kept",
    fields=(
        Field("user_id", "pseudo_id", True, "native user id", stored_as="user_key"),
        Field("purpose", "enum", True, "linking, personalisation, marketing", enum=PURPOSES),
        Field("granted", "bool", True, "true = granted, false = refused or withdrawn"),
        Field("ts", "timestamp", True, _TS_DOC),
        Field("channel", "string", False, "where the decision was made (app, web, ...)"),
    ),
)

LINKS = TableSpec(
    name="links",
    key_field=None,
    partition_by=(),
    doc="account bindings between a knowledge user and a game user (bind / unbind)",
    fields=(
        Field("k_user_id", "pseudo_id", True, "native knowledge user id",
              stored_as="k_user_key"),
        Field("g_user_id", "pseudo_id", True, "native game user id", stored_as="g_user_key"),
        Field("method", "enum", False, "binding or psi", enum=LINK_METHODS, default="binding"),
        Field("action", "enum", False, "bind or unbind", enum=LINK_ACTIONS, default="bind"),
        Field("ts", "timestamp", True, _TS_DOC),
    ),
)

TABLES: dict[TableName, TableSpec] = {
    t.name: t for t in (EVENTS, ITEMS, SOCIAL_EDGES, CONSENTS, LINKS)
}

#: quarantine columns (one row per rejected input row)
QUARANTINE_COLUMNS = (
    "run_id", "partner", "table_name", "source", "row_number", "raw", "reason_code",
    "reason", "column_name", "quarantined_at",
)


def table_spec(name: TableName) -> TableSpec:
    return TABLES[name]
