"""Mapping files: validation errors point at the line and key; every feature applies."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crossplay.core.errors import MappingError
from crossplay.ingest.mapping import load_mapping
from crossplay.schema import table_spec
from tests.conftest import CliRunner, write


def test_unknown_key_is_reported_with_line(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", "kind: events\ncolumns:\n  ts: when\ncolumnz: {}\n")
    with pytest.raises(MappingError, match=r"m.yaml:4: columnz: Extra inputs are not permitted"):
        load_mapping(path)


def test_bad_unit_and_zone_are_reported_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", "timezone: Mars/Olympus\nunits:\n  value: furlongs\n")
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    text = str(err.value)
    assert "m.yaml:1: timezone: Value error, unknown time zone 'Mars/Olympus'" in text
    assert "m.yaml:3: units.value" in text


def test_field_that_is_not_in_the_table(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path / "m.yaml", "columns: {userid: uid}\n"))
    with pytest.raises(MappingError, match=r"columns\.userid: 'userid' is not a field of events"):
        m.check_against(table_spec("events"))


def test_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(write(tmp_path / "m.yaml", "columns: [unclosed\n"))
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "nope.yaml")


def test_kind_mismatch(cli: CliRunner, tmp_path: Path) -> None:
    m = write(tmp_path / "m.yaml", "kind: items\n")
    src = write(tmp_path / "a.csv", "x\n1\n")
    res = cli("ingest", src, "--partner", "game", "--kind", "events", "--mapping", m)
    assert res.code == 2 and "is for kind 'items', but --kind is 'events'" in res.err_flat


def test_parquet_with_epoch_ms_constants_values_units(cli: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "g.parquet"
    pq.write_table(pa.table({
        "eid": ["a", "b", "c"], "player": ["p1", "p2", "p1"],
        "act": ["play", "pay", "room"],
        "ts_ms": pa.array([1_788_000_000_000, 1_788_000_060_000, 1_788_000_120_000],
                          pa.int64()),
        "qty": [1_800_000, 648, 30_000], "skin": ["red", None, "blue"],
    }), src)
    m = write(tmp_path / "g.yaml", """
kind: events
partner: game
columns: {event_id: eid, user_id: player, event_type: act, ts: ts_ms, value: qty}
values:
  event_type: {play: session, pay: purchase, room: watch}
constants: {currency: CNY}
units:
  value: {default: ms_to_s, by_event_type: {purchase: cents_to_yuan}}
properties: [skin]
""")
    res = cli("ingest", src, "--partner", "game", "--kind", "events", "--mapping", m, "--json")
    assert res.code == 0, res.err
    rows = cli("sql", "SELECT event_id, platform, event_type, CAST(ts AS VARCHAR) AS ts, value,"
               " currency, properties, date FROM events ORDER BY event_id", "--json").json()
    assert rows == [
        {"event_id": "a", "platform": "game", "event_type": "session",
         "ts": "2026-08-29 10:40:00+00", "value": 1800.0, "currency": "CNY",
         "properties": '{"skin":"red"}', "date": "2026-08-29"},
        {"event_id": "b", "platform": "game", "event_type": "purchase",
         "ts": "2026-08-29 10:41:00+00", "value": 6.48, "currency": "CNY",
         "properties": '{"skin":null}', "date": "2026-08-29"},
        {"event_id": "c", "platform": "stream", "event_type": "watch",
         "ts": "2026-08-29 10:42:00+00", "value": 30.0, "currency": "CNY",
         "properties": '{"skin":"blue"}', "date": "2026-08-29"},
    ]


def test_constant_timestamp_and_explicit_format(cli: CliRunner, tmp_path: Path) -> None:
    src = write(tmp_path / "c.csv", "uid,what\nK1,checkin\nK2,checkin\n")
    m = write(tmp_path / "m.yaml", """
