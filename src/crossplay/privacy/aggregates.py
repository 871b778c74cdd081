"""The named aggregates a partner may receive (pure definitions + their SQL).

Every query runs over *linked persons usable across partners*
(:func:`crossplay.privacy.policy.linked_persons_sql`: an active link whose both sides
granted ``linking``). A query has fixed dimensions whose domain is public (the catalog's
categories, fixed segment names): a partner cannot pass filters, so it cannot shape two
populations that differ by one person. Each person falls in exactly one group, so the
L1 sensitivity of the count vector is 1 (per counted metric); sums clamp each person's
value to ``[0, bound]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossplay.privacy.policy import linked_persons_sql


@dataclass(frozen=True)
class Metric:
    """One released column.

    ``over`` names the count whose members carry a sum's values (``spend`` is summed over
    ``buyers``: non-buyers add 0): a sum is withheld whenever that count is, because a sum
    over fewer than k people describes those people.
    """

    name: str
    kind: str  # "count" (people) or "sum" (clamped per person to [0, bound])
    bound: float = 1.0
    over: str = "people"


@dataclass(frozen=True)
class Ratio:
    """A cell derived from two released cells of the same group: ``num / den``.

    It is computed from what is released (post-processing: it costs no ε and reveals
    nothing more), withheld when either part is, and lies in ``[0, bound]`` (``spend`` per
    buyer: each buyer adds at most the spend bound).
    """

    name: str
    num: str
    den: str
    bound: float


@dataclass(frozen=True)
class AggregateQuery:
    name: str
    about: str
    dims: tuple[str, ...]
    metrics: tuple[Metric, ...]
    sql: str  # one row per person: person_id, the dims, one column per metric
    domain_sql: tuple[str, ...]  # per dim: SELECT the public values of that dim
    derived: tuple[Ratio, ...] = ()


_K_TOP = """
  SELECT user_key, category FROM (
    SELECT e.user_key, i.category,
           row_number() OVER (PARTITION BY e.user_key ORDER BY count(*) DESC, i.category) AS r
    FROM events e JOIN items_current i ON i.partner = e.partner AND i.item_id = e.item_id
    WHERE e.partner = '{partner}' AND i.category IS NOT NULL {platforms}
    GROUP BY e.user_key, i.category) WHERE r = 1"""


def _top(partner: str, platforms: str = "") -> str:
    return _K_TOP.format(partner=partner, platforms=platforms)


_PERSONS = f"SELECT DISTINCT person_id, k_user_key, g_user_key FROM ({linked_persons_sql()})"

OVERLAP_BY_KNOWLEDGE_CATEGORY = AggregateQuery(
    name="overlap_by_knowledge_category",
    about="linked people by their main knowledge category",
    dims=("knowledge_category",),
    metrics=(Metric("people", "count"),),
    sql=f"""
      SELECT p.person_id, coalesce(k.category, '(none)') AS knowledge_category, 1 AS people
      FROM ({_PERSONS}) p LEFT JOIN ({_top('knowledge')}) k ON k.user_key = p.k_user_key""",
    domain_sql=("SELECT DISTINCT category FROM items_current WHERE partner = 'knowledge' "
                "AND category IS NOT NULL UNION SELECT '(none)'",),
)

OVERLAP_BY_CATEGORY_PAIR = AggregateQuery(
    name="overlap_by_category_pair",
    about="linked people by (main knowledge category, main game / stream category)",
    dims=("knowledge_category", "game_category"),
    metrics=(Metric("people", "count"),),
    sql=f"""
      SELECT p.person_id, coalesce(k.category, '(none)') AS knowledge_category,
             coalesce(g.category, '(none)') AS game_category, 1 AS people
      FROM ({_PERSONS}) p
      LEFT JOIN ({_top('knowledge')}) k ON k.user_key = p.k_user_key
      LEFT JOIN ({_top('game')}) g ON g.user_key = p.g_user_key""",
    domain_sql=("SELECT DISTINCT category FROM items_current WHERE partner = 'knowledge' "
                "AND category IS NOT NULL UNION SELECT '(none)'",
                "SELECT DISTINCT category FROM items_current WHERE partner = 'game' "
                "AND category IS NOT NULL UNION SELECT '(none)'"),
)

SEGMENTS = ("none", "light", "regular", "heavy")
SPEND_BOUND = 500.0

CONVERSION_BY_SEGMENT = AggregateQuery(
    name="conversion_by_segment",
    about="linked people by game activity segment: how many bought a course, and spend",
    dims=("segment",),
    metrics=(Metric("people", "count"), Metric("buyers", "count"),
             Metric("spend", "sum", SPEND_BOUND, over="buyers")),
    sql=f"""
      WITH g AS (SELECT user_key, count(*) AS n FROM events
                 WHERE partner = 'game' AND platform = 'game' GROUP BY user_key),
           k AS (SELECT user_key, sum(value) AS spend FROM events
                 WHERE partner = 'knowledge' AND event_type = 'purchase' GROUP BY user_key)
      SELECT p.person_id,
             CASE WHEN coalesce(g.n, 0) = 0 THEN 'none' WHEN g.n < 10 THEN 'light'
                  WHEN g.n < 50 THEN 'regular' ELSE 'heavy' END AS segment,
             1 AS people, CASE WHEN k.spend IS NOT NULL THEN 1 ELSE 0 END AS buyers,
             least(greatest(coalesce(k.spend, 0), 0), {SPEND_BOUND}) AS spend
      FROM ({_PERSONS}) p LEFT JOIN g ON g.user_key = p.g_user_key
      LEFT JOIN k ON k.user_key = p.k_user_key""",
    domain_sql=(" UNION ALL ".join(f"SELECT '{s}'" for s in SEGMENTS),),
    derived=(Ratio("spend_per_buyer", "spend", "buyers", SPEND_BOUND),),
)

QUERIES: dict[str, AggregateQuery] = {q.name: q for q in (
    OVERLAP_BY_KNOWLEDGE_CATEGORY, OVERLAP_BY_CATEGORY_PAIR, CONVERSION_BY_SEGMENT)}
