"""Compose part of the sentiment training posts from hand-written fragments, deterministically.

Most posts in sentiment_en.jsonl / sentiment_de.jsonl were written one by one. This script adds
the kinds that real streams hold in bulk and that vary mostly in their details: news leads and
announcements, rail and service notices, forum replies, listings and ads (neutral), anticipation
of an event (positive) and service complaints built from a problem, how long it lasted and what
it cost the author (negative). Every fragment below was written for this project.

    .venv/bin/python nlp/data/compose_posts.py          # rewrite the composed rows in place
    .venv/bin/python nlp/data/compose_posts.py --check  # fail if the files are not up to date

Composed rows carry `"source": "composed"`; hand-written rows have no `source` key and are kept
as they are, in their order. A composed post that repeats a hand-written one is skipped. Same
fragments, same seed: the same files, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

from compose_fragments_de import GERMAN_KINDS
from compose_fragments_en import ENGLISH_KINDS
from corpus_rows import rows_not_from

HERE = Path(__file__).resolve().parent
SEED = 20261201
Kind = tuple[str, str, int, Callable[[random.Random], str]]  # label, domain, count, make


def dedupe_key(text: str) -> str:
    """Texts that differ only in case, punctuation or spacing count as the same post."""
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def compose(lang: str, kinds: list[Kind], taken: set[str]) -> list[dict[str, str]]:
    rng = random.Random(f"{SEED}-{lang}")
    rows = []
    for label, domain, count, make in kinds:
        made, attempts = 0, 0
        while made < count and attempts < count * 50:
            attempts += 1
            text = " ".join(make(rng).split(" "))  # keep line breaks, squash nothing else
            key = dedupe_key(text)
            if not key or key in taken:
                continue
            taken.add(key)
            rows.append(
                {"text": text, "label": label, "lang": lang, "domain": domain, "source": "composed"}
            )
            made += 1
        if made < count:
            raise SystemExit(f"{lang} {label}/{domain}: only {made} of {count} distinct posts")
    return rows


def rebuilt(path: Path, lang: str, kinds: list[Kind]) -> str:
    written = rows_not_from(path, "composed")
    taken = {dedupe_key(r["text"]) for r in written}
    rows = written + compose(lang, kinds, taken)
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    stale = []
    for lang, kinds in (("en", ENGLISH_KINDS), ("de", GERMAN_KINDS)):
        path = HERE / f"sentiment_{lang}.jsonl"
        content = rebuilt(path, lang, kinds)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if content != current:
            if args.check:
                stale.append(path.name)
            else:
                path.write_text(content, encoding="utf-8")
        rows = content.count("\n")
        composed = content.count('"source": "composed"')
        print(f"{path.name}: {rows} posts, {composed} composed, {rows - composed} hand-written")
    if stale:
        sys.exit(f"not up to date (rerun without --check): {', '.join(stale)}")


if __name__ == "__main__":
    main()
