"""The campaign KPI chain on the sample corpus, a campaign without owned posts, an empty window,
and `echolot kpi`."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg2
import pytest
from conftest import REPO
from reach_sample import MANIFEST, sample
from typer.testing import CliRunner

from echolot.cli import app
from echolot.config import load_config
from reach.stage import campaign_chain


@pytest.fixture(scope="module")
def corpus(new_database):
    return sample(new_database)


def chain_of(url: str, config, name: str = "glow-week", **window) -> dict:
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    try:
        return campaign_chain(conn, config, name, *window.get("span", ()))
    finally:
        conn.close()


def test_sample_campaign_fills_all_four_steps_and_ratios(corpus) -> None:
    chain = chain_of(corpus.url, corpus.config)
    assert chain["window_start"] == datetime(2026, 11, 5, tzinfo=UTC)
    impulses, network = chain["impulses"], chain["network"]
    amplifiers, outcomes = chain["amplifiers"], chain["outcomes"]
    assert impulses["owned_posts"] > 0 and impulses["hashtag_first_uses"] > 0
    assert network["participants"] > 100 and network["new_authors"] > 0
    assert network["returning_authors"] > 0 and network["cascades"] > 0
    assert network["max_depth"] >= 2
    # The planted leaders took part in Glow Week; most of its audience came through them.
    assert {"GadgetGrant", "BrightNestNora"} <= set(amplifiers["leaders"])
    assert 0.5 < amplifiers["leader_share_of_reach"] <= 1
    assert amplifiers["amplification_rate"] > 1
    assert 0.5 < outcomes["share_of_voice"] < 1
    assert set(outcomes["voices"]) == {"Lumora", "Brightwave", "Kelvo"}
    assert outcomes["purchase_intent"] > 0 and outcomes["product_feedback"] > 0
    assert all(value is not None and value > 0 for value in chain["ratios"].values())
    assert chain["breaks_at"] is None


def test_planted_sentiment_shift_shows_in_the_outcome_step(corpus) -> None:
    sentiment = chain_of(corpus.url, corpus.config)["outcomes"]["sentiment"]
    shift_day = MANIFEST["sentiment_shift"]["date"]
    worst = sentiment["worst_day"]
    assert worst["day"] == shift_day
    # Clearly below the pre-campaign baseline: the whole 95 % interval is under zero.
    assert worst["ci_high"] < 0 and worst["delta"] <= -0.25
    assert shift_day in sentiment["significant_drops"]
    assert sentiment["baseline_posts"] > 50
    assert sentiment["ci_low"] <= sentiment["delta"] <= sentiment["ci_high"]


def test_campaign_without_owned_accounts_still_has_impulses(corpus) -> None:
    glow = corpus.config.campaigns[0]
    unowned = glow.model_copy(update={"name": "glow-week-unowned", "owned_accounts": []})
    config = corpus.config.model_copy(update={"campaigns": [unowned]})
    chain = chain_of(corpus.url, config, "glow-week-unowned")
    assert chain["impulses"]["owned_posts"] == 0
    assert chain["impulses"]["total"] == chain["impulses"]["hashtag_first_uses"] > 0
    assert chain["network"]["participants"] > 0 and chain["breaks_at"] is None


def test_a_window_without_posts_breaks_at_impulses(corpus) -> None:
    span = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    chain = chain_of(corpus.url, corpus.config, span=span)
    assert chain["breaks_at"] == "impulses"
    assert chain["impulses"]["total"] == chain["network"]["participants"] == 0
    assert chain["amplifiers"]["leader_share_of_reach"] is None
    assert chain["outcomes"]["sentiment"]["delta"] is None
    assert all(value is None for value in chain["ratios"].values())


def test_echolot_kpi_prints_the_chain(corpus, monkeypatch) -> None:
    monkeypatch.setenv("ECHOLOT_DATABASE_URL", corpus.url)
    result = CliRunner().invoke(
        app, ["kpi", "--config", str(REPO / "config/example.yaml"), "--campaign", "glow-week"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("KPI chain for campaign glow-week (lumora), 2026-11-05")
    for step in ("1 Impulses", "2 Network", "3 Amplifiers", "4 Outcomes"):
        assert step in lines
    assert any(line.startswith("    -> participants per impulse") for line in lines)
    assert any("worst day                 2026-11-09" in line for line in lines)
    assert lines[-1] == "chain complete: every step has activity"


def test_echolot_kpi_names_an_unknown_campaign(db) -> None:
    result = CliRunner().invoke(
        app, ["kpi", "--config", str(REPO / "config/example.yaml"), "--campaign", "spring"]
    )
    assert result.exit_code == 2
    assert "has no campaign 'spring' (campaigns: glow-week)" in result.output


def test_reach_stage_stores_the_chain_of_overlapping_campaigns(corpus) -> None:
    config = load_config(REPO / "config/example.yaml")
    with psycopg2.connect(corpus.url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT campaign, window_start, window_end, impulses_total, participants, "
            "leaders_engaged, share_of_voice, sentiment_delta, breaks_at FROM v_campaign_kpis "
            "WHERE campaign = %s AND window_start = %s AND window_end = %s",
            ("glow-week", config.campaigns[0].start, config.campaigns[0].end),
        )
        row = cur.fetchone()
    assert row is not None and row[3] > 0 and row[4] > 0 and row[5] >= 2
    assert row[8] is None
