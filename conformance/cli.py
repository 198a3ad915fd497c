"""The ``zarr-conformance`` command.

* ``run --impl NAME``       run every suite against one implementation; one-screen summary;
                            exit 0 only if nothing failed unexpectedly
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

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0
        self.failed = 0
        self.records: dict[str, tuple[str, str, str]] = {}  # nodeid -> (suite, outcome, message)
        self.implementation = ""

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from .plugin import ADAPTER_KEY

        adapter = session.config.stash.get(ADAPTER_KEY, None)
        if adapter is not None:
            self.implementation = f"{adapter.name} {adapter.version()}"

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)

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
        if self.stream.isatty() and (self.done % 25 == 0 or self.done == self.total):
            self.stream.write(f"\r  {self.done}/{self.total} tests, {self.failed} failing")
            self.stream.flush()
            if self.done == self.total:
                self.stream.write("\n")


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


def _run(args: argparse.Namespace) -> int:
    summary = SummaryPlugin(sys.stderr)
    json_path = Path(args.json) if args.json else None
    pytest_args = ["--pyargs", "zarr_conformance", "--zarr-impl", args.impl, "-p", "no:terminal", "-p", "no:cacheprovider",
                   "--zarr-timeout", str(args.timeout)]
    if args.cases:
        pytest_args += ["--zarr-cases", args.cases]
    if args.cache_dir:
        pytest_args += ["--zarr-cache-dir", args.cache_dir]
    if args.expect != "none":
        pytest_args += ["--zarr-expect", args.expect]
    if json_path:
        pytest_args += ["--zarr-json", str(json_path)]
    if args.strict:
        pytest_args.append("--zarr-strict")
    if args.junit:
        pytest_args += ["--junitxml", args.junit]
    for case_file in args.case_file:
        pytest_args += ["--zarr-case-file", case_file]
    with tempfile.TemporaryDirectory(prefix="zarr-conformance-run-") as scratch:
        code = pytest.main(pytest_args + ["--rootdir", scratch, "-W", "ignore"], plugins=[summary])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        print(f"zarr-conformance: the run could not complete (pytest exit code {int(code)})", file=sys.stderr)
        return int(code)
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
        print(f"\nunexpected passes ({len(xpassed)}), expectations to review:")
        for test_id in xpassed[: args.show]:
            print(f"  {test_id}")
    if json_path:
        print(f"\nresults: {json_path}")
    print("\nOK: nothing failed unexpectedly" if not unexpected else f"\nFAILED: {len(unexpected)} unexpected failures")
    return 1 if unexpected else 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zarr-conformance", description="Conformance test kit for Zarr implementations.")
    parser.add_argument("--version", action="version", version=f"zarr-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run every suite against one implementation")
    run.add_argument("--impl", required=True, help="adapter: built-in name, entry-point name or package.module:Class")
    run.add_argument("--json", metavar="PATH", help="write versioned JSON results to PATH")
    run.add_argument("--cases", metavar="REGEX", help="only cases whose id matches")
    run.add_argument("--case-file", metavar="YAML", action="append", default=[], help="extra cases (repeatable)")
    run.add_argument("--expect", default="shipped", metavar="YAML", help="expectations file; 'shipped' (default) or 'none'")
    run.add_argument("--strict", action="store_true", help="a test expected to fail that passes is a failure")
    run.add_argument("--junit", metavar="PATH", help="also write JUnit XML for CI systems")
    run.add_argument("--cache-dir", metavar="DIR", help="fixture cache folder")
    run.add_argument("--timeout", type=float, default=60.0, help="seconds per adapter call (default 60)")
    run.add_argument("--show", type=int, default=20, help="how many failures to list (default 20)")
    run.set_defaults(func=_run)

    fixtures = commands.add_parser("fixtures", help="write the fixture corpus into DIR")
    fixtures.add_argument("dir", metavar="DIR")
    fixtures.add_argument("--cases", metavar="REGEX", help="only cases whose id matches")
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
