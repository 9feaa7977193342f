"""Finding detectors: small registered functions, each turning a window's posts into findings.

`detect` loads the window's posts (plus the baseline days before it) once, runs every
registered detector on them and upserts what they found in one transaction, so a rerun of the
same window rewrites the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import psycopg2.extensions

from echolot import store
from echolot.config import FindingKind, ProjectConfig
from routing.detectors import (
    amplifiers,
    brand_daily,
    emerging_topic,
    intent_findings,
    sentiment_shift,
    volume_spike,
)
from routing.detectors.base import DetectionContext, Finding, spam_authors

Detector = Callable[[DetectionContext], list[Finding]]

DETECTORS: dict[FindingKind, Detector] = {
    FindingKind.BRAND_DAILY: brand_daily.detect,
    FindingKind.VOLUME_SPIKE: volume_spike.detect,
    FindingKind.SENTIMENT_SHIFT: sentiment_shift.detect,
    FindingKind.EMERGING_TOPIC: emerging_topic.detect,
    FindingKind.PURCHASE_INTENT: intent_findings.purchase_intent,
    FindingKind.CHURN_RISK: intent_findings.churn_risk,
    FindingKind.COMPETITOR_COMPARISON: intent_findings.competitor_comparison,
    FindingKind.FEATURE_REQUEST: intent_findings.feature_request,
    FindingKind.BUG_REPORT: intent_findings.bug_report,
    # These read the reach stage's influence and KPI tables: it runs before detection.
    FindingKind.OPINION_LEADER: amplifiers.opinion_leader,
    FindingKind.CAMPAIGN_KPI: amplifiers.campaign_kpi,
}


def detect(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    start: datetime,
    end: datetime,
) -> dict[str, int]:
    """Write the findings of [start, end); returns how many of each kind."""
    with conn, conn.cursor() as cur:
        since = start - timedelta(days=config.findings.baseline_days)
        posts = store.finding_posts(cur, since, end)
        # Bots are not voices: their posts count towards no finding and are never quoted.
        spam = spam_authors(posts)
        posts = [p for p in posts if (p["platform"], p["author_id"]) not in spam]
        context = DetectionContext(config, start, end, posts, cur)
        counts: dict[str, int] = {}
        for kind, detector in DETECTORS.items():
            found = detector(context)
            store.upsert_findings(cur, [f.row(config.project) for f in found])
            kept = [(f.scope_kind, f.scope_value, f.window_start, f.window_end) for f in found]
            # Not deleted: a digest may cite it (echolot findings show ID says why it went).
            store.withdraw_stale_findings(cur, config.project, kind.value, start, end, kept)
            counts[kind.value] = len(found)
    return counts
