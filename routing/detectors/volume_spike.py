"""Volume spikes: an hour with far more posts about a brand than the same hour usually has.

The baseline is seasonal: the same hour on the same weekday in earlier weeks when at least two
such weeks are known, otherwise the same hour of the day across the baseline days. Counts are
Poisson-like, so an hour is unusual when it lies `z` standard deviations (sqrt of the expected
count) above the baseline; `sensitivity` picks `z`. Spike hours within `cooldown_hours` of an
episode's first hour belong to that episode: one spike is one finding.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime, timedelta

from echolot import store
from echolot.config import FindingKind, Severity
from routing.detectors.base import DetectionContext, Finding, day_of
from routing.explain import explain_change

MIN_BASELINE_DAYS = 3
Z_BY_SENSITIVITY = {"low": 5.0, "medium": 4.0, "high": 3.0}
HOUR = timedelta(hours=1)


def detect(ctx: DetectionContext) -> list[Finding]:
    settings = ctx.config.findings.volume_spike
    cooldown = timedelta(hours=settings.cooldown_hours)
    earlier = store.findings_of_kind_since(
        ctx.cur, ctx.config.project, FindingKind.VOLUME_SPIKE.value, ctx.start - cooldown
    )
    findings = []
    for brand in ctx.config.all_brands:
        posts = ctx.brand_posts(brand.name)
        hourly = Counter(_hour(p["created_at"]) for p in posts)
        episodes = {
            e["window_start"]: e["window_end"] for e in earlier if e["scope_value"] == brand.name
        }
        spikes: dict[datetime, list[tuple[datetime, int, float]]] = {}
        for hour in sorted(h for h in hourly if ctx.start <= h < ctx.end):
            expected = _expected(hourly, hour, ctx)
            if expected is None:
                continue
            count = hourly[hour]
            z = (count - expected) / math.sqrt(max(expected, 1.0))
            if count < settings.min_posts or count < 2 * expected:
                continue
            if z < Z_BY_SENSITIVITY[settings.sensitivity]:
                continue
            first = next((s for s, e in episodes.items() if s <= hour < e), None)
            if first is None:
                first, episodes[hour] = hour, hour + cooldown
            spikes.setdefault(first, []).append((hour, count, expected))
        for first, hours in spikes.items():
            findings.append(_finding(ctx, brand.name, first, first + cooldown, hours, posts))
    return findings


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _expected(hourly: Counter, hour: datetime, ctx: DetectionContext) -> float | None:
    """Posts this hour usually has; None without three known days before it.

    Means rather than medians: hourly counts of a small brand are mostly 0 or 1, and a median
    of those calls every busy hour a spike. Half the mean hour of the known days is a floor,
    so a usually quiet night hour needs more than a handful of posts to count.
    """
    known = [day + timedelta(hours=hour.hour) for day in ctx.known_days_before(day_of(hour))]
    if len(known) < MIN_BASELINE_DAYS:
        return None
    same_weekday = [h for h in known if h.weekday() == hour.weekday()]
    season = same_weekday if len(same_weekday) >= 2 else known
    typical = statistics.fmean(hourly.get(h, 0) for h in season)
    first = min(known) - timedelta(hours=hour.hour)
    overall = sum(n for h, n in hourly.items() if first <= h < day_of(hour)) / (24 * len(known))
    return max(typical, overall / 2)


def _finding(
    ctx: DetectionContext,
    brand: str,
    start: datetime,
    end: datetime,
    hours: list[tuple[datetime, int, float]],
    posts: list[dict],
) -> Finding:
    peak_hour, peak, expected = max(hours, key=lambda h: (h[1] - h[2], h[0]))
    ratio = peak / max(expected, 0.5)
    in_episode = [p for p in posts if start <= p["created_at"] < end]
    spike_posts = [p for p in in_episode if _hour(p["created_at"]) in {h for h, _, _ in hours}]
    severity = (
        Severity.CRITICAL if ratio >= 10 and peak >= 50
        else Severity.HIGH if ratio >= 5
        else Severity.MEDIUM if ratio >= 3
        else Severity.LOW
    )  # fmt: skip
    headline = (
        f"{brand}: volume spike at {peak_hour:%Y-%m-%d %H:00} UTC — {peak} posts in an hour "
        f"against {expected:.1f} usually ({ratio:.1f}×), {len(hours)} unusual hour"
        f"{'s' if len(hours) != 1 else ''} in this spike"
    )
    metrics = {
        "drivers": _drivers(ctx, start, hours, spike_posts, posts),
        "peak_hour": peak_hour.isoformat(),
        "peak_posts": peak,
        "expected_posts": round(expected, 2),
        "ratio": round(ratio, 2),
        "spike_hours": len(hours),
        "volume": len(spike_posts),
        **ctx.scope_tags(spike_posts),
    }
    return Finding(
        FindingKind.VOLUME_SPIKE, "brand", brand, start, end, severity, headline, metrics,
        ctx.representative(spike_posts),
    )  # fmt: skip


def _drivers(
    ctx: DetectionContext,
    start: datetime,
    hours: list[tuple[datetime, int, float]],
    spike_posts: list[dict],
    posts: list[dict],
) -> dict:
    """What the spike's extra posts are about, against the baseline days' posts scaled to the
    posts the spike hours usually have."""
    known = ctx.known_days_before(day_of(start))
    baseline = [p for p in posts if known and min(known) <= p["created_at"] < day_of(start)]
    expected = sum(e for _, _, e in hours)
    scale = expected / len(baseline) if baseline else 0.0
    return explain_change(spike_posts, baseline, scale, topic_labels=ctx.topic_labels(),
                          ignore_words=ctx.name_words(), what="posts")  # fmt: skip
