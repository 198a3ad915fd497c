"""Every kind of check can fail: each faulty adapter is caught, by the right test, and only there."""

from __future__ import annotations

import pytest
from suite_runs import Fault, assert_caught, run_suites

from zarr_conformance.selections import ARRAY_API

#: the tests that read values through a selection: what a fault in decoding fails
READS = (
    "test_read_full",
    "test_read_region",
    "test_read_strided",
    "test_read_one_element",
    "test_read_last_partial_chunk",
    *(f"test_read_{name}" for name in ARRAY_API),
)
#: cases with 2 and 3 dimensions, ragged edges, sharding and missing chunks
SELECTION_CASES = r"^(v3-3d-int16|v2-int32-le|v3-sharded-uint16-missing-inner|v2-missing-chunks-fill-nonzero-slash)$"

FAULTS = [
    Fault(
        "MissingChunksReadAsZero",
        r"^(v2-missing-chunks-fill-nonzero-slash|v3-fill-float32-nan|v3-sharded-uint16-missing-inner|v3-int16)$",
        (
            "test_missing_chunks_read_as_fill_value[v2-missing-chunks-fill-nonzero-slash]",
            "test_missing_chunks_read_as_fill_value[v3-fill-float32-nan]",
            "test_missing_chunks_read_as_fill_value[v3-sharded-uint16-missing-inner]",
            "test_read_full[v3-fill-float32-nan]",
        ),
        (
            "test_missing_chunks_read_as_fill_value",
            *READS,
        ),
    ),
    Fault(
        "IgnoresFortranOrder",
        r"^(v2-int32-order-f|v2-int32-le)$",
        ("test_read_full[v2-int32-order-f]",),
        (*READS,),
    ),
    Fault(
        "IgnoresEndianness",
        r"^(v2-int16-be|v3-int32-be|v2-int16-le|v3-int32)$",
        ("test_read_full[v2-int16-be]", "test_read_full[v3-int32-be]"),
        (*READS,),
    ),
    Fault(
        "AlwaysDotSeparator",
        r"^(v2-sep-slash|v3-cke-default-slash|v2-sep-dot-explicit)$",
        ("test_read_full[v2-sep-slash]", "test_read_full[v3-cke-default-slash]"),
        (*READS,),
    ),
    Fault(
        "ShardIndexAlwaysAtEnd",
        r"^(v3-sharded-uint16-index-start|v3-sharded-uint16-edge)$",
        ("test_read_full[v3-sharded-uint16-index-start]",),
        # the reference reader decodes every shard for any selection, so the empty one fails too
        (
            *READS,
            "test_read_empty_selection",
        ),
    ),
    Fault(
        "EdgeChunkRightAligned",
        r"^(v3-edge-garbage-int16|v2-int32-le|v3-sharded-uint16-edge|v3-chunks-larger-than-array)$",
        (
            "test_read_last_partial_chunk[v3-edge-garbage-int16]",
            "test_read_full[v2-int32-le]",
            "test_read_full[v3-chunks-larger-than-array]",
        ),
        (
            *READS,
            "test_missing_chunks_read_as_fill_value",
        ),
    ),
    Fault(
        "DropsAttributes",
        r"^(v2-attributes|v3-attributes|v3-int16)$",
        ("test_attributes[v2-attributes]", "test_attributes[v3-attributes]"),
        ("test_attributes",),
    ),
    Fault(
        "DropsDimensionNames",
        r"^(v3-dimension-names-all|v3-dimension-names-some-null|v2-int32-le)$",
        ("test_dimension_names[v3-dimension-names-all]", "test_dimension_names[v3-dimension-names-some-null]"),
        ("test_dimension_names",),
    ),
    Fault(
        "NaNFillReadAsZero",
        r"^(v3-fill-float32-nan|v2-fill-nan-float64|v3-fill-float32-infinity)$",
        ("test_fill_value[v3-fill-float32-nan]", "test_fill_value[v2-fill-nan-float64]"),
        ("test_fill_value",),
    ),
    Fault(
        "ReportsShardShapeAsChunks",
        r"^(v3-sharded-uint16-edge|v3-int16)$",
        ("test_chunk_shape[v3-sharded-uint16-edge]",),
        ("test_chunk_shape",),
    ),
    Fault(
        "IgnoresUnknownMembers",
        r"^(invalid-v3-extension-must-understand-true|invalid-v3-extension-no-must-understand|v3-extension-must-understand-false|invalid-v3-unknown-codec)$",
        (
            "test_invalid_store_is_rejected[invalid-v3-extension-must-understand-true]",
            "test_invalid_store_is_rejected[invalid-v3-extension-no-must-understand]",
        ),
        ("test_invalid_store_is_rejected",),
    ),
    Fault(
        "HexFillAsInteger",
        r"^(v3-fill-float32-hex-one|v3-fill-float64-hex-negative-pi|v3-fill-float32-nan)$",
        ("test_fill_value[v3-fill-float32-hex-one]", "test_fill_value[v3-fill-float64-hex-negative-pi]"),
        ("test_fill_value",),
    ),
    Fault(
        "IgnoresStep",
        r"^(v2-int32-le|v3-3d-int16)$",
        ("test_read_strided[v2-int32-le]", "test_read_strided[v3-3d-int16]"),
        ("test_read_strided", "test_read_negative_steps"),
    ),
    Fault(
        "EmptySliceMeansToEnd",
        r"^(v2-int32-le|v3-3d-int16)$",
        ("test_read_empty_selection[v2-int32-le]", "test_read_empty_selection[v3-3d-int16]"),
        ("test_read_empty_selection",),
    ),
    Fault(
        "SwapsComplexParts",
        r"^(v3-complex64|v2-complex128-le|v3-int16)$",
        ("test_read_full[v3-complex64]", "test_read_full[v2-complex128-le]"),
        (
            *READS,
            "test_missing_chunks_read_as_fill_value",
        ),
    ),
    Fault("ReportsEveryArrayAsV2", r"^(v3-int16|v2-int16-le)$", ("test_zarr_format[v3-int16]",), ("test_zarr_format",)),
    Fault(
        "ShapeOffByOne",
        r"^(v3-int16|v2-int16-le)$",
        ("test_shape[v3-int16]", "test_shape[v2-int16-le]"),
        ("test_shape",),
    ),
    Fault("ReportsIntegersAsFloat64", r"^(v3-int16|v3-float64)$", ("test_data_type[v3-int16]",), ("test_data_type",)),
    Fault(
        "ForgetsShards",
        r"^(v3-sharded-uint16-edge|v3-int16)$",
        ("test_shard_shape[v3-sharded-uint16-edge]",),
        ("test_shard_shape",),
    ),
    Fault(
        "IntegerIndicesReversed",
        r"^(v3-3d-int16|v2-int32-le)$",
        ("test_read_one_element[v3-3d-int16]",),
        ("test_read_one_element",),
    ),
    Fault(
        "ReturnsWrongType",
        r"^(v3-int16)$",
        ("test_read_full[v3-int16]", "test_read_region[v3-int16]"),
        # an empty selection still returns a list, and so does every empty selection of the array API
        (*READS, "test_read_empty_selection"),
    ),
    Fault(
        "SortsIndexLists",
        SELECTION_CASES,
        ("test_read_orthogonal_mixed[v3-3d-int16]", "test_read_orthogonal_lists[v3-sharded-uint16-missing-inner]"),
        ("test_read_orthogonal_mixed", "test_read_orthogonal_lists"),
    ),
    Fault(
        "PointsInChunkOrder",
        SELECTION_CASES,
        ("test_read_coordinates[v3-3d-int16]", "test_read_coordinates[v3-sharded-uint16-missing-inner]"),
        ("test_read_coordinates",),
    ),
    Fault(
        "MaskInFortranOrder",
        SELECTION_CASES,
        ("test_read_mask[v3-3d-int16]", "test_read_mask[v2-int32-le]"),
        ("test_read_mask",),
    ),
    Fault(
        "NegativeIndexFromChunkGrid",
        SELECTION_CASES,
        ("test_read_negative_indices[v3-3d-int16]", "test_read_negative_indices[v3-sharded-uint16-missing-inner]"),
        ("test_read_negative_indices",),
    ),
    Fault(
        # in 3-d, the Ellipsis of [a, ..., b] stands for one dimension: right by chance
        "EllipsisIsOneDimension",
        SELECTION_CASES,
        ("test_read_ellipsis[v2-int32-le]", "test_read_ellipsis[v3-sharded-uint16-missing-inner]"),
        ("test_read_ellipsis",),
    ),
    Fault(
        "NegativeStepFromStop",
        SELECTION_CASES,
        ("test_read_negative_steps[v3-3d-int16]", "test_read_negative_steps[v2-missing-chunks-fill-nonzero-slash]"),
        ("test_read_negative_steps",),
    ),
    Fault(
        "EmptyIndexMeansAll",
        SELECTION_CASES,
        (
            "test_read_orthogonal_empty[v3-3d-int16]",
            "test_read_coordinates_empty[v2-int32-le]",
            "test_read_mask_empty[v3-sharded-uint16-missing-inner]",
        ),
        ("test_read_orthogonal_empty", "test_read_coordinates_empty", "test_read_mask_empty"),
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.adapter for f in FAULTS])
def test_suite_catches_faulty_adapter(fault: Fault, pytester: pytest.Pytester, fixture_cache) -> None:
    results = run_suites(pytester, f"faulty_adapters:{fault.adapter}", fixture_cache, "--zarr-cases", fault.cases)
    assert_caught(fault, results)


