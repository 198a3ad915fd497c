"""``zarr-conformance report A.json B.json ...``: the results of separate runs (CI jobs) merged into one matrix.

The fan-out runs each implementation and each interop phase in its own process, as
separate CI jobs would; merging their files must give the matrix that
``zarr-conformance matrix`` computes in one go.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from zarr_conformance.compare import differences
from zarr_conformance.documents import load, outcomes
from zarr_conformance.merge import MergeError, merge_files
from zarr_conformance.report import build_tables

pytest.importorskip("zarr")

TESTS = Path(__file__).parent
CASES = r"^(v3-int32|v3-fill-int16-positive)$"
FAULTY = "faulty_adapters:MissingChunksReadAsZero"
SCHEMA = json.loads(resources.files("zarr_conformance").joinpath("data/matrix.schema.json").read_text())


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def fanout(tmp_path_factory, fixture_cache) -> Path:
    """The jobs of a fan-out, one process each: suites with the write phase, the reference stores, the read phase."""
    root = tmp_path_factory.mktemp("fanout")
    common = ("--cases", CASES, "--cache-dir", str(fixture_cache))
    jobs = {
        "zarr-python-suites": ("--impl", "zarr-python", "--interop-write", "stores/zarr-python"),
        "faulty-suites": ("--impl", FAULTY, "--interop-write", "stores/faulty"),
    }
    for name, args in jobs.items():
        completed = cli(root, "run", *args, *common, "--json", f"results/{name}.json")
        assert completed.returncode in (0, 1), completed.stderr
    written = cli(root, "fixtures", "stores/reference-writer", "--interop", *common)
    assert written.returncode == 0, written.stderr
    folders = [f"--interop-read={p.parent}" for p in sorted((root / "stores").glob("*/manifest.json"))]
    assert len(folders) == 3, "the faulty reader's folder is there too, with no stores: it cannot write"
    for reader, name in (("reference", "reference"), ("zarr-python", "zarr-python"), (FAULTY, "faulty")):
        completed = cli(root, "run", "--impl", reader, *folders, *common, "--json", f"results/{name}-read.json")
        assert completed.returncode in (0, 1), completed.stderr
    return root


@pytest.fixture(scope="module")
def merged(fanout) -> Path:
    files = sorted(str(p.relative_to(fanout)) for p in (fanout / "results").glob("*.json"))
    completed = cli(fanout, "report", *files, "--out", "merged")
    assert completed.returncode == 0, completed.stderr
    assert "merged 5 files (2 implementations" in completed.stdout
    return fanout / "merged"


def test_merge_of_separate_runs_is_the_matrix_of_both(merged, tmp_path, fixture_cache):
    impls = ("--impl", "zarr-python", "--impl", FAULTY)
    completed = cli(tmp_path, "matrix", *impls, "--cases", CASES, "--cache-dir", str(fixture_cache), "--out", "matrix")
    assert completed.returncode == 1, completed.stderr  # the faulty reader fails
    together, apart = load(tmp_path / "matrix" / "results.json"), load(merged / "results.json")
    found = differences(outcomes(together), outcomes(apart))
    assert not found, found
    assert found.same == len(together["results"])
    assert any(test_id.startswith("test_reads_store_written_by[zarr-python-") for _, test_id in outcomes(apart))

    def cells(document: dict) -> list:  # columns come in the order of the files given
        tables = build_tables(document)
        return [{(r, c): t.cell(r, c).text for r in t.rows for c in t.columns} for t in
                (tables.features, tables.interop, tables.requirements)]  # fmt: skip

    assert cells(apart) == cells(together), "the merged matrix shows the same tables"
    writers = {w["label"]: (w["stores"], w["conforming"]) for w in apart["interop"]["writers"]}
    assert writers == {w["label"]: (w["stores"], w["conforming"]) for w in together["interop"]["writers"]}


def test_merged_document_follows_the_schema_and_names_its_sources(merged):
    document = json.loads((merged / "results.json").read_text())
    jsonschema.validate(document, SCHEMA)
    assert sorted(Path(s["file"]).name for s in document["sources"]) == [
        "faulty-read.json", "faulty-suites.json", "reference-read.json", "zarr-python-read.json",
        "zarr-python-suites.json",
    ]  # fmt: skip
    assert all(s["schema"] == "zarr-conformance/results" and s["schema_version"] == 2 for s in document["sources"])
    reference = [i for i in document["implementations"] if i["reference"]]
    assert [i["label"] for i in reference] == ["reference reader"]
    assert document["unexpected"] > 0, "the faulty reader's failures count"
    assert "| reference writer |" in (merged / "matrix.md").read_text()
    assert (merged / "matrix.html").exists()


def test_identical_duplicates_are_kept_once(fanout):
    one = fanout / "results" / "zarr-python-suites.json"
    once, twice = merge_files([one]), merge_files([one, one])
    assert len(twice["results"]) == len(once["results"]) > 0


def _write(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_conflicting_duplicates_are_refused_naming_them(fanout, tmp_path):
    original = fanout / "results" / "zarr-python-suites.json"
    document = json.loads(original.read_text())
    changed = copy.deepcopy(document)
    record = next(r for r in changed["results"] if r["outcome"] == "pass")
    record["outcome"] = "fail"
    other = _write(tmp_path / "other.json", changed)
    with pytest.raises(MergeError) as raised:
        merge_files([original, other])
    message = str(raised.value)
    assert "1 results appear with different outcomes" in message
    assert record["test_id"] in message and str(original) in message and str(other) in message
    completed = cli(tmp_path, "report", str(original), str(other), "--out", "out")
    assert completed.returncode == 2 and record["test_id"] in completed.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_mixed_schema_versions_are_refused(fanout, tmp_path):
    current = fanout / "results" / "faulty-suites.json"
    document = json.loads(current.read_text())
    v2_only = ("phase", "failure_kind", "unsupported_because", "writer_at_fault")
    old = {
        **document,
        "schema_version": 1,
        "results": [{k: v for k, v in r.items() if k not in v2_only} for r in document["results"]],
    }
    older = _write(tmp_path / "v1.json", old)
    assert merge_files([older])["sources"][0]["schema_version"] == 1, "a version-1 file alone merges"
    with pytest.raises(MergeError, match=r"different schema versions.*v1\.json \(v1\)"):
        merge_files([current, older])


def test_an_invalid_document_is_refused_naming_the_file(fanout, tmp_path):
    good = fanout / "results" / "faulty-suites.json"
    bad = _write(tmp_path / "bad.json", {"schema": "zarr-conformance/results", "schema_version": 2, "results": "x"})
    with pytest.raises(MergeError, match=r"bad\.json.*not a valid zarr-conformance/results v2 document"):
        merge_files([good, bad])
    completed = cli(tmp_path, "report", str(good), str(bad), "--out", "out")
    assert completed.returncode == 2 and "bad.json" in completed.stderr


def test_a_merge_needs_an_output_folder_that_holds_no_input(fanout, tmp_path):
    good = fanout / "results" / "faulty-suites.json"
    assert "needs --out" in cli(tmp_path, "report", str(good)).stderr
    inside = tmp_path / "out"
    inside.mkdir()
    target = _write(inside / "results.json", json.loads(good.read_text()))
    completed = cli(tmp_path, "report", str(target), str(good), "--out", str(inside))
    assert completed.returncode == 2 and "would overwrite" in completed.stderr
