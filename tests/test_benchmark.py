"""``python -m zarr_conformance.benchmark --overhead``: the split of a run's wall time is complete and consistent.

No figure is checked against a threshold: times depend on the machine.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("zarr")

from zarr_conformance import benchmark
from zarr_conformance.overhead import CATEGORIES, IMPLEMENTATION, adapter_verbs

CASES = r"^(v3-int32|v2-int32-le)$"


@pytest.fixture(scope="module")
def measured(fixture_cache, tmp_path_factory) -> dict:
    results = tmp_path_factory.mktemp("overhead") / "results.json"
    return benchmark.kit_overhead("zarr-python", CASES, str(fixture_cache), results)


def test_shares_add_up_to_the_wall_time(measured):
    assert set(measured["seconds"]) == set(CATEGORIES)
    assert all(seconds >= 0 for seconds in measured["seconds"].values())
    assert sum(measured["shares"].values()) == pytest.approx(1.0, abs=0.01)
    assert measured["implementation_share"] + measured["kit_share"] == pytest.approx(1.0, abs=1e-9)


def test_the_adapter_calls_and_the_tests_are_counted(measured):
    assert measured["tests"] > 0
    assert measured["calls"][IMPLEMENTATION] > 0
    assert measured["seconds"][IMPLEMENTATION] > 0
    assert sum(measured["summary"].values()) >= measured["tests"]
    assert measured["implementation"].startswith("zarr-python ")


def test_a_green_run_leaves_no_temporary_stores(measured):
    assert measured["tmp_path_left_bytes"] == 0


def test_verbs_are_the_adapter_contract():
    from zarr_conformance.adapters.base import Adapter

    verbs = adapter_verbs(Adapter)
    assert {"open_array", "read", "create_array", "write"} <= set(verbs)
    assert "version" not in verbs and "close" not in verbs


def test_table_and_json(measured, capsys):
    table = benchmark.overhead_table(measured)
    for category in CATEGORIES:
        assert category in table
    json.dumps(measured)  # the --json form
