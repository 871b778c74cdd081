"""``POST /v1/audiences/{name}/export`` as a partner's system calls it (real uvicorn).

The partner is the key's: each partner receives only its own users' keys of consented
members, a ``partner`` field in the body is refused, and every export is audited.
"""

from __future__ import annotations

import csv
import io

import httpx
import pyarrow.parquet as pq
import pytest

from crossplay.client.base import ApiError
from crossplay.marketing import service
from crossplay.privacy.audit import entries
from crossplay.privacy.profiles import build_profiles
from crossplay.warehouse.duck import connect
from tests.api.conftest import LiveApi


@pytest.fixture
def aud_api(world_api: LiveApi) -> LiveApi:
    build_profiles(world_api.settings)
    service.build(world_api.settings, "夜猫子", "knowledge.events >= 0")
    service.build(world_api.settings, "narrow", "game.spend > 1000000")
    return world_api


def _keys(api: LiveApi) -> dict[str, set[str]]:
    con = connect(api.settings)
    try:
        rows = con.sql("SELECT k_user_key, g_user_key FROM joint_profiles").fetchall()
    finally:
        con.close()
    return {"knowledge": {r[0] for r in rows}, "game": {r[1] for r in rows}}


def test_each_partner_gets_only_its_own_keys(aud_api: LiveApi) -> None:
    keys = _keys(aud_api)
    before = len(entries(aud_api.settings, action="marketing.audience_export"))
    data = aud_api.client("knowledge").audiences.export("夜猫子")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    got = {r["user_key"] for r in rows}
    assert len(got) >= 10 and got <= keys["knowledge"] and not got & keys["game"]
    assert {r["partner"] for r in rows} == {"knowledge"}
    data = aud_api.client("game").audiences.export("夜猫子", fmt="parquet", version=1)
    table = pq.read_table(io.BytesIO(data))
    got_g = set(table.column("user_key").to_pylist())
    assert got_g <= keys["game"] and not got_g & keys["knowledge"]
    assert set(table.column("partner").to_pylist()) == {"game"}
    after = entries(aud_api.settings, action="marketing.audience_export")
    assert len(after) == before + 2
    assert {e.details["channel"] for e in after[-2:]} == {"api"}
    assert {e.actor.split(":")[0] for e in after[-2:]} == {"api"}


def test_the_partner_comes_from_the_key_never_from_the_request(aud_api: LiveApi) -> None:
    key = aud_api.keys["knowledge"]
    resp = httpx.post(f"{aud_api.url}/v1/audiences/%E5%A4%9C%E7%8C%AB%E5%AD%90/export",
                      json={"format": "csv", "partner": "game"},
                      headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    resp = httpx.post(f"{aud_api.url}/v1/audiences/夜猫子/export?partner=game",
                      headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 200
    assert not {r.split(",")[0] for r in resp.text.splitlines()[1:]} & _keys(aud_api)["game"]


def test_problems_for_bad_input(aud_api: LiveApi) -> None:
    k = aud_api.client("knowledge")
    with pytest.raises(ApiError) as info:
        k.audiences.export("nobody")
    assert info.value.status == 404 and info.value.server_code == "audience_not_found"
    with pytest.raises(ApiError) as info:
        k.audiences.export("narrow")
    assert info.value.status == 400 and info.value.server_code == "audience_export_below_k"
    with pytest.raises(ApiError) as info:
        aud_api.client(lang="zh-CN", key=aud_api.keys["game"]).audiences.export(
            "夜猫子", version=9)
    assert info.value.status == 404 and "版" in str(info.value)
    with pytest.raises(ApiError) as info:
        k.audiences.export("夜猫子", fmt="xlsx")
    assert info.value.status == 422
    with pytest.raises(ApiError) as info:
        k.audiences.export("../etc")
    assert info.value.status in (404, 422)
    no_scope = aud_api.key("knowledge", "recommend")
    with pytest.raises(ApiError) as info:
        aud_api.client(key=no_scope).audiences.export("夜猫子")
    assert info.value.status == 403
