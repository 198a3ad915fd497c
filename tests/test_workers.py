"""Out-of-process adapters: the worker protocol, and isolation from crashing, hanging or garbled workers."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from faulty_adapters import IgnoresStep
from suite_runs import run_suites

from zarr_conformance.adapters.proxy import CallTimedOut, WorkerAdapter, WorkerCrashed
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.adapters.registry import load_adapter
from zarr_conformance.adapters.selection import BasicSelection

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def tests_on_path(monkeypatch):
    """Workers are separate processes: they find the test adapters through PYTHONPATH."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))


def test_worker_reports_the_same_results_as_in_process(pytester, fixture_cache):
    cases = r"^(v2-int16-be|v3-sharded-uint16-edge|v3-fill-float32-nan|invalid-v3-unknown-codec|v3-hierarchy-nested)$"
    in_process = run_suites(pytester, "reference", fixture_cache, "--zarr-cases", cases)
    through_worker = run_suites(pytester, "worker:reference", fixture_cache, "--zarr-cases", cases)
    assert {t: r["outcome"] for t, r in in_process.items()} == {t: r["outcome"] for t, r in through_worker.items()}
    assert len(in_process) > 30


def test_worker_handshake_carries_name_version_and_capabilities():
    adapter = load_adapter("worker:reference")
    try:
        assert adapter.name == "reference" and adapter.version() == "0.1.0"
        assert 3 in adapter.capabilities.read_formats and "sharding" in adapter.capabilities.features
    finally:
        adapter.close()


def test_exiting_worker_reads_crash_with_its_stderr_and_the_run_goes_on(pytester, fixture_cache, tests_on_path):
    results = run_suites(
        pytester,
        "worker:broken_workers:ExitsOnComplex",
        fixture_cache,
        "--zarr-cases",
        r"^(v3-complex64|v3-int16)$",
        "-k",
        "test_read_full or test_read_region",
    )
    crashed = results["test_read_full[v3-complex64]"]
    assert crashed["outcome"] == "crash" and crashed["failure_kind"] == "crash"
    assert "exited with code 3" in crashed["message"]
    assert "complex support not compiled in, giving up" in crashed["message"]
    assert results["test_read_region[v3-complex64]"]["outcome"] == "crash"
    assert results["test_read_full[v3-int16]"]["outcome"] == "pass"
    assert results["test_read_region[v3-int16]"]["outcome"] == "pass"


def test_segfaulting_worker_reads_crash(pytester, fixture_cache, tests_on_path):
    results = run_suites(
        pytester,
        "worker:broken_workers:SegfaultsOnBool",
        fixture_cache,
        "--zarr-cases",
        r"^(v3-bool|v3-int16)$",
        "-k",
        "test_read_full",
    )
    assert results["test_read_full[v3-bool]"]["outcome"] == "crash"
    assert "exited with code -11" in results["test_read_full[v3-bool]"]["message"]
    assert results["test_read_full[v3-int16]"]["outcome"] == "pass"


def test_hanging_worker_is_killed_reads_timeout_and_the_run_goes_on(pytester, fixture_cache, tests_on_path):
    results = run_suites(
        pytester,
        "worker:broken_workers:HangsOnFloat16",
        fixture_cache,
        "--zarr-cases",
        r"^(v3-float16|v3-int16)$",
        "-k",
        "test_read_full",
        "--zarr-timeout",
        "5",
    )
    assert results["test_read_full[v3-float16]"]["outcome"] == "timeout"
    assert "did not answer read within 5 s (killed)" in results["test_read_full[v3-float16]"]["message"]
    assert results["test_read_full[v3-int16]"]["outcome"] == "pass"


GARBAGE_WORKER = (
    "import json, sys\n"
    "print(json.dumps({'protocol': 'zarr-conformance-worker', 'protocol_version': 3, 'name': 'garbage',"
    " 'version': '0', 'capabilities': {}}), flush=True)\n"
    "for line in sys.stdin:\n"
    "    print('this is not JSON', flush=True)\n"
)


def test_garbage_answer_is_a_crash_and_the_worker_restarts():
    adapter = WorkerAdapter([sys.executable, "-c", GARBAGE_WORKER], call_timeout=10)
    try:
        with pytest.raises(WorkerCrashed, match="garbage: 'this is not JSON"):
            adapter.open_array(Path("/nonexistent"), "")
        with pytest.raises(WorkerCrashed):
            adapter.open_array(Path("/nonexistent"), "")
        assert adapter.restarts == 1
    finally:
        adapter.close()


