"""The personalisation decisions of every user at once, held in memory for live serving.

:func:`crossplay.privacy.policy.decide` answers for one user with two DuckDB queries over
the warehouse (lake plus the operational database's live decisions): right for the CLI,
far too slow for an HTTP request. :func:`load_consent_view` runs the same policy's SQL
(``consents_current``, :func:`~crossplay.privacy.policy.linked_persons_sql`,
``links_current``) once for everyone and :class:`ConsentView` answers
:meth:`~ConsentView.own` / :meth:`~ConsentView.joint` / :meth:`~ConsentView.known` with the
very reasons ``decide`` and ``is_known`` give (a test pins them to each other).

Freshness is the caller's business (:mod:`crossplay.recommend.live`): a view records the
live tables' watermark (:mod:`crossplay.privacy.watermark`) it was built after, and a
newer watermark means a decision or link changed, so the view is rebuilt before the next
answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.privacy.policy import Decision, Purpose, linked_persons_sql
from crossplay.privacy.watermark import WATERMARK_SQL, Watermark, watermark_of
from crossplay.warehouse.duck import connect

_P = Purpose.PERSONALISATION.value
#: the column of a partner's key in ``links_current`` and the joint units
KEY_COLUMN: dict[Partner, str] = {"knowledge": "k_user_key", "game": "g_user_key"}

#: re-exported for :mod:`crossplay.recommend.live` (the helper lives in privacy.watermark)
__all__ = ["KEY_COLUMN", "WATERMARK_SQL", "ConsentView", "Watermark", "event_keys",
           "load_consent_view", "watermark_of"]

@dataclass(frozen=True)
class ConsentView:
    """Who may be personalised, and who is known, as of ``watermark``."""

    watermark: Watermark
    #: latest personalisation decision per (partner, user_key)
    latest: dict[tuple[str, str], bool]
    #: keys of linked persons usable for personalisation, per partner
    linked: dict[str, frozenset[str]]
    #: keys in any current link (a linked person is known without own events), per partner
    link_keys: dict[str, frozenset[str]]
    #: (partner, user_key) with at least one event in the lake
    event_keys: frozenset[tuple[str, str]]

    def known(self, partner: Partner, user_key: str) -> bool:
        """As :func:`crossplay.recommend.service.is_known`."""
        return ((partner, user_key) in self.event_keys
                or user_key in self.link_keys.get(partner, frozenset()))

    def own(self, partner: Partner, user_key: str) -> Decision:
        """As ``decide(purpose=personalisation, party=partner)`` (opt-out)."""
        if self.latest.get((partner, user_key)) is False:
            return Decision(False, f"the user refused {_P}")
        return Decision(True, f"own users, {_P} not refused")

    def joint(self, partner: Partner, user_key: str) -> Decision:
        """As ``decide(purpose=personalisation, party="joint")``."""
        latest = self.latest.get((partner, user_key))
        if latest is not True:
            what = "refused" if latest is False else "has not granted"
            return Decision(False, f"the user {what} {_P}")
        if user_key not in self.linked.get(partner, frozenset()):
            return Decision(False, "no active link with linking consent on both sides")
        return Decision(True, f"linked, both sides granted linking and {_P}")


def event_keys(settings: Settings) -> frozenset[tuple[str, str]]:
    """Every (partner, user_key) with an event in the lake (changes only with ingest)."""
    con = connect(settings, live=False)
    try:
        rows = con.sql("SELECT DISTINCT partner, user_key FROM events "
                       "WHERE user_key IS NOT NULL").fetchall()
    finally:
        con.close()
    return frozenset((str(p), str(k)) for p, k in rows)


def load_consent_view(settings: Settings, watermark: Watermark,
                      events: frozenset[tuple[str, str]]) -> ConsentView:
    """The decisions of everyone from the warehouse (lake and live tables).

    ``watermark`` must be read *before* this call: a change committed in between is then
    in the view and also newer than its watermark, so it costs one more rebuild, never a
    missed change.
    """
    con = connect(settings)
    try:
        latest = {(str(p), str(k)): bool(g) for p, k, g in con.sql(
            f"SELECT partner, user_key, granted FROM consents_current "
            f"WHERE purpose = '{_P}'").fetchall()}
        linked_rows = con.sql(f"SELECT k_user_key, g_user_key FROM "
                              f"({linked_persons_sql(Purpose.PERSONALISATION)})").fetchall()
        link_rows = con.sql("SELECT k_user_key, g_user_key FROM links_current").fetchall()
    finally:
        con.close()

    def sides(rows: list[Any]) -> dict[str, frozenset[str]]:
        return {"knowledge": frozenset(str(r[0]) for r in rows if r[0] is not None),
                "game": frozenset(str(r[1]) for r in rows if r[1] is not None)}

    return ConsentView(watermark=watermark, latest=latest, linked=sides(linked_rows),
                       link_keys=sides(link_rows), event_keys=events)
