"""The planted campaign: a push on the knowledge side with known per-archetype uplift.

Eligible: knowledge users active during the campaign window who granted *marketing*
consent at its start. Half of them (Bernoulli 0.5) are treated and get 1 + Poisson(1.2)
``campaign_exposure`` events; some click. Each treated person makes one *extra* course
purchase with probability ``uplift`` — the true individual treatment effect on "buys a
course during the window" (ignoring the rare case of an organic purchase of the same
course). Control people get no campaign events; their assignment is in the ground truth only.

The effect is heterogeneous within an archetype too, as real pushes are: a person's uplift
is the archetype's ``Archetype.uplift`` times their learning engagement relative to the
archetype (``act_k / Archetype.act_k``, mean 1, capped at ``RESPONSIVENESS_CAP``). Engaged
learners respond more, and engagement is observable in their events, so an uplift model
has something to find; ``Archetype.uplift`` is the effect at typical engagement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.schema.tables import PURPOSES
from crossplay.synth import domain
from crossplay.synth.consent import SideConsents
from crossplay.synth.people import People
from crossplay.synth.sampling import (
    SECONDS_PER_DAY,
    BoolArray,
    Calendar,
    FloatArray,
    IntArray,
    owners_of,
    sample_times,
)

TREATED_SHARE = 0.5
#: the most a person's engagement multiplies their archetype's uplift
RESPONSIVENESS_CAP = 4.0
CAMPAIGN_DAYS = 14


@dataclass(frozen=True)
class CampaignWindow:
    first_day: int
    end_day: int  # exclusive

    @classmethod
    def for_days(cls, days: int) -> CampaignWindow:
        first = days // 3
        return cls(first, min(days, first + CAMPAIGN_DAYS))


@dataclass(frozen=True)
class CampaignDraw:
    eligible: BoolArray
    treated: BoolArray
    uplift: FloatArray  # true effect (probability) for every eligible person, else 0
    induced: BoolArray  # the extra purchase happened (treated only)
    clicked: BoolArray
    exposure_person: IntArray
    exposure_ts: IntArray
    click_ts: IntArray  # (n,) meaningful where clicked
    purchase_ts: IntArray  # (n,) meaningful where induced


def draw_campaign(
    rng: np.random.Generator, people: People, k_consent: SideConsents, calendar: Calendar,
    window: CampaignWindow,
) -> CampaignDraw:
    n = people.n
    start = window.first_day * SECONDS_PER_DAY
    horizon = calendar.days * SECONDS_PER_DAY
    marketing = PURPOSES.index("marketing")
    active = people.uses_k & (people.k_lo < window.end_day) & (people.k_hi > window.first_day)
    eligible = active & k_consent.granted_at(marketing, np.full(n, start, dtype=np.int64))
    treated = eligible & (rng.random(n) < TREATED_SHARE)
    responsiveness = np.minimum(people.act_k / domain.archetype_column("act_k")[people.arch],
                                RESPONSIVENESS_CAP)
    uplift = np.where(eligible, domain.archetype_column("uplift")[people.arch] * responsiveness,
                      0.0)

    who = np.flatnonzero(treated)
    counts = 1 + rng.poisson(1.2, who.size)
    person = who[owners_of(counts.astype(np.int64))]
    lo = np.maximum(people.k_lo[person], window.first_day)
    hi = np.minimum(people.k_hi[person], window.end_day)
    ts = sample_times(rng, calendar, "learn", domain.hour_profiles("learn"),
                      people.arch[person], lo, hi)
    first_exposure = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_exposure, person, ts)

    induced = treated & (rng.random(n) < uplift)
    p_click = domain.archetype_column("p_click")[people.arch]
    clicked = treated & (induced | (rng.random(n) < p_click))
    click_ts = np.minimum(first_exposure + rng.integers(10, 7200, n), horizon - 120)
    click_ts = np.where(clicked, click_ts, 0)
    purchase_ts = np.minimum(click_ts + rng.integers(60, SECONDS_PER_DAY, n), horizon - 1)
    purchase_ts = np.where(induced, purchase_ts, 0)
    return CampaignDraw(eligible, treated, uplift, induced, clicked, person, ts,
                        click_ts, purchase_ts)
