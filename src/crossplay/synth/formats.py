"""Each partner's export shapes, built as Arrow tables or JSON lines (no file I/O).

Internal times are local wall-clock seconds since the window start; ``base_local`` is
that start as local seconds since 1970. Asia/Shanghai has no daylight saving, so UTC is
always local minus eight hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crossplay.synth import domain, game, knowledge, stream, text
from crossplay.synth.catalog import Catalog
from crossplay.synth.consent import BIND_CHANNELS, Bindings, SideConsents
from crossplay.synth.dirty import (
    BAD_ISO_TIMES,
    BAD_LOCAL_TIMES,
    BAD_TIMESTAMP,
    MISSING_USER,
    NEGATIVE_VALUE,
    UNKNOWN_EVENT_TYPE,
    Rows,
)
from crossplay.synth.people import People
from crossplay.synth.sampling import BoolArray, IntArray
from crossplay.synth.social import Edges

UTC_OFFSET_S = 8 * 3600
UNKNOWN_CODES = {
    "knowledge": ("share", "note_add", "bookmark_v2"),
    "game": ("guild_join", "mail_open", "friend_req"),
    "stream": ("lottery", "room_enter", "danmu_like"),
}
K_SCOPES = ("link", "personalize", "marketing")
K_CHANNELS = ("app", "web", "mini_program")
G_SCOPES = ("account_link", "personalized_content", "marketing_msg")
G_CHANNELS = ("app", "pc_client")
SOCIAL_RELS = ("follow", "friend", "gift", "chat", "invite", "teamup")


@dataclass(frozen=True)
class Shaped:
    """Columns every event export shares, with the planned breakage applied."""

    user: pa.Array
    code: pa.Array
    value: pa.Array
    bad_ts: BoolArray


def _shape(rows: Rows, uids: pa.Array, codes: tuple[str, ...], unknown: tuple[str, ...]
           ) -> Shaped:
    ev = rows.events
    user = pc.take(uids, pa.array(ev.person, mask=rows.broken(MISSING_USER)))
    code = np.where(rows.broken(UNKNOWN_EVENT_TYPE), len(codes) + rows.ids % len(unknown),
                    ev.code)
    value = np.where(rows.broken(NEGATIVE_VALUE), -ev.value, ev.value)
    return Shaped(user, text.take_text((*codes, *unknown), code),
                  pa.array(value, mask=~ev.has_value), rows.broken(BAD_TIMESTAMP))


def _times(rows: Rows, bad_ts: BoolArray, base_local: int, style: Literal["space", "iso8"],
           bad: tuple[str, ...]) -> pa.Array:
    times = text.local_time_text(base_local + rows.events.ts, style)
    if not bad_ts.any():
        return times
    swap = text.take_text(bad, rows.ids[bad_ts] % len(bad))
    return pc.replace_with_mask(times, pa.array(bad_ts), swap)


def _opt_int(values: IntArray) -> pa.Array:
    return pa.array(values, mask=values < 0)


def _const(value: str, where: BoolArray) -> pa.Array:
    return text.take_text((value,), np.zeros(where.size, np.int64), where)


def knowledge_events(rows: Rows, people: People, catalog: Catalog, base_local: int
                     ) -> pa.Table:
    ev, c = rows.events, catalog.courses
    s = _shape(rows, people.k_uid, knowledge.CODES, UNKNOWN_CODES["knowledge"])
    has_item = ev.item >= 0
    item = np.maximum(ev.item, 0)
    other_device = rows.ids * 2_654_435_761 % 10 == 0
    device = np.where(other_device, rows.ids % len(domain.KNOWLEDGE_DEVICES),
                      people.device[ev.person])
    lesson = np.isin(ev.code, (knowledge.STUDY, knowledge.LESSON_DONE))
    return pa.table({
        "log_id": rows.ids,
        "uid": s.user,
        "behavior": s.code,
        "course_id": text.take_text(c.ids, item, has_item),
        "item_kind": text.take_text(domain.KNOWLEDGE_KIND_CODE, c.kind[item], has_item),
        "lesson_no": _opt_int(np.where(lesson, ev.aux, -1)),
        "event_time": _times(rows, s.bad_ts, base_local, "space", BAD_LOCAL_TIMES),
        "val": s.value,
        "currency": _const("CNY", np.isin(ev.code, (knowledge.BUY, knowledge.REFUND))),
        "device": text.take_text(domain.KNOWLEDGE_DEVICES, device),
        "channel": text.take_text(knowledge.CHANNELS, np.maximum(ev.tag, 0), ev.tag >= 0),
    })


def game_events(rows: Rows, people: People, catalog: Catalog, base_local: int) -> pa.Table:
    ev = rows.events
    s = _shape(rows, people.g_uid, game.CODES, UNKNOWN_CODES["game"])
    ts_ms = (base_local + ev.ts - UTC_OFFSET_S) * 1000 + rows.ids * 7919 % 1000
    has_item = ev.item >= 0
    aux = np.maximum(ev.aux, 0)
    is_ach, is_pay = ev.code == game.ACHIEVEMENT, ev.code == game.PAY
    detail = pc.binary_join_element_wise(
        text.take_text(("ach_", "sku_"), is_pay.astype(np.int64), is_ach | is_pay),
        text.as_text(aux), "")
    return pa.table({
        "eid": rows.ids,
        "player": s.user,
        "act": s.code,
        "target": text.take_text(catalog.games.ids, np.maximum(ev.item, 0), has_item),
        "target_type": _const("game", has_item),
        "ts_ms": pa.array(ts_ms, mask=s.bad_ts),
        "qty": s.value,
        "cur": _const("CNY", is_pay),
        "lv": pa.array(ev.aux.astype(np.int32), mask=ev.code != game.STAGE),
        "detail": detail,
        "client": text.take_text(domain.GAME_CLIENTS, people.client[ev.person]),
    })


def stream_lines(rows: Rows, people: People, catalog: Catalog, base_local: int) -> pa.Array:
    """JSON lines, one string per row with its newline."""
    ev, st = rows.events, catalog.streamers
    s = _shape(rows, people.g_uid, stream.CODES, UNKNOWN_CODES["stream"])
    is_chat, is_gift = ev.code == stream.CHAT, ev.code == stream.GIFT
    money = is_gift | (ev.code == stream.SUBSCRIBE)
    aux = np.maximum(ev.aux, 0)
    return text.json_lines([
        ("msg_id", text.prefixed_digits("dm", rows.ids, 11), "str"),
        ("viewer", s.user, "str"),
        ("kind", s.code, "str"),
        ("anchor_id", text.take_text(st.ids, ev.item), "str"),
        ("room_id", text.take_text(st.room_ids, ev.item), "str"),
        ("time", _times(rows, s.bad_ts, base_local, "iso8", BAD_ISO_TIMES), "str"),
        ("num", s.value, "raw"),
        ("cur", _const("CNY", money), "str"),
        ("text", text.take_text(domain.CHAT_PHRASES, aux, is_chat), "str"),
        ("gift_name", text.take_text([g[0] for g in domain.GIFTS], aux, is_gift), "str"),
        ("client", text.take_text(domain.GAME_CLIENTS, people.client[ev.person]), "str"),
    ])


def knowledge_consents(side: SideConsents, people: People, base_local: int) -> pa.Table:
    person, purpose, granted, ts, channel = side.rows()
    return pa.table({
        "uid": pc.take(people.k_uid, pa.array(person)),
        "scope": text.take_text(K_SCOPES, purpose),
        "agreed": text.take_text(("N", "Y"), granted.astype(np.int64)),
        "updated_at": text.local_time_text(base_local + ts),
        "source": text.take_text(K_CHANNELS, channel),
    })


def game_consent_lines(side: SideConsents, people: People, base_local: int) -> pa.Array:
    person, purpose, granted, ts, channel = side.rows()
    return text.json_lines([
        ("player", pc.take(people.g_uid, pa.array(person)), "str"),
        ("consent_type", text.take_text(G_SCOPES, purpose), "str"),
        ("granted", pa.array(granted), "raw"),
        ("at", text.local_time_text(base_local + ts, "iso8"), "str"),
        ("via", text.take_text(G_CHANNELS, channel % len(G_CHANNELS)), "str"),
    ])


def bindings(b: Bindings, people: People, base_local: int) -> pa.Table:
    idx = pa.array(b.person)
    return pa.table({
        "game_uid": pc.take(people.g_uid, idx),
        "knowledge_uid": pc.take(people.k_uid, idx),
        "op": text.take_text(("BIND", "UNBIND"), b.unbind.astype(np.int64)),
        "op_time": text.local_time_text(base_local + b.ts),
        "via": text.take_text(BIND_CHANNELS, b.via),
    })


def social_lines(edges: Edges, people: People, catalog: Catalog, base_local: int) -> pa.Array:
    user_dst = pc.take(people.g_uid, pa.array(np.where(edges.to_streamer, 0, edges.dst)))
    star_dst = text.take_text(catalog.streamers.ids, np.where(edges.to_streamer, edges.dst, 0))
    dst = pc.if_else(pa.array(edges.to_streamer), star_dst, user_dst)
    return text.json_lines([
        ("from", pc.take(people.g_uid, pa.array(edges.src)), "str"),
        ("to", dst, "str"),
        ("to_type", text.take_text(("player", "anchor"), edges.to_streamer.astype(np.int64)),
         "str"),
        ("rel", text.take_text(SOCIAL_RELS, edges.kind), "str"),
        ("w", pa.array(edges.weight), "raw"),
        ("ts", pa.array(base_local + edges.ts - UTC_OFFSET_S), "raw"),
    ])
