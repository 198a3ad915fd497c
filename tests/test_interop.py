"""The interop suite: writes are judged by the reference, reads against the case, faults land on the right side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from suite_runs import failed, run_suites

from zarr_conformance.fixtures.cases import load_catalogue
from zarr_conformance.interop import MANIFEST, InteropError, Manifest, load_stores, write_reference_stores

pytest.importorskip("zarr")

READ = "test_reads_store_written_by"
WRITE = "test_writes_store_for_interop"
CASES = r"^(v3-int32|v3-int32-be|v2-int32-le|v3-fill-int16-positive)$"


def _cases(pattern: str):
    import re

    return [c for c in load_catalogue() if re.search(pattern, c.id)]


@pytest.fixture(scope="module")
def reference_stores(tmp_path_factory, fixture_cache) -> Path:
    return write_reference_stores(tmp_path_factory.mktemp("interop") / "reference", _cases(CASES), fixture_cache)


def test_catalogue_cases_of_this_module_exist():
    assert len(_cases(CASES)) == 4


def test_reference_reads_reference_stores(pytester, fixture_cache, reference_stores):
    results = run_suites(
        pytester, "reference", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-read", str(reference_stores)
    )
    reads = {t: r for t, r in results.items() if t.startswith(READ)}
    assert set(reads) == {f"{READ}[reference/{c.id}]" for c in _cases(CASES)}
    assert {r["outcome"] for r in reads.values()} == {"pass"}
    assert all(r["writer"] == "reference" for r in reads.values())
    assert not any(t.startswith(WRITE) for t in results), "the read phase runs no writes"


def test_faulty_reader_fails_on_reference_stores(pytester, fixture_cache, reference_stores):
    results = run_suites(
        pytester,
        "faulty_adapters:MissingChunksReadAsZero",
        fixture_cache,
        "--zarr-cases",
        CASES,
        "--zarr-interop-read",
        str(reference_stores),
    )
    assert {t for t in failed(results) if t.startswith(READ)} == {f"{READ}[reference/v3-fill-int16-positive]"}
    message = results[f"{READ}[reference/v3-fill-int16-positive]"]["message"]
    assert "values differ" in message and str(reference_stores) in message


def test_faulty_metadata_reader_fails(pytester, fixture_cache, reference_stores):
    results = run_suites(
        pytester,
        "faulty_adapters:ShapeOffByOne",
        fixture_cache,
        "--zarr-cases",
        CASES,
        "--zarr-interop-read",
        str(reference_stores),
    )
    assert {t for t in failed(results) if t.startswith(READ)} == {f"{READ}[reference/{c.id}]" for c in _cases(CASES)}


def test_honest_writer_stores_conform_and_read_back(pytester, fixture_cache, tmp_path):
    folder = tmp_path / "zarr-python"
    written = run_suites(
        pytester, "zarr-python", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-write", str(folder)
    )
    writes = {t: r for t, r in written.items() if t.startswith(WRITE)}
    assert len(writes) == 4 and {r["outcome"] for r in writes.values()} == {"pass"}
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["writer"]["name"] == "zarr-python"
    assert all(entry["conforms"] for entry in manifest["stores"].values())
    read = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-read", str(folder))
    label = manifest["writer"]["label"]
    assert {r["outcome"] for t, r in read.items() if t.startswith(READ)} == {"pass"}
    assert f"{READ}[{label}/v3-int32-be]" in read


def test_faulty_writer_is_blamed_not_the_reader(pytester, fixture_cache, tmp_path):
    """A writer whose store does not conform: the reference verdict says so, and readers' failures name the writer."""
    folder = tmp_path / "faulty"
    written = run_suites(
        pytester,
        "faulty_writers:WritesBigEndianLabelledLittle",
        fixture_cache,
        "--zarr-cases",
        CASES,
        "--zarr-interop-write",
        str(folder),
    )
    assert not failed(written, ("fail",)) & {f"{WRITE}[{c.id}]" for c in _cases(CASES)}, "the writes themselves succeed"
    stores = json.loads((folder / MANIFEST).read_text())["stores"]
    assert stores["v3-int32"]["conforms"] is False and "values differ" in stores["v3-int32"]["problem"]
    assert stores["v2-int32-le"]["conforms"] is True  # v2 has no bytes codec to mislabel
    read = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-read", str(folder))
    label = json.loads((folder / MANIFEST).read_text())["writer"]["label"]
    blamed = read[f"{READ}[{label}/v3-int32]"]
    assert blamed["outcome"] == "xfail" and blamed["writer"] == label and blamed["writer_at_fault"] is True
    assert blamed["failure_kind"] == "fail" and f"caused by the writer {label}" in blamed["message"]
    fine = read[f"{READ}[{label}/v2-int32-le]"]
    assert fine["outcome"] == "pass" and fine["writer"] == label and fine["writer_at_fault"] is False


