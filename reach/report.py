"""The KPI chain as text for the terminal: four steps, then the ratios between them."""

from __future__ import annotations

from typing import Any


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def format_chain(project: str, row: dict[str, Any]) -> str:
    """`row` as returned by store.campaign_kpi_rows."""
    impulses, network = row["impulses"], row["network"]
    amplifiers, outcomes, ratios = row["amplifiers"], row["outcomes"], row["ratios"]
    sentiment = outcomes["sentiment"]
    worst = sentiment.get("worst_day")
    start, end = row["window_start"].isoformat(), row["window_end"].isoformat()
    lines = [
        f"KPI chain for campaign {row['campaign']} ({project}), {start} – {end}",
        "",
        "1 Impulses",
        f"  owned posts               {_number(impulses['owned_posts'])}",
        f"  first hashtag uses        {_number(impulses['hashtag_first_uses'])}",
        f"  impulses in total         {_number(impulses['total'])}"
        f"   (campaign posts: {_number(impulses['campaign_posts'])})",
        f"    -> participants per impulse      {_number(ratios['participants_per_impulse'])}",
        "2 Network",
        f"  participating authors     {_number(network['participants'])}"
        f"   (new {_number(network['new_authors'])},"
        f" returning {_number(network['returning_authors'])})",
        f"  cascades                  {_number(network['cascades'])}"
        f"   (posts {_number(network['posts_in_cascades'])},"
        f" largest {_number(network['largest_cascade'])},"
        f" depth max {_number(network['max_depth'])}, mean {_number(network['mean_depth'])})",
        f"    -> amplifications per original   {_number(ratios['amplifications_per_original'])}",
        "3 Amplifiers",
        f"  opinion leaders engaged   {_number(amplifiers['leaders_engaged'])}"
        + (f"   ({', '.join(amplifiers['leaders'][:8])})" if amplifiers["leaders"] else ""),
        f"  reach (audiences)         {_number(amplifiers['reach'])}"
        f"   through leaders {_percent(amplifiers['leader_share_of_reach'])}",
        f"  potential impressions     {_number(amplifiers['potential_impressions'])}"
        f"   (reported: {_number(amplifiers['actual_impressions'])})",
        f"  amplification rate        {_number(amplifiers['amplification_rate'])}"
        f"   ({_number(amplifiers['amplifications'])} amplifications of"
        f" {_number(amplifiers['originals'])} originals)",
        f"    -> outcome posts per participant {_number(ratios['outcome_posts_per_participant'])}",
        "4 Outcomes",
        f"  share of voice            {_percent(outcomes['share_of_voice'])}   "
        + ", ".join(f"{name} {count}" for name, count in outcomes["voices"].items()),
        f"  sentiment                 {_number(sentiment['mean'])} vs baseline"
        f" {_number(sentiment['baseline_mean'])}: delta {_number(sentiment['delta'])}"
        f" (95% CI {_number(sentiment['ci_low'])} to {_number(sentiment['ci_high'])})",
    ]
    if worst:
        lines.append(
            f"  worst day                 {worst['day']}: delta {_number(worst['delta'])}"
            f" (95% CI {_number(worst['ci_low'])} to {_number(worst['ci_high'])},"
            f" {worst['posts']} posts)"
        )
    if sentiment.get("significant_drops"):
        lines.append(f"  significant drops on      {', '.join(sentiment['significant_drops'])}")
    lines += [
        f"  purchase intent posts     {_number(outcomes['purchase_intent'])}",
        f"  product feedback posts    {_number(outcomes['product_feedback'])}   "
        + ", ".join(f"{k} {v}" for k, v in outcomes["feedback_by_intent"].items()),
        "",
        f"chain breaks at: {row['breaks_at']}"
        if row["breaks_at"]
        else "chain complete: every step has activity",
    ]
    return "\n".join(lines)
