"""The pipeline runner: ingest -> score -> findings -> routing, the same stages Airflow calls."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import psycopg2.extensions
from rich.progress import Progress

from echolot import store
from echolot.config import ProjectConfig
from echolot.errors import EcholotError
from echolot.models import Window
from ingest.report import SourceReport
from ingest.runner import ingest_source
from nlp.analyse import AnalysisReport, analyse_range, analyser_for, plan_batches
from nlp.topic_stage import TopicReport, update_topics
from reach.stage import ReachReport, update_reach
from routing import detectors
from routing.digests import DigestReport, route
from routing.relay import RelayReport, amqp_url, relay_outbox


@dataclass
class RunSummary:
    run_id: int
    window: Window | None
    sources: list[SourceReport] = field(default_factory=list)
    analysis: AnalysisReport = field(default_factory=AnalysisReport)
    topics: TopicReport = field(default_factory=TopicReport)
    reach: ReachReport = field(default_factory=ReachReport)
    findings: int = 0
    digests: list[DigestReport] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    relay: RelayReport | None = None  # None: no broker configured, the outbox is the queue


def whole_days(start: datetime, end: datetime) -> Window:
    """Widen [start, end] to UTC midnights so daily findings always cover full days."""
    floor = start.replace(hour=0, minute=0, second=0, microsecond=0)
    ceiling = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if ceiling <= end:
        ceiling += timedelta(days=1)
    return floor, ceiling


def run_pipeline(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    window: Window | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run every stage once; a rerun over the same data and window changes no counts."""
    with conn, conn.cursor() as cur:
        run_id = store.start_run(cur, config.project, "run", window)
    summary = RunSummary(run_id=run_id, window=window)
    try:
        _run_stages(conn, config, summary, progress)
    except BaseException as exc:
        conn.rollback()
        with conn, conn.cursor() as cur:
            store.finish_run(cur, run_id, "failed", _counts(summary), error=str(exc)[:2000])
        raise
    with conn, conn.cursor() as cur:
        summary.totals = store.table_counts(cur)
        store.finish_run(cur, run_id, "succeeded", _counts(summary), window=summary.window)
    return summary


def _run_stages(
    conn: psycopg2.extensions.connection,
    config: ProjectConfig,
    summary: RunSummary,
    progress: Progress | None,
) -> None:
    enabled = [s for s in config.sources if s.enabled]
    if not enabled:
        raise EcholotError(f"project {config.project!r}: no source is enabled")
    with progress or nullcontext():
        for source in enabled:
            task = progress.add_task(f"ingest {source.name}", total=None) if progress else None
            report = ingest_source(
                conn,
                source,
                window=summary.window,
                on_page=lambda _n, t=task: progress.advance(t) if progress else None,
            )
            summary.sources.append(report)
        analyser = analyser_for(config)
        ranges = plan_batches(conn, analyser)
        task = progress.add_task("analyse posts", total=len(ranges)) if progress else None
        for id_range in ranges:
            summary.analysis += analyse_range(conn, analyser, id_range)
            if progress:
                progress.advance(task)

    if summary.window is None:
        with conn, conn.cursor() as cur:
            found = store.post_time_range(cur, [s.name for s in enabled])
        if found is None:
            return
        summary.window = found
    start, end = summary.window = whole_days(*summary.window)
    summary.topics = update_topics(conn, config, start, end, analyser_for(config).embedder)
    summary.reach = update_reach(conn, config, start, end)
    summary.findings = sum(detectors.detect(conn, config, start, end).values())
    summary.digests = route(conn, config, start, end)
    url = amqp_url()
    if url is not None:
        summary.relay = relay_outbox(conn, url)


def _counts(summary: RunSummary) -> dict[str, object]:
    return {
        "sources": [asdict(s) for s in summary.sources],
        "analysis": asdict(summary.analysis),
        "topics": asdict(summary.topics),
        "reach": asdict(summary.reach),
        "findings": summary.findings,
        "digests": [
            {"team": d.team, "id": d.digest_id, "queued": d.queued} for d in summary.digests
        ],
    }
