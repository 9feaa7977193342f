"""Findings reach the right teams, at their detail level and cadence, on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import REPO, count, drain

from echolot.app.pipeline import run_pipeline
from echolot.config import load_config
from echolot.errors import ConfigError
from routing.digests import dispatch, route, send_alerts
from routing.relay import relay_outbox, team_queue

EXAMPLE = REPO / "config" / "example.yaml"


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE)


def with_teams(config, **changes):
    """The example project with some team settings changed (e.g. sales={"detail": "full"})."""
    teams = {
        name: team.model_copy(update=changes.get(name, {})) for name, team in config.teams.items()
    }
    return config.model_copy(update={"teams": teams})


def digest_rows(db, kind: str = "digest") -> list[dict]:
    with db, db.cursor() as cur:
        cur.execute(
            "SELECT id, team, window_start, window_end, finding_ids, body_text, body_html, "
            "body_markdown FROM digests WHERE kind = %s ORDER BY id",
            (kind,),
        )
        names = [d.name for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def findings_by_id(db, ids) -> dict[int, tuple]:
    with db, db.cursor() as cur:
        cur.execute("SELECT id, kind, scope_value, severity, window_start FROM findings "
                    "WHERE id = ANY(%s)", (list(ids),))  # fmt: skip
        return {row[0]: row[1:] for row in cur.fetchall()}


def forget_deliveries(db) -> None:
    """Start from stored findings that no team has heard of yet."""
    with db, db.cursor() as cur:
        cur.execute("TRUNCATE digests, outbox, finding_deliveries")


def test_sample_run_sends_the_planted_events_to_the_right_teams(
    db, config, amqp_url, exchange_name
) -> None:
    run_pipeline(db, config)
    relay_outbox(db, amqp_url, exchange_name)
    # What each team's consumers receive from its queue.
    received = {}
    for team in ("sales", "product"):
        [message] = drain(amqp_url, team_queue("lumora", team, exchange_name))
        received[team] = message.decode()["text"]
    product, sales = received["product"], received["sales"]

    # Product development (full detail): the app update that broke schedules leads its digest,
    # with the bug reports about the app and the evidence quoted in full.
    first_item = product.splitlines()[3]
    assert first_item.startswith("[CRITICAL] Sentiment on app (product area) fell")
    assert "on 2026-11-09" in first_item
    assert "bug reports on app on 2026-11-09" in product
    assert "Lumora App 5.2 broke schedules" in product
    assert "feature request" in product
    # Sales (summary, medium and up): purchase-intent leads with their authors' reach, churn
    # risk and competitor comparisons; nothing low, nothing about product areas.
    assert "purchase-intent leads mentioning Lumora" in sales
    assert "threatening to leave" in sales
    assert "[LOW]" not in sales and "(product area)" not in sales
    # The planted opinion leader's outburst about the broken update, and the campaign's chain.
    assert "Opinion leader @GadgetGrant" in sales
    assert "Campaign glow-week, 2026-11-05 to 2026-11-12" in sales
    # Deal bots are neither counted as voices nor quoted.
    for bot in ("glowdeals_24", "luxlight_offers", "smartdeal_bot77", "bulbsale4u",
                "glow_deals_shop"):  # fmt: skip
        assert bot not in sales and bot not in product
    assert "Key figures:" in sales and "Evidence:" in sales
    for block in sales.split("\n\n")[1:]:
        assert block.count("\n      - ") <= 3  # summary: at most three posts per finding

    rows = {r["team"]: r for r in digest_rows(db)}
    assert (
        "<svg" in rows["product"]["body_html"] and "Lumora App 5.2" in rows["product"]["body_html"]
    )
    assert rows["sales"]["body_markdown"].startswith("# ")
    with db, db.cursor() as cur:
        cur.execute("SELECT payload FROM outbox ORDER BY id")
        payloads = [row[0] for row in cur.fetchall()]
    assert {p["team"] for p in payloads} == {"sales", "product"}
    assert all(p["schema_version"] == 2 and p["text"] and p["html"] for p in payloads)


def test_detail_levels_shape_the_digest(db, config) -> None:
    run_pipeline(db, config)
    window = (at(8), at(11))
    texts = {}
    for detail in ("headline", "summary", "full"):
        forget_deliveries(db)
        variant = with_teams(config, product={"detail": detail})
        [report] = route(db, variant, *window, teams=["product"])
        texts[detail] = report.body
    headline, summary, full = texts["headline"], texts["summary"], texts["full"]
    # Headline: one line per finding and nothing else.
    items = [line for line in headline.splitlines() if line.startswith("[")]
    assert items and len(headline.splitlines()) <= len(items) + 4
    assert "Evidence" not in headline and "Key figures" not in headline
    # Summary: figures and up to three excerpts; full: every post, whole, plus tables.
    assert "Key figures" in summary and "Evidence" in summary
    assert full.count("\n      - ") > summary.count("\n      - ")
    assert len(full) > len(summary) > len(headline)
    assert "Finding #" in full and "Finding #" not in summary


def test_a_severe_finding_is_alerted_at_once_and_the_daily_digest_waits(db, config) -> None:
    run_pipeline(db, config)
    forget_deliveries(db)
    quiet = with_teams(config, product={"cadence": config.teams["product"].cadence.model_copy(
        update={"quiet_hours": config.teams["sales"].cadence.quiet_hours})})  # fmt: skip

    # 9 November, 15:00 in Berlin: the schedule broke that morning.
    sent, held = dispatch(db, quiet, at(9, 14))
    alerts = {r.team: r for r in sent if r.kind == "alert"}
    assert set(alerts) == {"sales", "product"} and held == []
    assert "Sentiment on app (product area) fell" in alerts["product"].body
    assert "[CRITICAL]" in alerts["product"].body and "[LOW]" not in alerts["product"].body
    assert "purchase-intent leads mentioning Lumora on 2026-11-09" in alerts["sales"].body
    # Sales' daily digest of the period that ended at 08:00 Berlin went out; the 9th's
    # findings are not complete in it and wait for the next morning.
    [daily] = [r for r in sent if r.kind == "digest" and r.team == "sales"]
    [row] = [r for r in digest_rows(db) if r["id"] == daily.digest_id]
    assert (row["window_start"], row["window_end"]) == (at(8, 7), at(9, 7))
    assert all(f[3] < at(9) for f in findings_by_id(db, row["finding_ids"]).values())

    # A later tick never repeats a finding (it may carry new ones, or ones max_items held back).
    first_alerts = {fid for alert in digest_rows(db, "alert") for fid in alert["finding_ids"]}
    dispatch(db, quiet, at(9, 15))
    later = [a for a in digest_rows(db, "alert") if a["window_end"] == at(9, 15)]
    for alert in later:
        assert not set(alert["finding_ids"]) & first_alerts

    # Next morning's daily digest carries the 9th, minus what sales was alerted about.
    sent, _ = dispatch(db, quiet, at(10, 7, 30))
    [daily] = [r for r in sent if r.kind == "digest" and r.team == "sales"]
    [row] = [r for r in digest_rows(db) if r["id"] == daily.digest_id]
    assert (row["window_start"], row["window_end"]) == (at(9, 7), at(10, 7))
    shown = findings_by_id(db, row["finding_ids"])
    assert shown and all(f[3] == at(9) for f in shown.values())
    alerted = {fid for alert in digest_rows(db, "alert") for fid in alert["finding_ids"]}
    assert alerted and not set(row["finding_ids"]) & alerted


def test_quiet_hours_hold_alerts_except_critical_ones(db, config) -> None:
    run_pipeline(db, config)
    forget_deliveries(db)
    quiet = with_teams(config, product={"cadence": config.teams["product"].cadence.model_copy(
        update={"quiet_hours": config.teams["sales"].cadence.quiet_hours})})  # fmt: skip
    # 23:30 in Berlin: only critical alerts go out; sales' high ones wait until 07:00.
    sent, held = send_alerts(db, quiet, at(9, 22, 30))
    assert {r.team for r in sent} == {"sales", "product"}
    for report in sent:
        items = [line for line in report.body.splitlines() if line.startswith("[")]
        assert items and all(line.startswith("[CRITICAL]") for line in items)
    assert [(h.team, h.until) for h in held] == [("sales", at(10, 6))]
    sent, held = send_alerts(db, quiet, at(10, 6, 5))
    assert [r.team for r in sent] == ["sales"] and held == []
    assert "[HIGH]" in sent[0].body


def test_a_finding_is_sent_again_only_when_it_escalates(db, config) -> None:
    run_pipeline(db, config)
    forget_deliveries(db)
    [first] = route(db, config, at(8), at(10), teams=["sales"])
    with db, db.cursor() as cur:
        cur.execute("SELECT finding_ids FROM digests WHERE id = %s", (first.digest_id,))
        ids = cur.fetchone()[0]
        cur.execute("SELECT id FROM findings WHERE id = ANY(%s) AND severity = 'medium' "
                    "ORDER BY id LIMIT 1", (ids,))  # fmt: skip
        escalating = cur.fetchone()[0]
        cur.execute("UPDATE findings SET severity = 'high' WHERE id = %s", (escalating,))
    # A wider window covers the same findings: only the escalated one comes back.
    [second] = route(db, config, at(7), at(10), teams=["sales"])
    with db, db.cursor() as cur:
        cur.execute("SELECT finding_ids FROM digests WHERE id = %s", (second.digest_id,))
        again = set(cur.fetchone()[0]) & set(ids)
    assert again == {escalating}
    assert "(escalated)" in second.body
    # Rerunning that window renders the same digest and queues nothing new.
    messages = count(db, "outbox")
    [rerun] = route(db, config, at(7), at(10), teams=["sales"])
    assert rerun.digest_id == second.digest_id and rerun.body == second.body
    assert count(db, "outbox") == messages


def test_invalid_routing_config_names_the_key(tmp_path) -> None:
    text = EXAMPLE.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("      alert_above: high\n", "      alert_above: urgent\n")
                   .replace("max_items: 15", "max_itemz: 15"))  # fmt: skip
    with pytest.raises(ConfigError) as error:
        load_config(bad)
    message = str(error.value)
    assert "teams.sales.cadence.alert_above" in message and "urgent" in message
    assert "teams.sales.max_itemz: unknown key" in message

    bad.write_text(text.replace("brands: [Lumora, Brightwave, Kelvo]", "brands: [Lumora, Glowy]"))
    with pytest.raises(ConfigError, match=r"teams.sales.filters.brands: unknown brand 'Glowy'"):
        load_config(bad)
