"""Secrets stay secret: marker values in the X bearer token, the Reddit secret, the SMTP and the
broker passwords are used (the test checks they reach the wire) but never appear in logs, in
exception text, in the database or in outbox payloads.

Every case runs with the root logger at DEBUG (what an operator chasing a problem turns on),
captures printed output too, and ends with a dump of every text column of the database.
"""

from __future__ import annotations

import base64
import logging
import traceback
from datetime import timedelta

import pytest
import responses
from conftest import REPO
from db_dump import dump_strings, tables_containing
from delivery_harness import DAY, SmtpServer, insert_findings, project_config, sample_findings
from typer.testing import CliRunner

from echolot import store
from echolot.cli import app
from echolot.config import RedditSource, XSource
from ingest.retry import RetryPolicy
from ingest.runner import ingest_source
from routing.digests import route
from routing.relay import relay_outbox

X_TOKEN = "XTOKEN-MARKER-7f3a91c2"
REDDIT_SECRET = "REDDITSECRET-MARKER-29bd44"
SMTP_PASSWORD = "SMTPPASS-MARKER-55c1e0"
BROKER_PASSWORD = "AMQPPASS-MARKER-8e4d17"
MARKERS = (X_TOKEN, REDDIT_SECRET, SMTP_PASSWORD, BROKER_PASSWORD)
RECENT = "https://api.twitter.com/2/tweets/search/recent"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
X_PAGE = (REPO / "ingest/sample/data/x_search.jsonl").read_text().splitlines()[0]


