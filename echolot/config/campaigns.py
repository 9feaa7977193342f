"""Campaigns whose impact chain the reach stage measures."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from echolot.config.base import Name, Strict, Terms


class OwnedAccount(Strict):
    platform: Literal["x", "reddit"]
    handle: str = Field(min_length=1)


class Campaign(Strict):
    name: Name
    hashtags: Terms = []
    keywords: Terms = []
    owned_accounts: list[OwnedAccount] = []
    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-11-05T00:00:00Z")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Campaign:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self
