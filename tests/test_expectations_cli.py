"""``zarr-conformance expectations``: a results file into exact, triageable entries; interop failures as triage work."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from zarr_conformance.expectations import Expectation, load
from zarr_conformance.matrix import MatrixSpec
from zarr_conformance.merge import merge_files
from zarr_conformance.runspec import RunSpec

TESTS = Path(__file__).parent
CASES = r"^(v3-int32|v2-int32-le|v3-fill-int16-positive)$"
NEW = "faulty_adapters:NewZarrMissingChunksReadAsZero"  # reads missing chunks as 0; named new-zarr
BROKEN_CASE = "v3-fill-int16-positive"
INTEROP_READ = f"test_reads_store_written_by[reference/{BROKEN_CASE}]"


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it, with the kit's faulty adapters importable."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def outcomes(path: Path) -> dict[str, str]:
    return {r["test_id"]: r["outcome"] for r in json.loads(path.read_text())["results"]}


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory, fixture_cache) -> Path:
    """A plain run of the faulty adapter (no interop): its --json results."""
    folder = tmp_path_factory.mktemp("plain")
    completed = cli(
        folder, "run", "--impl", NEW, "--cases", CASES, "--cache-dir", str(fixture_cache), "--json", "results.json"
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr  # it has unexpected failures
    return folder / "results.json"


def failing(results: dict[str, str]) -> set[str]:
    return {t for t, o in results.items() if o in ("fail", "error", "timeout", "crash")}


def test_written_file_expects_every_failure_and_no_passing_test(plain_run, tmp_path):
    target = tmp_path / "expect.yaml"
    completed = cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    assert completed.returncode == 0, completed.stderr
    _, entries = load(str(target))
    results = outcomes(plain_run)
    fails = failing(results)
    assert fails and {t for e in entries for t in e.tests} == fails, "one exact id per failing test"
    for test_id in results:
        assert any(e.applies_to("new-zarr", "0.1.0") and e.matches(test_id) for e in entries) == (test_id in fails)
    (entry,) = entries  # one bug, one case: one entry, with the requirements its tests share
    assert "V3-CORE-023" in entry.requirements and entry.reason.startswith("TODO") and entry.versions == ">=0.1.0"


def test_exact_ids_match_only_themselves(plain_run, tmp_path):
    """Test ids hold brackets (and interop ids a slash): a written id is no glob, whatever the catalogue holds."""
    target = tmp_path / "expect.yaml"
    cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    ids = list(outcomes(plain_run))
    for pattern in (t for e in load(str(target))[1] for t in e.tests):
        assert [i for i in ids if Expectation("new-zarr", (pattern,), "").matches(i)] == [pattern]


def test_the_written_file_turns_the_run_green_under_strict(plain_run, tmp_path, fixture_cache):
    target = tmp_path / "expect.yaml"
    cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    args = ("run", "--impl", NEW, "--cases", CASES, "--cache-dir", str(fixture_cache), "--json", "again.json")
    completed = cli(tmp_path, *args, "--expect", str(target), "--strict")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert set(outcomes(tmp_path / "again.json").values()) <= {"pass", "xfail", "unsupported"}


TRIAGED = """\
# triaged by hand; this comment stays
version: 1
expectations:
- implementation: new-zarr
  tests: ["test_read_full[v3-fill-int16-positive]"]   # a comment on an entry
  reason: "reads missing chunks as 0"
  link: "https://example.org/new-zarr/issues/1"
