"""Multi-label intent detection: spaCy Matcher rules plus embedding similarity to prototypes.

How a post's score for an intent is made
----------------------------------------
1. Rules. The post runs through the entity pipeline (nlp/entities.py), then a Matcher with the
   intent's token patterns (nlp/intent_rules.yaml, plus the project's `nlp.intents` additions).
   A hit is dropped when
   - a negator stands in its clause (up to three tokens before it, inside it, or in German up to
     five tokens after it: "not buying", "kaufe kein ...") and the pattern is not a literal one,
   - a blocker word precedes it ("would love" is a wish, not praise),
   - a guard pattern matches in the same sentence ("how do I cancel" is no churn),
   - the sentence names a competitor but not Lumora (Lumora is who every label is about), except
     for comparisons and for churn hits that name the competitor ("switching to Kelvo").
   A veto pattern drops the intent for the whole post; a brand reply or promo drops every intent.
   Sarcasm: a strong cue ("oh great", "/s", "thanks for nothing") removes praise; a weak cue
   ("love how", "great job") removes it when the post also complains and has no "but".
   A post that names a competitor and no Lumora name gets no intent, unless it leaves for it.
2. Prototypes. `sim` is a relative similarity: the mean cosine of the post's embedding to the
   intent's three nearest prototype posts (the `examples`), minus that figure averaged over all
   intents. Every post here is about smart lights, so raw cosines mostly measure topic; the
   difference keeps what sets one intent's prototypes apart.
3. Score. With a surviving rule hit: 0.6 + 0.4 * ramp(sim; threshold - 0.1 .. threshold), so a
   rule alone gives 0.6 and a rule with close prototypes up to 1.0. Without one, the intent is
   given only if the intent allows it (`embedding_only`), no rule hit was dropped (negation,
   guard), the post is not about a competitor alone, and sim >= threshold:
   0.3 + 0.3 * ramp(sim; threshold .. threshold + 0.05).
   competitor_comparison also needs a Lumora name and a competitor name in the post.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import numpy as np
import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from echolot.config import IntentName, ProjectConfig
from echolot.errors import ConfigError
from nlp.entities import BRAND, COMPETITOR, PRODUCT, EntityExtractor

RULES_PATH = Path(__file__).with_name("intent_rules.yaml")
INTENTS: tuple[str, ...] = get_args(IntentName)
OWN = (BRAND, PRODUCT)
TOP_K = 3
RULE_BASE, RULE_SPAN = 0.6, 0.4  # rule hit: 0.6 .. 1.0
RULE_RAMP = 0.1  # relative similarity below the threshold over which a rule hit's score rises
EMBED_BASE, EMBED_SPAN, EMBED_RAMP = 0.3, 0.3, 0.05  # prototypes alone: 0.3 .. 0.6
NEGATION_BEFORE, NEGATION_AFTER_DE, BLOCKER_WINDOW = 3, 5, 2
COMPLAINTS = ("bug_report", "churn_risk", "price_complaint")
FALLBACK_LANGUAGE = "en"
# Embeddings of the posts, a function that returns them once computed, or None (rules only).
Embeddings = np.ndarray | Callable[[], np.ndarray] | None


def _ends_sentence(token: Token) -> bool:
    """True for the last word of a sentence: only punctuation, symbols or emoji follow."""
    # Computed for the whole doc in one backward pass and kept with it: looking ahead from
    # every token was quadratic, seconds for a post of a few thousand '(' or emoji.
    ends = token.doc.user_data.get(_ENDS_KEY)
    if ends is None:
        ends = token.doc.user_data[_ENDS_KEY] = _sentence_ends(token.doc)
    return ends[token.i]


_ENDS_KEY = "echolot_ends_sentence"


def _sentence_ends(doc: Doc) -> list[bool]:
    ends = [True] * len(doc)
    for i in range(len(doc) - 2, -1, -1):
        nxt = doc[i + 1]
        if nxt.is_sent_start:
            ends[i] = True
        elif any(ch.isalnum() for ch in nxt.text):
            ends[i] = False
        else:
            ends[i] = ends[i + 1]
    return ends


if not Token.has_extension("ends_sentence"):
    Token.set_extension("ends_sentence", getter=_ends_sentence)


@dataclass
class IntentRule:
    """Everything the classifier knows about one intent."""

    name: str
    threshold: float = 1.0
    negatable: bool = True
    needs: frozenset[str] = frozenset()
    skip_question_sentences: bool = False
    embedding_only: bool = True  # may prototypes alone give the intent?
    # lang -> kind -> patterns; kinds: patterns, literal_patterns, guards, vetoes
    patterns: dict[str, dict[str, list[list[dict[str, Any]]]]] = field(default_factory=dict)
    blockers: dict[str, frozenset[str]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    """Why a post got (or did not get) an intent: for explanations and tests."""

    hits: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    killed: bool = False  # a rule recognised the intent and something ruled it out
    similarity: float = 0.0
    score: float = 0.0


_KINDS = ("patterns", "literal_patterns", "guards", "vetoes")


class _RulesLoader(yaml.SafeLoader):
    """YAML without the 1.1 booleans: "no", "on", "off" and "yes" are words in patterns."""


_RulesLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RulesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_STRING_ATTRS = ("ORTH", "TEXT", "LOWER", "NORM", "LEMMA")


def _string_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Numbers written in patterns ("100", "5.2") become strings, as token texts are."""
    out = []
    for token in pattern:
        token = dict(token)
        for attr in _STRING_ATTRS:
            value = token.get(attr)
            if isinstance(value, int | float) and not isinstance(value, bool):
                token[attr] = str(value)
            elif isinstance(value, dict):
                token[attr] = {
                    op: [str(v) for v in arg] if op in ("IN", "NOT_IN") else arg
                    for op, arg in value.items()
                }
        out.append(token)
    return out


