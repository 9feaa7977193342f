"""The NLP stage: language, sentiment, entities, embeddings and intents for batches of posts.

Posts are analysed in id ranges (Airflow maps over them); each range is written in one
transaction, so a range is either fully analysed or not at all. A post already analysed by the
same pipeline version is skipped; a new model version re-analyses. Memory stays bounded by the
batch size and the embedder's cache size.

Brand-safe: each text is masked first (nlp/masking.py); the masked text is what is embedded and
what every sentiment model and classifier head scores. Entities, intent rules and relevance read
the original text. Each post's brand scope (which brands, competitors and products it is about,
after relevance) is stored with it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass, field
from functools import lru_cache

import numpy as np
import psycopg2.extensions

from echolot import store
from echolot.config import ProjectConfig
from nlp import limits
from nlp.classifiers import HeadError, resolve_head
from nlp.embeddings import Embedder, make_embedder, normalise
from nlp.entities import EntityExtractor
from nlp.features import cue_features
from nlp.intent_heads import IntentHead, combine, intent_heads
from nlp.intents import RULES_PATH, IntentClassifier
from nlp.language import LanguageDetector
from nlp.masking import BrandMasker, MaskedText
from nlp.relevance import BrandScope, RelevanceJudge
from nlp.sentiment import (
    HeadSentiment,
    SentimentModel,
    SentimentScore,
    load_sentiment,
    neutral_unscorable,
)

DEFAULT_BATCH_SIZE = 1000
# Bumped when what the stage stores per post changes shape (masking, brand scope).
STAGE_VERSION = "scope-1"


@dataclass
class AnalysisReport:
    analysed: int = 0
    sentiment_scored: int = 0
    no_sentiment_model: int = 0  # posts in a language without a configured sentiment model
    embedded_computed: int = 0
    masked_empty: int = 0  # posts with nothing left but brand names and links: neutral, conf. 0
    off_topic: int = 0  # posts naming configured brands, none of them relevant

    def __add__(self, other: AnalysisReport) -> AnalysisReport:
        return AnalysisReport(*(a + b for a, b in zip(astuple(self), astuple(other),
                                                      strict=True)))  # fmt: skip


@dataclass
class Analyser:
    detector: LanguageDetector
    sentiment: dict[str, SentimentModel]
    entities: EntityExtractor
    embedder: Embedder
    intents: IntentClassifier
    # Hash of the intent rules file and the config parts that shape entities and intents.
    rules_version: str
    masker: BrandMasker
    relevance: RelevanceJudge
    intent_heads: list[IntentHead]

    def sentiment_model(self, lang: str) -> SentimentModel | None:
        """The model configured for a language. Text too short to tell its language ("und")
        goes to the English model when that model copes with unknown languages (VADER does)."""
        model = self.sentiment.get(lang)
        if model is None and lang == "und":
            fallback = self.sentiment.get("en")
            if fallback is not None and fallback.supports("und"):
                return fallback
        return model

    @property
    def uses_heads(self) -> bool:
        return bool(self.intent_heads or self.relevance.heads) or any(
            isinstance(m, HeadSentiment) for m in self.sentiment.values()
        )

    @property
    def version(self) -> str:
        """Changes whenever a model or rule set changes, so posts are analysed again."""
        parts = {
            "languages": sorted(self.detector.languages),
            "sentiment": {lang: m.version for lang, m in self.sentiment.items()},
            "embeddings": self.embedder.model_version,
            "rules": self.rules_version,
            "intent_heads": {h.intent: h.head.version for h in self.intent_heads},
            "relevance_heads": {n: h.version for n, h in self.relevance.heads.items()},
            "stage": STAGE_VERSION,
        }
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
        return digest[:16]


def analyser_for(config: ProjectConfig) -> Analyser:
    """Load the models once per process and project settings (they are slow to load).

    A retrained head file is picked up by a long-running worker: the cache key includes the
    size and modification time of every head file the project names."""
    return _cached_analyser(config.model_dump_json(), _head_files_signature(config))


def _head_files_signature(config: ProjectConfig) -> str:
    settings = config.nlp
    names = [c.head for c in settings.sentiment.values() if c.backend == "head" and c.head]
    names += [rules.head for rules in settings.intents.values() if rules.head]
    names += [b.relevance_head for b in [*config.brands, *config.competitors] if b.relevance_head]
    parts = []
    for name in names:
        try:
            stat = resolve_head(name, settings.heads_dir).stat()
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
        except (HeadError, OSError):
            parts.append(f"{name}:missing")  # loading names the problem
    return "|".join(parts)


@lru_cache(maxsize=4)
def _cached_analyser(config_json: str, _head_files: str = "") -> Analyser:
    config = ProjectConfig.model_validate_json(config_json)
    settings = config.nlp
    embedder = _cached_embedder(settings.embeddings.model_dump_json())
    rules = {
        "intent_rules": hashlib.sha256(RULES_PATH.read_bytes()).hexdigest(),
        "intents": settings.model_dump(mode="json")["intents"],
        "lexicon": config.model_dump(
            mode="json", include={"brands", "competitors", "products", "product_areas"}
        ),
    }
    entities = EntityExtractor.from_config(config)
    masker = BrandMasker.from_config(config)
    heads_dir = settings.heads_dir
    return Analyser(
        rules_version=hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16],
        detector=LanguageDetector(settings.languages),
        sentiment={
            lang: load_sentiment(choice, heads_dir=heads_dir)
            for lang, choice in settings.sentiment.items()
        },
        entities=entities,
        embedder=embedder,
        # Shares the entity pipelines instead of building a second set; prototypes are masked
        # like the posts they are compared with.
        intents=IntentClassifier.from_config(config, embedder, extractor=entities, masker=masker),
        masker=masker,
        relevance=RelevanceJudge.from_config(config, heads_dir),
        intent_heads=intent_heads(config, heads_dir),
    )


@lru_cache(maxsize=2)
def _cached_embedder(settings_json: str) -> Embedder:
    from echolot.config import EmbeddingSettings

    settings = EmbeddingSettings.model_validate_json(settings_json)
    return make_embedder(
        settings.backend, settings.model_path, settings.batch_size, settings.max_length
    )


def plan_batches(
    conn: psycopg2.extensions.connection, analyser: Analyser, batch_size: int = DEFAULT_BATCH_SIZE
) -> list[tuple[int, int]]:
    with conn, conn.cursor() as cur:
        return [tuple(r) for r in store.unanalysed_id_ranges(cur, analyser.version, batch_size)]


@dataclass
class PostAnalysis:
    """What the NLP stage found for one post (None sentiment: no model for its language)."""

    lang: str
    lang_confidence: float
    sentiment: tuple[SentimentModel, SentimentScore] | None
    entities: list[dict]
    product_areas: list[str]
    intents: dict[str, float]
    embedding: np.ndarray | None
    skipped: str | None = None  # why a post could not be analysed
    scope: BrandScope = field(default_factory=BrandScope)


ANALYSIS_CACHE_SIZE = 50_000
_analysis_cache: dict[tuple[str, str, str | None], PostAnalysis] = {}


def analyse_texts(
    analyser: Analyser, texts: list[str], hints: list[str | None]
) -> tuple[list[PostAnalysis], AnalysisReport]:
    """The stage's work on a batch of texts, without the database (used by the benchmark).

    Reposts and copies repeat a text word for word: each distinct (text, language hint) is
    analysed once per process, within and across batches (bounded cache).
    """
    keys = [(analyser.version, normalise(t), h) for t, h in zip(texts, hints, strict=True)]
    # Taken now: filling the cache below may clear it, and this batch still needs its hits.
    known = {k: _analysis_cache[k] for k in keys if k in _analysis_cache}
    todo = list(dict.fromkeys(k for k in keys if k not in known))
    first_text = {}
    for key, text in zip(keys, texts, strict=True):
        first_text.setdefault(key, text)
    results, report = _analyse_distinct(
        analyser, [first_text[k] for k in todo], [k[2] for k in todo]
    )
    if len(_analysis_cache) + len(todo) > ANALYSIS_CACHE_SIZE:
        _analysis_cache.clear()  # bounded memory; a cold cache only costs time
    _analysis_cache.update(zip(todo, results, strict=True))
    known.update(zip(todo, results, strict=True))
    found = [known[k] for k in keys]
    # Count posts, not distinct texts.
    report.analysed = len(texts)
    report.sentiment_scored = sum(r.sentiment is not None for r in found)
    report.no_sentiment_model = sum(r.sentiment is None and r.skipped is None for r in found)
    unscorable = neutral_unscorable()
    report.masked_empty = sum(r.sentiment is not None and r.sentiment[1] == unscorable
                              for r in found)  # fmt: skip
    report.off_topic = sum(not r.scope.relevant for r in found)
    return found, report


def _analyse_distinct(
    analyser: Analyser, texts: list[str], hints: list[str | None]
) -> tuple[list[PostAnalysis], AnalysisReport]:
    report = AnalysisReport(analysed=len(texts))
    # Deleted or removed bodies carry no words; they are recorded as unscorable, not dropped.
    usable = [i for i, t in enumerate(texts) if t.strip()]
    results: list[PostAnalysis | None] = [None] * len(texts)
    for i in set(range(len(texts))) - set(usable):
        results[i] = PostAnalysis(
            "und", 0.0, None, [], [], {}, None, "no text (deleted or removed)"
        )
    if usable:
        batch = [texts[i] for i in usable]
        # Each step reads a bounded prefix (nlp/limits.py), so no text can make one slow.
        spacy_texts = limits.for_spacy(batch)
        masked = analyser.masker.mask_all(limits.for_models(batch))
        masked_texts = [m.text for m in masked]
        before = analyser.embedder.computed
        # The model runs in native code without the GIL: it embeds while this thread does the
        # Python-bound work (language, spaCy, intent rules, cues) on the other core.
        # A thread per batch, not a long-lived pool: a pool's thread would not survive a fork
        # (Airflow and Celery workers fork) and its queue would wait forever.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as pool:
            embedding = pool.submit(analyser.embedder.embed, masked_texts)
            languages = analyser.detector.detect(
                limits.for_language(batch), [hints[i] for i in usable]
            )
            langs = [lang for lang, _ in languages]
            # parsed once, for entities and intents
            docs = analyser.entities.docs(spacy_texts, langs)
            entities = [analyser.entities.entities_of(doc) for doc in docs]
            cues = cue_features(masked_texts, langs) if analyser.uses_heads else None
            evidence = analyser.intents.evidence(spacy_texts, langs, embedding.result, docs)
            vectors = np.asarray(embedding.result(), dtype=np.float32)
        report.embedded_computed = analyser.embedder.computed - before
        sentiment = _sentiment(analyser, masked, langs, vectors, cues, report)
        intents = combine(evidence, analyser.intent_heads, vectors, cues)
        scopes = analyser.relevance.scopes(spacy_texts, entities, vectors, cues)
        for j, i in enumerate(usable):
            results[i] = PostAnalysis(
                langs[j], round(languages[j][1], 4), sentiment[j], entities[j],
                analyser.entities.product_areas(spacy_texts[j], entities[j], langs[j]), intents[j],
                vectors[j], None, scopes[j],
            )  # fmt: skip
    return [r for r in results if r is not None], report


def _sentiment(
    analyser: Analyser,
    masked: list[MaskedText],
    langs: list[str],
    vectors: np.ndarray,
    cues: np.ndarray | None,
    report: AnalysisReport,
) -> list[tuple[SentimentModel, SentimentScore] | None]:
    """Each language goes to its own model, in one batch per language, on masked text.

    A text with nothing left after masking (only a brand name, only links) is neutral with
    confidence 0 under its language's model."""
    out: list[tuple[SentimentModel, SentimentScore] | None] = [None] * len(masked)
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, lang in enumerate(langs):
        by_language[lang].append(index)
    for lang, indexes in by_language.items():
        model = analyser.sentiment_model(lang)
        if model is None:
            report.no_sentiment_model += len(indexes)
            continue
        scorable = [i for i in indexes if not masked[i].empty]
        for index in set(indexes) - set(scorable):
            out[index] = (model, neutral_unscorable())
        if isinstance(model, HeadSentiment) and scorable:
            assert cues is not None  # computed whenever a head is configured
            scores = model.score_features(vectors[scorable], cues[scorable])
        else:
            scores = model.score_batch([masked[i].text for i in scorable]) if scorable else []
        for index, score in zip(scorable, scores, strict=True):
            out[index] = (model, score)
        report.sentiment_scored += len(indexes)
    return out