"""


def test_update_keeps_what_was_written_and_adds_only_what_is_missing(plain_run, tmp_path):
    target = tmp_path / "expect.yaml"
    target.write_text(TRIAGED)
    completed = cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    assert completed.returncode == 0, completed.stderr
    text = target.read_text()
    assert text.startswith(TRIAGED), "existing entries and comments are kept as written"
    _, entries = load(str(target))
    assert (
        entries[0].link == "https://example.org/new-zarr/issues/1" and entries[0].reason == "reads missing chunks as 0"
    )
    added = {t for e in entries[1:] for t in e.tests}
    assert "test_read_full[v3-fill-int16-positive]" not in added
    assert added == failing(outcomes(plain_run)) - {"test_read_full[v3-fill-int16-positive]"}
    again = cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    assert again.returncode == 0 and target.read_text() == text, "a second update changes nothing"


def test_a_wildcard_that_matches_passing_tests_is_warned_about(plain_run, tmp_path):
    target = tmp_path / "expect.yaml"
    wildcard = {"implementation": "new-zarr", "tests": [f"*[{BROKEN_CASE}]"], "reason": "missing chunks read as 0"}
    target.write_text(yaml.safe_dump({"version": 1, "expectations": [wildcard]}))
    passing = {t for t, o in outcomes(plain_run).items() if o == "pass" and t.endswith(f"[{BROKEN_CASE}]")}
    assert passing, "the case has passing tests for the wildcard to match"
    completed = cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    assert completed.returncode == 0
    assert f"warning: '*[{BROKEN_CASE}]'" in completed.stderr and f"matches {len(passing)} tests that passed" in (
        completed.stderr
    )
    check = cli(tmp_path, "expectations", str(plain_run), "--out", str(target), "--check")
    assert check.returncode == 1 and "1 patterns matching passing tests" in check.stderr


def test_check_says_which_failures_are_not_expected(plain_run, tmp_path):
    target = tmp_path / "expect.yaml"
    target.write_text(TRIAGED)
    check = cli(tmp_path, "expectations", str(plain_run), "--out", str(target), "--check")
    assert check.returncode == 1 and f"not expected: test_read_region[{BROKEN_CASE}]" in check.stderr
    assert "not expected: test_read_full[" not in check.stderr
    cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    assert cli(tmp_path, "expectations", str(plain_run), "--out", str(target), "--check").returncode == 0


def test_bad_input_gets_a_clear_error(plain_run, tmp_path):
    (tmp_path / "not.json").write_text("{}")
    completed = cli(tmp_path, "expectations", "not.json")
    assert completed.returncode == 2 and "zarr-conformance expectations: " in completed.stderr
    wrong = cli(tmp_path, "expectations", str(plain_run), "--impl", "zarr-python")
    assert wrong.returncode == 2 and "these results are of new-zarr" in wrong.stderr
    versions = cli(tmp_path, "expectations", str(plain_run), "--versions", "newest")
    assert versions.returncode == 2 and "--versions 'newest'" in versions.stderr


# ---- interop failures of a new adapter, in a matrix ---------------------------------------


SCHEMA = json.loads(resources.files("zarr_conformance").joinpath("data/matrix.schema.json").read_text())


def matrix(folder: Path, cache: Path, out: str, *args: str) -> subprocess.CompletedProcess:
    return cli(folder, "matrix", "--out", out, "--impl", NEW, "--cases", CASES, "--cache-dir", str(cache), *args)


def test_a_new_adapters_interop_failures_are_triage_work_with_the_command_to_write_them(
    plain_run, tmp_path, fixture_cache
):
    """Its suites' failures are triaged from a plain run; its interop reads never ran before this matrix."""
    target = tmp_path / "expect.yaml"
    cli(tmp_path, "expectations", str(plain_run), "--out", str(target))
    completed = matrix(tmp_path, fixture_cache, "m", "--expect", "shipped", "--expect", str(target))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    document = json.loads((tmp_path / "m" / "results.json").read_text())
    jsonschema.validate(document, SCHEMA)
    (triage,) = document["needs_triage"]
    assert triage["implementation"] == "new-zarr 0.1.0" and triage["tests"] == [INTEROP_READ]
    assert triage["command"] == "zarr-conformance expectations m/results.json --impl new-zarr --out expect.yaml"
    assert document["unexpected"] == 0
    assert "1 interop failures need triage (they fail the run under --strict)" in completed.stdout
    markdown = (tmp_path / "m" / "matrix.md").read_text()
    assert triage["command"] in completed.stdout and triage["command"] in markdown
    (row,) = [line for line in markdown.splitlines() if line.startswith("| new-zarr 0.1.0 |")]
    assert row.split("|")[6].strip() == "0", "the summary table counts them apart from unexpected failures"
    assert "unexpected failures" not in completed.stdout
    again = merge_files([tmp_path / "m" / "results.json"])
    assert again["needs_triage"] == document["needs_triage"] and again["unexpected"] == 0, "a merge keeps the triage"

    strict = matrix(tmp_path, fixture_cache, "strict", "--expect", "shipped", "--expect", str(target), "--strict")
    assert strict.returncode == 1 and "1 interop failures that need triage" in strict.stdout
    assert json.loads((tmp_path / "strict" / "results.json").read_text())["unexpected"] == 1

    assert cli(tmp_path, *shlex.split(triage["command"])[1:]).returncode == 0  # the command, as shown
    assert INTEROP_READ in {t for e in load(str(target))[1] for t in e.tests}
    green = matrix(tmp_path, fixture_cache, "green", "--expect", "shipped", "--expect", str(target), "--strict")
    assert green.returncode == 0, green.stdout
    assert json.loads((tmp_path / "green" / "results.json").read_text())["needs_triage"] == []


