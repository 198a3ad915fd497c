"""Running the template suites inside a test (with pytester) and reading their results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest


def run_suites(pytester: pytest.Pytester, impl: str, cache: Path, *args: str) -> dict[str, dict]:
    """Run the suites against ``impl``; return results by test id (from the JSON report)."""
    report = pytester.path / "results.json"
    pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        impl,
        "--zarr-cache-dir",
        str(cache),
        "--zarr-json",
        str(report),
        "-p",
        "no:cacheprovider",
        "-q",
        "-W",
        "error::pytest.PytestDeprecationWarning",  # what pytest will remove must not be the kit's doing
        *args,
    )
    assert report.exists(), "the suite run wrote no results"
    return {r["test_id"]: r for r in json.loads(report.read_text())["results"]}


def failed(results: dict[str, dict], outcomes: tuple[str, ...] = ("fail", "timeout", "crash", "error")) -> set[str]:
    return {test_id for test_id, r in results.items() if r["outcome"] in outcomes}


def function_of(test_id: str) -> str:
    return test_id.split("[")[0]


@dataclass(frozen=True)
class Fault:
    """A faulty adapter, the cases to run it on, and where the suites must (and may) fail."""

    adapter: str
    cases: str  # regex of the cases to run
    must_fail: tuple[str, ...]  # test ids that must fail
    only_in: tuple[str, ...]  # test functions allowed to fail (precision)


def assert_caught(fault: Fault, results: dict[str, dict]) -> None:
    """The bug is caught by the tests that check it, only there, and something else still passes."""
    __tracebackhide__ = True
    failures = failed(results)
    missing = set(fault.must_fail) - failures
    assert not missing, f"{fault.adapter}: these tests should have failed but did not: {sorted(missing)}"
    stray = {t for t in failures if function_of(t) not in fault.only_in}
    assert not stray, f"{fault.adapter}: failures outside the tests that check this bug: {sorted(stray)}"
    assert any(r["outcome"] == "pass" for r in results.values()), (
        f"{fault.adapter}: nothing passed, so the failures are not specific to the bug"
    )
