"""Per-team routing: which findings, filtered how, in what detail, at what cadence, delivered
where."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from echolot.config.base import FindingKind, Name, Severity, Strict


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


# An environment variable or Airflow connection id: the file names where a secret is, never
# the secret itself.
SecretName = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")
]
# A plain address (user@domain); display names are not needed to route a digest.
MailAddress = Annotated[
    str, Field(max_length=254, pattern=r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
]


class EmailChannel(Strict):
    """The digest as a multipart e-mail, one per recipient; the SMTP server comes from
    ECHOLOT_SMTP_URL or the Airflow connection `echolot_smtp`."""

    # `from` in the file; the field's own name too, so a dumped config validates again.
    model_config = ConfigDict(**Strict.model_config, populate_by_name=True)

    type: Literal["email"]
    name: Name = "email"
    to: list[MailAddress] = Field(min_length=1)
    sender: MailAddress | None = Field(default=None, alias="from")


class WebhookChannel(Strict):
    """A Slack or Microsoft Teams incoming webhook; its URL is read from the environment
    variable or the Airflow connection named here."""

    type: Literal["slack", "teams"]
    name: Name
    webhook_env: SecretName | None = None
    webhook_connection: SecretName | None = None

    @field_validator("webhook_env", "webhook_connection", mode="before")
    @classmethod
    def _a_name_not_a_url(cls, value: object) -> object:
        if isinstance(value, str) and ("://" in value or "/" in value):
            raise ValueError(
                "name the environment variable or connection holding the webhook URL; "
                "the URL itself is a secret and never goes in this file"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _named_after_type(cls, data: object) -> object:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("type"), str):
            return {**data, "name": data["type"]}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> WebhookChannel:
        if (self.webhook_env is None) == (self.webhook_connection is None):
            raise ValueError("name exactly one of webhook_env or webhook_connection")
        return self


Channel = Annotated[EmailChannel | WebhookChannel, Field(discriminator="type")]


class Team(Strict):
    signals: list[FindingKind] = Field(min_length=1)
    filters: TeamFilters = TeamFilters()
    detail: Literal["headline", "summary", "full"] = "summary"
    cadence: Cadence = Cadence()
    max_items: int = Field(default=20, gt=0, le=500)
    language: Literal["en", "de"] = "en"
    deliver: list[Channel] = []

    @field_validator("deliver")
    @classmethod
    def _unique_channel_names(cls, channels: list[Channel]) -> list[Channel]:
        names = [channel.name for channel in channels]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"channel names must be unique, give each a `name` (twice: {twice})")
        return channels
