"""Small builders for ingest tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write

EVENTS_MAPPING = """\
kind: events
partner: knowledge
columns:
  event_id: log_id
  user_id: uid
  event_type: behavior
  item_id: course_id
  ts: event_time
  value: val
values:
  event_type: {study: lesson_watch, buy: purchase, view: course_view}
constants:
  currency: CNY
units:
  value: {default: ms_to_s, by_event_type: {purchase: cents_to_yuan}}
properties: [device]
"""

HEADER = "log_id,uid,behavior,course_id,event_time,val,device\n"


def events_csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    return write(path, header + "".join(r + "\n" for r in rows))


def mapping(path: Path, text: str = EVENTS_MAPPING) -> Path:
    return write(path, text)
