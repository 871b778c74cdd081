"""The Python API behind ``crossplay recommend train | for | export``.

``train`` fits one unit per domain on that partner's own users (``in-<domain>``: ALS by
default, plus popularity and content) and, when linked persons exist, one cross-domain
unit per target domain on the joint space (``cross-<domain>``: EMCDR, which also serves
linked persons who never used the target platform). Consent is checked again at serving
and export time, so a refusal after training takes effect at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.errors import ConfigError, CrossplayError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Lang, Partner
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.policy import Decision, Purpose, allowed_sql, decide, linked_persons_sql
from crossplay.recommend.dataset import DOMAIN_PARTNER, DOMAINS, Domain, load_log
from crossplay.recommend.evaluate import source_of
from crossplay.recommend.explain import explain_items, reason_text
from crossplay.recommend.models import (
    ALS,
    BPR,
    EMCDR,
    ContentBased,
    ItemKNN,
    Popularity,
    Recommender,
)
from crossplay.recommend.store import (
    Unit,
    bundle_dir,
    load_unit,
    mark_latest,
    models_dir,
    new_version,
    save_unit,
)
from crossplay.recommend.weights import InteractionConfig
from crossplay.warehouse.duck import connect

log = logging.getLogger(__name__)
InDomainModel = Literal["als", "bpr", "item_knn", "content"]


@dataclass(frozen=True)
class TrainOptions:
    model: InDomainModel = "als"
    factors: int = 16  # tuned on a 20,000-person world (seed 0): 8-16 beat 32-64 there
    cross: bool = True
    seed: int = 0
    interaction: InteractionConfig = field(default_factory=InteractionConfig)


def _in_model(opts: TrainOptions) -> Recommender:
    if opts.model == "als":
        return ALS(factors=opts.factors, random_state=opts.seed)
    if opts.model == "bpr":
        return BPR(factors=opts.factors, random_state=opts.seed)
    if opts.model == "item_knn":
        return ItemKNN()
    if opts.model == "content":
        return ContentBased()
    raise ConfigError("model must be als, bpr, item_knn or content", code="recommend_model")


def train(settings: Settings, opts: TrainOptions | None = None,
          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Fit and save a new bundle; returns its description (also ``bundle.json``)."""
    o = opts or TrainOptions()
    version = new_version()
    root = models_dir(settings) / version
    units: list[dict[str, Any]] = []
    for d in DOMAINS:
        if progress:
            progress(f"in-{d}")
        lg = load_log(settings, (d,), config=o.interaction)
        if lg.n_users == 0:
            continue
        t0 = time.perf_counter()
        X = lg.matrix(o.interaction)
        model = _in_model(o).fit(X, lg.items)
        content = model if isinstance(model, ContentBased) else ContentBased().fit(
            X, lg.items)
        info = {"unit": f"in-{d}", "scope": "partner", "partner": DOMAIN_PARTNER[d],
                "domain": d, "model": model.name, "users": lg.n_users,
                "items": lg.n_items, "pairs": int(X.nnz),
                "seconds": round(time.perf_counter() - t0, 3)}
        save_unit(root / f"in-{d}", Unit(f"in-{d}", model, Popularity().fit(X), content,
                                         lg.items, lg.users[["partner", "user_key"]], X,
                                         info))
        units.append(info)
    if not units:
        raise NotFoundError("no behaviour with items in the lake: ingest events first",
                            code="recommend_no_data")
    if o.cross:
        units += _train_cross(settings, o, root, progress)
    bundle = {"version": version,
              "created_at": clock.now().isoformat(timespec="seconds"),
              "model": o.model, "factors": o.factors, "units": units}
    write_json(bundle, root / "bundle.json")
    mark_latest(settings, version)
    return bundle


