"""Reading array data: the decoded values equal the case, for the whole array and for
selections that cross chunk borders, stride, hit the ragged edge, or select nothing.

Beside the basic selections, one test per selection of the array API
(``selections.ARRAY_API``: negative indices, ``Ellipsis``, negative steps, orthogonal,
coordinate and mask selections), each with NumPy's result on the case's data as the
oracle, named ``test_read_<selection>`` and run on every valid case it can be built for.

Covers chunk encoding and keys (V2-030..V2-037; V3-CORE-055/056, V3-CKE-*), the
grid (V3-GRID-003..007), the codecs (V3-BYTES-*, V3-TRANSPOSE-004, gzip, blosc,
zstd, crc32c) and sharding (V3-SHARD-010..016), and missing chunks read as the fill
value (V2-034, V3-CORE-023, V3-SHARD-012).
"""

from __future__ import annotations

import numpy as np
import pytest

from ..adapters.selection import BasicSelection
from ..calls import format_call
from ..checks import check_array, fail
from ..fixtures.dtypes import fill_array
from ..selections import ARRAY_API, SelectionKind, for_case
from .common import call_or_fail, expected_array, expected_fill_value

_DECODE = dict(
    v2=["V2-030", "V2-031", "V2-032", "V2-037"],
    v3=["V3-CORE-055", "V3-CORE-056", "V3-GRID-004", "V3-GRID-005"],
    sharded=["V3-SHARD-010", "V3-SHARD-011", "V3-SHARD-014", "V3-SHARD-015"],
)


def _read_selection(kind: str, zarr_call, zarr_fixture, zarr_requirements) -> None:
    __tracebackhide__ = True
    case = zarr_fixture.case
    selection = for_case(kind, case)
    assert selection is not None  # the plugin only generates applicable selections
    observed = call_or_fail(
        zarr_call, zarr_fixture, zarr_requirements, "read", zarr_fixture.store, case.open_path, selection
    )
    check_array(
        observed,
        selection.apply(expected_array(zarr_fixture)),
        what=f"selection {selection.describe()} ({kind.replace('_', ' ')})",
        requirements=zarr_requirements,
        fixture=zarr_fixture,
        call=format_call(zarr_call.adapter, "read", (zarr_fixture.store, case.open_path, selection)),
    )


class ArrayReadTests:
    """Template: values read from every valid case the adapter can read."""

    @pytest.mark.zarr_cases("valid")
    @pytest.mark.zarr_requirements(**_DECODE)
    def test_read_full(self, zarr_call, zarr_fixture, zarr_requirements):
        case = zarr_fixture.case
        selection = BasicSelection.everything(len(case.shape))
        observed = call_or_fail(
            zarr_call, zarr_fixture, zarr_requirements, "read", zarr_fixture.store, case.open_path, selection
        )
        check_array(
            observed,
            expected_array(zarr_fixture),
            what="the whole array",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=format_call(zarr_call.adapter, "read", (zarr_fixture.store, case.open_path, selection)),
        )

    @pytest.mark.zarr_cases("valid", selection="one_element")
    @pytest.mark.zarr_requirements(v2=["V2-032"], v3=["V3-GRID-005"])
    def test_read_one_element(self, zarr_call, zarr_fixture, zarr_requirements):
        _read_selection("one_element", zarr_call, zarr_fixture, zarr_requirements)

    @pytest.mark.zarr_cases("valid", selection="region")
    @pytest.mark.zarr_requirements(v2=["V2-032"], v3=["V3-GRID-003", "V3-GRID-005"], sharded=["V3-SHARD-009"])
    def test_read_region(self, zarr_call, zarr_fixture, zarr_requirements):
        _read_selection("region", zarr_call, zarr_fixture, zarr_requirements)

    @pytest.mark.zarr_cases("valid", selection="strided")
    @pytest.mark.zarr_needs("strided_selection")
    @pytest.mark.zarr_requirements(v2=["V2-032"], v3=["V3-GRID-005"])
    def test_read_strided(self, zarr_call, zarr_fixture, zarr_requirements):
        _read_selection("strided", zarr_call, zarr_fixture, zarr_requirements)

    @pytest.mark.zarr_cases("valid", selection="last_partial_chunk")
    @pytest.mark.zarr_requirements(v2=["V2-036"], v3=["V3-GRID-007"], sharded=["V3-SHARD-013"])
    def test_read_last_partial_chunk(self, zarr_call, zarr_fixture, zarr_requirements):
        _read_selection("last_partial_chunk", zarr_call, zarr_fixture, zarr_requirements)

    @pytest.mark.zarr_cases("valid", selection="empty")
    @pytest.mark.zarr_requirements(v2=["V2-006"], v3=["V3-CORE-006"])
    def test_read_empty_selection(self, zarr_call, zarr_fixture, zarr_requirements):
        _read_selection("empty", zarr_call, zarr_fixture, zarr_requirements)

    @pytest.mark.zarr_cases("missing_chunks")
    @pytest.mark.zarr_requirements(v2=["V2-033", "V2-034"], v3=["V3-CORE-023"], sharded=["V3-SHARD-012"])
    def test_missing_chunks_read_as_fill_value(self, zarr_call, zarr_fixture, zarr_requirements):
        case = zarr_fixture.case
        selection = BasicSelection.everything(len(case.shape))
        call = format_call(zarr_call.adapter, "read", (zarr_fixture.store, case.open_path, selection))
        observed = call_or_fail(
            zarr_call, zarr_fixture, zarr_requirements, "read", zarr_fixture.store, case.open_path, selection
        )
        if not isinstance(observed, np.ndarray) or observed.shape != case.shape:
            fail(
                f"read returned {type(observed).__name__} {getattr(observed, 'shape', '')}",
                f"an array of shape {case.shape}",
                zarr_requirements,
                zarr_fixture,
                call,
            )
        mask = _missing_mask(case)
        expected = fill_array(case.shape, expected_array(zarr_fixture).dtype, expected_fill_value(zarr_fixture))
        check_array(
            observed[mask],
            expected[mask],
            what="elements of missing chunks",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )


#: what every array API read checks: the selected elements decode as the case (v2 chunk
#: encoding, v3 grid and codecs, the shard index) wherever they lie
_API_REQUIREMENTS = dict(
    v2=["V2-032", "V2-036"], v3=["V3-GRID-003", "V3-GRID-005", "V3-GRID-007"], sharded=["V3-SHARD-009", "V3-SHARD-013"]
)


def _api_read_test(kind: SelectionKind):
    def test(self, zarr_call, zarr_fixture, zarr_requirements):
        _read_selection(kind.name, zarr_call, zarr_fixture, zarr_requirements)

    test.__name__ = test.__qualname__ = f"test_read_{kind.name}"
    test.__doc__ = kind.description
    test = pytest.mark.zarr_requirements(**_API_REQUIREMENTS)(test)
    if kind.needs:
        test = pytest.mark.zarr_needs(*sorted(kind.needs))(test)
    return pytest.mark.zarr_cases("valid", selection=kind.name)(test)


for _kind in ARRAY_API.values():
    setattr(ArrayReadTests, f"test_read_{_kind.name}", _api_read_test(_kind))


def _missing_mask(case) -> np.ndarray:
    mask = np.zeros(case.shape, dtype=bool)
    for chunks, positions in (
        (case.chunks, case.raw.get("missing_chunks", [])),
        (case.inner_chunks_in_array, case.raw.get("missing_inner_chunks", [])),
    ):
        for position in positions:
            mask[tuple(slice(p * c, (p + 1) * c) for p, c in zip(position, chunks))] = True
    return mask
