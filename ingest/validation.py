"""Field checks shared by the platform normalisers; failures become quarantine reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# An item that cannot become a Post; the message is stored as the quarantine reason.
from echolot.errors import NormalizationError

# Far above any platform's post limit; anything larger is a broken or hostile payload.
MAX_TEXT_CHARS = 100_000


def required_str(item: dict[str, Any], key: str, *, where: str) -> str:
    value = item.get(key)
    if value is None or value == "":
        raise NormalizationError(f"{where}: missing {key}")
    if not isinstance(value, str):
        raise NormalizationError(f"{where}: {key} must be a string, got {type(value).__name__}")
    return value


def text_field(value: Any, *, where: str, key: str = "text") -> str:
    if not isinstance(value, str):
        raise NormalizationError(f"{where}: {key} must be a string, got {type(value).__name__}")
    if len(value) > MAX_TEXT_CHARS:
        raise NormalizationError(
            f"{where}: {key} is {len(value):,} characters, over the {MAX_TEXT_CHARS:,} limit"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NormalizationError(f"{where}: {key} is not valid UTF-8") from None
    # A NUL byte means nothing in a post and PostgreSQL cannot store it: drop it, keep the post.
    return value.replace("\x00", "") if "\x00" in value else value


def optional_int(container: dict[str, Any], key: str, *, where: str) -> int | None:
    value = container.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NormalizationError(f"{where}: {key} must be a number, got {type(value).__name__}")
    return int(value)


def iso_timestamp(value: Any, *, where: str, key: str = "created_at") -> datetime:
    if not isinstance(value, str):
        raise NormalizationError(f"{where}: {key} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NormalizationError(f"{where}: {key} {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise NormalizationError(f"{where}: {key} {value!r} has no time zone")
    return parsed.astimezone(UTC)


def informative_timestamp(value: Any) -> datetime | None:
    """A time that only informs (when an account was created): None if absent or malformed, so a
    profile's odd date never costs the post."""
    try:
        return iso_timestamp(value, where="profile") if value else None
    except NormalizationError:
        return None


def epoch_timestamp(value: Any, *, where: str, key: str = "created_utc") -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NormalizationError(f"{where}: {key} must be seconds since the epoch")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise NormalizationError(f"{where}: {key} {value!r} is out of range") from None
