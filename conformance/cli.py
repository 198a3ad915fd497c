"""The ``zarr-conformance`` command.

* ``run --impl NAME``       run every suite against one implementation; one-screen summary;
                            exit 0 only if nothing failed unexpectedly (``run --runspec FILE``:
                            the options of the run from a file, as ``matrix`` writes them)
* ``matrix --out DIR``      every suite on several implementations plus writer x reader
                            interop; results.json, matrix.md, matrix.html
* ``report RESULTS...``     render matrix.md and matrix.html again from a results.json, or
                            merge the results files of many runs (CI jobs) into one matrix
* ``compare OLD NEW``       the tests whose outcome differs between two results files;
                            exit 0 when there are none
* ``expectations RESULTS``  an expectations file from a results file: every failing test of one
                            implementation as an exact entry to triage (``--out FILE`` updates FILE)
* ``fixtures DIR``          write the whole fixture corpus (deterministic bytes)
* ``validate PATH``         check a store on disk against the spec with the reference validator
* ``adapters``              list the adapters that can be asked for
* ``vocabulary``            the data types, codecs, key encodings and features an adapter may claim
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import __version__
from .outcomes import ORDER, UNEXPECTED, Outcome, Result
from .results import Collector
from .runspec import BY_NAME, OPTIONS, Option, RunSpec, add_arguments
from .stash import ADAPTER_KEY, STALE_KEY

if TYPE_CHECKING:
    from .expectations import Expectation


class SummaryPlugin:
    """Collects outcomes for the one-screen summary and shows progress on a terminal."""

    def __init__(self, stream: Any, progress: str = "auto") -> None:
        self.stream = stream
        self.progress = progress  # auto: a counter on a terminal; json: one JSON line per 25 tests; none
        self.total = 0
        self.done = 0
        self.failed = 0
        self.collector: Collector | None = None
        self.implementation = ""
        self.stale: list[Expectation] = []  # expectation entries that matched no test

    @property
    def records(self) -> dict[str, Result]:
        return self.collector.records if self.collector is not None else {}

    def pytest_configure(self, config: pytest.Config) -> None:
        if not hasattr(config.option, "tbstyle"):  # no terminal: failures keep Python's own traceback, not pytest's
            config.option.tbstyle = "native"  # long form, which parses every frame's source file (0.1 s a failure)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """A run where nothing failed keeps none of its temporary stores (about 45 MB for zarr-python's run)."""
        basetemp = getattr(getattr(session.config, "_tmp_path_factory", None), "_basetemp", None)
        if exitstatus == 0 and basetemp is not None:
            shutil.rmtree(basetemp, ignore_errors=True)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.collector = Collector(session.config)
        adapter = session.config.stash.get(ADAPTER_KEY, None)
        if adapter is not None:
            self.implementation = f"{adapter.name} {adapter.version()}"
            self._emit({"event": "start", "name": adapter.name, "version": adapter.version()})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        stale = session.config.stash.get(STALE_KEY, None)
        self.stale = list(stale) if stale is not None else []
        self._emit({"event": "collected", "total": self.total})

    def _emit(self, event: dict[str, Any]) -> None:
        if self.progress == "json":
            import json

            self.stream.write(json.dumps(event) + "\n")
            self.stream.flush()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.collector is not None:
            self.collector.add(report)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.done += 1
        result = self.records.get(nodeid)
        if result is not None and result.unexpected:
            self.failed += 1
        if self.progress == "json" and (self.done % 25 == 0 or self.done == self.total):
            self._emit({"event": "progress", "done": self.done, "total": self.total, "failed": self.failed})
        elif self.progress == "auto" and self.stream.isatty() and (self.done % 25 == 0 or self.done == self.total):
            self.stream.write(f"\r  {self.done}/{self.total} tests, {self.failed} failing")
            self.stream.flush()
            if self.done == self.total:
                self.stream.write("\n")


def _table(records: dict[str, Result]) -> list[str]:
    per_suite: dict[str, Counter[str]] = defaultdict(Counter)
    for result in records.values():
        per_suite[result.suite or "?"][result.outcome] += 1
        per_suite["total"][result.outcome] += 1
    columns = [c for c in ORDER if per_suite["total"][c]] or [Outcome.PASS]
    width = max(len(s) for s in per_suite) + 2
    lines = ["suite".ljust(width) + "".join(c.rjust(12) for c in columns)]
    for suite in sorted(per_suite, key=lambda s: (s == "total", s)):
        lines.append(suite.ljust(width) + "".join(str(per_suite[suite][c]).rjust(12) for c in columns))
    return lines


def _run_spec(args: argparse.Namespace) -> RunSpec:
    """The run's options: from ``--runspec FILE`` (then no other run option may be given) or from the command line."""
    parser = args.parser
    if args.runspec:
        given = [o.flag for o in OPTIONS if "run" in o.commands and getattr(args, o.name) != o.parsed_default]
        if given:
            parser.error(f"--runspec holds every option of the run; not also {', '.join(given)}")
        try:
            return RunSpec.read(Path(args.runspec))
        except (OSError, ValueError) as exc:
            parser.error(f"--runspec {args.runspec}: {exc}")
    if not args.impl:
        parser.error("the following arguments are required: --impl")
    return RunSpec.from_args(args, "run")


def _run(args: argparse.Namespace) -> int:
    spec = _run_spec(args)
    summary = SummaryPlugin(sys.stdout if args.progress == "json" else sys.stderr, args.progress)
    with tempfile.TemporaryDirectory(prefix="zarr-conformance-run-") as scratch:
        code = pytest.main(
            spec.pytest_args() + ["-p", "no:terminal", "-p", "no:cacheprovider", "--rootdir", scratch, "-W", "ignore"],
            plugins=[summary],
        )
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        print(f"zarr-conformance: the run could not complete (pytest exit code {int(code)})", file=sys.stderr)
        return int(code)
    if args.progress == "json":
        unexpected_count = sum(1 for result in summary.records.values() if result.unexpected)
        summary._emit({"event": "finish", "unexpected": unexpected_count})
        return 1 if unexpected_count else 0
    print(f"zarr-conformance {__version__}: {summary.implementation or spec.impl}")
    print()
    print("\n".join(_table(summary.records)))
    unexpected = [(result.test_id, result.message) for result in summary.records.values() if result.unexpected]
    xpassed = [result.test_id for result in summary.records.values() if result.outcome == Outcome.XPASS]
    if unexpected:
        print(f"\nunexpected failures ({len(unexpected)}):")
        for test_id, message in unexpected[: args.show]:
            first = message.splitlines()[0] if message else ""
            print(f"  {test_id}\n      {first[:160]}")
        if len(unexpected) > args.show:
            print(f"  ... and {len(unexpected) - args.show} more (see --json)")
    if xpassed:
        note = "" if spec.strict else " (they fail the run under --strict)"
        print(f"\nunexpected passes ({len(xpassed)}), expectations to review{note}:")
        for test_id in xpassed[: args.show]:
            print(f"  {test_id}")
    for entry in summary.stale:
        print(
            f"\nwarning: expectation for {entry.implementation} matches no test: {list(entry.tests)} ({entry.reason})"
        )
    if spec.json_path:
        print(f"\nresults: {spec.json_path}")
    print(f"\n{_verdict(len(unexpected), len(xpassed))}")
    return 1 if unexpected else 0  # under --strict an unexpected pass is reported by pytest as a failure


#: what the ``matrix`` extra installs for the commands that draw and render (the plugin needs none of it)
MATRIX_EXTRA = {"rich": "the progress display", "jinja2": "matrix.html"}


def missing_matrix_extra(command: str) -> str | None:
    """Why ``command`` cannot run here: a package of the ``matrix`` extra is not installed (else None)."""
    import importlib.util

    missing = [f"{name} ({what})" for name, what in MATRIX_EXTRA.items() if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"zarr-conformance {command} needs {', '.join(missing)}: install the kit with its matrix extra, "
        "pip install 'zarr-conformance[matrix] @ ...' (or pip install rich jinja2)"
    )


def _matrix(args: argparse.Namespace) -> int:
    if (reason := missing_matrix_extra("matrix")) is not None:
        print(reason, file=sys.stderr)
        return 2
    from .documents import triage_tests
    from .matrix import Display, MatrixError, MatrixSpec, run_matrix
    from .report import write_reports

    spec = MatrixSpec.from_args(args)
    out = spec.out
    display = Display()
    print(f"zarr-conformance {__version__} matrix: {', '.join(spec.impls)}", file=sys.stderr)
    try:
        document = run_matrix(spec, display)
    except MatrixError as exc:
        print(f"zarr-conformance matrix: {exc}", file=sys.stderr)
        return 2
    finally:
        display.end()  # before anything else is printed: the live table owns the terminal until then
    write_reports(document, out)
    print()
    for impl in document["implementations"]:
        counts = Counter(r["outcome"] for r in document["results"] if r["spec"] == impl["spec"])
        shown = ", ".join(f"{counts[c]} {c}" for c in ORDER if counts[c])
        print(f"  {impl['label']:32} {shown or 'no results'}")
    for run in document["incomplete_runs"]:
        print(f"\nincomplete: {run} (see {out / 'logs'})")
    for entry in document["stale_expectations"]:
        print(
            f"\nwarning: expectation for {entry['implementation']} matches no test: {entry['tests']} "
            f"({entry['reason']})"
        )
    if document["duplicate_implementations"]:
        print(f"\nwarning: asked for twice: {', '.join(document['duplicate_implementations'])}")
    triage = document.get("needs_triage", [])
    untriaged = triage_tests(triage)
    unexpected = [
        r for r in document["results"] if r["outcome"] in UNEXPECTED and (r["spec"], r["test_id"]) not in untriaged
    ]
    xpassed = [r for r in document["results"] if r["outcome"] == "xpass"]
    review = "unexpected passes, expectations to review" + (
        "" if spec.run.strict else " (they fail the run under --strict)"
    )
    for title, records in (("unexpected failures", unexpected), (review, xpassed)):
        if records:
            print(f"\n{title} ({len(records)}):")
            for record in records[: args.show]:
                first = record["message"].splitlines()[0] if record["message"] else ""
                print(f"  {record['implementation']} {record['version']}: {record['test_id']}\n      {first[:160]}")
            if len(records) > args.show:
                print(f"  ... and {len(records) - args.show} more (see {out / 'matrix.html'})")
    for entry in triage:
        note = "" if spec.run.strict else " (they fail the run under --strict)"
        print(
            f"\n{entry['implementation']}: {len(entry['tests'])} interop failures need triage{note}; "
            f"their expectations, to fill in:\n  {entry['command']}"
        )
        for test_id in entry["tests"][: args.show]:
            print(f"  {test_id}")
        if len(entry["tests"]) > args.show:
            print(f"  ... and {len(entry['tests']) - args.show} more")
    print(
        f"\nwrote {out / 'results.json'}, {out / 'matrix.md'}, {out / 'matrix.html'} "
        f"({document['duration']:.0f} s, {document['jobs']} at a time)"
    )
    failed = bool(document["unexpected"] or document["incomplete_runs"])
    to_triage = len(untriaged)
    verdict = _verdict(len(unexpected), len(xpassed), len(document["incomplete_runs"]), to_triage, spec.run.strict)
    print(f"\n{verdict}")
    return 1 if failed else 0


def _verdict(unexpected: int, xpassed: int, incomplete: int = 0, triage: int = 0, strict: bool = False) -> str:
    """The last line of a run: whether it failed, and what is left to review when it did not."""
    if unexpected or incomplete or (strict and triage):
        parts = [f"{unexpected} unexpected failures"] + ([f"{incomplete} incomplete runs"] if incomplete else [])
        parts += [f"{triage} interop failures that need triage"] if triage else []
        return "FAILED: " + ", ".join(parts)
    review = f"; {xpassed} unexpected passes to review (they fail the run under --strict)" if xpassed else ""
    if triage:
        review += f"; {triage} interop failures need triage (they fail the run under --strict)"
    return f"OK: nothing failed unexpectedly{review}"


def _report(args: argparse.Namespace) -> int:
    if (reason := missing_matrix_extra("report")) is not None:
        print(reason, file=sys.stderr)
        return 2
    import json

    from .documents import MATRIX, DocumentError, load
    from .merge import MergeError, merge_files
    from .report import write_reports

    sources = [Path(p) for p in args.results]
    if len(sources) == 1:
        try:
            document = load(sources[0])
        except DocumentError as exc:
            print(f"zarr-conformance report: {sources[0]}: {exc}", file=sys.stderr)
            return 2
        if document["schema"] == MATRIX:  # one matrix: its reports again, as they were
            out = Path(args.out) if args.out else sources[0].parent
            out.mkdir(parents=True, exist_ok=True)
            write_reports(document, out)
            print(f"wrote {out / 'matrix.md'}, {out / 'matrix.html'}")
            return 0
    if not args.out:
        print("zarr-conformance report: merging results files needs --out DIR", file=sys.stderr)
        return 2
    out = Path(args.out)
    if any((out / "results.json").resolve() == source.resolve() for source in sources):
        print(
            f"zarr-conformance report: --out {out} would overwrite {out / 'results.json'}, a file to merge",
            file=sys.stderr,
        )
        return 2
    try:
        document = merge_files(sources)
    except MergeError as exc:
        print(f"zarr-conformance report: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, separators=(",", ":"), default=str) + "\n", encoding="utf-8")
    write_reports(document, out)
    implementations = sum(1 for impl in document["implementations"] if not impl["reference"])
    print(
        f"merged {len(sources)} files ({implementations} implementations, {len(document['results'])} results); "
        f"wrote {out / 'results.json'}, {out / 'matrix.md'}, {out / 'matrix.html'}"
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .compare import compare_files, write
    from .documents import DocumentError

    old, new = Path(args.old), Path(args.new)
    try:
        found = compare_files(old, new)
    except DocumentError as exc:
        print(f"zarr-conformance compare: {exc}", file=sys.stderr)
        return 2
    write(found, old, new, sys.stdout)
    return 1 if found else 0


def _expectations(args: argparse.Namespace) -> int:
    import textwrap

    from .documents import DocumentError, load
    from .triage import TriageError, check, check_versions, default_versions, subject, write

    source = Path(args.results)
    out = Path(args.out) if args.out else None
    try:
        who = subject(load(source), args.impl)
        if args.check:
            if out is None:
                raise TriageError("--check needs --out FILE, the expectations file to check")
            found = check(out, who)
        else:
            versions = default_versions(who.version) if args.versions is None else args.versions or None
            if versions:
                check_versions(versions)
            found = write(out, who, versions, sys.stdout)
    except (DocumentError, TriageError, OSError) as exc:
        print(f"zarr-conformance expectations: {exc}", file=sys.stderr)
        return 2
    for entry, pattern, tests in found.matches_passing:
        shown = ", ".join(tests[:3]) + (f" and {len(tests) - 3} more" if len(tests) > 3 else "")
        print(
            f"warning: {pattern!r} ({textwrap.shorten(entry.reason, 72)}) matches {len(tests)} tests that passed "
            f"(each an unexpected pass, a failure under --strict): {shown}",
            file=sys.stderr,
        )
    for note in found.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.check:
        for test_id in found.uncovered:
            print(f"not expected: {test_id}", file=sys.stderr)
        problems = len(found.uncovered) + len(found.matches_passing)
        print(
            f"{who.label}: {len(found.uncovered)} failing tests not expected, "
            f"{len(found.matches_passing)} patterns matching passing tests",
            file=sys.stderr,
        )
        return 1 if problems else 0
    if out is not None:
        count = sum(len(e.tests) for e in found.added)
        print(
            f"{out}: {len(found.added)} entries added for {who.label} ({count} failing tests); "
            f"each needs a reason and a link",
            file=sys.stderr,
        )
    return 0


def _fixtures(args: argparse.Namespace) -> int:
    import re

    from .fixtures.cases import load_catalogue
    from .fixtures.writer import write_corpus

    cases = list(load_catalogue())
    if args.cases:
        regex = re.compile(args.cases)
        cases = [c for c in cases if regex.search(c.id)]
    if args.interop:
        from .interop import InteropError, write_reference_stores

        writable = [c for c in cases if c.valid and not c.is_group and "extra_metadata" not in c.raw]
        try:
            write_reference_stores(Path(args.dir), writable, Path(args.cache_dir) if args.cache_dir else None)
        except InteropError as exc:
            print(f"zarr-conformance fixtures: {exc}", file=sys.stderr)
            return 2
        print(f"wrote the reference writer's stores of {len(writable)} cases to {args.dir}, for --interop-read")
        return 0
    folders = write_corpus(cases, Path(args.dir))
    valid = sum(1 for c in cases if c.valid)
    print(f"wrote {len(folders)} fixtures ({valid} valid, {len(folders) - valid} invalid) to {args.dir}")
    return 0


def _adapters(args: argparse.Namespace) -> int:
    from .adapters.registry import available

    for name, status in sorted(available().items()):
        print(f"{name:20} {status}")
    return 0


def _vocabulary(args: argparse.Namespace) -> int:
    import json

    from . import vocabulary

    print(json.dumps(vocabulary.as_json(), indent=1) if args.json else "\n".join(vocabulary.describe()))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .validate import run as validate_store

    return validate_store(Path(args.store), args.path, args.json)


#: how many failures the summary of ``run`` and ``matrix`` lists
SHOW = Option("show", "--show", "how many failures to list", type=int, default=20)


def build_parser() -> argparse.ArgumentParser:
    from .matrix import add_matrix_arguments

    parser = argparse.ArgumentParser(
        prog="zarr-conformance", description="Conformance test kit for Zarr implementations."
    )
    parser.add_argument("--version", action="version", version=f"zarr-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run every suite against one implementation")
    add_arguments(run, "run")
    SHOW.add_to(run)
    run.add_argument(
        "--runspec",
        metavar="FILE",
        help="take every option of the run from FILE (JSON, as matrix writes "
        "one for each of its runs) instead of from the command line",
    )
    run.add_argument(
        "--progress", choices=("auto", "json", "none"), default="auto", help=argparse.SUPPRESS
    )  # matrix's children: JSON lines on stdout
    run.set_defaults(func=_run, parser=run)

    matrix = commands.add_parser("matrix", help="every suite on every implementation, writer x reader interop, reports")
    add_matrix_arguments(matrix)
    SHOW.add_to(matrix)
    matrix.set_defaults(func=_matrix)

    report = commands.add_parser(
        "report",
        help="render matrix.md and matrix.html from a matrix's results.json, or merge the results files "
        "of many runs (run --json, pytest --zarr-json, matrix results.json) into one matrix",
    )
    report.add_argument(
        "results", metavar="RESULTS_JSON", nargs="+", help="one matrix's results.json, or results files to merge"
    )
    report.add_argument(
        "--out",
        metavar="DIR",
        help="where to write them (default for one matrix: beside its results.json; "
        "a merge writes its results.json there too)",
    )
    report.set_defaults(func=_report)

    compare = commands.add_parser("compare", help="whether two results files have the same outcome for every test")
    compare.add_argument(
        "old", metavar="OLD_JSON", help="a matrix's results.json or a run's --json file (schema v1 or v2)"
    )
    compare.add_argument("new", metavar="NEW_JSON")
    compare.set_defaults(func=_compare)

    expect = commands.add_parser(
        "expectations",
        help="write or update an expectations file from a results file: each failing test, to triage",
    )
    expect.add_argument("results", metavar="RESULTS_JSON", help="a matrix's results.json or a run's --json file")
    expect.add_argument(
        "--out", metavar="FILE", help="the expectations file to write, or to update when it exists (default: stdout)"
    )
    expect.add_argument(
        "--impl", metavar="NAME", help="the implementation (name, --impl spec or label) when the results hold several"
    )
    expect.add_argument(
        "--versions",
        metavar="SPEC",
        help="the version range of new entries, PEP 440 (default: >=VERSION of the results; '' for any version)",
    )
    expect.add_argument(
        "--check",
        action="store_true",
        help="write nothing: exit 1 when a failing test is not expected or a pattern matches a passing test",
    )
    expect.set_defaults(func=_expectations)

    fixtures = commands.add_parser("fixtures", help="write the fixture corpus into DIR")
    fixtures.add_argument("dir", metavar="DIR")
    BY_NAME["cases"].add_to(fixtures)
    BY_NAME["cache_dir"].add_to(fixtures)
    fixtures.add_argument(
        "--interop",
        action="store_true",
        help="write DIR as the reference writer's interop folder (manifest.json and its stores) for --interop-read",
    )
    fixtures.set_defaults(func=_fixtures)

    adapters = commands.add_parser("adapters", help="list available adapters")
    adapters.set_defaults(func=_adapters)

    names = commands.add_parser(
        "vocabulary", help="the data types, codecs, encodings and features an adapter may claim"
    )
    names.add_argument(
        "--json", action="store_true", help="print the vocabulary as JSON, configuration schemas included"
    )
    names.set_defaults(func=_vocabulary)

    validate = commands.add_parser("validate", help="check a store on disk against the spec")
    validate.add_argument("store", metavar="PATH", help="the store: a directory")
    validate.add_argument("--path", default="", metavar="NODE", help="node path inside the store (default: the root)")
    validate.add_argument("--json", action="store_true", help="print a JSON document instead of lines")
    validate.set_defaults(func=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
