"""Contact lists for a synthetic world (for the demo, tests and the PSI benchmark).

The synthetic world has no phone numbers or e-mail addresses (crossplay never stores
them), so each side's contact CSV is made up here from the ground-truth people: person
``p`` has the mobile number ``+86 139 <p:08d>`` and the address ``user<p>@example.com``.
Each side knows a deterministic subset (knowledge: the phone of 80 % and the e-mail of
60 % of its users; game: 85 % and 50 %) and writes them in its own spelling (knowledge:
``139-xxxx-xxxx`` and ``User<p>@Example.COM `` with stray spaces; game: ``+86 139xxxxxxxx``),
so the normalisation is exercised.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq

from crossplay.core.types import Partner


def _share(p: int, salt: int) -> float:
    return ((p * 2654435761 + salt * 40503) % 1000) / 1000.0


def contact_rows(person: int, partner: Partner) -> tuple[str, str]:
    """(phone, email) as ``partner`` writes them for ``person`` (blank when unknown)."""
    number = f"{person:08d}"
    if partner == "knowledge":
        phone = f"139-{number[:4]}-{number[4:]}" if _share(person, 1) < 0.80 else ""
        email = f"  User{person}@Example.COM " if _share(person, 2) < 0.60 else ""
    else:
        phone = f"+86 139{number}" if _share(person, 3) < 0.85 else ""
        email = f"user{person}@example.com" if _share(person, 4) < 0.50 else ""
    return phone, email


def write_world_contacts(world_dir: Path, out_dir: Path) -> dict[Partner, Path]:
    """``<out_dir>/<partner>-contacts.csv`` for both partners; returns the paths."""
    files = sorted((world_dir / "ground_truth" / "people").glob("*.parquet"))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[Partner, Path] = {}
    partner: Partner
    for partner, col in (("knowledge", "k_uid"), ("game", "g_uid")):
        path = out_dir / f"{partner}-contacts.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["user_id", "phone", "email"])
            for f in files:
                t = pq.read_table(f, columns=["person", col])
                for person, uid in zip(t.column("person").to_pylist(),
                                       t.column(col).to_pylist(), strict=True):
                    if uid is None:
                        continue
                    phone, email = contact_rows(int(person), partner)
                    w.writerow([uid, phone, email])
        paths[partner] = path
    return paths
