"""The normalized array description and the selection model: built by the kit, one JSON form each."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zarr_conformance.adapters.arrayspec import ArraySpec
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.adapters.selection import BasicSelection, Selection, SelectionError, Slice
from zarr_conformance.calls import GuardedAdapter
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


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],
        {"kind": "fancy"},
        {"kind": "basic"},
        {"kind": "basic", "items": [True]},
        {"kind": "basic", "items": [{"start": 1.5}]},
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