def _train_cross(settings: Settings, o: TrainOptions, root: Path,
                 progress: Callable[[str], None] | None) -> list[dict[str, Any]]:
    lg = load_log(settings, DOMAINS, joint=True, config=o.interaction)
    out: list[dict[str, Any]] = []
    if lg.n_users == 0 or not lg.users["linked"].any():
        return out
    X = lg.matrix(o.interaction)
    content = ContentBased().fit(X, lg.items)
    users = lg.users[["person_id", "k_user_key", "g_user_key", "partner", "user_key"]]
    for target in DOMAINS:
        if progress:
            progress(f"cross-{target}")
        t0 = time.perf_counter()
        model = EMCDR(source=source_of(target), target=(target,),
                      factors=min(o.factors, 16), random_state=o.seed)
        try:
            model.fit(X, lg.items)
        except ConfigError as exc:  # too few persons active on both sides
            log.info("cross-%s not trained: %s", target, exc.message)
            continue
        info = {"unit": f"cross-{target}", "scope": "joint", "domain": target,
                "model": model.name, "users": lg.n_users,
                "linked": int(lg.users["linked"].sum()),
                "overlap": model.overlap_users_, "items": lg.n_items, "pairs": int(X.nnz),
                "seconds": round(time.perf_counter() - t0, 3)}
        save_unit(root / f"cross-{target}", Unit(f"cross-{target}", model,
                                                 Popularity().fit(X), content, lg.items,
                                                 users, X, info))
        out.append(info)
    return out


# --- serving ---------------------------------------------------------------------------------
#: the policy note of a key the lake holds nothing for
UNKNOWN_USER = "unknown user: no events and no account link for this id"

U = TypeVar("U")


def choose_served(*, known: bool, own: bool, own_ok: Decision, joint_ok: Decision,
                  own_row: Callable[[], tuple[U, int | None]],
                  cross_row: Callable[[], tuple[U, int | None] | None],
                  ) -> tuple[U | None, int | None, str]:
    """Which trained unit and row serve a user, and the policy note saying why.

    The user's own-domain history when ``own`` and personalisation is allowed, else the
    cross-domain unit when the joint purpose allows it (``cross_row`` is None without
    one); a row of None means popularity. One rule for :func:`recommend_for` and the live
    recommender (:mod:`crossplay.recommend.live`); the callables load what each holds.
    """
    unit: U | None = None
    row: int | None = None
    notes: list[str] = []
    if not known:
        notes.append(UNKNOWN_USER)
    elif not own_ok.allowed:
        notes.append(own_ok.reason)
    else:
        if own:
            unit, row = own_row()
            notes.append(own_ok.reason)
        if row is None:  # another partner's domain, or no history here: cross-domain
            if not joint_ok.allowed:
                notes.append(f"cross-domain: {joint_ok.reason}")
            else:
                got = cross_row()
                if got is not None:
                    unit, row = got
                    notes.append(joint_ok.reason)
        if row is None and unit is not None:
            notes.append("no behaviour in the trained model")
    return unit, row, "; ".join(dict.fromkeys(notes))


def is_known(con: duckdb.DuckDBPyConnection, partner: Partner, user_key: str) -> bool:
    """Whether the lake holds anything of ``partner``'s user ``user_key``: an event, or a
    current account link (a linked person may have behaviour only on the other side)."""
    col = "k_user_key" if partner == "knowledge" else "g_user_key"
    rows = con.sql(
        f"SELECT EXISTS (SELECT 1 FROM events WHERE partner = {lit(partner)} "
        f"AND user_key = {lit(user_key)}) OR EXISTS (SELECT 1 FROM links_current "
        f"WHERE {col} = {lit(user_key)})").fetchall()
    return bool(rows[0][0])


def _popular(unit: Unit, domain: Domain, n: int) -> tuple[np.ndarray, np.ndarray]:
    cand = unit.items.available & unit.items.in_domains((domain,))
    empty = sp.csr_matrix((1, len(unit.items)), dtype=np.float32)
    ids, sc = unit.popularity.recommend(None, empty, n, candidates=cand)
    return ids[0], sc[0]


def _support(unit: Unit) -> np.ndarray:
    """Users per item as trained (the "N people" of a popular reason): the popularity
    model's counts, which erasure leaves as they were, like every other across-user
    statistic, so blanking one user's history changes no one else's explanations."""
    pop = unit.popularity
    if isinstance(pop, Popularity) and pop.by == "users":
        return np.asarray(pop.popularity_, np.int64)
    return np.asarray((unit.history > 0).sum(axis=0)).ravel()


