"""Finding detector: one finding per brand and day with its volume and mean sentiment."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from echolot.config import Brand, FindingKind, Severity
from routing.detectors.base import DetectionContext, Finding, day_of, is_negative

# A day's mean sentiment needs this many scored posts to count against the baseline.
MIN_SCORED = 5


@dataclass
class _DayStats:
    posts: list[dict[str, Any]] = field(default_factory=list)
    post_ids: list[tuple[int, int]] = field(default_factory=list)  # (engagement, id)
    polarities: list[float] = field(default_factory=list)
    negative: int = 0  # scored posts the sentiment model called negative


def detect(ctx: DetectionContext) -> list[Finding]:
    """One finding per brand and UTC day of the window.

    A typical day is judged over the window plus the baseline days before it, so a short
    window (one day on a schedule) is still compared with the days around it.
    """
    findings = []
    for brand in ctx.config.all_brands:
        posts = ctx.brand_posts(brand.name)
        by_day = _by_day(posts)
        for day, stats in sorted(by_day.items()):
            if ctx.start <= day < ctx.end:
                # A typical day is one of the other days: the day judged is not its own baseline.
                baseline = _Baseline.of(d for other, d in by_day.items() if other != day)
                found = _finding(brand, day, stats, baseline, ctx.scope_tags(stats.posts))
                found.evidence = ctx.representative(stats.posts)
                findings.append(found)
    return findings


def _by_day(posts: list[dict[str, Any]]) -> dict[datetime, _DayStats]:
    days: dict[datetime, _DayStats] = defaultdict(_DayStats)
    for post in posts:
        post_id, polarity, engagement = post["id"], post["polarity"], post["engagement"]
        stats = days[day_of(post["created_at"])]
        stats.posts.append(post)
        stats.post_ids.append((engagement, post_id))
        if polarity is not None:
            stats.polarities.append(polarity)
            stats.negative += is_negative(post)
    return days


@dataclass(frozen=True)
class _Baseline:
    """What a normal day looks like for a brand in this window: the median day."""

    volume: float
    sentiment: float | None
    negative_share: float | None

    @classmethod
    def of(cls, days: Iterable[_DayStats]) -> _Baseline:
        days = list(days)
        volume = statistics.median(len(d.post_ids) for d in days) if days else 0.0
        scored = [d for d in days if len(d.polarities) >= MIN_SCORED]
        means = [statistics.fmean(d.polarities) for d in scored]
        shares = [d.negative / len(d.polarities) for d in scored]
        return cls(volume, statistics.median(means) if means else None,
                   statistics.median(shares) if shares else None)  # fmt: skip


def _finding(
    brand: Brand, day: datetime, stats: _DayStats, baseline: _Baseline, tags: dict[str, Any]
) -> Finding:
    volume = len(stats.post_ids)
    scored = len(stats.polarities)
    mean = round(statistics.fmean(stats.polarities), 4) if scored else None
    negative_share = round(stats.negative / scored, 4) if scored else None
    volume_ratio = round(volume / baseline.volume, 2) if baseline.volume else None
    delta = (
        round(mean - baseline.sentiment, 4)
        if mean is not None and baseline.sentiment is not None and scored >= MIN_SCORED
        else None
    )
    typical_negative = baseline.negative_share if scored >= MIN_SCORED else None
    severity = _severity(delta, volume_ratio, negative_share, typical_negative)
    mean_text = f"{mean:+.2f}" if mean is not None else "n/a"
    delta_text = f", {delta:+.2f} vs a typical day" if delta is not None else ""
    negative_text = f", {negative_share:.0%} negative" if negative_share is not None else ""
    ratio_text = f" ({volume_ratio:.1f}× typical)" if volume_ratio is not None else ""
    headline = (
        f"{brand.name} on {day:%Y-%m-%d}: {volume} post{'s' if volume != 1 else ''}{ratio_text}, "
        f"mean sentiment {mean_text}{delta_text}{negative_text}"
    )
    metrics = {
        "volume": volume,
        "typical_daily_volume": baseline.volume,
        "volume_ratio": volume_ratio,
        "scored": scored,
        "mean_sentiment": mean,
        "typical_mean_sentiment": (
            round(baseline.sentiment, 4) if baseline.sentiment is not None else None
        ),
        "sentiment_delta": delta,
        "negative_share": negative_share,
        "typical_negative_share": (
            round(baseline.negative_share, 4) if baseline.negative_share is not None else None
        ),
        **tags,
    }
    return Finding(
        FindingKind.BRAND_DAILY, "brand", brand.name, day, day + timedelta(days=1), severity,
        headline, metrics,
    )  # fmt: skip


def _severity(
    sentiment_delta: float | None,
    volume_ratio: float | None,
    negative_share: float | None,
    typical_negative: float | None,
) -> Severity:
    """A day matters when its mood falls well below a typical day's, its volume jumps, or its
    share of negative posts doubles (a share does not depend on the model's polarity scale)."""
    drop = -(sentiment_delta or 0.0)
    ratio = volume_ratio or 0.0
    share, usual = negative_share or 0.0, typical_negative
    doubled = usual is not None and share >= max(0.4, 2 * usual)
    if drop >= 0.4 or (drop >= 0.25 and ratio >= 1.5) or doubled:
        return Severity.HIGH
    rising = usual is not None and share >= max(0.3, 1.5 * usual)
    if drop >= 0.15 or ratio >= 2 or rising:
        return Severity.MEDIUM
    return Severity.LOW
