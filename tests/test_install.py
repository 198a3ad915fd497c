"""The documented ways to install the kit work in a new virtual environment: a built wheel, a clone's path, a git URL.

The kit is not on a package index, so these are the ways a project's CI gets it. Each
install is followed by a real use: the plugin runs the suites on one case, from a folder
outside the clone. The plugin's own dependencies stay minimal: what only the matrix
draws or renders with comes with the ``matrix`` extra.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: packages the plugin must not pull in: the matrix's display, HTML and installer, and any implementation
NOT_FOR_THE_PLUGIN = {"rich", "jinja2", "uv", "zarr", "tensorstore", "zarrs"}


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A new virtual environment with the kit installed from a wheel built from this clone, as docs/ci.md says."""
    where = tmp_path_factory.mktemp("install")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(where / "dist"), str(REPO)], where)
    (wheel,) = (where / "dist").glob("zarr_conformance-*.whl")
    run([sys.executable, "-m", "venv", str(where / "venv")], where)
    run([str(where / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], where)
    return where / "venv"


def installed(venv: Path) -> set[str]:
    listing = run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"], venv)
    return {entry["name"].lower() for entry in json.loads(listing.stdout)}


def suites_pass(venv: Path, cwd: Path) -> None:
    """The plugin, from a folder that is not the clone: one case through the reference adapter."""
    result = run(
        [
            str(venv / "bin" / "pytest"),
            "--pyargs",
            "zarr_conformance",
            "--zarr-impl",
            "reference",
            "--zarr-cases",
            "^v3-int16$",
            "--zarr-cache-dir",
            str(cwd / "cache"),
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd,
    )
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_a_built_wheel_installs_the_plugin_with_its_own_dependencies_only(venv, tmp_path):
    assert "zarr-conformance" in installed(venv)
    assert not installed(venv) & NOT_FOR_THE_PLUGIN
    suites_pass(venv, tmp_path)


def test_the_matrix_without_its_extra_says_what_to_install(venv, tmp_path):
    result = subprocess.run(
        [str(venv / "bin" / "zarr-conformance"), "matrix", "--out", str(tmp_path / "m")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "needs rich (the progress display), jinja2 (matrix.html)" in result.stderr
    assert "zarr-conformance[matrix]" in result.stderr and not (tmp_path / "m").exists()


def test_a_clone_path_installs(venv, tmp_path):
    run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(REPO)],
        tmp_path,
    )
    suites_pass(venv, tmp_path)


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs git and a git checkout")
def test_a_git_url_installs(venv, tmp_path):
    """``pip install "zarr-conformance @ git+URL"``; here the URL is this clone's (its committed HEAD)."""
    url = f"zarr-conformance @ git+file://localhost{REPO}"  # old pip refuses file:/// in a PEP 508 URL
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", url], tmp_path)
    suites_pass(venv, tmp_path)
