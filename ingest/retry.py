"""One retry policy for every source: exponential backoff for transient failures, bounded waits
for rate limits, and nothing retried that retrying cannot fix.

Each connector keeps its platform's exception mapping beside it: a `classify(exc, policy)`
function that says, for one exception, `Retry` (wait and try again), an `EcholotError` to raise
instead (bad credentials, a rate limit resetting later than the task may wait), or None when
the exception is not the platform's (it propagates unchanged). The loop itself is tenacity's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from echolot.errors import EcholotError, RetryableSourceError, SourceAccessError

__all__ = ["Classifier", "Retry", "RetryPolicy", "RetryableSourceError", "SourceAccessError"]

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """Try again after `seconds` (None: the policy's backoff for this attempt); when attempts
    run out, raise `exhausted`."""

    exhausted: EcholotError
    seconds: float | None = None


Classifier = Callable[[BaseException, "RetryPolicy"], "Retry | EcholotError | None"]


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

    def rate_limit_wait(self, reset_at: float | None, *, what: str) -> Retry | EcholotError:
        """Wait for a rate-limit window to reset, or give up if it resets too late."""
        wait = (
            max(0.0, reset_at - self.clock() + 1) if reset_at else self.max_rate_limit_wait_seconds
        )
        if wait > self.max_rate_limit_wait_seconds:
            return RetryableSourceError(
                f"{what} rate limit reached; it resets in {wait:.0f} s, longer than the "
                f"{self.max_rate_limit_wait_seconds:.0f} s this task may wait. "
                "Stored pages are kept; a retry resumes from the last one"
            )
        return Retry(RetryableSourceError(f"{what} still rate limited after retries"), wait)

    def transient(self, what: str, detail: str, *, kept: str = "stored pages are kept") -> Retry:
        """Retry a transient failure; when attempts run out, say how many failed and what stays."""
        return Retry(
            RetryableSourceError(
                f"{what} still failing after {self.max_attempts} attempts ({detail}); {kept}"
            )
        )

    def call(self, action: Callable[[], T], classify: Classifier) -> T:
        """Run `action`, retrying what `classify` calls transient."""
        verdicts: dict[int, Retry | EcholotError | None] = {}

        def should_retry(state: tenacity.RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            if exc is None:
                return False
            verdicts[state.attempt_number] = verdict = classify(exc, self)
            return isinstance(verdict, Retry)

        def wait(state: tenacity.RetryCallState) -> float:
            verdict = verdicts[state.attempt_number]
            assert isinstance(verdict, Retry)
            return (
                verdict.seconds
                if verdict.seconds is not None
                else self.backoff(state.attempt_number)
            )

        retrying = tenacity.Retrying(
            retry=should_retry,
            wait=wait,
            stop=tenacity.stop_after_attempt(self.max_attempts),
            sleep=self.sleep,
        )
        try:
            return retrying(action)
        except tenacity.RetryError as exc:
            verdict = verdicts[exc.last_attempt.attempt_number]
            assert isinstance(verdict, Retry)
            raise verdict.exhausted from None
        except Exception as exc:
            verdict = next(reversed(verdicts.values()), None) if verdicts else None
            if isinstance(verdict, EcholotError) and verdict is not exc:
                raise verdict from None
            raise
