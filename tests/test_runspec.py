"""One run's options as one value: the commands, the plugin and the child runs of ``matrix`` all read the same table."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path

import pytest

from zarr_conformance.cli import build_parser
from zarr_conformance.matrix import MatrixSpec, reproduce
from zarr_conformance.outcomes import Outcome, Result
from zarr_conformance.runspec import BY_NAME, FRESH_FOLDER, OPTIONS, RunSpec

REPO = Path(__file__).resolve().parent.parent


def test_every_field_is_an_option_and_every_default_comes_from_the_table():
    assert [f.name for f in fields(RunSpec)] == [o.name for o in OPTIONS]
    defaults = RunSpec()
    for option in OPTIONS:
        expected = () if option.repeat else (False if option.switch else option.default)
        assert getattr(defaults, option.name) == expected, option.name


def test_the_timeout_default_is_written_once():
    """The per-call budget's value is in the table only (calls.py has its own, for GuardedAdapter used directly)."""
    found = [
        p.relative_to(REPO).as_posix()
        for p in (REPO / "conformance").glob("*.py")
        if re.search(r"\b60(\.0)?\b", p.read_text()) and p.name != "calls.py"
    ]
    assert found == ["conformance/runspec.py"]


def test_run_arguments_become_a_runspec():
    args = build_parser().parse_args(
        [
            "run",
            "--impl",
            "reference",
            "--cases",
            "^v3-",
            "--case-file",
            "a.yaml",
            "--case-file",
            "b.yaml",
            "--timeout",
            "5",
            "--strict",
            "--json",
            "r.json",
        ]
    )
    spec = RunSpec.from_args(args, "run")
    assert spec == RunSpec(
        impl="reference",
        cases="^v3-",
        case_files=("a.yaml", "b.yaml"),
        timeout=5.0,
        expect=("shipped",),
        strict=True,
        json_path="r.json",
    )


@pytest.mark.parametrize(
    "given, expect", [([], ("shipped",)), (["none"], ()), (["x.yaml", "shipped"], ("x.yaml", "shipped"))]
)
def test_expectations_of_the_commands(given, expect):
    args = build_parser().parse_args(["run", "--impl", "reference", *[a for g in given for a in ("--expect", g)]])
    assert RunSpec.from_args(args, "run").expect == expect


def test_bad_values_are_refused_by_the_table_for_every_front_end(capsys):
    for argv in (["run", "--impl", "x", "--cases", "("], ["matrix", "--out", "o", "--timeout", "0"]):
        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args(argv)
        assert exc.value.code == 2
    assert "not a regular expression" in capsys.readouterr().err


def test_json_form_round_trips(tmp_path):
    spec = RunSpec(
        impl="zarr-python==2.18.7",
        cases="^v2-",
        case_files=("/x/a.yaml",),
        cache_dir="/c",
        timeout=7.5,
        expect=("shipped", "/x/e.yaml"),
        strict=True,
        json_path="/o/r.json",
        junit="/o/j.xml",
        interop_write="/o/w",
        interop_read=("/o/s/a", "/o/s/b"),
    )
    assert RunSpec.read(spec.write(tmp_path / "spec.json")) == spec
    (tmp_path / "bad.json").write_text(
        '{"schema": "zarr-conformance/runspec", "schema_version": 1, "options": {"tmeout": 1}}'
    )
    with pytest.raises(ValueError, match="'options' must be a mapping of"):
        RunSpec.read(tmp_path / "bad.json")
    (tmp_path / "zero.json").write_text(spec.to_json().replace('"timeout": 7.5', '"timeout": 0'))
    with pytest.raises(ValueError, match="must be greater than 0"):
        RunSpec.read(tmp_path / "zero.json")


def test_pytest_args_name_what_differs_from_the_defaults():
    assert RunSpec(impl="reference").pytest_args() == ["--pyargs", "zarr_conformance", "--zarr-impl", "reference"]
    args = RunSpec(
        impl="reference", timeout=5.0, expect=("shipped",), strict=True, junit="j.xml", interop_read=("a", "b")
    ).pytest_args()
    assert args == [
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "reference",
        "--zarr-timeout",
        "5.0",
        "--zarr-expect",
        "shipped",
        "--zarr-strict",
        "--junitxml",
        "j.xml",
        "--zarr-interop-read",
        "a",
        "--zarr-interop-read",
        "b",
        "-k",
        "test_reads_store_written_by",
    ]


def test_the_plugin_reads_its_options_into_the_same_runspec(pytester):
    spec = RunSpec(
        impl="reference",
        cases="^v3-int16$",
        case_files=("a.yaml",),
        timeout=5.0,
        expect=("shipped",),
        strict=True,
        json_path="r.json",
    )
    pytester.makeconftest(
        "from zarr_conformance.stash import RUNSPEC_KEY\n"
        "def pytest_sessionstart(session):\n"
        "    open('seen.json', 'w').write(session.config.stash[RUNSPEC_KEY].to_json())\n"
    )
    pytester.runpytest_inprocess(*spec.pytest_args()[2:], "--collect-only", "-p", "no:cacheprovider")
    assert RunSpec.from_json((pytester.path / "seen.json").read_text()) == spec


def test_matrix_runs_share_one_runspec_with_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(
        [
            "matrix",
            "--out",
            "out",
            "--impl",
            "reference",
            "--cases",
            "^v3-",
            "--case-file",
            "c.yaml",
            "--cache-dir",
            "cache",
            "--expect",
            "e.yaml",
            "--expect",
            "shipped",
            "--junit",
        ]
    )
    spec = MatrixSpec.from_args(args)
    assert spec.impls == ("reference",) and spec.junit and spec.interop and spec.run_timeout == 3600.0
    assert spec.run == RunSpec(
        cases="^v3-",
        case_files=(str(tmp_path / "c.yaml"),),
        cache_dir=str(tmp_path / "cache"),
        expect=(str(tmp_path / "e.yaml"), "shipped"),
    )
    assert BY_NAME["impl"].commands == ("run",), "matrix's --impl is its own (repeatable) option"


def test_reproduce_is_the_runspec_of_that_one_test():
    run = RunSpec(
        impl="zarr-python",
        case_files=("/x/a.yaml",),
        timeout=9.0,
        expect=("shipped",),
        strict=True,
        json_path="/o/parts/p.json",
        interop_write="/o/stores/zarr-python",
    )
    result = Result(
        test_id="test_read_full[v3-int32]",
        nodeid="n",
        suite="array_read",
        case="v3-int32",
        requirements=[],
        features=[],
        implementation="zarr-python",
        version="3",
        phase="call",
        outcome=Outcome.FAIL,
    )
    assert reproduce(run, result, {}) == (
        "pytest --pyargs zarr_conformance --zarr-impl zarr-python "
        "--zarr-cases '^v3\\-int32$' --zarr-case-file /x/a.yaml --zarr-timeout 9.0 "
        "-k test_read_full"
    )
    written = replace(result, test_id="test_writes_store_for_interop[v3-int32]", suite="interop")
    assert f"--zarr-interop-write {FRESH_FOLDER} -k test_writes_store_for_interop" in reproduce(run, written, {})
    read = replace(result, test_id="test_reads_store_written_by[w-1/v3-int32]", suite="interop", writer="w-1")
    both = replace(run, interop_write=None, interop_read=("/o/stores/w", "/o/stores/v"))
    assert reproduce(both, read, {"w-1": Path("/o/stores/w")}).endswith(
        "--zarr-interop-read /o/stores/w -k test_reads_store_written_by"
    )
