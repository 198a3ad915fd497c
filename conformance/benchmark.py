"""Benchmarks, measured side by side in one run: ``python -m zarr_conformance.benchmark``.

1. The whole suite for one implementation in process and through a worker, alternated
   (A B A B ...) so both see the same machine load; reported as a ratio of medians.
2. ``--matrix``: the whole default ``zarr-conformance matrix`` with one implementation at
   a time and with ``--jobs`` at a time, alternated, with warm environments and fixture
   cache; reported as a ratio of medians (the speed-up of running in parallel).
3. The time to build each isolated environment cold (empty environment folder and empty
   uv package cache, so every wheel is downloaded) and warm (cached), for the given
   ``NAME==VERSION`` specs.
4. ``--overhead``: one ``zarr-conformance run --impl NAME --json ...`` in this process, its
   wall time split between the implementation (inside the adapter's verbs) and the kit's
   own work: checks, fixture set-up, temporary stores, result records, test selection,
   start-up and pytest itself (see ``zarr_conformance.overhead``); also the size of what
   the run's ``tmp_path`` folders leave behind. ``--profile FILE`` runs it under cProfile
   as well (which slows it; the shares of a profiled run are not comparable).

Not a test: numbers depend on the machine; the ratio is what carries over.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
    return {
        "in_process_s": statistics.median(in_process),
        "worker_s": statistics.median(worker),
        "ratio": statistics.median(worker) / statistics.median(in_process),
    }


def _run_matrix(jobs: int, cache: Path, out: Path) -> float:
    return _timed("matrix", "--out", str(out), "--cache-dir", str(cache), "--jobs", str(jobs))


def matrix_parallelism(jobs: int, repeats: int, cache: Path) -> dict[str, float]:
    out = cache / "matrix"
    _run_matrix(jobs, cache, out)  # builds fixtures and environments; not measured
    serial, parallel = [], []
    for _ in range(repeats):
        serial.append(_run_matrix(1, cache, out))
        parallel.append(_run_matrix(jobs, cache, out))
    return {
        "serial_s": statistics.median(serial),
        "parallel_s": statistics.median(parallel),
        "ratio": statistics.median(parallel) / statistics.median(serial),
    }


def environment_times(spec: str) -> dict[str, float]:
    from .adapters.environments import ensure_environment
    from .adapters.specs import Versioned, parse_spec

    parsed = parse_spec(spec)
    if not isinstance(parsed, Versioned):
        raise ValueError(f"--env {spec!r}: give NAME==VERSION (or NAME@VERSION)")
    name, version = parsed.name, parsed.version
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


def kit_overhead(
    impl: str,
    cases: str | None = None,
    cache_dir: str | None = None,
    results: Path | None = None,
    profile: Path | None = None,
) -> dict[str, object]:
    """One ``zarr-conformance run`` of ``impl`` with its wall time split by category (seconds and shares)."""
    started = time.perf_counter()
    from . import overhead

    clock = overhead.Clock(started)
    plugin = overhead.OverheadPlugin(clock)
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zarr-conformance-bench-")))
        results = results or scratch / "results.json"
        stack.enter_context(_environment("PYTEST_DEBUG_TEMPROOT", str(scratch)))  # this run's tmp_path folders alone
        argv = ["run", "--impl", impl, "--json", str(results), "--progress", "none"]
        argv += ["--cases", cases] if cases else []
        argv += ["--cache-dir", cache_dir] if cache_dir else []
        code, output = _run_measured(argv, plugin, profile)
        finished = time.perf_counter()
        if code not in (0, 1):
            raise RuntimeError(f"zarr-conformance {' '.join(argv)} could not complete (exit code {code}):\n{output}")
        document = json.loads(results.read_text(encoding="utf-8"))
        left_bytes, left_entries = overhead.disk_usage(plugin.basetemp)
    seconds = clock.shares(finished)
    wall = finished - started
    kit = wall - seconds[overhead.IMPLEMENTATION]
    return {
        "implementation": plugin.adapter or impl,
        "command": "zarr-conformance " + " ".join(argv[:5] + argv[7:]),  # without --progress none
        "tests": plugin.tests,
        "summary": document.get("summary", {}),
        "wall_s": wall,
        "implementation_share": seconds[overhead.IMPLEMENTATION] / wall,
        "kit_share": kit / wall,
        "seconds": seconds,
        "shares": {category: value / wall for category, value in seconds.items()},
        "calls": {category: clock.counts.get(category, 0) for category in overhead.CATEGORIES},
        "tmp_path_left_bytes": left_bytes,
        "tmp_path_left_entries": left_entries,
        "profiled": profile is not None,
    }


def _run_measured(argv: list[str], plugin: object, profile: Path | None) -> tuple[int, str]:
    """``zarr-conformance ARGV`` in this process with ``plugin`` loaded into its pytest run: exit code and output."""
    from . import cli, overhead

    plugins = ",".join(filter(None, [os.environ.get("PYTEST_PLUGINS"), overhead.__name__]))
    overhead.ACTIVE = plugin  # type: ignore[assignment]
    output = io.StringIO()
    try:
        with (
            _environment("PYTEST_PLUGINS", plugins),
            contextlib.redirect_stdout(output),
            contextlib.redirect_stderr(output),
        ):
            if profile is None:
                return cli.main(argv), output.getvalue()
            import cProfile

            profiler = cProfile.Profile()
            try:
                return profiler.runcall(cli.main, argv), output.getvalue()
            finally:
                profiler.dump_stats(str(profile))
    finally:
        overhead.ACTIVE = None


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """The environment variable ``name`` set to ``value`` for the duration of the block."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def overhead_table(measured: dict[str, object]) -> str:
    """The measurement as a small text table."""
    from .overhead import CATEGORIES, DESCRIPTIONS

    seconds: dict[str, float] = measured["seconds"]  # type: ignore[assignment]
    wall: float = measured["wall_s"]  # type: ignore[assignment]
    lines = [
        (
            f"{measured['command']}: {measured['implementation']}, {measured['tests']} tests, "
            f"wall {wall:.1f} s{' (profiled)' if measured['profiled'] else ''}"
        ),
        f"{'where the time goes':<21}{'seconds':>8}{'share':>8}  what",
    ]
    for category in CATEGORIES:
        share = seconds[category] / wall
        lines.append(f"{category:<21}{seconds[category]:>8.2f}{share:>8.1%}  {DESCRIPTIONS[category]}")
    lines.append(
        f"{'the kit, in all':<21}{wall - seconds[CATEGORIES[0]]:>8.2f}{measured['kit_share']:>8.1%}  "
        "everything but the implementation"
    )
    left: int = measured["tmp_path_left_bytes"]  # type: ignore[assignment]
    lines.append(
        f"tmp_path folders left behind: {left / 1e6:.1f} MB on disk, "
        f"{measured['tmp_path_left_entries']} files and folders"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zarr_conformance.benchmark",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--impl", default="zarr-python", help="in-process adapter to compare with its worker")
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="alternated runs of each; 0 skips the suite comparison (default 3, or 0 with --overhead)",
    )
    parser.add_argument(
        "--matrix",
        type=int,
        default=0,
        metavar="JOBS",
        help="also time the default matrix with 1 and with JOBS implementations at a time",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME==VERSION",
        help="environment to build cold and warm (repeatable)",
    )
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="split one run's wall time between the implementation and the kit's own work",
    )
    parser.add_argument("--cases", metavar="REGEX", help="with --overhead: only cases whose id matches")
    parser.add_argument(
        "--cache-dir", metavar="DIR", help="with --overhead: the fixture cache (default: the run's default)"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        type=Path,
        help="with --overhead: also profile the run with cProfile into FILE and show its top functions",
    )
    parser.add_argument(
        "--results", metavar="PATH", type=Path, help="with --overhead: keep the run's results JSON at PATH"
    )
    parser.add_argument("--json", action="store_true", help="print the measurements as one JSON document")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 0 if args.overhead else 3
    measured: dict[str, object] = {}
    say = (lambda line: None) if args.json else (lambda line: print(line, flush=True))
    if args.overhead:
        split = kit_overhead(args.impl, args.cases, args.cache_dir, args.results, args.profile)
        measured["overhead"] = split
        say(overhead_table(split))
        if args.profile and not args.json:
            import pstats

            pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)
    if args.repeats:
        with tempfile.TemporaryDirectory(prefix="zarr-conformance-bench-") as cache:
            suite = suite_overhead(args.impl, args.repeats, Path(cache))
        measured["suite"] = suite
        say(
            f"whole suite, {args.impl}: in process {suite['in_process_s']:.1f} s, "
            f"worker {suite['worker_s']:.1f} s, ratio {suite['ratio']:.2f} (median of {args.repeats}, alternated)"
        )
    if args.matrix:
        with tempfile.TemporaryDirectory(prefix="zarr-conformance-bench-") as cache:
            timing = matrix_parallelism(args.matrix, max(args.repeats, 1), Path(cache))
        measured["matrix"] = timing
        say(
            f"default matrix: 1 at a time {timing['serial_s']:.0f} s, "
            f"{args.matrix} at a time {timing['parallel_s']:.0f} s, "
            f"ratio {timing['ratio']:.2f} (median of {max(args.repeats, 1)}, alternated)"
        )
    for spec in args.env:
        times = environment_times(spec)
        measured.setdefault("environments", {})[spec] = times  # type: ignore[index]
        say(f"environment {spec}: cold {times['cold_s']:.1f} s, warm {times['warm_s']:.2f} s")
    if args.json:
        print(json.dumps(measured, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
