"""Benchmarks, measured side by side in one run: ``python -m zarr_conformance.benchmark``.

1. The whole suite for one implementation in process and through a worker, alternated
   (A B A B ...) so both see the same machine load; reported as a ratio of medians.
2. The time to build each isolated environment cold (empty environment folder and empty
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


def _run_suite(impl: str, cache: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", "run", "--impl", impl, "--cache-dir", str(cache)],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"run --impl {impl} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def suite_overhead(impl: str, repeats: int, cache: Path) -> dict[str, float]:
    _run_suite(impl, cache)  # builds the fixture cache; not measured
    in_process, worker = [], []
    for _ in range(repeats):
        in_process.append(_run_suite(impl, cache))
        worker.append(_run_suite(f"worker:{impl}", cache))
    return {"in_process_s": statistics.median(in_process), "worker_s": statistics.median(worker),
            "ratio": statistics.median(worker) / statistics.median(in_process)}


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
    parser.add_argument("--env", action="append", default=[], metavar="NAME==VERSION",
                        help="environment to build cold and warm (repeatable)")
    args = parser.parse_args(argv)
    if args.repeats:
        with tempfile.TemporaryDirectory(prefix="zarr-conformance-bench-") as cache:
            overhead = suite_overhead(args.impl, args.repeats, Path(cache))
        print(f"whole suite, {args.impl}: in process {overhead['in_process_s']:.1f} s, "
              f"worker {overhead['worker_s']:.1f} s, ratio {overhead['ratio']:.2f} (median of {args.repeats}, alternated)",
              flush=True)
    for spec in args.env:
        times = environment_times(spec)
        print(f"environment {spec}: cold {times['cold_s']:.1f} s, warm {times['warm_s']:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
