"""Free occupation names → KSCO occupation codes, so related occupations can meet.

A name is looked up exactly (after normalisation) among the KSCO dictionary's
occupation, related and similar names; otherwise its nearest KSCO name by
character n-gram cosine is taken when close enough. Codes are 4 digits; the
first three give the occupation family used for 'same family' matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.reference import ksco_occupations, normalize_term

MIN_SIMILARITY = 0.55


@cache
def _index() -> tuple[TfidfVectorizer, sp.csr_matrix, np.ndarray]:
    table = ksco_occupations()
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3))
    matrix = normalize(vectorizer.fit_transform(table.index))
    return vectorizer, matrix, table["code"].to_numpy()


def ksco_codes(names: Iterable[str]) -> dict[str, str | None]:
    """KSCO 4-digit code of each distinct name (None when nothing is close)."""
    table = ksco_occupations()
    out: dict[str, str | None] = {}
    pending = []
    for name in dict.fromkeys(n for n in names if n):
        key = normalize_term(name)
        if key in table.index:
            out[name] = table.at[key, "code"]
        else:
            pending.append(name)
    if pending:
        vectorizer, matrix, codes = _index()
        queries = normalize(vectorizer.transform([normalize_term(n) for n in pending]))
        sims = (queries @ matrix.T).tocsr()
        for i, name in enumerate(pending):
            row = sims.getrow(i)
            if row.nnz and row.data.max() >= MIN_SIMILARITY:
                out[name] = codes[row.indices[row.data.argmax()]]
            else:
                out[name] = None
    return out


def family(code: str | None) -> str | None:
    """The occupation family (KSCO minor group, 3 digits) of a code."""
    return code[:3] if code else None