def test_interop_reads_listed_before_any_matrix_are_expected_and_not_stale(tmp_path, fixture_cache):
    """The reader's own file names the interop reads ahead of time, the writer by pattern."""
    target = tmp_path / "expect.yaml"
    entry = {
        "implementation": "new-zarr",
        "tests": [f"test_*[{BROKEN_CASE}]", f"test_reads_store_written_by[*/{BROKEN_CASE}]"],
        "reason": "missing chunks read as 0",
    }
    target.write_text(yaml.safe_dump({"version": 1, "expectations": [entry]}))
    run = ("run", "--impl", NEW, "--cases", BROKEN_CASE, "--cache-dir", str(fixture_cache))
    plain = cli(tmp_path, *run, "--expect", str(target))
    assert plain.returncode == 0 and "matches no test" not in plain.stdout, plain.stdout
    completed = matrix(tmp_path, fixture_cache, "m", "--expect", str(target))
    assert completed.returncode == 0, completed.stdout
    document = json.loads((tmp_path / "m" / "results.json").read_text())
    assert outcomes(tmp_path / "m" / "results.json")[INTEROP_READ] == "xfail" and document["needs_triage"] == []


def _reads(reader: str, *writers: str) -> list[dict]:
    return [
        {"spec": reader, "test_id": f"test_reads_store_written_by[{w}/v3-int32]", "outcome": "fail", "writer": w}
        for w in writers
    ]


@pytest.mark.parametrize(
    ("reader", "tests", "triage"),
    [
        # between built-in implementations every failure is a regression; a new writer's stores are triage work
        ("zarr-python", [], ["new-zarr-1.0"]),
        # a new writer, not named by the built-in reader's entries: triage; a `*` writer does not name it
        ("zarr-python", ["test_reads_store_written_by[*/v3-fill-int16-positive]"], ["new-zarr-1.0"]),
        # named by pattern: the reader has spoken of that writer, so a failure is a regression
        ("zarr-python", ["test_reads_store_written_by[new-zarr-*/v3-x]"], []),
        # a new reader with no interop entries: every read is triage work
        ("new-zarr", ["test_read_full[v3-int32]"], ["reference", "zarr-python-3.1.6", "new-zarr-1.0"]),
        # a new reader whose entries speak of every writer: a failure is a regression, except the new writer's
        ("new-zarr", ["test_reads_store_written_by[*/v3-y]"], ["new-zarr-1.0"]),
    ],
)
def test_which_interop_failures_need_triage(reader, tests, triage, tmp_path):
    from zarr_conformance.matrix import needs_triage

    impls = {
        spec: {"spec": spec, "name": spec, "version": "1.0", "label": f"{spec} 1.0", "reference": False}
        for spec in ("zarr-python", "new-zarr")
    }
    writers = {"reference": "reference", "zarr-python-3.1.6": "zarr-python", "new-zarr-1.0": "new-zarr"}
    results = _reads(reader, *writers)
    entries = [Expectation(reader, tuple(tests), "known")] if tests else []
    opts = MatrixSpec(impls=tuple(impls), out=tmp_path / "m", run=RunSpec())
    found = needs_triage(opts, impls, results, entries, writers)
    assert [t for f in found for t in f["tests"]] == [f"test_reads_store_written_by[{w}/v3-int32]" for w in triage]
    assert all(f"--impl {reader} --out {reader}-expectations.yaml" in f["command"] for f in found)