def recommend_for(settings: Settings, *, partner: Partner, user_key: str,
                  domain: Domain | None = None, n: int = 10, explain: bool = False,
                  lang: Lang = "en", version: str | None = None,
                  actor: str = "api") -> dict[str, Any]:
    """Top ``n`` items of ``domain`` (default: the partner's first domain) for one user.

    Personalised when the policy allows: the partner's own model for its own domains, the
    cross-domain model for the other partner's domain (linked persons who granted linking
    and personalisation on both sides). Everyone else gets popular items, and is told so;
    a key the lake knows nothing of (no event, no account link: a mistyped id, the other
    partner's id, an erased person) is said to be unknown (``known: false``).
    """
    from crossplay.privacy.keys import check_user_key

    user_key = check_user_key(user_key)
    d: Domain = domain or ("knowledge" if partner == "knowledge" else "game")
    if d not in DOMAINS:
        raise ConfigError("domain must be knowledge, game or stream", code="recommend_domain")
    if n < 1 or n > 1000:
        raise ConfigError("n must be between 1 and 1000", code="recommend_n")
    root = bundle_dir(settings, version)
    own = DOMAIN_PARTNER[d] == partner
    in_unit_path = root / f"in-{d}"
    if not in_unit_path.is_dir():
        raise NotFoundError(f"the trained bundle has no {d} model (no {d} behaviour when "
                            "it was trained)", code="recommend_no_model_domain",
                            params={"domain": d})
    col = "k_user_key" if partner == "knowledge" else "g_user_key"
    con = connect(settings)
    try:
        known = is_known(con, partner, user_key)
        own_ok = decide(con, partner=partner, user_key=user_key,
                        purpose=Purpose.PERSONALISATION, party=partner)
        joint_ok = decide(con, partner=partner, user_key=user_key,
                          purpose=Purpose.PERSONALISATION, party="joint")
    finally:
        con.close()
    result: dict[str, Any] = {"partner": partner, "domain": d, "known": known,
                              "personalised": False, "unit": None, "model": "popularity"}

    def own_row() -> tuple[Unit, int | None]:
        loaded = load_unit(in_unit_path)
        return loaded, loaded.row_of("user_key", user_key)

    def cross_row() -> tuple[Unit, int | None] | None:
        if not (root / f"cross-{d}").is_dir():
            return None
        loaded = load_unit(root / f"cross-{d}")
        return loaded, loaded.row_of(col, user_key)

    unit, row, result["policy"] = choose_served(
        known=known, own=own, own_ok=own_ok, joint_ok=joint_ok, own_row=own_row,
        cross_row=cross_row)
    if unit is not None and row is not None:
        result |= {"personalised": True, "unit": unit.name, "model": unit.model.name}
        if unit.info.get("scope") == "joint":
            from crossplay.privacy.audit import person_subject, record

            # a digest, not the key: the log is append-only and erasure cannot edit it
            record(settings, "recommend_cross_read", actor=actor,
                   subject=person_subject(partner, user_key),
                   details={"domain": d, "unit": unit.name, "n": n})
    else:
        unit, row = load_unit(in_unit_path), None
    result["items"] = unit_items(unit, row, d, n, explain=explain, lang=lang)
    return result


def unit_items(unit: Unit, row: int | None, domain: Domain, n: int, *,
               explain: bool = False, lang: Lang = "en") -> list[dict[str, Any]]:
    """What one user sees from a loaded unit: the top ``n`` items of ``domain`` for
    training row ``row`` (personalised), or the popular list when ``row`` is ``None``;
    with ``explain``, each item's reason. No consent check: callers decide the row."""
    if row is not None:
        hist = unit.history[row]
        cand = unit.items.available & unit.items.in_domains((domain,))
        ids, sc = unit.model.recommend(np.array([row]), hist, n, candidates=cand)
        ids, sc = ids[0], sc[0]
    else:
        ids, sc = _popular(unit, domain, n)
        hist = sp.csr_matrix((1, len(unit.items)), dtype=np.float32)
    support = _support(unit)
    items = []
    keep = ids >= 0
    reasons = (explain_items(unit.model, hist, ids[keep], unit.items)
               if explain and row is not None else None)
    f = unit.items.frame
    for r, (i, s) in enumerate(zip(ids[keep], sc[keep], strict=True)):
        entry: dict[str, Any] = {"rank": r + 1, "item_id": str(f.at[i, "item_id"]),
                                 "platform": str(f.at[i, "platform"]),
                                 "title": str(f.at[i, "title"]),
                                 "category": str(f.at[i, "category"]),
                                 "score": round(float(s), 5)}
        if explain:
            reason = reasons[r] if reasons is not None else None
            from crossplay.recommend.explain import Reason

            rr = reason or Reason("popular", [], [])
            entry["why"] = reason_text(rr, unit.items, lang, popular_count=int(support[i]))
            entry["why_detail"] = rr.as_dict(unit.items, lang)
        items.append(entry)
    return items


