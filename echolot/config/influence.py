"""Reach stage settings: edge weights, score components, who counts as an opinion leader."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from echolot.config.base import Strict


class EdgeWeights(Strict):
    """How much one interaction of each kind counts in the graph and in amplification."""

    repost: float = Field(default=1.0, gt=0)
    quote: float = Field(default=1.0, gt=0)
    reply: float = Field(default=0.5, gt=0)
    mention: float = Field(default=0.25, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> EdgeWeights:
        # Passing a post on says more than answering it, and answering more than naming someone.
        if not min(self.repost, self.quote) > self.reply > self.mention:
            raise ValueError("weights must keep repost and quote > reply > mention")
        return self


class ComponentWeights(Strict):
    """How the four influence components add up to the combined score."""

    potential_reach: float = Field(default=0.25, ge=0)
    amplification: float = Field(default=0.35, ge=0)
    centrality: float = Field(default=0.25, ge=0)
    consistency: float = Field(default=0.15, ge=0)

    @model_validator(mode="after")
    def _not_all_zero(self) -> ComponentWeights:
        if self.potential_reach + self.amplification + self.centrality + self.consistency <= 0:
            raise ValueError("at least one component weight must be above 0")
        return self


class LeaderRule(Strict):
    """Who counts as an opinion leader of a topic: the top N, or the top percent."""

    top_n: int | None = Field(default=None, gt=0)
    top_percentile: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _one_rule(self) -> LeaderRule:
        if self.top_n is not None and self.top_percentile is not None:
            raise ValueError("set either top_n or top_percentile, not both")
        return self

    def cutoff(self, eligible: int) -> int:
        """How many of `eligible` ranked authors are leaders."""
        if self.top_percentile is not None:
            return max(1, math.ceil(eligible * self.top_percentile / 100)) if eligible else 0
        return min(eligible, self.top_n if self.top_n is not None else 3)


class LeaderEvidence(Strict):
    """What an opinion leader's score must rest on: a measured audience or measured
    amplification. Without either, a high rank only means everyone else is at zero too."""

    # Followers (X) or karma (Reddit) the author had, as a snapshot measured it.
    min_audience: int = Field(default=1000, ge=0)
    # Reposts, quotes and replies the author's posts received (observed or platform-counted).
    min_amplifications: int = Field(default=5, ge=0)


class InfluenceSettings(Strict):
    edge_weights: EdgeWeights = EdgeWeights()
    weights: ComponentWeights = ComponentWeights()
    leaders: LeaderRule = LeaderRule()
    leader_evidence: LeaderEvidence = LeaderEvidence()
    # A like (or a Reddit upvote) counts this much against one repost in amplification.
    like_weight: float = Field(default=0.1, ge=0)
    # PageRank damping: the chance of following an edge rather than jumping.
    damping: float = Field(default=0.85, gt=0, lt=1)
    # Consistency: share of these last days (ending with the window) active on the topic.
    consistency_days: int = Field(default=14, gt=0, le=366)
    # Audiences of amplifiers overlap with the author's and each other's; count this much less.
    audience_overlap: float = Field(default=0.3, ge=0, lt=1)
    # Campaign sentiment is compared with this many days before the campaign starts.
    baseline_days: int = Field(default=7, gt=0, le=366)
