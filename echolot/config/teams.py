"""Per-team routing: which findings, filtered how, in what detail, at what cadence."""

from __future__ import annotations

from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from echolot.config.base import FindingKind, Severity, Strict


class TeamFilters(Strict):
    brands: list[str] = []
    products: list[str] = []
    languages: list[str] = []
    min_severity: Severity = Severity.LOW
    min_reach: int = Field(default=0, ge=0)


class Cadence(Strict):
    mode: Literal["immediate", "hourly", "daily", "weekly"] = "daily"
    send_at: time = time(8, 0)
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    timezone: str = "UTC"
    alert_above: Severity | None = Severity.HIGH
    quiet_hours: tuple[time, time] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Team(Strict):
    signals: list[FindingKind] = Field(min_length=1)
    filters: TeamFilters = TeamFilters()
    detail: Literal["headline", "summary", "full"] = "summary"
    cadence: Cadence = Cadence()
    max_items: int = Field(default=20, gt=0, le=500)
    language: Literal["en", "de"] = "en"
