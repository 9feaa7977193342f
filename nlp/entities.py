"""Entities in posts: the project's brands, products and competitors, plus social tokens.

One blank spaCy pipeline per language (tokenizer, sentence splitter, lookup lemmatizer, entity
ruler), built from the
project configuration and nothing else: no statistical model, so thousands of posts a second.

- BRAND, PRODUCT, COMPETITOR: every name and alias from the config, matched case-insensitively
  token by token (LOWER patterns), also as #hashtag and @handle and, for names of several words,
  written together ("#lumorahub", "LumoraHub"). Alphabetic name tokens of six letters or more also
  match with one typo (spaCy's FUZZY1), which catches "Lumra" or the German genitive "Lumoras".
  Each match carries the configured name as `canonical` (the ruler's `id`). Overlaps resolve to
  the longest match, so "Lumora Hub" is one PRODUCT, not a BRAND plus a word.
- MENTION (@handle, u/name), HASHTAG, URL, CASHTAG ($LMRA): regular expressions over the text.
  They may overlap the ruler's entities ("@lumora" is a BRAND and a MENTION).

`product_areas` maps a post to product areas: the areas of the products it names, plus every area
(or product) whose keywords occur, as whole words with common inflections ("crashes" for
"crash") or, given the language, by lemma.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from echolot.config import ProjectConfig

BRAND, PRODUCT, COMPETITOR = "BRAND", "PRODUCT", "COMPETITOR"
MENTION, HASHTAG, URL, CASHTAG = "MENTION", "HASHTAG", "URL", "CASHTAG"
# Languages with a tuned pipeline; other codes (None, "und", "zxx", ...) use English rules,
# which suit names, handles and hashtags in any language.
DEFAULT_LANGUAGE = "en"
BATCH_SIZE = 256
FUZZY_MIN_LENGTH = 6

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\"…"
_MENTION = re.compile(r"(?<![\w@/.])(?:@\w{1,50}|u/[A-Za-z0-9_-]{3,20}\b)")
# A hashtag needs a letter (not "#1"); "&#" entities and URL fragments are excluded.
_HASHTAG = re.compile(r"(?<![\w&#])#(?=\w*[^\W\d_])\w+")
_CASHTAG = re.compile(r"(?<![\w$])\$[A-Za-z]{1,6}(?:\.[A-Za-z]{1,2})?(?![\w])")
# Endings tried for keywords ("update" -> "updates", "updated"; "crash" -> "crashes").
_INFLECTIONS = r"(?:s|es|ed|d|ing|er|en|n|e)?"


@Language.component("echolot_lemma")
def _lemma_component(doc: Doc) -> Doc:
    """Lower-case lemmas, looked up more forgivingly than spaCy's lookup lemmatizer.

    The lookup tables are case-sensitive ("Buying" stays "Buying"; German nouns are keyed
    capitalised), so the text is tried as written, lower-cased and capitalised. German first
    persons missing from the table ("kaufe") become the infinitive when that is a known lemma.
    """
    table, lemmas = _TABLES.get(doc.lang_, (None, frozenset()))
    if table is None:
        for token in doc:
            token.lemma_ = token.lower_
        return doc
    german = doc.lang_ == "de"
    for token in doc:
        text, lower = token.text, token.lower_
        if german:  # verbs first ("Kaufe" is the verb more often than the old dative of "Kauf")
            lemma = table.get(lower)
            if lemma is None and lower.endswith("e") and lower + "n" in lemmas:
                lemma = lower + "n"
            lemma = lemma or table.get(text) or table.get(text.capitalize())
        else:
            lemma = table.get(text) or table.get(lower)
        token.lemma_ = (lemma or lower).lower()
    return doc


_SENTENCE_END = re.compile(r"^(?:[.!?…]+|[!?]+[.!?…]*)$")


@Language.component("echolot_sentences")
def _sentence_component(doc: Doc) -> Doc:
    """Sentence starts after . ! ? … (also "?!" and "??") and after line breaks."""
    start, previous_end = True, False
    for token in doc:
        is_end = bool(_SENTENCE_END.match(token.text))
        token.is_sent_start = start and not (is_end and previous_end)
        start = is_end or "\n" in token.whitespace_ or (token.is_space and "\n" in token.text)
        previous_end = is_end
    return doc


# lang -> (lookup table, its lower-cased lemma values); filled when a pipeline is built.
_TABLES: dict[str, tuple[Any, frozenset[str]]] = {}


def _load_table(nlp: Language) -> None:
    if nlp.lang in _TABLES:
        return
    try:
        from spacy.lookups import load_lookups

        lookups = load_lookups(nlp.lang, ["lemma_lookup"])
        table = lookups.get_table("lemma_lookup")
        _TABLES[nlp.lang] = (_Table(table), frozenset(str(v).lower() for v in table.values()))
    except (ValueError, KeyError, OSError):  # no lookup table for this language
        _TABLES[nlp.lang] = (None, frozenset())


class _Table:
    """spaCy's lookup Table, asked by string, answering a string or None."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, key: str) -> str | None:
        value = self._table.get(key)
        return None if value is None else str(value)


