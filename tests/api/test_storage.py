"""Storage on SQLite and PostgreSQL: migrations match the tables, import/export round trip, CLI commands."""

from __future__ import annotations

import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from jobmatch_cli.main import main
from matcher.contract import ContractError, Dataset, load_folder, parse_records
from service import frames, tables
from service.db import make_engine
from service.import_export import export_folder, import_dataset
from service.migrate import upgrade
from service.pseudonym import K, pseudonym, smallest_group


def test_migrations_build_exactly_the_declared_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert diff == [], diff


def test_instances_starting_together_on_a_fresh_database_migrate_one_after_the_other(database_url: str) -> None:
    """Each process migrates at start-up (service.serving): four at once on an empty database must not race
    (without the lock: "table already exists", or two rows in alembic_version)."""
    engines = [make_engine(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))

    def start(engine) -> None:
        barrier.wait()
        upgrade(engine)

    with ThreadPoolExecutor(len(engines)) as pool:
        list(pool.map(start, engines))  # re-raises any failure
    with engines[0].connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
        assert compare_metadata(MigrationContext.configure(conn), tables.metadata) == []
    for engine in engines:
        engine.dispose()


def _sorted(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return frame.sort_values(key).reset_index(drop=True)


def test_import_export_round_trip(database_url: str, planted_session: Dataset, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    summary = import_dataset(engine, planted_session)
    assert (summary.seekers, summary.openings) == (len(planted_session.seekers), len(planted_session.openings))
    export_folder(engine, tmp_path)
    back = load_folder(tmp_path)
    for name, key in (("seekers", ["seeker_id"]), ("openings", ["opening_id"]), ("events", None)):
        a, b = getattr(planted_session, name), getattr(back, name)
        key = key or list(a.columns)
        pd.testing.assert_frame_equal(_sorted(a, key), _sorted(b, key), check_dtype=False)
    with pytest.raises(ContractError, match="already in the database"):
        import_dataset(engine, planted_session)


def test_frames_from_the_database_equal_frames_from_the_csv_of_the_same_rows(
    database_url: str, planted_session: Dataset
) -> None:
    """The database's typed rows become the frames load_folder gives for the same data, dtypes included, without
    a round trip through text: and equal to what that round trip (parse_records) gave, for rows an API write
    stores as sent (padded free text that looks like a formula, a dong without coordinates, no lists)."""
    engine = make_engine(database_url)
    upgrade(engine)
    import_dataset(engine, planted_session)
    written = {
        "seeker_id": "S-api",
        "birth_year": 1990,
        "dong": "성수1가1동",
        "intro": "  =SUM(A1) 미싱 5년  ",
        "consent_employer_view": True,
        "desired_wage_type": "monthly",
        "desired_wage_amount": 2_300_000,
    }
    with engine.begin() as conn:
        conn.execute(tables.seekers.insert().values(**written))
    with engine.connect() as conn:
        seekers, openings = frames.seekers_and_openings(conn)
        rows = {
            "seekers": [dict(r) for r in conn.execute(select(tables.seekers)).mappings()],
            "openings": [
                dict(r)
                for r in conn.execute(
                    select(tables.openings, tables.employers.c.name.label("employer_name")).join(tables.employers)
                ).mappings()
            ],
        }
        none, _ = frames.seekers_and_openings(conn, seeker_ids=[], opening_ids=[])
    from_csv = {"seekers": planted_session.seekers, "openings": planted_session.openings}
    for name, frame, key in (("seekers", seekers, "seeker_id"), ("openings", openings, "opening_id")):
        imported = frame[frame[key] != "S-api"]
        pd.testing.assert_frame_equal(_sorted(imported, [key]), _sorted(from_csv[name], [key]))
        through_text, problems = parse_records(name, rows[name])
        assert problems == []
        pd.testing.assert_frame_equal(_sorted(frame, [key]), _sorted(through_text, [key]))
    api = seekers.set_index("seeker_id").loc["S-api"]
    assert api["intro"] == "=SUM(A1) 미싱 5년" and api["groups"] == () and api["lat"] > 37
    assert api["desired_wage_hourly"] == pytest.approx(2_300_000 / 209, rel=0.01)
    assert list(none.columns) == list(seekers.columns) and none.empty


def test_cli_import_with_bad_rows_export_and_tokens(
    database_url: str, planted_session: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = tmp_path / "data"
    export_target = tmp_path / "out"
    engine = make_engine(database_url)
    upgrade(engine)
    import_dataset(engine, Dataset(planted_session.seekers.iloc[:0], planted_session.openings.iloc[:0],
                                   planted_session.events.iloc[:0]))  # fmt: skip
    from tests.worlds import planted_world, write_world

    folder.mkdir()
    write_world(planted_world(), folder)
    seekers = (folder / "seekers.csv").read_text(encoding="utf-8").splitlines()
    seekers[1] = seekers[1].replace("일을 오래 했습니다", "주민번호 850505-2345678 입니다")
    (folder / "seekers.csv").write_text("\n".join(seekers) + "\n", encoding="utf-8")
    url = ["--database-url", database_url]
    assert main(["import", "--data", str(folder), *url]) == 2  # strict by default
    assert main(["import", "--data", str(folder), "--skip-bad-rows", *url]) == 0
    rejected = (folder / "rejected-seekers.csv").read_text(encoding="utf-8")
    assert "주민등록번호" in rejected and "2345678" not in rejected
    with engine.connect() as conn:
        stored = pd.read_sql_table("seekers", conn)
    assert len(stored) == len(planted_session.seekers) - 1 and not stored.to_csv().count("2345678")
    assert main(["export", "--out", str(export_target), *url]) == 0
    assert load_folder(export_target).seekers.shape[0] == len(stored)

    assert main(["tokens", "add", "--role", "employer", "--employer", "E00", "--label", "t", *url]) == 0
    printed = capsys.readouterr().out
    token = re.search(r"jm_[0-9a-f]+\.\S+", printed).group(0)
    token_id = re.search(r"token_id (\w+)", printed).group(1)
    with engine.connect() as conn:
        row = conn.execute(select(tables.tokens)).mappings().one()
    assert token not in str(dict(row)) and row["employer_id"] == "E00"
    assert main(["tokens", "add", "--role", "employer", *url]) == 2  # an employer token needs its employer
    assert main(["tokens", "revoke", token_id, *url]) == 0
    assert main(["tokens", "revoke", token_id, *url]) == 2


def test_pseudonymised_export(database_url: str, planted_session: Dataset, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    import_dataset(engine, planted_session)
    key = "a-secret-key-for-the-test"
    summary = export_folder(engine, tmp_path, pseudonymize_with=key)
    out = load_folder(tmp_path)
    raw = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.csv"))
    assert key not in raw
    assert not set(out.seekers["seeker_id"]) & set(planted_session.seekers["seeker_id"])
    aliases = {pseudonym(key, "seeker", s): s for s in planted_session.seekers["seeker_id"]}
    assert set(out.seekers["seeker_id"]) <= set(aliases)
    assert len(out.seekers) == len(planted_session.seekers) - summary.left_out
    assert set(out.events["seeker_id"]) <= set(out.seekers["seeker_id"])  # events still join
    assert (out.seekers["birth_year"] % 5 == 0).all()
    assert out.seekers["intro"].isna().all() and "일을 오래 했습니다" not in raw
    assert out.openings["description"].isna().all()
    names = set(planted_session.openings["employer_name"])
    assert not [name for name in names if name in raw], "no employer name in clear"
    assert set(out.openings["employer_name"]) == set(out.openings["employer_id"])
    assert smallest_group(out.seekers) >= K and summary.left_out <= 0.05 * len(planted_session.seekers)
    other = tmp_path / "other"
    export_folder(engine, other, pseudonymize_with="another-key-entirely")
    assert not set(load_folder(other).seekers["seeker_id"]) & set(out.seekers["seeker_id"])


def test_a_connection_to_a_fresh_sqlite_file_waits_for_a_writer_before_switching_to_wal(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once, without its busy timeout, while another connection writes to a
    file still in rollback mode (instances starting on a fresh file: test_storage's four migrations failed so
    once in nine loaded runs). The engine's connection waits for that writer like any other statement."""
    path = tmp_path / "fresh.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (i INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.5, lambda: writer.execute("COMMIT")).start()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    engine.dispose()
    writer.close()
