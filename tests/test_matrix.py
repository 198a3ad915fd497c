"""``zarr-conformance matrix`` end to end: children, merge, reports, gating, crashes, the output folder."""

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

pytest.importorskip("zarr")

TESTS = Path(__file__).parent
CASES = r"^(v3-int32|v2-int32-le|v3-fill-int16-positive)$"
FAULTY = "faulty_adapters:MissingChunksReadAsZero"


def matrix(out: Path, cache: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command as a user would, with the kit's faulty adapters importable in the children."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", "matrix", "--out", str(out), "--cache-dir", str(cache), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=out.parent,
    )


@pytest.fixture(scope="module")
def faulty_matrix(tmp_path_factory, fixture_cache) -> tuple[subprocess.CompletedProcess, Path]:
    """zarr-python and a faulty reader side by side, with interop: shared by the checks below and the browser test."""
    out = tmp_path_factory.mktemp("matrix") / "out"
    return matrix(out, fixture_cache, "--impl", "zarr-python", "--impl", FAULTY, "--cases", CASES, "--junit"), out


SCHEMA = json.loads(resources.files("zarr_conformance").joinpath("data/matrix.schema.json").read_text())


def document(out: Path) -> dict:
    """The results of a matrix run, checked against the documented schema every time one is read."""
    loaded = json.loads((out / "results.json").read_text())
    jsonschema.validate(loaded, SCHEMA)
    return loaded


