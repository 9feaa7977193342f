"""X ingestion replayed from recorded API v2 pages (the sample corpus) — never a live call."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
import yaml
from conftest import REPO, count
from responses import matchers
from typer.testing import CliRunner

from echolot import store
from echolot.cli import app
from echolot.config import XSource
from ingest.retry import RetryableSourceError, RetryPolicy, SourceAccessError
from ingest.x_connector import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, make_client
from ingest.x_source import BUDGET_KEY, ingest_x

RECENT = "https://api.twitter.com/2/tweets/search/recent"
ALL = "https://api.twitter.com/2/tweets/search/all"
QUERY = "lumora -is:retweet"
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
PAGES = [
    json.loads(line)
    for line in (REPO / "ingest/sample/data/x_search.jsonl").read_text().splitlines()[:4]
]


def last_page(page: dict) -> dict:
    """The same page, as the final one of a result set (no next_token)."""
    meta = {k: v for k, v in page["meta"].items() if k != "next_token"}
    return {**page, "meta": meta}


def source(**settings) -> XSource:
    return XSource(type="x", name="x_test", queries=[QUERY], **settings)


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def policy(sleep: FakeSleep, **settings) -> RetryPolicy:
    return RetryPolicy(sleep=sleep, clock=lambda: NOW.timestamp(), **settings)


def expect(url: str, body: dict | None = None, status: int = 200, headers=None, **params) -> None:
    responses.add(
        responses.GET,
        url,
        json=body if body is not None else {},
        status=status,
        headers=headers or {},
        match=[matchers.query_param_matcher(params, strict_match=False)],
    )


def checkpoint(db, query: str = QUERY) -> dict:
    with db, db.cursor() as cur:
        return store.load_checkpoint(cur, "x_test", query)


def run(db, sleep: FakeSleep | None = None, **kwargs):
    return ingest_x(db, kwargs.pop("src", source()), make_client("test-token"),
                    retry=policy(sleep or FakeSleep()), now=NOW, **kwargs)  # fmt: skip


@responses.activate
def test_paginates_three_pages_with_documented_parameters_then_continues_from_since_id(db) -> None:
    expect(RECENT, PAGES[0], query=QUERY, max_results="100")
    expect(RECENT, PAGES[1], next_token=PAGES[0]["meta"]["next_token"])
    expect(RECENT, last_page(PAGES[2]), next_token=PAGES[1]["meta"]["next_token"])

    report = run(db)

    first = responses.calls[0].request
    assert first.headers["Authorization"] == "Bearer test-token"
    params = responses.calls[0].request.params
    assert params["expansions"] == ",".join(EXPANSIONS)
    assert params["tweet.fields"] == ",".join(TWEET_FIELDS)
    assert "note_tweet" in params["tweet.fields"].split(",")  # long posts: the full text
    assert params["user.fields"] == ",".join(USER_FIELDS)
    assert "since_id" not in params
    assert report.pages == 3 and report.quarantined == 0
    assert report.fetched >= 300 and report.stored == count(db, "posts")
    assert report.budget_used == 300
    assert checkpoint(db) == {"since_id": PAGES[0]["meta"]["newest_id"], "complete": False}

    # The next run asks only for what is newer than the newest stored tweet.
    responses.reset()
    expect(RECENT, last_page(PAGES[3]), since_id=PAGES[0]["meta"]["newest_id"])
    again = run(db)
    assert len(responses.calls) == 1
    assert again.pages == 1


@responses.activate
def test_rate_limit_waits_for_reset_then_succeeds(db) -> None:
    reset = int(NOW.timestamp()) + 20
    expect(RECENT, {"title": "Too Many Requests"}, status=429,
           headers={"x-rate-limit-reset": str(reset)})  # fmt: skip
    expect(RECENT, last_page(PAGES[0]))
    sleep = FakeSleep()
    report = run(db, sleep)
    assert sleep.calls == [21]
    assert report.pages == 1


@responses.activate
def test_rate_limit_beyond_max_wait_ends_retryable_and_a_rerun_resumes(db) -> None:
    expect(RECENT, PAGES[0])
    reset = int(NOW.timestamp()) + 900
    expect(RECENT, {"title": "Too Many Requests"}, status=429,
           headers={"x-rate-limit-reset": str(reset)},
           next_token=PAGES[0]["meta"]["next_token"])  # fmt: skip
    with pytest.raises(RetryableSourceError, match="resets in 901 s, longer than the 60 s"):
        run(db)
    stored_after_first_page = count(db, "posts")
    pending = checkpoint(db)["pending"]
    assert pending["next_token"] == PAGES[0]["meta"]["next_token"]

    responses.reset()
    expect(RECENT, last_page(PAGES[1]), next_token=PAGES[0]["meta"]["next_token"])
    report = run(db)
    assert report.pages == 1
    assert count(db, "posts") > stored_after_first_page
    # since_id only advances once the whole result set is stored.
    assert checkpoint(db) == {"since_id": PAGES[0]["meta"]["newest_id"], "complete": False}


@responses.activate
def test_server_errors_are_retried_with_exponential_backoff(db) -> None:
    expect(RECENT, {"title": "Service Unavailable"}, status=503)
    expect(RECENT, {"title": "Service Unavailable"}, status=503)
    expect(RECENT, last_page(PAGES[0]))
    sleep = FakeSleep()
    report = run(db, sleep)
    assert sleep.calls == [1.0, 2.0]
    assert report.pages == 1


@responses.activate
def test_persistent_server_errors_end_retryable_keeping_stored_pages(db) -> None:
    expect(RECENT, PAGES[0])
    for _ in range(5):
        expect(RECENT, {"title": "Service Unavailable"}, status=503,
               next_token=PAGES[0]["meta"]["next_token"])  # fmt: skip
    sleep = FakeSleep()
    with pytest.raises(RetryableSourceError, match=r"still failing after 5 attempts \(HTTP 503"):
        run(db, sleep)
    assert sleep.calls == [1.0, 2.0, 4.0, 8.0]
    assert count(db, "posts") > 0


@responses.activate
def test_credentials_and_access_tier_errors_are_explained(db) -> None:
    expect(RECENT, {"title": "Unauthorized", "status": 401}, status=401)
    with pytest.raises(
        SourceAccessError,
        match=r"rejected the credentials \(HTTP 401\); check ECHOLOT_X_BEARER_TOKEN",
    ):
        run(db)
    expect(ALL, {"client_id": "1", "required_enrollment": "Pro", "title": "Client Forbidden",
                 "reason": "client-not-enrolled",
                 "errors": [{"message": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.", "code": 453}]},
           status=403)  # fmt: skip
    with pytest.raises(SourceAccessError, match="access tier does not include this endpoint"):
        run(db, src=source(full_archive=True))


@responses.activate
def test_monthly_budget_stops_cleanly_and_renews_next_month(db) -> None:
    expect(RECENT, PAGES[0], max_results="100")
    half = {**PAGES[1], "data": PAGES[1]["data"][:50],
            "meta": {**PAGES[1]["meta"], "result_count": 50}}  # fmt: skip
    expect(RECENT, half, max_results="50", next_token=PAGES[0]["meta"]["next_token"])
    report = run(db, src=source(monthly_read_budget=150))
    assert report.budget_used == 150
    assert report.stopped == "monthly read budget reached"
    with db, db.cursor() as cur:
        assert store.load_checkpoint(cur, "x_test", BUDGET_KEY)["month"] == "2026-11"

    responses.reset()
    again = run(db, src=source(monthly_read_budget=150))
    assert len(responses.calls) == 0 and again.stopped == "monthly read budget reached"

    # December: a fresh budget, and the run resumes where November stopped.
    expect(RECENT, last_page(PAGES[2]), next_token=PAGES[1]["meta"]["next_token"])
    december = ingest_x(db, source(monthly_read_budget=150), make_client("t"),
                        retry=policy(FakeSleep()), now=datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip
    assert december.pages == 1 and december.stopped is None


@responses.activate
def test_exact_window_uses_start_and_end_time_and_is_not_fetched_twice(db) -> None:
    window = (datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC))
    expect(RECENT, last_page(PAGES[0]), start_time="2026-11-09T00:00:00Z",
           end_time="2026-11-10T00:00:00Z")  # fmt: skip
    first = run(db, window=window)
    counts = count(db, "posts")
    again = run(db, window=window)
    assert first.pages == 1 and again.pages == 0
    assert len(responses.calls) == 1
    assert count(db, "posts") == counts
    # The window's checkpoint is its own; the incremental since_id is untouched.
    assert checkpoint(db) == {}


@responses.activate
def test_minimal_response_without_includes(db) -> None:
    page = {"data": [{"id": "1", "text": "Lumora ok", "author_id": "7",
                      "created_at": "2026-11-02T10:00:00.000Z", "edit_history_tweet_ids": ["1"]}],
            "meta": {"newest_id": "1", "oldest_id": "1", "result_count": 1}}  # fmt: skip
    expect(RECENT, page)
    report = run(db)
    assert report.stored == 1
    assert count(db, "authors", "platform_id = '7' AND username IS NULL") == 1


@responses.activate
def test_empty_result_set(db) -> None:
    expect(RECENT, {"meta": {"result_count": 0}})
    report = run(db)
    assert report.pages == 1 and report.fetched == 0


def ingest_x_only(tmp_path, **settings):
    """`echolot ingest` on the example project with one live X source (settings added)."""
    config = yaml.safe_load((REPO / "config/example.yaml").read_text())
    config["sources"] = [{"name": "x_live", "type": "x", "queries": [QUERY], **settings}]
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(config))
    return CliRunner().invoke(app, ["ingest", "--config", str(path)])


@responses.activate
def test_cli_ingest_of_an_x_source_prints_budget_used(db, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ECHOLOT_X_BEARER_TOKEN", "secret-token")
    expect(RECENT, last_page(PAGES[0]), query=QUERY)

    result = ingest_x_only(tmp_path, monthly_read_budget=5000)
    assert result.exit_code == 0, result.output
    assert "x_live: read budget used 100/5000" in result.stdout
    assert "secret-token" not in result.output


@responses.activate
def test_cli_exits_75_when_the_rate_limit_outlasts_the_allowed_wait(
    db, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ECHOLOT_X_BEARER_TOKEN", "t")
    reset = int(datetime.now(UTC).timestamp()) + 600
    expect(RECENT, {"title": "Too Many Requests"}, status=429,
           headers={"x-rate-limit-reset": str(reset)})  # fmt: skip
    result = ingest_x_only(tmp_path, max_rate_limit_wait_seconds=0)
    assert result.exit_code == 75
    assert "X API rate limit reached" in result.stderr
