"""Accessibility as a fact of the rows: a need an opening states it does not meet is a hard rule on both
sides; an opening that does not say is listed with the caution ``접근성 확인 필요 (…)``; a need it meets
may be a reason. Also the contract's columns, the API's and the portal importer's."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.contract import ContractError, load_folder, parse_records
from matcher.domain import ACCESS_NAMES_KO
from training.portal import parse_access


def _sets(column: pd.Series) -> list[set[str]]:
    return [set(v or ()) for v in column]


@pytest.fixture(scope="module")
def wheelchair(default_sample) -> pd.DataFrame:
    seekers = default_sample.data.seekers
    return seekers[[("step_free_entrance" in n) for n in _sets(seekers["access_needs"])]]


def test_the_sample_world_states_access_on_both_sides(default_sample, wheelchair) -> None:
    data = default_sample.data
    assert len(wheelchair) >= 10, "some disabled seekers use a wheelchair and say so"
    assert all("disabled" in g for g in wheelchair["groups"]) and all("휠체어" in t for t in wheelchair["intro"])
    offered, not_offered = _sets(data.openings["access_offered"]), _sets(data.openings["access_not_offered"])
    assert sum(bool(o) or bool(n) for o, n in zip(offered, not_offered, strict=True)) > 0.4 * len(offered)
    assert sum(not o and not n for o, n in zip(offered, not_offered, strict=True)) > 0.2 * len(offered)
    loading = data.openings["occupation"].isin(["하역원", "수동포장원(일반)", "쇼핑몰택배준비원"]).to_numpy()
    assert not any("seated_work" in offered[i] for i in loading.nonzero()[0])  # loading is never seated work


def test_a_wheelchair_user_never_gets_an_opening_without_step_free_entrance(default_sample, wheelchair) -> None:
    data, matcher, as_of = default_sample.data, default_sample.matcher, default_sample.as_of
    openings = data.openings.set_index("opening_id")
    blocked = {i for i, n in zip(openings.index, _sets(openings["access_not_offered"]), strict=True)
               if "step_free_entrance" in n}  # fmt: skip
    unstated = {i for i, o, n in zip(openings.index, _sets(openings["access_offered"]),
                                     _sets(openings["access_not_offered"]), strict=True)
                if "step_free_entrance" not in o | n}  # fmt: skip
    assert blocked and unstated
    ids = list(wheelchair["seeker_id"])
    lists = matcher.matches(ids, as_of, k=len(openings), congestion=False, padded=True)  # every allowed opening
    assert lists and not {m.opening_id for m in lists} & blocked
    cautioned = [m for m in lists if m.opening_id in unstated]
    assert cautioned, "openings that do not say are still listed"
    name = ACCESS_NAMES_KO["step_free_entrance"]
    assert all(any(c.startswith("접근성 확인 필요 (") and name in c for c in m.cautions) for m in cautioned)
    assert not any("접근성" in c for m in lists if m.opening_id not in unstated for c in m.cautions if name in c)
    # The other side: no blocked opening has a wheelchair user among its candidates, whoever asks.
    candidates = matcher.candidates(sorted(blocked), as_of, k=len(data.seekers), consented_only=False)
    assert candidates and not {m.seeker_id for m in candidates} & set(ids)
    # An employer never reads a need, in a reason or a caution.
    shown = matcher.candidates(sorted(unstated)[:40], as_of, k=50)
    said = [t for m in shown for t in m.reasons + m.cautions]
    assert said and not any(w in t for t in said for w in ("접근성", "필요한 편의", "휠체어", name))


def test_a_met_need_is_a_reason_and_an_unstated_one_costs_a_little(default_sample, wheelchair) -> None:
    data, matcher, as_of = default_sample.data, default_sample.matcher, default_sample.as_of
    openings = data.openings.set_index("opening_id")
    meets = {i for i, o in zip(openings.index, _sets(openings["access_offered"]), strict=True)
             if "step_free_entrance" in o}  # fmt: skip
    lists = matcher.matches(list(wheelchair["seeker_id"]), as_of, k=len(openings), congestion=False, padded=True)
    met = [m for m in lists if m.opening_id in meets]
    assert met and all(any(r.startswith("필요한 편의 제공: ") for r in m.reasons) for m in met)


def test_access_columns_are_optional_and_checked(tmp_path, default_sample) -> None:
    src = default_sample.folder
    for name in ("seekers", "openings"):
        frame = pd.read_csv(src / f"{name}.csv", dtype=str, keep_default_na=False)
        frame = frame.drop(columns=[c for c in frame.columns if c.startswith("access_")])
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    data = load_folder(tmp_path)  # an older folder without the columns loads: nothing stated
    assert all(not v for v in data.seekers["access_needs"]) and all(not v for v in data.openings["access_offered"])
    frame = pd.read_csv(tmp_path / "seekers.csv", dtype=str, keep_default_na=False)
    frame["access_needs"] = ["wheelchair_ramp"] + [""] * (len(frame) - 1)
    frame.to_csv(tmp_path / "seekers.csv", index=False)
    with pytest.raises(ContractError, match="access_needs"):
        load_folder(tmp_path)
    parsed, problems = parse_records("seekers", [{"seeker_id": "X", "birth_year": 1990, "dong": "행당1동",
                                                  "access_needs": ["sign_language"]}])  # fmt: skip
    assert not problems and list(parsed["access_needs"].iloc[0]) == ["sign_language"]


def test_the_portal_importer_takes_access_only_where_a_posting_states_it() -> None:
    assert parse_access("중증장애인 가능/휠체어 타고 다니시는 분들도 근무가능") == (["step_free_entrance"], [])
    assert parse_access("캔디 생산 - 단순 반복 업무 - 서서 일함") == ([], ["seated_work"])
    assert parse_access("", "근무시간 협의가능 (근무시간) 9시") == (["flexible_hours"], [])
    assert parse_access("엘리베이터 없음, 3층") == ([], ["elevator"])
    assert parse_access("사무실 청소, 대걸레질 포함") == ([], [])  # says nothing: unknown, not 'not offered'
    assert parse_access("앉아서 하는 일, 입식 작업 없음 아님") == ([], [])  # stated both ways: left out
