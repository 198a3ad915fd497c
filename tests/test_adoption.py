"""A project the kit does not ship goes from nothing to a green strict gate, following docs/ci.md only.

The project lives outside the clone, in its own folder with its own ``tests/`` package and
an adapter over zarr-python 3 named ``my-zarr`` (so none of the kit's shipped
expectations apply to it). The steps are the documented ones, as subprocesses started
in the project's root: run the suites with ``--zarr-json``; turn the results into an
expectations file with ``zarr-conformance expectations``; run again with
``--zarr-expect ... --zarr-strict``, which must pass. A real regression must then fail
the gate.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("zarr")

#: the project's adapter: about 50 lines, with nothing of the kit but its base classes
ADAPTER = """
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import ShardingCodec
from zarr.storage import LocalStore
from zarr_conformance.adapters.base import Adapter, ArrayInfo, Capabilities, GroupInfo


class MyZarrAdapter(Adapter):
    name = "my-zarr"
    capabilities = Capabilities.from_dict(
        {
            "read_formats": [2, 3],
            "write_formats": [],
            "dtypes": ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                       "float16", "float32", "float64", "complex64", "complex128"],
            "codecs": ["bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"],
            "v2_codecs": ["zlib", "gzip", "zstd", "blosc"],
            "chunk_key_encodings": ["default", "v2"],
            "features": ["sharding", "groups", "attributes", "dimension_names", "fortran_order"],
        }
    )

    def version(self):
        return "1.0.0"

    def _open(self, store: Path, path: str):
        return zarr.open_array(store=LocalStore(str(store), read_only=True), path=path, mode="r")

    def open_array(self, store, path):
        array = self._open(store, path)
        metadata = array.metadata
        sharding = [c for c in getattr(metadata, "codecs", ()) if isinstance(c, ShardingCodec)]
        names = getattr(metadata, "dimension_names", None)
        return ArrayInfo(
            zarr_format=metadata.zarr_format,
            shape=tuple(array.shape),
            dtype=np.dtype(array.dtype),
            chunks=tuple(sharding[0].chunk_shape) if sharding else tuple(array.chunks),
            shards=tuple(metadata.chunk_grid.chunk_shape) if sharding else None,
            fill_value=array.fill_value,
            attributes=array.attrs.asdict(),
            dimension_names=tuple(names) if names is not None else None,
        )

    def read(self, store, path, selection):
        array = self._open(store, path)
        return np.asarray(array[selection.index], dtype=array.dtype)

    def open_group(self, store, path):
        group = zarr.open_group(store=LocalStore(str(store), read_only=True), path=path, mode="r")
        return GroupInfo(zarr_format=group.metadata.zarr_format, attributes=group.attrs.asdict())
"""

#: the cases of the run: enough of both formats, sharding and invalid input to give real failures, quickly
CASES = r"^(v2-|v3-|invalid-v3-)(int16|uint8|float32|fill|sharded|unknown|bool|attributes|dimension|transpose)"


def in_project(project: Path, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """A documented command, started in the project's root with the kit's console scripts."""
    bin_dir = Path(sys.executable).parent
    program = str(bin_dir / command[0]) if (bin_dir / command[0]).exists() else shutil.which(command[0])
    assert program, command[0]
    return subprocess.run([program, *command[1:]], cwd=project, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "my-zarr"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "conformance.py").write_text(ADAPTER)
    return root


def suites(project: Path, cache: Path, *extra: str) -> subprocess.CompletedProcess:
    return in_project(
        project,
        "pytest",
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "tests.conformance:MyZarrAdapter",
        "--zarr-cases",
        CASES,
        "--zarr-cache-dir",
        str(cache),
        "-p",
        "no:cacheprovider",
        "-q",
        *extra,
    )


def test_a_new_adapter_goes_green_in_one_step_and_then_gates(project, fixture_cache):
    assert len(ADAPTER.strip().splitlines()) <= 60

    first = suites(project, fixture_cache, "--zarr-json", "results.json")
    assert first.returncode == 1, first.stdout[-3000:] + first.stderr[-3000:]
    results = json.loads((project / "results.json").read_text())
    assert results["implementation"]["name"] == "my-zarr"
    failing = {r["test_id"] for r in results["results"] if r["outcome"] in ("fail", "error", "crash", "timeout")}
    assert failing, "the adapter should start with real failures"

    written = in_project(project, "zarr-conformance", "expectations", "results.json", "--out", "expectations.yaml")
    assert written.returncode == 0, written.stdout + written.stderr
    entries = yaml.safe_load((project / "expectations.yaml").read_text())["expectations"]
    assert {e["implementation"] for e in entries} == {"my-zarr"}
    assert {t for e in entries for t in e["tests"]} == failing

    gate = ("--zarr-expect", "expectations.yaml", "--zarr-strict", "--junitxml", "conformance.xml")
    green = suites(project, fixture_cache, *gate)
    assert green.returncode == 0, green.stdout[-3000:] + green.stderr[-3000:]
    assert "xfailed" in green.stdout and (project / "conformance.xml").exists()

    # a regression: attributes are no longer reported; the gate catches it, by name
    adapter = project / "tests" / "conformance.py"
    adapter.write_text(adapter.read_text().replace("attributes=array.attrs.asdict(),", "attributes={},", 1))
    red = suites(project, fixture_cache, *gate)
    assert red.returncode == 1
    assert "FAILED" in red.stdout and "test_attributes[v3-attributes]" in red.stdout
