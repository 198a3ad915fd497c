"""An adapter named ``package.module:Class`` is imported from the project under test.

The ``pytest`` and ``zarr-conformance`` commands are console scripts: the folder they
are started in is not on ``sys.path``. These tests start them as a maintainer would,
in a project folder that is not installed, and check that the adapter is found there
(and in the pytest rootdir), that a worker started from the run finds it too, and that
a failure to import says where it looked and what to set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CASE = "^v3-1d-uint8$"

ADAPTER = """
from zarr_conformance.adapters.reference import ReferenceAdapter


class MyZarrAdapter(ReferenceAdapter):
    name = "my-zarr"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with its adapter at ``tests/conformance.py``, as docs/ci.md shows; nothing of it is installed."""
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "conformance.py").write_text(ADAPTER)
    (root / "pyproject.toml").write_text('[project]\nname = "my-zarr"\nversion = "1.0"\n')
    return root


def _run(command: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["ZARR_CONFORMANCE_CACHE"] = str(cache)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _pytest(*args: str) -> list[str]:
    return [str(BIN / "pytest"), "-p", "no:cacheprovider", "--pyargs", "zarr_conformance", "--zarr-cases", CASE, *args]


@pytest.mark.parametrize("impl", ["tests.conformance:MyZarrAdapter", "worker:tests.conformance:MyZarrAdapter"])
def test_pytest_started_in_the_project_imports_its_adapter(project, tmp_path, impl):
    result = _run(_pytest("--zarr-impl", impl), project, tmp_path / "cache")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "implementation my-zarr" in result.stdout


@pytest.mark.parametrize("impl", ["tests.conformance:MyZarrAdapter", "worker:tests.conformance:MyZarrAdapter"])
def test_pytest_started_below_the_rootdir_imports_the_adapter_from_there(project, tmp_path, impl):
    """Started in a subfolder: the adapter is found in the rootdir, and a worker started from the run finds it too."""
    (project / "pytest.ini").write_text("[pytest]\n")
    below = project / "docs"
    below.mkdir()
    result = _run(_pytest("--zarr-impl", impl), below, tmp_path / "cache")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "implementation my-zarr" in result.stdout


def test_zarr_conformance_run_started_in_the_project_imports_its_adapter(project, tmp_path):
    command = [str(BIN / "zarr-conformance"), "run", "--impl", "tests.conformance:MyZarrAdapter", "--cases", CASE]
    result = _run(command, project, tmp_path / "cache")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "my-zarr" in result.stdout


def test_an_adapter_that_cannot_be_found_says_where_it_looked_and_what_to_set(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _run(_pytest("--zarr-impl", "tests.conformance:MyZarrAdapter"), elsewhere, tmp_path / "cache")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    message = result.stderr
    assert "cannot import 'tests.conformance'" in message
    assert f"Looked on sys.path and in {elsewhere.resolve()}" in message
    assert "PYTHONPATH" in message and "pip install -e ." in message


def test_an_adapter_whose_own_import_fails_names_the_missing_dependency(project, tmp_path):
    """The project's module is found, but it imports something missing: that is the message, not a search."""
    (project / "tests" / "conformance.py").write_text("import my_zarr_binding  # noqa\n" + ADAPTER)
    result = _run(_pytest("--zarr-impl", "tests.conformance:MyZarrAdapter"), project, tmp_path / "cache")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "importing 'tests.conformance' failed: No module named 'my_zarr_binding'" in result.stderr
    assert "Looked on sys.path" not in result.stderr
