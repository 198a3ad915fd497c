"""The normalized array description and the selection model: built by the kit, one JSON form each."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zarr_conformance.adapters.arrayspec import ArraySpec
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.adapters.selection import (
    BasicSelection,
    CoordinateSelection,
    IntList,
    Mask,
    MaskSelection,
    OrthogonalSelection,
    Selection,
    SelectionError,
    Slice,
)
from zarr_conformance.calls import GuardedAdapter
from zarr_conformance.checks import ConformanceFailure, check_array
from zarr_conformance.fixtures.cases import load_catalogue
from zarr_conformance.fixtures.dtypes import same_scalar

WRITABLE = [c for c in load_catalogue() if c.valid and not c.is_group and "extra_metadata" not in c.raw]


@pytest.mark.parametrize("case", WRITABLE, ids=[c.id for c in WRITABLE])
def test_array_spec_survives_its_json_form_bit_for_bit(case):
    spec = case.array_spec()
    again = ArraySpec.from_json(json.loads(json.dumps(spec.to_json(), allow_nan=False)))
    assert again.dtype == spec.dtype
    assert same_scalar(again.fill_value, spec.fill_value)
    assert again.to_json() == spec.to_json()


def _spec(case_id):
    return next(c for c in load_catalogue() if c.id == case_id).array_spec()


def test_array_spec_is_decoded_not_the_raw_case():
    sharded = _spec("v3-sharded-uint16-edge")
    assert sharded.shards is not None and sharded.grid_shape == sharded.shards != sharded.chunks
    assert [c.name for c in sharded.codecs] == ["sharding_indexed"]
    assert all(
        isinstance(c, dict) and set(c) == {"name", "configuration"} for c in sharded.codecs[0].configuration["codecs"]
    )
    big = _spec("v2-int16-be")
    assert big.dtype.str == ">i2" and big.data_type == "int16" and big.chunk_key_encoding == "v2"
    nan = _spec("v3-fill-float32-nan")
    assert isinstance(nan.fill_value, np.float32) and np.isnan(nan.fill_value)


def test_short_hand_codec_names_are_normalized():
    spec = _spec("v3-shorthand-codec-names")
    assert all(c.to_json().keys() == {"name", "configuration"} for c in spec.codecs)


@pytest.mark.parametrize(
    "selection",
    [
        BasicSelection.of(3, slice(None), slice(1, 9, 2)),
        BasicSelection.of(slice(4, 4)),
        BasicSelection(()),
        BasicSelection.of(..., -1),
        BasicSelection.of(slice(None, None, -2), 0),
        OrthogonalSelection((Slice(0, 4), 0, IntList((5, 1, 1)), Mask((True, False)))),
        CoordinateSelection(((4, 0), (-1, 1))),
        CoordinateSelection(((), ())),
        MaskSelection((2, 3), (0, 5)),
    ],
)
def test_selection_survives_its_json_form(selection):
    assert Selection.from_json(json.loads(json.dumps(selection.to_json()))) == selection


def test_selection_applies_with_numpy_semantics_and_reads_like_numpy():
    array = np.arange(60).reshape(6, 10)
    selection = BasicSelection.of(2, slice(1, 9, 3))
    np.testing.assert_array_equal(array[selection.index], array[2, 1:9:3])
    assert selection.describe() == "[2, 1:9:3]"
    assert BasicSelection((Slice(None, 5),)).describe() == "[:5]"


def test_every_array_api_selection_of_every_case_survives_its_json_form_and_claims_what_it_needs():
    from zarr_conformance.selections import ARRAY_API, for_case

    built = 0
    for case in (c for c in load_catalogue() if c.valid and not c.is_group):
        data = np.arange(int(np.prod(case.shape))).reshape(case.shape)
        for name, kind in ARRAY_API.items():
            selection = for_case(name, case)
            if selection is None:
                continue
            built += 1
            assert Selection.from_json(json.loads(json.dumps(selection.to_json()))) == selection, (name, case.id)
            assert selection.needs() <= kind.needs, (name, case.id)
            assert selection.apply(data).shape == selection.shape(case.shape)
    assert built > 1000


def test_array_api_kinds_have_numpy_semantics():
    a = np.arange(5 * 7 * 6).reshape(5, 7, 6)
    np.testing.assert_array_equal(
        OrthogonalSelection((Slice(1, 4), 2, IntList((5, 0, 5)))).apply(a), a[1:4, 2][:, [5, 0, 5]]
    )
    mask = (True, False, True, False, True)
    np.testing.assert_array_equal(
        OrthogonalSelection((Mask(mask), IntList((6, 1)), Slice())).apply(a), a[np.ix_(mask, [6, 1], range(6))]
    )
    assert OrthogonalSelection((IntList(()), Slice(), Slice())).apply(a).shape == (0, 7, 6)
    np.testing.assert_array_equal(CoordinateSelection(((4, 0), (6, 1), (5, 0))).apply(a), [a[4, 6, 5], a[0, 1, 0]])
    true = a % 7 == 3
    np.testing.assert_array_equal(MaskSelection.of(true).apply(a), a[true])
    np.testing.assert_array_equal(BasicSelection.of(1, ..., -1).apply(a), a[1, :, -1])
    np.testing.assert_array_equal(BasicSelection.of(slice(None, None, -1), slice(3, None, -2)).apply(a), a[::-1, 3::-2])


def test_a_one_element_result_keeps_the_width_of_a_string_type():
    strings = np.array([[b"abcde", b"x"]], dtype="S5")
    for selection in (BasicSelection.of(0, 1), OrthogonalSelection((0, 0))):
        out = selection.apply(strings)
        assert out.dtype == np.dtype("S5") and out.shape == ()


@given(
    size=st.integers(0, 12),
    start=st.none() | st.integers(-15, 15),
    stop=st.none() | st.integers(-15, 15),
    step=st.none() | st.integers(-4, 4).filter(bool),
)
def test_a_resolved_slice_names_the_same_elements_as_absolute_coordinates(size, start, stop, step):
    """What an API whose indices are coordinates (tensorstore) reads for ``Slice.resolved``."""
    resolved = Slice(start, stop, step).resolved(size)
    assert resolved.start is not None and resolved.stop is not None and resolved.step is not None
    assert resolved.start >= 0 and resolved.stop >= -1  # -1: "before 0", for a negative step
    assert list(range(resolved.start, resolved.stop, resolved.step)) == list(range(size))[start:stop:step]


def test_resolved_selections_have_no_negative_index_left():
    shape = (5, 7)
    for selection in (
        BasicSelection.of(-1, ...),
        OrthogonalSelection((IntList((-1, 0, -5)), -2)),
        CoordinateSelection(((-1, 0), (0, -7))),
    ):
        resolved = selection.resolved(shape)
        text = json.dumps(resolved.to_json())
        assert "-" not in text.replace("null", ""), text
        a = np.arange(35).reshape(shape)
        np.testing.assert_array_equal(resolved.apply(a), selection.apply(a))


def test_check_array_compares_non_contiguous_float_results():
    """Orthogonal selections give non-contiguous arrays; the bitwise comparison must take them."""
    complex_values = (np.arange(12) * (1 + 1j)).astype("c8").reshape(3, 4)[:, ::2]
    check_array(complex_values, complex_values.copy(), what="values", requirements=[], fixture=None, call="")
    with pytest.raises(ConformanceFailure):
        check_array(complex_values, complex_values.copy() + 1, what="values", requirements=[], fixture=None, call="")


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],
        {"kind": "fancy"},
        {"kind": "basic"},
        {"kind": "basic", "items": [True]},
        {"kind": "basic", "items": [{"start": 1.5}]},
        {"kind": "basic", "items": ["...", "..."]},
        {"kind": "basic", "items": [{"start": 0, "step": 0}]},
        {"kind": "basic", "items": [{"begin": 0}]},
        {"kind": "orthogonal", "items": [{"indices": [1.5]}]},
        {"kind": "orthogonal", "items": [{"mask": [1, 0]}]},
        {"kind": "orthogonal", "items": ["..."]},
        {"kind": "coordinate", "coordinates": [[1, 2], [3]]},
        {"kind": "coordinate", "coordinates": 3},
        {"kind": "mask", "shape": [2, 2], "true_at": [4]},
        {"kind": "mask", "true_at": [0]},
    ],
)
def test_malformed_selection_json_is_a_clear_error(data):
    with pytest.raises(SelectionError):
        Selection.from_json(data)


def test_a_suite_passing_an_untyped_selection_is_the_kit_s_error_not_a_rejection(tmp_path):
    """Otherwise an adapter failing on a tuple would read as 'the invalid store was rejected'."""
    guard = GuardedAdapter(ReferenceAdapter(), timeout=10)
    try:
        with pytest.raises(TypeError, match="read: argument 2 must be a Selection, got tuple"):
            guard.call("read", tmp_path, "", (slice(None),))
    finally:
        guard.close()


ORACLE_MODULES = (
    "fixtures.writer",
    "fixtures.metadata",
    "fixtures.dtypes",
    "fixtures.codecs",
    "fixtures.reader",
    "fixtures.cases",
    "fixtures.validator",
)


@pytest.mark.parametrize("module", ["zarr_python", "zarr_python2", "tensorstore", "zarrs"])
def test_no_adapter_under_test_borrows_the_kit_s_writer_or_parser(module):
    """Only the reference adapter (the oracle itself) may import the reference side."""
    import ast
    from pathlib import Path

    import zarr_conformance.adapters as package

    tree = ast.parse((Path(package.__file__).parent / f"{module}.py").read_text())
    imported = [("." * node.level) + (node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    borrowed = [
        name
        for name in imported
        if any(name.endswith(oracle) or f"{oracle}." in name for oracle in ORACLE_MODULES)
        or name.lstrip(".") == "fixtures"
    ]
    assert not borrowed, f"adapters/{module}.py imports the kit's reference side: {borrowed}"
