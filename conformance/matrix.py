"""``zarr-conformance matrix``: every suite on every implementation, and writer x reader interop.

Two phases, each a set of child processes (``zarr-conformance run`` underneath), as
many at a time as ``--jobs`` allows:

1. per implementation: all suites, plus the interop write phase into
   ``OUT/stores/<implementation>/``; meanwhile the kit's reference writer writes its
   own stores into ``OUT/stores/reference/``;
2. per implementation, and the kit's reference reader: the interop read phase over
   every writer's stores.

A child that crashes or overruns ``--run-timeout`` is reported (which implementation,
which phase, its last stderr lines) and the matrix goes on. The results of all
children are merged into ``OUT/results.json`` (schema in ``data/matrix.schema.json``),
rendered as ``OUT/matrix.md`` and ``OUT/matrix.html``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .adapters.implementations import default_specs
from .expectations import Expectation, ExpectationsError, load_all, speaks_of_writer, stale_entries
from .outcomes import UNEXPECTED, Result
from .runspec import FRESH_FOLDER, INTEROP_READS, SHIPPED, Option, RunSpec, add_arguments, positive

#: what ``matrix`` runs when no --impl is given: the defaults of the implementations table
DEFAULT_IMPLEMENTATIONS = default_specs()
REFERENCE = "reference"
REFERENCE_STORES = "reference-writer"  # the folder of the kit's own writer's stores

SCHEMA = "zarr-conformance/matrix"
SCHEMA_VERSION = 2
MARKER = ".zarr-conformance-matrix"
USAGE_ERROR = 4  # pytest's exit code when it cannot start
_OWN_ENTRIES = ("parts", "stores", "logs", "junit", "results.json", "matrix.md", "matrix.html", MARKER)


class MatrixError(Exception):
    """The matrix cannot start (bad output folder, bad expectations); the message says why."""


def slug(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_") or "impl"


def unique_slugs(specs: Sequence[str]) -> dict[str, str]:
    """A distinct file-name-safe name per spec (``a b`` and ``a_b`` must not share a folder)."""
    out: dict[str, str] = {}
    for spec in dict.fromkeys(specs):
        name, n = slug(spec), 1
        while name in out.values():
            n += 1
            name = f"{slug(spec)}-{n}"
        out[spec] = name
    return out


@dataclass
class ChildRun:
    """One child process: an implementation in one phase."""

    spec: str
    phase: str  # "suites" or "interop-read"
    json_path: Path
    log_path: Path
    args: list[str]
    name: str = ""
    version: str = ""
    total: int = 0
    done: int = 0
    failed: int = 0
    state: str = "waiting"  # waiting, starting, running, completed, failed, crashed, timed out
    exit_code: int | None = None
    duration: float = 0.0
    reason: str = ""  # why a run did not complete: how it exited, and its fatal error line
    stderr_tail: list[str] = field(default_factory=list)
    runspec: RunSpec | None = None  # the options the child ran with

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip() if self.name else self.spec

    def record(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "state": self.state,
            "exit_code": self.exit_code,
            "tests": self.total,
            "duration": round(self.duration, 3),
            "log": self.log_path.name,
            "reason": self.reason,
            "stderr_tail": self.stderr_tail,
        }


MATRIX_OPTIONS: tuple[Option, ...] = (
    Option(
        "impls",
        "--impl",
        "implementation to include (repeatable); default: the current release of each built-in one",
        metavar="ADAPTER",
        repeat=True,
        commands=("matrix",),
        plugin=False,
    ),
    Option(
        "out",
        "--out",
        "folder for results.json, matrix.md, matrix.html (new or empty)",
        metavar="DIR",
        required=True,
        commands=("matrix",),
        plugin=False,
    ),
    Option(
        "junit",
        "--junit",
        "also write JUnit XML per implementation and phase into DIR/junit",
        switch=True,
        commands=("matrix",),
        plugin=False,
    ),
    Option(
        "run_timeout",
        "--run-timeout",
        "seconds per implementation and phase",
        metavar="SECONDS",
        type=positive(float),
        default=3600.0,
        commands=("matrix",),
        plugin=False,
    ),
    Option(
        "jobs",
        "--jobs",
        "implementations run at a time (default: the number of cores)",
        type=positive(int),
        default=0,
        commands=("matrix",),
        plugin=False,
    ),
    Option(
        "no_interop",
        "--no-interop",
        "skip the writer x reader interop suite",
        switch=True,
        commands=("matrix",),
        plugin=False,
    ),
)
_MATRIX = {option.name: option for option in MATRIX_OPTIONS}


def add_matrix_arguments(parser: Any) -> None:
    """The arguments of ``zarr-conformance matrix``: its own and the options its runs share."""
    for option in MATRIX_OPTIONS:
        option.add_to(parser)
    add_arguments(parser, "matrix")


@dataclass(frozen=True)
class MatrixSpec:
    """The options of a matrix: its own, and ``run``, the options every child run shares (paths made absolute)."""

    impls: tuple[str, ...]
    out: Path
    run: RunSpec = field(default_factory=lambda: RunSpec(expect=(SHIPPED,)))
    run_timeout: float = _MATRIX["run_timeout"].default
    jobs: int = _MATRIX["jobs"].default
    junit: bool = False
    no_interop: bool = False

    @property
    def interop(self) -> bool:
        return not self.no_interop

    @classmethod
    def from_args(cls, namespace: Any) -> MatrixSpec:
        def absolute(path: str) -> str:  # the children's working folder is not the user's concern
            return str(Path(path).resolve())

        run = RunSpec.from_args(namespace, "matrix")
        run = replace(
            run,
            case_files=tuple(absolute(p) for p in run.case_files),
            cache_dir=absolute(run.cache_dir) if run.cache_dir else None,
            expect=tuple(s if s == SHIPPED else absolute(s) for s in run.expect),
        )
        return cls(
            impls=tuple(dict.fromkeys(namespace.impls or DEFAULT_IMPLEMENTATIONS)),
            out=Path(namespace.out),
            run=run,
            run_timeout=namespace.run_timeout,
            jobs=namespace.jobs,
            junit=namespace.junit,
            no_interop=namespace.no_interop,
        )


def prepare_out(out: Path) -> None:
    """Create ``out``, or clear what an earlier matrix wrote there; never touch anything else."""
    if out.exists() and not out.is_dir():
        raise MatrixError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise MatrixError(
                f"--out {out}: the folder is not empty and was not written by zarr-conformance matrix; "
                "give an empty or new folder"
            )
        for name in _OWN_ENTRIES:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by zarr-conformance matrix; its next run clears this folder's own files\n")


def _child_command(runspec: Path) -> list[str]:
    """A child run: the public command, reading its options from the file ``matrix`` wrote."""
    return [sys.executable, "-m", "zarr_conformance.cli", "run", "--runspec", str(runspec), "--progress", "json"]


def _drive(child: ChildRun, run_timeout: float, on_change: Callable[[ChildRun], None]) -> None:
    """Run one child, following its JSON progress lines; never raises."""
    child.state = "starting"
    on_change(child)
    started = time.monotonic()
    with open(child.log_path, "w", encoding="utf-8") as log:
        try:
            process = subprocess.Popen(
                child.args, stdout=subprocess.PIPE, stderr=log, text=True, stdin=subprocess.DEVNULL
            )
        except OSError as exc:
            child.state, child.reason = "not started", f"could not start: {exc}"
            on_change(child)
            return
        timer = threading.Timer(run_timeout, process.kill)
        timer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # something the implementation printed
                if not isinstance(event, dict):
                    continue
                if event.get("event") == "start":
                    child.name, child.version, child.state = event["name"], event["version"], "running"
                elif event.get("event") == "collected":
                    child.total = event["total"]
                elif event.get("event") == "progress":
                    child.done, child.failed = event["done"], event["failed"]
                on_change(child)
            process.wait()
        finally:
            timed_out = not timer.is_alive()  # the timer fired and killed the child
            timer.cancel()
    child.duration = time.monotonic() - started
    child.exit_code = process.returncode
    if timed_out:
        child.state = "timed out"
    elif process.returncode in (0, 1) and child.json_path.exists():
        child.state = "completed"
    elif process.returncode == USAGE_ERROR:
        child.state = "not started"  # the adapter could not be loaded, or the options are wrong
    else:
        child.state = "crashed"
    if child.state != "completed":
        text = child.log_path.read_text(encoding="utf-8", errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith(("Fatal Python error", "ERROR: "))][:1]
        child.reason = "; ".join([_exit_status(process.returncode, timed_out, run_timeout)] + fatal)
        child.stderr_tail = lines[-12:]
    on_change(child)


def _exit_status(code: int, timed_out: bool, run_timeout: float) -> str:
    if timed_out:
        return f"killed after --run-timeout {run_timeout:g} s"
    if code < 0:
        import signal

        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def run_matrix(opts: MatrixSpec, display: Display) -> dict[str, Any]:
    """Run both phases and return the merged results document (also written to ``OUT/results.json``)."""
    from .fixtures.cases import load_catalogue, load_extra
    from .interop import write_reference_stores

    try:
        expectations_label, entries = load_all(list(opts.run.expect)) if opts.run.expect else ("none", [])
    except (ExpectationsError, OSError) as exc:
        raise MatrixError(f"--expect: {exc}") from exc
    out = opts.out
    prepare_out(out)
    for sub in ("parts", "stores", "logs") + (("junit",) if opts.junit else ()):
        (out / sub).mkdir()
    jobs = opts.jobs or min(os.cpu_count() or 1, max(len(opts.impls), 1))
    started = time.monotonic()

    slugs = unique_slugs([REFERENCE_STORES, REFERENCE, *opts.impls])

    def child(spec: str, phase: str, write: Path | None = None, read: Sequence[Path] = ()) -> ChildRun:
        name = f"{slugs[spec]}-{phase}"
        json_path = out / "parts" / f"{name}.json"
        junit = out / "junit" / f"{name}.xml" if opts.junit else None
        runspec = replace(
            opts.run,
            impl=spec,
            json_path=str(json_path.resolve()),
            junit=str(junit.resolve()) if junit else None,
            interop_write=str(write.resolve()) if write else None,
            interop_read=tuple(str(p.resolve()) for p in read),
        )
        runspec_path = runspec.write(out / "parts" / f"{name}.runspec.json")
        return ChildRun(
            spec, phase, json_path, out / "logs" / f"{name}.log", _child_command(runspec_path), runspec=runspec
        )

    suites = [
        child(spec, "suites", write=(out / "stores" / slugs[spec]) if opts.interop else None) for spec in opts.impls
    ]
    display.begin(suites)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_drive, c, opts.run_timeout, display.update) for c in suites]
        if opts.interop:
            cases = list(load_catalogue()) + load_extra(Path(p) for p in opts.run.case_files)
            if opts.run.cases:
                cases = [c for c in cases if re.search(opts.run.cases, c.id)]
            writable = [c for c in cases if c.valid and not c.is_group and "extra_metadata" not in c.raw]
            cache = Path(opts.run.cache_dir) if opts.run.cache_dir else None
            write_reference_stores(out / "stores" / slugs[REFERENCE_STORES], writable, cache)
        for future in futures:
            future.result()
    reads: list[ChildRun] = []
    if opts.interop:
        writers = sorted(p.parent for p in (out / "stores").glob("*/manifest.json"))
        loaded = [c.spec for c in suites if c.state != "not started"]  # reading needs an implementation that loads
        reads = [child(spec, "interop-read", read=writers) for spec in dict.fromkeys([REFERENCE, *loaded])]
        display.begin(reads)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for future in [pool.submit(_drive, c, opts.run_timeout, display.update) for c in reads]:
                future.result()
    document = merge(opts, suites + reads, expectations_label, entries, time.monotonic() - started, jobs)
    (out / "results.json").write_text(json.dumps(document, separators=(",", ":"), default=str) + "\n", encoding="utf-8")
    return document


def merge(
    opts: MatrixSpec,
    runs: list[ChildRun],
    expectations_label: str,
    entries: list[Expectation],
    seconds: float,
    jobs: int,
) -> dict[str, Any]:
    """One document from the children's result files."""
    from .documents import count_unexpected  # not at the top: documents imports this module

    implementations: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    writers: list[dict[str, Any]] = []
    for manifest_path in sorted((opts.out / "stores").glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        verdicts = [s["conforms"] for s in manifest["stores"].values()]
        writers.append(
            {
                **manifest["writer"],
                "folder": manifest_path.parent.relative_to(opts.out).as_posix(),
                "stores": len(verdicts),
                "conforming": sum(verdicts),
            }
        )
    folders = {w["label"]: (opts.out / w["folder"]).resolve() for w in writers}
    for run in runs:
        part: dict[str, Any] = {}
        if run.json_path.exists():
            part = json.loads(run.json_path.read_text(encoding="utf-8"))
        impl = part.get("implementation") or {}
        name, version = impl.get("name") or run.name, impl.get("version") or run.version
        reference = run.spec == REFERENCE and run.phase == "interop-read"
        entry = implementations.setdefault(
            run.spec,
            {
                "spec": run.spec,
                "name": name or None,
                "version": version or None,
                "label": "reference reader" if reference else (f"{name} {version}".strip() if name else run.spec),
                "reference": reference,
                "capabilities": impl.get("capabilities"),
                "runs": [],
            },
        )
        if name and not entry["name"]:
            entry.update(name=name, version=version, capabilities=impl.get("capabilities"))
            if not reference:
                entry["label"] = f"{name} {version}"
        entry["runs"].append(run.record())
        for record in part.get("results", []):
            result = Result.from_dict(record)
            reproduced = reproduce(run.runspec, result, folders) if run.runspec else None
            results.append(replace(result, spec=run.spec, reproduce=reproduced).to_dict())
    seen = [(e["name"], e["version"]) for e in implementations.values() if e["name"] and not e["reference"]]
    duplicates = sorted({f"{n} {v}" for n, v in seen if seen.count((n, v)) > 1})
    for impl in implementations.values():
        if impl["label"] in duplicates:
            impl["label"] = f"{impl['label']} ({impl['spec']})"  # columns stay distinct
    stale = []
    for impl in implementations.values():
        if impl["reference"] or not impl["name"]:
            continue
        ids = [r["test_id"] for r in results if r["spec"] == impl["spec"]]
        for unmatched in stale_entries(entries, impl["name"], impl["version"], ids, filtered=bool(opts.run.cases)):
            stale.append({"implementation": impl["label"], "tests": list(unmatched.tests), "reason": unmatched.reason})
    summary = {
        impl["label"]: dict(Counter(r["outcome"] for r in results if r["spec"] == spec))
        for spec, impl in implementations.items()
    }
    incomplete = [
        f"{impl['label']} ({run['phase']}: {run['state']}{', ' + run['reason'] if run['reason'] else ''})"
        for impl in implementations.values()
        for run in impl["runs"]
        if run["state"] != "completed"
    ]
    triage = needs_triage(opts, implementations, results, entries, {w["label"]: w["name"] for w in writers})
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "kit_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration": round(seconds, 1),
        "jobs": jobs,
        "expectations": expectations_label,
        "strict": opts.run.strict,
        "implementations": list(implementations.values()),
        "interop": {"writers": writers, "readers": [e["label"] for e in implementations.values()]},
        "stale_expectations": stale,
        "duplicate_implementations": duplicates,
        "incomplete_runs": incomplete,
        "summary": summary,
        "unexpected": count_unexpected(results, triage, opts.run.strict),
        "needs_triage": triage,
        "results": results,
    }