def test_hang_is_cut_off_and_the_run_goes_on(pytester: pytest.Pytester, fixture_cache) -> None:
    results = run_suites(
        pytester,
        "faulty_adapters:HangsOnInvalidMetadata",
        fixture_cache,
        "--zarr-cases",
        r"^(invalid-v3-malformed-json|v3-int16)$",
        "--zarr-timeout",
        "5",
    )
    hung = results["test_invalid_store_is_rejected[invalid-v3-malformed-json]"]
    assert hung["outcome"] == "timeout" and hung["failure_kind"] == "timeout" and hung["phase"] == "call"
    assert "did not return within 5 s" in hung["message"]
    assert results["test_read_full[v3-int16]"]["outcome"] == "pass"


def test_failure_message_says_observed_required_requirement_case_and_call(
    pytester: pytest.Pytester, fixture_cache
) -> None:
    results = run_suites(pytester, "faulty_adapters:DropsAttributes", fixture_cache, "--zarr-cases", r"^v3-attributes$")
    message = results["test_attributes[v3-attributes]"]["message"]
    assert "observed: attributes {}" in message
    assert "but the spec requires: attributes {" in message
    assert "V3-CORE-026" in message
    assert "case: v3-attributes (cases/v3.yaml)" in message
    assert "fixture store: " in message and "store.zarr" in message
    assert "reproduce: reference.open_array(Path(" in message
