"""Condensing: fold near-duplicate findings together and rank what is left by impact.

Near-duplicates are findings of the same kind and scope (the same product area on several
days of a weekly digest), or of the same kind whose evidence overlaps by half or more (one
event seen through two brands). Impact is severity × reach × novelty × recency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from echolot.config import Severity

SEVERITY_WEIGHT = {"low": 1.0, "medium": 2.0, "high": 4.0, "critical": 8.0}
# Evidence overlap (Jaccard) from which two findings of one kind tell the same story.
OVERLAP = 0.5
# Impact halves for every this many days a finding is older than the digest's end.
HALF_LIFE_DAYS = 3.0
ESCALATION_BONUS = 1.5


@dataclass
class Condensed:
    """A lead finding and the near-duplicates folded into it."""

    lead: dict[str, Any]
    merged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def members(self) -> list[dict[str, Any]]:
        return [self.lead, *self.merged]

    @property
    def evidence(self) -> list[int]:
        seen: dict[int, None] = {}
        for finding in self.members:
            seen.update(dict.fromkeys(finding["evidence_post_ids"]))
        return list(seen)

    @property
    def window(self) -> tuple[datetime, datetime]:
        return (min(f["window_start"] for f in self.members),
                max(f["window_end"] for f in self.members))  # fmt: skip


def condense(findings: list[dict[str, Any]]) -> list[Condensed]:
    """Group near-duplicates; the group's lead is its most severe, then largest, then latest
    finding."""
    ordered = sorted(
        findings,
        key=lambda f: (
            -Severity(f["severity"]).rank,
            -float((f["metrics"] or {}).get("volume") or 0),
            -f["window_start"].timestamp(),
            f["id"],
        ),
    )
    groups: list[Condensed] = []
    for finding in ordered:
        home = next((g for g in groups if _same_story(g, finding)), None)
        if home is None:
            groups.append(Condensed(finding))
        else:
            home.merged.append(finding)
    return groups


def _same_story(group: Condensed, finding: dict[str, Any]) -> bool:
    lead = group.lead
    if lead["kind"] != finding["kind"]:
        return False
    if (lead["scope_kind"], lead["scope_value"]) == (finding["scope_kind"], finding["scope_value"]):
        return True
    ours, theirs = set(group.evidence), set(finding["evidence_post_ids"])
    return bool(ours and theirs) and len(ours & theirs) / len(ours | theirs) >= OVERLAP


def impact(group: Condensed, end: datetime, escalated: bool = False) -> float:
    metrics = group.lead["metrics"] or {}
    reach = max(float((f["metrics"] or {}).get("reach") or 0) for f in group.members)
    age_days = max(0.0, (end - group.window[1]).total_seconds() / 86400)
    novelty = ESCALATION_BONUS if escalated else 1.0
    volume = float(metrics.get("volume") or 1)
    return (
        SEVERITY_WEIGHT[group.lead["severity"]]
        * math.log10(10 + reach + 100 * volume)
        * novelty
        * 0.5 ** (age_days / HALF_LIFE_DAYS)
    )
