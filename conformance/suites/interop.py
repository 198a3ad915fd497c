"""Interop: can each implementation read what each other implementation wrote?

Two phases, run in separate sessions (``zarr-conformance matrix`` drives both):

* **write** (``--zarr-interop-write DIR``): the adapter creates and writes, in full,
  every writable case it claims; the reference reader and validator judge each store
  and the verdict goes into the folder's manifest (the array-write suite already
  grades the writer; here a write only fails when the implementation refuses it);
* **read** (``--zarr-interop-read DIR``, once per writer): the adapter opens every
  store of every writer and its metadata and values are compared with the *case* --
  never with what another implementation reads. A failure on a store the reference
  found non-conforming is the writer's, reported as an expected failure that records
  the writer at fault.

Without those options these tests are deselected, not skipped.
"""

from __future__ import annotations

import numpy as np
import pytest

from ..adapters.selection import BasicSelection
from ..calls import format_call
from ..checks import ConformanceFailure, check_array, check_equal, check_fill_value, fail
from ..fixtures.dtypes import decode_fill_value
from ..fixtures.writer import EXPECTED_FILE, Fixture
from ..interop import InteropStore, Manifest
from ..outcomes import WriterAtFault
from .array_write import check_valid_store, metadata_mismatches, reference_read, written_in_full
from .common import call_or_fail, expected_array, expected_dtype, expected_fill_value, open_info

_READ = dict(
    v2=["V2-005", "V2-006", "V2-007", "V2-010", "V2-030", "V2-037"],
    v3=["V3-CORE-014", "V3-CORE-016", "V3-CORE-017", "V3-CORE-021", "V3-CORE-055", "V3-GRID-001"],
    sharded=["V3-SHARD-009", "V3-SHARD-010", "V3-SHARD-014"],
)


def _verdict(store, fixture: Fixture, requirements: list[str], call: str, attributes: bool) -> str | None:
    """What the reference finds wrong with a written store, or None when it conforms."""
    try:
        check_valid_store(store, fixture, requirements, call)
        meta, observed = reference_read(store, fixture, requirements, call)
        check_array(
            observed,
            expected_array(fixture),
            what="the written array, decoded by the reference reader",
            requirements=requirements,
            fixture=fixture,
            call=call,
        )
        wrong = metadata_mismatches(fixture.case, meta, attributes)
        if wrong:
            fail("; ".join(wrong), "the metadata the description asked for", requirements, fixture, call)
        asked = decode_fill_value(fixture.case.raw["fill_value"], meta.dtype, fixture.case.format)
        check_fill_value(meta.fill_value, asked, requirements=requirements, fixture=fixture, call=call)
    except ConformanceFailure as failure:
        return str(failure).splitlines()[0].removeprefix("observed: ")
    return None


class InteropWriteTests:
    """Template: the adapter writes every case it claims, for the other implementations to read."""

    @pytest.mark.zarr_interop("write")
    @pytest.mark.zarr_cases("writable")
    @pytest.mark.zarr_needs(mode="write")
    @pytest.mark.zarr_requirements(v2=["V2-003", "V2-030"], v3=["V3-CORE-012", "V3-CORE-055"])
    def test_writes_store_for_interop(
        self, zarr_call, zarr_fixture, zarr_requirements, zarr_interop_manifest: Manifest
    ):
        case = zarr_fixture.case
        folder = zarr_interop_manifest.case_folder(case)
        store, _ = written_in_full(zarr_call, zarr_fixture, zarr_requirements, folder)
        (folder / EXPECTED_FILE).write_bytes((zarr_fixture.root / EXPECTED_FILE).read_bytes())
        call = format_call(zarr_call.adapter, "create_array", (store, case.path, case.array_spec()))
        attributes = "attributes" in zarr_call.adapter.capabilities.features
        problem = _verdict(store, zarr_fixture, zarr_requirements, call, attributes)
        zarr_interop_manifest.add(case, folder, problem is None, problem)


class InteropReadTests:
    """Template: the adapter reads every store every writer wrote, judged against the case."""

    @pytest.mark.zarr_interop("read")
    @pytest.mark.zarr_requirements(**_READ)
    def test_reads_store_written_by(self, zarr_call, zarr_fixture, zarr_requirements, interop_store: InteropStore):
        written = Fixture(interop_store.case, interop_store.root)  # failures name the writer's store
        try:
            self._check(zarr_call, zarr_fixture, written, zarr_requirements, interop_store)
        except ConformanceFailure as failure:
            if interop_store.conforms:
                raise
            first = str(failure).splitlines()[0]
            message = (
                f"caused by the writer {interop_store.writer}: the reference finds its store non-conforming "
                f"({interop_store.problem}); this reader: {first}"
            )
            raise WriterAtFault(interop_store.writer, message, failure.kind) from failure

    @staticmethod
    def _check(zarr_call, reference: Fixture, written: Fixture, requirements: list[str], store: InteropStore) -> None:
        __tracebackhide__ = True
        case = store.case
        info = open_info(zarr_call, written, requirements)
        call = format_call(zarr_call.adapter, "open_array", (written.store, case.open_path))
        check_equal(
            info.zarr_format, case.format, what="zarr_format", requirements=requirements, fixture=written, call=call
        )
        check_equal(tuple(info.shape), case.shape, what="shape", requirements=requirements, fixture=written, call=call)
        dtype, observed = expected_dtype(reference), np.dtype(info.dtype)
        if (observed.kind, observed.itemsize) != (dtype.kind, dtype.itemsize):
            fail(f"data type {observed.str}", f"data type {dtype.str}", requirements, written, call)
        check_equal(
            tuple(info.chunks),
            case.read_chunks,
            what="chunk shape",
            requirements=requirements,
            fixture=written,
            call=call,
        )
        shards = tuple(info.shards) if info.shards is not None else None
        check_equal(shards, case.shards, what="shard shape", requirements=requirements, fixture=written, call=call)
        check_fill_value(
            info.fill_value, expected_fill_value(reference), requirements=requirements, fixture=written, call=call
        )
        both = zarr_call.adapter.capabilities.features & store.writer_features
        if "attributes" in both:
            check_equal(
                dict(info.attributes),
                case.attributes,
                what="attributes",
                requirements=requirements,
                fixture=written,
                call=call,
            )
        if "dimension_names" in both and case.format == 3:
            names = tuple(info.dimension_names) if info.dimension_names is not None else None
            if not (case.dimension_names is None and (names is None or all(n is None for n in names))):
                check_equal(
                    names,
                    case.dimension_names,
                    what="dimension names",
                    requirements=requirements,
                    fixture=written,
                    call=call,
                )
        selection = BasicSelection.everything(len(case.shape))
        values = call_or_fail(zarr_call, written, requirements, "read", written.store, case.open_path, selection)
        check_array(
            values,
            expected_array(reference),
            what="the whole array",
            requirements=requirements,
            fixture=written,
            call=format_call(zarr_call.adapter, "read", (written.store, case.open_path, selection)),
        )
