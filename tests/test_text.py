"""matcher/text.py: the cached character n-gram analyzer is scikit-learn's ``char_wb`` exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.text import char_ngrams, make_vectorizer

SKLEARN_CHAR_WB = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).build_analyzer()
WORDS = st.sampled_from(["미싱", "재단사", "봉제", "A", "Java", "ÄB", "가", "x", "수제화 ", "  ", "\t", "\n", "CAD"])


@given(st.lists(WORDS, max_size=12).map(" ".join) | st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_char_ngrams_equal_sklearn_char_wb(document: str) -> None:
    assert char_ngrams(document) == SKLEARN_CHAR_WB(document)


def test_char_vectorizer_gives_sklearn_char_wb_vocabulary() -> None:
    corpus = ["미싱 재봉 경력 10년", "수제화 제작 (성수동)", "Java 개발자", "가"]
    ours = make_vectorizer("char").fit(corpus)
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, norm=None, dtype=np.float32)
    theirs.fit(corpus)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert (ours.transform(corpus) != theirs.transform(corpus)).nnz == 0
