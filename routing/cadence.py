"""When a team hears from Echolot: scheduled digests at its send time in its time zone, and
alerts for severe findings at once — held back during quiet hours unless critical."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from echolot.config import Cadence, Severity

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def last_send_time(cadence: Cadence, now: datetime) -> datetime:
    """The latest scheduled send instant at or before `now` (UTC)."""
    zone = ZoneInfo(cadence.timezone)
    local = now.astimezone(zone)
    send = cadence.send_at
    if cadence.mode in ("hourly", "immediate"):
        slot = local.replace(minute=send.minute, second=0, microsecond=0)
        if slot > local:
            slot -= timedelta(hours=1)
        return slot.astimezone(UTC)
    slot = _at(local.date(), send, zone)
    if cadence.mode == "daily":
        if slot > local:
            slot = _at(local.date() - timedelta(days=1), send, zone)
        return slot.astimezone(UTC)
    days_back = (local.weekday() - WEEKDAYS.index(cadence.weekday)) % 7
    slot = _at(local.date() - timedelta(days=days_back), send, zone)
    if slot > local:
        slot = _at(local.date() - timedelta(days=days_back + 7), send, zone)
    return slot.astimezone(UTC)


def period_ending(cadence: Cadence, send_time: datetime) -> tuple[datetime, datetime]:
    """The data period a digest sent at `send_time` covers: since the previous send."""
    step = {"immediate": timedelta(hours=1), "hourly": timedelta(hours=1),
            "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}[cadence.mode]  # fmt: skip
    # Step in local time so a daylight-saving change keeps the wall-clock send time.
    zone = ZoneInfo(cadence.timezone)
    local_start = (send_time.astimezone(zone).replace(tzinfo=None) - step).replace(tzinfo=zone)
    return local_start.astimezone(UTC), send_time


def alerts_for(cadence: Cadence, severity: Severity) -> bool:
    return cadence.alert_above is not None and severity.rank >= cadence.alert_above.rank


def quiet_until(cadence: Cadence, now: datetime, severity: Severity) -> datetime | None:
    """When quiet hours hold an alert back, the instant they end; None when it may go now.
    Critical alerts are never held: quiet hours are for sleep, not for outages."""
    if cadence.quiet_hours is None or severity is Severity.CRITICAL:
        return None
    zone = ZoneInfo(cadence.timezone)
    local = now.astimezone(zone)
    begin, end = cadence.quiet_hours
    clock = local.time()
    quiet = begin <= clock < end if begin <= end else clock >= begin or clock < end
    if not quiet:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return _at(day, end, zone).astimezone(UTC)


def _at(day, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)
