"""``generate_world``: simulate chunk by chunk, write the exports, truth and manifest."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from crossplay.core.errors import ConfigError
from crossplay.synth import domain, formats
from crossplay.synth.campaign import CampaignWindow, draw_campaign
from crossplay.synth.catalog import Catalog, build_catalog
from crossplay.synth.config import GenerationReport, WorldConfig
from crossplay.synth.consent import draw_bindings, draw_side
from crossplay.synth.dirty import plan_corruption
from crossplay.synth.events import EventBlock
from crossplay.synth.exports import ExportWriter
from crossplay.synth.game import simulate_game
from crossplay.synth.knowledge import simulate_knowledge
from crossplay.synth.people import People, draw_people
from crossplay.synth.sampling import SECONDS_PER_DAY, Calendar, chunk_rngs
from crossplay.synth.social import draw_social
from crossplay.synth.stream import simulate_stream
from crossplay.synth.truth import TruthSummary, items_table, people_table, truth_document

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
TRUTH_DIR = "ground_truth"
#: what a world directory holds; only these are removed when a world is regenerated
WORLD_ENTRIES = ("knowledge", "game", "mappings", TRUTH_DIR, MANIFEST)
FIRST_ID = {"knowledge": 100_000_001, "game": 5_000_000_001, "stream": 1}
SLICE = 500_000  # event rows formatted and written at a time

Progress = Callable[[int, int], None]


def _prepare(out: Path) -> None:
    """Make ``out`` ready: new, empty, or a previous world (whose entries are removed)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; give a directory for the world",
                          code="synth_out_is_file", params={"out": str(out)})
    if out.exists() and any(out.iterdir()):
        manifest = out / MANIFEST
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8")).get("generator")
        except (OSError, ValueError):
            previous = None
        if previous != "crossplay.synth":
            raise ConfigError(f"{out} is not empty and holds no synthetic world; choose an "
                              "empty or new directory", code="synth_out_not_empty",
                              params={"out": str(out)})
        for name in WORLD_ENTRIES:
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    # a marker first, so an interrupted run can be regenerated in place
    (out / MANIFEST).write_text(json.dumps({"generator": "crossplay.synth", "complete": False})
                                + "\n", encoding="utf-8")


