"""Sample world: one year (2025) of the Seongdong-gu job center, as a contract folder.

``generate(out_dir)`` writes ``seekers.csv``, ``openings.csv`` and ``events.csv``
(shared/spec/data-format.md) from a seeded numpy Generator: the same seed gives
byte-identical files. Words, names, wages and hours come from
``training/data/sample_world.json``; programs and their eligibility rules from
``matcher/data/programs.csv``; skill spellings from ``matcher/data/skill_synonyms.csv``.

The world
---------
Employers sit where the district's industries are: handmade shoes (수제화) and
IT ventures in the Seongsu dongs, fashion and sewing (패션봉제) in 행당/왕십리도선/
마장, care, facility, food, retail, social-economy and public employers across
the district by population, and about 7% in neighbouring districts (given with
lat/lon). Each opening draws a program (all seven appear), then an occupation
the program uses, then an employer of that industry. Target groups and ages
follow the program rule and may narrow it; postings stay open 3-8 weeks;
senior social-activity jobs cluster in January-February.

Seekers are drawn by primary group (youth, middle_aged, senior, career_break,
disabled, low_income, vocational_student); age decides youth/middle_aged/senior
membership, and low_income/disabled are added to some others. A home industry
gives past and desired occupations, skills (written with synonym variants),
desired wage (never below the minimum wage) and hours. Some seekers want one
program's jobs only: 45% of seniors aged 65+ the social-activity jobs (7 h a
week, 29만원), 40% of disabled and low-income seekers supported employment or
self-sufficiency work, 60% of vocational students vocational-high placements.
``intro`` carries what the columns do not: hidden preferences (traits such as
오전 근무만 가능합니다, 손으로 만드는 일을 좋아합니다), a career break's length,
and sometimes a hidden skill (재봉 경력 10년이 있습니다). Disability and income
are never mentioned in intros. Gender is drawn for reporting only and is read
by nothing below.

Behavioural model (events)
--------------------------
1. Every seeker searches during a window (start uniform over the year, length
   log-normal around 60 days; senior-activity seekers mostly start in
   January-February); some have a counselor (more often seniors, disabled,
   low-income and vocational students).
2. Views: the seeker sees openings open during the window, sampled with
   probability ∝ exp(structured relevance): desired/past occupation and its
   KSCO family, desired industry, distance against max_commute_km, and a
   penalty for openings the seeker is not eligible for. A seeker makes about
   3 + 0.2 × (days searching) draws (repeats collapse), scaled by a personal
   activity level.
3. Recommendations: counselors recommend 1-3 eligible openings drawn with the
   square of the same weights; most are then viewed, and they raise the wish
   to apply.
4. Liking ``u`` of a viewed pair: occupation/family/industry match, skill
   coverage after synonym normalisation (hidden skill included), distance vs
   max_commute_km (halved by the near-home trait), hourly wage vs desired
   hourly wage (``matcher.domain.hourly_wage``; a shortfall hurts more than a
   surplus helps), hours fit, traits liking/disliking the opening's shift and
   kind of work, plus noise. An eligible seeker applies with
   sigmoid(u + propensity - 2.3 + 0.8·recommended). Ineligible pairs never
   get past a view (eligibility: ``matcher.eligibility``).
5. Employer score ``a``: required-skill coverage (hidden skill counts: it shows
   in the interview), preferred skills, experience vs experience_min_years,
   education vs education_min, past occupation, the seeker's employability and
   the employer's selectivity, a program bonus (subsidised programs such as
   senior social activity, self-sufficiency, supported employment and
   vocational-high placements are lenient), plus noise. sigmoid(a - 0.4)
   decides the interview, sigmoid(a + noise + 0.3) the offer; an offer is
   declined with sigmoid(-1.6 - 0.6·u).
6. Time order: recommended < viewed < applied < interviewed < outcome, all
   inside posted_at..deadline (views 07-20 h, interviews and outcomes in office
   hours on later days when the deadline allows). Offers are settled in time order: an opening never
   hires more than ``positions`` and closes when full (later applicants are
   rejected, later views vanish); a hired seeker takes no second job and 90%
   stop searching (their later events vanish).
7. ``retained`` follows a hire 90-104 days later with sigmoid(0.7 + 0.4·u +
   0.3·a [+ long-term trait]), if that day is still in the year.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from matcher import contract, eligibility, reference
from matcher.domain import EDUCATION_LEVELS, EDUCATION_RANK, EVENT_KINDS, GROUPS, hourly_wage, monthly_paid_hours
from matcher.geometry import haversine_km
from matcher.occupation import family

DAY = 1440  # minutes
BLOCK_CELLS = 4_000_000  # seeker × opening cells per dense block
STOP_AFTER_HIRE = 0.9
RETENTION_DAYS = 90


@dataclass(frozen=True)
class SampleSummary:
    """What ``generate`` wrote: rows per file, employers, events per kind."""

    out_dir: Path
    rows: dict[str, int]
    employers: int
    event_counts: dict[str, int]

    def __str__(self) -> str:
        files = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        kinds = ", ".join(f"{kind} {n}" for kind, n in self.event_counts.items())
        return f"{self.out_dir}: {files} ({self.employers} employers)\nevents: {kinds}"


@dataclass
class SampleWorld:
    """A generated year: the tables written out and the hidden parameters that produced the events."""

    world: _World
    seekers: _Seekers
    openings: _Openings
    events: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"seekers.csv": self.seekers.table, "openings.csv": self.openings.table, "events.csv": self.events}

    def write(self, out_dir: str | Path) -> Path:
        """The three contract files in ``out_dir`` (made if missing)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables().items():
            contract.write_table(table, out / name, name.removesuffix(".csv"))
        return out


def load_vocabulary() -> dict:
    """The generator's vocabulary (``training/data/sample_world.json``)."""
    path = resources.files("training") / "data" / "sample_world.json"
    with path.open("r", encoding="utf-8") as fh:
        return json.load(fh)


def generate(
    out_dir: str | Path,
    n_seekers: int = 2000,
    n_openings: int = 600,
    seed: int = 7,
    progress: bool = True,
) -> SampleSummary:
    """Write a sample year of seekers, openings and events to ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write ``seekers.csv``, ``openings.csv``, ``events.csv`` into.
    n_seekers, n_openings : table sizes (n_openings must cover the seven programs).
    seed : seed of the numpy Generator; the same seed gives byte-identical files.
    progress : show tqdm progress bars.
    """
    with tqdm(total=4, desc="sample", unit="step", disable=not progress) as bar:
        built = build(n_seekers, n_openings, seed, progress, step=bar.update)
        out = built.write(out_dir)
        bar.update()
    counts = built.events["event"].value_counts()
    return SampleSummary(
        out_dir=out,
        rows={name: len(table) for name, table in built.tables().items()},
        employers=int(built.openings.table["employer_id"].nunique()),
        event_counts={kind: int(counts.get(kind, 0)) for kind in EVENT_KINDS},
    )


def build(
    n_seekers: int, n_openings: int, seed: int, progress: bool = False, step: Callable[[], object] = lambda: None
) -> SampleWorld:
    """The sample year in memory, hidden parameters included (``generate`` writes its tables)."""
    world = _World(load_vocabulary())
    if n_seekers < 1 or n_openings < len(world.programs):
        raise ValueError(f"need at least 1 seeker and {len(world.programs)} openings")
    rng = np.random.default_rng(seed)
    openings = _make_openings(rng, world, n_openings)
    step()
    seekers = _make_seekers(rng, world, n_seekers)
    step()
    events = _simulate(rng, world, seekers, openings, progress)
    _access(np.random.default_rng([seed, 12]), seekers.table, openings.table)
    step()
    return SampleWorld(world, seekers, openings, events)


# --------------------------------------------------------------------------- accessibility

# What a kind of workplace states about access: (offered, probability), (not offered, probability) per
# code, by words of the occupation or industry. Workplaces that say nothing stay common: a real posting
# rarely states all of it.
_ACCESS_BY_WORK: tuple[tuple[tuple[str, ...], dict[str, float], dict[str, float]], ...] = (
    (("하역", "지게차", "택배", "포장", "청소", "미화", "보수", "순찰", "경비", "요양", "가사", "주차"),
     {"flexible_hours": 0.1}, {"seated_work": 0.85, "step_free_entrance": 0.2}),
    (("IT", "사무", "마케터", "분석", "디자이너", "경리", "엔지니어", "프로그래머", "행정"),
     {"seated_work": 0.85, "elevator": 0.6, "accessible_toilet": 0.4, "step_free_entrance": 0.5,
      "flexible_hours": 0.35, "sign_language": 0.05}, {}),
    (("재봉", "재단", "제화", "구두", "의복", "패턴", "봉제", "수선"),
     {"seated_work": 0.7}, {"elevator": 0.35, "step_free_entrance": 0.3}),
    (("조리", "제빵", "바리스타", "접객", "판매", "급식"),
     {"step_free_entrance": 0.3}, {"seated_work": 0.6}),
    (("공공", "문화", "사회복지", "보육"),
     {"elevator": 0.6, "accessible_toilet": 0.6, "step_free_entrance": 0.6, "sign_language": 0.15}, {}),
)  # fmt: skip
_STATES_ACCESS = 0.7  # share of openings that say anything about access
# Seekers' needs: disabled seekers state them often, some seniors and career-break seekers too.
_NEEDS = {
    "wheelchair": (("step_free_entrance", 1.0), ("accessible_toilet", 0.8), ("elevator", 0.6)),
    "hearing": (("sign_language", 1.0),),
    "seated": (("seated_work", 1.0), ("flexible_hours", 0.3)),
    "hours": (("flexible_hours", 1.0),),
}
_NEED_KIND = {"wheelchair": 0.35, "hearing": 0.2, "seated": 0.25, "hours": 0.2}


