"""Content features of seekers and openings, and pair features for blocks of pairs.

:class:`Featurizer` is fitted once on the tables (vocabularies, TF-IDF); it then
encodes any seeker or opening table, including rows added later, into
:class:`Encoded` matrices. :func:`content_pair_features` computes the content
part of the pair features for whole blocks of pairs with numpy and
scipy.sparse: no Python loop runs over pairs. Gender is never read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import MultiLabelBinarizer, normalize

from matcher import domain, eligibility, occupation, text
from matcher.reference import normalize_term, program_codes

EARTH_RADIUS_KM = 6371.0088
FEW_ROWS = 4  # a side of a pair block with this few distinct rows is made dense (see rowwise_dot)
LATENT_ROWS = 20_000  # rows the low-rank text projection is fitted on (a seeded sample of larger tables)
SPARSE_PAIRS = 0.02  # below this share of all row combinations, pairs are multiplied one by one
T = TypeVar("T")

CONTENT_FEATURES: tuple[str, ...] = (
    "text_profile_cos",
    "text_occupation_cos",
    "text_intro_description_cos",
    "required_skill_coverage",
    "required_skill_count",
    "required_skills_held",
    "preferred_skill_coverage",
    "desired_occupation_match",
    "past_occupation_match",
    "occupation_family_match",
    "industry_match",
    "wage_ratio_log",
    "opening_wage_hourly",
    "hours_gap",
    "distance_km",
    "distance_over_tolerance",
    "education_gap",
    "experience_gap",
    "seeker_age",
    "program",
)


@dataclass
class Encoded:
    """Matrices and vectors of one side (seekers or openings), row-aligned with its table."""

    ids: np.ndarray
    profile: sp.csr_matrix  # TF-IDF of the whole profile
    occupation_text: sp.csr_matrix  # TF-IDF of occupation names (and title)
    free_text: sp.csr_matrix  # TF-IDF of intro / description
    skills: sp.csr_matrix  # seekers: held; openings: required
    preferred: sp.csr_matrix | None  # openings only
    occupation_codes: sp.csr_matrix  # seekers: desired; openings: own
    past_codes: sp.csr_matrix | None  # seekers only
    families: sp.csr_matrix  # seekers: desired ∪ past; openings: own
    industries: sp.csr_matrix
    latent: np.ndarray  # low-rank projection of profile + free text, rows of unit length
    numbers: dict[str, np.ndarray]
    employer_ids: np.ndarray | None = None  # openings only
    cache: dict = field(default_factory=dict)  # per-model lookups of these rows (history rows)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray) -> Encoded:
        """The encoding of the given rows, in that order (a new object with an empty cache)."""
        rows = np.asarray(rows, dtype=np.intp)
        return Encoded(**{name: _take(value, rows) for name, value in self._parts().items()})

    @staticmethod
    def concat(parts: list[Encoded]) -> Encoded:
        """Rows of several encodings of the same side and vocabulary, one after the other."""
        first = parts[0]._parts()
        joined: dict[str, Any] = {}
        for name, value in first.items():
            values = [p._parts()[name] for p in parts]
            if value is None:
                joined[name] = None
            elif isinstance(value, dict):
                joined[name] = {k: np.concatenate([v[k] for v in values]) for k in value}
            elif sp.issparse(value):
                joined[name] = sp.vstack(values, format="csr")
            else:
                joined[name] = np.concatenate(values)
        return Encoded(**joined)

    def _parts(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "cache"}

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """``compute()`` once per encoding and ``key``, remembered in :attr:`cache` (a ``None`` result too)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def single_column(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """For a matrix with at most one entry per row: each row's column (the width for an empty row)
        and value; ``None`` when some row has more. Computed once per encoding."""

        def compute() -> tuple[np.ndarray, np.ndarray] | None:
            matrix = getattr(self, name)
            counts = np.diff(matrix.indptr)
            if counts.max(initial=0) > 1:
                return None
            column = np.full(matrix.shape[0], matrix.shape[1], dtype=np.intp)
            value = np.zeros(matrix.shape[0], dtype=matrix.dtype)
            rows = np.flatnonzero(counts)
            column[rows] = matrix.indices[matrix.indptr[rows]]
            value[rows] = matrix.data[matrix.indptr[rows]]
            return column, value

        return self.memo(("single", name), compute)

    def row_sums(self, name: str) -> np.ndarray:
        """Sum of each row of a matrix as float32, computed once per encoding."""
        return self.memo(
            ("row sums", name), lambda: np.asarray(getattr(self, name).sum(axis=1), dtype=np.float32).ravel()
        )

    def transposed(self, name: str) -> sp.csr_matrix:
        """``getattr(self, name).T`` as CSR, computed once per encoding (for block products)."""
        return self.memo(("T", name), lambda: getattr(self, name).T.tocsr())


SMALL_SIDE = 8  # a block with this few rows on one side is multiplied without BLAS
TIMED_ENTRIES = 64  # per-time measures remembered per encoding


def _per_row(
    encoded: Encoded,
    rows: np.ndarray | None,
    fn: Callable[..., np.ndarray],
    at: float,
    per_row: tuple[np.ndarray, ...],
    key: object,
) -> np.ndarray:
    """``fn`` of the selected rows at ``at``; remembered in the encoding when it covers all rows."""

    def compute() -> np.ndarray:
        picked = [_pick(values, rows) for values in per_row]
        return np.asarray(fn(*picked, np.full(len(picked[0]), at)))

    if key is None or rows is not None:
        return compute()
    return remember(encoded, key, at, compute)


def remember(encoded: Encoded, key: object, at: float, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """``compute()`` remembered in the encoding's cache per ``(key, at)`` (a bounded number of moments)."""
    timed = encoded.cache.setdefault("timed", {})
    found = timed.get((key, at))
    if found is None:
        found = compute()
        if len(timed) >= TIMED_ENTRIES:
            timed.clear()
        timed[(key, at)] = found
    return found


def _pick(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return values if rows is None else values[rows]


def _take(value: Any, rows: np.ndarray) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: v[rows] for k, v in value.items()}
    return value[rows]


def take_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """``matrix[rows]`` for a few rows (the same entries in the same order), without the general
    fancy-indexing machinery of scipy, whose checks cost more than copying a handful of rows."""
    rows = np.asarray(rows)
    if rows.ndim != 1 or rows.dtype.kind not in "iu" or len(rows) > SMALL_SIDE or not sp.isspmatrix_csr(matrix):
        return matrix[rows]
    rows = np.where(rows < 0, rows + matrix.shape[0], rows)
    if len(rows) and (rows.min() < 0 or rows.max() >= matrix.shape[0]):
        return matrix[rows]  # scipy raises the usual IndexError
    starts, ends = matrix.indptr[rows], matrix.indptr[rows + 1]
    lengths = ends - starts
    indptr = np.zeros(len(rows) + 1, dtype=matrix.indptr.dtype)
    np.cumsum(lengths, out=indptr[1:])
    picks = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1], dtype=matrix.indptr.dtype)
    return sp.csr_matrix(
        (matrix.data[picks], matrix.indices[picks], indptr), shape=(len(rows), matrix.shape[1]), copy=False
    )


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km, vectorised."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def rowwise_dot(
    a: sp.csr_matrix, b: sp.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray, block: int = 512
) -> np.ndarray:
    """``a[rows_a[i]] · b[rows_b[i]]`` for every i.

    Pairs are grouped by distinct ``a`` rows; each group of up to ``block`` rows
    meets its distinct ``b`` rows in one sparse product, from which the pairs
    are gathered. This beats gathering one row per pair when rows repeat, as
    they do in blocks of pairs (one seeker × many openings, and the reverse).
    """
    out = np.zeros(len(rows_a), dtype=np.float32)
    if len(rows_a) == 0:
        return out
    unique_a, inverse_a = np.unique(rows_a, return_inverse=True)
    if len(unique_a) <= FEW_ROWS:  # one seeker against a shortlist of openings
        return _dot_few(b, rows_b, take_rows(a, unique_a), inverse_a)
    unique_b, inverse_b = np.unique(rows_b, return_inverse=True)
    if len(unique_b) <= FEW_ROWS:  # one opening against a shortlist of seekers
        return _dot_few(a, rows_a, take_rows(b, unique_b), inverse_b)
    if len(rows_a) < SPARSE_PAIRS * len(unique_a) * len(np.unique(rows_b)):
        # Few pairs among many rows (sampled training pairs): products would compute mostly unused cells.
        return np.asarray(a[rows_a].multiply(b[rows_b]).sum(axis=1), dtype=np.float32).ravel()
    order = np.argsort(inverse_a, kind="stable")
    bounds = np.searchsorted(inverse_a[order], np.arange(0, len(unique_a) + block, block))
    for chunk, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        if lo == hi:
            continue
        pairs = order[lo:hi]
        unique_b, inverse_b = np.unique(rows_b[pairs], return_inverse=True)
        first = chunk * block
        left, right = a[unique_a[first : first + block]], b[unique_b]
        # Transpose (and so convert) the smaller side: one seeker against hundreds of openings, or the reverse.
        product = (left @ right.T).toarray() if left.shape[0] >= right.shape[0] else (right @ left.T).toarray().T
        out[pairs] = product[inverse_a[pairs] - first, inverse_b]
    return out


