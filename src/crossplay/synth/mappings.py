"""The mapping file for every export kind, and the list of sources in the manifest.

Each mapping is the YAML a partner would hand to ``crossplay ingest``; together with the
manifest's ``sources`` a caller can ingest the whole world in a loop. Event-type keys in
``units.*.by_event_type`` are *canonical* event types (after ``values`` renaming).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from crossplay.core.types import KIND_TABLE, Kind, Partner
from crossplay.synth import domain, formats, game, knowledge, stream


@dataclass(frozen=True)
class Source:
    """One export kind: where its files are and how to read them."""

    name: str  # also the mapping's file stem: mappings/<name>.yaml
    partner: Partner
    kind: Kind
    glob: str  # relative to the world directory
    format: str
    encoding: str

    @property
    def table(self) -> str:
        return KIND_TABLE[self.kind]

    @property
    def mapping_path(self) -> str:
        return f"mappings/{self.name}.yaml"


SOURCES: tuple[Source, ...] = (
    Source("knowledge-events", "knowledge", "events", "knowledge/events/part-*.csv", "csv",
           "utf-8"),
    Source("knowledge-items", "knowledge", "items", "knowledge/items/courses.csv", "csv",
           "gb18030"),
    Source("knowledge-consents", "knowledge", "consents", "knowledge/consents.csv", "csv",
           "utf-8"),
    Source("game-events", "game", "events", "game/events/part-*.parquet", "parquet", "binary"),
    Source("game-streams", "game", "events", "game/streams/part-*.jsonl", "jsonl", "utf-8"),
    Source("game-items-games", "game", "items", "game/items/games.jsonl", "jsonl", "utf-8"),
    Source("game-items-streamers", "game", "items", "game/items/streamers.jsonl", "jsonl",
           "utf-8"),
    Source("game-social", "game", "social", "game/social.jsonl", "jsonl", "utf-8"),
    Source("game-consents", "game", "consents", "game/consents.jsonl", "jsonl", "utf-8"),
    Source("game-bindings", "game", "links", "game/bindings.csv", "csv", "utf-8"),
)
SOURCE_BY_NAME = {s.name: s for s in SOURCES}

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
ZONE = "Asia/Shanghai"


def _identity(codes: tuple[str, ...], canonical: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(codes, canonical, strict=True))


def mapping_documents() -> dict[str, dict[str, Any]]:
    """Mapping name -> the mapping as plain data (what the YAML file holds)."""
    k_types = ("course_view", "enroll", "lesson_watch", "lesson_complete", "course_complete",
               "rating", "purchase", "refund", "checkin", "campaign_exposure", "campaign_click")
    docs: dict[str, dict[str, Any]] = {
        "knowledge-events": {
            "timezone": ZONE, "timestamp_format": LOCAL_FORMAT,
            "columns": {"event_id": "log_id", "user_id": "uid", "event_type": "behavior",
                        "item_id": "course_id", "item_type": "item_kind", "ts": "event_time",
                        "value": "val", "currency": "currency"},
            "values": {
                "event_type": _identity(knowledge.CODES, k_types),
                "item_type": _identity(domain.KNOWLEDGE_KIND_CODE, domain.KNOWLEDGE_KINDS),
            },
            "constants": {"platform": "knowledge"},
            "units": {"value": {"default": "ms_to_s", "by_event_type": {
                "purchase": "cents_to_yuan", "refund": "cents_to_yuan", "rating": "none"}}},
            "properties": ["lesson_no", "device", "channel"],
        },
        "knowledge-items": {
            "columns": {"item_id": "course_id", "item_type": "type", "title": "title",
                        "category": "category", "tags": "tags", "price": "price_fen",
                        "language": "lang", "description": "intro"},
            "values": {"item_type": _identity(domain.KNOWLEDGE_KIND_ZH, domain.KNOWLEDGE_KINDS)},
            "constants": {"platform": "knowledge"},
            "units": {"price": "fen_to_yuan"},
        },
        "knowledge-consents": {
            "timezone": ZONE, "timestamp_format": LOCAL_FORMAT,
            "columns": {"user_id": "uid", "purpose": "scope", "granted": "agreed",
                        "ts": "updated_at", "channel": "source"},
            "values": {"purpose": _identity(formats.K_SCOPES, ("linking", "personalisation",
                                                                "marketing")),
                       "granted": {"Y": "true", "N": "false"}},
        },
        "game-events": {
            "timezone": "UTC", "timestamp_format": "epoch_ms",
            "columns": {"event_id": "eid", "user_id": "player", "event_type": "act",
                        "item_id": "target", "item_type": "target_type", "ts": "ts_ms",
                        "value": "qty", "currency": "cur"},
            "values": {"event_type": _identity(game.CODES, ("session", "level_clear",
                                                            "achievement", "purchase",
                                                            "checkin"))},
            "constants": {"platform": "game"},
            "units": {"value": {"default": "s", "by_event_type": {"purchase": "fen_to_yuan"}}},
            "properties": ["lv", "detail", "client"],
        },
        "game-streams": {
            "timezone": ZONE, "timestamp_format": "auto",
            "columns": {"event_id": "msg_id", "user_id": "viewer", "event_type": "kind",
                        "item_id": "anchor_id", "ts": "time", "value": "num", "currency": "cur"},
            "values": {"event_type": _identity(stream.CODES, ("watch", "chat", "gift", "follow",
                                                              "subscribe"))},
            "constants": {"platform": "stream", "item_type": "streamer"},
            "units": {"value": {"default": "s", "by_event_type": {
                "gift": "fen_to_yuan", "subscribe": "fen_to_yuan"}}},
            "properties": ["room_id", "text", "gift_name", "client"],
        },
        "game-items-games": {
            "columns": {"item_id": "game_id", "title": "title", "category": "genre",
                        "tags": "tags", "price": "price", "language": "lang",
                        "description": "desc"},
            "constants": {"item_type": "game", "platform": "game"},
        },
        "game-items-streamers": {
            "columns": {"item_id": "anchor_id", "title": "nick", "category": "category",
                        "tags": "labels", "description": "intro"},
            "constants": {"item_type": "streamer", "platform": "stream", "language": "zh"},
        },
        "game-social": {
            "timezone": "UTC", "timestamp_format": "epoch_s",
            "columns": {"src_user_id": "from", "dst_id": "to", "dst_type": "to_type",
                        "kind": "rel", "weight": "w", "ts": "ts"},
            "values": {"dst_type": {"player": "user", "anchor": "streamer"},
                       "kind": _identity(formats.SOCIAL_RELS, ("follow", "friend", "gift",
                                                               "chat", "invite", "team"))},
        },
        "game-consents": {
            "timezone": ZONE, "timestamp_format": "auto",
            "columns": {"user_id": "player", "purpose": "consent_type", "granted": "granted",
                        "ts": "at", "channel": "via"},
            "values": {"purpose": _identity(formats.G_SCOPES, ("linking", "personalisation",
                                                                "marketing"))},
        },
        "game-bindings": {
            "timezone": ZONE, "timestamp_format": LOCAL_FORMAT,
            "columns": {"k_user_id": "knowledge_uid", "g_user_id": "game_uid", "action": "op",
                        "ts": "op_time"},
            "values": {"action": {"BIND": "bind", "UNBIND": "unbind"}},
            "constants": {"method": "binding"},
        },
    }
    out: dict[str, dict[str, Any]] = {}
    for name, body in docs.items():
        src = SOURCE_BY_NAME[name]
        head: dict[str, Any] = {"version": 1, "kind": src.kind, "partner": src.partner,
                                "format": src.format}
        if src.format != "parquet":
            head["encoding"] = src.encoding
        out[name] = {**head, **body}
    return out


def mapping_yaml(name: str, doc: dict[str, Any]) -> str:
    src = SOURCE_BY_NAME[name]
    header = (f"# {name}: {src.partner} partner, {src.kind} -> table {src.table}\n"
              f"# files: {src.glob}\n# written by crossplay.synth; see docs/synthetic-world.md\n")
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
