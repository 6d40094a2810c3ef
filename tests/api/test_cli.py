"""The command line on both databases: what it refuses, what it writes for people to open, how it fails."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jobmatch_cli import common
from jobmatch_cli.main import main
from matcher import cells
from matcher.contract import Dataset, load_folder
from service import tables
from service.db import make_engine
from service.import_export import import_dataset
from service.migrate import upgrade
from tests.worlds import planted_world, write_world

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
FORMULAS = ['=HYPERLINK("http://evil.example","보기")', "=cmd|' /C calc'!A0", "@SUM(A1)", "+82 10", "-3"]


def _formula_world(folder: Path) -> None:
    """The planted world with formulas in free text, lists and one seeker's id."""
    world = planted_world()
    seekers, events = world["seekers"], world["events"]
    seekers.loc[0, "intro"] = FORMULAS[0]
    seekers.loc[1, "skills"] = (FORMULAS[1], "미싱")
    seekers.loc[2, "desired_occupations"] = (FORMULAS[2],)
    seekers.loc[3, "intro"] = FORMULAS[3]
    world["openings"].loc[0, "description"] = FORMULAS[4]
    events.loc[events["seeker_id"] == "S000", "seeker_id"] = "=1+1"
    seekers.loc[seekers["seeker_id"] == "S000", "seeker_id"] = "=1+1"
    folder.mkdir(parents=True, exist_ok=True)
    write_world(world, folder)


def _cells(folder: Path) -> list[str]:
    return [cell for path in folder.glob("*.csv") for row in csv.reader(path.open(encoding="utf-8")) for cell in row]


def test_export_neutralises_formulas_and_import_reads_them_back(database_url: str, tmp_path: Path) -> None:
    _formula_world(tmp_path / "in")
    url = ["--database-url", database_url]
    assert main(["import", "--data", str(tmp_path / "in"), *url]) == 0
    assert main(["export", "--out", str(tmp_path / "out"), *url]) == 0
    written = _cells(tmp_path / "out")
    assert not [c for c in written if c[:1] in cells.FORMULA_STARTS], "no cell a spreadsheet would run"
    assert "'=1+1" in written and f"'{FORMULAS[0]}" in written
    before, after = load_folder(tmp_path / "in"), load_folder(tmp_path / "out")
    for name, key in (("seekers", "seeker_id"), ("openings", "opening_id")):
        a = getattr(before, name).sort_values(key).reset_index(drop=True)
        b = getattr(after, name).sort_values(key).reset_index(drop=True)
        assert a.drop(columns=["lat", "lon"]).equals(b.drop(columns=["lat", "lon"])), name
    assert set(after.events["seeker_id"]) == set(before.events["seeker_id"]) and "=1+1" in set(after.seekers.seeker_id)


