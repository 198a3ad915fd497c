"""The exported hypothesis strategies draw valid cases and well-formed selections, and find real bugs."""

from __future__ import annotations

import json
import shutil

import numpy as np
from faulty_adapters import PointsInChunkOrder, SortsIndexLists
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.adapters.selection import Selection
from zarr_conformance.fixtures import reader
from zarr_conformance.fixtures.validator import validate
from zarr_conformance.strategies import array_cases, selections, shapes, stores

# derandomized: the same examples on every run and machine
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(stores())
def test_drawn_stores_are_valid_and_read_back_as_their_case(store):
    try:
        errors = [v for v in validate(store.path, store.case.path) if v.severity == "error"]
        assert not errors, (store.case.raw, errors[:3])
        observed = reader.read_array(store.path, store.case.path)
        np.testing.assert_array_equal(observed, store.expected)
    finally:
        shutil.rmtree(store.path.parent, ignore_errors=True)


@SETTINGS
@given(st.data())
def test_drawn_selections_survive_their_json_form_and_apply_like_numpy(data):
    shape = data.draw(shapes())
    selection = data.draw(selections(shape, negative_steps=True))
    assert Selection.from_json(json.loads(json.dumps(selection.to_json()))) == selection
    array = np.arange(int(np.prod(shape))).reshape(shape)
    result = selection.apply(array)
    assert result.shape == selection.shape(shape)
    if selection.kind != "basic":  # no negative steps outside basic: resolving keeps NumPy's answer
        np.testing.assert_array_equal(selection.resolved(shape).apply(array), result)


def test_the_cases_cover_both_formats_sharding_and_transpose():
    seen = set()

    def note(case) -> bool:
        codecs = json.dumps(case.raw.get("codecs", []))
        seen.update(
            {f"v{case.format}"}
            | ({"sharded"} if "sharding_indexed" in codecs else set())
            | ({"transpose"} if "transpose" in codecs else set())
            | ({"0-d"} if not case.shape else set())
        )
        return {"v2", "v3", "sharded", "transpose", "0-d"} <= seen

    find(array_cases(), note, settings=settings(max_examples=2000, database=None, derandomize=True))


def _bug_found(adapter) -> None:
    """Drawn stores and selections find where ``adapter`` differs from NumPy on the reference's data."""

    def differs(drawn) -> bool:
        store, selection = drawn
        try:
            expected = selection.apply(store.expected)
            observed = adapter.read(store.path, store.case.path, selection)
            return observed.shape != expected.shape or not np.array_equal(observed, expected, equal_nan=True)
        finally:
            shutil.rmtree(store.path.parent, ignore_errors=True)

    pairs = stores(array_cases(formats=(3,), sharding=False)).flatmap(
        lambda s: st.tuples(st.just(s), selections(s.expected.shape, kinds=("orthogonal", "coordinate")))
    )
    find(pairs, differs, settings=settings(max_examples=500, database=None, derandomize=True))


def test_drawn_selections_find_a_reader_that_sorts_index_lists():
    _bug_found(SortsIndexLists())


def test_drawn_selections_find_a_reader_that_reorders_points():
    _bug_found(PointsInChunkOrder())


def test_the_reference_reads_drawn_selections_as_numpy():
    """The counterpart of the two above: the same search finds nothing on the reference."""
    reference = ReferenceAdapter()

    @settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        store = data.draw(stores(array_cases(sharding=True)))
        try:
            selection = data.draw(selections(store.expected.shape))
            observed = reference.read(store.path, store.case.path, selection)
            np.testing.assert_array_equal(observed, selection.apply(store.expected))
        finally:
            shutil.rmtree(store.path.parent, ignore_errors=True)

    check()
