"""The shared session world loads, and a fresh copy is independent of it."""

from __future__ import annotations

from crossplay.warehouse import query


def test_loaded_world_has_both_partners(loaded_world):
    rows = query(loaded_world.settings(), "SELECT partner, count(*) FROM events GROUP BY 1 "
                                          "ORDER BY 1").rows
    assert [r[0] for r in rows] == ["game", "knowledge"]
    assert all(n > 1000 for _, n in rows)


def test_fresh_world_is_a_copy(fresh_world, loaded_world):
    assert fresh_world.data_dir != loaded_world.data_dir
    assert (fresh_world.data_dir / "lake").is_dir()