def _dot_few(many: sp.csr_matrix, rows: np.ndarray, few: sp.csr_matrix, which: np.ndarray) -> np.ndarray:
    """``many[rows[i]] · few[which[i]]`` when ``few`` has a handful of rows: its rows are made dense and
    each pair's nonzeros of ``many`` are looked up in them, with no sparse product at all."""
    dense = few.toarray()
    starts, ends = many.indptr[rows], many.indptr[rows + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    out = np.zeros(len(rows), dtype=np.float32)
    if total == 0:
        return out
    offsets = np.cumsum(lengths) - lengths
    positions = np.repeat(starts - offsets, lengths) + np.arange(total)
    pair = np.repeat(np.arange(len(rows)), lengths)
    terms = (many.data[positions] * dense[which[pair], many.indices[positions]]).astype(np.float32, copy=False)
    common = terms != 0
    # One term at a time in index order, in float32: the very sums a sparse product makes, to the last bit.
    np.add.at(out, pair[common], terms[common])
    return out


def _tidy(tfidf: sp.spmatrix) -> sp.csr_matrix:
    """TF-IDF rows as CSR with sorted indices and unit length: the same values whether the matrix came
    from fitting or from transforming (the sum for a row's length runs in one order)."""
    tfidf = tfidf.tocsr()
    tfidf.sort_indices()
    return normalize(tfidf)


def _binary(binarizer: MultiLabelBinarizer, lists: list[list[str]]) -> sp.csr_matrix:
    known = set(binarizer.classes_)
    return sp.csr_matrix(binarizer.transform([[x for x in xs if x in known] for xs in lists]), dtype=np.float32)


def _norm_list(values: pd.Series) -> list[list[str]]:
    return [[normalize_term(v) for v in (xs or ()) if v] for xs in values]


def _epoch_seconds(dates: pd.Series) -> np.ndarray:
    """Seconds since the epoch (NaN where missing), whatever the datetime resolution."""
    values = pd.to_datetime(dates).to_numpy().astype("datetime64[s]")
    return np.where(np.isnat(values), np.nan, values.astype(np.int64).astype(float))


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").astype(float).to_numpy()


class Featurizer:
    """Fits vocabularies on seekers and openings and encodes either side.

    Parameters
    ----------
    analyzer : ``"char"`` (character 2–3-grams) or ``"kiwi"`` (kiwipiepy morphemes).
    """

    def __init__(self, analyzer: str = "char", latent_dim: int = 64) -> None:
        self.analyzer = analyzer
        self.latent_dim = latent_dim

    # -- documents -------------------------------------------------------------------------
    @staticmethod
    def _seeker_docs(seekers: pd.DataFrame) -> dict[str, list[str]]:
        return {
            "profile": text.join(
                seekers["occupations"],
                seekers["desired_occupations"],
                seekers["desired_industries"],
                seekers["skills"],
                seekers["intro"],
            ),
            "occupation": text.join(seekers["occupations"], seekers["desired_occupations"]),
            "free": text.join(seekers["intro"]),
        }

    @staticmethod
    def _opening_docs(openings: pd.DataFrame) -> dict[str, list[str]]:
        return {
            "profile": text.join(
                openings["title"],
                openings["occupation"],
                openings["industry"],
                openings["required_skills"],
                openings["preferred_skills"],
                openings["description"],
            ),
            "occupation": text.join(openings["occupation"], openings["title"]),
            "free": text.join(openings["description"]),
        }

    def fit(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> Featurizer:
        """Learn TF-IDF vocabularies and label sets from both tables."""
        self._fit(seekers, openings)
        return self

    def fit_encode(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> tuple[Encoded, Encoded]:
        """:meth:`fit`, then the encodings of the same tables, reading each text once (on large tables
        analysing the text is most of the cost, and fitting already produced every matrix)."""
        read = self._fit(seekers, openings)
        return self.encode_seekers(seekers, read["seeker"]), self.encode_openings(openings, read["opening"])

    def _fit(self, seekers: pd.DataFrame, openings: pd.DataFrame) -> dict[str, dict[str, Any]]:
        """Fit, returning what was read of each side's rows on the way (TF-IDF matrices, skill lists)."""
        s_docs, o_docs = self._seeker_docs(seekers), self._opening_docs(openings)
        self.vectorizers_ = {}
        read: dict[str, dict[str, Any]] = {"seeker": {}, "opening": {}}
        for name in ("profile", "occupation", "free"):
            vectorizer = text.make_vectorizer(self.analyzer)
            docs = s_docs[name] + o_docs[name]
            corpus = docs if any(doc.strip() for doc in docs) else ["_"]  # no text still gets a vocabulary
            try:
                matrix = vectorizer.fit_transform(corpus)
            except ValueError:  # every document empty after analysis
                vectorizer, matrix = text.make_vectorizer("char").fit(["_"]), None
            self.vectorizers_[name] = vectorizer
            if matrix is None or corpus is not docs:
                read["seeker"][name], read["opening"][name] = (
                    self._tfidf(name, s_docs[name]),
                    self._tfidf(name, o_docs[name]),
                )
            else:
                matrix = _tidy(matrix)
                read["seeker"][name], read["opening"][name] = matrix[: len(s_docs[name])], matrix[len(s_docs[name]) :]
        seeker_skills = text.skill_lists(list(seekers["skills"]), list(seekers["intro"]))
        required = text.skill_lists(list(openings["required_skills"]))
        preferred = text.skill_lists(list(openings["preferred_skills"]))
        read["seeker"]["skills"], read["opening"]["skills"], read["opening"]["preferred"] = (
            seeker_skills,
            required,
            preferred,
        )
        self.skills_ = MultiLabelBinarizer(sparse_output=True).fit(seeker_skills + required + preferred)
        names = list(openings["occupation"].dropna())
        for col in ("occupations", "desired_occupations"):
            names += [x for xs in seekers[col] for x in xs]
        self.occupation_codes_ = occupation.ksco_codes(names)
        codes = {c for c in self.occupation_codes_.values() if c}
        self.codes_ = MultiLabelBinarizer(sparse_output=True).fit([sorted(codes)])
        self.families_ = MultiLabelBinarizer(sparse_output=True).fit([sorted({c[:3] for c in codes})])
        industries = _norm_list(seekers["desired_industries"]) + [
            [normalize_term(v)] for v in openings["industry"].dropna()
        ]
        self.industries_ = MultiLabelBinarizer(sparse_output=True).fit(industries)
        self.latent_ = {
            side: self._fit_latent(self._text_block(read[side]["profile"], read[side]["free"]))
            for side in ("seeker", "opening")
        }
        return read

    @staticmethod
    def _text_block(profile: sp.csr_matrix, free: sp.csr_matrix) -> sp.csr_matrix:
        return sp.hstack([profile, free]).tocsr()

    def _fit_latent(self, matrix: sp.csr_matrix) -> TruncatedSVD | None:
        if matrix.shape[0] > LATENT_ROWS:  # a seeded sample of rows finds the main directions as well
            rows = np.random.default_rng(0).choice(matrix.shape[0], LATENT_ROWS, replace=False)
            matrix = matrix[np.sort(rows)]
        dim = min(self.latent_dim, matrix.shape[1] - 1, matrix.shape[0] - 1, matrix.nnz)
        if dim < 2 or matrix.getnnz(axis=0).astype(bool).sum() <= dim:
            return None  # too little text to project
        return TruncatedSVD(dim, random_state=0).fit(matrix)

    def _latent(self, side: str, profile: sp.csr_matrix, free: sp.csr_matrix) -> np.ndarray:
        svd = self.latent_[side]
        if svd is None:
            return np.zeros((profile.shape[0], 1), dtype=np.float32)
        return normalize(svd.transform(self._text_block(profile, free))).astype(np.float32)

    def _codes(self, lists: list[list[str]]) -> list[list[str]]:
        lookup = self.occupation_codes_
        missing = {x for xs in lists for x in xs if x not in lookup}
        if missing:  # names first seen after fitting (e.g. added through the API)
            lookup = {**lookup, **occupation.ksco_codes(missing)}
        return [[c for c in (lookup.get(x) for x in xs) if c] for xs in lists]

    def _read(self, docs: dict[str, list[str]], skills: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A side's text fields as TF-IDF rows, and its skill lists."""
        return {**{name: self._tfidf(name, field) for name, field in docs.items()}, **skills()}

    def _tfidf(self, field: str, docs: list[str]) -> sp.csr_matrix:
        return _tidy(self.vectorizers_[field].transform(docs))

    def encode_seekers(self, seekers: pd.DataFrame, read: dict[str, Any] | None = None) -> Encoded:
        """Encode a seeker table (any rows, fitted vocabulary); ``read``: its text already read by fitting."""
        read = read or self._read(
            self._seeker_docs(seekers),
            lambda: {"skills": text.skill_lists(list(seekers["skills"]), list(seekers["intro"]))},
        )
        desired = self._codes([list(x) for x in seekers["desired_occupations"]])
        past = self._codes([list(x) for x in seekers["occupations"]])
        named = np.array(
            [len(d) + len(p) for d, p in zip(seekers["desired_occupations"], seekers["occupations"], strict=True)]
        )
        fams = [sorted({c[:3] for c in d + p}) for d, p in zip(desired, past, strict=True)]
        profile, free = read["profile"], read["free"]
        return Encoded(
            ids=seekers["seeker_id"].to_numpy(dtype=object),
            profile=profile,
            occupation_text=read["occupation"],
            free_text=free,
            skills=_binary(self.skills_, read["skills"]),
            preferred=None,
            occupation_codes=_binary(self.codes_, desired),
            past_codes=_binary(self.codes_, past),
            families=_binary(self.families_, fams),
            industries=_binary(self.industries_, _norm_list(seekers["desired_industries"])),
            latent=self._latent("seeker", profile, free),
            numbers={
                "lat": _number(seekers, "lat"),
                "lon": _number(seekers, "lon"),
                "max_commute_km": _number(seekers, "max_commute_km"),
                "desired_wage_hourly": _number(seekers, "desired_wage_hourly"),
                "desired_hours": _number(seekers, "desired_hours"),
                "education_rank": seekers["education"].map(domain.EDUCATION_RANK).astype(float).to_numpy(),
                "experience_years": _number(seekers, "experience_years"),
                "birth_year": _number(seekers, "birth_year"),
                "groups": eligibility.group_matrix(seekers["groups"]),
                # Occupation names the dictionary does not know (codes of another system, typos).
                "unknown_occupations": (
                    named - np.array([len(d) + len(p) for d, p in zip(desired, past, strict=True)])
                ).astype(float),
            },
        )

    def encode_openings(self, openings: pd.DataFrame, read: dict[str, Any] | None = None) -> Encoded:
        """Encode an opening table (any rows, fitted vocabulary); ``read``: its text already read by fitting."""
        read = read or self._read(
            self._opening_docs(openings),
            lambda: {
                "skills": text.skill_lists(list(openings["required_skills"])),
                "preferred": text.skill_lists(list(openings["preferred_skills"])),
            },
        )
        named = [[x] if isinstance(x, str) and x else [] for x in openings["occupation"]]
        own = self._codes(named)
        industries = [[normalize_term(v)] if isinstance(v, str) and v else [] for v in openings["industry"]]
        programs = list(program_codes())  # the program feature is its catalogue position
        profile, free = read["profile"], read["free"]
        codes = _binary(self.codes_, own)
        has_code = codes.getnnz(axis=1) > 0
        # One occupation key per opening for the collaborative space: its first code, or the empty key.
        first_code = np.asarray(codes.argmax(axis=1)).ravel() if codes.shape[1] else np.zeros(len(openings), int)
        return Encoded(
            ids=openings["opening_id"].to_numpy(dtype=object),
            employer_ids=openings["employer_id"].to_numpy(dtype=object),
            profile=profile,
            occupation_text=read["occupation"],
            free_text=free,
            skills=_binary(self.skills_, read["skills"]),
            preferred=_binary(self.skills_, read["preferred"]),
            occupation_codes=codes,
            past_codes=None,
            families=_binary(self.families_, [sorted({c[:3] for c in cs}) for cs in own]),
            industries=_binary(self.industries_, industries),
            latent=self._latent("opening", profile, free),
            numbers={
                "lat": _number(openings, "lat"),
                "lon": _number(openings, "lon"),
                "wage_hourly": _number(openings, "wage_hourly"),
                "hours_per_week": _number(openings, "hours_per_week"),
                "education_min_rank": openings["education_min"].map(domain.EDUCATION_RANK).astype(float).to_numpy(),
                "experience_min_years": _number(openings, "experience_min_years"),
                "program": openings["program"].fillna("general").map(programs.index).astype(float).to_numpy(),
                "posted_year": openings["posted_at"].dt.year.to_numpy(dtype=float),
                "positions": _number(openings, "positions"),
                "occupation_key": np.where(has_code, first_code, codes.shape[1]),
                "posted_s": _epoch_seconds(openings["posted_at"]),
                "deadline_s": _epoch_seconds(openings["deadline"]),
                "unknown_occupations": np.array(
                    [len(n) - len(c) for n, c in zip(named, own, strict=True)], dtype=float
                ),
            },
        )


class PairView:
    """Seeker and opening values lined up pair by pair: pair i is (s[i], o[i]); results are 1-d."""

    def __init__(self, seekers: Encoded, openings: Encoded, s: np.ndarray, o: np.ndarray) -> None:
        self.seekers, self.openings, self.s, self.o = seekers, openings, s, o

    def seeker(self, values: np.ndarray) -> np.ndarray:
        return values[self.s]

    def opening(self, values: np.ndarray) -> np.ndarray:
        return values[self.o]

    def pick_seeker(self, values: np.ndarray) -> np.ndarray:
        return values[self.s]

    def pick_opening(self, values: np.ndarray) -> np.ndarray:
        return values[self.o]

    def seeker_apply(
        self, fn: Callable[..., np.ndarray], at: np.ndarray, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        """``fn(*values_of_each_pair's_seeker, at)``: a per-seeker measure at each pair's time (``key`` unused)."""
        return fn(*(values[self.s] for values in per_row), at)

    def opening_apply(
        self, fn: Callable[..., np.ndarray], at: np.ndarray, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        return fn(*(values[self.o] for values in per_row), at)

    def bilinear(
        self,
        seeker_table: np.ndarray,
        opening_table: np.ndarray,
        seeker_rows: np.ndarray | None = None,
        opening_rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Dot of a seeker vector and an opening vector per pair: ``table[rows][s] · table[rows][o]``."""
        a = seeker_table[self.s if seeker_rows is None else seeker_rows[self.s]]
        b = opening_table[self.o if opening_rows is None else opening_rows[self.o]]
        return np.einsum("ij,ij->i", a, b)

    def dot(self, seeker_matrix: str, opening_matrix: str) -> np.ndarray:
        """Row products of the named matrices of the two encodings."""
        return rowwise_dot(getattr(self.seekers, seeker_matrix), getattr(self.openings, opening_matrix), self.s, self.o)


class BlockView:
    """Every seeker row against every opening row: results are (seekers × openings) blocks.

    ``s`` / ``o`` select rows of each encoding; ``None`` takes them all without copying
    (the side with many rows should be passed whole: its transposed matrices are cached).
    """

    def __init__(
        self, seekers: Encoded, openings: Encoded, s: np.ndarray | None = None, o: np.ndarray | None = None
    ) -> None:
        self.seekers, self.openings, self.s, self.o = seekers, openings, s, o

    def seeker(self, values: np.ndarray) -> np.ndarray:
        return (values if self.s is None else values[self.s])[:, None]

    def opening(self, values: np.ndarray) -> np.ndarray:
        return (values if self.o is None else values[self.o])[None, :]

    @property
    def shape(self) -> tuple[int, int]:
        return (
            len(self.seekers) if self.s is None else len(self.s),
            len(self.openings) if self.o is None else len(self.o),
        )

    def pick_seeker(self, values: np.ndarray) -> np.ndarray:
        return _pick(values, self.s)

    def pick_opening(self, values: np.ndarray) -> np.ndarray:
        return _pick(values, self.o)

    def seeker_apply(
        self, fn: Callable[..., np.ndarray], at: float, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        """``fn(*values_of_each_seeker, at)`` as a column: a per-seeker measure at the block's time.

        With a ``key``, a measure of a whole encoding is remembered per ``(key, at)`` in its cache.
        """
        return _per_row(self.seekers, self.s, fn, at, per_row, key)[:, None]

    def opening_apply(
        self, fn: Callable[..., np.ndarray], at: float, *per_row: np.ndarray, key: object = None
    ) -> np.ndarray:
        """``fn(*values_of_each_opening, at)`` as a row (see :meth:`seeker_apply`)."""
        return _per_row(self.openings, self.o, fn, at, per_row, key)[None, :]

    def bilinear(
        self,
        seeker_table: np.ndarray,
        opening_table: np.ndarray,
        seeker_rows: np.ndarray | None = None,
        opening_rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Dots of every seeker vector with every opening vector (rows as in :meth:`PairView.bilinear`)."""
        a = _pick(seeker_table, _pick(seeker_rows, self.s) if seeker_rows is not None else self.s)
        b = _pick(opening_table, _pick(opening_rows, self.o) if opening_rows is not None else self.o)
        if min(len(a), len(b)) <= SMALL_SIDE:
            # One query against many: a plain loop beats BLAS, whose threads cost more than the product
            # (and stall behind other thread pools, such as the ranker's OpenMP, under load).
            return np.einsum("ik,jk->ij", a, b)
        return a @ b.T

    def dot(self, seeker_matrix: str, opening_matrix: str) -> np.ndarray:
        """Dense block of products of the named matrices of the two encodings."""
        a = getattr(self.seekers, seeker_matrix)
        left = a if self.s is None else take_rows(a, self.s)
        single = self.openings.single_column(opening_matrix) if left.shape[0] <= SMALL_SIDE else None
        if single is not None:  # each opening has at most one entry (its occupation, family, industry)
            column, value = (part if self.o is None else part[self.o] for part in single)
            dense = np.hstack([left.toarray(), np.zeros((left.shape[0], 1), dtype=left.dtype)])
            return (dense[:, column] * value).astype(np.float32, copy=False)
        if self.o is None:
            right = self.openings.transposed(opening_matrix)
        else:
            right = getattr(self.openings, opening_matrix)[self.o].T.tocsr()
        return np.asarray((left @ right).toarray(), dtype=np.float32)


def _content_columns(view: PairView | BlockView, as_of_year: np.ndarray | float) -> dict[str, Callable[[], Any]]:
    """Each content feature as a function of a view, so pairs and blocks share one definition."""
    seekers, openings = view.seekers, view.openings
    sn, on = seekers.numbers, openings.numbers
    cache: dict[str, Any] = {}

    def once(name: str, fn: Callable[[], Any]) -> Any:
        if name not in cache:
            cache[name] = fn()
        return cache[name]

    def required_count():
        return once("rc", lambda: view.opening(openings.row_sums("skills")))

    def held():
        return once("held", lambda: view.dot("skills", "skills"))

    def preferred_count():
        return view.opening(openings.row_sums("preferred"))

    def distance():
        return once(
            "km",
            lambda: haversine_km(
                view.seeker(sn["lat"]), view.seeker(sn["lon"]), view.opening(on["lat"]), view.opening(on["lon"])
            ),
        )

    def ratio(num, den):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)

    return {
        "text_profile_cos": lambda: view.dot("profile", "profile"),
        "text_occupation_cos": lambda: view.dot("occupation_text", "occupation_text"),
        "text_intro_description_cos": lambda: view.dot("free_text", "free_text"),
        "required_skill_coverage": lambda: ratio(held(), required_count()),
        "required_skill_count": required_count,
        "required_skills_held": held,
        "preferred_skill_coverage": lambda: ratio(view.dot("skills", "preferred"), preferred_count()),
        "desired_occupation_match": lambda: view.dot("occupation_codes", "occupation_codes") > 0,
        "past_occupation_match": lambda: view.dot("past_codes", "occupation_codes") > 0,
        "occupation_family_match": lambda: view.dot("families", "families") > 0,
        "industry_match": lambda: view.dot("industries", "industries") > 0,
        "wage_ratio_log": lambda: np.log(view.opening(on["wage_hourly"]) / view.seeker(sn["desired_wage_hourly"])),
        "opening_wage_hourly": lambda: view.opening(on["wage_hourly"]),
        "hours_gap": lambda: view.opening(on["hours_per_week"]) - view.seeker(sn["desired_hours"]),
        "distance_km": distance,
        "distance_over_tolerance": lambda: distance() / view.seeker(sn["max_commute_km"]),
        "education_gap": lambda: view.seeker(sn["education_rank"]) - view.opening(on["education_min_rank"]),
        "experience_gap": lambda: view.seeker(sn["experience_years"]) - view.opening(on["experience_min_years"]),
        "seeker_age": lambda: np.asarray(as_of_year, dtype=float) - view.seeker(sn["birth_year"]),
        "program": lambda: view.opening(on["program"]),
    }


def finite_float32(values: object) -> np.ndarray:
    """``values`` as a new float32 array with every non-finite value NaN."""
    out = np.array(values, dtype=np.float32)
    out[~np.isfinite(out)] = np.nan
    return out


def content_pair_features(
    seekers: Encoded, openings: Encoded, s: np.ndarray, o: np.ndarray, as_of_year: np.ndarray | float
) -> np.ndarray:
    """Content features (columns in CONTENT_FEATURES order) for pairs (s[i], o[i])."""
    found = content_pair_subset(seekers, openings, s, o, as_of_year, CONTENT_FEATURES)
    return np.column_stack([found[name] for name in CONTENT_FEATURES])


def content_pair_subset(
    seekers: Encoded,
    openings: Encoded,
    s: np.ndarray,
    o: np.ndarray,
    as_of_year: np.ndarray | float,
    names: tuple[str, ...] | list[str],
) -> dict[str, np.ndarray]:
    """The named content features (those that are content features) for pairs (s[i], o[i])."""
    columns = _content_columns(PairView(seekers, openings, s, o), as_of_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {name: finite_float32(np.broadcast_to(columns[name](), s.shape)) for name in names if name in columns}


def content_block_features(
    view: BlockView, as_of_year: float, names: tuple[str, ...] | list[str]
) -> dict[str, np.ndarray]:
    """The named content features for every (seeker, opening) of a block.

    Each is an array broadcastable to (seekers × openings): a feature of the seeker alone
    is a column, one of the opening alone a row.
    """
    columns = _content_columns(view, as_of_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {name: finite_float32(columns[name]()) for name in names if name in columns}
