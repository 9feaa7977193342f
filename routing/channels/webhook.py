"""Posting a JSON message to an incoming webhook (Slack, Microsoft Teams) and telling a
transient failure from a permanent one. The URL is a secret: no error or log repeats it."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from routing.channels.base import PermanentFailure, TransientFailure

# httpx logs every request with its URL at INFO (httpcore its host at DEBUG); a webhook URL
# is a secret.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

TIMEOUT_SECONDS = 15.0
# Retry-After beyond this is not waited for inside one run: the message is parked instead.
MAX_RETRY_AFTER_SECONDS = 120.0


def post_json(url: str, body: dict[str, Any], what: str) -> None:
    """POST `body`; return on any 2xx, raise Transient/PermanentFailure otherwise."""
    try:
        response = httpx.post(url, json=body, timeout=TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.TransportError as exc:  # refused, reset, DNS, timeout
        raise TransientFailure(f"{what}: {type(exc).__name__}: {exc}") from None
    if response.is_success:
        return
    said = " ".join(response.text.split())[:200]
    problem = f"{what} answered {response.status_code}" + (f": {said}" if said else "")
    if response.status_code == 429:
        raise TransientFailure(problem, retry_after=_retry_after(response))
    if response.status_code >= 500 or response.status_code == 408:
        raise TransientFailure(problem)
    raise PermanentFailure(problem)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
