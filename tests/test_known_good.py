"""Known-good implementations pass: the reference reader fully, zarr-python up to its recorded deviations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from suite_runs import failed, run_suites

TESTS = Path(__file__).resolve().parent


def test_reference_adapter_passes_every_suite(pytester, fixture_cache):
    results = run_suites(pytester, "reference", fixture_cache)
    assert len(results) >= 500
    assert not failed(results)
    assert {r["outcome"] for r in results.values()} <= {"pass", "unsupported"}


def test_zarr_python_passes_except_recorded_deviations(pytester, fixture_cache):
    pytest.importorskip("zarr")
    results = run_suites(pytester, "zarr-python", fixture_cache, "--zarr-expect", "shipped")
    assert len(results) >= 500
    assert not failed(results), sorted(failed(results))[:10]
    unexpected_passes = sorted(t for t, r in results.items() if r["outcome"] == "xpass")
    assert not unexpected_passes, f"shipped expectations are stale for: {unexpected_passes}"
    assert any(r["outcome"] == "xfail" for r in results.values())


def cli(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(TESTS), "ZARR_CONFORMANCE_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=TESTS,
    )


def test_run_exits_zero_when_nothing_fails_unexpectedly(fixture_cache, tmp_path):
    result = cli(
        "run",
        "--impl",
        "reference",
        "--cases",
        "^v3-(int16|attributes)$",
        "--json",
        str(tmp_path / "r.json"),
        cache=fixture_cache,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zarr-conformance 0.1.0: reference 0.1.0" in result.stdout
    assert "OK: nothing failed unexpectedly" in result.stdout
    assert (tmp_path / "r.json").exists()


def test_run_exits_one_and_lists_unexpected_failures(fixture_cache):
    result = cli("run", "--impl", "faulty_adapters:DropsAttributes", "--cases", "^v3-attributes$", cache=fixture_cache)
    assert result.returncode == 1
    assert "unexpected failures (1):" in result.stdout
    assert "test_attributes[v3-attributes]" in result.stdout
    assert "observed: attributes {}" in result.stdout


def test_fixtures_command_is_deterministic(tmp_path, fixture_cache):
    first, second = tmp_path / "one", tmp_path / "two"
    assert cli("fixtures", str(first), cache=fixture_cache).returncode == 0
    assert cli("fixtures", str(second), cache=fixture_cache).returncode == 0
    files_one = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    files_two = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert files_one == files_two and len(files_one) > 1000
    different = [p for p in files_one if (first / p).read_bytes() != (second / p).read_bytes()]
    assert not different


def test_fixture_cache_reuses_built_stores(tmp_path):
    from zarr_conformance.fixtures.cases import load_catalogue
    from zarr_conformance.fixtures.writer import ensure_fixture

    case = next(c for c in load_catalogue() if c.id == "v3-sharded-nested")
    first = ensure_fixture(case, tmp_path)
    stamp = (first.root / "case.json").stat().st_mtime_ns
    again = ensure_fixture(case, tmp_path)
    assert again.root == first.root
    assert (again.root / "case.json").stat().st_mtime_ns == stamp
