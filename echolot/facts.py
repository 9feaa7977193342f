"""Business facts more than one stage counts by, each defined once.

- Intent: a post holds an intent when the NLP stage's stored confidence for it reaches the
  project's `findings.min_intent_confidence`. Findings (leads, feedback) and the campaign KPI
  chain's outcome step count with the same threshold.
- Campaign membership: a post belongs to a campaign when it carries it (an owned account's
  post, a campaign hashtag or keyword as a whole word) or answers, reposts or quotes a post
  that does, however far up the cascade. The KPI chain and the campaign finding's evidence
  come from the same set.

The audience at posting time and the latest sentiment of a post are SQL facts: they live in
`echolot.store` (the data-access package), once each.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from echolot import store
from echolot.config import Campaign, ProjectConfig
from echolot.matching import hashtag_pattern, term_pattern

Node = tuple[str, str]  # (platform, author id)


def intent_threshold(config: ProjectConfig) -> float:
    return config.findings.min_intent_confidence


def holds_intent(intents: Mapping[str, float] | None, intent: str, threshold: float) -> bool:
    """Whether stored intent confidences (intent -> 0..1) reach the threshold for `intent`."""
    return (intents or {}).get(intent, 0.0) >= threshold


def owned_authors(cur: store.Cursor, campaigns: Iterable[Campaign]) -> set[Node]:
    """The stored authors behind the campaigns' owned accounts (by platform handle)."""
    accounts = sorted({(a.platform, a.handle) for c in campaigns for a in c.owned_accounts})
    return store.author_ids_by_handle(cur, accounts)


def campaign_post_ids(
    campaign: Campaign, posts: Sequence[Mapping[str, Any]], owned: Collection[Node]
) -> set[int]:
    """Posts in the window that belong to the campaign (see the module docstring).

    `posts` are `store.reach_posts` rows: `id`, `platform`, `author_id`, `text`, `parent_id`
    (the stored parent's id) and `in_window`; ancestors outside the window are there too, so a
    reply to an older campaign post counts.
    """
    tags = hashtag_pattern(campaign.hashtags)
    words = term_pattern(campaign.keywords)
    by_id = {p["id"]: p for p in posts}

    def carries(post: Mapping[str, Any]) -> bool:
        return (
            (post["platform"], post["author_id"]) in owned
            or bool(tags and tags.search(post["text"]))
            or bool(words and words.search(post["text"]))
        )

    memo: dict[int, bool] = {}

    def in_campaign(post_id: int) -> bool:
        chain = []
        current: int | None = post_id
        while current is not None and current in by_id and current not in memo:
            chain.append(current)
            current = by_id[current]["parent_id"]
        found = memo.get(current, False) if current is not None else False
        for member in reversed(chain):
            found = found or carries(by_id[member])
            memo[member] = found
        return memo[post_id]

    return {p["id"] for p in posts if p["in_window"] and in_campaign(p["id"])}
