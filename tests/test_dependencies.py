"""pyproject.toml and the lock files: every imported package declared where it is used, every dependency bounded
below its next major version, the locks pinning what pyproject asks; optional parts say which extra they need."""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from matcher import bundle, text
from matcher.extras import MissingExtra, require

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
FIRST_PARTY = {"matcher", "training", "service", "jobmatch_cli", "tests", "benchmarks"}


def _requirements(group: str | None) -> list[Requirement]:
    """The group's requirements (None: the core ones), with those of the extras it names (``jobmatch[dask]``)."""
    lines = PROJECT["dependencies"] if group is None else PROJECT["optional-dependencies"][group]
    found = []
    for requirement in map(Requirement, lines):
        found.append(requirement)
        if requirement.name == PROJECT["name"]:
            found.extend(r for extra in sorted(requirement.extras) for r in _requirements(extra))
    return found


def _names(*groups: str | None) -> set[str]:
    return {canonicalize_name(r.name) for g in groups for r in _requirements(g) if r.name != PROJECT["name"]}


def _imported_distributions(folder: str) -> dict[str, set[str]]:
    """The distributions of every third-party module imported anywhere under ``folder`` (lazy imports too)."""
    providers = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in FIRST_PARTY or (path.parent / f"{top}.py").is_file():
                    continue  # (the last: a script beside it, e.g. one benchmark reusing another's world)
                assert top in providers, f"{path.relative_to(ROOT)} imports {top}, which no installed package provides"
                for dist in providers[top]:
                    found.setdefault(canonicalize_name(dist), set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("folder", "groups"),
    [("matcher", [None]), ("training", [None]), ("service", [None]), ("jobmatch_cli", [None, "dask"]),
     ("tests", [None, "test"]),
     ("benchmarks", [None, "test"])],
)  # fmt: skip
def test_every_imported_package_is_declared(folder: str, groups: list[str | None]) -> None:
    declared = _names(*groups)
    undeclared = {dist: sorted(files)[:3] for dist, files in _imported_distributions(folder).items()
                  if dist not in declared}  # fmt: skip
    assert not undeclared, f"imported but not declared in pyproject ({groups}): {undeclared}"


def test_dask_is_imported_only_where_recommend_runs_on_a_cluster() -> None:
    """jobmatch_cli/dask_cluster.py alone imports it, and only `--scheduler` imports that module."""
    for folder in ("matcher", "training", "service", "jobmatch_cli"):
        imported = _imported_distributions(folder)
        assert imported.get("distributed", set()) | imported.get("dask", set()) <= {"jobmatch_cli/dask_cluster.py"}
    assert "dask" not in _names(None) and "distributed" in _names("dask") and "distributed" in _names("test")


def test_every_dependency_has_an_upper_bound() -> None:
    groups = [None, *PROJECT["optional-dependencies"]]
    upper = ("<", "<=", "==", "~=")
    unbounded = [str(r) for g in groups for r in _requirements(g)
                 if r.name != PROJECT["name"] and not any(s.operator in upper for s in r.specifier)]  # fmt: skip
    assert not unbounded, f"no upper bound: {unbounded}"


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, version = line.split(" ")[0].split(";")[0].split("==")
            pins[canonicalize_name(name)] = version
    return pins


@pytest.mark.parametrize(("lock", "groups"), [("runtime.lock", [None, "postgres"]), ("test.lock", [None, "test"])])
def test_lock_pins_what_pyproject_asks(lock: str, groups: list[str | None]) -> None:
    """A dependency added or changed in pyproject without `make lock` fails here, not on a fresh machine."""
    pins = _pins(lock)
    for group in groups:
        for requirement in _requirements(group):
            if requirement.name == PROJECT["name"]:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"sys_platform": "linux"}):
                continue
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement} is not in requirements/{lock}: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"requirements/{lock} pins {name}=={pins[name]}, outside {requirement}: run `make lock`"
            )


def test_tests_run_the_deployed_versions() -> None:
    runtime, test = _pins("runtime.lock"), _pins("test.lock")
    assert {name: test.get(name) for name in runtime} == runtime


def test_the_kiwi_extra_is_not_a_core_dependency() -> None:
    assert "kiwipiepy" not in _names(None)
    assert "kiwipiepy" in _names("kiwi")


@pytest.fixture
def no_kiwipiepy(monkeypatch: pytest.MonkeyPatch):
    """As if kiwipiepy were not installed (an import of it fails)."""
    monkeypatch.setitem(sys.modules, "kiwipiepy", None)
    text._kiwi.cache_clear()
    yield
    text._kiwi.cache_clear()


def test_kiwi_analyzer_without_kiwipiepy_says_which_extra(no_kiwipiepy) -> None:
    with pytest.raises(MissingExtra, match=r"kiwi text analyzer needs the package kiwipiepy.*jobmatch\[kiwi\]"):
        text.make_vectorizer("kiwi")
    text.make_vectorizer("char")  # the default analyzer needs nothing optional


def test_train_with_kiwi_without_kiwipiepy_stops_before_any_work(no_kiwipiepy, tmp_path, capsys) -> None:
    from jobmatch_cli.main import main

    code = main(["train", "--data", str(tmp_path / "absent"), "--model-dir", str(tmp_path), "--analyzer", "kiwi"])
    assert code == 2
    err = capsys.readouterr().err
    assert "pip install 'jobmatch[kiwi]'" in err
    assert "absent" not in err  # the data folder was never read


def test_kiwi_bundle_without_kiwipiepy_is_refused_with_the_extra(no_kiwipiepy, tmp_path, monkeypatch) -> None:
    from matcher.ranker import PairModel

    monkeypatch.setattr(bundle.joblib, "load", lambda _path: PairModel(analyzer="kiwi"))
    monkeypatch.setattr(bundle, "sha256", lambda _path: "x")
    manifest = {"format": bundle.FORMAT, "bundle_sha256": "x", "libraries": bundle.library_versions(),
                "features": list(bundle.FEATURES), "version": "v"}  # fmt: skip
    (tmp_path / bundle.MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / bundle.BUNDLE_FILE).write_bytes(b"")
    with pytest.raises(bundle.BundleError, match=r"jobmatch\[kiwi\]"):
        bundle.load(tmp_path)


def test_postgres_url_without_psycopg_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.db import make_engine

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtra, match=r"jobmatch\[postgres\]"):
        make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_require_keeps_a_broken_package_s_own_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the package itself being absent is a missing extra; a package missing inside it keeps its own error."""
    (tmp_path / "half_installed").mkdir()
    (tmp_path / "half_installed" / "__init__.py").write_text("import gone_dependency_of_it\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as caught:
        require("half_installed", "none", "a test")
    assert not isinstance(caught.value, MissingExtra)
    assert caught.value.name == "gone_dependency_of_it"
