"""Shared building blocks of the project file: the strict base model, names, kinds, severities."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _not_only_dots(value: str) -> str:
    # "." and ".." name folders, not things: a team or source called ".." must not become a path.
    if value.strip(".") == "":
        raise ValueError("must not consist of dots only")
    return value


# Source, team, area and campaign names: queue names, checkpoint keys, parts of file names.
Name = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"),
    AfterValidator(_not_only_dots),
]  # fmt: skip
# The project id goes into DAG ids, file names and SQL identifiers (63 bytes in PostgreSQL, less
# the prefixes Echolot adds): no dots at all, and short.
ProjectId = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]
# Brand and product names, aliases, keywords and hashtags: words people write, not documents.
# Every term becomes part of a matching pattern, so its size is bounded.
MAX_TERM_CHARS = 100
MAX_TERMS = 200
Term = Annotated[str, Field(min_length=1, max_length=MAX_TERM_CHARS)]
Terms = Annotated[list[Term], Field(max_length=MAX_TERMS)]


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
    COMPLAINT_MAP = "complaint_map"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)
