"""Content features of seekers and openings, and pair features for blocks of pairs.

:class:`Featurizer` is fitted once on the tables (vocabularies, TF-IDF); it then
encodes any seeker or opening table, including rows added later, into
:class:`Encoded` matrices. :func:`content_pair_features` computes the content
part of the pair features for whole blocks of pairs with numpy and
scipy.sparse: no Python loop runs over pairs. Gender is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import MultiLabelBinarizer, normalize

from matcher import domain, eligibility, occupation, text
from matcher.encoded import Encoded
from matcher.geometry import haversine_km
from matcher.pair_views import BlockView, PairView, finite_float32
from matcher.reference import normalize_term, program_codes

LATENT_ROWS = 20_000  # rows the low-rank text projection is fitted on (a seeded sample of larger tables)

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


def _empty_lists(frame: pd.DataFrame) -> pd.Series:
    return pd.Series([()] * len(frame), index=frame.index, dtype=object)


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
                "access_needs": eligibility.access_bits(seekers.get("access_needs", _empty_lists(seekers))),
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
                "access_offered": eligibility.access_bits(openings.get("access_offered", _empty_lists(openings))),
                # what the opening says either way about access: a need outside it is unknown
                "access_stated": eligibility.access_bits(openings.get("access_offered", _empty_lists(openings)))
                | eligibility.access_bits(openings.get("access_not_offered", _empty_lists(openings))),
            },
        )


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