def test_worker_without_handshake_is_reported():
    with pytest.raises(WorkerCrashed, match="did not greet"):
        WorkerAdapter([sys.executable, "-c", "print('\"hello\"')"])


def test_timeout_kills_the_worker():
    adapter = WorkerAdapter(
        [
            sys.executable,
            "-c",
            GARBAGE_WORKER.replace("print('this is not JSON', flush=True)", "import time; time.sleep(60)"),
        ],
        call_timeout=1,
    )
    try:
        with pytest.raises(CallTimedOut, match="within 1 s"):
            adapter.open_array(Path("/nonexistent"), "")
    finally:
        adapter.close()


def test_array_data_travels_as_npy_both_ways(tmp_path, fixture_cache):
    from zarr_conformance.fixtures.cases import load_catalogue
    from zarr_conformance.fixtures.writer import ensure_fixture

    case = next(c for c in load_catalogue() if c.id == "v2-unicode-u4-be")
    fixture = ensure_fixture(case, fixture_cache)
    adapter = load_adapter("worker:reference")
    try:
        data = adapter.read(fixture.store, "", BasicSelection.of(slice(1, 4), 2))
        np.testing.assert_array_equal(data, fixture.expected()[1:4, 2])
        assert data.dtype == fixture.expected().dtype
        assert not list(adapter.scratch.iterdir())
    finally:
        adapter.close()
    assert not adapter.scratch.exists()


def test_isolated_environment_runs_another_zarr_python_side_by_side(
    pytester, fixture_cache, tmp_path_factory, monkeypatch
):
    """zarr-python 2.18.7 in its own environment, next to the zarr-python 3 of this one."""
    monkeypatch.setenv("ZARR_CONFORMANCE_ENVS", str(tmp_path_factory.mktemp("envs")))
    results = run_suites(
        pytester,
        "zarr-python==2.18.7",
        fixture_cache,
        "--zarr-cases",
        r"^(v2-int16-be|v3-int16)$",
        "-k",
        "test_read_full or test_shape",
    )
    assert results["test_read_full[v2-int16-be]"]["outcome"] == "pass"
    assert results["test_read_full[v2-int16-be]"]["version"] == "2.18.7"
    assert results["test_read_full[v3-int16]"]["outcome"] == "unsupported"


def test_zarrita_js_shim_speaks_the_protocol(pytester, fixture_cache, tmp_path_factory, monkeypatch):
    """The node shim in adapters/zarrita_js: a worker in another language, in an npm environment."""
    import shutil

    if not shutil.which("node") or not shutil.which("npm"):
        pytest.fail("node and npm are needed for the zarrita.js adapter (Node.js 20 is part of the set-up)")
    monkeypatch.setenv("ZARR_CONFORMANCE_ENVS", str(tmp_path_factory.mktemp("node-envs")))
    results = run_suites(
        pytester,
        "zarrita-js@0.7.5",
        fixture_cache,
        "--zarr-cases",
        r"^(v3-int16|v2-int16-be|v3-sharded-uint16-edge|v3-fill-float32-nan|v3-complex64)$",
        "-k",
        "test_read_full or test_fill_value or test_read_one_element",
    )
    assert results["test_read_full[v3-sharded-uint16-edge]"]["outcome"] == "pass"
    assert results["test_read_full[v2-int16-be]"]["outcome"] == "pass"
    assert results["test_fill_value[v3-fill-float32-nan]"]["outcome"] == "pass"
    assert results["test_read_one_element[v3-int16]"]["outcome"] == "pass"
    assert results["test_read_full[v3-complex64]"]["outcome"] == "unsupported"
    assert results["test_read_full[v3-int16]"]["version"] == "0.7.5"


def test_any_command_speaking_the_protocol_is_an_adapter(pytester, fixture_cache):
    """``cmd:COMMAND``: how a shim in another language is run; here the Python host stands in for one."""
    cases = r"^(v2-int16-be|v3-sharded-uint16-edge|invalid-v3-unknown-codec)$"
    command = f"cmd:{sys.executable} -m zarr_conformance.adapters.worker reference"
    results = run_suites(pytester, command, fixture_cache, "--zarr-cases", cases)
    assert len(results) > 20 and {r["outcome"] for r in results.values()} <= {"pass", "unsupported"}
    assert {r["implementation"] for r in results.values()} == {"reference"}


