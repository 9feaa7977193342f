"""Finding detector: one finding per brand and day with its volume and mean sentiment."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg2.extensions

from echolot import store
from echolot.config import Brand, FindingKind, ProjectConfig, Severity

SENTIMENT_MODEL = "vader"
EVIDENCE_POSTS = 5


@dataclass
class _DayStats:
    post_ids: list[tuple[int, int]] = field(default_factory=list)  # (engagement, id)
    polarities: list[float] = field(default_factory=list)


def brand_pattern(brand: Brand) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of the brand name or any alias (also as #tag/@handle)."""
    terms = sorted({t.lstrip("#@").lower() for t in brand.terms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(t) for t in terms)
    return re.compile(rf"(?<![\w]){'[#@]?'}(?:{alternatives})(?![\w])", re.IGNORECASE)


def detect(
    conn: psycopg2.extensions.connection, config: ProjectConfig, start: datetime, end: datetime
) -> int:
    """Write brand_daily findings for whole UTC days in [start, end); returns how many."""
    with conn, conn.cursor() as cur:
        posts = store.scored_posts_in_window(cur, SENTIMENT_MODEL, start, end)
        rows = []
        for brand in config.all_brands:
            by_day = _by_day(posts, brand_pattern(brand))
            typical_volume = (
                statistics.median(len(d.post_ids) for d in by_day.values()) if by_day else 0
            )
            for day, stats in sorted(by_day.items()):
                rows.append(_finding_row(config.project, brand, day, stats, typical_volume))
        store.upsert_findings(cur, rows)
    return len(rows)


def _by_day(
    posts: list[tuple[int, datetime, str, float | None, int]], pattern: re.Pattern[str]
) -> dict[datetime, _DayStats]:
    days: dict[datetime, _DayStats] = defaultdict(_DayStats)
    for post_id, created_at, text, polarity, engagement in posts:
        if not pattern.search(text):
            continue
        day = created_at.replace(hour=0, minute=0, second=0, microsecond=0)
        days[day].post_ids.append((engagement, post_id))
        if polarity is not None:
            days[day].polarities.append(polarity)
    return days


def _finding_row(
    project: str, brand: Brand, day: datetime, stats: _DayStats, typical_volume: float
) -> tuple:
    volume = len(stats.post_ids)
    scored = len(stats.polarities)
    mean = round(statistics.fmean(stats.polarities), 4) if scored else None
    negative_share = (
        round(sum(p <= -0.05 for p in stats.polarities) / scored, 4) if scored else None
    )
    volume_ratio = round(volume / typical_volume, 2) if typical_volume else None
    severity = _severity(mean, volume_ratio)
    evidence = [post_id for _, post_id in sorted(stats.post_ids, key=lambda e: (-e[0], e[1]))]
    mean_text = f"{mean:+.2f}" if mean is not None else "n/a"
    negative_text = f" ({negative_share:.0%} negative)" if negative_share is not None else ""
    ratio_text = f" ({volume_ratio:.1f}× typical)" if volume_ratio is not None else ""
    headline = (
        f"{brand.name} on {day:%Y-%m-%d}: {volume} posts{ratio_text}, "
        f"mean sentiment {mean_text}{negative_text}"
    )
    metrics = {
        "volume": volume,
        "typical_daily_volume": typical_volume,
        "volume_ratio": volume_ratio,
        "scored": scored,
        "mean_sentiment": mean,
        "negative_share": negative_share,
    }
    return (
        project, FindingKind.BRAND_DAILY.value, "brand", brand.name, day, day + timedelta(days=1),
        severity.value, headline, metrics, evidence[:EVIDENCE_POSTS],
    )  # fmt: skip


def _severity(mean: float | None, volume_ratio: float | None) -> Severity:
    if mean is not None and mean <= -0.2:
        return Severity.HIGH if (volume_ratio or 0) >= 2 else Severity.MEDIUM
    if (mean is not None and mean < 0) or (volume_ratio or 0) >= 2:
        return Severity.MEDIUM
    return Severity.LOW
