"""An erasure followed by checking what everyone else now sees.

`crossplay forget` once removed the person's row from a trained bundle's user table but
not from the position-indexed history and factor arrays: every later user then got the
next user's recommendations and explanations, and one user got the erased person's.
Here a bundle is trained on the shared small world, every user's top-N (and, for the
units a knowledge erasure touches, every explanation) is recorded by key through the
service, and after each erasure (a linked person in the middle, the first user, the last
user, two people in a row) everyone else must see exactly what they saw before, the erased
person only the non-personalised fallback, and the bundle must hold the key nowhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from crossplay.core.derived import PERSON_COLUMNS
from crossplay.core.settings import Settings
from crossplay.privacy.keys import native_key
from crossplay.recommend.models.base import IntArray, Recommender
from crossplay.recommend.models.registry import MODELS
from crossplay.recommend.service import unit_items
from crossplay.recommend.store import Unit, bundle_dir, load_unit
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld
from tests.privacy.test_consent_links import _truth_people
from tests.privacy.test_erasure import _everywhere
from tests.recommend.helpers import catalog

N = 5
#: units whose every user's explanations are recorded too (a knowledge erasure blanks
#: rows there); the other units are checked on ranked items and scores for every user
EXPLAINED = ("in-knowledge", "cross-knowledge")

Ident = tuple[Any, ...]
Seen = dict[tuple[str, Ident], list[dict[str, Any]]]


def _idents(unit: Unit) -> list[Ident]:
    cols = [c for c in PERSON_COLUMNS if c in unit.users]
    return [tuple(None if v is None or v != v else str(v) for v in row)
            for row in unit.users[cols].itertuples(index=False)]


def _units(settings: Settings) -> list[Unit]:
    root = bundle_dir(settings)
    return [load_unit(p) for p in sorted(root.iterdir()) if p.is_dir()]


def _seen(settings: Settings) -> tuple[Seen, dict[str, int]]:
    """What every user with a row sees, by identity (the keys, never the row index), and
    how many blanked rows each unit has."""
    seen: Seen = {}
    blank: dict[str, int] = {}
    for unit in _units(settings):
        idents = _idents(unit)
        blank[unit.name] = sum(all(v is None for v in i) for i in idents)
        for row, ident in enumerate(idents):
            if all(v is None for v in ident):
                continue
            assert (unit.name, ident) not in seen, "identities are unique per unit"
            seen[(unit.name, ident)] = unit_items(unit, row, unit.info["domain"], N,
                                                  explain=unit.name in EXPLAINED)
    return seen, blank


def _keys_to_native(world: LoadedWorld) -> dict[str, str]:
    s = world.settings()
    return {native_key(s, "knowledge", str(p["k_uid"])): str(p["k_uid"])
            for p in _truth_people(world) if p.get("k_uid") is not None}


def _person_ids(settings: Settings, key: str) -> list[str]:
    con = connect(settings)
    try:
        return [r[0] for r in con.sql("SELECT DISTINCT person_id FROM links_current "
                                      f"WHERE k_user_key = '{key}'").fetchall()]
    finally:
        con.close()


def _bundle_bytes_hold(root: Path, needles: list[str]) -> list[str]:
    """Non-Parquet bundle files (JSON, npz) whose bytes hold a needle."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}" for n in needles if n.encode() in data]
    return found


