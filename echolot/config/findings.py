"""Tuning of the finding detectors."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from echolot.config.base import Strict


class VolumeSpikeSettings(Strict):
    # How unusual an hour must be: low reports only the strongest spikes, high the mildest.
    sensitivity: Literal["low", "medium", "high"] = "medium"
    # Spike hours within this many hours of a spike's first hour belong to the same finding.
    cooldown_hours: int = Field(default=6, gt=0, le=168)
    # An hour with fewer posts is never a spike, however quiet its baseline.
    min_posts: int = Field(default=10, gt=0)


class SentimentShiftSettings(Strict):
    # Significance level of Welch's t-test between a day and its baseline days.
    alpha: float = Field(default=0.01, gt=0, lt=0.5)
    # Smallest change in mean polarity worth reporting, however significant.
    min_delta: float = Field(default=0.1, gt=0, le=2)
    min_posts: int = Field(default=10, ge=3)


class EmergingTopicSettings(Strict):
    # A topic emerges on a day with at least this many posts ...
    min_posts: int = Field(default=8, gt=0)
    # ... when it is new (first post within `new_days`) or grew by this factor over its
    # mean of the days before.
    new_days: int = Field(default=2, gt=0)
    growth: float = Field(default=3.0, gt=1)
    cooldown_days: int = Field(default=3, ge=0)


class ComplaintMapSettings(Strict):
    # A brand's week gets a complaint map from this many negative posts on.
    min_negative_posts: int = Field(default=10, gt=0)
    # Product areas and topics shown per map (the largest shares).
    max_rows: int = Field(default=8, gt=0, le=50)


class FindingSettings(Strict):
    """Tuning of the finding detectors; the defaults suit a brand with a few hundred posts a day."""

    # Days before a window that count towards a baseline.
    baseline_days: int = Field(default=14, gt=0, le=90)
    # Intent confidence from which a post counts as a lead, churn risk, request, etc.
    min_intent_confidence: float = Field(default=0.5, gt=0, le=1)
    volume_spike: VolumeSpikeSettings = VolumeSpikeSettings()
    sentiment_shift: SentimentShiftSettings = SentimentShiftSettings()
    emerging_topic: EmergingTopicSettings = EmergingTopicSettings()
    complaint_map: ComplaintMapSettings = ComplaintMapSettings()
