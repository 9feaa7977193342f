"""Stage entry points for orchestrators: load the project, open the database, run one stage
through `echolot.app`, return its report as plain JSON-able data.

Airflow tasks call these with a config path (and a data interval where one applies); so can any
other scheduler. Airflow keeps each return value as the task's XCom. Nothing here imports
Airflow, and nothing here decides a window: `echolot.app.windows` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from echolot.app import delivery, session, stages, windows
from echolot.app.stages import Connection
from echolot.config import ProjectConfig, load_config
from echolot.models import Window


def _run(config_path: str | Path, work: Callable[[ProjectConfig, Connection], Any]) -> Any:
    config = load_config(config_path)
    with session.database() as conn:
        return work(config, conn)


def ingest(
    config_path: str | Path,
    source_name: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Ingest one source; X and Reddit read exactly [start, end) when given."""
    window = windows.requested(start, end)

    def work(config: ProjectConfig, conn: Connection) -> dict[str, Any]:
        sources = stages.choose_sources(config, [source_name], str(config_path))
        return asdict(next(stages.ingest(conn, sources, window)))

    return _run(config_path, work)


def plan_analysis(
    config_path: str | Path, batch_size: int = stages.DEFAULT_BATCH_SIZE
) -> list[list[int]]:
    """Id ranges of posts the current NLP pipeline has not analysed; one mapped task each."""
    ranges = _run(config_path, lambda config, conn: stages.plan_analysis(conn, config, batch_size))
    return [[first, last] for first, last in ranges]


def analyse(config_path: str | Path, id_range: list[int]) -> dict[str, Any]:
    """Language, sentiment, entities, intents and embeddings of one id range of posts."""
    first, last = id_range
    return _run(
        config_path, lambda config, conn: asdict(stages.analyse(conn, config, (first, last)))
    )


def _over_changed_days(
    config_path: str | Path,
    key: str,
    stage: Callable[[Connection, ProjectConfig, Window], Any],
) -> dict[str, Any]:
    """Run a stage over the days changed since findings last ran (the watermark stays)."""

    def work(config: ProjectConfig, conn: Connection) -> dict[str, Any]:
        changed = windows.changed_days(conn, config.project)
        if changed.window is None:
            return {"days": []}
        return {"days": changed.as_dates(), key: asdict(stage(conn, config, changed.window))}

    return _run(config_path, work)


def topics(config_path: str | Path) -> dict[str, Any]:
    """Assign new posts of every changed day to topics (creating, merging, splitting)."""
    return _over_changed_days(config_path, "topics", stages.topics)


def influence(config_path: str | Path) -> dict[str, Any]:
    """Influence, post reach and campaign KPI chains over the changed days."""
    return _over_changed_days(config_path, "reach", stages.reach)


def find_changed(config_path: str | Path) -> dict[str, Any]:
    """Recompute daily findings for every day whose posts or scores changed since last time,
    then move the watermark past those changes."""

    def work(config: ProjectConfig, conn: Connection) -> dict[str, Any]:
        changed = windows.changed_days(conn, config.project)
        if changed.window is None:
            return {"days": [], "findings": 0}
        written = stages.findings(conn, config, changed.window)
        windows.mark_findings_done(conn, config.project, changed)
        return {"days": changed.as_dates(), "findings": written}

    return _run(config_path, work)


def _digest_rows(reports: list[stages.DigestReport]) -> list[dict[str, Any]]:
    return [{"team": r.team, "digest_id": r.digest_id, "findings": r.findings,
             "queued": r.queued} for r in reports]  # fmt: skip


def deliver(
    config_path: str | Path,
    start: datetime | None,
    end: datetime | None,
    team: str | None = None,
    logical_date: datetime | None = None,
) -> list[dict[str, Any]]:
    """Write the digest of findings completed in (start, end] for one team (or all teams);
    a run without an interval of its own covers the day before `end` (or `logical_date`)."""
    period = windows.digest_period(start, end, logical_date)

    def work(config: ProjectConfig, conn: Connection) -> list[dict[str, Any]]:
        stages.check_team(config, team, str(config_path))
        teams = [team] if team is not None else None
        return _digest_rows(stages.digests(conn, config, period, teams))

    return _run(config_path, work)


def alert(config_path: str | Path, now: datetime | None = None) -> dict[str, Any]:
    """Alert each team at once about severe findings it has not had (quiet hours permitting)."""

    def work(config: ProjectConfig, conn: Connection) -> dict[str, Any]:
        sent, held = stages.alerts(conn, config, windows.instant(now))
        return {
            "alerts": _digest_rows(sent),
            "held": [{"team": h.team, "findings": h.findings, "until": h.until.isoformat()}
                     for h in held],
        }  # fmt: skip

    return _run(config_path, work)


def relay() -> dict[str, Any]:
    """Publish due outbox messages when a broker is configured; otherwise the outbox waits."""
    if not stages.broker_configured():
        return {"broker": None}
    with session.database() as conn:
        report = stages.relay(conn)
    return {"broker": None} if report is None else asdict(report)


def maintain(config_path: str | Path, now: datetime | None = None) -> dict[str, Any]:
    """Retention purge and re-applying deletions (a post stored by a run that overlapped a
    `forget` is removed again)."""
    return _run(config_path, lambda config, conn: stages.maintain(conn, config, now))


def to_channels(
    config_path: str | Path,
    team: str | None = None,
    lookup: delivery.ConnectionLookup | None = None,
) -> list[dict[str, Any]]:
    """Hand the team's (or every team's) waiting digests to its channels; fails, after every
    team had its turn, when a channel cannot be set up, the broker is lost or messages were
    parked (a retry delivers what is left, never twice)."""

    def work(config: ProjectConfig, conn: Connection) -> list[dict[str, Any]]:
        reports = delivery.to_channels(conn, config, team, lookup, where=str(config_path))
        delivery.raise_for_delivery(reports)
        return [asdict(report) for report in reports]

    return _run(config_path, work)
