"""The lake manifest: which files are committed and which runs committed them.

:meth:`Manifest.from_json` checks the shape of what it reads (JSON object, integer versions,
each table a list of Parquet files under that table's directory, each run a complete run
record) and raises :class:`ManifestShapeError` with the place that is wrong, so a damaged
manifest is reported, never half-read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import PurePosixPath

from crossplay.schema import SCHEMA_VERSION

LAKE_FORMAT = 1


@dataclass(frozen=True)
class RunRecord:
    """What one ingest run did (kept in the manifest)."""

    run_id: str
    partner: str
    table: str
    sources: list[str]
    started_at: str
    finished_at: str
    read: int
    accepted: int
    duplicates: int
    already_ingested: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    seconds: float
    #: accepted rows that replaced a lake row under the same key (``--corrections replace``)
    corrected: int = 0
    #: quarantined rows the quarantine already held from an earlier run (not stored again)
    quarantine_held: int = 0


_RUN_TYPES: dict[str, type | tuple[type, ...]] = {
    "sources": list, "quarantined_by_reason": dict, "seconds": (int, float),
    **{f: int for f in ("read", "accepted", "duplicates", "already_ingested", "quarantined",
                        "corrected", "quarantine_held")},
}
#: run-record fields added later: a manifest written before them lacks them
_RUN_OPTIONAL = frozenset({"corrected", "quarantine_held"})


class ManifestShapeError(ValueError):
    """The text of a manifest is not a manifest (the reason says where)."""


@dataclass
class Manifest:
    schema_version: int = SCHEMA_VERSION
    format: int = LAKE_FORMAT
    tables: dict[str, list[str]] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse and check a manifest; :class:`ManifestShapeError` says what is wrong."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ManifestShapeError(f"not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ManifestShapeError(f"a JSON {type(data).__name__}, not an object")
        version, fmt = data.get("schema_version", SCHEMA_VERSION), data.get("format", LAKE_FORMAT)
        if not _is_int(version) or not _is_int(fmt):
            raise ManifestShapeError("schema_version and format must be integers")
        tables = data.get("tables", {})
        if not isinstance(tables, dict):
            raise ManifestShapeError("tables must map a table to a list of files")
        for table, rels in tables.items():
            if not isinstance(rels, list) or not all(isinstance(r, str) for r in rels):
                raise ManifestShapeError(f"tables.{table} must be a list of file paths")
            for rel in rels:
                _check_rel(table, rel)
        runs = data.get("runs", [])
        if not isinstance(runs, list):
            raise ManifestShapeError("runs must be a list")
        return cls(schema_version=version, format=fmt,
                   tables={k: list(v) for k, v in tables.items()},
                   runs=[_run_record(i, r) for i, r in enumerate(runs)])


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_rel(table: str, rel: str) -> None:
    path = PurePosixPath(rel)
    if (path.is_absolute() or ".." in path.parts or "\\" in rel or "\x00" in rel
            or path.parts[:1] != (table,) or path.suffix != ".parquet"):
        raise ManifestShapeError(f"tables.{table} lists {rel!r}, which is not a Parquet file "
                                 f"under {table}/")


def _run_record(i: int, raw: object) -> RunRecord:
    names = {f.name for f in fields(RunRecord)}
    if not isinstance(raw, dict) or not names - _RUN_OPTIONAL <= set(raw) <= names:
        raise ManifestShapeError(f"runs[{i}] is not a run record")
    for name, value in raw.items():
        want = _RUN_TYPES.get(name, str)
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise ManifestShapeError(f"runs[{i}].{name} has the wrong type")
    return RunRecord(**raw)