def load_rules(path: Path = RULES_PATH) -> dict[str, Any]:
    """The built-in rules file, read with YAML booleans limited to true/false."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_RulesLoader)  # a SafeLoader subclass
    unknown = set(data.get("intents", {})) - set(INTENTS)
    if unknown:
        raise ConfigError(f"{path}: unknown intents {sorted(unknown)}")
    return data


def _lang_lists(block: dict[str, Any] | None) -> dict[str, frozenset[str]]:
    return {lang: frozenset(str(w).lower() for w in words or []) for lang, words in
            (block or {}).items()}  # fmt: skip


class IntentClassifier:
    """Scores posts for the eight intents; see the module docstring for how."""

    def __init__(self, rules: dict[str, Any], extractor: EntityExtractor,
                 embedder: Any = None, top_k: int = TOP_K, masker: Any = None) -> None:  # fmt: skip
        self.extractor = extractor
        # The stage embeds masked posts (nlp/masking.py); prototypes are masked the same way.
        self.masker = masker
        self.top_k = top_k
        self.intents: dict[str, IntentRule] = {}
        for name in INTENTS:
            spec = rules.get("intents", {}).get(name) or {}
            rule = IntentRule(
                name=name,
                threshold=float(spec.get("threshold", 1.0)),
                negatable=bool(spec.get("negatable", True)),
                needs=frozenset(spec.get("needs", [])),
                skip_question_sentences=bool(spec.get("skip_question_sentences", False)),
                embedding_only=bool(spec.get("embedding_only", True)),
                blockers=_lang_lists(spec.get("blockers")),
            )
            for kind in _KINDS:
                for lang, patterns in (spec.get(kind) or {}).items():
                    rule.patterns.setdefault(lang, {}).setdefault(kind, []).extend(patterns or [])
            examples = spec.get("examples") or []
            if isinstance(examples, dict):
                examples = [e for lang_examples in examples.values() for e in lang_examples or []]
            rule.examples = list(examples)
            self.intents[name] = rule
        self.negators = _lang_lists(rules.get("negators"))
        self.negator_exceptions = _lang_lists(rules.get("negator_exceptions"))
        self.clause_breaks = _lang_lists(rules.get("clause_breaks"))
        self.contrast = _lang_lists(rules.get("contrast"))
        self.sarcasm = {
            strength: dict(langs or {}) for strength, langs in (rules.get("sarcasm") or {}).items()
        }
        self.post_vetoes = dict(rules.get("post_vetoes") or {})
        self._matchers: dict[str, Matcher] = {}
        self.embedder = embedder
        self._prototypes: dict[str, np.ndarray] = {}
        self.embed_prototypes()

    @classmethod
    def from_config(cls, config: ProjectConfig, embedder: Any = None,
                    extractor: EntityExtractor | None = None,
                    rules_path: Path = RULES_PATH,
                    masker: Any = None) -> IntentClassifier:  # fmt: skip
        """Built-in rules merged with the project's `nlp.intents` patterns and examples."""
        rules = load_rules(rules_path)
        intents = rules.setdefault("intents", {})
        for name, extra in config.nlp.intents.items():
            spec = intents.setdefault(name, {})
            patterns = spec.setdefault("patterns", {})
            for lang, added in extra.patterns.items():
                patterns.setdefault(lang, []).extend(added)
            examples = spec.get("examples") or []
            if isinstance(examples, dict):
                examples = [e for lang_examples in examples.values() for e in lang_examples or []]
            spec["examples"] = [*examples, *extra.examples]
        return cls(rules, extractor or EntityExtractor.from_config(config), embedder,
                   masker=masker)  # fmt: skip

    # ------------------------------------------------------------------ set-up
    def embed_prototypes(self) -> None:
        self._prototypes = {}
        if self.embedder is None:
            return
        for name, rule in self.intents.items():
            if rule.examples:
                examples = rule.examples
                if self.masker is not None:
                    examples = [self.masker.mask(e).text for e in examples]
                vectors = np.asarray(self.embedder.embed(examples), dtype=np.float32)
                self._prototypes[name] = vectors

    def _matcher(self, nlp: Language) -> Matcher:
        code = nlp.lang
        if code in self._matchers:
            return self._matchers[code]
        matcher = Matcher(nlp.vocab, validate=True)

        def add(key: str, patterns: list[list[dict[str, Any]]]) -> None:
            if patterns:
                try:
                    matcher.add(key, [_string_pattern(p) for p in patterns])
                except ValueError as exc:  # name the rule group, spaCy does not
                    raise ConfigError(
                        f"invalid intent pattern in {key!r} ({code}): {exc}"
                    ) from None

        def for_lang(block: dict[str, Any]) -> list[Any]:
            return block.get(code) if code in block else block.get(FALLBACK_LANGUAGE, [])

        for name, rule in self.intents.items():
            patterns = rule.patterns.get(code) or rule.patterns.get(FALLBACK_LANGUAGE) or {}
            for kind in _KINDS:
                add(f"{name}|{kind}", patterns.get(kind, []))
        for strength, block in self.sarcasm.items():
            add(f"sarcasm|{strength}", for_lang(block))
        add("post|veto", for_lang(self.post_vetoes))
        self._matchers[code] = matcher
        return matcher

    def _words(self, table: dict[str, frozenset[str]], code: str) -> frozenset[str]:
        return table.get(code, table.get(FALLBACK_LANGUAGE, frozenset()))

    # ------------------------------------------------------------------ scoring
    def classify(self, texts: Sequence[str], langs: Sequence[str | None],
                 embeddings: Embeddings = None,
                 docs: Sequence[Doc] | None = None) -> list[dict[str, float]]:  # fmt: skip
        """Per post, the intents it has with a confidence in (0, 1]."""
        return [
            {name: ev.score for name, ev in evidence.items() if ev.score > 0}
            for evidence in self.evidence(texts, langs, embeddings, docs)
        ]

    def evidence(self, texts: Sequence[str], langs: Sequence[str | None],
                 embeddings: Embeddings = None,
                 docs: Sequence[Doc] | None = None) -> list[dict[str, Evidence]]:  # fmt: skip
        """Per post and intent: the rule hits kept and dropped, similarity and score.

        `docs`: the entity pipeline's Docs of the texts when the caller has them already.
        `embeddings` may be a function returning them: it is called after the rules have run,
        so a model computing them in another thread overlaps with the rule matching."""
        docs = list(docs) if docs is not None else self.extractor.docs(texts, langs)
        if len(docs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(docs)} docs")
        matches = [self._matches(doc) for doc in docs]
        if callable(embeddings):
            embeddings = embeddings()
        if embeddings is not None and len(embeddings) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        sims = self._similarities(embeddings, len(texts))
        return [
            self._score(doc, found, {n: s[i] for n, s in sims.items()})
            for i, (doc, found) in enumerate(zip(docs, matches, strict=True))
        ]

    def explain(self, text: str, lang: str | None = "en") -> dict[str, dict[str, Any]]:
        """The evidence for one post, embedding it if an embedder is set (for people)."""
        masked = self.masker.mask(text).text if self.masker is not None else text
        embeddings = self.embedder.embed([masked]) if self.embedder is not None else None
        evidence = self.evidence([text], [lang], embeddings)[0]
        return {name: vars(ev) for name, ev in evidence.items() if ev.hits or ev.dropped}

    def _similarities(self, embeddings: np.ndarray | None, n: int) -> dict[str, np.ndarray]:
        """Relative similarity per intent: top-k mean cosine minus its mean over all intents.

        Raw cosines mostly measure topic (every post here is about smart lights); subtracting
        the post's average over the intents leaves what sets one intent's prototypes apart.
        Posts without embeddings, and intents without prototypes, get -1 (never enough).
        """
        out = {name: np.full(n, -1.0, dtype=np.float32) for name in self.intents}
        if embeddings is None or n == 0 or not self._prototypes:
            return out
        vectors = np.asarray(embeddings, dtype=np.float32)
        raw: dict[str, np.ndarray] = {}
        for name, prototypes in self._prototypes.items():
            cosines = vectors @ prototypes.T
            k = min(self.top_k, cosines.shape[1])
            raw[name] = np.partition(cosines, cosines.shape[1] - k, axis=1)[:, -k:].mean(axis=1)
        baseline = np.mean(np.stack(list(raw.values())), axis=0)
        for name, values in raw.items():
            out[name] = values - baseline
        return out

    def _matches(self, doc: Doc) -> dict[str, list[tuple[int, int]]]:
        """Rule key ("intent|kind") -> token spans it matched in the doc."""
        by_key: dict[str, list[tuple[int, int]]] = {}
        vocab = doc.vocab.strings
        matcher = self._matcher(self.extractor.pipeline(doc.lang_))
        for match_id, start, end in matcher(doc):
            by_key.setdefault(vocab[match_id], []).append((start, end))
        return by_key

    def _score(
        self, doc: Doc, by_key: dict[str, list[tuple[int, int]]], sims: dict[str, float]
    ) -> dict[str, Evidence]:
        code = doc.lang_
        evidence = {name: Evidence(similarity=round(float(sims[name]), 4)) for name in self.intents}
        if "post|veto" in by_key:
            for ev in evidence.values():
                ev.dropped.append("brand reply or promotion")
                ev.killed = True
            return evidence

        sent_of = _sentence_ids(doc)
        own_sents = {sent_of[t.i] for t in doc if t.ent_type_ in OWN}
        competitor_sents = {sent_of[t.i] for t in doc if t.ent_type_ == COMPETITOR}
        question_sents = {sent_of[t.i] for t in doc if "?" in t.text and t.is_punct}
        has_own, has_competitor = bool(own_sents), bool(competitor_sents)

        for name, rule in self.intents.items():
            ev = evidence[name]
            guarded = {sent_of[s] for s, _ in by_key.get(f"{name}|guards", [])}
            vetoed = f"{name}|vetoes" in by_key
            candidates = [(s, e, False) for s, e in by_key.get(f"{name}|patterns", [])]
            candidates += [(s, e, True) for s, e in by_key.get(f"{name}|literal_patterns", [])]
            for start, end, literal in sorted(candidates):
                span = doc[start:end]
                sent = sent_of[start]
                # Leaving for a competitor names it: "switching to Kelvo" is about Lumora.
                leaves_for_competitor = name == "churn_risk" and any(
                    t.ent_type_ == COMPETITOR for t in span
                )
                competitor_only = (
                    name != "competitor_comparison"
                    and sent in competitor_sents
                    and sent not in own_sents
                ) or (has_competitor and not has_own)
                reason = None
                if vetoed:
                    reason = "veto"
                elif sent in guarded:
                    reason = "guard"
                elif rule.skip_question_sentences and sent in question_sents:
                    reason = "in a question"
                elif not literal and rule.negatable and self._negated(doc, start, end, sent_of):
                    reason = "negated"
                elif self._blocked(doc, start, sent_of, rule.blockers.get(code, frozenset())):
                    reason = "blocked"
                elif competitor_only and not leaves_for_competitor:
                    reason = "about a competitor"
                if reason:
                    ev.dropped.append(f"{reason}: {span.text}")
                else:
                    ev.hits.append(span.text)
            ev.killed = bool(ev.dropped) and not ev.hits

        # Sarcasm takes praise away.
        praise = evidence["praise"]
        if praise.hits:
            complaint = any(evidence[n].hits for n in COMPLAINTS)
            contrast = any(t.lower_ in self._words(self.contrast, code) for t in doc)
            if "sarcasm|strong" in by_key or (
                "sarcasm|weak" in by_key and complaint and not contrast
            ):
                praise.dropped += [f"sarcasm: {h}" for h in praise.hits]
                praise.hits, praise.killed = [], True

        about_us = has_own or not has_competitor
        for name, rule in self.intents.items():
            ev = evidence[name]
            missing_own = "own" in rule.needs and not has_own
            if missing_own or ("competitor" in rule.needs and not has_competitor):
                ev.dropped += [f"needs {', '.join(sorted(rule.needs))}: {h}" for h in ev.hits]
                ev.hits, ev.killed = [], True
            sim = ev.similarity
            if ev.hits:
                ramp = _ramp(sim, rule.threshold - RULE_RAMP, rule.threshold)
                ev.score = round(RULE_BASE + RULE_SPAN * ramp, 3)
            elif rule.embedding_only and not ev.killed and about_us and sim >= rule.threshold:
                ramp = _ramp(sim, rule.threshold, rule.threshold + EMBED_RAMP)
                ev.score = round(EMBED_BASE + EMBED_SPAN * ramp, 3)
        return evidence

    def _negated(self, doc: Doc, start: int, end: int, sent_of: list[int]) -> bool:
        code = doc.lang_
        negators = self._words(self.negators, code)
        exceptions = self._words(self.negator_exceptions, code)
        breaks = self._words(self.clause_breaks, code)
        sent = sent_of[start]

        def negates(i: int) -> bool:
            token = doc[i]
            if token.lower_ not in negators and token.lemma_ not in negators:
                return False
            nxt = doc[i + 1] if i + 1 < len(doc) else None
            return nxt is None or nxt.lower_ not in exceptions

        for i in range(start - 1, max(-1, start - 1 - NEGATION_BEFORE), -1):
            if sent_of[i] != sent or doc[i].lower_ in breaks:
                break
            if negates(i):
                return True
        if any(negates(i) for i in range(start, end)):
            return True
        if code == "de":
            for i in range(end, min(len(doc), end + NEGATION_AFTER_DE)):
                if sent_of[i] != sent or doc[i].lower_ in breaks:
                    break
                if negates(i):
                    return True
        return False

    @staticmethod
    def _blocked(doc: Doc, start: int, sent_of: list[int], blockers: frozenset[str]) -> bool:
        if not blockers:
            return False
        for i in range(start - 1, max(-1, start - 1 - BLOCKER_WINDOW), -1):
            if sent_of[i] != sent_of[start]:
                break
            if doc[i].lower_ in blockers or doc[i].lemma_ in blockers:
                return True
        return False


def _sentence_ids(doc: Doc) -> list[int]:
    ids, current = [], -1
    for token in doc:
        if token.is_sent_start or current < 0:
            current += 1
        ids.append(current)
    return ids


def _ramp(value: float, low: float, high: float) -> float:
    if high <= low:
        return 1.0 if value >= high else 0.0
    return float(min(1.0, max(0.0, (value - low) / (high - low))))
