"""Findings from the reach stage: opinion leaders talking about us, and each campaign's KPI
chain (impulses → network → amplifiers → outcomes) as one finding a manager can read."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from echolot import store
from echolot.config import FindingKind, Severity
from echolot.facts import campaign_post_ids, owned_authors
from routing.detectors.base import DetectionContext, Finding, day_of

# A leader this wide-reaching and this negative is an incident, not a mood.
CRITICAL_REACH = 500_000
# From this audience on, a leader's tone is worth a team's attention on its own.
WIDE_REACH = 50_000


def opinion_leader(ctx: DetectionContext) -> list[Finding]:
    """One finding per opinion leader and day on which they posted about our own brands."""
    leaders: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in store.opinion_leaders(ctx.cur, ctx.config.project, ctx.start, ctx.end):
        leaders[(row["platform"], row["author_id"])].append(row)
    own = {b.name for b in ctx.config.brands}
    by_author_day: dict[tuple[str, str, datetime], list[dict]] = defaultdict(list)
    for post in ctx.posts:
        key = (post["platform"], post["author_id"])
        if key in leaders and ctx.in_window(post) and own & set(ctx.brands[post["id"]]):
            by_author_day[(*key, day_of(post["created_at"]))].append(post)
    findings = []
    for (platform, author_id, day), posts in sorted(by_author_day.items()):
        rows = leaders[(platform, author_id)]
        basis = evidence_basis(rows, ctx)
        # A rank without a measured audience or amplification is no evidence of influence.
        if basis["rests_on"]:
            findings.append(_leader_finding(platform, day, posts, rows, ctx, basis))
    return findings


def evidence_basis(rows: list[dict[str, Any]], ctx: DetectionContext) -> dict[str, Any]:
    """What a leader's score rests on (a measured audience, amplifications, centrality) and
    what was missing, from the reach stage's raw figures, judged against the floors of
    `influence.leader_evidence`."""
    floors = ctx.config.influence.leader_evidence
    best = min(rows, key=lambda r: r["rank"])
    details = best.get("details") or {}
    received, counted = details.get("received") or {}, details.get("platform_counts") or {}
    amplifications = sum(
        max(int(received.get(kind) or 0), int(counted.get(plural) or 0))
        for kind, plural in (("repost", "reposts"), ("quote", "quotes"), ("reply", "replies"))
    )
    audience = int(details.get("audience") or 0)
    amplifiers_n = int(details.get("distinct_amplifiers") or 0)
    rests_on, missing = [], []
    if audience and audience >= max(floors.min_audience, 1):
        rests_on.append(f"audience {audience:,}")
    elif not audience:
        missing.append("audience (no follower or karma figures)")
    else:
        missing.append(f"audience above {floors.min_audience:,} (has {audience:,})")
    if amplifications >= max(floors.min_amplifications, 1):
        rests_on.append(f"{amplifications:,} amplifications from {amplifiers_n:,} people")
    else:
        missing.append(f"{floors.min_amplifications}+ amplifications (has {amplifications})")
    if rests_on and details.get("pagerank") is not None:
        rests_on.append(f"centrality rank {best['rank']} in {_scope_name(best)}")
    return {"rests_on": rests_on, "missing": missing, "audience": audience,
            "amplifications": amplifications}  # fmt: skip


def _scope_name(row: dict[str, Any]) -> str:
    if row["scope_kind"] == "all":
        return "the whole conversation"
    return row["product_area"] or row["topic_label"] or row["scope_kind"]


def _leader_finding(
    platform: str,
    day: datetime,
    posts: list[dict],
    rows: list[dict],
    ctx: DetectionContext,
    basis: dict[str, Any],
) -> Finding:
    username = rows[0]["username"] or posts[0]["username"] or rows[0]["author_id"]
    audience = max(int(p["reach"] or 0) for p in posts)
    scored = [p["polarity"] for p in posts if p["polarity"] is not None]
    mood = statistics.fmean(scored) if scored else None
    # Product areas read better than topic keyword labels; "overall" when leading no area.
    leads = sorted({r["product_area"] for r in rows if r["product_area"]}) or ["overall"]
    tone = (
        "negative" if mood is not None and mood <= -0.05
        else "positive" if mood is not None and mood >= 0.05
        else "neutral"
    )  # fmt: skip
    # A small topic's leader has a small audience: their mood matters less than a celebrity's.
    wide = audience >= WIDE_REACH
    severity = (
        Severity.CRITICAL if tone == "negative" and mood <= -0.5 and audience >= CRITICAL_REACH
        else Severity.HIGH if tone == "negative" and wide
        else Severity.MEDIUM if tone == "negative" or (tone == "positive" and wide)
        else Severity.LOW
    )  # fmt: skip
    brands = sorted({b for p in posts for b in ctx.brands[p["id"]]})
    mood_text = f", mean sentiment {mood:+.2f}" if mood is not None else ""
    audience_text = f"audience {audience:,}" if audience else "audience unknown"
    headline = (
        f"Opinion leader @{username} ({platform}, {audience_text}; leads on "
        f"{', '.join(leads)}) posted {len(posts)}× about {', '.join(brands)} on "
        f"{day:%Y-%m-%d}: {tone}{mood_text}"
    )
    best = min(rows, key=lambda r: r["rank"])
    metrics = {
        "audience": audience or None,
        "score_rests_on": "; ".join(basis["rests_on"]),
        "missing": "; ".join(basis["missing"]) or None,
        "amplifications": basis["amplifications"],
        "posts": len(posts),
        "tone": tone,
        "mean_sentiment": round(mood, 4) if mood is not None else None,
        "leader_of": leads,
        "best_rank": best["rank"],
        "influence_score": round(float(best["score"]), 4),
        "volume": len(posts),
        **ctx.scope_tags(posts),
    }
    table = [
        {"scope": r["scope_kind"], "topic_or_area": r["product_area"] or r["topic_label"] or "",
         "rank": r["rank"], "score": round(float(r["score"]), 3),
         **{k: round(float(v or 0), 3) for k, v in (r["components"] or {}).items()}}
        for r in sorted(rows, key=lambda r: r["rank"])
    ]  # fmt: skip
    return Finding(
        FindingKind.OPINION_LEADER, "author", f"{platform}:{username}", day,
        day + timedelta(days=1), severity, headline, metrics, ctx.representative(posts),
        table=table,
    )  # fmt: skip


def campaign_kpi(ctx: DetectionContext) -> list[Finding]:
    """The latest stored KPI chain of every campaign running in the window."""
    findings = []
    for campaign in ctx.config.campaigns:
        if campaign.end <= ctx.start or campaign.start >= ctx.end:
            continue
        rows = store.campaign_kpi_rows(ctx.cur, ctx.config.project, campaign.name, ctx.start,
                                       ctx.end)  # fmt: skip
        for row in rows:
            findings.append(_kpi_finding(campaign.name, row, ctx))
    return findings


def _kpi_finding(name: str, row: dict[str, Any], ctx: DetectionContext) -> Finding:
    impulses, network = row["impulses"], row["network"]
    amplifiers, outcomes = row["amplifiers"], row["outcomes"]
    sentiment = outcomes.get("sentiment") or {}
    delta = sentiment.get("delta")
    share = outcomes.get("share_of_voice")
    breaks = row["breaks_at"]
    severity = (
        Severity.HIGH if breaks or (delta is not None and delta <= -0.2)
        else Severity.MEDIUM
    )  # fmt: skip
    parts = [
        f"{impulses.get('total', 0)} impulses",
        f"{network.get('participants', 0)} authors ({network.get('new_authors', 0)} new)",
        f"{amplifiers.get('leaders_engaged', 0)} opinion leaders",
        f"share of voice {share:.0%}" if share is not None else "share of voice n/a",
    ]
    if delta is not None:
        parts.append(f"sentiment {delta:+.2f} vs before")
    headline = (
        f"Campaign {name}, {row['window_start']:%Y-%m-%d} to {row['window_end']:%Y-%m-%d}: "
        + " → ".join(parts)
        + (f"; the chain breaks at {breaks}" if breaks else "")
    )
    ratios = row["ratios"] or {}
    metrics = {
        "impulses": impulses.get("total"),
        "participants": network.get("participants"),
        "leaders_engaged": amplifiers.get("leaders_engaged"),
        "leader_share_of_reach": amplifiers.get("leader_share_of_reach"),
        "share_of_voice": share,
        "sentiment_delta": delta,
        "purchase_intent": outcomes.get("purchase_intent"),
        "product_feedback": outcomes.get("product_feedback"),
        "breaks_at": breaks,
        **{f"ratio_{k}": v for k, v in ratios.items()},
        "reach": int(amplifiers.get("reach") or 0),
        "brands": [b.name for b in ctx.config.brands],
    }
    table = [
        {"step": step, "figures": ", ".join(f"{k}={v}" for k, v in values.items()
                                            if not isinstance(v, (dict, list)))}
        for step, values in (("impulses", impulses), ("network", network),
                             ("amplifiers", amplifiers), ("outcomes", outcomes),
                             ("ratios", ratios))
    ]  # fmt: skip
    members = _campaign_members(name, row["window_start"], row["window_end"], ctx)
    campaign_posts = [p for p in ctx.posts if p["id"] in members]
    return Finding(
        FindingKind.CAMPAIGN_KPI, "campaign", name, row["window_start"], row["window_end"],
        severity, headline, metrics, ctx.representative(campaign_posts), table=table,
    )  # fmt: skip


def _campaign_members(name: str, start: datetime, end: datetime, ctx: DetectionContext) -> set[int]:
    """The campaign's posts in [start, end), by the same definition the KPI chain counts."""
    campaign = next(c for c in ctx.config.campaigns if c.name == name)
    posts = store.reach_posts(ctx.cur, start, end)
    return campaign_post_ids(campaign, posts, owned_authors(ctx.cur, [campaign]))