def test_writer_that_refuses_a_case_it_claims_fails_the_write(pytester, fixture_cache, tmp_path):
    folder = tmp_path / "refuses"
    written = run_suites(
        pytester,
        "faulty_writers:RefusesBigEndian",
        fixture_cache,
        "--zarr-cases",
        CASES,
        "--zarr-interop-write",
        str(folder),
    )
    assert failed(written) & {t for t in written if t.startswith(WRITE)} == {f"{WRITE}[v3-int32-be]"}
    assert "NotImplementedError" in written[f"{WRITE}[v3-int32-be]"]["message"]
    assert "v3-int32-be" not in json.loads((folder / MANIFEST).read_text())["stores"], "no store, nothing to read"


def test_interop_tests_are_deselected_without_their_options(pytester, fixture_cache):
    results = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", CASES)
    assert results and not [t for t in results if t.startswith((READ, WRITE))]
    assert not [r for r in results.values() if r["outcome"] == "skip"]


def test_read_phase_names_a_folder_without_manifest(pytester, fixture_cache, tmp_path):
    result = pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "reference",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-interop-read",
        str(tmp_path),
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"{tmp_path}: no readable {MANIFEST}" in "\n".join(result.errlines)


def test_manifest_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(InteropError, match="not empty"):
        Manifest(tmp_path, "x", "1", ())
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_stores_of_cases_not_selected_are_left_out(reference_stores):
    assert [s.case.id for s in load_stores([reference_stores], _cases(r"^v3-int32$"))] == ["v3-int32"]


# ---- every check of the interop read can fail ------------------------------------------------

READ_FAULTS = [
    ("faulty_adapters:ReportsEveryArrayAsV2", "v3-int16", "zarr_format"),
    ("faulty_adapters:ShapeOffByOne", "v3-int16", "shape"),
    ("faulty_adapters:ReportsIntegersAsFloat64", "v3-int16", "data type"),
    ("faulty_adapters:ReportsShardShapeAsChunks", "v3-sharded-uint16-edge", "chunk shape"),
    ("faulty_adapters:ForgetsShards", "v3-sharded-uint16-edge", "shard shape"),
    ("faulty_adapters:NaNFillReadAsZero", "v3-fill-float32-nan", "fill value"),
    ("faulty_adapters:DropsAttributes", "v3-attributes", "attributes"),
    ("faulty_adapters:DropsDimensionNames", "v3-dimension-names-all", "dimension names"),
    ("faulty_adapters:SwapsComplexParts", "v3-complex64", "values differ"),
]
CONTROLS = ("v2-int32-le", "v3-0d-missing")  # cases some faults cannot touch: v2 metadata, a 0-d shape
FAULT_CASES = "^(" + "|".join(sorted({case for _, case, _ in READ_FAULTS} | set(CONTROLS))) + ")$"


@pytest.fixture(scope="module")
def fault_stores(tmp_path_factory, fixture_cache) -> Path:
    return write_reference_stores(tmp_path_factory.mktemp("faults") / "reference", _cases(FAULT_CASES), fixture_cache)


@pytest.mark.parametrize("adapter,case,observed", READ_FAULTS, ids=[a.split(":")[1] for a, _, _ in READ_FAULTS])
def test_each_interop_read_check_catches_its_fault(pytester, fixture_cache, fault_stores, adapter, case, observed):
    results = run_suites(
        pytester,
        adapter,
        fixture_cache,
        "--zarr-cases",
        FAULT_CASES,
        "--zarr-interop-read",
        str(fault_stores),
        "-k",
        READ,
    )
    assert f"{READ}[reference/{case}]" in failed(results)
    assert observed in results[f"{READ}[reference/{case}]"]["message"].splitlines()[0]
    assert failed(results) != set(results), "something the fault does not touch still passes"


# ---- every part of the reference's verdict on a written store can find a fault ---------------

VERDICT_FAULTS = [  # writer, case it breaks, what the reference says, whether v3-bool is untouched
    ("faulty_writers:WritesChunksOutsideTheGrid", "v3-int16", "violation", False),
    ("faulty_writers:WritesBigEndianLabelledLittle", "v3-int32", "values differ", True),
    ("faulty_writers:OmitsDimensionNames", "v3-dimension-names-all", "dimension_names", True),
    ("faulty_writers:IgnoresAskedFillValue", "v3-fill-int16-positive", "fill value", True),
]


@pytest.mark.parametrize(
    "writer,case,problem,bool_untouched", VERDICT_FAULTS, ids=[f[0].split(":")[1] for f in VERDICT_FAULTS]
)
def test_each_part_of_the_verdict_catches_its_fault(
    pytester, fixture_cache, tmp_path, writer, case, problem, bool_untouched
):
    folder = tmp_path / "stores"
    results = run_suites(
        pytester,
        writer,
        fixture_cache,
        "--zarr-cases",
        f"^(v3-bool|{case})$",
        "--zarr-interop-write",
        str(folder),
        "-k",
        WRITE,
    )
    assert {r["outcome"] for r in results.values()} == {"pass"}, "the writes succeed; the verdict is the reference's"
    stores = json.loads((folder / MANIFEST).read_text())["stores"]
    assert stores[case]["conforms"] is False and problem in stores[case]["problem"], stores[case]
    assert stores["v3-bool"]["conforms"] is bool_untouched
