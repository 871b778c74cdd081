"""The operational database works the same on SQLite and the real PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from crossplay.core.settings import load_settings
from crossplay.opdb import db_url, get_engine, person_key_columns, pseudonym


def test_default_is_sqlite_in_the_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path / "d")
    assert db_url(settings) == f"sqlite:///{(tmp_path / 'd' / 'crossplay.db').resolve()}"
    assert db_url(load_settings(db_url="postgresql://u@h/db")) == "postgresql+psycopg://u@h/db"


def test_concurrent_writers_lose_nothing(op_db_url):
    md = MetaData()
    t = Table("counter_test", md, Column("id", Integer, primary_key=True),
              Column("n", Integer, nullable=False),
              Column("user_key", String(32), info=pseudonym("partner")))
    engine = get_engine(op_db_url)
    md.create_all(engine)
    with engine.begin() as con:
        con.execute(insert(t).values(id=1, n=0, user_key="k"))
    lock_clause = "" if engine.dialect.name == "sqlite" else " FOR UPDATE"

    def bump() -> None:
        for _ in range(20):
            with engine.begin() as con:
                n = con.execute(text(f"SELECT n FROM counter_test WHERE id = 1{lock_clause}"))
                value = n.scalar_one()
                con.execute(text("UPDATE counter_test SET n = :n WHERE id = 1"), {"n": value + 1})

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with engine.connect() as con:
        assert con.execute(select(t.c.n)).scalar_one() == 160
    assert person_key_columns(t) == {"user_key": "partner"}
