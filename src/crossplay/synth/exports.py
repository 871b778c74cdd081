"""Writing the partners' exports: files on disk and the row counts the manifest reports.

``ExportWriter`` is the only place in ``crossplay.synth`` that opens export files. Event
exports get one part file per chunk; consents, bindings and the social graph are single
files appended chunk after chunk; catalogs and mappings are written once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from crossplay.synth import domain, text
from crossplay.synth.catalog import Catalog
from crossplay.synth.dirty import REASONS, Corruption
from crossplay.synth.mappings import SOURCES, Source, mapping_documents, mapping_yaml

JSON_SLICE = 250_000  # rows per JSON-lines batch (keeps Arrow string offsets small)
PARQUET_ROW_GROUP = 1_000_000


class _Expectations:
    """Rows written, broken on purpose and duplicated -> what ingest should accept."""

    rows: int
    dirty: dict[str, int]
    duplicates: int

    @property
    def dirty_rows(self) -> int:
        return sum(self.dirty.values())

    @property
    def expected_accepted(self) -> int:
        return self.rows - self.dirty_rows - self.duplicates


@dataclass
class FileCount(_Expectations):
    """What one export file holds."""

    source: str
    rows: int = 0
    dirty: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    duplicates: int = 0

    def add(self, rows: int, plan: Corruption | None = None) -> None:
        self.rows += rows
        if plan is not None:
            for reason, count in plan.counts().items():
                self.dirty[reason] += count
            self.duplicates += plan.n_duplicates


def _csv_bytes(table: pa.Table, header: bool) -> bytes:
    buf = io.BytesIO()
    if header:
        buf.write((",".join(table.column_names) + "\n").encode("utf-8"))
    pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    return buf.getvalue()


def _write_lines(handle: BinaryIO, lines: pa.Array) -> None:
    for start in range(0, len(lines), JSON_SLICE):
        text.write_text_rows(handle, lines.slice(start, JSON_SLICE))


class ExportWriter:
    """Owns the export files under ``out``; ``close()`` flushes the single files."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: dict[str, FileCount] = {}
        self._handles: dict[str, BinaryIO] = {}

    # -- bookkeeping -------------------------------------------------------------------
    def _count(self, rel: str, source: str) -> FileCount:
        if rel not in self.files:
            self.files[rel] = FileCount(source)
        return self.files[rel]

    def _path(self, rel: str) -> Path:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _append(self, rel: str) -> BinaryIO:
        if rel not in self._handles:
            self._handles[rel] = self._path(rel).open("wb")
        return self._handles[rel]

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()

    # -- once per world ----------------------------------------------------------------
    def write_mappings(self) -> None:
        for name, doc in mapping_documents().items():
            self._path(f"mappings/{name}.yaml").write_text(mapping_yaml(name, doc),
                                                           encoding="utf-8")

    def write_catalog(self, catalog: Catalog) -> None:
        c = catalog.courses
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(("course_id", "title", "type", "category", "tags", "price_fen", "lang",
                    "lessons", "intro"))
        for i in range(c.n):
            cat = "会员" if c.category[i] < 0 else domain.COURSE_CATEGORIES[c.category[i]]
            w.writerow((c.ids[i], c.title[i], domain.KNOWLEDGE_KIND_ZH[c.kind[i]], cat,
                        c.tags[i], int(c.price_fen[i]), c.language[i], int(c.lessons[i]),
                        c.description[i]))
        rel = "knowledge/items/courses.csv"
        self._path(rel).write_bytes(buf.getvalue().encode("gb18030"))
        self._count(rel, "knowledge-items").add(c.n)

        g = catalog.games
        rows = [{"game_id": g.ids[i], "title": g.title[i], "genre": domain.GENRES[g.genre[i]],
                 "tags": g.tags[i], "price": g.price_yuan[i], "lang": "zh",
                 "desc": g.description[i]} for i in range(g.n)]
        self._json_file("game/items/games.jsonl", "game-items-games", rows)
        s = catalog.streamers
        rows = [{"anchor_id": s.ids[i], "room_id": s.room_ids[i], "nick": s.title[i],
                 "category": domain.STREAM_CATEGORIES[s.category[i]], "labels": s.tags[i],
                 "fans": int(s.fans[i]),
                 "main_game": g.ids[s.main_game[i]] if s.main_game[i] >= 0 else None,
                 "intro": s.description[i]} for i in range(s.n)]
        self._json_file("game/items/streamers.jsonl", "game-items-streamers", rows)

    def _json_file(self, rel: str, source: str, rows: list[dict[str, object]]) -> None:
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        self._path(rel).write_text(body, encoding="utf-8")
        self._count(rel, source).add(len(rows))

    # -- per chunk ---------------------------------------------------------------------
    def events(self, rel: str, source: str, parts: Iterable[pa.Table | pa.Array],
               plan: Corruption) -> None:
        """Write one event part file from consecutive slices (tables, or JSON lines)."""
        path = self._path(rel)
        rows = 0
        if rel.endswith(".parquet"):
            writer: pq.ParquetWriter | None = None
            for table in parts:
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=PARQUET_ROW_GROUP)
                rows += table.num_rows
            if writer is not None:
                writer.close()
        else:
            with path.open("wb") as handle:
                for i, part in enumerate(parts):
                    if isinstance(part, pa.Table):
                        handle.write(_csv_bytes(part, header=i == 0))
                        rows += part.num_rows
                    else:
                        _write_lines(handle, part)
                        rows += len(part)
        self._count(rel, source).add(rows, plan)

    def append_csv(self, rel: str, source: str, table: pa.Table) -> None:
        first = rel not in self._handles
        self._append(rel).write(_csv_bytes(table, header=first))
        self._count(rel, source).add(table.num_rows)

    def append_jsonl(self, rel: str, source: str, lines: pa.Array) -> None:
        _write_lines(self._append(rel), lines)
        self._count(rel, source).add(len(lines))

    # -- summary -----------------------------------------------------------------------
    def sources_summary(self) -> list[SourceSummary]:
        """Per source: files, rows, dirty rows by reason, duplicates, expected accepted."""
        out: list[SourceSummary] = []
        for src in SOURCES:
            files = sorted(p for p, f in self.files.items() if f.source == src.name)
            counts = [self.files[p] for p in files]
            out.append(SourceSummary(
                source=src, files=tuple(files), rows=sum(c.rows for c in counts),
                dirty={r: sum(c.dirty[r] for c in counts) for r in REASONS},
                duplicates=sum(c.duplicates for c in counts),
            ))
        return out


@dataclass(frozen=True)
class SourceSummary(_Expectations):
    source: Source
    files: tuple[str, ...]
    rows: int
    dirty: dict[str, int]
    duplicates: int

    def as_dict(self) -> dict[str, object]:
        s = self.source
        return {
            "name": s.name, "partner": s.partner, "kind": s.kind, "table": s.table,
            "glob": s.glob, "mapping": s.mapping_path, "format": s.format,
            "encoding": s.encoding, "files": list(self.files), "rows": self.rows,
            "dirty": self.dirty, "dirty_rows": self.dirty_rows, "duplicates": self.duplicates,
            "expected_accepted": self.expected_accepted,
        }