def analyse_range(
    conn: psycopg2.extensions.connection, analyser: Analyser, id_range: tuple[int, int]
) -> AnalysisReport:
    """Analyse the range's unanalysed posts and store everything in one transaction."""
    version = analyser.version
    with conn, conn.cursor() as cur:
        posts = store.posts_to_analyse(cur, version, id_range, limit=2**31 - 1)
    if not posts:
        return AnalysisReport()
    results, report = analyse_texts(analyser, [p.text for p in posts], [p.lang_hint for p in posts])
    score_rows: list[store.ScoreRow] = []
    nlp_rows: list[store.PostNlpRow] = []
    vectors = []
    for post_id, r in zip([p.id for p in posts], results, strict=True):
        if r.sentiment is not None:
            model, score = r.sentiment
            score_rows.append(
                store.ScoreRow(
                    post_id=post_id,
                    model=model.name,
                    model_version=model.version,
                    lang=r.lang,
                    sentiment_label=score.label,
                    sentiment_polarity=score.polarity,
                    sentiment_confidence=score.confidence,
                    details={},
                )
            )
        nlp_rows.append(
            store.PostNlpRow(
                post_id=post_id,
                lang=r.lang,
                lang_confidence=r.lang_confidence,
                entities=r.entities,
                intents=r.intents,
                product_areas=r.product_areas,
                pipeline_version=version,
                skipped_reason=r.skipped,
            )
        )
        if r.embedding is not None:
            vectors.append((post_id, r.embedding))
    with conn, conn.cursor() as cur:
        store.upsert_scores(cur, score_rows)
        store.upsert_post_nlp(cur, nlp_rows)
        store.upsert_embeddings(cur, analyser.embedder.model_version, vectors)
        store.upsert_brand_scope(cur, _scope_rows([p[0] for p in posts], results))
    return report


def _scope_rows(ids: list[int], results: list[PostAnalysis]) -> list[tuple]:
    """(post_id, brands, competitors, products, off_topic, relevant) per analysed post."""
    return [
        (post_id, r.scope.brands, r.scope.competitors, r.scope.products, r.scope.off_topic,
         r.scope.relevant)
        for post_id, r in zip(ids, results, strict=True)
    ]  # fmt: skip
