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
from echolot.store import evidence as evidence_store
from routing.detectors import (
    amplifiers,
    brand_daily,
    complaint_map,
    emerging_topic,
    intent_findings,
    sentiment_shift,
    volume_spike,
)
from routing.detectors.base import DetectionContext, Finding, without_spam
from routing.subthemes import condense_evidence

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
    FindingKind.COMPLAINT_MAP: complaint_map.detect,
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
        posts = evidence_store.scoped_posts(cur, since, end)
        posts = without_spam(posts)
        context = DetectionContext(config, start, end, posts, cur)
        counts: dict[str, int] = {}
        for kind, detector in DETECTORS.items():
            found = detector(context)
            entries = [condense_finding(context, f) for f in found]
            store.upsert_findings(cur, [f.row(config.project) for f in found])
            evidence_store.replace_finding_evidence(cur, config.project, entries)
            kept = [(f.scope_kind, f.scope_value, f.window_start, f.window_end) for f in found]
            if kind in RUNS_PAST_THE_WINDOW:
                kept += _still_open(cur, config.project, kind, end)
            # Not deleted: a digest may cite it (echolot findings show ID says why it went).
            store.withdraw_stale_findings(cur, config.project, kind.value, start, end, kept)
            counts[kind.value] = len(found)
    return counts


# Kinds whose period can outlast a detection window (a week's complaint map): a run whose
# window ends inside such a period does not judge it, so it must not withdraw it.
RUNS_PAST_THE_WINDOW = {FindingKind.COMPLAINT_MAP}


def _still_open(cur: store.Cursor, project: str, kind: FindingKind, end: datetime) -> list[tuple]:
    return [(f["scope_kind"], f["scope_value"], f["window_start"], f["window_end"])
            for f in store.findings_of_kind_since(cur, project, kind.value, end)
            if f["window_end"] > end]  # fmt: skip


def condense_finding(
    ctx: DetectionContext, finding: Finding
) -> tuple[tuple[str, str, str, datetime, datetime], list[tuple[int, bool, str | None]]]:
    """Group a finding's posts into sub-themes and cut its evidence to the quotes; returns the
    finding's key with every post it rests on (quoted first) for `finding_evidence`."""
    ranked = finding.all_posts or finding.evidence
    membership: dict[int, str] = {}
    if not finding.condensed:
        posts = [ctx.by_id[i] for i in ranked if i in ctx.by_id]
        condensed = condense_evidence(
            posts, ctx.embeddings(p["id"] for p in posts if p["kind"] != "repost"),
            ignore=ctx.name_words(), ranked=ranked,
        )  # fmt: skip
        finding.metrics["subthemes"] = [t.as_dict() for t in condensed.subthemes]
        finding.evidence = condensed.quotes
        membership = condensed.membership
    finding.all_posts = ranked
    quoted = set(finding.evidence)
    order = [*finding.evidence, *(i for i in ranked if i not in quoted)]
    key = (finding.kind.value, finding.scope_kind, finding.scope_value, finding.window_start,
           finding.window_end)  # fmt: skip
    return key, [(i, i in quoted, membership.get(i)) for i in order]
