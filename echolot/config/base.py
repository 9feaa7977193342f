"""Shared building blocks of the project file: the strict base model, names, kinds, severities."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FindingKind(StrEnum):
    """Every kind of finding a team can subscribe to."""

    BRAND_DAILY = "brand_daily"
    VOLUME_SPIKE = "volume_spike"
    SENTIMENT_SHIFT = "sentiment_shift"
    EMERGING_TOPIC = "emerging_topic"
    PURCHASE_INTENT = "purchase_intent"
    CHURN_RISK = "churn_risk"
    COMPETITOR_COMPARISON = "competitor_comparison"
    FEATURE_REQUEST = "feature_request"
    BUG_REPORT = "bug_report"
    OPINION_LEADER = "opinion_leader"
    CAMPAIGN_KPI = "campaign_kpi"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)
