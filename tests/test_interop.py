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
    results = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-read", str(reference_stores))
    reads = {t: r for t, r in results.items() if t.startswith(READ)}
    assert set(reads) == {f"{READ}[reference/{c.id}]" for c in _cases(CASES)}
    assert {r["outcome"] for r in reads.values()} == {"pass"}
    assert all(r["writer"] == "reference" for r in reads.values())
    assert not any(t.startswith(WRITE) for t in results), "the read phase runs no writes"


def test_faulty_reader_fails_on_reference_stores(pytester, fixture_cache, reference_stores):
    results = run_suites(pytester, "faulty_adapters:MissingChunksReadAsZero", fixture_cache, "--zarr-cases", CASES,
                         "--zarr-interop-read", str(reference_stores))
    assert {t for t in failed(results) if t.startswith(READ)} == {f"{READ}[reference/v3-fill-int16-positive]"}
    message = results[f"{READ}[reference/v3-fill-int16-positive]"]["message"]
    assert "values differ" in message and str(reference_stores) in message


def test_faulty_metadata_reader_fails(pytester, fixture_cache, reference_stores):
    results = run_suites(pytester, "faulty_adapters:ShapeOffByOne", fixture_cache, "--zarr-cases", CASES,
                         "--zarr-interop-read", str(reference_stores))
    assert {t for t in failed(results) if t.startswith(READ)} == {f"{READ}[reference/{c.id}]" for c in _cases(CASES)}


def test_honest_writer_stores_conform_and_read_back(pytester, fixture_cache, tmp_path):
    folder = tmp_path / "zarr-python"
    written = run_suites(pytester, "zarr-python", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-write", str(folder))
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
    written = run_suites(pytester, "faulty_writers:WritesBigEndianLabelledLittle", fixture_cache, "--zarr-cases", CASES,
                         "--zarr-interop-write", str(folder))
    assert not failed(written, ("fail",)) & {f"{WRITE}[{c.id}]" for c in _cases(CASES)}, "the writes themselves succeed"
    stores = json.loads((folder / MANIFEST).read_text())["stores"]
    assert stores["v3-int32"]["conforms"] is False and "values differ" in stores["v3-int32"]["problem"]
    assert stores["v2-int32-le"]["conforms"] is True  # v2 has no bytes codec to mislabel
    read = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", CASES, "--zarr-interop-read", str(folder))
    label = json.loads((folder / MANIFEST).read_text())["writer"]["label"]
    blamed = read[f"{READ}[{label}/v3-int32]"]
    assert blamed["outcome"] == "xfail" and f"the writer {label} is at fault" in blamed["message"]
    assert read[f"{READ}[{label}/v2-int32-le]"]["outcome"] == "pass"


def test_writer_that_refuses_a_case_it_claims_fails_the_write(pytester, fixture_cache, tmp_path):
    folder = tmp_path / "refuses"
    written = run_suites(pytester, "faulty_writers:RefusesBigEndian", fixture_cache, "--zarr-cases", CASES,
                         "--zarr-interop-write", str(folder))
    assert failed(written) & {t for t in written if t.startswith(WRITE)} == {f"{WRITE}[v3-int32-be]"}
    assert "NotImplementedError" in written[f"{WRITE}[v3-int32-be]"]["message"]
    assert "v3-int32-be" not in json.loads((folder / MANIFEST).read_text())["stores"], "no store, nothing to read"


def test_interop_tests_are_deselected_without_their_options(pytester, fixture_cache):
    results = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", CASES)
    assert results and not [t for t in results if t.startswith((READ, WRITE))]
    assert not [r for r in results.values() if r["outcome"] == "skip"]


def test_read_phase_names_a_folder_without_manifest(pytester, fixture_cache, tmp_path):
    result = pytester.runpytest_inprocess("--pyargs", "zarr_conformance", "--zarr-impl", "reference", "--zarr-cache-dir",
                                          str(fixture_cache), "--zarr-interop-read", str(tmp_path), "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"{tmp_path}: no readable {MANIFEST}" in "\n".join(result.errlines)


def test_manifest_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(InteropError, match="not empty"):
        Manifest(tmp_path, "x", "1", ())
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_stores_of_cases_not_selected_are_left_out(reference_stores):
    assert [s.case.id for s in load_stores([reference_stores], _cases(r"^v3-int32$"))] == ["v3-int32"]