@pytest.fixture
def secrets_set(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    monkeypatch.setenv("ECHOLOT_X_BEARER_TOKEN", X_TOKEN)
    monkeypatch.setenv("ECHOLOT_REDDIT_CLIENT_ID", "echolot-client")
    monkeypatch.setenv("ECHOLOT_REDDIT_CLIENT_SECRET", REDDIT_SECRET)
    monkeypatch.setattr("prawcore.sessions.time.sleep", lambda _s: None)
    caplog.set_level(logging.DEBUG)
    return caplog


def failure_text(call) -> str:
    """What an operator would see of a failure: the message and the whole traceback."""
    try:
        call()
    except Exception as exc:  # any failure: its text is what is checked
        return "".join(traceback.format_exception(exc))
    return ""


def assert_nowhere(db, *texts: str) -> None:
    dump = dump_strings(db)
    for marker in MARKERS:
        assert tables_containing(dump, marker) == [], marker
        for text in texts:
            assert marker not in text, (marker, text[-2000:])


FAST = RetryPolicy(sleep=lambda _s: None, max_attempts=2)


@responses.activate
def test_x_bearer_token_reaches_the_api_and_nothing_else(db, secrets_set, capfd) -> None:
    x = XSource(type="x", name="x_brand", queries=["lumora"])
    responses.add(responses.GET, RECENT, json={"title": "Unauthorized", "status": 401}, status=401)
    refused = failure_text(lambda: ingest_source(db, x, retry=FAST))
    responses.replace(responses.GET, RECENT, json={"title": "Service Unavailable"}, status=503)
    unavailable = failure_text(lambda: ingest_source(db, x, retry=FAST))
    responses.replace(responses.GET, RECENT, body=X_PAGE, content_type="application/json")
    report = ingest_source(db, x, retry=FAST)
    assert report.stored > 0
    assert "ECHOLOT_X_BEARER_TOKEN" in refused and "503" in unavailable
    # The marker was really used: it went out in the Authorization header.
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {X_TOKEN}"
    printed = capfd.readouterr()
    assert_nowhere(db, refused, unavailable, secrets_set.text, printed.out, printed.err)


@responses.activate
def test_x_token_stays_out_of_the_cli_error(db, secrets_set, tmp_path, capfd) -> None:
    project = tmp_path / "project.yaml"
    text = (REPO / "config/example.yaml").read_text().replace("../ingest", str(REPO / "ingest"))
    project.write_text(text.replace("    enabled: false\n    queries:", "    queries:", 1))
    responses.add(responses.GET, RECENT, json={"title": "Unauthorized", "status": 401}, status=401)
    result = CliRunner().invoke(app, ["ingest", "--config", str(project), "--source", "x_brand"])
    assert result.exit_code != 0 and "ECHOLOT_X_BEARER_TOKEN" in result.stderr
    assert f"Bearer {X_TOKEN}" == responses.calls[0].request.headers["Authorization"]
    printed = capfd.readouterr()
    assert_nowhere(db, result.output, result.stderr, secrets_set.text, printed.out, printed.err)


@responses.activate
def test_reddit_secret_reaches_the_token_endpoint_and_nothing_else(db, secrets_set, capfd) -> None:
    reddit = RedditSource(type="reddit", name="reddit_test", subreddits=["smarthome"])
    responses.add(responses.POST, TOKEN_URL, json={"error": 401, "message": "Unauthorized"},
                  status=401)  # fmt: skip
    refused = failure_text(lambda: ingest_source(db, reddit, retry=FAST))
    responses.replace(responses.POST, TOKEN_URL, json={"error": "invalid_grant"}, status=400)
    bad_grant = failure_text(lambda: ingest_source(db, reddit, retry=FAST))
    assert "ECHOLOT_REDDIT_CLIENT_SECRET" in refused and bad_grant
    sent = responses.calls[0].request.headers["Authorization"]
    assert base64.b64decode(sent.split()[1]).decode() == f"echolot-client:{REDDIT_SECRET}"
    printed = capfd.readouterr()
    assert_nowhere(db, refused, bad_grant, secrets_set.text, printed.out, printed.err)


def queued_digest(db) -> None:
    with db, db.cursor() as cur:
        store.upsert_digest_with_outbox(
            cur, project="lumora", team="sales", window_start=DAY,
            window_end=DAY + timedelta(days=1), detail_level="summary", finding_ids=[],
            body_text="Nothing new", content_hash="secrets-test", payload={"team": "sales"},
        )  # fmt: skip


def test_broker_password_stays_out_of_errors_and_the_outbox(db, secrets_set, capfd) -> None:
    queued_digest(db)
    # The real broker refusing the login, and a broker that is not there at all.
    wrong_login = f"amqp://guest:{BROKER_PASSWORD}@127.0.0.1:5672//"
    nobody = f"amqp://echolot:{BROKER_PASSWORD}@127.0.0.1:9//"
    texts = []
    for url in (wrong_login, nobody):
        report = None

        def relay(url: str = url) -> None:
            nonlocal report
            report = relay_outbox(db, url)

        texts.append(failure_text(relay))
        texts.append(str(report.error) if report is not None else "")
    with db, db.cursor() as cur:
        cur.execute("SELECT last_error, attempts FROM outbox")
        last_error, attempts = cur.fetchone()
    assert attempts >= 1 and last_error and "publishing to amqp://" in last_error
    printed = capfd.readouterr()
    assert_nowhere(db, *texts, last_error, secrets_set.text, printed.out, printed.err)


def test_smtp_password_stays_out_of_errors_and_the_database(
    db, secrets_set, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    from aiosmtpd.smtp import AuthResult

    from routing.deliver import DeliverySettings, deliver

    tried = []

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        tried.append(auth_data.password)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

    smtp = SmtpServer(authenticator=authenticate, auth_require_tls=False,
                      auth_exclude_mechanism=["LOGIN"])  # fmt: skip
    try:
        monkeypatch.setenv(
            "ECHOLOT_SMTP_URL",
            f"smtp://echolot:{SMTP_PASSWORD}@127.0.0.1:{smtp.port}?starttls=false",
        )
        config = project_config({"product": "p@lumora.example", "sales": "s@lumora.example"},
                                product={"deliver": [{"type": "email", "to": ["p@lumora.example"]}]},
                                sales={"deliver": [{"type": "email", "to": ["s@lumora.example"]}]})  # fmt: skip
        insert_findings(db, sample_findings())
        route(db, config, DAY, DAY + timedelta(days=1))
        settings = DeliverySettings(attempts=2, backoff_seconds=0.01, idle_seconds=1.0)
        reports = deliver(db, config, settings=settings, sleep=lambda _s: None)
    finally:
        smtp.stop()
    assert tried and tried[0] == SMTP_PASSWORD.encode()
    reasons = [reason for r in reports for reason in r.reasons]
    assert reasons and all("535" in reason for reason in reasons)
    printed = capfd.readouterr()
    assert_nowhere(db, *reasons, *(str(r) for r in reports), secrets_set.text, printed.out,
                   printed.err)  # fmt: skip
