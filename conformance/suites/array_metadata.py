"""Array metadata: opening a valid store reports what its metadata document says.

v2: ``.zarray`` (V2-003..V2-029) and ``.zattrs`` (V2-048/049).
v3: ``zarr.json`` array metadata (V3-CORE-012..V3-CORE-028), data types and fill
values (V3-DTYPE-*), the regular grid (V3-GRID-001) and sharding (V3-SHARD-009).
"""

from __future__ import annotations

import numpy as np
import pytest

from ..calls import format_call
from ..checks import check_equal, check_fill_value, fail
from ..fixtures.dtypes import dtype_name
from .common import expected_dtype, expected_fill_value, open_info

valid = pytest.mark.zarr_cases("valid")


class ArrayMetadataTests:
    """Template: the normalized metadata of every valid case the adapter can read."""

    @valid
    @pytest.mark.zarr_requirements(v2=["V2-005"], v3=["V3-CORE-014"])
    def test_zarr_format(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        check_equal(
            info.zarr_format,
            zarr_fixture.case.format,
            what="zarr_format",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )

    @valid
    @pytest.mark.zarr_requirements(v2=["V2-006"], v3=["V3-CORE-016", "V3-CORE-006"])
    def test_shape(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        check_equal(
            tuple(info.shape),
            zarr_fixture.case.shape,
            what="shape",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )

    @valid
    @pytest.mark.zarr_requirements(
        v2=["V2-018", "V2-019", "V2-020", "V2-021"], v3=["V3-CORE-017", "V3-DTYPE-001", "V3-DTYPE-003"]
    )
    def test_data_type(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        expected = expected_dtype(zarr_fixture)
        observed = np.dtype(info.dtype)
        if observed.kind != expected.kind or observed.itemsize != expected.itemsize:
            fail(
                f"data type {observed.str} ({_name(observed)})",
                f"data type {expected.str} ({_name(expected)})",
                zarr_requirements,
                zarr_fixture,
                _call(zarr_call, zarr_fixture),
            )

    @valid
    @pytest.mark.zarr_requirements(v2=["V2-007"], v3=["V3-GRID-001"], sharded=["V3-SHARD-003"])
    def test_chunk_shape(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        what = "inner chunk shape" if zarr_fixture.case.sharding else "chunk shape"
        check_equal(
            tuple(info.chunks),
            zarr_fixture.case.read_chunks,
            what=what,
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )

    @valid
    @pytest.mark.zarr_requirements(v2=["V2-007"], v3=["V3-GRID-001"], sharded=["V3-SHARD-009"])
    def test_shard_shape(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        observed = tuple(info.shards) if info.shards is not None else None
        check_equal(
            observed,
            zarr_fixture.case.shards,
            what="shard shape",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )

    @valid
    @pytest.mark.zarr_requirements(
        v2=["V2-010"],
        v3=["V3-CORE-021"],
        v2_by_kind={"f": ["V2-026", "V2-027"], "iu": ["V2-027"], "S": ["V2-028"], "bcU": ["V2-INFO-003"]},
        v3_by_kind={
            "b": ["V3-DTYPE-004"],
            "iu": ["V3-DTYPE-005"],
            "f": ["V3-DTYPE-006", "V3-DTYPE-007"],
            "c": ["V3-DTYPE-011"],
        },
    )
    def test_fill_value(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        check_fill_value(
            info.fill_value,
            expected_fill_value(zarr_fixture),
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )

    @valid
    @pytest.mark.zarr_needs("attributes")
    @pytest.mark.zarr_requirements(v2=["V2-048", "V2-049"], v3=["V3-CORE-026"])
    def test_attributes(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        check_equal(
            dict(info.attributes),
            zarr_fixture.case.attributes,
            what="attributes",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )

    @valid
    @pytest.mark.zarr_needs("dimension_names")
    @pytest.mark.zarr_requirements(v2=["V2-004"], v3=["V3-CORE-028"])
    def test_dimension_names(self, zarr_call, zarr_fixture, zarr_requirements):
        info = open_info(zarr_call, zarr_fixture, zarr_requirements)
        observed = tuple(info.dimension_names) if info.dimension_names is not None else None
        check_equal(
            observed,
            zarr_fixture.case.dimension_names,
            what="dimension names",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=_call(zarr_call, zarr_fixture),
        )


def _call(guard, fixture) -> str:
    return format_call(guard.adapter, "open_array", (fixture.store, fixture.case.open_path))


def _name(dtype: np.dtype) -> str:
    try:
        return dtype_name(dtype)
    except Exception:
        return "unknown to the kit"
