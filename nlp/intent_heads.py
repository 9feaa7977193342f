"""Intent classifier heads combined with the intent rules (nlp/intents.py).

Rules alone call refund requests and booking-status questions purchase intent. For an intent
whose project entry names a head (`nlp.intents.<intent>.head`), the head decides and the rules
keep their vetoes:

- a rule that recognised the intent and was ruled out (negation, guard, "about a competitor",
  brand reply or promotion) removes it, whatever the head says;
- otherwise the intent is given when P(intent) >= threshold, or >= threshold - RULE_SUPPORT
  when a rule also fired; its score is that probability.

Intents without a head keep the rules' score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from echolot.errors import ConfigError
from nlp.classifiers import Head, load_head, resolve_head
from nlp.intents import INTENTS, Evidence

RULE_SUPPORT = 0.15


@dataclass(frozen=True)
class IntentHead:
    intent: str
    head: Head
    column: int
    threshold: float


def intent_heads(config: Any, heads_dir: Path | None = None) -> list[IntentHead]:
    """The heads the project's `nlp.intents` entries name, each checked to know its intent."""
    out = []
    for intent, rules in config.nlp.intents.items():
        if not rules.head:
            continue
        path = resolve_head(rules.head, heads_dir)
        head = load_head(path, "intent", INTENTS)
        if intent not in head.labels:
            raise ConfigError(
                f"classifier head {path}: trained for {', '.join(head.labels)}, not {intent} "
                f"(nlp.intents.{intent}.head)"
            )
        out.append(IntentHead(intent, head, head.labels.index(intent), rules.threshold))
    return out


def combine(
    evidence: Sequence[dict[str, Evidence]],
    heads: Sequence[IntentHead],
    embeddings: np.ndarray | None,
    cues: np.ndarray | None,
) -> list[dict[str, float]]:
    """Per post, intent -> score: heads where configured, rules elsewhere."""
    scores = [{n: ev.score for n, ev in post.items() if ev.score > 0} for post in evidence]
    if not heads or embeddings is None or cues is None or not evidence:
        return scores
    by_head: dict[int, np.ndarray] = {}
    for item in heads:
        key = id(item.head)
        if key not in by_head:  # one head may serve several intents: run it once
            by_head[key] = item.head.probabilities(embeddings, cues)
        probabilities = by_head[key][:, item.column]
        for i, post in enumerate(evidence):
            ev = post[item.intent]
            p = float(probabilities[i])
            wanted = item.threshold - (RULE_SUPPORT if ev.hits else 0.0)
            if ev.killed or p < wanted:
                scores[i].pop(item.intent, None)
            else:
                scores[i][item.intent] = round(p, 3)
    return scores
