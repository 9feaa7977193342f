"""Emerging topics: a discovered topic that is new, or suddenly much busier than before.

A topic emerges on a day with at least `min_posts` posts when its first post is at most
`new_days` old, or when the day has `growth` times its mean daily count of the days before.
Within `cooldown_days` after a finding the same topic is not reported again.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from echolot import store
from echolot.config import FindingKind, Severity
from routing.detectors.base import DetectionContext, Finding, day_of


def detect(ctx: DetectionContext) -> list[Finding]:
    settings = ctx.config.findings.emerging_topic
    by_topic: dict[int, dict[datetime, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for post in ctx.posts:
        if post["topic_id"] is not None:
            by_topic[post["topic_id"]][day_of(post["created_at"])].append(post)
    summaries = store.topic_summaries(ctx.cur, list(by_topic))
    cooldown = timedelta(days=settings.cooldown_days)
    reported = {
        (int(f["scope_value"]), f["window_start"])
        for f in store.findings_of_kind_since(
            ctx.cur, ctx.config.project, FindingKind.EMERGING_TOPIC.value, ctx.start - cooldown
        )
    }
    findings = []
    for topic_id, days in sorted(by_topic.items()):
        summary = summaries.get(topic_id)
        if summary is None:
            continue
        for day in sorted(d for d in days if ctx.start <= d < ctx.end):
            posts = days[day]
            if len(posts) < settings.min_posts:
                continue
            if any(t == topic_id and day - cooldown <= s < day for t, s in reported):
                continue
            before = [len(days.get(day - timedelta(days=n), [])) for n in range(1, 8)]
            usual = statistics.fmean(before)
            first = summary["first_post_at"] or day
            is_new = first >= day - timedelta(days=settings.new_days)
            growth = len(posts) / max(usual, 1.0)
            if not is_new and growth < settings.growth:
                continue
            reported.add((topic_id, day))
            findings.append(_finding(ctx, topic_id, summary, day, posts, usual, growth, is_new))
    return findings


def _finding(
    ctx: DetectionContext,
    topic_id: int,
    summary: dict,
    day: datetime,
    posts: list[dict],
    usual: float,
    growth: float,
    is_new: bool,
) -> Finding:
    label = summary["label"]
    severity = (
        Severity.HIGH if growth >= 6 and len(posts) >= 30
        else Severity.MEDIUM if growth >= 3 or (is_new and len(posts) >= 20)
        else Severity.LOW
    )  # fmt: skip
    why = "new topic" if is_new else f"{growth:.1f}× its usual {usual:.1f} posts a day"
    area = f" [{summary['product_area']}]" if summary["product_area"] else ""
    headline = f"Emerging topic “{label}”{area} on {day:%Y-%m-%d}: {len(posts)} posts ({why})"
    metrics = {
        "topic_id": topic_id,
        "label": label,
        "keywords": list(summary["keywords"] or [])[:8],
        "product_area": summary["product_area"],
        "posts": len(posts),
        "usual_daily_posts": round(usual, 2),
        "growth": round(growth, 2),
        "new": is_new,
        "volume": len(posts),
        **ctx.scope_tags(posts),
    }
    return Finding(
        FindingKind.EMERGING_TOPIC, "topic", str(topic_id), day, day + timedelta(days=1),
        severity, headline, metrics, ctx.representative(posts),
    )  # fmt: skip
