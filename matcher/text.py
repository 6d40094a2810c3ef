"""Korean text: field documents, skill extraction and the TF-IDF analyzers.

Two analyzers are offered and measured against each other in evaluation:
character n-grams (no tokenizer, robust to spacing and spelling variants) and
kiwipiepy morphemes (content words only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.extras import require
from matcher.reference import canonical_skills, normalize_term, skill_synonyms

# Kiwi part-of-speech tags kept as content words: nouns, verbs, adjectives, foreign words, roots.
_CONTENT_TAGS = ("NNG", "NNP", "NNB", "VV", "VA", "SL", "XR", "SH")


@cache
def _kiwi():
    return require("kiwipiepy", "kiwi", "the kiwi text analyzer").Kiwi()


def kiwi_tokens(text: str) -> list[str]:
    """Content morphemes of a Korean text (lemmas with their coarse tag dropped)."""
    if not text:
        return []
    return [t.form.lower() for t in _kiwi().tokenize(text) if t.tag in _CONTENT_TAGS]


@lru_cache(maxsize=200_000)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """Character 2- and 3-grams of one word padded with a space each side; a word too short for
    3-grams gives itself once (as scikit-learn's ``char_wb`` analyzer does)."""
    padded = f" {word} "
    grams: list[str] = []
    for n in (2, 3):
        if len(padded) <= n:
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


def char_ngrams(document: str) -> list[str]:
    """scikit-learn's ``char_wb`` 2–3-grams of a lowercased document, word by word through a cache:
    the same n-grams in the same order, about five times faster, since words repeat across documents."""
    return [gram for word in document.lower().split() for gram in _word_ngrams(word)]


def make_vectorizer(analyzer: str, min_df: int = 1) -> TfidfVectorizer:
    """A TF-IDF vectorizer for Korean text: ``char`` n-grams or ``kiwi`` morphemes.

    Rows come out unnormalised: the caller scales them to unit length after putting them in one
    canonical order, so fitted and transformed rows are identical.
    """
    if analyzer == "char":
        return TfidfVectorizer(analyzer=char_ngrams, min_df=min_df, sublinear_tf=True, norm=None, dtype=np.float32)
    if analyzer == "kiwi":
        _kiwi()  # a missing kiwipiepy is said before any fitting starts
        return TfidfVectorizer(analyzer=kiwi_tokens, min_df=min_df, sublinear_tf=True, norm=None, dtype=np.float32)
    raise ValueError(f"unknown text analyzer {analyzer!r}: use 'char' or 'kiwi'")


# A clause that only hopes for or prepares a skill does not hold it ("미싱을 배우고 싶습니다", "준비 중").
_ASPIRATION = re.compile(r"준비|배우|싶|희망|예정|관심|하려|없습니다|못")
_CLAUSE = re.compile(r"[.!?\n,]")


@cache
def _variants() -> tuple[str, ...]:
    return tuple(v for v in skill_synonyms() if len(v) >= 2)


@lru_cache(maxsize=50_000)
def skills_in_text(text: object) -> tuple[str, ...]:
    """Canonical skills a free text says the person has (e.g. an intro saying '재봉틀 10년'): every known
    variant in a clause that does not only hope for or prepare it. Anything but text holds none."""
    if not isinstance(text, str) or not text:
        return ()
    found: dict[str, None] = {}
    for clause in _CLAUSE.split(text):
        if _ASPIRATION.search(clause):
            continue
        plain = normalize_term(clause)
        for variant in _variants():
            if variant in plain:
                found.setdefault(skill_synonyms()[variant], None)
    return tuple(found)


def skill_lists(lists: Sequence[Sequence[str]], texts: Sequence[str | None] | None = None) -> list[list[str]]:
    """Canonical skill lists, optionally adding the skills mentioned in free text."""
    texts = texts if texts is not None else [None] * len(lists)
    out = []
    for items, text in zip(lists, texts, strict=True):
        out.append(canonical_skills([*(items or ()), *skills_in_text(text)]))
    return out


def join(*columns: pd.Series | Sequence) -> list[str]:
    """Row-wise join of text and list columns into one document per row."""
    parts: list[list[str]] = []
    for column in columns:
        values = column.tolist() if isinstance(column, pd.Series) else list(column)
        rendered = []
        for v in values:
            if isinstance(v, (list, tuple)):
                rendered.append(" ".join(map(str, v)))
            elif v is None or (isinstance(v, float) and np.isnan(v)):
                rendered.append("")
            else:
                rendered.append(str(v))
        parts.append(rendered)
    return [" ".join(p for p in row if p) for row in zip(*parts, strict=True)]
