"""The ``zarr-conformance`` command.

* ``run --impl NAME``       run every suite against one implementation; one-screen summary;
                            exit 0 only if nothing failed unexpectedly
* ``matrix --out DIR``      every suite on several implementations plus writer x reader
                            interop; results.json, matrix.md, matrix.html
* ``report RESULTS``        render matrix.md and matrix.html again from a results.json
* ``fixtures DIR``          write the whole fixture corpus (deterministic bytes)
* ``validate PATH``         check a store on disk against the spec with the reference validator
* ``adapters``              list the adapters that can be asked for
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Sequence

import pytest

from . import __version__

UNEXPECTED = ("fail", "error", "timeout", "crash")
_COLUMNS = ("pass", "fail", "xfail", "xpass", "unsupported", "timeout", "crash", "error", "skip")


class SummaryPlugin:
    """Collects outcomes for the one-screen summary and shows progress on a terminal."""

    def __init__(self, stream: Any, progress: str = "auto") -> None:
        self.stream = stream
        self.progress = progress  # auto: a counter on a terminal; json: one JSON line per 25 tests; none
        self.total = 0
        self.done = 0
        self.failed = 0
        self.records: dict[str, tuple[str, str, str]] = {}  # nodeid -> (suite, outcome, message)
        self.implementation = ""
        self.stale: list[Any] = []  # expectation entries that matched no test

    def pytest_configure(self, config: pytest.Config) -> None:
        if not hasattr(config.option, "tbstyle"):  # no terminal: failures keep Python's own traceback, not pytest's
            config.option.tbstyle = "native"  # long form, which parses every frame's source file (0.1 s a failure)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """A run where nothing failed keeps none of its temporary stores (about 45 MB for zarr-python's run)."""
        basetemp = getattr(getattr(session.config, "_tmp_path_factory", None), "_basetemp", None)
        if exitstatus == 0 and basetemp is not None:
            remove_in_background(Path(basetemp))

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from .plugin import ADAPTER_KEY

        adapter = session.config.stash.get(ADAPTER_KEY, None)
        if adapter is not None:
            self.implementation = f"{adapter.name} {adapter.version()}"
            self._emit({"event": "start", "name": adapter.name, "version": adapter.version()})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        expectations = session.config.pluginmanager.get_plugin("zarr-conformance-expectations")
        self.stale = list(expectations.stale) if expectations is not None else []
        self._emit({"event": "collected", "total": self.total})

    def _emit(self, event: dict[str, Any]) -> None:
        if self.progress == "json":
            import json

            self.stream.write(json.dumps(event) + "\n")
            self.stream.flush()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from .results import message_of, outcome_of

        if report.passed and report.when != "call":
            return
        previous = self.records.get(report.nodeid)
        if previous is not None and previous[1] not in ("pass", "xpass"):
            return
        suite = dict(report.user_properties).get("zarr_suite", "?")
        outcome = outcome_of(report)
        self.records[report.nodeid] = (suite, outcome, message_of(report))

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.done += 1
        if self.records.get(nodeid, ("", "pass"))[1] in UNEXPECTED:
            self.failed += 1
        if self.progress == "json" and (self.done % 25 == 0 or self.done == self.total):
            self._emit({"event": "progress", "done": self.done, "total": self.total, "failed": self.failed})
        elif self.progress == "auto" and self.stream.isatty() and (self.done % 25 == 0 or self.done == self.total):
            self.stream.write(f"\r  {self.done}/{self.total} tests, {self.failed} failing")
            self.stream.flush()
            if self.done == self.total:
                self.stream.write("\n")


def remove_in_background(folder: Path) -> None:
    """Remove ``folder`` in a process of its own: deleting thousands of small files can take seconds
    that the run need not wait for."""
    import subprocess

    code = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
    subprocess.Popen([sys.executable, "-c", code, str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


def _table(records: dict[str, tuple[str, str, str]]) -> list[str]:
    per_suite: dict[str, Counter[str]] = defaultdict(Counter)
    for suite, outcome, _ in records.values():
        per_suite[suite][outcome] += 1
        per_suite["total"][outcome] += 1
    columns = [c for c in _COLUMNS if per_suite["total"][c]] or ["pass"]
    width = max(len(s) for s in per_suite) + 2
    lines = ["suite".ljust(width) + "".join(c.rjust(12) for c in columns)]
    for suite in sorted(per_suite, key=lambda s: (s == "total", s)):
        lines.append(suite.ljust(width) + "".join(str(per_suite[suite][c]).rjust(12) for c in columns))
    return lines


def pytest_args(impl: str, *, timeout: float, expect: Sequence[str] = ("shipped",), strict: bool = False, cases: str | None = None,
                case_files: Sequence[str] = (), cache_dir: str | None = None, json_path: Path | str | None = None,
                junit: Path | str | None = None, interop_write: Path | str | None = None,
                interop_read: Sequence[Path | str] = ()) -> list[str]:
    """The pytest command line of one run of the suites against ``impl``."""
    args = ["--pyargs", "zarr_conformance", "--zarr-impl", impl, "-p", "no:terminal", "-p", "no:cacheprovider",
            "--zarr-timeout", str(timeout)]
    if cases:
        args += ["--zarr-cases", cases]
    if cache_dir:
        args += ["--zarr-cache-dir", str(cache_dir)]
    for source in expectation_sources(expect):
        args += ["--zarr-expect", source]
    if json_path:
        args += ["--zarr-json", str(json_path)]
    if strict:
        args.append("--zarr-strict")
    if junit:
        args += ["--junitxml", str(junit)]
    for case_file in case_files:
        args += ["--zarr-case-file", case_file]
    if interop_write:
        args += ["--zarr-interop-write", str(interop_write)]
    for folder in interop_read:
        args += ["--zarr-interop-read", str(folder)]
    if interop_read:
        args += ["-k", "test_reads_store_written_by"]  # the read phase runs only the interop reads
    return args


def expectation_sources(given: Sequence[str]) -> list[str]:
    """``--expect`` values: none given means the shipped file; ``none`` means no file."""
    if not given:
        return ["shipped"]
    return [] if list(given) == ["none"] else [g for g in given if g != "none"]


def _run(args: argparse.Namespace) -> int:
    summary = SummaryPlugin(sys.stdout if args.progress == "json" else sys.stderr, args.progress)
    json_path = Path(args.json) if args.json else None
    pytest_arguments = pytest_args(args.impl, timeout=args.timeout, expect=args.expect, strict=args.strict, cases=args.cases,
                                   case_files=args.case_file, cache_dir=args.cache_dir, json_path=json_path, junit=args.junit,
                                   interop_write=args.interop_write, interop_read=args.interop_read)
    with tempfile.TemporaryDirectory(prefix="zarr-conformance-run-") as scratch:
        code = pytest.main(pytest_arguments + ["--rootdir", scratch, "-W", "ignore"], plugins=[summary])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        print(f"zarr-conformance: the run could not complete (pytest exit code {int(code)})", file=sys.stderr)
        return int(code)
    if args.progress == "json":
        unexpected_count = sum(1 for _, outcome, _ in summary.records.values() if outcome in UNEXPECTED)
        summary._emit({"event": "finish", "unexpected": unexpected_count})
        return 1 if unexpected_count else 0
    print(f"zarr-conformance {__version__}: {summary.implementation or args.impl}")
    print()
    print("\n".join(_table(summary.records)))
    unexpected = [(nodeid.split("::")[-1], message) for nodeid, (_, outcome, message) in summary.records.items() if outcome in UNEXPECTED]
    xpassed = [nodeid.split("::")[-1] for nodeid, (_, outcome, _) in summary.records.items() if outcome == "xpass"]
    if unexpected:
        print(f"\nunexpected failures ({len(unexpected)}):")
        for test_id, message in unexpected[: args.show]:
            first = message.splitlines()[0] if message else ""
            print(f"  {test_id}\n      {first[:160]}")
        if len(unexpected) > args.show:
            print(f"  ... and {len(unexpected) - args.show} more (see --json)")
    if xpassed:
        print(f"\nunexpected passes ({len(xpassed)}), expectations to review{'' if args.strict else ' (they fail the run under --strict)'}:")
        for test_id in xpassed[: args.show]:
            print(f"  {test_id}")
    for entry in summary.stale:
        print(f"\nwarning: expectation for {entry.implementation} matches no test: {list(entry.tests)} ({entry.reason})")
    if json_path:
        print(f"\nresults: {json_path}")
    print(f"\n{_verdict(len(unexpected), len(xpassed))}")
    return 1 if unexpected else 0  # under --strict an unexpected pass is reported by pytest as a failure


def _matrix(args: argparse.Namespace) -> int:
    from .matrix import DEFAULT_IMPLEMENTATIONS, Display, MatrixError, Options, run_matrix
    from .report import write_reports

    impls = list(dict.fromkeys(args.impl or DEFAULT_IMPLEMENTATIONS))
    out = Path(args.out)
    opts = Options(impls=impls, out=out, expect=expectation_sources(args.expect), strict=args.strict, cases=args.cases, case_files=args.case_file,
                   cache_dir=args.cache_dir, timeout=args.timeout, run_timeout=args.run_timeout, jobs=args.jobs,
                   junit=args.junit, interop=not args.no_interop)
    display = Display()
    print(f"zarr-conformance {__version__} matrix: {', '.join(impls)}", file=sys.stderr)
    try:
        document = run_matrix(opts, display)
    except MatrixError as exc:
        print(f"zarr-conformance matrix: {exc}", file=sys.stderr)
        return 2
    finally:
        display.end()  # before anything else is printed: the live table owns the terminal until then
    write_reports(document, out)
    print()
    for impl in document["implementations"]:
        counts = Counter(r["outcome"] for r in document["results"] if r["spec"] == impl["spec"])
        shown = ", ".join(f"{counts[c]} {c}" for c in _COLUMNS if counts[c])
        print(f"  {impl['label']:32} {shown or 'no results'}")
    for run in document["incomplete_runs"]:
        print(f"\nincomplete: {run} (see {out / 'logs'})")
    for entry in document["stale_expectations"]:
        print(f"\nwarning: expectation for {entry['implementation']} matches no test: {entry['tests']} ({entry['reason']})")
    if document["duplicate_implementations"]:
        print(f"\nwarning: asked for twice: {', '.join(document['duplicate_implementations'])}")
    unexpected = [r for r in document["results"] if r["outcome"] in UNEXPECTED]
    xpassed = [r for r in document["results"] if r["outcome"] == "xpass"]
    review = "unexpected passes, expectations to review" + ("" if args.strict else " (they fail the run under --strict)")
    for title, records in (("unexpected failures", unexpected), (review, xpassed)):
        if records:
            print(f"\n{title} ({len(records)}):")
            for record in records[: args.show]:
                first = record["message"].splitlines()[0] if record["message"] else ""
                print(f"  {record['implementation']} {record['version']}: {record['test_id']}\n      {first[:160]}")
            if len(records) > args.show:
                print(f"  ... and {len(records) - args.show} more (see {out / 'matrix.html'})")
    print(f"\nwrote {out / 'results.json'}, {out / 'matrix.md'}, {out / 'matrix.html'} "
          f"({document['duration']:.0f} s, {document['jobs']} at a time)")
    failed = bool(document["unexpected"] or document["incomplete_runs"])
    print(f"\n{_verdict(document['unexpected'], len(xpassed), len(document['incomplete_runs']))}")
    return 1 if failed else 0


def _verdict(unexpected: int, xpassed: int, incomplete: int = 0) -> str:
    """The last line of a run: whether it failed, and what is left to review when it did not."""
    if unexpected or incomplete:
        parts = [f"{unexpected} unexpected failures"] + ([f"{incomplete} incomplete runs"] if incomplete else [])
        return "FAILED: " + ", ".join(parts)
    review = f"; {xpassed} unexpected passes to review (they fail the run under --strict)" if xpassed else ""
    return f"OK: nothing failed unexpectedly{review}"


def _report(args: argparse.Namespace) -> int:
    import json

    import jsonschema
    from importlib import resources

    from .report import write_reports

    source = Path(args.results)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
        schema = json.loads(resources.files(__package__).joinpath("data/matrix.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(document, schema)
    except (OSError, ValueError) as exc:
        print(f"zarr-conformance report: {source}: {exc}", file=sys.stderr)
        return 2
    except jsonschema.ValidationError as exc:
        print(f"zarr-conformance report: {source} is not a zarr-conformance/matrix v1 document: {exc.message}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else source.parent
    out.mkdir(parents=True, exist_ok=True)
    write_reports(document, out)
    print(f"wrote {out / 'matrix.md'}, {out / 'matrix.html'}")
    return 0


def _fixtures(args: argparse.Namespace) -> int:
    import re

    from .fixtures.cases import load_catalogue
    from .fixtures.writer import write_corpus

    cases = list(load_catalogue())
    if args.cases:
        regex = re.compile(args.cases)
        cases = [c for c in cases if regex.search(c.id)]
    folders = write_corpus(cases, Path(args.dir))
    valid = sum(1 for c in cases if c.valid)
    print(f"wrote {len(folders)} fixtures ({valid} valid, {len(folders) - valid} invalid) to {args.dir}")
    return 0


def _adapters(args: argparse.Namespace) -> int:
    from .adapters.registry import available

    for name, status in sorted(available().items()):
        print(f"{name:20} {status}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .validate import run as validate_store

    return validate_store(Path(args.store), args.path, args.json)


def _regex(text: str) -> str:
    import re

    try:
        re.compile(text)
    except re.error as exc:
        raise argparse.ArgumentTypeError(f"not a regular expression: {exc}") from exc
    return text


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zarr-conformance", description="Conformance test kit for Zarr implementations.")
    parser.add_argument("--version", action="version", version=f"zarr-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run every suite against one implementation")
    run.add_argument("--impl", required=True, help="adapter: built-in name, entry-point name or package.module:Class")
    run.add_argument("--json", metavar="PATH", help="write versioned JSON results to PATH")
    run.add_argument("--cases", metavar="REGEX", type=_regex, help="only cases whose id matches")
    run.add_argument("--case-file", metavar="YAML", action="append", default=[], help="extra cases (repeatable)")
    run.add_argument("--expect", action="append", default=[], metavar="YAML",
                     help="expectations file (repeatable, files combine); 'shipped' is the kit's own (the default), 'none' for none")
    run.add_argument("--strict", action="store_true", help="a test expected to fail that passes is a failure")
    run.add_argument("--junit", metavar="PATH", help="also write JUnit XML for CI systems")
    run.add_argument("--cache-dir", metavar="DIR", help="fixture cache folder")
    run.add_argument("--timeout", type=_positive(float), default=60.0, help="seconds per adapter call (default 60)")
    run.add_argument("--show", type=int, default=20, help="how many failures to list (default 20)")
    # used by `matrix` for its child runs
    run.add_argument("--progress", choices=("auto", "json", "none"), default="auto", help=argparse.SUPPRESS)
    run.add_argument("--interop-write", metavar="DIR", help=argparse.SUPPRESS)
    run.add_argument("--interop-read", metavar="DIR", action="append", default=[], help=argparse.SUPPRESS)
    run.set_defaults(func=_run)

    matrix = commands.add_parser("matrix", help="every suite on every implementation, writer x reader interop, reports")
    matrix.add_argument("--impl", action="append", default=[], metavar="ADAPTER",
                        help="implementation to include (repeatable); default: the current release of each built-in one")
    matrix.add_argument("--out", required=True, metavar="DIR", help="folder for results.json, matrix.md, matrix.html (new or empty)")
    matrix.add_argument("--expect", action="append", default=[], metavar="YAML",
                        help="expectations file (repeatable, files combine); 'shipped' is the kit's own (the default), 'none' for none")
    matrix.add_argument("--strict", action="store_true", help="a test expected to fail that passes is a failure")
    matrix.add_argument("--junit", action="store_true", help="also write JUnit XML per implementation and phase into DIR/junit")
    matrix.add_argument("--cases", metavar="REGEX", type=_regex, help="only cases whose id matches")
    matrix.add_argument("--case-file", metavar="YAML", action="append", default=[], help="extra cases (repeatable)")
    matrix.add_argument("--cache-dir", metavar="DIR", help="fixture cache folder")
    matrix.add_argument("--timeout", type=_positive(float), default=60.0, help="seconds per adapter call (default 60)")
    matrix.add_argument("--run-timeout", type=_positive(float), default=3600.0, help="seconds per implementation and phase (default 3600)")
    matrix.add_argument("--jobs", type=_positive(int), default=0, help="implementations run at a time (default: the number of cores)")
    matrix.add_argument("--no-interop", action="store_true", help="skip the writer x reader interop suite")
    matrix.add_argument("--show", type=int, default=20, help="how many failures to list (default 20)")
    matrix.set_defaults(func=_matrix)

    report = commands.add_parser("report", help="render matrix.md and matrix.html again from a matrix's results.json")
    report.add_argument("results", metavar="RESULTS_JSON")
    report.add_argument("--out", metavar="DIR", help="where to write them (default: beside results.json)")
    report.set_defaults(func=_report)

    fixtures = commands.add_parser("fixtures", help="write the fixture corpus into DIR")
    fixtures.add_argument("dir", metavar="DIR")
    fixtures.add_argument("--cases", metavar="REGEX", type=_regex, help="only cases whose id matches")
    fixtures.set_defaults(func=_fixtures)

    adapters = commands.add_parser("adapters", help="list available adapters")
    adapters.set_defaults(func=_adapters)

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
