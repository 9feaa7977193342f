"""The one window policy: which time range each stage covers, wherever it is called from.

- Ingest reads exactly the window it is given (an Airflow data interval, `--since/--until`),
  or everything new when it is given none.
- A whole run (`echolot run`) widens its window to UTC midnights, so daily findings always
  cover full days; without a window it takes the days the enabled sources' posts span.
- Incremental processing (the process DAG: topics, reach, findings) covers every day whose
  posts or scores changed since findings last ran; only the findings step moves that watermark,
  so topics and reach run first over the same days.
- A digest covers the findings completed in its period (start, end]; an asset-triggered run has
  no interval and covers the day before it.
- Maintenance purges what is older than the project's retention before now.

Windows are half-open [start, end) pairs of aware UTC datetimes (`echolot.models.Window`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg2.extensions

from echolot import store
from echolot.config import ProjectConfig
from echolot.errors import UsageError
from echolot.models import Window

FINDINGS_STAGE = "findings"  # the watermark incremental processing reads and findings moves
DAY = timedelta(days=1)


def requested(
    start: datetime | None,
    end: datetime | None,
    start_name: str = "start",
    end_name: str = "end",
) -> Window | None:
    """The window a caller asked for: both ends or neither, the end after the start."""
    if (start is None) != (end is None):
        raise UsageError(f"give both {start_name} and {end_name}, or neither")
    if start is None or end is None:
        return None
    if end <= start:
        raise UsageError(f"{end_name} must be after {start_name}")
    return start, end


def whole_days(start: datetime, end: datetime) -> Window:
    """Widen [start, end] to UTC midnights so daily findings always cover full days."""
    floor = start.replace(hour=0, minute=0, second=0, microsecond=0)
    ceiling = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if ceiling <= end:
        ceiling += DAY
    return floor, ceiling


def run_window(
    conn: psycopg2.extensions.connection, config: ProjectConfig, window: Window | None
) -> Window | None:
    """The whole days a run covers: its window, or the span of the enabled sources' posts
    (None when they have none)."""
    if window is None:
        with conn, conn.cursor() as cur:
            window = store.post_time_range(cur, [s.name for s in config.sources if s.enabled])
        if window is None:
            return None
    return whole_days(*window)


@dataclass(frozen=True)
class ChangedDays:
    """The days changed since findings last ran, and the change time findings will record."""

    days: list[datetime]
    newest: datetime | None

    @property
    def window(self) -> Window | None:
        return (self.days[0], self.days[-1] + DAY) if self.days else None

    def as_dates(self) -> list[str]:
        return [day.date().isoformat() for day in self.days]


def changed_days(conn: psycopg2.extensions.connection, project: str) -> ChangedDays:
    with conn, conn.cursor() as cur:
        since = store.load_watermark(cur, project, FINDINGS_STAGE)
        days, newest = store.changed_days(cur, since)
    return ChangedDays(list(days), newest)


def mark_findings_done(
    conn: psycopg2.extensions.connection, project: str, changed: ChangedDays
) -> None:
    """Move the watermark past the changes findings have now covered."""
    with conn, conn.cursor() as cur:
        store.save_watermark(cur, project, FINDINGS_STAGE, changed.newest)


def digest_period(
    start: datetime | None, end: datetime | None, logical_date: datetime | None = None
) -> Window:
    """A digest run's period; asset-triggered runs (cadence `immediate`) have no interval of
    their own (start == end, or none at all) and take the day before."""
    end = end or logical_date
    if end is None:
        raise UsageError("a digest needs the end of its period")
    if start is None or start == end:
        start = end - DAY
    return start, end


def instant(now: datetime | None) -> datetime:
    """The moment a tick acts at: the one given, or now."""
    return now or datetime.now(UTC)


def retention_cutoff(config: ProjectConfig, now: datetime | None) -> datetime:
    """Data older than this is purged."""
    return instant(now) - timedelta(days=config.schedule.retention_days)