def needs_triage(
    opts: MatrixSpec,
    implementations: dict[str, dict[str, Any]],
    results: list[dict[str, Any]],
    entries: list[Expectation],
    writer_names: dict[str, str],
) -> list[dict[str, Any]]:
    """Per reader: its failed interop reads of a writer its expectations have never spoken of.

    Such a failure is work to triage, not a regression: no expectation covers it, and
    either the writer is new (neither the reference nor a built-in implementation, and
    no entry for the reader names it) or the reader is new and none of its entries is
    for that writer's stores. Between built-in implementations every failure counts.
    """
    from .adapters.implementations import table
    from .interop import REFERENCE_WRITER

    builtin = set(table()) | {REFERENCE_WRITER}
    names = [i["name"] for i in implementations.values() if i["name"] and not i["reference"]]
    given = [_shown(s) for s in opts.run.expect if s != SHIPPED]
    out = []
    for spec, impl in implementations.items():
        if impl["reference"] or not impl["name"]:
            continue
        active = [e for e in entries if e.applies_to(impl["name"], impl["version"] or "")]
        tests = []
        for r in results:
            if r["spec"] != spec or r["outcome"] not in UNEXPECTED or not r.get("writer"):
                continue
            if r["test_id"].split("[")[0] != INTEROP_READS:
                continue
            known = writer_names.get(r["writer"], r["writer"]) in builtin
            if known and impl["name"] in builtin:
                continue
            if any(speaks_of_writer(e, r["writer"], by_name=not known) for e in active):
                continue
            tests.append(r["test_id"])
        if tests:
            which = impl["name"] if names.count(impl["name"]) == 1 else spec
            file = given[0] if len(given) == 1 else f"{slug(impl['name'])}-expectations.yaml"
            command = shlex.join(
                ["zarr-conformance", "expectations", str(opts.out / "results.json"), "--impl", which, "--out", file]
            )
            out.append(
                {
                    "implementation": impl["label"],
                    "spec": spec,
                    "name": impl["name"],
                    "tests": tests,
                    "command": command,
                }
            )
    return out


