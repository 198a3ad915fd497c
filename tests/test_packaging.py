"""Packaging: one import namespace, no bare top-level names, no implementation imported by the kit."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["conformance", "fixtures", "adapters"])
@pytest.mark.parametrize("where", ["repo", "elsewhere"])
def test_bare_folder_names_are_not_importable(name, where, tmp_path):
    result = run_python(f"import {name}", REPO if where == "repo" else tmp_path)
    assert result.returncode != 0
    if where == "repo":  # the folder is on sys.path there and refuses by itself
        assert "cannot be imported as" in result.stderr


def test_namespace_imports_work():
    result = run_python(
        "import zarr_conformance, zarr_conformance.fixtures.writer, zarr_conformance.adapters.base, "
        "zarr_conformance.plugin, zarr_conformance.cli; print(zarr_conformance.__version__)",
        REPO,
    )
    assert result.returncode == 0, result.stderr


def test_importing_the_kit_imports_no_implementation(tmp_path):
    code = (
        "import sys\n"
        "import zarr_conformance, zarr_conformance.plugin, zarr_conformance.cli, zarr_conformance.expectations\n"
        "import zarr_conformance.suites.array_read, zarr_conformance.suites.array_metadata, "
        "zarr_conformance.suites.invalid_input\n"
        "import zarr_conformance.adapters.registry, zarr_conformance.adapters.reference\n"
        "from zarr_conformance.adapters.registry import available; available()\n"
        "loaded = sorted(m for m in ('zarr', 'tensorstore', 'zarrs') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_wheel_holds_one_namespace_with_its_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("zarr_conformance-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"zarr_conformance"}
    for required in [
        "zarr_conformance/plugin.py",
        "zarr_conformance/test_array_read.py",
        "zarr_conformance/py.typed",
        "zarr_conformance/data/requirements.yaml",
        "zarr_conformance/data/expectations.yaml",
        "zarr_conformance/fixtures/case.schema.json",
        "zarr_conformance/fixtures/cases/v3.yaml",
        "zarr_conformance/adapters/zarr_python.py",
        "zarr_conformance/adapters/implementations.yaml",
        "zarr_conformance/suites/array_read.py",
    ]:
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text and "zarr_conformance.plugin" in text
    assert "zarr-conformance = zarr_conformance.cli:main" in text
