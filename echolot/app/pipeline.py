"""Every stage once, in data-flow order: ingest -> analyse -> topics -> reach -> findings ->
digests -> relay. `echolot run` calls it; each run is recorded in `pipeline_runs`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field

import psycopg2.extensions
from rich.progress import Progress

from echolot import store
from echolot.app import stages, windows
from echolot.config import ProjectConfig, Source
from echolot.errors import ConfigError
from echolot.models import Window


@dataclass
class RunSummary:
    run_id: int
    window: Window | None
    sources: list[stages.SourceReport] = field(default_factory=list)
    analysis: stages.AnalysisReport = field(default_factory=stages.AnalysisReport)
    topics: stages.TopicReport = field(default_factory=stages.TopicReport)
    reach: stages.ReachReport = field(default_factory=stages.ReachReport)
    findings: int = 0
    digests: list[stages.DigestReport] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    relay: stages.RelayReport | None = None  # None: no broker configured, the outbox is the queue


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
    enabled = stages.choose_sources(config, None, config.project)
    if not enabled:
        raise ConfigError(f"project {config.project!r}: no source is enabled")

    def page_counter(source: Source) -> Callable[[int], None] | None:
        if progress is None:
            return None
        task = progress.add_task(f"ingest {source.name}", total=None)
        return lambda _pages: progress.advance(task)

    with progress or nullcontext():
        for report in stages.ingest(conn, enabled, summary.window, page_counter):
            summary.sources.append(report)
        ranges = stages.plan_analysis(conn, config)
        task = progress.add_task("analyse posts", total=len(ranges)) if progress else None
        for id_range in ranges:
            summary.analysis += stages.analyse(conn, config, id_range)
            if progress:
                progress.advance(task)

    window = windows.run_window(conn, config, summary.window)
    if window is None:
        return
    summary.window = window
    summary.topics = stages.topics(conn, config, window)
    summary.reach = stages.reach(conn, config, window)
    summary.findings = stages.findings(conn, config, window)
    summary.digests = stages.digests(conn, config, window)
    summary.relay = stages.relay(conn)


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