def _squash(term: str) -> str:
    return re.sub(r"\s+", "", term)


def term_forms(term: str) -> list[str]:
    """A name or alias as written, as #hashtag and @handle, and written together."""
    term = " ".join(term.split())
    if term.startswith(("#", "@")):
        return [term]
    forms = [term, "#" + _squash(term), "@" + _squash(term)]
    if " " in term:
        forms.append(_squash(term))
    return list(dict.fromkeys(forms))


@dataclass
class _Lexicon:
    """What the config says about names and areas, independent of language."""

    # (label, canonical, term) for every name and alias
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    product_area: dict[str, str] = field(default_factory=dict)
    # (area, keyword) for area keywords and product keywords
    keywords: list[tuple[str, str]] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    own: set[str] = field(default_factory=set)  # canonical names of own brands and products

    @classmethod
    def from_config(cls, config: ProjectConfig) -> _Lexicon:
        lex = cls()
        for brand in config.brands:
            lex.own.add(brand.name)
            lex.terms += [(BRAND, brand.name, t) for t in brand.terms]
        for competitor in config.competitors:
            lex.terms += [(COMPETITOR, competitor.name, t) for t in competitor.terms]
        for product in config.products:
            lex.own.add(product.name)
            lex.product_area[product.name] = product.area
            lex.terms += [(PRODUCT, product.name, t) for t in [product.name, *product.aliases]]
            lex.keywords += [(product.area, k) for k in product.keywords]
        for area in config.product_areas:
            lex.areas.append(area.name)
            lex.keywords += [(area.name, k) for k in area.keywords]
        return lex


