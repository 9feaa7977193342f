"""The reach stage: influence, post reach and campaign KPI chains for a window, stored.

Runs after topics (it scores authors per topic) and before findings (opinion-leader and
campaign findings read what it stores). A rerun of the same window rewrites the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg2.extensions

from echolot import store
from echolot.config import Campaign, ProjectConfig
from echolot.errors import ConfigError
from echolot.facts import intent_threshold, owned_authors
from echolot.matching import hashtag_pattern
from echolot.store.evidence import scoped_posts
from reach.cascades import CascadePost, post_reaches
from reach.graph import Node
from reach.influence import (
    ActiveDay,
    EdgeFacts,
    PostFacts,
    compute_influence,
    influence_columns,
    strongest_edges,
)
from reach.kpi import ChainInputs, SentimentPost, compute_chain

# Whose engagement counts as "opinion leaders engaged" in the KPI chain.
LEADER_SCOPES = ("all", "product_area")


@dataclass
class ReachReport:
    influence_rows: int = 0
    leaders: int = 0
    posts_with_reach: int = 0
    campaigns: list[str] = field(default_factory=list)


def update_reach(
    conn: psycopg2.extensions.connection, config: ProjectConfig, start: datetime, end: datetime
) -> ReachReport:
    """Influence and post reach for [start, end), then the KPI chain of every campaign that
    overlaps it (over the overlap)."""
    report = ReachReport()
    settings = config.influence
    with conn, conn.cursor() as cur:
        posts = store.reach_posts(cur, start, end)
        edges = store.interaction_edges(cur, start, end)
        active = store.active_days(cur, end - timedelta(days=settings.consistency_days), end)
        owned = owned_authors(cur, config.campaigns)
        results = compute_influence(
            [_post_facts(p) for p in posts if p["in_window"] and p["author_id"]],
            strongest_edges(
                (
                    (e.source_post_id, _edge_facts(e))
                    for e in edges
                    if e.source_author_id and e.target_author_id
                ),
                settings.edge_weights.model_dump(),
            ),
            [
                ActiveDay((a.platform, a.author_id), a.day, a.topic_id, tuple(a.areas))
                for a in active
            ],
            settings,
            window_end=end,
            owned=frozenset(owned),
        )
        # Straight from the result arrays (a million rows for a large window).
        stored = store.replace_influence_columns(
            cur, config.project, start, end, influence_columns(results)
        )
        reaches = post_reaches([_cascade_post(p) for p in posts], settings.audience_overlap)
        store.upsert_post_reach(cur, list(reaches.values()), as_of=end)
    report.influence_rows = stored
    report.leaders = sum(int(r.leaders.sum()) for r in results)
    report.posts_with_reach = len(reaches)
    for campaign in config.campaigns:
        overlap = (max(start, campaign.start), min(end, campaign.end))
        if overlap[0] < overlap[1]:
            campaign_chain(conn, config, campaign.name, *overlap)
            report.campaigns.append(campaign.name)
    return report


def campaign_chain(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    name: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Compute and store one campaign's chain for [start, end) (default: the campaign's own
    period); returns it as stored."""
    campaign = find_campaign(config, name)
    start = start or campaign.start
    end = end or campaign.end
    if end <= start:
        raise ConfigError(f"campaign {name!r}: window end {end} is not after its start {start}")
    with conn, conn.cursor() as cur:
        posts = store.reach_posts(cur, start, end)
        owned = owned_authors(cur, [campaign])
        tags = hashtag_pattern(campaign.hashtags)
        first_use: dict[Node, datetime] = {}
        for platform, author_id, created_at, text in store.posts_containing(
            cur, campaign.hashtags, end
        ):
            if tags and tags.search(text):
                first_use.setdefault((platform, author_id), created_at)
        authors = sorted({(p["platform"], p["author_id"]) for p in posts if p["author_id"]})
        leaders = {
            (row["platform"], row["author_id"]): row["username"] or row["author_id"]
            for row in store.opinion_leaders(cur, config.project, start, end)
            # A discovered topic can be small; its top authors are not the brand's amplifiers.
            if row["scope_kind"] in LEADER_SCOPES
        }
        baseline_start = campaign.start - timedelta(days=config.influence.baseline_days)
        inputs = ChainInputs(
            campaign=campaign,
            start=start,
            end=end,
            posts=posts,
            owned=frozenset(owned),
            first_hashtag_use=first_use,
            first_post=store.first_post_times(cur, authors),
            leaders=leaders,
            brands=config.brands,
            competitors=config.competitors,
            window_posts=_sentiment_posts(scoped_posts(cur, start, end)),
            baseline_posts=_sentiment_posts(scoped_posts(cur, baseline_start, campaign.start)),
            audience_overlap=config.influence.audience_overlap,
            intent_threshold=intent_threshold(config),
        )
        chain = compute_chain(inputs)
        chain["outcomes"]["baseline_window"] = [
            baseline_start.isoformat(),
            campaign.start.isoformat(),
        ]
        store.upsert_campaign_kpi(cur, config.project, campaign.name, start, end, chain)
        stored = store.campaign_kpi_rows(cur, config.project, campaign.name, start, end)
    return next(r for r in stored if r["window_start"] == start and r["window_end"] == end)


def find_campaign(config: ProjectConfig, name: str) -> Campaign:
    for campaign in config.campaigns:
        if campaign.name == name:
            return campaign
    known = ", ".join(c.name for c in config.campaigns) or "none"
    raise ConfigError(f"project {config.project!r} has no campaign {name!r} (campaigns: {known})")


def _post_facts(post: dict[str, Any]) -> PostFacts:
    return PostFacts(
        author=(post["platform"], post["author_id"]),
        topic_id=post["topic_id"],
        areas=tuple(post["areas"]),
        audience=post["audience"],
        created_at=post["created_at"],
        reposts=post["reposts"],
        quotes=post["quotes"],
        replies=post["replies"],
        likes=post["likes"],
    )


def _cascade_post(post: dict[str, Any]) -> CascadePost:
    return CascadePost(
        post["id"],
        post["parent_id"],
        (post["platform"], post["author_id"] or ""),
        post["audience"],
        post["impressions"],
    )


def _edge_facts(edge: store.InteractionEdge) -> EdgeFacts:
    return EdgeFacts(
        source=(edge.platform, edge.source_author_id),
        target=(edge.platform, edge.target_author_id),
        kind=edge.kind,
        topic_id=edge.topic_id,
        areas=tuple(edge.areas),
    )


def _sentiment_posts(rows: list[dict[str, Any]]) -> list[SentimentPost]:
    return [
        SentimentPost(p["created_at"], p["text"], p["polarity"], p["intents"],
                      frozenset(p["brands"]) | frozenset(p["competitors"]))
        for p in rows
    ]  # fmt: skip
