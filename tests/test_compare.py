"""``zarr-conformance compare OLD NEW``: the outcome per (implementation, test id), across schema versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from zarr_conformance.cli import main


def _record(test_id, outcome, spec="zarr-python", message="", writer=None, v=2, because=(), at_fault=False):
    record = {
        "test_id": test_id,
        "nodeid": f"suite.py::T::{test_id}",
        "suite": "interop" if writer else "array_read",
        "case": "v3-int32",
        "requirements": ["V3-CORE-023"],
        "features": [],
        "writer": writer,
        "implementation": spec,
        "version": "3.1",
        "outcome": outcome,
        "message": message,
        "duration": 0.5,
        "spec": spec,
        "reproduce": f"pytest -k {test_id}",
    }
    if v == 2:
        record.update(
            phase="call",
            failure_kind=outcome if outcome in ("fail", "timeout", "crash") else None,
            unsupported_because=list(because),
            writer_at_fault=at_fault,
        )
    return record


def _matrix(records, v=2, labels=(("zarr-python", "zarr-python 3.1"),)):
    return {
        "schema": "zarr-conformance/matrix",
        "schema_version": v,
        "kit_version": "0.1.0",
        "created": "now",
        "duration": 1.0,
        "jobs": 1,
        "expectations": "shipped",
        "strict": False,
        "implementations": [
            {
                "spec": spec,
                "name": spec,
                "version": "3.1",
                "label": label,
                "reference": False,
                "capabilities": {},
                "runs": [],
            }
            for spec, label in labels
        ],
        "interop": {"writers": [], "readers": []},
        "stale_expectations": [],
        "duplicate_implementations": [],
        "incomplete_runs": [],
        "summary": {},
        "unexpected": 0,
        "results": records,
    }


def _write(path: Path, document) -> Path:
    path.write_text(json.dumps(document))
    return path


def _v1_records():
    return [
        _record("test_read_full[v3-int32]", "pass", v=1),
        _record("test_read_full[v3-gzip]", "unsupported", message="unsupported: codec gzip", v=1),
        _record(
            "test_reads_store_written_by[w-1/v3-int32]",
            "xfail",
            writer="w-1",
            v=1,
            message="expected failure: the writer w-1 is at fault: the reference finds its store ...",
        ),
    ]


def _v2_records():
    return [
        _record("test_read_full[v3-int32]", "pass", message="", v=2),
        _record(
            "test_read_full[v3-gzip]",
            "unsupported",
            message="the adapter does not claim: codec gzip",
            because=["codec gzip"],
        ),
        _record(
            "test_reads_store_written_by[w-1/v3-int32]",
            "xfail",
            writer="w-1",
            at_fault=True,
            message="expected failure: caused by the writer w-1: ...",
        ),
    ]


def test_v1_and_v2_documents_of_the_same_outcomes_are_the_same(tmp_path, capsys):
    old = _write(tmp_path / "old.json", _matrix(_v1_records(), v=1))
    new = _write(tmp_path / "new.json", _matrix(_v2_records()))
    assert main(["compare", str(old), str(new)]) == 0
    assert "same outcomes: 3 results" in capsys.readouterr().out


def test_changed_and_missing_results_are_listed_and_fail(tmp_path, capsys):
    old = _write(tmp_path / "old.json", _matrix(_v1_records(), v=1))
    records = _v2_records()
    records[0] = {**records[0], "outcome": "fail", "failure_kind": "fail"}
    records[2] = {**records[2], "test_id": "test_reads_store_written_by[w-2/v3-int32]"}
    new = _write(tmp_path / "new.json", _matrix(records))
    assert main(["compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "changed      zarr-python 3.1: test_read_full[v3-int32]: pass -> fail" in out
    assert "only in old  zarr-python 3.1: test_reads_store_written_by[w-1/v3-int32] (xfail)" in out
    assert "only in new  zarr-python 3.1: test_reads_store_written_by[w-2/v3-int32] (xfail)" in out
    assert "1 changed, 1 only in old, 1 only in new; 1 the same" in out


def test_results_are_matched_by_implementation_label_not_spec(tmp_path, capsys):
    """The same test of two implementations are two results; a spec spelled differently is the same column."""
    two = [_record("test_read_full[v3-int32]", "pass"), _record("test_read_full[v3-int32]", "fail", spec="zarrs")]
    labels = (("zarr-python", "zarr-python 3.1"), ("zarrs", "zarrs 0.2"))
    old = _write(tmp_path / "old.json", _matrix(two, labels=labels))
    renamed = [{**r, "spec": r["spec"] + "==x"} for r in two]
    new = _write(
        tmp_path / "new.json",
        _matrix(renamed, labels=(("zarr-python==x", "zarr-python 3.1"), ("zarrs==x", "zarrs 0.2"))),
    )
    assert main(["compare", str(old), str(new)]) == 0
    flipped = [{**renamed[0], "outcome": "fail"}, {**renamed[1], "outcome": "pass"}]
    _write(new, _matrix(flipped, labels=(("zarr-python==x", "zarr-python 3.1"), ("zarrs==x", "zarrs 0.2"))))
    assert main(["compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "zarr-python 3.1: test_read_full[v3-int32]: pass -> fail" in out
    assert "zarrs 0.2: test_read_full[v3-int32]: fail -> pass" in out


def test_single_run_files_of_either_version_compare_with_a_matrix(tmp_path, capsys):
    def single(records, v):
        return {
            "schema": "zarr-conformance/results",
            "schema_version": v,
            "kit_version": "0.1.0",
            "implementation": {"name": "zarr-python", "version": "3.1", "capabilities": {}},
            "summary": {},
            "results": [{k: x for k, x in r.items() if k not in ("spec", "reproduce")} for r in records],
        }

    run_v1 = _write(tmp_path / "run1.json", single(_v1_records(), 1))
    run_v2 = _write(tmp_path / "run2.json", single(_v2_records(), 2))
    matrix = _write(tmp_path / "matrix.json", _matrix(_v2_records()))
    assert main(["compare", str(run_v1), str(run_v2)]) == 0
    assert main(["compare", str(run_v1), str(matrix)]) == 0
    capsys.readouterr()


def test_unreadable_input_exits_2(tmp_path):
    good = _write(tmp_path / "good.json", _matrix(_v2_records()))
    (tmp_path / "broken.json").write_text("{not json")
    _write(tmp_path / "other.json", {"schema": "something else"})
    _write(tmp_path / "future.json", {**_matrix(_v2_records()), "schema_version": 9})
    _write(tmp_path / "invalid.json", _matrix([{**_v2_records()[0], "outcome": "passed"}]))
    for bad, said in (
        ("missing.json", "No such file"),
        ("broken.json", "Expecting property name"),
        ("other.json", "not a zarr-conformance/matrix or zarr-conformance/results document"),
        ("future.json", "version 9: this kit reads versions 1, 2"),
        ("invalid.json", "not a valid zarr-conformance/matrix v2 document"),
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "zarr_conformance.cli", "compare", str(good), str(tmp_path / bad)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 2 and said in completed.stderr, (bad, completed.stderr)
