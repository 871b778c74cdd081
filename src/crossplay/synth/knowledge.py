"""Knowledge-platform behaviour for one chunk (pure numpy).

Browse → enrol (free) or buy (paid) → lessons with drop-off → complete, rate, refund;
plus memberships, daily check-ins and the campaign's exposures and clicks. Completion
is far below enrolment: a completer must plan to finish *and* get through every lesson
before the window ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.synth import domain
from crossplay.synth.campaign import CampaignDraw, CampaignWindow
from crossplay.synth.catalog import Courses
from crossplay.synth.events import EventBlock, concat
from crossplay.synth.people import People
from crossplay.synth.sampling import (
    SECONDS_PER_DAY,
    BoolArray,
    Calendar,
    IntArray,
    cummax_by_group,
    cumsum_in_group,
    daily_checkins,
    first_in_group,
    owners_of,
    pick,
    rank_in_group,
    rowwise_choice,
    sample_times,
)

#: the knowledge partner's own behaviour codes (exported as-is; the mapping renames them)
CODES: tuple[str, ...] = (
    "view", "enroll", "study", "lesson_done", "course_done", "rate", "buy", "refund", "sign",
    "push_show", "push_click",
)
(VIEW, ENROLL, STUDY, LESSON_DONE, COURSE_DONE, RATE, BUY, REFUND, SIGN,
 PUSH_SHOW, PUSH_CLICK) = range(len(CODES))
CHANNELS: tuple[str, ...] = (*domain.VIEW_CHANNELS, domain.CAMPAIGN_ID)

VIEWS_PER_DAY = 0.7
P_ENROLL_FREE = 0.16
P_BUY = 0.0022
P_COMPLETE = (0.15, 0.32)  # free, paid: plan to finish every lesson
P_NEVER_START = 0.3
P_NEXT_LESSON = 0.65
P_SAME_DAY = 0.55  # next lesson on the same day (binge)
P_REFUND = (0.05, 0.20)  # watched 2+ lessons, watched 0-1
P_MEMBERSHIP = 0.012
SCORE_P = {"completed": (0.02, 0.03, 0.08, 0.30, 0.57), "other": (0.08, 0.10, 0.20, 0.32, 0.30)}


@dataclass(frozen=True)
class KnowledgeResult:
    events: EventBlock
    bought_in_campaign: BoolArray  # bought a course (not a membership) in the campaign window
    induced_realised: BoolArray  # the campaign's extra purchase is in the data


def _fit(people: People, person: IntArray, category: IntArray) -> IntArray:
    n_cat = len(domain.COURSE_CATEGORIES)
    return np.asarray(np.clip(people.cat_pref[person, category] * n_cat, 0.3, 3.0) ** 0.5)


def simulate_knowledge(
    rng: np.random.Generator, people: People, courses: Courses, calendar: Calendar,
    campaign: CampaignDraw, window: CampaignWindow,
) -> KnowledgeResult:
    horizon = calendar.days * SECONDS_PER_DAY
    hours = domain.hour_profiles("learn")
    users = np.flatnonzero(people.uses_k)
    span = people.k_hi[users] - people.k_lo[users]
    vp = users[owners_of(rng.poisson(VIEWS_PER_DAY * people.act_k[users] * span))]
    cat = rowwise_choice(rng, people.cat_pref, vp)
    item = courses.browse.sample(rng, cat)
    vts = sample_times(rng, calendar, "learn", hours, people.arch[vp],
                       people.k_lo[vp], people.k_hi[vp])
    blocks = [EventBlock.make(vp, VIEW, vts, item=item,
                              tag=pick(rng, domain.VIEW_CHANNEL_P, vp.size))]

    # enrolment decisions, plus the campaign's extra purchases
    price = courses.price_fen[item]
    p = np.where(price == 0, P_ENROLL_FREE, P_BUY * (9900 / np.maximum(price, 990)) ** 0.25)
    enr = rng.random(vp.size) < p * _fit(people, vp, cat)
    ip = np.flatnonzero(campaign.induced)
    i_item = courses.paid.sample(rng, rowwise_choice(rng, people.cat_pref, ip))
    e_person = np.concatenate([vp[enr], ip])
    e_item = np.concatenate([item[enr], i_item])
    e_ts = np.concatenate([vts[enr] + rng.integers(20, 900, int(enr.sum())),
                           campaign.purchase_ts[ip]])
    e_induced = np.concatenate([np.zeros(int(enr.sum()), bool), np.ones(ip.size, bool)])
    _, first, _ = first_in_group(e_person * courses.n + e_item, e_ts)
    first = first[e_ts[first] < horizon]
    e_person, e_item = e_person[first], e_item[first]
    e_ts, e_induced = e_ts[first], e_induced[first]
    n_e = e_person.size
    paid = courses.price_fen[e_item] > 0
    blocks.append(EventBlock.make(e_person[paid], BUY, e_ts[paid], item=e_item[paid],
                                  value=courses.price_fen[e_item[paid]]))
    blocks.append(EventBlock.make(e_person, ENROLL, e_ts + np.where(paid, 2, 0), item=e_item))

    # lessons: plan, then place in time, then cut at the window end / refund
    lessons = courses.lessons[e_item]
    fit_e = _fit(people, e_person, courses.category[e_item])
    will = rng.random(n_e) < np.where(paid, P_COMPLETE[1], P_COMPLETE[0]) * fit_e
    dropped = np.where(rng.random(n_e) < P_NEVER_START, 0, rng.geometric(1 - P_NEXT_LESSON, n_e))
    watched = np.where(will, lessons, np.minimum(lessons - 1, dropped)).astype(np.int64)
    refund = paid & (rng.random(n_e) < np.where(watched <= 1, P_REFUND[1], P_REFUND[0]))
    refund_ts = np.where(refund, e_ts + rng.integers(3600, 6 * SECONDS_PER_DAY, n_e), horizon)

    owner = owners_of(watched)
    m = owner.size
    j = rank_in_group(watched)
    gap = np.where((j == 0) | (rng.random(m) < P_SAME_DAY), 0, 1 + rng.poisson(0.5, m))
    day_off = cumsum_in_group(gap, watched)
    later = e_ts[owner] // SECONDS_PER_DAY * SECONDS_PER_DAY + day_off * SECONDS_PER_DAY
    later += rowwise_choice(rng, hours, people.arch[e_person[owner]]) * 3600
    later += rng.integers(0, 3600, m)
    wish = np.where(day_off == 0, e_ts[owner] + 60, later)
    last = j == watched[owner] - 1
    frac = np.where(last & ~will[owner], rng.uniform(0.05, 1.0, m), rng.uniform(0.9, 1.0, m))
    dur = (courses.lesson_seconds[e_item[owner]] * frac).astype(np.int64)
    before = cumsum_in_group(dur + 30, watched) - (dur + 30)
    start = cummax_by_group(wish - before, watched) + before
    end = start + dur
    limit = np.minimum(people.k_hi[e_person[owner]] * SECONDS_PER_DAY, refund_ts[owner])
    kept = end < np.minimum(limit, horizon)
    lp, li, le = e_person[owner][kept], e_item[owner][kept], end[kept]
    lesson_no = j[kept] + 1
    blocks.append(EventBlock.make(lp, STUDY, le, item=li, aux=lesson_no,
                                  value=dur[kept] * 1000 + rng.integers(0, 1000, lp.size)))
    done = frac[kept] >= 0.9
    blocks.append(EventBlock.make(lp[done], LESSON_DONE, le[done] + 1, item=li[done],
                                  aux=lesson_no[done]))
    kept_count = np.bincount(owner[kept], minlength=n_e)
    last_end = np.full(n_e, -1, dtype=np.int64)
    np.maximum.at(last_end, owner[kept], end[kept])
    complete = will & (kept_count == lessons) & (lessons > 0)
    blocks.append(EventBlock.make(e_person[complete], COURSE_DONE, last_end[complete] + 2,
                                  item=e_item[complete]))

    # ratings and refunds
    rate = (kept_count >= 2) & (rng.random(n_e) < np.where(complete, 0.35, 0.10))
    score = np.where(complete, pick(rng, SCORE_P["completed"], n_e),
                     pick(rng, SCORE_P["other"], n_e)) + 1
    blocks.append(EventBlock.make(e_person[rate], RATE,
                                  last_end[rate] + rng.integers(10, 3600, int(rate.sum())),
                                  item=e_item[rate], value=score[rate]))
    blocks.append(EventBlock.make(e_person[refund], REFUND, refund_ts[refund], item=e_item[refund],
                                  value=courses.price_fen[e_item[refund]]))

    # memberships, check-ins, campaign events
    buyer = users[rng.random(users.size) < P_MEMBERSHIP * np.sqrt(people.act_k[users])]
    vip = courses.memberships[pick(rng, (0.6, 0.25, 0.15), buyer.size)]
    vip_ts = sample_times(rng, calendar, "learn", hours, people.arch[buyer],
                          people.k_lo[buyer], people.k_hi[buyer])
    blocks.append(EventBlock.make(buyer, BUY, vip_ts, item=vip, value=courses.price_fen[vip]))
    cp, c_ts = daily_checkins(rng, people.checkin_k, people.k_lo, people.k_hi,
                              calendar.days, hours, people.arch)
    blocks.append(EventBlock.make(cp, SIGN, c_ts))
    campaign_tag = CHANNELS.index(domain.CAMPAIGN_ID)
    blocks.append(EventBlock.make(campaign.exposure_person, PUSH_SHOW, campaign.exposure_ts,
                                  tag=campaign_tag))
    clicked = np.flatnonzero(campaign.clicked)
    blocks.append(EventBlock.make(clicked, PUSH_CLICK, campaign.click_ts[clicked],
                                  tag=campaign_tag))

    events = concat(blocks).before(horizon)
    lo, hi = window.first_day * SECONDS_PER_DAY, window.end_day * SECONDS_PER_DAY
    course_buy = (events.code == BUY) & (courses.kind[np.maximum(events.item, 0)] != 3)
    in_window = course_buy & (events.ts >= lo) & (events.ts < hi)
    bought = np.zeros(people.n, dtype=bool)
    bought[events.person[in_window]] = True
    realised = np.zeros(people.n, dtype=bool)
    realised[e_person[e_induced]] = True
    return KnowledgeResult(events, bought, realised)
