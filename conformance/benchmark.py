"""Benchmarks, measured side by side in one run: ``python -m zarr_conformance.benchmark``.

1. The whole suite for one implementation in process and through a worker, alternated
   (A B A B ...) so both see the same machine load; reported as a ratio of medians.
2. ``--matrix``: the whole default ``zarr-conformance matrix`` with one implementation at
   a time and with ``--jobs`` at a time, alternated, with warm environments and fixture
   cache; reported as a ratio of medians (the speed-up of running in parallel).
3. The time to build each isolated environment cold (empty environment folder and empty
   uv package cache, so every wheel is downloaded) and warm (cached), for the given
   ``NAME==VERSION`` specs.

Not a test: numbers depend on the machine; the ratio is what carries over.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(*args: str) -> float:
    """Seconds one ``zarr-conformance`` command takes; it must finish (exit 0 or 1, i.e. with results)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "zarr_conformance.cli", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"zarr-conformance {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def _run_suite(impl: str, cache: Path) -> float:
    return _timed("run", "--impl", impl, "--cache-dir", str(cache))


def suite_overhead(impl: str, repeats: int, cache: Path) -> dict[str, float]:
    _run_suite(impl, cache)  # builds the fixture cache; not measured
    in_process, worker = [], []
    for _ in range(repeats):
        in_process.append(_run_suite(impl, cache))
        worker.append(_run_suite(f"worker:{impl}", cache))
    return {"in_process_s": statistics.median(in_process), "worker_s": statistics.median(worker),
            "ratio": statistics.median(worker) / statistics.median(in_process)}


def _run_matrix(jobs: int, cache: Path, out: Path) -> float:
    return _timed("matrix", "--out", str(out), "--cache-dir", str(cache), "--jobs", str(jobs))


def matrix_parallelism(jobs: int, repeats: int, cache: Path) -> dict[str, float]:
    out = cache / "matrix"
    _run_matrix(jobs, cache, out)  # builds fixtures and environments; not measured
    serial, parallel = [], []
    for _ in range(repeats):
        serial.append(_run_matrix(1, cache, out))
        parallel.append(_run_matrix(jobs, cache, out))
    return {"serial_s": statistics.median(serial), "parallel_s": statistics.median(parallel),
            "ratio": statistics.median(parallel) / statistics.median(serial)}


def environment_times(spec: str) -> dict[str, float]:
    from .adapters.environments import ensure_environment

    name, _, version = spec.partition("==")
    with tempfile.TemporaryDirectory(prefix="zarr-conformance-envs-") as folder:
        os.environ["ZARR_CONFORMANCE_ENVS"] = folder
        os.environ["UV_CACHE_DIR"] = str(Path(folder) / "uv-cache")
        os.environ["npm_config_cache"] = str(Path(folder) / "npm-cache")
        started = time.perf_counter()
        ensure_environment(name, version)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        ensure_environment(name, version)
        warm = time.perf_counter() - started
    return {"cold_s": cold, "warm_s": warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zarr_conformance.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--impl", default="zarr-python", help="in-process adapter to compare with its worker")
    parser.add_argument("--repeats", type=int, default=3, help="alternated runs of each; 0 skips the suite comparison")
    parser.add_argument("--matrix", type=int, default=0, metavar="JOBS",
                        help="also time the default matrix with 1 and with JOBS implementations at a time")
    parser.add_argument("--env", action="append", default=[], metavar="NAME==VERSION",
                        help="environment to build cold and warm (repeatable)")
    args = parser.parse_args(argv)
    if args.repeats:
        with tempfile.TemporaryDirectory(prefix="zarr-conformance-bench-") as cache:
            overhead = suite_overhead(args.impl, args.repeats, Path(cache))
        print(f"whole suite, {args.impl}: in process {overhead['in_process_s']:.1f} s, "
              f"worker {overhead['worker_s']:.1f} s, ratio {overhead['ratio']:.2f} (median of {args.repeats}, alternated)",
              flush=True)
    if args.matrix:
        with tempfile.TemporaryDirectory(prefix="zarr-conformance-bench-") as cache:
            timing = matrix_parallelism(args.matrix, max(args.repeats, 1), Path(cache))
        print(f"default matrix: 1 at a time {timing['serial_s']:.0f} s, {args.matrix} at a time {timing['parallel_s']:.0f} s, "
              f"ratio {timing['ratio']:.2f} (median of {max(args.repeats, 1)}, alternated)", flush=True)
    for spec in args.env:
        times = environment_times(spec)
        print(f"environment {spec}: cold {times['cold_s']:.1f} s, warm {times['warm_s']:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