@pytest.fixture
def test_key(monkeypatch: pytest.MonkeyPatch):
    """The key the tests' bundles are signed with, as the command line reads it."""
    from service.config import get_settings
    from tests.api.conftest import SECRET

    monkeypatch.setenv("JOBMATCH_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    yield SECRET
    get_settings.cache_clear()


def test_recommend_neutralises_formulas(test_key: str, model_dir: Path, tmp_path: Path) -> None:
    _formula_world(tmp_path / "in")
    out = tmp_path / "matches.csv"
    args = ["recommend", "--data", str(tmp_path / "in"), "--model-dir", str(model_dir), "--as-of", "2025-02-20"]
    assert main([*args, "--seekers", "=1+1,S001", "--out", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[1][0] == "'=1+1" and not [c for r in rows for c in r if c[:1] in cells.FORMULA_STARTS]
    assert rows[0] == ["seeker_id", "rank", "opening_id", "score", "reasons", "cautions"]
    assert main([*args, "--openings", "all", "--out", str(out)]) == 0
    header = next(csv.reader(out.open(encoding="utf-8")))
    assert header == ["opening_id", "rank", "seeker_id", "score", "reasons", "cautions"]


def test_recommend_into_a_missing_folder_stops_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Before: the traceback came after the data was loaded, the model built and every list ranked."""
    monkeypatch.setattr(common, "load_folder", lambda *a, **k: pytest.fail("loaded data before checking --out"))
    out = tmp_path / "no" / "such" / "matches.csv"
    assert main(["recommend", "--data", str(tmp_path), "--seekers", "all", "--out", str(out)]) == 2
    assert f"{out.parent}" in capsys.readouterr().err


def test_a_token_label_holding_a_registration_number_is_refused(
    database_url: str, capsys: pytest.CaptureFixture
) -> None:
    url = ["--database-url", database_url]
    for label in ("김상담 900101–1234567", "９００１０１-１２３４５６７", "a\x00b"):
        assert main(["tokens", "add", "--role", "counselor", "--label", label, *url]) == 2
    assert main(["tokens", "add", "--role", "counselor", "--label", "김상담", *url]) == 0
    captured = capsys.readouterr()
    assert "1234567" not in captured.out + captured.err and "１２３" not in captured.err
    with make_engine(database_url).connect() as conn:
        assert list(conn.scalars(select(tables.tokens.c.label))) == ["김상담"]


def test_imports_at_once_one_wins_the_others_exit_2_with_a_message(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Before, on SQLite: the loser's check ran before it held the write lock, its insert then failed on the key,
    and the IntegrityError's traceback printed the rows it was inserting (personal data)."""
    folder = tmp_path / "data"
    folder.mkdir()
    write_world(planted_world(), folder)
    engine = make_engine(database_url)
    upgrade(engine)
    empty = load_folder(folder)
    import_dataset(engine, Dataset(empty.seekers.iloc[:0], empty.openings.iloc[:0], empty.events.iloc[:0]))
    codes: list[object] = []
    start = threading.Barrier(4)

    def one() -> None:
        start.wait()
        try:
            codes.append(main(["import", "--data", str(folder), "--database-url", database_url]))
        except BaseException as exc:  # an escaping error is what this test is about
            codes.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes, key=str) == [0, 2, 2, 2], codes
    err = capsys.readouterr().err
    assert err.count("already in the database") >= 3 and "Traceback" not in err and "일을 오래" not in err
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(tables.seekers)) == len(empty.seekers)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch):
    """The settings of a production machine, read afresh from the environment; ``set_key`` chooses its key."""
    from service.config import get_settings

    monkeypatch.setenv("JOBMATCH_ENVIRONMENT", "production")
    monkeypatch.delenv("JOBMATCH_SECRET_KEY", raising=False)
    get_settings.cache_clear()

    def set_key(key: str) -> None:
        monkeypatch.setenv("JOBMATCH_SECRET_KEY", key)
        get_settings.cache_clear()

    yield set_key
    get_settings.cache_clear()


def test_every_command_that_uses_the_secret_key_refuses_the_default_outside_development(
    production, database_url: str, model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Before: ``JOBMATCH_ENVIRONMENT=production jobmatch export --pseudonymize`` hashed ids with the public
    default key, so anyone could reverse S000001..."""
    data = tmp_path / "data"
    data.mkdir()
    write_world(planted_world(), data)
    upgrade(make_engine(database_url))
    models = ["--model-dir", str(model_dir)]
    commands = [
        ["export", "--pseudonymize", "--out", str(tmp_path / "export"), "--database-url", database_url],
        ["train", "--data", str(data), "--model-dir", str(tmp_path / "new-models")],
        ["recommend", "--data", str(data), *models, "--seekers", "S000", "--out", str(tmp_path / "r.csv")],
        ["evaluate", "--data", str(data), *models],
    ]
    for argv in commands:
        assert main(argv) == 2, argv
        assert "JOBMATCH_SECRET_KEY is the default" in capsys.readouterr().err, argv
    assert not (tmp_path / "export").exists() and not (tmp_path / "new-models").exists()
    # With the key the bundle was signed with it loads; with another, it is refused as tampered.
    from tests.api.conftest import SECRET

    production(SECRET)
    assert main(commands[2]) == 0
    production("some-other-long-secret-key")
    assert main(commands[2]) == 2 and "signature does not match" in capsys.readouterr().err


def test_serve_hands_the_app_the_database_and_models_it_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Before: settings read earlier in the process stayed cached, and the app got those. The demo reads them for
    its key before pointing the environment at its own database and bundle: `make demo` served an empty
    var/jobmatch.db and no model ("no trained bundle in models")."""
    from service import server
    from service.config import get_settings

    url, models = f"sqlite:///{tmp_path / 'named.db'}", tmp_path / "named-models"
    monkeypatch.setenv("JOBMATCH_DATABASE_URL", "sqlite:///elsewhere.db")  # restored after the test
    monkeypatch.setenv("JOBMATCH_MODEL_DIR", "elsewhere")
    get_settings.cache_clear()
    get_settings()  # read before, as the demo does
    seen = {}

    def run(host, port, workers, sock=None):
        seen["settings"] = get_settings()  # what create_app() reads in the server
        sock.close()

    monkeypatch.setattr(server, "run", run)
    try:
        assert main(["serve", "--port", "0", "--database-url", url, "--model-dir", str(models)]) == 0
    finally:
        get_settings.cache_clear()
    assert seen["settings"].database_url == url and Path(seen["settings"].model_dir) == models
