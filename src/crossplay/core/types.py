"""Shared literal types."""

from __future__ import annotations

from typing import Literal, get_args

Partner = Literal["knowledge", "game"]
Platform = Literal["knowledge", "game", "stream"]
TableName = Literal["events", "items", "social_edges", "consents", "links"]
Kind = Literal["events", "items", "social", "consents", "links"]
Lang = Literal["en", "zh-CN"]

PARTNERS: tuple[Partner, ...] = get_args(Partner)
PLATFORMS: tuple[Platform, ...] = get_args(Platform)
KINDS: tuple[Kind, ...] = get_args(Kind)

#: which platforms each partner's data may carry
PARTNER_PLATFORMS: dict[Partner, tuple[Platform, ...]] = {
    "knowledge": ("knowledge",),
    "game": ("game", "stream"),
}

#: ``--kind`` on the command line -> canonical lake table
KIND_TABLE: dict[Kind, TableName] = {
    "events": "events",
    "items": "items",
    "social": "social_edges",
    "consents": "consents",
    "links": "links",
}
