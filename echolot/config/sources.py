"""Where posts come from: one settings model per source type.

`Source` is validated through the plug-in registry (`echolot.sources`): the `type` key picks
the registered plug-in and its settings model checks the rest, so a new platform brings its
own settings and nothing here changes. X, Reddit and file settings live here because other
kernel code (confinement of file paths) refers to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PlainValidator,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from echolot.config.base import Name, Strict
from echolot.config.confine import confined_source_path


class XSource(Strict):
    type: Literal["x"]
    name: Name
    enabled: bool = True
    queries: list[str] = Field(min_length=1)
    full_archive: bool = False
    # Posts this source may read per calendar month (X plans cap reads).
    monthly_read_budget: int = Field(default=10_000, gt=0)
    # Longest a task sleeps for a rate-limit reset before it ends with a retryable error.
    max_rate_limit_wait_seconds: int = Field(default=60, ge=0)


class RedditSource(Strict):
    type: Literal["reddit"]
    name: Name
    enabled: bool = True
    subreddits: list[str] = Field(min_length=1)
    search_terms: list[str] = []
    # Items read per listing (Reddit stops at about 1,000).
    listing_limit: int = Field(default=1000, gt=0, le=1000)
    # How many "load more comments" stubs to expand per submission (praw's replace_more).
    replace_more_limit: int = Field(default=32, ge=0)


class ColumnMapping(Strict):
    """Which column (CSV header, or dotted JSON path for JSONL) holds each post field."""

    id: str
    text: str
    created_at: str
    author_id: str | None = None
    author_name: str | None = None
    url: str | None = None
    lang: str | None = None
    title: str | None = None
    likes: str | None = None
    reposts: str | None = None
    replies: str | None = None
    quotes: str | None = None
    score: str | None = None
    parent_id: str | None = None
    conversation_id: str | None = None
    followers: str | None = None


class FileSource(Strict):
    """Recorded API payloads, or exports from other tools mapped column by column."""

    type: Literal["file"]
    name: Name
    enabled: bool = True
    path: Path
    # Recorded API bodies, one per line (x_v2_pages, reddit_api, bluesky_api: searchPosts,
    # getAuthorFeed or getProfiles; mastodon_api: a timeline page or a v2 search result), or
    # exports from other tools (jsonl, csv) with `platform` and `columns`.
    format: Literal["x_v2_pages", "reddit_api", "bluesky_api", "mastodon_api", "jsonl", "csv"]
    # For jsonl/csv: the platform the rows come from (x, reddit, or any other name).
    platform: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    columns: ColumnMapping | None = None
    # Posts (or rows) written per transaction, each with its checkpoint.
    batch_size: int = Field(default=2000, gt=0, le=100_000)

    @field_validator("path")
    @classmethod
    def _inside_import_root(cls, path: Path, info: ValidationInfo) -> Path:
        return confined_source_path(path, info)  # see echolot/config/confine.py

    @model_validator(mode="after")
    def _mapping_matches_format(self) -> FileSource:
        tabular = self.format in ("jsonl", "csv")
        if tabular and (self.columns is None or self.platform is None):
            raise ValueError(f"format {self.format!r} needs `platform` and `columns`")
        if not tabular and (self.columns is not None or self.platform is not None):
            raise ValueError(f"format {self.format!r} takes no `platform` or `columns`")
        return self


def _settings_by_type(value: Any, info: ValidationInfo) -> BaseModel:
    """Validate one `sources[]` entry with the settings model of its registered type."""
    from echolot import sources as registry  # plug-ins load on first validation, not on import

    if isinstance(value, BaseModel):
        return value
    if not isinstance(value, dict):
        raise ValueError("must be a mapping with a `type`")
    type_name = value.get("type")
    if type_name is None:
        raise _error("missing", "Field required", value)
    known = registry.plugins()
    if not isinstance(type_name, str) or type_name not in known:
        message = f"unknown source type {str(type_name)[:40]!r} (known: {', '.join(known)})"
        raise _error("source_type", message, type_name)
    return known[type_name].settings.model_validate(value, context=info.context)


def _error(kind: str, message: str, given: Any) -> ValidationError:
    error = PydanticCustomError(kind, message) if kind != "missing" else "missing"
    return ValidationError.from_exception_data(
        "Source", [{"type": error, "loc": ("type",), "input": given}]
    )


# Any registered source's settings; serialised as its own model, not as the base.
Source = Annotated[SerializeAsAny[BaseModel], PlainValidator(_settings_by_type)]