columns: {user_id: uid, event_type: what}
constants: {ts: "01.09.2026 08:00"}
timestamp_format: "%d.%m.%Y %H:%M"
""")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping", m,
              "--json")
    assert res.code == 0, res.err
    assert res.json()["accepted"] == 2
    ts = cli("sql", "SELECT DISTINCT CAST(ts AS VARCHAR) AS t FROM events", "--json").json()
    assert ts == [{"t": "2026-09-01 00:00:00+00"}]


def test_items_consents_social_links(cli: CliRunner, tmp_path: Path) -> None:
    items = write(tmp_path / "items.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "C1", "type": "course", "name": "Python 数据分析 / Data analysis",
         "cat": "数据分析", "tags": "Python|数据|入门", "price_fen": 9900},
        {"id": "C2", "type": "course", "name": "英语口语", "tags": ["英语", "口语"],
         "price_fen": -1},
    ]) + "\n")
    mi = write(tmp_path / "mi.yaml", """
columns: {item_id: id, item_type: type, title: name, category: cat, tags: tags, price: price_fen}
units: {price: cents_to_yuan}
""")
    res = cli("ingest", items, "--partner", "knowledge", "--kind", "items", "--mapping", mi,
              "--json")
    assert res.code == 0, res.err
    assert res.json()["quarantined_by_reason"] == {"negative_value": 1}
    rows = cli("sql", "SELECT item_id, platform, title, tags, price FROM items_current",
               "--json").json()
    assert rows == [{"item_id": "C1", "platform": "knowledge",
                     "title": "Python 数据分析 / Data analysis",
                     "tags": ["Python", "数据", "入门"], "price": 99.0}]
    again = cli("ingest", items, "--partner", "knowledge", "--kind", "items", "--mapping", mi,
                "--json").json()
    assert again["accepted"] == 0 and again["already_ingested"] == 1

    consents = write(tmp_path / "consents.csv",
                     "uid,purpose,ok,at\nK1,linking,yes,2026-09-01 10:00:00\n"
                     "K1,linking,no,2026-09-05 10:00:00\nK1,marketing,maybe,2026-09-01 10:00:00\n")
    mc = write(tmp_path / "mc.yaml", "columns: {user_id: uid, granted: ok, ts: at}\n")
    res = cli("ingest", consents, "--partner", "knowledge", "--kind", "consents",
              "--mapping", mc, "--json")
    assert res.json()["quarantined_by_reason"] == {"not_a_boolean": 1}
    cur = cli("sql", "SELECT purpose, granted FROM consents_current", "--json").json()
    assert cur == [{"purpose": "linking", "granted": False}]

    social = write(tmp_path / "social.csv",
                   "from,to,to_type,kind,at\ng1,g2,user,friend,2026-09-01 10:00:00\n"
                   "g1,S9,streamer,follow,2026-09-01 10:00:00\n")
    ms = write(tmp_path / "ms.yaml",
               "columns: {src_user_id: from, dst_id: to, dst_type: to_type, ts: at}\n")
    assert cli("ingest", social, "--partner", "game", "--kind", "social", "--mapping", ms,
               "--json").json()["accepted"] == 2
    edges = cli("sql", "SELECT dst_key, dst_type, weight FROM social_edges ORDER BY dst_type",
                "--json").json()
    assert edges[0] == {"dst_key": "S9", "dst_type": "streamer", "weight": 1.0}
    assert edges[1]["dst_key"] != "g2" and len(edges[1]["dst_key"]) == 32

    links = write(tmp_path / "bind.csv",
                  # K1 refused linking on 09-05: a binding made before that would be revoked
                  "g,k,act,at\ng1,K1,bind,2026-09-06 10:00:00\ng2,K2,bind,2026-09-01 10:00:00\n"
                  "g2,K2,unbind,2026-09-03 10:00:00\n")
    ml = write(tmp_path / "ml.yaml",
               "columns: {g_user_id: g, k_user_id: k, action: act, ts: at}\n")
    assert cli("ingest", links, "--partner", "game", "--kind", "links", "--mapping", ml,
               "--json").json()["accepted"] == 3
    current = cli("sql", "SELECT count(*) AS n, count(revoked_at) AS revoked FROM links_current",
                  "--json").json()
    assert current == [{"n": 2, "revoked": 1}]
    k1 = cli("sql", "SELECT user_key FROM consents LIMIT 1", "--json").json()[0]["user_key"]
    linked = cli("sql", "SELECT k_user_key FROM links_current WHERE revoked_at IS NULL",
                 "--json").json()
    assert linked == [{"k_user_key": k1}], "the same knowledge secret keys both tables"
