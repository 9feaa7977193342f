"""Feedback: the links in delivered digests, `echolot serve` answering them over real HTTP on
127.0.0.1, single-use signed tokens, and the ranking change a reaction makes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg2
import pytest
import uvicorn
from delivery_harness import (
    DAY,
    SmtpServer,
    WebhookReceiver,
    free_port,
    insert_findings,
    project_config,
    sample_findings,
    webhook_environment,
)

from routing.condense import Condensed
from routing.deliver import DeliverySettings, deliver
from routing.digests import route
from routing.feedback import (
    FeedbackNotConfigured,
    FeedbackSettings,
    factors,
    reorder,
    settings_from_environment,
    sign,
)
from routing.feedback_server import create_app

MAIL = {"product": "product-team@lumora.example", "sales": "sales-team@lumora.example"}
SECRET = b"feedback-test-secret-" + b"y" * 40


@pytest.fixture
def endpoint(database_url: str, db: Any):
    """`echolot serve`'s app under uvicorn on 127.0.0.1; yields (base URL, settings)."""
    port = free_port()
    settings = FeedbackSettings(SECRET, public_url=f"http://127.0.0.1:{port}")
    app = create_app(lambda: psycopg2.connect(database_url, options="-c timezone=UTC"), settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield settings.public_url, settings
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch):
    smtp, hooks = SmtpServer(), WebhookReceiver()
    monkeypatch.setenv("ECHOLOT_SMTP_URL", smtp.url)
    for name, url in webhook_environment(hooks).items():
        monkeypatch.setenv(name, url)
    yield smtp, hooks
    smtp.stop()
    hooks.stop()


def delivered_links(db: Any, config: Any, settings: FeedbackSettings, hooks: WebhookReceiver,
                    day: datetime = DAY) -> dict[str, dict[str, str]]:  # fmt: skip
    """Route and deliver the product digest of a day; headline -> reaction -> URL, as the
    Slack message carries them."""
    insert_findings(db, sample_findings(day))
    route(db, config, day, day + timedelta(days=1), teams=["product"])
    deliver(db, config, teams=["product"], feedback=settings,
            settings=DeliverySettings(attempts=1, idle_seconds=0.5))  # fmt: skip
    blocks = hooks.received("/product/slack")[-1]["blocks"]
    links, headline = {}, None
    for block in blocks:
        if block["type"] == "section":
            headline = block["text"]["text"].split("  ", 1)[1]
        elif block.get("block_id", "").startswith("feedback-"):
            links[headline] = {e["action_id"].rsplit("-", 1)[0]: e["url"]
                               for e in block["elements"]}  # fmt: skip
    return links


def outbox_order(db: Any, day: datetime) -> list[str]:
    with db, db.cursor() as cur:
        cur.execute("SELECT o.payload FROM outbox o JOIN digests d ON d.id = o.digest_id "
                    "WHERE d.team = 'product' AND d.window_start = %s ORDER BY o.id DESC LIMIT 1",
                    (day,))  # fmt: skip
        return [item["headline"] for item in cur.fetchone()[0]["items"]]


def post(url: str, reaction: str) -> httpx.Response:
    return httpx.post(url.split("?")[0], data={"reaction": reaction}, timeout=10)


