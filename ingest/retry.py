"""Retry policy for API calls: exponential backoff for transient failures, bounded waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from echolot.errors import EcholotError


class RetryableSourceError(EcholotError):
    """A transient failure (rate limit, outage); the run stops cleanly and a later retry resumes
    from the last committed page. Airflow retries the task with backoff."""

    exit_code = 75  # EX_TEMPFAIL: schedulers and shells read this as "try again later"


class SourceAccessError(EcholotError):
    """Credentials or access tier are wrong; retrying will not help."""


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    max_rate_limit_wait_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based): base, 2*base, 4*base, ..."""
        return min(self.backoff_cap_seconds, self.backoff_base_seconds * 2 ** (attempt - 1))