def _access(rng: np.random.Generator, seekers: pd.DataFrame, openings: pd.DataFrame) -> None:
    """Access columns (in place): what openings state they offer or not, by kind of work, and what some
    seekers need (wheelchair users need a step-free entrance; their intro says so). A stream of its own,
    so the rest of the world is what it was without them."""
    offered, not_offered = [], []
    for occupation, industry in zip(openings["occupation"].fillna(""), openings["industry"].fillna(""), strict=True):
        says = rng.random() < _STATES_ACCESS
        rule = next((r for r in _ACCESS_BY_WORK if any(w in occupation or w in industry for w in r[0])), None)
        yes = [c for c, p in (rule[1] if rule else {"step_free_entrance": 0.2}).items() if rng.random() < p]
        no = [c for c, p in (rule[2] if rule else {}).items() if rng.random() < p and c not in yes]
        offered.append(tuple(sorted(yes)) if says else ())
        not_offered.append(tuple(sorted(no)) if says else ())
    openings["access_offered"] = pd.Series(offered, index=openings.index, dtype=object)
    openings["access_not_offered"] = pd.Series(not_offered, index=openings.index, dtype=object)
    needs, intros = [], []
    kinds, shares = list(_NEED_KIND), np.array(list(_NEED_KIND.values()))
    for groups, intro in zip(seekers["groups"], seekers["intro"].fillna(""), strict=True):
        chance = 0.6 if "disabled" in groups else 0.08 if ("senior" in groups or "career_break" in groups) else 0.0
        kind = kinds[rng.choice(len(kinds), p=shares)] if rng.random() < chance else None
        if kind is not None and "disabled" not in groups:
            kind = "hours" if "career_break" in groups else "seated"
        wanted = tuple(sorted(c for c, p in _NEEDS[kind] if rng.random() < p)) if kind else ()
        needs.append(wanted)
        intros.append(f"{intro} 휠체어를 사용합니다.".strip() if kind == "wheelchair" else intro)
    seekers["access_needs"] = pd.Series(needs, index=seekers.index, dtype=object)
    seekers["intro"] = pd.Series(intros, index=seekers.index, dtype=object)


# --------------------------------------------------------------------------- vocabulary


def _skill_variants() -> dict[str, list[str]]:
    """Canonical skill → its spellings, canonical first (matcher/data/skill_synonyms.csv)."""
    path = resources.files("matcher") / "data" / "skill_synonyms.csv"
    with path.open("r", encoding="utf-8-sig") as fh:
        table = pd.read_csv(fh, dtype=str)
    out: dict[str, list[str]] = {}
    for canonical, variant in zip(table["canonical"], table["variant"], strict=True):
        out.setdefault(canonical, [canonical])
        if variant != canonical:
            out[canonical].append(variant)
    return out


class _World:
    """The vocabulary as arrays: occupations × skills, programs, places, traits."""

    def __init__(self, vocab: dict) -> None:
        self.vocab = vocab
        self.year: int = vocab["year"]
        self.programs = reference.program_codes()
        self.industries = [spec["industry"] for spec in vocab["industries"]]
        self.industry_spec = {spec["industry"]: spec for spec in vocab["industries"]}
        self.occupations: list[dict] = vocab["occupations"]
        self.variants = _skill_variants()
        self.skills = list(self.variants)
        skill_index = {s: j for j, s in enumerate(self.skills)}
        n_occ, n_skill = len(self.occupations), len(self.skills)
        self.occ_industry = np.array([self.industries.index(o["industry"]) for o in self.occupations])
        self.occ_required = np.zeros((n_occ, n_skill), dtype=bool)
        self.occ_preferred = np.zeros((n_occ, n_skill), dtype=bool)
        self.occ_program = np.zeros((n_occ, len(self.programs)))
        ksco = reference.ksco_occupations()
        families = [family(ksco.at[reference.normalize_term(o["occupation"]), "code"]) for o in self.occupations]
        self.family_names = sorted(set(families))
        self.occ_family = np.array([self.family_names.index(f) for f in families])
        for i, occ in enumerate(self.occupations):
            self.occ_required[i, [skill_index[s] for s in occ["required"]]] = True
            self.occ_preferred[i, [skill_index[s] for s in occ["preferred"]]] = True
            for program, weight in occ["programs"].items():
                self.occ_program[i, self.programs.index(program)] = weight
        self.occ_general = self.occ_program[:, self.programs.index("general")]
        self.acceptance = np.array([vocab["programs"][p].get("acceptance", 0.0) for p in self.programs])
        # places: the 17 dongs, then the neighbouring-district dongs
        places = vocab["places"]
        dongs = reference.dongs()
        outside = pd.DataFrame(places["neighbours"])
        self.places = pd.DataFrame(
            {
                "dong": list(dongs.index) + list(outside["dong"]),
                "district": ["성동구"] * len(dongs) + list(outside["district"]),
                "short": [places["short"][d] for d in dongs.index] + list(outside["place"]),
                "lat": np.r_[dongs["lat"].to_numpy(), outside["lat"].to_numpy()],
                "lon": np.r_[dongs["lon"].to_numpy(), outside["lon"].to_numpy()],
                "population": [places["population"][d] for d in dongs.index] + [0] * len(outside),
            }
        )
        self.n_inside = len(dongs)
        # traits: which opening attributes ("shift:morning", "tag:hand") each one likes or dislikes
        self.traits: list[dict] = vocab["traits"]
        attrs = sorted({a for t in self.traits for a in t.get("like", []) + t.get("dislike", [])})
        self.attributes = attrs
        weights = vocab["trait_weights"]
        self.trait_effect = np.zeros((len(self.traits), len(attrs)))
        for k, trait in enumerate(self.traits):
            for a in trait.get("like", []):
                self.trait_effect[k, attrs.index(a)] += weights["like"]
            for a in trait.get("dislike", []):
                self.trait_effect[k, attrs.index(a)] -= weights["dislike"]
        self.commute_factor = np.array([t.get("commute_factor", 1.0) for t in self.traits])
        self.trait_retention = np.array([t.get("retention", 0.0) for t in self.traits])

    def spell(self, rng: np.random.Generator, skills: np.ndarray) -> list[tuple[str, ...]]:
        """Each row of a boolean skill matrix as names, half of them in a variant spelling."""
        rows, cols = np.nonzero(skills)
        variant = rng.random(len(cols)) < 0.5
        which = rng.integers(0, 1 << 30, size=len(cols))
        out: list[list[str]] = [[] for _ in range(len(skills))]
        for r, c, v, w in zip(rows, cols, variant, which, strict=True):
            options = self.variants[self.skills[c]]
            out[r].append(options[1 + w % (len(options) - 1)] if v and len(options) > 1 else options[0])
        return [tuple(x) for x in out]


# --------------------------------------------------------------------------- sampling helpers


def _draw(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column per row with probability ∝ the row's weights; -1 for an all-zero row."""
    cum = np.cumsum(weights, axis=1)
    total = cum[:, -1]
    u = rng.random(len(weights)) * total
    idx = np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)
    return np.where(total > 0, idx, -1)


def _pick(rng: np.random.Generator, pairs: list, size: int) -> tuple[np.ndarray, list]:
    """Indices into ``[[value, weight], ...]`` drawn by weight, and the values."""
    weights = np.array([w for _, w in pairs], dtype=float)
    return rng.choice(len(pairs), size=size, p=weights / weights.sum()), [v for v, _ in pairs]


def _at(options: dict[str, float] | list, u: float):
    """The option a uniform draw ``u`` falls on: a dict key, or the value of a ``[value, weight]`` pair."""
    pairs = list(options.items()) if isinstance(options, dict) else options
    cum = np.cumsum([w for _, w in pairs])
    return pairs[min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(pairs) - 1)][0]