def _shown(path: str) -> str:
    """A path as the user would type it in the current folder: relative when it lies inside."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def reproduce(run: RunSpec, result: Result, writer_folders: dict[str, Path]) -> str:
    """A command that runs this one test again: its run's options, narrowed to its case and test function.

    Interop reads run on the writer's stores, kept under OUT/stores; interop writes into a new folder.
    The expectations and the output files of the run are left out.
    """
    read = result.writer in writer_folders
    one = replace(
        run,
        cases=f"^{re.escape(result.case)}$" if result.case else None,
        expect=(),
        strict=False,
        json_path=None,
        junit=None,
        interop_write=FRESH_FOLDER if result.suite == "interop" and not read else None,
        interop_read=(str(writer_folders[result.writer]),) if read and result.writer else (),
    )
    return one.shell_command(keyword=result.test_id.split("[")[0])


class Display:
    """Progress on the terminal: per implementation and phase, tests done/total and failures so far."""

    def __init__(self, stream: Any = None, force_terminal: bool | None = None) -> None:
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr, force_terminal=force_terminal)
        self.lock = threading.Lock()
        self.live: Any = None
        self.children: list[ChildRun] = []
        self._said: set[tuple[str, str, str]] = set()

    def begin(self, children: list[ChildRun]) -> None:
        self.end()
        self.children = children
        if self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
            self.live.start()

    def update(self, child: ChildRun) -> None:
        with self.lock:
            if self.live is not None:
                self.live.update(self._table())
            else:
                self._line(child)

    def _line(self, child: ChildRun) -> None:
        """Without a terminal: one line per change of state."""
        key = (child.spec, child.phase, child.state)
        if key in self._said or child.state in ("waiting", "starting"):
            return
        self._said.add(key)
        counts = f"{child.done}/{child.total} tests, {child.failed} failing" if child.total else ""
        self.console.print(
            f"{child.phase:>12}  {child.label:28} {child.state:11} {counts}".rstrip(), highlight=False, soft_wrap=True
        )

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        for column in ("implementation", "phase", "tests", "failing", "state"):
            table.add_column(column, justify="right" if column in ("tests", "failing") else "left")
        for child in self.children:
            tests = f"{child.done}/{child.total}" if child.total else "-"
            failing = f"[red]{child.failed}[/red]" if child.failed else "0"
            table.add_row(child.label, child.phase, tests, failing, child.state)
        return table

    def end(self) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.stop()
            self.live = None
