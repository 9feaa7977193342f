"""Incremental X ingestion: since_id checkpoints, exact windows, and the monthly read budget.

Checkpoint per (source, query):
  {"since_id": newest id of the last completed run,
   "pending": {"since_id", "next_token", "newest_id"} while a run is part-way through}
Recent search pages go from newest to oldest, so since_id may only advance once every page of a
run is stored; until then `pending` lets a crashed or rate-limited run resume where it stopped.
An exact window (a backfill or an Airflow data interval) has a checkpoint of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg2.extensions
import tweepy

from echolot import store
from echolot.config import XSource
from echolot.models import Window
from ingest import x_payload
from ingest.report import SourceReport
from ingest.retry import RetryPolicy
from ingest.writer import write_page
from ingest.x_connector import MIN_RESULTS, search_pages

BUDGET_KEY = "__monthly_read_budget__"


def ingest_x(
    conn: psycopg2.extensions.connection,
    source: XSource,
    client: tweepy.Client,
    *,
    window: Window | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SourceReport:
    report = SourceReport(source=source.name, budget_limit=source.monthly_read_budget)
    with conn, conn.cursor() as cur:
        budget = MonthlyBudget.load(cur, source, now or datetime.now(UTC))

    for query in source.queries:
        key = (
            query
            if window is None
            else f"{query} @ {window[0].isoformat()}/{window[1].isoformat()}"
        )
        with conn, conn.cursor() as cur:
            checkpoint = store.load_checkpoint(cur, source.name, key)
        if window is not None and checkpoint.get("complete"):
            continue  # this exact window is already stored in full
        pending: dict[str, Any] = checkpoint.get("pending") or {}
        since_id = None if window else pending.get("since_id", checkpoint.get("since_id"))
        newest_id = pending.get("newest_id")
        if budget.remaining < MIN_RESULTS:
            report.stopped = "monthly read budget reached"
            break
        pages = search_pages(
            client,
            query,
            source=source.name,
            full_archive=source.full_archive,
            since_id=since_id,
            start_time=window[0] if window else None,
            end_time=window[1] if window else None,
            next_token=pending.get("next_token"),
            page_size=lambda: budget.remaining,
            retry=retry,
        )
        for page in pages:
            normalised = x_payload.read_page(page)
            meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
            data = page.get("data")
            budget.used += len(data) if isinstance(data, list) else 0
            newest_id = _newer(newest_id, meta.get("newest_id"))
            next_token = meta.get("next_token")
            if next_token:
                state = {**checkpoint, "pending": {"since_id": since_id, "next_token": next_token,
                                                   "newest_id": newest_id}}  # fmt: skip
            else:
                state = {k: v for k, v in checkpoint.items() if k != "pending"}
                state["since_id"] = _newer(checkpoint.get("since_id"), newest_id)
                state["complete"] = window is not None
            # Page, query checkpoint and budget commit together, or not at all.
            with conn, conn.cursor() as cur:
                counts = write_page(cur, source.name, normalised)
                store.save_checkpoint(cur, source.name, key, state)
                budget.save(cur)
            report.add_page(normalised.batch, counts, unavailable=len(normalised.unavailable))
            if on_page:
                on_page(report.pages)
            if next_token and budget.remaining < MIN_RESULTS:
                report.stopped = "monthly read budget reached"
                break
        if report.stopped:
            break
    report.budget_used = budget.used
    return report


@dataclass
class MonthlyBudget:
    """Posts read this calendar month (UTC) against the source's cap; it renews each month."""

    source: str
    month: str
    limit: int
    used: int

    @classmethod
    def load(cls, cur: store.Cursor, source: XSource, now: datetime) -> MonthlyBudget:
        month = f"{now:%Y-%m}"
        saved = store.load_checkpoint(cur, source.name, BUDGET_KEY)
        used = saved.get("used", 0) if saved.get("month") == month else 0
        return cls(source.name, month, source.monthly_read_budget, used)

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def save(self, cur: store.Cursor) -> None:
        store.save_checkpoint(
            cur, self.source, BUDGET_KEY, {"month": self.month, "used": self.used}
        )


def _newer(a: str | None, b: str | None) -> str | None:
    """The larger of two tweet ids (ids grow with time; compare as numbers, not strings)."""
    a = a if isinstance(a, str) and a.isdigit() else None
    b = b if isinstance(b, str) and b.isdigit() else None
    if not a or not b:
        return a or b
    return a if int(a) >= int(b) else b
