"""Add posts without any intent to intent_train.jsonl, taken from the sentiment corpora.

Real streams are mostly news, sport, chatter and ads; an intent head trained only on customer
traffic gives "purchase intent" to whatever does not look like a complaint. This script copies the
project's own sentiment posts that cannot carry an intent as `labels: []` rows:

- neutral posts of any domain, and positive or negative posts about news, sport or entertainment;
- never a post with a question mark (question is an intent), nor one with a word of buying,
  booking, leaving, returning, wishing, breaking or prices (see NEAR_INTENT), so nothing that could
  be a purchase, churn, feature, bug or price post becomes a negative.

    .venv/bin/python nlp/data/intent_negatives.py          # rewrite those rows in place
    .venv/bin/python nlp/data/intent_negatives.py --check  # fail if the file is not up to date

Copied rows carry `"source": "sentiment_corpus"` and ids `neg-<lang>-NNNN`; hand-written rows are
kept as they are, in their order. Deterministic: the same corpora give the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from corpus_rows import rows_not_from

HERE = Path(__file__).resolve().parent
TARGET = HERE / "intent_train.jsonl"
SOURCES = {"en": HERE / "sentiment_en.jsonl", "de": HERE / "sentiment_de.jsonl"}
SOURCE_TAG = "sentiment_corpus"
GENERAL = {"news", "sports", "entertainment"}
NEAR_INTENT = {
    "en": re.compile(
        r"\b(buy|bought|order|purchas|shop|get|getting|got|grab|book|ticket|cancel|quit|leav|"
        r"switch|return|refund|subscri|renew|wish|please|add|feature|bug|crash|broke|fix|"
        r"price|expensive|cheap|cost|deal|sale|sell|sold|win|giveaway|free|discount|app|update)",
        re.IGNORECASE,
    ),
    "de": re.compile(
        r"(kauf|bestell|buch|ticket|karte|kündig|wechs|storn|zurück|erstatt|wunsch|wünsch|"
        r"bitte|fehler|absturz|stürzt|kaputt|preis|teuer|günstig|angebot|gewinn|verkauf|abo|"
        r"gratis|rabatt|app|update|tarif|vertrag)",
        re.IGNORECASE,
    ),
}


def negatives(lang: str, path: Path) -> list[dict[str, object]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            post = json.loads(line)
            text = post["text"]
            if "?" in text or NEAR_INTENT[lang].search(text):
                continue
            if post["label"] != "neutral" and post["domain"] not in GENERAL:
                continue
            rows.append(
                {
                    "id": f"neg-{lang}-{len(rows) + 1:04d}",
                    "lang": lang,
                    "text": text,
                    "labels": [],
                    "source": SOURCE_TAG,
                }
            )
    return rows


def rebuilt() -> str:
    written = rows_not_from(TARGET, SOURCE_TAG)
    seen = {row["text"] for row in written}
    copied = [
        row
        for lang, path in SOURCES.items()
        for row in negatives(lang, path)
        if row["text"] not in seen
    ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in written + copied)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    content = rebuilt()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    copied = content.count(f'"source": "{SOURCE_TAG}"')
    print(f"{TARGET.name}: {content.count(chr(10))} posts, {copied} copied without intent")
    if content != current:
        if args.check:
            sys.exit(f"{TARGET.name} is not up to date (rerun without --check)")
        TARGET.write_text(content, encoding="utf-8")


if __name__ == "__main__":
    main()
