"""The campaign KPI impact chain: impulses -> network -> amplifiers -> outcomes.

Impulses are what the brand and first-time users of the campaign's hashtags set off; the
network is who took part and how far cascades ran; amplifiers are the opinion leaders the
campaign reached and how much reach flowed through them; outcomes are share of voice,
sentiment against the weeks before the campaign, purchase intent and product feedback.
Ratios between the steps show where the chain breaks.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echolot.config import Brand, Campaign
from echolot.facts import campaign_post_ids, holds_intent
from reach.cascades import CascadePost, post_reaches
from reach.graph import Node

STEPS = ("impulses", "network", "amplifiers", "outcomes")
FEEDBACK_INTENTS = ("feature_request", "bug_report", "price_complaint")
# A day's mean sentiment needs this many scored posts to be compared with the baseline.
MIN_DAY_POSTS = 5
Z_95 = 1.959964


@dataclass(frozen=True)
class SentimentPost:
    created_at: datetime
    text: str
    polarity: float | None
    intents: dict[str, float]
    # Own brands and competitors the post is about, as the NLP stage stored them (after the
    # relevance rules): the one definition of brand scope, never a second match on the text.
    about: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ChainInputs:
    """Everything the chain is computed from, loaded by reach.stage."""

    campaign: Campaign
    start: datetime
    end: datetime
    posts: Sequence[dict[str, Any]]  # store.reach_posts(start, end)
    owned: frozenset[Node]
    first_hashtag_use: dict[Node, datetime]  # each author's first post with a campaign hashtag
    first_post: dict[Node, datetime]  # each participant's first post we know of
    leaders: dict[Node, str]  # opinion leaders of overlapping influence windows -> username
    brands: Sequence[Brand]
    competitors: Sequence[Brand]
    window_posts: Sequence[SentimentPost]
    baseline_posts: Sequence[SentimentPost]
    audience_overlap: float
    intent_threshold: float  # echolot.facts.intent_threshold of the project


def compute_chain(inputs: ChainInputs) -> dict[str, Any]:
    """The four steps, the ratios between them and the first step that came out empty."""
    by_id = {p["id"]: p for p in inputs.posts}
    campaign_ids = campaign_post_ids(inputs.campaign, inputs.posts, inputs.owned)
    campaign = [by_id[i] for i in sorted(campaign_ids)]

    def author(post: dict[str, Any]) -> Node:
        return (post["platform"], post["author_id"])

    # Impulses
    owned_posts = [
        p
        for p in inputs.posts
        if p["in_window"] and author(p) in inputs.owned and p["kind"] != "repost"
    ]
    first_uses = sorted(
        node
        for node, first in inputs.first_hashtag_use.items()
        if inputs.start <= first < inputs.end and node not in inputs.owned
    )
    impulses = {
        "owned_posts": len(owned_posts),
        "hashtag_first_uses": len(first_uses),
        "total": len(owned_posts) + len(first_uses),
        "campaign_posts": len(campaign),
    }

    # Network
    participants = {author(p) for p in campaign if author(p) not in inputs.owned}
    returning = {a for a in participants if inputs.first_post.get(a, inputs.start) < inputs.start}
    tree = post_reaches(
        [
            CascadePost(
                p["id"],
                p["parent_id"] if p["parent_id"] in campaign_ids else None,
                author(p),
                p["audience"],
                p["impressions"],
            )
            for p in campaign
        ],
        inputs.audience_overlap,
    )
    roots = [r for r in tree.values() if r.parent_post_id is None]
    cascades = [r for r in roots if r.cascade_size > 1]
    network = {
        "participants": len(participants),
        "new_authors": len(participants - returning),
        "returning_authors": len(returning),
        "cascades": len(cascades),
        "posts_in_cascades": sum(r.cascade_size for r in cascades),
        "max_depth": max((r.cascade_depth for r in cascades), default=0),
        "mean_depth": _rounded(statistics.fmean([r.cascade_depth for r in cascades]))
        if cascades
        else 0.0,
        "largest_cascade": max((r.cascade_size for r in cascades), default=0),
    }

    # Amplifiers
    engaged = sorted({inputs.leaders[a] for a in participants if a in inputs.leaders})
    through_leader = _flows_through(campaign, by_id, campaign_ids, set(inputs.leaders))
    reach_total = sum(p["audience"] for p in campaign)
    reach_leaders = sum(p["audience"] for p in campaign if through_leader[p["id"]])
    amplifications = sum(1 for r in tree.values() if r.parent_post_id is not None)
    originals = len(roots)
    amplifiers = {
        "leaders_engaged": len(engaged),
        "leaders": engaged,
        "reach": reach_total,
        "reach_through_leaders": reach_leaders,
        "leader_share_of_reach": _ratio(reach_leaders, reach_total),
        "potential_impressions": round(sum(r.potential_impressions for r in roots)),
        "actual_impressions": sum(r.actual_impressions or 0 for r in roots),
        "amplifications": amplifications,
        "originals": originals,
        "amplification_rate": _ratio(amplifications, originals),
    }

    outcomes = _outcomes(inputs, campaign)
    ratios = {
        "participants_per_impulse": _ratio(len(participants), impulses["total"]),
        "amplifications_per_original": amplifiers["amplification_rate"],
        "leader_share_of_reach": amplifiers["leader_share_of_reach"],
        "outcome_posts_per_participant": _ratio(
            outcomes["campaign_outcome_posts"], len(participants)
        ),
    }
    steps = {
        "impulses": impulses,
        "network": network,
        "amplifiers": amplifiers,
        "outcomes": outcomes,
    }
    return {**steps, "ratios": ratios, "breaks_at": _breaks_at(steps)}


def _flows_through(
    campaign: list[dict[str, Any]],
    by_id: dict[int, dict[str, Any]],
    campaign_ids: set[int],
    leaders: set[Node],
) -> dict[int, bool]:
    """Post id -> whether its author or an author above it in the cascade is a leader."""
    result: dict[int, bool] = {}
    for post in campaign:
        chain = []
        current: int | None = post["id"]
        while current is not None and current in campaign_ids and current not in result:
            chain.append(current)
            current = by_id[current]["parent_id"]
        found = result.get(current, False) if current is not None else False
        for member in reversed(chain):
            found = found or (by_id[member]["platform"], by_id[member]["author_id"]) in leaders
            result[member] = found
    return result


def _outcomes(inputs: ChainInputs, campaign: list[dict[str, Any]]) -> dict[str, Any]:
    own = frozenset(b.name for b in inputs.brands)
    voices = {b.name: 0 for b in (*inputs.brands, *inputs.competitors)}
    for post in inputs.window_posts:
        for name in post.about & voices.keys():
            voices[name] += 1
    own_voice = sum(voices[b.name] for b in inputs.brands)
    brand_posts = [p for p in inputs.window_posts if p.about & own]
    baseline = [
        p.polarity for p in inputs.baseline_posts if p.polarity is not None and p.about & own
    ]

    def holds(intents: dict[str, float], intent: str) -> bool:
        return holds_intent(intents, intent, inputs.intent_threshold)

    feedback = {i: sum(1 for p in brand_posts if holds(p.intents, i)) for i in FEEDBACK_INTENTS}
    campaign_outcomes = sum(
        1
        for p in campaign
        if any(holds(p["intents"], i) for i in ("purchase_intent", *FEEDBACK_INTENTS))
    )
    return {
        "brand_posts": len(brand_posts),
        "share_of_voice": _ratio(own_voice, sum(voices.values())),
        "voices": voices,
        "sentiment": _sentiment(brand_posts, baseline),
        "purchase_intent": sum(1 for p in brand_posts if holds(p.intents, "purchase_intent")),
        "product_feedback": sum(feedback.values()),
        "feedback_by_intent": feedback,
        "campaign_outcome_posts": campaign_outcomes,
    }


def _sentiment(posts: list[SentimentPost], baseline: list[float]) -> dict[str, Any]:
    """Mean polarity against the pre-campaign baseline, with a 95 % confidence interval of the
    difference (Welch), overall and per day; the worst day is the one the CI puts lowest."""
    scored = [p.polarity for p in posts if p.polarity is not None]
    result: dict[str, Any] = {
        "mean": _rounded(statistics.fmean(scored)) if scored else None,
        "posts": len(scored),
        "baseline_mean": _rounded(statistics.fmean(baseline)) if baseline else None,
        "baseline_posts": len(baseline),
        **_difference(scored, baseline),
    }
    by_day: dict[str, list[float]] = defaultdict(list)
    for post in posts:
        if post.polarity is not None:
            by_day[post.created_at.date().isoformat()].append(post.polarity)
    days = [
        {
            "day": day,
            "posts": len(values),
            "mean": _rounded(statistics.fmean(values)),
            **_difference(values, baseline),
        }
        for day, values in sorted(by_day.items())
        if len(values) >= MIN_DAY_POSTS
    ]
    result["days"] = days
    comparable = [d for d in days if d["delta"] is not None]
    worst = min(comparable, key=lambda d: d["delta"], default=None)
    result["worst_day"] = worst
    result["significant_drops"] = [d["day"] for d in comparable if d["ci_high"] < 0]
    return result


def _difference(values: list[float], baseline: list[float]) -> dict[str, float | None]:
    if len(values) < 2 or len(baseline) < 2:
        return {"delta": None, "ci_low": None, "ci_high": None}
    delta = statistics.fmean(values) - statistics.fmean(baseline)
    error = math.sqrt(
        statistics.variance(values) / len(values) + statistics.variance(baseline) / len(baseline)
    )
    return {
        "delta": _rounded(delta),
        "ci_low": _rounded(delta - Z_95 * error),
        "ci_high": _rounded(delta + Z_95 * error),
    }


def _breaks_at(steps: dict[str, dict[str, Any]]) -> str | None:
    """The first step with nothing in it: where a manager should look."""
    if steps["impulses"]["total"] == 0 and steps["impulses"]["campaign_posts"] == 0:
        return "impulses"
    if steps["network"]["participants"] == 0:
        return "network"
    if steps["amplifiers"]["amplifications"] == 0:
        return "amplifiers"
    if steps["outcomes"]["brand_posts"] == 0:
        return "outcomes"
    return None


def _ratio(part: float, whole: float) -> float | None:
    return _rounded(part / whole) if whole else None


def _rounded(value: float) -> float:
    return round(value, 4)