def _pick_key(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    keys = list(weights)
    idx, _ = _pick(rng, [[k, weights[k]] for k in keys], size)
    return np.array(keys, dtype=object)[idx]


def _jitter(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    dlat = rng.normal(0, km / 111.0, len(lat))
    dlon = rng.normal(0, km / (111.0 * np.cos(np.radians(37.55))), len(lon))
    return np.round(lat + dlat, 6), np.round(lon + dlon, 6)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _packed(bits: np.ndarray) -> np.ndarray:
    return np.packbits(bits, axis=1)


def _popcount(packed: np.ndarray) -> np.ndarray:
    return np.bitwise_count(packed).sum(axis=1, dtype=np.int64)


# --------------------------------------------------------------------------- employers & openings


@dataclass
class _Openings:
    table: pd.DataFrame  # contract columns, typed
    program: np.ndarray
    occ: np.ndarray
    industry: np.ndarray
    place: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    hourly: np.ndarray
    hours: np.ndarray
    attributes: np.ndarray  # bool (n × world.attributes)
    required: np.ndarray  # packed skill bits
    preferred: np.ndarray
    n_required: np.ndarray
    n_preferred: np.ndarray
    education_min: np.ndarray  # rank, -1 = none
    experience_min: np.ndarray
    positions: np.ndarray
    posted: np.ndarray  # day of year, 0 = Jan 1
    deadline: np.ndarray
    selectivity: np.ndarray


def _employers(rng: np.random.Generator, world: _World, industry: str, n: int) -> pd.DataFrame:
    """``n`` employers of one industry: name parts, places, exact coordinates for some."""
    spec, places, share = world.industry_spec[industry], world.places, world.vocab["places"]
    if spec["dongs"] == "population":
        weights = places["population"].to_numpy(float)
        place = rng.choice(len(places), size=n, p=weights / weights.sum())
    else:
        place = pd.Index(places["dong"]).get_indexer(rng.choice(spec["dongs"], size=n))
    out = rng.random(n) < (0.0 if spec.get("inside_only") else share["employer_outside_share"])
    place = np.where(out, rng.integers(world.n_inside, len(places), size=n), place)
    lat, lon = _jitter(rng, places["lat"].to_numpy()[place], places["lon"].to_numpy()[place], share["jitter_km"])
    exact = out | (rng.random(n) < share["employer_exact_share"])
    parts = world.vocab["name_parts"]
    draws = rng.integers(0, 1 << 30, size=(n, 4))
    return pd.DataFrame(
        {
            "industry": industry,
            "place": place,
            "lat": np.where(exact, lat, np.nan),
            "lon": np.where(exact, lon, np.nan),
            "sim_lat": lat,
            "sim_lon": lon,
            "pattern": [spec["names"][d % len(spec["names"])] for d in draws[:, 0]],
            "brand": [parts["brand"][d % len(parts["brand"])] for d in draws[:, 1]],
            "name_place": np.where(
                draws[:, 3] % 10 < 4,
                places["short"].to_numpy()[place],
                np.array(parts["place"], dtype=object)[draws[:, 2] % len(parts["place"])],
            ),
            "selectivity": rng.normal(-0.2, 0.4, n),
        }
    )


def _assign_employers(rng: np.random.Generator, world: _World, industry: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Employers of each industry (about 2.5 openings each, some much busier) and each opening's employer row.

    The same name in the same dong, or a fixed institution name (성동구청), is one employer.
    """
    tables, owner = [], np.empty(len(industry), dtype=int)
    for k, name in enumerate(world.industries):
        rows = np.flatnonzero(industry == k)
        if len(rows) == 0:
            continue
        table = _employers(rng, world, name, max(1, round(len(rows) / 2.5)))
        size = rng.lognormal(0, 0.8, len(table))
        owner[rows] = sum(map(len, tables)) + rng.choice(len(table), size=len(rows), p=size / size.sum())
        tables.append(table)
    emp = pd.concat(tables, ignore_index=True)
    dong = world.places["dong"].to_numpy()[emp["place"]]
    emp["name"] = [
        pattern.format(brand=brand, place=short, dong=d)
        for pattern, brand, short, d in zip(emp["pattern"], emp["brand"], emp["name_place"], dong, strict=True)
    ]
    fixed = ~emp["pattern"].str.contains("{", regex=False)
    key = emp["name"] + np.where(fixed, "", "@" + emp["place"].astype(str))
    _, first, same = np.unique(key.to_numpy(dtype=str), return_index=True, return_inverse=True)
    emp["employer_id"] = pd.Series(np.unique(first[same], return_inverse=True)[1] + 1).map("E{:05d}".format)
    return emp, first[same][owner]


def _make_openings(rng: np.random.Generator, world: _World, n: int) -> _Openings:
    """Openings of the year with their employers, in posting order (ids follow it)."""
    vocab, programs = world.vocab, world.programs
    shares = np.array([vocab["programs"][p]["share"] for p in programs])
    program = rng.choice(len(programs), size=n, p=shares / shares.sum())
    program[: len(programs)] = np.arange(len(programs))  # every program appears
    occ = np.empty(n, dtype=int)
    for p in range(len(programs)):
        rows = np.flatnonzero(program == p)
        weights = world.occ_program[:, p]
        occ[rows] = rng.choice(len(weights), size=len(rows), p=weights / weights.sum())
    specs = [vocab["programs"][programs[p]] for p in program]
    industry = np.array(
        [
            world.industries.index(s.get("employer_industry", world.occupations[o]["industry"]))
            for s, o in zip(specs, occ, strict=True)
        ]
    )
    emp, owner = _assign_employers(rng, world, industry)
    # dates: 3-8 weeks open, weekday postings, senior social activity early in the year
    duration = rng.integers(21, 57, size=n)
    posted = (rng.random(n) * (365 - duration)).astype(int)
    early = rng.random(n) < np.array([s.get("early_year_share", 0.0) for s in specs])
    posted = np.where(early, rng.integers(0, 45, size=n), posted)
    weekday = (posted + 2) % 7  # 2025-01-01 is a Wednesday; 5, 6 = weekend
    posted = posted - np.where(weekday == 5, 1, 0) - np.where(weekday == 6, 2, 0)
    order = np.argsort(posted, kind="stable")
    program, occ, industry, owner, posted, duration = (
        a[order] for a in (program, occ, industry, owner, posted, duration)
    )
    specs = [specs[i] for i in order]
    jobs = [world.occupations[o] for o in occ]
    emp = emp.iloc[owner].reset_index(drop=True)
    place = emp["place"].to_numpy()

    rules = _program_rules(rng, world, program)
    terms = _terms(rng, world, program, occ, specs)
    texts = [_opening_texts(world, rng, programs[program[i]], jobs[i], place[i], terms, i) for i in range(n)]
    base = np.datetime64(f"{world.year}-01-01")
    table = pd.DataFrame(
        {
            "opening_id": [f"O{k + 1:06d}" for k in range(n)],
            "employer_id": emp["employer_id"],
            "employer_name": emp["name"],
            "title": [title for title, _ in texts],
            "occupation": [job["occupation"] for job in jobs],
            "industry": np.array(world.industries, dtype=object)[industry],
            "dong": world.places["dong"].to_numpy()[place],
            "lat": emp["lat"],
            "lon": emp["lon"],
            "wage_type": terms["wage_type"],
            "wage_amount": terms["amount"],
            "hours_per_week": terms["hours"],
            "employment_type": terms["employment"],
            "required_skills": pd.Series(world.spell(rng, terms["required"]), dtype=object),
            "preferred_skills": pd.Series(world.spell(rng, terms["preferred"]), dtype=object),
            "education_min": terms["education"],
            "experience_min_years": terms["experience"],
            "program": np.array(programs, dtype=object)[program],
            "target_groups": pd.Series(rules["targets"], dtype=object),
            "age_min": pd.array(rules["age_min"], dtype="Int64"),
            "age_max": pd.array(rules["age_max"], dtype="Int64"),
            "positions": rules["positions"],
            "posted_at": pd.to_datetime(base + posted),
            "deadline": pd.to_datetime(base + posted + duration),
            "description": [description for _, description in texts],
        }
    )
    tags = [
        set(job["tags"]) | set(world.industry_spec[world.industries[k]]["tags"])
        for job, k in zip(jobs, industry, strict=True)
    ]
    shifts = [vocab["schedules"][k]["shift"] for k in terms["schedule"]]
    attributes = np.array(
        [
            [a == f"shift:{s}" or a.removeprefix("tag:") in tag for a in world.attributes]
            for s, tag in zip(shifts, tags, strict=True)
        ],
        dtype=bool,
    ).reshape(n, len(world.attributes))
    return _Openings(
        table=table,
        program=program,
        occ=occ,
        industry=industry,
        place=place,
        lat=emp["sim_lat"].to_numpy(),
        lon=emp["sim_lon"].to_numpy(),
        hourly=hourly_wage(terms["wage_type"], terms["amount"].astype(float), terms["hours"].astype(float)),
        hours=terms["hours"],
        attributes=attributes,
        required=_packed(terms["required"]),
        preferred=_packed(terms["preferred"]),
        n_required=terms["required"].sum(axis=1),
        n_preferred=terms["preferred"].sum(axis=1),
        education_min=np.array([EDUCATION_RANK[e] if e else -1 for e in terms["education"]]),
        experience_min=terms["experience"],
        positions=rules["positions"],
        posted=posted,
        deadline=posted + duration,
        selectivity=emp["selectivity"].to_numpy(),
    )


def _program_rules(rng: np.random.Generator, world: _World, program: np.ndarray) -> dict:
    """Positions, target groups and age bounds: the program's rule, sometimes narrowed by the opening."""
    n = len(program)
    positions, targets = np.empty(n, dtype=int), [()] * n
    age_min, age_max = np.full(n, np.nan), np.full(n, np.nan)
    for p, code in enumerate(world.programs):
        rows = np.flatnonzero(program == p)
        spec, rule = world.vocab["programs"][code], reference.programs()[code]
        idx, values = _pick(rng, spec["positions"], len(rows))
        positions[rows] = np.array(values)[idx]
        idx, values = _pick(rng, spec["target_groups"], len(rows))
        for r, i in zip(rows, idx, strict=True):
            targets[r] = tuple(values[i])
        idx, values = _pick(rng, spec["ages"], len(rows))
        bounds = np.array([[np.nan if v is None else v for v in pair] for pair in values], dtype=float)[idx]
        age_min[rows] = np.fmax(bounds[:, 0], np.nan if rule.age_min is None else rule.age_min)
        age_max[rows] = np.fmin(bounds[:, 1], np.nan if rule.age_max is None else rule.age_max)
    return {"positions": positions, "targets": targets, "age_min": age_min, "age_max": age_max}


def _terms(rng: np.random.Generator, world: _World, program: np.ndarray, occ: np.ndarray, specs: list[dict]) -> dict:
    """Schedule, hours, wage, employment type, education, experience and skills of each opening."""
    vocab, n = world.vocab, len(program)
    jobs = [world.occupations[o] for o in occ]
    u = rng.random((n, 6))
    schedule = [_at([[k, 1] for k in _schedules(vocab, specs[i], jobs[i])], u[i, 0]) for i in range(n)]
    hours = np.array([vocab["schedules"][k]["hours"] for k in schedule])
    wages = [_wage(vocab, specs[i], jobs[i]["wage"], hours[i], u[i, 1], u[i, 2]) for i in range(n)]
    employment = np.array([_at(specs[i].get("employment", jobs[i]["employment"]), u[i, 3]) for i in range(n)])
    employment = employment.astype(object)
    employment[(hours < 30) & (employment == "full_time")] = "part_time"
    employment[(hours >= 35) & (employment == "part_time")] = "full_time"
    plain = np.isin(
        program, [world.programs.index(c) for c in ("senior_social", "self_sufficiency", "disabled_supported")]
    )
    education = [None if plain[i] else _at(jobs[i].get("education", {"": 1.0}), u[i, 4]) or None for i in range(n)]
    experience = np.array([_at([[y, 1] for y in jobs[i]["experience"]], u[i, 5]) for i in range(n)], dtype=float)
    return {
        "schedule": schedule,
        "hours": hours,
        "wage_type": np.array([kind for kind, _ in wages], dtype=object),
        "amount": np.array([amount for _, amount in wages], dtype=np.int64),
        "employment": employment,
        "education": np.array(education, dtype=object),
        "experience": np.where(plain, 0.0, experience),
        "required": world.occ_required[occ] & (rng.random((n, len(world.skills))) < 0.8),
        "preferred": world.occ_preferred[occ] & (rng.random((n, len(world.skills))) < 0.4),
    }


def _schedules(vocab: dict, spec: dict, job: dict) -> list[str]:
    """Schedules an opening may have: the program's, else the occupation's (full-time ones if the program says so)."""
    options = spec.get("schedules", job["schedules"])
    long_enough = [k for k in options if vocab["schedules"][k]["hours"] >= spec.get("min_hours", 0)]
    return long_enough or options


def _wage(vocab: dict, spec: dict, job_wage: list, hours: int, u: float, v: float) -> tuple[str, int]:
    """Wage type and amount of one opening, as postings write them.

    Monthly pay of a part-time schedule is scaled to its hours; every wage is
    at least the minimum hourly wage except program allowances (senior social
    activity). About half the hourly and 40% of the full-time minimum monthly
    postings give the legal minimum exactly (시급 10,030원, 월급 2,096,270원).
    """
    kind, low, high = spec.get("wage", job_wage)
    if kind == "monthly" and "wage" not in spec and hours < 40:
        low, high = low * hours / 40, high * hours / 40
    value = low + u * (high - low)
    if kind == "hourly":
        value = low if v < 0.5 else round(value, -1)
    elif kind == "annual":
        value = round(value, -6)
    else:
        value = round(value, -4)
        if not spec.get("allowance"):
            floor = vocab["minimum_hourly_wage"] * float(monthly_paid_hours(hours))
            value = max(value, np.ceil(floor / 1e4) * 1e4)
        value = max(value, spec.get("monthly_floor", 0))
        if hours == 40 and low == vocab["minimum_monthly_wage"] and v < 0.4:
            value = low
    return kind, int(value)


def _wage_text(kind: str, amount: int) -> str:
    if kind == "hourly":
        return f"시급 {amount:,}원"
    if kind == "annual":
        return f"연봉 {amount // 10_000:,}만원"
    return f"월급 {amount // 10_000}만원" if amount % 10_000 == 0 else f"월급 {amount:,}원"


def _opening_texts(
    world: _World, rng: np.random.Generator, program: str, job: dict, place: int, terms: dict, i: int
) -> tuple[str, str]:
    """Title and a 2-4 sentence Korean description of one opening."""
    words, spec = world.vocab["description"], world.vocab["programs"][program]
    r = rng.integers(0, 1 << 30, size=8)
    short = world.places.at[place, "short"]
    title = job["titles"][r[0] % len(job["titles"])].format(place=short)
    schedule = world.vocab["schedules"][terms["schedule"][i]]
    experience, required = terms["experience"][i], terms["required"][i]
    schedule_text, hint = schedule["text"], schedule.get("hint")
    if hint and r[1] % 3 == 0:
        title += " " + hint
    elif program == "general":
        if schedule_text.startswith("주 5일") and "[주5일]" not in title and r[1] % 5 == 1:
            title = "[주5일] " + title
        elif experience > 0 and "경력" not in title and r[1] % 3 == 1:
            title += " (경력 우대)"
        elif experience == 0 and "초보" not in title and "신입" not in title and r[1] % 5 == 2:
            title += " (초보 가능)"
    title = _at(spec["title_prefix"], r[7] / (1 << 30)).format(place=short) + title
    sentences = [
        job["duties"][r[2] % len(job["duties"])],
        words["conditions"].format(schedule=schedule_text, wage=_wage_text(terms["wage_type"][i], terms["amount"][i])),
    ]
    extra = []
    skills = [world.skills[j] for j in np.flatnonzero(required)]
    if experience > 0:
        extra.append(words["experience"].format(years=f"{experience:g}"))
    elif skills and r[3] % 3 != 0:
        extra.append(words["required"].format(skills=", ".join(skills)))
    elif r[3] % 2 == 0:
        extra.append(words["beginner"][r[4] % len(words["beginner"])])
    if spec["sentence"]:
        extra.append(spec["sentence"])
    if place >= world.n_inside:
        extra.append(
            words["outside"].format(district=world.places.at[place, "district"], dong=world.places.at[place, "dong"])
        )
    if r[5] % 2 == 0:
        extra.append(words["closing"][r[6] % len(words["closing"])])
    return title, " ".join(sentences + extra[:2])


# --------------------------------------------------------------------------- seekers


@dataclass
class _Seekers:
    table: pd.DataFrame
    birth_year: np.ndarray
    groups: np.ndarray  # bool (n × GROUPS)
    lat: np.ndarray
    lon: np.ndarray
    past: np.ndarray  # bool (n × occupations)
    desired: np.ndarray
    families: np.ndarray  # bool (n × families) of past ∪ desired
    industries: np.ndarray  # bool (n × industries) desired
    skills: np.ndarray  # packed bits, hidden skill included
    education: np.ndarray  # rank, -1 unknown
    experience: np.ndarray
    hourly: np.ndarray  # desired KRW per hour, NaN unknown
    hours: np.ndarray  # desired hours, NaN unknown
    max_km: np.ndarray  # effective commute limit (near-home trait applied)
    traits: np.ndarray  # bool (n × traits)
    start: np.ndarray  # search window, days
    end: np.ndarray
    activity: np.ndarray
    propensity: np.ndarray
    employability: np.ndarray
    counselor: np.ndarray
    stops: np.ndarray


# Made-up names for the sample's seekers: common surnames, weighted roughly as they occur, and given-name syllables.
SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송")
SURNAME_WEIGHTS = (21.5, 14.7, 8.4, 4.7, 4.3, 2.4, 2.1, 2.1, 2.0, 1.7, 1.5, 1.5, 1.5, 1.5, 1.4, 1.4, 1.3, 1.3)
GIVEN_SYLLABLES = tuple("민서지현수영준우진하은도윤예채아연성재훈호경미정혜선희주원태")


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """A surname and a two-syllable given name for each of ``n`` seekers."""
    weights = np.array(SURNAME_WEIGHTS) / sum(SURNAME_WEIGHTS)
    surname = np.array(SURNAMES)[rng.choice(len(SURNAMES), size=n, p=weights)]
    given = np.array(GIVEN_SYLLABLES)[rng.integers(0, len(GIVEN_SYLLABLES), size=(n, 2))]
    return np.char.add(np.char.add(surname, given[:, 0]), given[:, 1]).astype(object)


def _make_seekers(rng: np.random.Generator, world: _World, n: int) -> _Seekers:
    vocab, specs = world.vocab, world.vocab["seeker_groups"]
    names = list(specs)
    gp = _pick(rng, [[g, specs[g]["share"]] for g in names], n)[0]  # primary group
    primary = np.array(names, dtype=object)[gp]
    age, gender, education = np.zeros(n, dtype=int), np.empty(n, dtype=object), np.empty(n, dtype=object)
    for k, name in enumerate(names):
        rows = np.flatnonzero(gp == k)
        idx, ranges = _pick(rng, [[r[:2], r[2]] for r in specs[name]["ages"]], len(rows))
        low, high = np.array(ranges)[idx].T
        age[rows] = rng.integers(low, high + 1)
        gender[rows] = _pick_key(rng, specs[name]["gender"], len(rows))
        education[rows] = _pick_key(rng, specs[name]["education"], len(rows))
    education[(rng.random(n) < 0.05) & (primary != "vocational_student")] = None
    groups = _groups(rng, vocab["extra_groups"], primary, age)
    place, lat, lon, exact = _residence(rng, world, n)
    experience, gap = _experience(rng, primary, age)
    jobs = _occupations(rng, world, gp, age, experience)
    skills, hidden = _skills(rng, world, gp, jobs, experience)
    wish = _wishes(rng, world, gp, jobs)
    commute = np.array([specs[g]["commute_km"] for g in names])[gp]
    max_km = np.clip(np.round(rng.lognormal(np.log(commute[:, 0]), commute[:, 1]) * 2) / 2, 0.5, 30)
    boost = np.array([[t.get("boost", {}).get(g, 1.0) for t in world.traits] for g in names])[gp]
    traits = rng.random(boost.shape) < np.minimum(np.array([t["p"] for t in world.traits]) * boost, 0.6)

    table = pd.DataFrame(
        {
            "seeker_id": [f"S{i + 1:06d}" for i in range(n)],
            "name": _names(rng.spawn(1)[0], n),  # a stream of their own: every other column is as before
            "birth_year": world.year - age,
            "gender": np.where(rng.random(n) < 0.02, None, gender),
            "dong": world.places["dong"].to_numpy()[place],
            "lat": np.where(exact, lat, np.nan),
            "lon": np.where(exact, lon, np.nan),
            "groups": pd.Series([tuple(np.array(GROUPS)[row]) for row in groups], dtype=object),
            "education": education,
            "experience_years": experience,
            "occupations": _occupation_names(rng, world, jobs.past),
            "skills": pd.Series(world.spell(rng, skills), dtype=object),
            "desired_occupations": _occupation_names(rng, world, jobs.desired),
            "desired_industries": pd.Series(
                [tuple(np.array(world.industries)[row]) for row in jobs.industries], dtype=object
            ),
            "desired_wage_type": wish["wage_type"],
            "desired_wage_amount": pd.array(wish["amount"], dtype="Int64"),
            "desired_hours": pd.array(wish["hours"], dtype="Int64"),
            "max_commute_km": max_km,
            "intro": _intros(rng, world, primary, jobs, experience, gap, traits, hidden),
            "consent_employer_view": rng.random(n) < 0.7,
        }
    )
    # search window; program seekers of early-year programs (senior activity) start in January-February
    start = rng.integers(0, 335, size=n)
    early_share = np.array([vocab["programs"][c].get("early_year_share", 0.0) for c in world.programs])
    early = (jobs.program >= 0) & (rng.random(n) < early_share[jobs.program])
    start = np.where(early, rng.integers(0, 40, size=n), start)
    length = np.clip(rng.lognormal(np.log(60), 0.5, n), 14, 200).astype(int)
    counselor = np.array([specs[g]["counselor"] for g in names])[gp]
    hidden_bits = np.zeros_like(skills)
    hidden_bits[np.flatnonzero(hidden >= 0), hidden[hidden >= 0]] = True
    places = world.places
    return _Seekers(
        table=table,
        birth_year=world.year - age,
        groups=groups,
        lat=np.where(exact, lat, places["lat"].to_numpy()[place]),
        lon=np.where(exact, lon, places["lon"].to_numpy()[place]),
        past=jobs.past,
        desired=jobs.desired,
        families=((jobs.past | jobs.desired).astype(int) @ _onehot(world.occ_family, len(world.family_names))) > 0,
        industries=jobs.industries,
        skills=_packed(skills | hidden_bits),
        education=np.array([EDUCATION_RANK[e] if e in EDUCATION_LEVELS else -1 for e in education]),
        experience=experience,
        hourly=hourly_wage(wish["wage_type"], wish["amount"], wish["hours"]),
        hours=wish["hours"],
        max_km=max_km * np.where(traits, world.commute_factor, 1.0).prod(axis=1),
        traits=traits,
        start=start,
        end=np.minimum(start + length, 364),
        activity=rng.lognormal(-0.15, 0.5, n),
        propensity=rng.normal(0, 0.5, n),
        employability=rng.normal(0, 0.5, n),
        counselor=rng.random(n) < counselor,
        stops=rng.random(n) < STOP_AFTER_HIRE,
    )


def _onehot(index: np.ndarray, width: int) -> np.ndarray:
    return np.eye(width, dtype=int)[index]


def _groups(rng: np.random.Generator, extra: dict, primary: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Group membership (n × GROUPS): the primary group, age groups, and low income or disability for some."""
    n = len(primary)
    groups = np.zeros((n, len(GROUPS)), dtype=bool)
    groups[np.arange(n), [GROUPS.index(g) for g in primary]] = True
    groups[:, GROUPS.index("youth")] |= (age >= 18) & (age <= 34)
    groups[:, GROUPS.index("middle_aged")] |= (age >= 40) & (age <= 59)
    groups[:, GROUPS.index("senior")] |= age >= 60
    not_student = primary != "vocational_student"
    p_low = np.where(age >= 60, extra["low_income_senior"], extra["low_income"])
    groups[:, GROUPS.index("low_income")] |= not_student & (rng.random(n) < p_low)
    groups[:, GROUPS.index("disabled")] |= not_student & (rng.random(n) < extra["disabled"])
    return groups


def _residence(rng: np.random.Generator, world: _World, n: int) -> tuple[np.ndarray, ...]:
    """Place index by dong population (a few outside), jittered lat/lon, and whether lat/lon are written."""
    places, share = world.places, world.vocab["places"]
    weights = places["population"].to_numpy(float)
    place = rng.choice(len(places), size=n, p=weights / weights.sum())
    outside = rng.random(n) < share["seeker_outside_share"]
    place = np.where(outside, rng.integers(world.n_inside, len(places), size=n), place)
    lat, lon = _jitter(rng, places["lat"].to_numpy()[place], places["lon"].to_numpy()[place], share["jitter_km"])
    exact = outside | (rng.random(n) < share["seeker_exact_share"])
    return place, lat, lon, exact


def _experience(rng: np.random.Generator, primary: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Years of work (halves) and, for career breaks, the gap of 2-10 years."""
    n = len(age)
    experience = np.maximum(0, age - 20 - rng.random(n) * 6) * rng.uniform(0.3, 1.0, n)
    gap = rng.integers(2, 11, size=n)
    before_break = np.minimum(rng.uniform(2, 12, n), np.maximum(age - 22 - gap, 1))
    experience = np.where(primary == "career_break", before_break, experience)
    student = np.where(rng.random(n) < 0.15, 0.5, 0.0)
    experience = np.where(primary == "vocational_student", student, experience)
    experience = np.where((age < 25) & (rng.random(n) < 0.3), 0.0, experience)
    return np.round(np.minimum(experience, 45) * 2) / 2, gap


@dataclass
class _Jobs:
    home: np.ndarray  # industry index
    first_past: np.ndarray  # occupation index of the main past job, -1 none
    past: np.ndarray  # bool (n × occupations)
    desired: np.ndarray
    industries: np.ndarray  # bool (n × industries) desired
    program: np.ndarray  # program index a program seeker looks for, -1 none


def _occupations(
    rng: np.random.Generator, world: _World, gp: np.ndarray, age: np.ndarray, experience: np.ndarray
) -> _Jobs:
    """Home industry, past and desired occupations; some seekers look for one program's jobs only."""
    specs = world.vocab["seeker_groups"]
    names = list(specs)
    n = len(gp)
    industry_w = np.array([[specs[g]["industries"].get(i, 0.0) for i in world.industries] for g in names])
    home = _draw(rng, industry_w[gp])
    in_home = world.occ_industry[None, :] == home[:, None]
    program = np.full(n, -1)
    for k, name in enumerate(names):
        for code, share in specs[name].get("program_seekers", {}).items():
            rule = reference.programs()[code]
            fits = (gp == k) & (age >= (rule.age_min or 0)) & (age <= (rule.age_max or 150))
            program[fits & (rng.random(n) < share)] = world.programs.index(code)
    # past: the main job in the home industry, sometimes one or two more anywhere
    common = world.occ_general + 0.1
    first = np.where(experience > 0, _draw(rng, common * in_home), -1)
    past = np.zeros((n, len(world.occupations)), dtype=bool)
    past[np.flatnonzero(first >= 0), first[first >= 0]] = True
    more = np.where(first >= 0, _pick(rng, [[0, 0.6], [1, 0.3], [2, 0.1]], n)[0], 0)
    suit = np.zeros((len(names), len(world.occupations)))  # what the group's programs offer
    for k, name in enumerate(names):
        for code in specs[name]["programs"]:
            suit[k] += world.occ_program[:, world.programs.index(code)] * (1.0 if code == "general" else 3.0)
    past |= _draw_many(rng, suit[gp] * np.where(in_home, 2.0, 1.0) * ~past, more)
    # desired: often the main past job; else what the group's programs offer, mostly in the home industry
    keep = (first >= 0) & (program < 0) & (rng.random(n) < 0.6)
    desired = np.zeros_like(past)
    desired[np.flatnonzero(keep), first[keep]] = True
    wish = np.where(
        (program >= 0)[:, None], world.occ_program[:, np.maximum(program, 0)].T, suit[gp] * np.where(in_home, 3.0, 0.3)
    )
    n_desired = _pick(rng, [[1, 0.5], [2, 0.35], [3, 0.15]], n)[0] + 1
    desired |= _draw_many(rng, wish * ~desired, n_desired - keep)
    industries = _onehot(home, len(world.industries)).astype(bool)
    industries |= (desired.astype(int) @ _onehot(world.occ_industry, len(world.industries))) > 0
    for p, code in enumerate(world.programs):
        employer_industry = world.vocab["programs"][code].get("employer_industry")
        if employer_industry:
            industries[program == p, world.industries.index(employer_industry)] = True
    return _Jobs(home=home, first_past=first, past=past, desired=desired, industries=industries, program=program)


def _skills(
    rng: np.random.Generator, world: _World, gp: np.ndarray, jobs: _Jobs, experience: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Skills (n × skills) from past jobs, some from desired ones and generic ones by group;
    plus one hidden skill (index, -1 none) that only the intro mentions."""
    specs = world.vocab["seeker_groups"]
    names = list(specs)
    required, preferred = world.occ_required.astype(int), world.occ_preferred.astype(int)
    miss = (0.3 ** (jobs.past.astype(int) @ required)) * (0.7 ** (jobs.past.astype(int) @ preferred))
    learnt = np.array([specs[g]["desired_skill_share"] for g in names])[gp]
    miss = miss * (1 - learnt[:, None] * ((jobs.desired.astype(int) @ required) > 0))
    generic = np.array([[specs[g]["generic_skills"].get(s, 0.0) for s in world.skills] for g in names])
    skills = rng.random(miss.shape) < 1 - miss * (1 - generic[gp])
    home_skills = (_onehot(world.occ_industry, len(world.industries)).T[jobs.home] @ required) > 0
    has_hidden = (experience > 0) & (rng.random(len(gp)) < world.vocab["hidden_skill_share"])
    hidden = _draw(rng, (home_skills & ~skills & has_hidden[:, None]).astype(float))
    return skills, hidden


def _wishes(rng: np.random.Generator, world: _World, gp: np.ndarray, jobs: _Jobs) -> dict[str, np.ndarray]:
    """Desired hours, wage type and amount (from a desired occupation's pay at those hours, or the program's).

    Amounts are at least the minimum wage except for program allowances; about 20% give no wage, 15% no hours.
    """
    vocab, specs = world.vocab, world.vocab["seeker_groups"]
    n = len(gp)
    hours = np.zeros(n)
    for k, name in enumerate(specs):
        rows = np.flatnonzero(gp == k)
        idx, values = _pick(rng, specs[name]["hours"], len(rows))
        hours[rows] = np.array(values)[idx]
    wage = [world.occupations[o]["wage"] for o in np.argmax(jobs.desired, axis=1)]
    for p, code in enumerate(world.programs):
        spec = vocab["programs"][code]
        rows = np.flatnonzero(jobs.program == p)
        if "schedules" in spec:
            hours[rows] = vocab["schedules"][spec["schedules"][0]]["hours"]
        for r in rows:
            wage[r] = spec.get("wage", wage[r])
    allowance = np.array(
        [p >= 0 and vocab["programs"][world.programs[p]].get("allowance", False) for p in jobs.program]
    )
    wage_type = np.array([w[0] for w in wage], dtype=object)
    low, high = np.array([w[1:] for w in wage], dtype=float).T
    amount = (low + rng.random(n) * (high - low)) * np.where(allowance, 1.0, rng.lognormal(0, 0.08, n))
    amount = np.where((wage_type == "monthly") & ~allowance, amount * np.minimum(hours, 40) / 40, amount)
    floor = vocab["minimum_hourly_wage"] * np.select(
        [wage_type == "hourly", wage_type == "monthly"], [1.0, monthly_paid_hours(hours)], 12 * monthly_paid_hours(40)
    )
    amount = np.where(allowance, amount, np.maximum(amount, floor))
    step = np.select([wage_type == "hourly", wage_type == "monthly"], [10, 10_000], 1_000_000)
    amount = np.ceil(amount / step) * step
    no_wage, no_hours = rng.random(n) < 0.2, rng.random(n) < 0.15
    return {
        "wage_type": np.where(no_wage, None, wage_type),
        "amount": np.where(no_wage, np.nan, amount),
        "hours": np.where(no_hours, np.nan, hours),
    }


def _draw_many(rng: np.random.Generator, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Boolean rows with ``counts[i]`` distinct columns drawn by weight, without replacement."""
    weights = np.broadcast_to(weights, (len(counts), weights.shape[-1])).copy()
    out = np.zeros(weights.shape, dtype=bool)
    for k in range(int(counts.max(initial=0))):
        rows = np.flatnonzero(counts > k)
        pick = _draw(rng, weights[rows])
        ok = pick >= 0
        out[rows[ok], pick[ok]] = True
        weights[rows[ok], pick[ok]] = 0
    return out


def _occupation_names(rng: np.random.Generator, world: _World, chosen: np.ndarray) -> pd.Series:
    """Occupation lists as seekers write them: the KSCO name or, for some, an alias."""
    rows, cols = np.nonzero(chosen)
    alias = rng.random(len(cols)) < 0.3
    which = rng.integers(0, 1 << 30, size=len(cols))
    out: list[list[str]] = [[] for _ in range(len(chosen))]
    for r, c, a, w in zip(rows, cols, alias, which, strict=True):
        job = world.occupations[c]
        out[r].append(job["aliases"][w % len(job["aliases"])] if a and job["aliases"] else job["occupation"])
    return pd.Series([tuple(x) for x in out], dtype=object)


def _intros(
    rng: np.random.Generator,
    world: _World,
    primary: np.ndarray,
    jobs: _Jobs,
    experience: np.ndarray,
    gap: np.ndarray,
    traits: np.ndarray,
    hidden: np.ndarray,
) -> list[str]:
    """Korean self-introductions: background, hidden traits, a hidden skill, a closing."""
    words = world.vocab["intro"]
    draws = rng.integers(0, 1 << 30, size=(len(primary), 5 + len(world.traits)))
    out = []
    for i, group in enumerate(primary):
        r = draws[i]
        industry = world.industries[jobs.home[i]]
        job = world.occupations[jobs.first_past[i]]["occupation"] if jobs.first_past[i] >= 0 else None
        if group == "vocational_student":
            situation = "student"
        elif group == "career_break":
            situation = "career_break"
        elif job is None:
            situation = "first_job"
        else:
            situation = {"senior": "retired", "middle_aged": "middle"}.get(group, "experienced")
        templates = words[situation]
        fields = {
            "occupation": job,
            "industry": industry,
            "years": max(1, round(experience[i])),
            "gap": gap[i],
            "department": world.industry_spec[industry]["department"],
        }
        parts = [templates[r[0] % len(templates)].format(**fields)]
        for k in np.flatnonzero(traits[i]):
            texts = world.traits[k]["intro"]
            parts.append(texts[r[5 + k] % len(texts)])
        if hidden[i] >= 0:
            spellings = world.variants[world.skills[hidden[i]]]
            skill = spellings[r[2] % len(spellings)]
            templates = words["hidden_licence" if skill.endswith(tuple(words["licence_endings"])) else "hidden_skill"]
            years = 1 + r[4] % max(1, int(experience[i]))
            parts.append(templates[r[1] % len(templates)].format(skill=skill, years=years))
        parts.append(words["closing"][r[3] % len(words["closing"])])
        out.append(" ".join(p for p in parts if p))
    return out


# --------------------------------------------------------------------------- events


def _simulate(
    rng: np.random.Generator, world: _World, seekers: _Seekers, openings: _Openings, progress: bool
) -> pd.DataFrame:
    """Events of the year from the behavioural model in the module docstring."""
    rules = eligibility.opening_rules(openings.table)
    seeker_idx, opening_idx, recommended, viewed = _candidates(rng, world, seekers, openings, rules, progress)
    pairs = _Pairs(rng, world, seekers, openings, seeker_idx, opening_idx, recommended, viewed, rules)
    pairs.settle_offers(len(seekers.start))
    return pairs.events(seekers.table["seeker_id"].to_numpy(), openings.table["opening_id"].to_numpy(), world.year)


def _candidates(
    rng: np.random.Generator,
    world: _World,
    seekers: _Seekers,
    openings: _Openings,
    rules: dict[str, np.ndarray],
    progress: bool,
) -> tuple[np.ndarray, ...]:
    """Sample viewed and recommended pairs, seeker block by seeker block (dense within a block).

    Relevance factorises over openings' kinds (occupation, industry, eligibility
    class) and places, so a block computes two small tables and gathers them.
    """
    n_open, n_ind = len(openings.posted), len(world.industries)
    rule_keys = np.column_stack(
        [rules["posted_year"], rules["age_min"], rules["age_max"], rules["required_groups"], rules["target_groups"]]
    )
    _, class_first, class_of = np.unique(rule_keys, axis=0, return_index=True, return_inverse=True)
    class_rules = {k: v[class_first] for k, v in rules.items()}
    kinds, kind_of = np.unique(
        (openings.occ * n_ind + openings.industry) * len(class_first) + class_of, return_inverse=True
    )
    kind_occ, kind_ind = kinds // len(class_first) // n_ind, kinds // len(class_first) % n_ind
    kind_class, kind_fam = kinds % len(class_first), world.occ_family[kinds // len(class_first) // n_ind]
    place_lat, place_lon = world.places["lat"].to_numpy(), world.places["lon"].to_numpy()

    order = np.argsort(seekers.start, kind="stable")
    block = max(32, BLOCK_CELLS // max(n_open, 1))
    # scratch buffers reused by every block: fresh big arrays cost more in page faults than the arithmetic
    weight_buf = np.empty(block * n_open, dtype=np.float32)
    other_buf = np.empty(block * n_open, dtype=np.float32)
    mask_buf = np.empty(block * n_open, dtype=bool)
    found: list[tuple[np.ndarray, ...]] = []
    for first in tqdm(
        range(0, len(order), block), desc="sample: views", unit="block", disable=not progress, leave=False
    ):
        rows = order[first : first + block]
        start, end = seekers.start[rows], seekers.end[rows]
        cols = np.arange(
            np.searchsorted(openings.posted, start.min() - 60, side="left"),
            np.searchsorted(openings.posted, end.max(), side="right"),
        )
        ok = eligibility.eligible_block(seekers.birth_year[rows], seekers.groups[rows], class_rules)[:, kind_class]
        by_kind = view_weight_by_kind(seekers, rows, kind_occ, kind_fam, kind_ind, ok)
        by_place = view_weight_by_place(seekers, rows, place_lat, place_lon)
        shape = (len(rows), len(cols))
        weight = np.take(by_kind, kind_of[cols], axis=1, out=weight_buf[: len(rows) * len(cols)].reshape(shape))
        weight *= np.take(by_place, openings.place[cols], axis=1, out=other_buf[: weight.size].reshape(shape))
        is_open = mask_buf[: weight.size].reshape(shape)
        weight *= np.less_equal(openings.posted[cols], end[:, None], out=is_open)
        weight *= np.greater_equal(openings.deadline[cols], start[:, None], out=is_open)
        n_views = rng.poisson(seekers.activity[rows] * (3 + 0.2 * (end - start + 1)))
        r, c = _sample_rows(rng, weight, n_views)
        found.append((rows[r], cols[c], np.zeros(len(r), dtype=bool)))
        # counselors recommend eligible openings, sharper on relevance
        advised = np.flatnonzero(seekers.counselor[rows])
        shape = (len(advised), len(cols))
        rec_weight = np.take(weight, advised, axis=0, out=other_buf[: len(advised) * len(cols)].reshape(shape))
        rec_weight *= rec_weight
        rec_weight *= np.take(ok[advised], kind_of[cols], axis=1, out=mask_buf[: rec_weight.size].reshape(shape))
        r, c = _sample_rows(rng, rec_weight, 1 + rng.binomial(2, 0.4, size=len(advised)))
        found.append((rows[advised[r]], cols[c], np.ones(len(r), dtype=bool)))
    s = np.concatenate([f[0] for f in found])
    o = np.concatenate([f[1] for f in found])
    rec = np.concatenate([f[2] for f in found])
    key = s.astype(np.int64) * n_open + o
    unique, inverse = np.unique(key, return_inverse=True)
    recommended = np.zeros(len(unique), dtype=bool)
    recommended[inverse[rec]] = True
    viewed = np.zeros(len(unique), dtype=bool)
    viewed[inverse[~rec]] = True
    viewed |= recommended & (rng.random(len(unique)) < 0.75)
    return unique // n_open, unique % n_open, recommended, viewed


def view_weight_by_kind(
    seekers: _Seekers,
    rows: np.ndarray,
    occ: np.ndarray,
    fam: np.ndarray,
    ind: np.ndarray,
    eligible: np.ndarray,
) -> np.ndarray:
    """Step 2's weight of each seeker row for each kind of opening (occupation, its family, industry;
    ``eligible`` rows × kinds)."""
    exact = seekers.desired[rows][:, occ]
    relevance = (
        2.0 * exact
        + 1.0 * seekers.past[rows][:, occ]
        + 0.7 * (seekers.families[rows][:, fam] & ~exact)
        + 1.0 * seekers.industries[rows][:, ind]
    )
    return (np.exp(relevance) * np.where(eligible, 1.0, 0.2)).astype(np.float32)


def view_weight_by_place(seekers: _Seekers, rows: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Step 2's weight of each seeker row for openings at each place, against the commute limit."""
    km = haversine_km(seekers.lat[rows, None], seekers.lon[rows, None], lat[None, :], lon[None, :])
    ratio = km / seekers.max_km[rows, None]
    return np.exp(-1.5 * np.maximum(0, ratio - 1) - 0.3 * ratio).astype(np.float32)


def _sample_rows(
    rng: np.random.Generator, weight: np.ndarray, counts: np.ndarray, chunk: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``counts[i]`` columns of row i ∝ weight (with replacement; repeats collapse later).

    Two-level inverse-CDF sampling: pick a chunk of ``chunk`` columns from the
    chunk sums, then a column inside it; no cumulative sum over the whole block.
    """
    n_rows, n_cols = weight.shape
    if n_rows == 0 or n_cols == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    sums = np.add.reduceat(weight, np.arange(0, n_cols, chunk), axis=1, dtype=np.float64)
    cum = np.cumsum(sums, axis=1)
    total = cum[:, -1]
    rows = np.repeat(np.arange(n_rows), np.where(total > 0, counts, 0))
    u = rng.random(len(rows)) * total[rows]
    part = np.minimum((cum[rows] <= u[:, None]).sum(axis=1), sums.shape[1] - 1)
    u -= cum[rows, part] - sums[rows, part]
    span = part[:, None] * chunk + np.arange(chunk)  # the chunk's columns (the last chunk may be short)
    cols = np.minimum(span, n_cols - 1)
    values = np.where(span < n_cols, weight[rows[:, None], cols], 0.0)
    step = np.minimum((np.cumsum(values, axis=1) <= u[:, None]).sum(axis=1), chunk - 1)
    picked = cols[np.arange(len(rows)), step]
    keep = weight[rows, picked] > 0
    return rows[keep], picked[keep]


def _skill_cover(seekers: _Seekers, openings: _Openings, s: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, ...]:
    """Shares of each opening's required (1 when none) and preferred skills the seeker has."""
    covered = _popcount(openings.required[o] & seekers.skills[s])
    cover = np.where(openings.n_required[o] > 0, covered / np.maximum(openings.n_required[o], 1), 1.0)
    liked = _popcount(openings.preferred[o] & seekers.skills[s])
    prefer = np.where(openings.n_preferred[o] > 0, liked / np.maximum(openings.n_preferred[o], 1), 0.0)
    return cover, prefer


def _daytime(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Times outside 07:00-23:00 move to the next morning (07:00-10:00)."""
    hour = t % DAY
    morning = (t // DAY + (hour >= 23 * 60)) * DAY + 7 * 60 + rng.integers(0, 180, len(t))
    return np.where((hour < 7 * 60) | (hour >= 23 * 60), morning, t)


def _later(rng: np.random.Generator, after: np.ndarray, close: np.ndarray, low: float, high: float) -> np.ndarray:
    """A time after ``after`` and by ``close``: office hours on a later day (a share low..high of the
    days left), or later the same day when ``after`` is already on the last day."""
    first_day, last_day = after // DAY + 1, close // DAY
    days = last_day - first_day + 1
    day = first_day + (rng.uniform(low, high, len(after)) * days).astype(int)
    office = day * DAY + rng.integers(9 * 60, 18 * 60, len(after))
    same_day = after + 1 + (rng.random(len(after)) * (close - after - 1)).astype(int)
    return np.where(days > 0, office, same_day)


@dataclass
class PairBasis:
    """What steps 4 and 5 of the model read of pairs (s[i], o[i]): the tables and the skill shares."""

    world: _World
    seekers: _Seekers
    openings: _Openings
    s: np.ndarray
    o: np.ndarray
    cover: np.ndarray  # share of the opening's required skills held (1 when none)
    prefer: np.ndarray  # share of its preferred skills held

    @classmethod
    def of(cls, world: _World, seekers: _Seekers, openings: _Openings, s: np.ndarray, o: np.ndarray) -> PairBasis:
        return cls(world, seekers, openings, s, o, *_skill_cover(seekers, openings, s, o))


def liking(pairs: PairBasis) -> np.ndarray:
    """The seeker's wish for each pair before noise (step 4 of the model)."""
    world, seekers, openings, s, o = pairs.world, pairs.seekers, pairs.openings, pairs.s, pairs.o
    cover, prefer = pairs.cover, pairs.prefer
    occ = openings.occ[o]
    exact = seekers.desired[s, occ]
    past = seekers.past[s, occ]
    fam = seekers.families[s, world.occ_family[occ]] & ~exact & ~past
    ind = seekers.industries[s, openings.industry[o]] | seekers.industries[s, world.occ_industry[occ]]
    skill = np.where(openings.n_required[o] > 0, 1.0 * (cover - 0.5), 0.0) + 0.3 * prefer
    ratio = haversine_km(seekers.lat[s], seekers.lon[s], openings.lat[o], openings.lon[o]) / seekers.max_km[s]
    wage = np.log(openings.hourly[o] / seekers.hourly[s])
    wage = np.nan_to_num(2.0 * np.minimum(wage, 0) + 0.5 * np.clip(wage, 0, 0.5))
    hours = np.nan_to_num(-0.05 * np.abs(openings.hours[o] - seekers.hours[s]))
    effect = openings.attributes.astype(float) @ world.trait_effect.T  # openings × traits
    trait = (seekers.traits[s] * effect[o]).sum(axis=1)
    return (
        1.6 * exact
        + 0.8 * past
        + 0.5 * fam
        + 0.8 * ind
        + skill
        - 2.0 * np.maximum(0, ratio - 1)
        - 0.3 * ratio
        + wage
        + hours
        + trait
    )


def acceptance(pairs: PairBasis) -> np.ndarray:
    """The employer's view of each pair before noise (step 5); supported programs are more lenient."""
    world, seekers, openings, s, o = pairs.world, pairs.seekers, pairs.openings, pairs.s, pairs.o
    cover, prefer = pairs.cover, pairs.prefer
    gap = seekers.experience[s] - openings.experience_min[o]
    experience = np.where(
        openings.experience_min[o] > 0,
        0.5 * np.clip(gap, -3, 3) - 0.8 * (gap < 0),
        0.05 * np.minimum(seekers.experience[s], 10),
    )
    need = openings.education_min[o]
    education = np.where((need >= 0) & (seekers.education[s] < need), -1.5, 0.0)
    past = seekers.past[s, openings.occ[o]]
    return (
        1.6 * (cover - 0.6)
        + 0.4 * prefer
        + experience
        + education
        + 0.6 * past
        + seekers.employability[s]
        + openings.selectivity[o]
        + world.acceptance[openings.program[o]]
    )


class _Pairs:
    """All viewed or recommended pairs with their would-be timeline, settled in time order."""

    def __init__(
        self,
        rng: np.random.Generator,
        world: _World,
        seekers: _Seekers,
        openings: _Openings,
        s: np.ndarray,
        o: np.ndarray,
        recommended: np.ndarray,
        viewed: np.ndarray,
        rules: dict[str, np.ndarray],
    ) -> None:
        self.rng, self.s, self.o, self.positions = rng, s, o, openings.positions
        n = len(s)
        self.recommended, self.viewed = recommended, viewed
        eligible = eligibility.eligible(seekers.birth_year, seekers.groups, rules, s, o)
        basis = PairBasis.of(world, seekers, openings, s, o)
        u = liking(basis) + rng.normal(0, 0.6, n)  # step 4
        a = acceptance(basis) + rng.normal(0, 0.6, n)  # step 5
        # timeline in minutes from Jan 1, all inside posted_at..deadline (23:30 of the deadline day)
        first = np.maximum(seekers.start[s], openings.posted[o])
        last = np.maximum(np.minimum(seekers.end[s], openings.deadline[o]), first)
        self.close = openings.deadline[o] * DAY + 23 * 60 + 30
        self.t_rec = (first + rng.integers(0, last - first + 1)) * DAY + rng.integers(9 * 60, 18 * 60, n)
        free_view = (first + rng.integers(0, last - first + 1)) * DAY + rng.integers(7 * 60, 20 * 60, n)
        after_rec = _daytime(rng, self.t_rec + 10 + rng.exponential(1200, n).astype(int))
        self.t_view = np.where(recommended, np.minimum(after_rec, last * DAY + 20 * 60), free_view)
        logit = u + seekers.propensity[s] - 2.3 + 0.8 * recommended
        self.applied = viewed & eligible & (rng.random(n) < _sigmoid(logit))
        # views end by 20:00 of the deadline day, so applying (by 22:00) leaves room for the rest
        self.t_apply = np.minimum(
            _daytime(rng, self.t_view + 10 + rng.exponential(600, n).astype(int)), self.close - 90
        )
        self.interviewed = self.applied & (rng.random(n) < _sigmoid(a - 0.4))
        self.t_int = _later(rng, self.t_apply, self.close, 0.05, 0.45)
        offered = self.interviewed & (rng.random(n) < _sigmoid(a + rng.normal(0, 0.6, n) + 0.3))
        # outcome: 0 none, 1 rejected, 2 declined, 3 hired; offers are settled later
        self.outcome = np.zeros(n, dtype=np.int8)
        silent_reject = self.applied & ~self.interviewed
        self.outcome[silent_reject & (rng.random(n) < 0.8)] = 1
        self.outcome[self.interviewed & ~offered] = 1
        self.t_out = _later(rng, np.where(self.interviewed, self.t_int, self.t_apply), self.close, 0.1, 0.8)
        self.offered = offered
        self.declines = rng.random(n) < _sigmoid(-1.6 - 0.6 * u)
        retention = 0.7 + 0.4 * u + 0.3 * a + (seekers.traits[s] * world.trait_retention).sum(axis=1)
        self.retains = rng.random(n) < _sigmoid(retention)
        self.t_ret = self.t_out + (RETENTION_DAYS + rng.integers(0, 15, n)) * DAY
        self.stops = seekers.stops[s]

    def settle_offers(self, n_seekers: int) -> None:
        """Offers in time order: positions run out, openings close when full, hired seekers stop."""
        hired_at = np.full(n_seekers, np.iinfo(np.int64).max)
        filled = np.zeros(len(self.positions), dtype=int)
        full_at = np.full(len(self.positions), np.iinfo(np.int64).max)
        offers = np.flatnonzero(self.offered)
        offers = offers[np.lexsort((offers, self.t_out[offers]))]
        for k, s, o, t, t_apply, declines, stops in zip(
            offers.tolist(),
            self.s[offers].tolist(),
            self.o[offers].tolist(),
            self.t_out[offers].tolist(),
            self.t_apply[offers].tolist(),
            self.declines[offers].tolist(),
            self.stops[offers].tolist(),
            strict=True,
        ):
            if full_at[o] <= t_apply:
                continue  # applied after the opening closed: dropped below
            if hired_at[s] <= t:
                self.outcome[k] = 0 if stops else 2
            elif filled[o] >= self.positions[o]:
                self.outcome[k] = 1
            elif declines:
                self.outcome[k] = 2
            else:
                self.outcome[k] = 3
                hired_at[s] = t
                filled[o] += 1
                if filled[o] == self.positions[o]:
                    full_at[o] = t
        self._close_full_openings(full_at[self.o])
        hired = self.outcome == 3
        stop = np.where(self.stops, hired_at[self.s], np.iinfo(np.int64).max)
        self._truncate(np.where(hired, np.iinfo(np.int64).max, stop))

    def _close_full_openings(self, full_at: np.ndarray) -> None:
        """A full opening closes: later views and applications vanish, pending applicants are rejected."""
        self.recommended &= self.t_rec < full_at
        self.viewed &= self.t_view < full_at
        self.applied &= self.viewed & (self.t_apply < full_at)
        self.interviewed &= self.applied & (self.t_int < full_at)
        pending = self.applied & (self.outcome != 3) & ((self.outcome == 0) | (self.t_out >= full_at))
        pending &= full_at < np.iinfo(np.int64).max
        self.outcome[pending] = 1
        notice = full_at + self.rng.integers(1, 61, len(full_at))
        self.t_out = np.where(pending, np.minimum(notice, self.close), self.t_out)
        self.outcome[~self.applied] = 0

    def _truncate(self, stop: np.ndarray) -> None:
        """Drop every event after ``stop`` (a seeker's hire, for those who stop searching)."""
        self.recommended &= self.t_rec <= stop
        self.viewed &= self.t_view <= stop
        self.applied &= self.viewed & (self.t_apply <= stop)
        self.interviewed &= self.applied & (self.t_int <= stop)
        self.outcome[~self.applied | (self.t_out > stop)] = 0

    def events(self, seeker_ids: np.ndarray, opening_ids: np.ndarray, year: int) -> pd.DataFrame:
        """The event table, sorted by time, seeker, opening and kind."""
        hired = self.outcome == 3
        year_end = 365 * DAY  # the world's calendar is 365 days (end of search windows, posting days)
        t_ret = self.t_ret - self.t_ret % DAY + 9 * 60 + self.rng.integers(0, 9 * 60, len(self.s))
        retained = hired & self.retains & (t_ret < year_end)
        parts = [
            ("recommended", self.recommended, self.t_rec),
            ("viewed", self.viewed, self.t_view),
            ("applied", self.applied, self.t_apply),
            ("interviewed", self.interviewed, self.t_int),
            ("rejected", self.outcome == 1, self.t_out),
            ("declined", self.outcome == 2, self.t_out),
            ("hired", hired, self.t_out),
            ("retained", retained, t_ret),
        ]
        kind = np.concatenate([np.full(m.sum(), EVENT_KINDS.index(name)) for name, m, _ in parts])
        pair = np.concatenate([np.flatnonzero(m) for _, m, _ in parts])
        minute = np.concatenate([t[m] for _, m, t in parts])
        order = np.lexsort((kind, self.o[pair], self.s[pair], minute))
        base = np.datetime64(f"{year}-01-01T00:00", "m")
        return pd.DataFrame(
            {
                "seeker_id": seeker_ids[self.s[pair[order]]],
                "opening_id": opening_ids[self.o[pair[order]]],
                "event": np.array(EVENT_KINDS, dtype=object)[kind[order]],
                "occurred_at": pd.to_datetime((base + minute[order].astype("timedelta64[m]")).astype("datetime64[s]")),
            }
        )
