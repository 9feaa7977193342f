"""How much of a post each NLP step reads: a bounded prefix, so no text can make a step slow.

Ingest accepts texts up to 100,000 characters (long Reddit posts, X long posts). Every step's
cost grows with the text (lingua's n-grams, VADER's word loop, spaCy tokens and Matcher rules,
the tokenizer before it truncates to the model's 128 tokens), and a hostile text — 100 KB of
one repeated token, deep punctuation, mixed scripts, emoji runs — made one post cost seconds
(5,000 '(' took 16 s in the intent rules). Each step therefore reads a bounded prefix, cut at
a space when one is near:

    step                                 characters  tokens  why this many
    language detection (lingua)               1,000       -  a language is clear long before
    brand masking, sentiment (VADER,          2,000     300  about 250 words; VADER is quadratic
    transformers, heads), cue features                       in a run of emoji (2,000 of them
    and the embedding model                                  took 0.7 s); the models keep 128
                                                             to 512 tokens anyway
    spaCy: entities, intent rules,            5,000     300  about 250 words of prose; the
    brand relevance, product areas                           Matcher tries every intent pattern
                                                             at each token, '(' and emoji too

"Tokens" are words, single visible symbols and line breaks (close to what spaCy splits into); the
text is cut at whichever limit comes first. Entity offsets stay valid: every cut is a prefix.
The stored text is never changed; only what each step sees is bounded. A text that is cut has
its later mentions, intents and sentiment unread: `bench/hostile_texts.py` measures the cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LANGUAGE_CHARS = 1_000
MODEL_CHARS = 2_000
MODEL_TOKENS = 300
SPACY_CHARS = 5_000
# spaCy's cost follows tokens, not characters: 5,000 characters of '(' or emoji are 5,000
# tokens (prose: about 1,000), and the Matcher tries every intent pattern at each one.
SPACY_TOKENS = 300
# Look this far back from the limit for a space to cut at, so no word is split in half.
_WORD_SLACK = 100
# What spaCy makes a token of, near enough: a word, one other visible character, or a line
# break or run of spaces (one space is no token; "\n" is).
_UNIT = re.compile(r"\w+|[^\w\s]|[^\S ]\s*|  +")


def bounded(text: str, limit: int, max_tokens: int | None = None) -> str:
    """`text` itself when short enough, else its first `limit` characters (at a space if near)
    and, with `max_tokens`, no more than that many words and symbols."""
    if len(text) > limit:
        cut = text.rfind(" ", limit - _WORD_SLACK, limit)
        text = text[: cut if cut > 0 else limit]
    if max_tokens is not None and len(text) > max_tokens:
        for count, unit in enumerate(_UNIT.finditer(text), start=1):
            if count == max_tokens:
                return text[: unit.end()]
    return text


def for_language(texts: Sequence[str]) -> list[str]:
    return [bounded(t, LANGUAGE_CHARS) for t in texts]


def for_models(texts: Sequence[str]) -> list[str]:
    """What brand masking, sentiment, cue features and the embedding model read."""
    return [bounded(t, MODEL_CHARS, MODEL_TOKENS) for t in texts]


def for_spacy(texts: Sequence[str]) -> list[str]:
    """What entities, intent rules, brand relevance and product areas read."""
    return [bounded(t, SPACY_CHARS, SPACY_TOKENS) for t in texts]
