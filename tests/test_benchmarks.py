"""Every benchmark script still runs its imports: a benchmark left behind by a change fails here, not when
someone needs its figures."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).parent.parent / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.name)
def test_benchmark_script_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(script.parent))  # scripts import their neighbours, as when run from there
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)  # runs the imports and definitions; main() is behind __name__ == "__main__"
    assert callable(getattr(module, "main", None)), f"{script.name} has no main()"


def test_there_are_benchmarks() -> None:
    assert len(BENCHMARKS) >= 5