class EntityExtractor:
    """Finds configured names and social tokens in posts; one blank pipeline per language."""

    def __init__(self, lexicon: _Lexicon, languages: Sequence[str] = ("en", "de"),
                 fuzzy: bool = True) -> None:  # fmt: skip
        self.lexicon = lexicon
        self.fuzzy = fuzzy
        self._pipelines: dict[str, Language] = {}
        self._keyword_regex = self._compile_keywords(lexicon.keywords)
        self._keyword_lemmas: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for lang in languages:
            self.pipeline(lang)

    @classmethod
    def from_config(cls, config: ProjectConfig, languages: Sequence[str] | None = None,
                    fuzzy: bool = True) -> EntityExtractor:  # fmt: skip
        """Pipelines for English and German (if the project detects them) are built at once;
        any other language gets its own when a post in it first arrives."""
        if languages is None:
            languages = [lang for lang in ("en", "de") if lang in config.nlp.languages] or ["en"]
        return cls(_Lexicon.from_config(config), languages, fuzzy)

    # ------------------------------------------------------------------ pipelines
    @staticmethod
    def language_of(lang: str | None) -> str:
        """The pipeline a post's language code maps to ("de-AT" -> "de", None -> "en")."""
        if not lang:
            return DEFAULT_LANGUAGE
        code = lang.split("-")[0].split("_")[0].lower()
        return code if re.fullmatch(r"[a-z]{2,3}", code) else DEFAULT_LANGUAGE

    def pipeline(self, lang: str | None) -> Language:
        code = self.language_of(lang)
        if code not in self._pipelines:
            try:
                nlp = spacy.blank(code)
            except (ImportError, KeyError, ValueError):  # spaCy has no such language
                nlp = self.pipeline(DEFAULT_LANGUAGE)
                self._pipelines[code] = nlp
                return nlp
            self._pipelines[code] = self._build(nlp)
        return self._pipelines[code]

    def _build(self, nlp: Language) -> Language:
        _load_table(nlp)
        nlp.add_pipe("echolot_sentences")
        nlp.add_pipe("echolot_lemma")
        ruler = nlp.add_pipe("entity_ruler", config={"validate": True, "overwrite_ents": True})
        # initialize() first: it clears the ruler's patterns.
        nlp.initialize()
        ruler.add_patterns(self._patterns(nlp))  # type: ignore[attr-defined]
        return nlp

    def _patterns(self, nlp: Language) -> list[dict[str, Any]]:
        patterns: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for label, canonical, term in self.lexicon.terms:
            for form in term_forms(term):
                tokens = [t.lower_ for t in nlp.make_doc(form)]
                key = (label, " ".join(tokens))
                if not tokens or key in seen:
                    continue
                seen.add(key)
                pattern = [self._token_pattern(t) for t in tokens]
                patterns.append({"label": label, "pattern": pattern, "id": canonical})
        return patterns

    def _token_pattern(self, token: str) -> dict[str, Any]:
        if self.fuzzy and token.isalpha() and len(token) >= FUZZY_MIN_LENGTH:
            return {"LOWER": {"FUZZY1": token}, "IS_ALPHA": True}
        return {"LOWER": token}

    # ------------------------------------------------------------------ extraction
    def docs(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Doc]:
        """Processed Docs in input order; posts are batched per language with `nlp.pipe`."""
        if len(texts) != len(langs):
            raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
        out: list[Doc | None] = [None] * len(texts)
        groups: dict[str, list[int]] = {}
        for index, lang in enumerate(langs):
            groups.setdefault(self.language_of(lang), []).append(index)
        for code, indices in groups.items():
            nlp = self.pipeline(code)
            batch = (texts[i] or "" for i in indices)
            for index, doc in zip(indices, nlp.pipe(batch, batch_size=BATCH_SIZE), strict=True):
                out[index] = doc
        return out  # type: ignore[return-value]

    def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[dict]]:
        """Entities per post: dicts with label, text, canonical, start and end (char offsets)."""
        return [self.entities_of(doc) for doc in self.docs(texts, langs)]

    def entities_of(self, doc: Doc) -> list[dict[str, Any]]:
        found = [
            {
                "label": ent.label_,
                "text": ent.text,
                "canonical": ent.ent_id_ or ent.text,
                "start": ent.start_char,
                "end": ent.end_char,
            }
            for ent in doc.ents
        ]
        found += regex_entities(doc.text)
        found.sort(key=lambda e: (e["start"], -e["end"], e["label"]))
        return found

    # ------------------------------------------------------------------ product areas
    @staticmethod
    def _compile_keywords(keywords: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
        compiled = []
        for area, keyword in keywords:
            words = keyword.split()
            if not words:
                continue
            body = r"\s+".join(re.escape(w) for w in words)
            suffix = _INFLECTIONS if words[-1][-1:].isalpha() else ""
            regex = re.compile(rf"(?<!\w){body}{suffix}(?!\w)", re.IGNORECASE)
            compiled.append((area, regex))
        return compiled

    def _lemmas(self, text: str, lang: str | None) -> list[str]:
        nlp = self.pipeline(lang)
        doc = nlp.make_doc(text)
        doc = nlp.get_pipe("echolot_lemma")(doc)
        return [t.lemma_ for t in doc]

    def _keyword_lemma_table(self, lang: str | None) -> list[tuple[str, tuple[str, ...]]]:
        code = self.language_of(lang)
        if code not in self._keyword_lemmas:
            self._keyword_lemmas[code] = [
                (area, tuple(self._lemmas(keyword, code)))
                for area, keyword in self.lexicon.keywords
            ]
        return self._keyword_lemmas[code]

    def product_areas(self, text: str, entities: Iterable[dict[str, Any]],
                      lang: str | None = None) -> list[str]:  # fmt: skip
        """Areas of the products the post names, plus areas whose keywords occur in it.

        Keywords match as whole words, case-insensitively, with common inflections; given `lang`,
        also by lemma (so "disconnected" finds "disconnect" and "Preise" finds "Preis").
        """
        found: set[str] = set()
        for entity in entities:
            if entity.get("label") == PRODUCT:
                area = self.lexicon.product_area.get(entity.get("canonical", ""))
                if area:
                    found.add(area)
        for area, regex in self._keyword_regex:
            if area not in found and regex.search(text):
                found.add(area)
        if lang is not None and len(found) < len(self.lexicon.areas):
            lemmas = self._lemmas(text, lang)
            for area, wanted in self._keyword_lemma_table(lang):
                if area not in found and wanted and _contains(lemmas, wanted):
                    found.add(area)
        order = {name: i for i, name in enumerate(self.lexicon.areas)}
        return sorted(found, key=lambda a: (order.get(a, len(order)), a))

    def mentions_own(self, entities: Iterable[dict[str, Any]]) -> bool:
        return any(e["label"] in (BRAND, PRODUCT) for e in entities)


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))


def _spans(regex: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    for match in regex.finditer(text):
        yield match.start(), match.end()


def regex_entities(text: str) -> list[dict[str, Any]]:
    """@mentions, #hashtags, URLs and $CASHTAGS; none is reported inside a URL."""
    found: list[dict[str, Any]] = []
    urls: list[tuple[int, int]] = []
    for start, end in _spans(_URL, text):
        while end > start and text[end - 1] in _URL_TRAILING:
            # Keep a closing bracket that has its opening one inside the URL (Wikipedia style).
            if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(")"):
                break
            end -= 1
        urls.append((start, end))
        found.append(_entity(URL, text, start, end, text[start:end]))

    def outside_urls(start: int, end: int) -> bool:
        return not any(s <= start < e for s, e in urls)

    for label, regex in ((MENTION, _MENTION), (HASHTAG, _HASHTAG), (CASHTAG, _CASHTAG)):
        for start, end in _spans(regex, text):
            if outside_urls(start, end):
                raw = text[start:end]
                canonical = raw.upper() if label == CASHTAG else raw.lower()
                found.append(_entity(label, text, start, end, canonical))
    return found


def _entity(label: str, text: str, start: int, end: int, canonical: str) -> dict[str, Any]:
    return {"label": label, "text": text[start:end], "canonical": canonical,
            "start": start, "end": end}  # fmt: skip