# --- batch export ----------------------------------------------------------------------------
def export(settings: Settings, *, n: int = 10, version: str | None = None,
           out: Path | None = None, actor: str = "api") -> dict[str, Any]:
    """Top ``n`` per eligible person and domain to Parquet (consent re-checked now).

    ``in-<domain>.parquet``: ``partner``, ``user_key``, ``domain``, ``rank``, ``item_id``,
    ``score``, ``model``; ``cross-<domain>.parquet``: ``person_id``, ``k_user_key``,
    ``g_user_key``, ... Persons not eligible are left out (served popular items live).
    """
    if n < 1 or n > 1000:
        raise ConfigError("n must be between 1 and 1000", code="recommend_n")
    root = bundle_dir(settings, version)
    target = out or derived_dir(settings, "recommend") / "exports" / root.name
    files: dict[str, int] = {}
    con = connect(settings)
    try:
        allowed = {p: {r[0] for r in con.sql(
            allowed_sql(Purpose.PERSONALISATION, p, p)).fetchall()}
            for p in ("knowledge", "game")}
        persons = {r[0] for r in con.sql(
            f"SELECT person_id FROM ({linked_persons_sql(Purpose.PERSONALISATION)})"
        ).fetchall()}
    finally:
        con.close()
    for unit_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        unit = load_unit(unit_dir)
        d = unit.info["domain"]
        if unit.info["scope"] == "partner":
            ok = unit.users["user_key"].isin(allowed[unit.info["partner"]]).to_numpy()
            cols = ["partner", "user_key"]
        else:
            ok = unit.users["person_id"].isin(persons).to_numpy()
            cols = ["person_id", "k_user_key", "g_user_key"]
        rows = np.flatnonzero(ok)
        cand = unit.items.available & unit.items.in_domains((d,))
        frames = []
        for lo in range(0, rows.size, 65536):
            chunk = rows[lo:lo + 65536]
            ids, sc = unit.model.recommend(chunk, unit.history[chunk], n, candidates=cand)
            r_idx, rank = np.nonzero(ids >= 0)
            frames.append(pd.DataFrame({
                **{c: unit.users[c].to_numpy()[chunk[r_idx]] for c in cols},
                "domain": d, "rank": (rank + 1).astype(np.int16),
                "item_id": unit.items.frame["item_id"].to_numpy()[ids[r_idx, rank]],
                "score": sc[r_idx, rank], "model": unit.model.name}))
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=[*cols, "domain", "rank", "item_id", "score", "model"])
        path = write_parquet(pa.Table.from_pandas(frame, preserve_index=False),
                             target / f"{unit.name}.parquet")
        files[str(path)] = len(frame)
        if unit.info["scope"] == "joint":
            from crossplay.privacy.audit import record

            record(settings, "recommend_export", actor=actor, subject=unit.name,
                   details={"rows": len(frame), "persons": int(rows.size),
                            "version": root.name, "file": path.name})
    summary = {"version": root.name, "n": n, "files": files}
    write_json(summary, target / "export.json")
    return summary


def user_key_arg(settings: Settings, partner: Partner, user: str | None,
                 key: str | None) -> str:
    """The pseudonymous key of ``--user`` (a native id) or ``--key`` (already a key)."""
    if (user is None) == (key is None):
        raise ConfigError("give exactly one of --user (native id) or --key (user_key)",
                          code="recommend_user")
    from crossplay.privacy.keys import check_user_key, native_key

    if key is not None:
        return check_user_key(key)

    assert user is not None
    try:
        return native_key(settings, partner, user)
    except CrossplayError:
        raise
    except Exception as exc:  # pragma: no cover - secrets misconfigured
        raise ConfigError(f"cannot pseudonymise the user id: {exc}",
                          code="recommend_pseudonymise", params={"detail": str(exc)}) from None


