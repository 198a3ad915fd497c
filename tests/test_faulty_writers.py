"""Every check of the write and group suites can fail: each faulty writer is caught by the right test."""

from __future__ import annotations

import pytest
from suite_runs import Fault, assert_caught, run_suites

pytest.importorskip("zarr")

from zarr_conformance.selections import ARRAY_API

WRITE_TESTS = (
    "test_written_store_is_valid",
    "test_written_values_read_back",
    "test_written_metadata_matches_description",
    "test_written_fill_value",
    "test_write_region_crossing_chunk_borders",
    "test_write_last_partial_chunk",
    "test_overwrite_region",
    "test_write_only_fill_value",
    "test_resize_shrink_drops_data_outside",
    "test_write_scalar_broadcast",
    "test_resize_grow_then_write",
    "test_resize_shrink_then_grow",
    *(f"test_write_{name}" for name in ARRAY_API),
)
#: 2-d and 3-d, ragged, sharded
SELECTION_CASES = r"^(v3-3d-int16|v2-int32-le|v3-int16)$"

FAULTS = [
    Fault(
        "WritesWrongChunkKeySeparator",
        r"^(v2-int32-le|v2-sep-slash)$",
        ("test_written_store_is_valid[v2-int32-le]", "test_written_values_read_back[v2-int32-le]"),
        WRITE_TESTS,
    ),
    Fault(
        "WritesBigEndianLabelledLittle",
        r"^(v3-int32|v3-int32-be)$",
        ("test_written_values_read_back[v3-int32]",),
        WRITE_TESTS,
    ),
    Fault(
        "OmitsDimensionNames",
        r"^(v3-dimension-names-all|v3-int16)$",
        ("test_written_metadata_matches_description[v3-dimension-names-all]",),
        ("test_written_metadata_matches_description",),
    ),
    Fault(
        "WritesBareNaNFillValue",
        r"^(v3-fill-float32-nan|v2-fill-nan-float64|v3-int16)$",
        ("test_written_store_is_valid[v3-fill-float32-nan]", "test_written_store_is_valid[v2-fill-nan-float64]"),
        WRITE_TESTS,
    ),
    Fault(
        "RecordsWrongBloscTypesize",
        r"^(v2-int32-le-blosc-typesize|v2-float64-le-blosc-typesize|v2-int32-le)$",
        (
            "test_written_metadata_matches_description[v2-int32-le-blosc-typesize]",
            "test_written_metadata_matches_description[v2-float64-le-blosc-typesize]",
        ),
        ("test_written_metadata_matches_description",),
    ),
    Fault(
        "WritesChunksOutsideTheGrid",
        r"^(v3-int16|v2-int32-le)$",
        ("test_written_store_is_valid[v3-int16]", "test_written_store_is_valid[v2-int32-le]"),
        WRITE_TESTS,
    ),
    Fault(
        "IgnoresAskedFillValue",
        r"^(v3-fill-float32-infinity|v3-fill-int16-positive|v3-bool)$",
        ("test_written_fill_value[v3-fill-float32-infinity]", "test_written_fill_value[v3-fill-int16-positive]"),
        WRITE_TESTS,
    ),
    Fault(
        "RegionWriteOffByOne",
        r"^(v3-int16|v2-int32-le)$",
        ("test_write_region_crossing_chunk_borders[v3-int16]", "test_overwrite_region[v2-int32-le]"),
        WRITE_TESTS,
    ),
    Fault(
        "ResizeKeepsOldChunks",
        r"^(v3-int16|v2-int32-le)$",
        ("test_resize_shrink_drops_data_outside[v3-int16]", "test_resize_shrink_drops_data_outside[v2-int32-le]"),
        ("test_resize_shrink_drops_data_outside",),
    ),
    Fault(
        "NoAncestorGroups",
        r"^v3-int16$",
        ("test_create_nested_group_with_ancestors[v2]", "test_create_nested_group_with_ancestors[v3]"),
        ("test_create_nested_group_with_ancestors",),
    ),
    Fault(
        "DropsGroupAttributes",
        r"^(v2-hierarchy-nested|v3-hierarchy-nested)$",
        (
            "test_open_group_reports_format_and_attributes[v2-hierarchy-nested]",
            "test_group_attributes_round_trip_awkward_values[v3]",
            "test_array_attributes_round_trip_awkward_values[v2]",
        ),
        (
            "test_open_group_reports_format_and_attributes",
            "test_group_attributes_round_trip_awkward_values",
            "test_array_attributes_round_trip_awkward_values",
        ),
    ),
    Fault(
        "ListsEveryMemberAsGroup",
        r"^(v2-hierarchy-nested|v3-hierarchy-nested|v3-hierarchy-empty-group)$",
        (
            "test_list_members_with_node_types[v2-hierarchy-nested]",
            "test_list_members_with_node_types[v3-hierarchy-nested]",
        ),
        ("test_list_members_with_node_types",),
    ),
    Fault(
        "MergesMixedFormats",
        r"^(v3-hierarchy-with-v2-child|v2-hierarchy-with-v3-child|v3-hierarchy-nested)$",
        (
            "test_list_members_with_node_types[v3-hierarchy-with-v2-child]",
            "test_list_members_with_node_types[v2-hierarchy-with-v3-child]",
        ),
        ("test_list_members_with_node_types",),
    ),
    Fault(
        "DropsLastChunkOnPartialWrite",
        r"^(v3-int16|v2-int32-le)$",
        ("test_write_last_partial_chunk[v3-int16]", "test_write_last_partial_chunk[v2-int32-le]"),
        WRITE_TESTS,
    ),
    Fault(
        "FillOnlyWritesZeros",
        r"^(v3-fill-int16-positive|v3-int16)$",
        ("test_write_only_fill_value[v3-fill-int16-positive]",),
        WRITE_TESTS,
    ),
    Fault(
        "ConsolidatedListsNothing",
        r"^(v2-hierarchy-consolidated|v2-hierarchy-nested)$",
        ("test_list_members_from_consolidated_metadata[v2-hierarchy-consolidated]",),
        ("test_list_members_from_consolidated_metadata",),
    ),
    Fault(
        "IgnoresNodePathForArrays",
        r"^(v3-hierarchy-nested|v2-hierarchy-nested)$",
        (
            "test_open_arrays_inside_hierarchy[v3-hierarchy-nested]",
            "test_open_arrays_inside_hierarchy[v2-hierarchy-nested]",
        ),
        ("test_open_arrays_inside_hierarchy",),
    ),
    Fault(
        "OpensGroupsAsEmptyArrays",
        r"^(v3-hierarchy-nested|v2-hierarchy-nested)$",
        ("test_group_opened_as_array_is_an_error[v3-hierarchy-nested]",),
        ("test_group_opened_as_array_is_an_error",),
    ),
    Fault(
        "MissingNodeIsAnEmptyGroup",
        r"^(v3-hierarchy-nested|v2-hierarchy-nested)$",
        ("test_path_holding_no_node_is_an_error[v3-hierarchy-nested]",),
        ("test_path_holding_no_node_is_an_error",),
    ),
    Fault(
        "ArrayWithoutAncestorGroups",
        r"^v3-int16$",
        ("test_create_array_inside_new_groups[v2]", "test_create_array_inside_new_groups[v3]"),
        (
            "test_create_array_inside_new_groups",
            *WRITE_TESTS,
            "test_array_attributes_round_trip_awkward_values",
        ),
    ),
    Fault(
        "OpensArraysAsGroups",
        r"^(v3-hierarchy-nested|v2-hierarchy-nested)$",
        (
            "test_array_opened_as_group_is_an_error[v3-hierarchy-nested]",
            "test_array_opened_as_group_is_an_error[v2-hierarchy-nested]",
        ),
        ("test_array_opened_as_group_is_an_error",),
    ),
    Fault(
        "SortsIndexListsOnWrite",
        SELECTION_CASES,
        ("test_write_orthogonal_lists[v3-3d-int16]", "test_write_orthogonal_mixed[v2-int32-le]"),
        ("test_write_orthogonal_lists", "test_write_orthogonal_mixed"),
    ),
    Fault(
        "WritesPointsInChunkOrder",
        SELECTION_CASES,
        ("test_write_coordinates[v3-3d-int16]", "test_write_coordinates[v2-int32-le]"),
        ("test_write_coordinates",),
    ),
    Fault(
        "WritesMaskInFortranOrder",
        SELECTION_CASES,
        ("test_write_mask[v3-3d-int16]", "test_write_mask[v2-int32-le]"),
        ("test_write_mask",),
    ),
    Fault(
        "BroadcastsOnlyTheFirstElement",
        SELECTION_CASES,
        ("test_write_scalar_broadcast[v3-3d-int16]", "test_write_scalar_broadcast[v2-int32-le]"),
        ("test_write_scalar_broadcast",),
    ),
    Fault(
        "GrowingWritesZeros",
        r"^(v3-fill-int16-positive|v2-missing-chunks-fill-nonzero-slash|v2-int32-le)$",
        (
            "test_resize_grow_then_write[v3-fill-int16-positive]",
            "test_resize_shrink_then_grow[v2-missing-chunks-fill-nonzero-slash]",
        ),
        ("test_resize_grow_then_write", "test_resize_shrink_then_grow"),
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.adapter for f in FAULTS])
def test_write_and_group_suites_catch_faulty_writer(fault: Fault, pytester: pytest.Pytester, fixture_cache) -> None:
    results = run_suites(
        pytester,
        f"faulty_writers:{fault.adapter}",
        fixture_cache,
        "--zarr-cases",
        fault.cases,
        "--zarr-expect",
        "shipped",
        "-k",
        "Write or Group",
    )
    assert_caught(fault, results)