def test_a_reaction_through_the_endpoint_changes_the_next_digests_order(
    db, endpoint, receivers
) -> None:
    _, settings = endpoint
    _, hooks = receivers
    config = project_config(MAIL)
    links = delivered_links(db, config, settings, hooks)
    first_order = outbox_order(db, DAY)
    assert first_order == ["App crashes when pairing a lamp", "People ask for a sunrise timer",
                           "Battery drains overnight"]  # fmt: skip
    assert list(links) == first_order
    assert set(links["Battery drains overnight"]) == {"useful", "not_useful", "wrong_team"}

    answer = post(links["People ask for a sunrise timer"]["not_useful"], "not_useful")
    assert answer.status_code == 200 and "recorded" in answer.text

    # The next day's same findings: impact × factor, with factor = (2/3)·(2/3) = 0.44 for
    # feature requests about the app (README): 7.09 × 0.44 = 3.15 now ranks below the
    # battery bug report's 6.80.
    next_day = DAY + timedelta(days=1)
    delivered_links(db, config, settings, hooks, next_day)
    assert outbox_order(db, next_day) == ["App crashes when pairing a lamp",
                                          "Battery drains overnight",
                                          "People ask for a sunrise timer"]  # fmt: skip
    # Rerunning the first day's window renders its digest as it was (the reaction came after
    # it was written), so nothing is queued again.
    assert not route(db, config, DAY, DAY + timedelta(days=1), teams=["product"])[0].queued
    with db, db.cursor() as cur:
        cur.execute("SELECT team, kind, scope_kind, scope_value, useful, not_useful, wrong_team, "
                    "reactions, useful_share FROM v_feedback")  # fmt: skip
        assert cur.fetchall() == [("product", "feature_request", "product_area", "app",
                                   0, 1, 0, 1, 0)]  # fmt: skip


def test_forged_reused_and_expired_tokens_are_refused(db, endpoint, receivers) -> None:
    base, settings = endpoint
    _, hooks = receivers
    links = delivered_links(db, project_config(MAIL), settings, hooks)
    useful = links["App crashes when pairing a lamp"]["useful"]
    token = useful.split("/feedback/")[1].split("?")[0]

    page = httpx.get(useful, timeout=10)  # what a mail scanner following the link sees
    assert page.status_code == 200 and 'method="post"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert post(useful, "useful").status_code == 200  # the GET did not spend it
    assert post(useful, "not_useful").status_code == 409  # used: another reaction is refused
    assert httpx.get(useful, timeout=10).status_code == 409

    token_id, stamp, signature = token.split(".")
    other = FeedbackSettings(b"another-secret-" + b"z" * 40)
    forged = [
        f"{token_id}.{stamp}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{token_id}.{int(stamp) + 86400}.{signature}",  # a longer life, same signature
        sign(other, "feedback", token_id, datetime.fromtimestamp(int(stamp), UTC)),
        sign(settings, "feedback", "A" * 22, datetime.now(UTC) + timedelta(days=1)),  # not issued
        sign(settings, "digest", token_id, datetime.fromtimestamp(int(stamp), UTC)),  # wrong use
        "1", "../../etc/passwd", "x" * 5000,
    ]  # fmt: skip
    for bad in forged:
        answer = httpx.post(f"{base}/feedback/{bad}", data={"reaction": "useful"}, timeout=10)
        assert answer.status_code in (403, 404), bad
        assert "not valid" in answer.text or answer.status_code == 404

    # Expired: by its signed stamp, and by the database's record.
    crash_bug = links["Battery drains overnight"]["useful"]
    with db, db.cursor() as cur:
        cur.execute("UPDATE feedback_tokens SET expires_at = now() - interval '1 second' "
                    "WHERE token_id = %s", (crash_bug.split("/feedback/")[1].split(".")[0],))  # fmt: skip
    assert post(crash_bug, "useful").status_code == 410
    stale = FeedbackSettings(SECRET, public_url=base, ttl=timedelta(seconds=-1))
    assert httpx.post(f"{base}/feedback/{sign(stale, 'feedback', 'B' * 22, datetime.now(UTC))}",
                      data={"reaction": "useful"}, timeout=10).status_code == 410  # fmt: skip

    timer = links["People ask for a sunrise timer"]["useful"]
    assert post(timer, "love_it").status_code == 422
    with db, db.cursor() as cur:
        cur.execute("SELECT reaction, kind, scope_value FROM feedback_reactions")
        assert cur.fetchall() == [("useful", "bug_report", "app")]  # only the one valid click