class _World:
    """State shared by the chunks of one generation."""

    def __init__(self, config: WorldConfig, out: Path) -> None:
        self.config = config
        self.out = out
        self.catalog: Catalog = build_catalog(config.seed, config.people)
        self.calendar = Calendar.build(config.start, config.days, domain.WEEKDAY_WEIGHTS,
                                       domain.GOLDEN_WEEK_FACTOR)
        self.window = CampaignWindow.for_days(config.days)
        self.base_local = self.calendar.epoch_day * SECONDS_PER_DAY
        self.writer = ExportWriter(out)
        self.next_id = dict(FIRST_ID)
        self.summary = TruthSummary()
        self.truth_rows: dict[str, int] = {}

    def _events(self, rng: np.random.Generator, platform: str, ev: EventBlock,
                people: People, part: str) -> None:
        cfg = self.config
        order = ev.time_order()
        plan = plan_corruption(rng, ev.n, ev.has_value[order], cfg.dirty_rate,
                               cfg.duplicate_rate)
        rows = plan.apply(ev, order, self.next_id[platform])
        self.next_id[platform] += ev.n
        rel, source, build = {
            "knowledge": (f"knowledge/events/{part}.csv", "knowledge-events",
                          formats.knowledge_events),
            "game": (f"game/events/{part}.parquet", "game-events", formats.game_events),
            "stream": (f"game/streams/{part}.jsonl", "game-streams", formats.stream_lines),
        }[platform]
        parts = (build(r, people, self.catalog, self.base_local) for r in rows.slices(SLICE))
        self.writer.events(rel, source, parts, plan)

    def chunk(self, index: int) -> int:
        cfg, cal, w = self.config, self.calendar, self.writer
        first = index * cfg.chunk_people
        n = min(cfg.chunk_people, cfg.people - first)
        rngs = chunk_rngs(cfg.seed, index)
        people = draw_people(rngs["people"], first, n, cfg.days, cfg.seed)
        k_side = draw_side(rngs["consent"], people, people.uses_k, people.k_lo, people.new_k,
                           cfg.days, len(formats.K_CHANNELS))
        g_side = draw_side(rngs["consent"], people, people.uses_g, people.g_lo, people.new_g,
                           cfg.days, len(formats.G_CHANNELS))
        binds = draw_bindings(rngs["consent"], people, k_side, g_side, cfg.days)
        campaign = draw_campaign(rngs["campaign"], people, k_side, cal, self.window)
        part = f"part-{index:05d}"

        k = simulate_knowledge(rngs["knowledge"], people, self.catalog.courses, cal, campaign,
                               self.window)
        self._events(rngs["dirty"], "knowledge", k.events, people, part)
        self._events(rngs["dirty"], "game",
                     simulate_game(rngs["game"], people, self.catalog.games, cal), people, part)
        s = simulate_stream(rngs["stream"], people, self.catalog.streamers, cal)
        self._events(rngs["dirty"], "stream", s.events, people, part)
        edges = draw_social(rngs["social"], people, s, cal)
        del s

        w.append_csv("knowledge/consents.csv", "knowledge-consents",
                     formats.knowledge_consents(k_side, people, self.base_local))
        w.append_jsonl("game/consents.jsonl", "game-consents",
                       formats.game_consent_lines(g_side, people, self.base_local))
        w.append_csv("game/bindings.csv", "game-bindings",
                      formats.bindings(binds, people, self.base_local))
        w.append_jsonl("game/social.jsonl", "game-social",
                       formats.social_lines(edges, people, self.catalog, self.base_local))

        rel = f"{TRUTH_DIR}/people/{part}.parquet"
        table = people_table(people, binds, campaign, k, self.base_local)
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="zstd")
        self.truth_rows[rel] = table.num_rows
        self.summary.add(people, binds, campaign, k)
        return first + n

    def finish(self, seconds: float) -> GenerationReport:
        cfg = self.config
        items = items_table(self.catalog)
        rel = f"{TRUTH_DIR}/items.parquet"
        pq.write_table(items, self.out / rel, compression="zstd")
        self.truth_rows[rel] = items.num_rows
        doc = truth_document(self.summary, self.window, cfg.start, cfg.days)
        (self.out / TRUTH_DIR / "truth.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

        sources = self.writer.sources_summary()
        expected: dict[str, dict[str, int]] = {}
        for src in sources:
            per = expected.setdefault(src.source.partner, {})
            per[src.source.table] = per.get(src.source.table, 0) + src.expected_accepted
        manifest: dict[str, Any] = {
            "generator": "crossplay.synth",
            "manifest_version": 1,
            "complete": True,
            "config": {"people": cfg.people, "days": cfg.days, "seed": cfg.seed,
                       "start": cfg.start.isoformat(), "dirty_rate": cfg.dirty_rate,
                       "duplicate_rate": cfg.duplicate_rate, "chunk_people": cfg.chunk_people},
            "timezone": "Asia/Shanghai",
            "window": {"start": cfg.start.isoformat(), "days": cfg.days},
            "sources": [s.as_dict() for s in sources],
            "files": {path: {"source": f.source, "rows": f.rows, "dirty": f.dirty,
                             "dirty_rows": f.dirty_rows, "duplicates": f.duplicates,
                             "expected_accepted": f.expected_accepted}
                      for path, f in sorted(self.writer.files.items())},
            "expected_accepted": expected,
            "ground_truth": {"path": TRUTH_DIR,
                             "note": "hidden truth for evaluation; never ingest it"},
        }
        (self.out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2)
                                         + "\n", encoding="utf-8")
        events = [s for s in sources if s.source.kind == "events"]
        return GenerationReport(
            out=self.out,
            files={**{p: f.rows for p, f in sorted(self.writer.files.items())},
                   **self.truth_rows},
            people=cfg.people, chunks=cfg.chunks,
            event_rows=sum(s.rows for s in events),
            dirty_rows=sum(s.dirty_rows for s in events),
            duplicate_rows=sum(s.duplicates for s in events),
            expected_accepted=expected, seconds=seconds, manifest=self.out / MANIFEST,
        )


def world_config(world: Path) -> WorldConfig:
    """The config the complete world in ``world`` was generated with (from its manifest);
    ``ConfigError`` (code ``synth_no_world``) when ``world`` holds no complete world."""
    try:
        manifest = json.loads((Path(world) / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("complete") is not True:
            raise ValueError("incomplete")
        c = manifest["config"]
        return WorldConfig(people=int(c["people"]), days=int(c["days"]), seed=int(c["seed"]),
                           start=dt.date.fromisoformat(c["start"]),
                           dirty_rate=float(c["dirty_rate"]),
                           duplicate_rate=float(c["duplicate_rate"]),
                           chunk_people=int(c["chunk_people"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ConfigError(f"{world} holds no complete synthetic world: run `crossplay "
                          "generate` or `crossplay demo`", code="synth_no_world",
                          params={"world": str(world)}) from None


def generate_world(
    config: WorldConfig, out: Path, progress: Progress | None = None
) -> GenerationReport:
    """Write a synthetic two-platform world under ``out`` (see docs/synthetic-world.md).

    ``out`` must be new, empty, or a previous world (its world entries are replaced).
    ``progress(done_people, total_people)`` is called after each chunk. Same config,
    byte-identical files.
    """
    config.validate()
    started = time.perf_counter()
    out = Path(out)
    _prepare(out)
    world = _World(config, out)
    try:
        world.writer.write_mappings()
        world.writer.write_catalog(world.catalog)
        for index in range(config.chunks):
            done = world.chunk(index)
            log.debug("synthetic world: %d of %d people", done, config.people)
            if progress is not None:
                progress(done, config.people)
    finally:
        world.writer.close()
    report = world.finish(time.perf_counter() - started)
    log.info("synthetic world: %d people, %d event rows in %.1f s", report.people,
             report.event_rows, report.seconds)
    return report