@pytest.mark.slow
def test_forget_changes_nothing_for_anyone_else(cli: CliRunner, fresh_world: LoadedWorld
                                                ) -> None:
    s = fresh_world.settings()
    base = ("--data-dir", str(fresh_world.data_dir))

    def run(*args: str) -> Any:
        res = cli(*base, *args, data=False)
        assert res.code == 0, res.err
        return res.json()

    run("recommend", "train", "--factors", "16", "--json")
    native = _keys_to_native(fresh_world)
    in_k = load_unit(bundle_dir(s) / "in-knowledge")
    keys = [str(k) for k in in_k.users["user_key"]]
    assert len(keys) > 100 and all(k in native for k in keys)
    con = connect(s)
    try:
        linked = {r[0] for r in con.sql("SELECT k_user_key FROM links_current "
                                        "WHERE revoked_at IS NULL").fetchall()}
    finally:
        con.close()
    middle = next(k for k in keys[len(keys) // 3:] if k in linked)
    cross = load_unit(bundle_dir(s) / "cross-knowledge")
    assert middle in set(cross.users["k_user_key"].dropna()), "the person is in joint units"
    fallback = run("recommend", "for", "--partner", "knowledge", "--key", "0" * 32,
                   "--json", "--explain")
    assert not fallback["personalised"]

    def erase(group: list[str], seen: tuple[Seen, dict[str, int]]
              ) -> tuple[Seen, dict[str, int]]:
        """Forget ``group`` (knowledge keys), check what everyone sees; returns it."""
        rows = [keys.index(k) for k in group]
        sample = sorted(({r + d for r in rows for d in (-1, 1, 2)} | {len(keys) - 1})
                        - set(rows))
        sample = [r for r in sample if 0 <= r < len(keys) and keys[r] not in erased]
        cli_before = {r: run("recommend", "for", "--partner", "knowledge", "--key", keys[r],
                             "--n", str(N), "--json", "--explain") for r in sample}
        for k in group:  # what the person saw while known (audited as a digest)
            assert run("recommend", "for", "--partner", "knowledge", "--key", k,
                       "--json")["personalised"]
        needles = [n for k in group for n in (k, native[k], *_person_ids(s, k))]
        before, blank_before = seen
        for k in group:
            run("forget", "--partner", "knowledge", "--user", native[k], "--json")
            erased.add(k)
        after, blank_after = _seen(s)

        gone = {key for key in before if any(v in needles for v in key[1])}
        assert gone, "the erased people had rows"
        assert not any(any(v in needles for v in key[1]) for key in after)
        for key, items in before.items():
            if key not in gone:
                assert after.get(key) == items, f"{key[0]} row of {key[1]} changed"
        assert set(after) == set(before) - gone
        per_unit = {u: sum(1 for g in gone if g[0] == u) for u in blank_before}
        assert blank_after == {u: blank_before[u] + per_unit[u] for u in blank_before}
        # the same through the CLI, for the users next to the erased rows and the last one
        for r, out in cli_before.items():
            again = run("recommend", "for", "--partner", "knowledge", "--key", keys[r],
                        "--n", str(N), "--json", "--explain")
            assert again == out, f"row {r} (next to an erased row) changed: " + str(
                {f: (out.get(f), again.get(f)) for f in set(out) | set(again)
                 if out.get(f) != again.get(f)})
        for k in group:
            got = run("recommend", "for", "--partner", "knowledge", "--user", native[k],
                      "--json", "--explain")
            assert not got["personalised"] and got["model"] == "popularity"
            assert got["items"] == fallback["items"]
        assert _everywhere(fresh_world.data_dir, needles, s) == []
        assert _bundle_bytes_hold(bundle_dir(s), needles) == []
        return after, blank_after

    erased: set[str] = set()
    seen = _seen(s)
    seen = erase([middle], seen)          # a linked person in the middle
    seen = erase([keys[0]], seen)         # the first user
    seen = erase([keys[-1]], seen)        # the last user
    pair = next(i for i in range(len(keys) // 2, len(keys) - 1)
                if keys[i] not in erased and keys[i + 1] not in erased)
    erase([keys[pair], keys[pair + 1]], seen)  # two people in a row
    # every blanked row is all-null and empty, in the user table and the history alike
    for unit in _units(s):
        for row, ident in enumerate(_idents(unit)):
            if all(v is None for v in ident):
                assert unit.history[row].nnz == 0
    assert len(erased) == 5


# --- the contract every model family keeps --------------------------------------------------
def _fitted(name: str) -> tuple[Recommender, sp.csr_matrix]:
    """Every model on 60 users x 40 items (20 game, 20 knowledge), dense enough that all
    users have history on both sides; users and items differ in number, so user-indexed
    arrays are told apart by their length."""
    rng = np.random.default_rng(3)
    dense = (rng.random((60, 40)) < 0.25).astype(np.float32)
    dense[:, 0] = dense[:, 20] = 1.0
    X = sp.csr_matrix(dense)
    cls = MODELS[name]
    plat = ["game"] * 20 + ["knowledge"] * 20
    by_model: dict[str, dict[str, Any]] = {
        "emcdr": {"source": ("game",), "target": ("knowledge",), "factors": 4},
        "hybrid": {"factors": 4}, "als": {"factors": 4}, "bpr": {"factors": 4},
    }
    params = by_model.get(name, {})
    model = cls(**params)
    return model.fit(X, catalog(40, plat) if cls.needs_catalog else None), X


def _user_arrays(model: Recommender, n_users: int) -> dict[str, np.ndarray]:
    out = {}
    for key, value in model._state().items():
        arr = np.asarray(value.toarray() if sp.issparse(value) else value)
        if arr.ndim >= 1 and arr.shape[0] == n_users:
            out[key] = arr
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_blanks_only_the_erased_rows(name: str, tmp_path: Path) -> None:
    model, X = _fitted(name)
    n = X.shape[0]
    assert n != X.shape[1]
    erased: IntArray = np.array([0, 7, 8, n - 1], np.int64)
    others = np.setdiff1d(np.arange(n), erased)
    ids, sc = model.recommend(others, X[others], 5)
    model.forget_users(erased)
    model.save(tmp_path / "m")
    from crossplay.recommend.models.base import load_model

    loaded = load_model(tmp_path / "m")
    for m in (model, loaded):
        ids2, sc2 = m.recommend(others, X[others], 5)
        assert np.array_equal(ids, ids2) and np.array_equal(sc, sc2)
    for key, arr in _user_arrays(loaded, n).items():
        assert not np.any(arr[erased].astype(float)), f"{name}.{key} keeps erased rows"
        assert np.any(arr[others].astype(float)), f"{name}.{key} lost other rows"