def test_the_endpoint_exposes_nothing_else_and_digest_links_are_signed(
    db, endpoint, receivers
) -> None:
    base, settings = endpoint
    _, hooks = receivers
    delivered_links(db, project_config(MAIL), settings, hooks)
    for path in ("/docs", "/redoc", "/openapi.json", "/feedback", "/digest", "/digests/1", "/"):
        assert httpx.get(base + path, timeout=10).status_code == 404, path
    assert httpx.get(base + "/healthz", timeout=10).text == "ok"
    blocks = hooks.received("/product/slack")[-1]["blocks"]
    digest_url = blocks[-1]["elements"][0]["url"]
    page = httpx.get(digest_url, timeout=10)
    assert page.status_code == 200 and "Echolot digest for product" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    token_id = digest_url.rsplit("/", 1)[1].split(".")[0]
    guessed = sign(settings, "feedback", token_id, datetime.now(UTC) + timedelta(days=1))
    assert httpx.get(f"{base}/digest/{guessed}", timeout=10).status_code == 403


def test_the_secret_is_required_long_and_never_printed(monkeypatch) -> None:
    monkeypatch.setenv("ECHOLOT_FEEDBACK_SECRET", "short")
    with pytest.raises(FeedbackNotConfigured, match="at least 32 characters"):
        settings_from_environment()
    monkeypatch.setenv("ECHOLOT_FEEDBACK_SECRET", "s" * 40)
    monkeypatch.setenv("ECHOLOT_PUBLIC_URL", "https://echolot.example.com/")
    settings = settings_from_environment()
    assert settings.public_url == "https://echolot.example.com"
    assert "sss" not in repr(settings)


def group(kind: str, scope: str, severity: str, fid: int) -> Condensed:
    return Condensed({"id": fid, "kind": kind, "scope_kind": "product_area",
                      "scope_value": scope, "severity": severity})  # fmt: skip


def test_ranking_formula_on_a_fixed_set_of_findings() -> None:
    groups = [
        group("bug_report", "app", "critical", 1),
        group("bug_report", "app", "high", 2),
        group("feature_request", "app", "high", 3),
        group("bug_report", "battery", "medium", 4),
        group("churn_risk", "pricing", "medium", 5),
    ]
    impact = {1: 30.0, 2: 16.0, 3: 14.0, 4: 7.0, 5: 6.0}
    # bug reports about the app: 2 "not useful" and 1 "wrong team"; churn: 1 "useful"
    counts = [("bug_report", "product_area", "app", 0, 3), ("churn_risk", "product_area",
              "pricing", 1, 0)]  # fmt: skip
    factor = factors(counts)
    assert factor("bug_report", "product_area", "app") == 0.25  # (2/5)·(2/5) = 0.16 -> floor
    assert factor("bug_report", "product_area", "battery") == pytest.approx(0.4)  # kind only
    assert factor("churn_risk", "product_area", "pricing") == 2.0  # (3/2)·(3/2) -> cap
    assert factor("feature_request", "product_area", "app") == 1.0  # no feedback
    ranked = reorder(groups, lambda g: impact[g.lead["id"]], factor)
    # adjusted: 2 -> 4.0, 3 -> 14.0, 4 -> 2.8, 5 -> 12.0; the critical one keeps first place
    # although its kind and scope were marked "not useful".
    assert [g.lead["id"] for g in ranked] == [1, 3, 5, 2, 4]

    # A critical finding further down stays where impact put it; the rest move around it:
    # churn (6 × 2 = 12) overtakes the battery bug report (20 × 0.4 = 8), not the critical.
    groups = [group("bug_report", "battery", "medium", 4), group("bug_report", "app",
              "critical", 1), group("churn_risk", "pricing", "medium", 5)]  # fmt: skip
    impact = {4: 20.0, 1: 10.0, 5: 6.0}
    ranked = reorder(groups, lambda g: impact[g.lead["id"]], factor)
    assert [g.lead["id"] for g in ranked] == [5, 1, 4]
