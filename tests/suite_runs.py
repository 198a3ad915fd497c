"""Running the template suites inside a test (with pytester) and reading their results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def run_suites(pytester: pytest.Pytester, impl: str, cache: Path, *args: str) -> dict[str, dict]:
    """Run the suites against ``impl``; return results by test id (from the JSON report)."""
    report = pytester.path / "results.json"
    pytester.runpytest_inprocess(
        "--pyargs", "zarr_conformance", "--zarr-impl", impl, "--zarr-cache-dir", str(cache),
        "--zarr-json", str(report), "-p", "no:cacheprovider", "-q", *args,
    )
    assert report.exists(), "the suite run wrote no results"
    return {r["test_id"]: r for r in json.loads(report.read_text())["results"]}


def failed(results: dict[str, dict], outcomes: tuple[str, ...] = ("fail", "timeout", "crash", "error")) -> set[str]:
    return {test_id for test_id, r in results.items() if r["outcome"] in outcomes}


def function_of(test_id: str) -> str:
    return test_id.split("[")[0]