def test_command_that_cannot_start_is_a_usage_error(pytester):
    result = pytester.runpytest_inprocess(
        "--pyargs", "zarr_conformance", "--zarr-impl", "cmd:/nonexistent/shim --serve", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "adapter 'cmd:/nonexistent/shim --serve'" in "\n".join(result.errlines)


HANDSHAKE_WITH_TYPO = """
import json
print(json.dumps({"protocol": "zarr-conformance-worker", "protocol_version": 3, "name": "typo", "version": "1",
                  "capabilities": {"read_formats": [3], "dtypes": ["float23"]}}), flush=True)
"""


def test_worker_claiming_an_unknown_capability_value_is_refused_by_name():
    with pytest.raises(
        WorkerCrashed, match=r"adapter 'typo \(worker .*\)' claims unknown capability values: dtypes \['float23'\]"
    ):
        WorkerAdapter([sys.executable, "-c", HANDSHAKE_WITH_TYPO])


def test_worker_receives_the_kit_vocabulary():
    """A shim in another language is handed the vocabulary instead of a copy of its own."""
    script = (
        "import json, os; v = json.loads(os.environ['ZARR_CONFORMANCE_VOCABULARY']); "
        "print(json.dumps({'protocol': 'zarr-conformance-worker', 'protocol_version': 3, 'name': 'echo', "
        "'version': '1', 'capabilities': "
        "{'dtypes': sorted(v['data_types']), 'codecs': sorted(v['v3_codecs'])}}), flush=True)"
    )
    adapter = WorkerAdapter([sys.executable, "-c", script])
    try:
        from zarr_conformance import vocabulary

        assert adapter.capabilities.dtypes == frozenset(vocabulary.DATA_TYPES)
        assert adapter.capabilities.codecs == frozenset(vocabulary.V3_CODECS)
    finally:
        adapter.close()


def test_reproduce_line_of_a_command_worker_is_the_request_to_send_it(pytester, fixture_cache, tests_on_path):
    """A failing read through a ``cmd:`` worker shows a shell line; run as is, the worker answers the wrong value."""
    command = f"cmd:{sys.executable} -m zarr_conformance.adapters.worker faulty_adapters:IgnoresStep"
    test_id = "test_read_strided[v3-3d-int16]"
    results = run_suites(pytester, command, fixture_cache, "--zarr-cases", r"^v3-3d-int16$", "-k", "test_read_strided")
    assert results[test_id]["outcome"] == "fail"
    line = next(x for x in results[test_id]["message"].splitlines() if x.startswith("reproduce: "))
    line = line.removeprefix("reproduce: ")
    assert line.startswith('printf \'%s\\n\' \'{"id": 1, "verb": "read"')
    environment = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    answer = subprocess.run(
        line, shell=True, cwd=pytester.path, env=environment, capture_output=True, text=True, timeout=120, check=True
    )
    hello, response = (json.loads(x) for x in answer.stdout.splitlines())
    assert hello["name"] == "reference" and response == {"id": 1, "result": {"npy": "selection.npy"}}
    request = json.loads(shlex.split(line)[2])
    store, path = Path(request["args"]["store"]), request["args"]["path"]
    selection = BasicSelection.from_json(request["args"]["selection"])
    assert any(getattr(item, "step", None) not in (None, 1) for item in selection.items), "a strided read"
    observed = np.load(pytester.path / "selection.npy")
    assert np.array_equal(observed, IgnoresStep().read(store, path, selection))
    assert not np.array_equal(observed, ReferenceAdapter().read(store, path, selection))


def test_reproduce_line_of_an_in_process_adapter_is_the_python_call(pytester, fixture_cache):
    results = run_suites(
        pytester,
        "faulty_adapters:IgnoresStep",
        fixture_cache,
        "--zarr-cases",
        r"^v3-3d-int16$",
        "-k",
        "test_read_strided",
    )
    message = results["test_read_strided[v3-3d-int16]"]["message"]
    assert "reproduce: reference.read(Path(" in message