def test_results_follow_the_documented_schema(faulty_matrix):
    _, out = faulty_matrix
    doc = document(out)  # validates
    assert doc["schema"] == "zarr-conformance/matrix" and doc["schema_version"] == 2
    broken = {**doc, "results": [{**doc["results"][0], "outcome": "passed"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_faulty_reader_fails_the_run_and_is_named(faulty_matrix):
    completed, out = faulty_matrix
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "FAILED" in completed.stdout
    doc = document(out)
    failures = {(r["spec"], r["test_id"]) for r in doc["results"] if r["outcome"] == "fail"}
    assert (FAULTY, "test_read_full[v3-fill-int16-positive]") in failures
    assert (FAULTY, "test_reads_store_written_by[reference/v3-fill-int16-positive]") in failures
    assert not {t for spec, t in failures if spec == "zarr-python"}, "zarr-python passes these cases"
    assert "test_read_full[v3-fill-int16-positive]" in completed.stdout


def test_every_writer_meets_every_reader(faulty_matrix):
    _, out = faulty_matrix
    doc = document(out)
    pairs = {(r["writer"], r["spec"]) for r in doc["results"] if r["writer"]}
    writers = {w["label"] for w in doc["interop"]["writers"] if w["stores"]}  # the faulty reader writes nothing
    assert writers == {
        "reference",
        "zarr-python-" + next(i["version"] for i in doc["implementations"] if i["spec"] == "zarr-python"),
    }
    assert pairs == {(w, spec) for w in writers for spec in ("reference", "zarr-python", FAULTY)}
    for writer in doc["interop"]["writers"]:
        assert (out / writer["folder"] / "manifest.json").exists()


def test_results_carry_what_a_report_needs(faulty_matrix):
    _, out = faulty_matrix
    doc = document(out)
    record = next(r for r in doc["results"] if r["spec"] == FAULTY and r["outcome"] == "fail")
    assert record["requirements"] and record["features"] and record["message"] and record["duration"] >= 0
    assert record["reproduce"].startswith("pytest --pyargs zarr_conformance --zarr-impl")
    assert record["phase"] == "call" and record["failure_kind"] == "fail" and record["writer_at_fault"] is False
    assert {run["phase"] for i in doc["implementations"] if not i["reference"] for run in i["runs"]} == {
        "suites",
        "interop-read",
    }
    assert all(run["state"] == "completed" for i in doc["implementations"] for run in i["runs"])


def test_markdown_has_feature_and_interop_tables(faulty_matrix):
    _, out = faulty_matrix
    text = (out / "matrix.md").read_text()
    for row in (
        "| format: Zarr v2 |",
        "| format: Zarr v3 |",
        "| data type: signed integers |",
        "| codec: v3 bytes |",
        "| layout: missing chunks |",
        "| reference writer |",
        "| all tests |",
    ):
        assert row in text
    faulty_row = next(line for line in text.splitlines() if line.startswith("| layout: missing chunks |"))
    assert "✗" in faulty_row, "the faulty reader's cell is marked"


def test_junit_written_per_implementation_and_phase(faulty_matrix):
    _, out = faulty_matrix
    names = sorted(p.name for p in (out / "junit").iterdir())
    assert "zarr-python-suites.xml" in names and "zarr-python-interop-read.xml" in names
    assert "<failure" in (out / "junit" / "faulty_adapters_MissingChunksReadAsZero-suites.xml").read_text()


def test_known_good_with_shipped_expectations_passes(tmp_path, fixture_cache):
    completed = matrix(tmp_path / "out", fixture_cache, "--impl", "zarr-python", "--cases", CASES)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "OK: nothing failed unexpectedly" in completed.stdout


# ---- gating ----------------------------------------------------------------------------------


def _expectations(path: Path, *entries: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"version": 1, "expectations": list(entries)}))
    return path


FAULT_TESTS = (
    "test_read_full",
    "test_read_one_element",
    "test_read_region",
    "test_read_strided",
    "test_missing_chunks_read_as_fill_value",
    # the array API's reads that reach a missing chunk of this case
    "test_read_tail",
    "test_read_negative_steps",
    "test_read_orthogonal_mixed",
    "test_read_orthogonal_lists",
    "test_read_orthogonal_masks",
    "test_read_coordinates",
    "test_read_mask",
)
EXPECTED_FAULT = {
    "implementation": "reference",
    "tests": [f"{t}[v3-fill-int16-positive]" for t in FAULT_TESTS],
    "requirements": ["V3-CORE-023"],
    "reason": "reads missing chunks as 0",
    "link": "https://example.org/issue/1",
}


def test_gating_expected_failures_pass_the_run(tmp_path, fixture_cache):
    file = _expectations(tmp_path / "expect.yaml", EXPECTED_FAULT)
    completed = matrix(
        tmp_path / "out", fixture_cache, "--impl", FAULTY, "--cases", CASES, "--no-interop", "--expect", str(file)
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    outcomes = {r["test_id"]: r["outcome"] for r in document(tmp_path / "out")["results"]}
    assert {outcomes[f"{t}[v3-fill-int16-positive]"] for t in FAULT_TESTS} == {"xfail"}
    assert "unexpected passes" not in completed.stdout


def test_gating_without_the_expectation_fails(tmp_path, fixture_cache):
    file = _expectations(tmp_path / "expect.yaml")
    completed = matrix(
        tmp_path / "out", fixture_cache, "--impl", FAULTY, "--cases", CASES, "--no-interop", "--expect", str(file)
    )
    assert completed.returncode == 1 and "unexpected failures" in completed.stdout


def test_gating_wrong_expectation_is_an_unexpected_pass_and_fails_under_strict(tmp_path, fixture_cache):
    wrong = {"implementation": "reference", "tests": ["test_read_full[v3-int32]"], "reason": "wrongly believed broken"}
    file = _expectations(tmp_path / "expect.yaml", EXPECTED_FAULT, wrong)
    lenient = matrix(
        tmp_path / "lenient", fixture_cache, "--impl", FAULTY, "--cases", CASES, "--no-interop", "--expect", str(file)
    )
    assert (
        lenient.returncode == 0
        and "unexpected passes" in lenient.stdout
        and "test_read_full[v3-int32]" in lenient.stdout
    )
    strict = matrix(
        tmp_path / "strict",
        fixture_cache,
        "--impl",
        FAULTY,
        "--cases",
        CASES,
        "--no-interop",
        "--expect",
        str(file),
        "--strict",
    )
    assert strict.returncode == 1, strict.stdout


def test_gating_warns_about_stale_entries(tmp_path, fixture_cache):
    stale = {"implementation": "reference", "tests": ["test_read_whole[v3-int32]"], "reason": "a test since renamed"}
    other_case = {
        "implementation": "reference",
        "tests": ["test_read_full[v3-not-selected]"],
        "reason": "outside the filter",
    }
    interop = {
        "implementation": "reference",
        "tests": ["test_reads_store_written_by[*/v3-int32]"],
        "reason": "interop did not run",
    }
    file = _expectations(tmp_path / "expect.yaml", EXPECTED_FAULT, stale, other_case, interop)
    completed = matrix(
        tmp_path / "out", fixture_cache, "--impl", FAULTY, "--cases", CASES, "--no-interop", "--expect", str(file)
    )
    assert completed.returncode == 0
    assert "matches no test: ['test_read_whole[v3-int32]']" in completed.stdout
    assert "v3-not-selected" not in completed.stdout, "entries for cases outside --cases are not stale"
    assert "test_reads_store_written_by" not in completed.stdout, "entries for a phase that did not run are not stale"
    assert [s["tests"] for s in document(tmp_path / "out")["stale_expectations"]] == [["test_read_whole[v3-int32]"]]


# ---- robustness ------------------------------------------------------------------------------


def test_crashing_implementation_is_reported_and_the_rest_goes_on(tmp_path, fixture_cache):
    """In process, a segfault takes the whole child down: the matrix says which implementation and phase,
    and goes on."""
    crashing = "broken_workers:SegfaultsOnBool"
    completed = matrix(
        tmp_path / "out",
        fixture_cache,
        "--impl",
        crashing,
        "--impl",
        "reference",
        "--cases",
        CASES + "|^v3-bool$",
        "--no-interop",
    )
    assert completed.returncode == 1
    doc = document(tmp_path / "out")
    runs = {i["spec"]: i["runs"][0] for i in doc["implementations"]}
    assert runs[crashing]["state"] == "crashed" and runs[crashing]["exit_code"] != 0
    assert runs[crashing]["reason"] == "killed by signal SIGSEGV; Fatal Python error: Segmentation fault"
    assert runs[crashing]["stderr_tail"], "the last lines of its stderr"
    assert runs["reference"]["state"] == "completed"
    assert (
        f"incomplete: reference 0.1.0 ({crashing}) (suites: crashed, killed by signal SIGSEGV; Fatal Python error"
        in completed.stdout
    )


def test_implementation_that_does_not_load_is_named_with_its_error(tmp_path, fixture_cache):
    completed = matrix(
        tmp_path / "out", fixture_cache, "--impl", "no-such-zarr", "--impl", "reference", "--cases", CASES
    )
    assert completed.returncode == 1
    assert (
        "incomplete: no-such-zarr (suites: not started, exit code 4; ERROR: unknown adapter 'no-such-zarr'"
        in completed.stdout
    )
    doc = document(tmp_path / "out")
    assert [run["phase"] for i in doc["implementations"] if i["spec"] == "no-such-zarr" for run in i["runs"]] == [
        "suites"
    ]


def test_refuses_a_foreign_output_folder(tmp_path, fixture_cache):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    completed = matrix(out, fixture_cache, "--impl", "reference", "--cases", CASES)
    assert completed.returncode == 2 and "not empty" in completed.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_rerun_replaces_only_its_own_files(tmp_path, fixture_cache):
    out = tmp_path / "out"
    assert matrix(out, fixture_cache, "--impl", "reference", "--cases", CASES, "--no-interop").returncode == 0
    (out / "my-notes.txt").write_text("kept")
    assert matrix(out, fixture_cache, "--impl", "reference", "--cases", CASES, "--no-interop").returncode == 0
    assert (out / "my-notes.txt").read_text() == "kept" and (out / "results.json").exists()


# ---- the HTML report, in a real browser ------------------------------------------------------


def test_html_renders_and_a_click_opens_the_failing_tests(faulty_matrix, tmp_path):
    from browser import PageLog, launched

    _, out = faulty_matrix
    log = PageLog()
    url = (out / "matrix.html").resolve().as_uri()
    with launched() as browser:
        page = log.watch(browser.new_page())
        page.goto(url)
        assert page.title() == "Zarr compatibility matrix"
        assert page.locator("table.matrix").count() == 3  # features, interop, requirements
        assert page.locator("#details").is_hidden()

        headings = page.locator("#table-0 thead th").all_inner_texts()
        column = next(i for i, h in enumerate(headings) if h.startswith("reference "))  # the faulty reader
        row = page.locator("#table-0 tbody tr", has=page.locator("th", has_text="layout: missing chunks"))
        cell = row.locator("button.cell").nth(column - 1)
        assert "bad" in cell.get_attribute("class")
        cell.click()
        details = page.locator("#details")
        assert details.is_visible()
        text = details.inner_text()
        assert "test_read_full[v3-fill-int16-positive]" in text
        assert (
            "V3-CORE-023" in text
            and "reproduce:" in text
            and "--zarr-impl faulty_adapters:MissingChunksReadAsZero" in text
        )
        assert cell.get_attribute("aria-pressed") == "true"

        interop = page.locator("#table-1 tbody tr", has=page.locator("th", has_text="reference writer")).locator(
            "button.cell"
        )
        interop.first.click()  # the reference reader on the reference writer: every test passed
        assert "Every test passed." in details.inner_text()
        requirement = page.locator("#table-2 tbody tr", has=page.locator("th", has_text="V3-CORE-023"))
        assert "MUST" in requirement.locator("th").inner_text() or "RULE" in requirement.locator("th").inner_text()
        requirement.locator("button.cell").nth(column - 1).click()
        assert "test_missing_chunks_read_as_fill_value[v3-fill-int16-positive]" in details.inner_text()
        page.click("#close-details")
        assert details.is_hidden()
        page.screenshot(path=str(tmp_path / "matrix.png"), full_page=True)
    log.assert_clean_and_offline(url)


def test_malformed_expectations_stop_the_matrix_before_it_runs(tmp_path, fixture_cache):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nexpectations:\n  - implementation: reference\n    tests: ['test_read_full[v3-int32]']\n"
    )
    completed = matrix(tmp_path / "out", fixture_cache, "--impl", "reference", "--expect", str(bad))
    assert completed.returncode == 2 and "lacks ['reason']" in completed.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_run_reports_stale_entries_and_unexpected_passes(tmp_path, fixture_cache):
    """The single-implementation command applies the same gating rules as the matrix."""
    wrong = {"implementation": "reference", "tests": ["test_read_full[v3-int32]"], "reason": "wrongly believed broken"}
    stale = {"implementation": "reference", "tests": ["test_read_whole[v3-int32]"], "reason": "a test since renamed"}
    file = _expectations(tmp_path / "expect.yaml", wrong, stale)
    base = [
        sys.executable,
        "-m",
        "zarr_conformance.cli",
        "run",
        "--impl",
        "reference",
        "--cases",
        "^v3-int32$",
        "--cache-dir",
        str(fixture_cache),
        "--expect",
        str(file),
    ]
    lenient = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert "unexpected passes (1)" in lenient.stdout and "fail the run under --strict" in lenient.stdout
    assert "matches no test: ['test_read_whole[v3-int32]']" in lenient.stdout
    strict = subprocess.run(base + ["--strict"], capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1 and "test_read_full[v3-int32]" in strict.stdout


def test_run_that_overruns_its_budget_is_killed_and_reported(tmp_path, fixture_cache):
    """A hang the per-call timeout cannot cut short (here: a budget of 600 s per call) is ended by --run-timeout.

    Only the hanging run is given the short budget's test: however busy the machine, it cannot finish in time.
    """
    hanging = "broken_workers:HangsOnFloat16"
    completed = matrix(
        tmp_path / "out",
        fixture_cache,
        "--impl",
        hanging,
        "--cases",
        "^v3-float16$",
        "--no-interop",
        "--timeout",
        "600",
        "--run-timeout",
        "8",
    )
    assert completed.returncode == 1
    written = document(tmp_path / "out")
    runs = {i["spec"]: i["runs"][0] for i in written["implementations"]}
    assert runs[hanging]["state"] == "timed out" and runs[hanging]["reason"].startswith(
        "killed after --run-timeout 8 s"
    )
    assert written["incomplete_runs"] and (tmp_path / "out" / "matrix.html").exists()


def test_reports_can_be_rendered_again_from_results(faulty_matrix, tmp_path):
    _, out = faulty_matrix
    again = tmp_path / "again"
    completed = subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", "report", str(out / "results.json"), "--out", str(again)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert (again / "matrix.md").read_text() == (out / "matrix.md").read_text()
    not_results = tmp_path / "other.json"
    not_results.write_text('{"schema": "something else"}')
    refused = subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", "report", str(not_results)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2
    assert "not a zarr-conformance/matrix or zarr-conformance/results document" in refused.stderr


# ---- a child run and a reproduce line are commands a user can run again ----------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}


def test_a_child_run_runs_again_from_its_runspec_with_the_same_outcomes(faulty_matrix, tmp_path):
    from dataclasses import replace

    from zarr_conformance.runspec import RunSpec

    _, out = faulty_matrix
    name = "faulty_adapters_MissingChunksReadAsZero-suites"
    spec = RunSpec.read(out / "parts" / f"{name}.runspec.json")
    assert (spec.impl, spec.cases, spec.expect, spec.timeout) == (FAULTY, CASES, ("shipped",), 60.0)
    assert spec.json_path == str((out / "parts" / f"{name}.json").resolve()) and spec.junit and spec.interop_write
    again = replace(spec, json_path=str(tmp_path / "again.json"), junit=None, interop_write=str(tmp_path / "stores"))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "zarr_conformance.cli",
            "run",
            "--runspec",
            str(again.write(tmp_path / "again.runspec.json")),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr  # the faulty reader fails, as in the matrix
    compared = subprocess.run(
        [
            sys.executable,
            "-m",
            "zarr_conformance.cli",
            "compare",
            str(out / "parts" / f"{name}.json"),
            str(tmp_path / "again.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compared.returncode == 0, compared.stdout + compared.stderr
    mixed = subprocess.run(
        [
            sys.executable,
            "-m",
            "zarr_conformance.cli",
            "run",
            "--runspec",
            str(tmp_path / "again.runspec.json"),
            "--cases",
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert mixed.returncode == 2 and "not also --cases" in mixed.stderr


def test_reproduce_runs_that_one_test(faulty_matrix, tmp_path):
    _, out = faulty_matrix
    records = {(r["spec"], r["test_id"]): r for r in document(out)["results"]}
    for test_id in (
        "test_read_full[v3-fill-int16-positive]",
        "test_reads_store_written_by[reference/v3-fill-int16-positive]",
    ):
        command = records[(FAULTY, test_id)]["reproduce"]
        assert "--zarr-expect" not in command and "--zarr-json" not in command, command
        assert command.startswith("pytest ")
        completed = subprocess.run(
            f"{shlex.quote(sys.executable)} -m {command} -p no:cacheprovider -rf",
            shell=True,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=300,
            cwd=tmp_path,
        )
        assert completed.returncode == 1, completed.stdout + completed.stderr
        last = completed.stdout.strip().splitlines()[-1]
        assert test_id in completed.stdout and "1 failed" in last and "passed" not in last, completed.stdout
