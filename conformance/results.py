"""Results as versioned JSON: one record per test (``--zarr-json PATH``).

Schema ``zarr-conformance/results`` version 2::

    {"schema": "zarr-conformance/results", "schema_version": 2,
     "kit_version": "...", "implementation": {"name", "version", "capabilities"},
     "summary": {"<outcome>": count, ...},
     "expectations": "...", "strict": bool, "stale_expectations": [...], "interop": {"writers": [...]},
     "results": [{"test_id", "nodeid", "suite", "case", "requirements", "features",
                  "implementation", "version", "phase", "outcome", "failure_kind",
                  "unsupported_because", "writer", "writer_at_fault", "message", "duration"}]}

A record is a :class:`~zarr_conformance.outcomes.Result`; the outcomes are
:class:`~zarr_conformance.outcomes.Outcome`. Version 1 (without ``phase``,
``failure_kind``, ``unsupported_because`` and ``writer_at_fault``) is read by
:mod:`zarr_conformance.documents`. ``implementation.spec`` (the ``--zarr-impl`` value),
``expectations``, ``strict``, ``stale_expectations`` and ``interop`` (the writers whose
folders an interop read phase read, as their manifests describe them) were added within
version 2: they let ``zarr-conformance report`` merge the files of separate runs into one
matrix.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import __version__
from .outcomes import Outcome, Property, Result, unsupported_message
from .stash import ADAPTER_KEY, BOUND_ADAPTER_KEY, EXPECTATIONS_LABEL_KEY, RUNSPEC_KEY, STALE_KEY

if TYPE_CHECKING:
    from .adapters.base import Adapter

SCHEMA = "zarr-conformance/results"
SCHEMA_VERSION = 2

_FAILURE_PREFIX = "zarr_conformance.checks.ConformanceFailure: "


def outcome_of(report: pytest.TestReport) -> Outcome:
    props: dict[str, Any] = dict(report.user_properties)
    if report.skipped:
        if hasattr(report, "wasxfail"):
            return Outcome.XFAIL
        return Outcome.UNSUPPORTED if props.get(Property.UNSUPPORTED_BECAUSE) else Outcome.SKIP
    if report.passed:
        return Outcome.XPASS if hasattr(report, "wasxfail") else Outcome.PASS
    kind = props.get(Property.FAILURE_KIND)
    if kind:
        return Outcome(kind)
    return Outcome.FAIL if report.when == "call" else Outcome.ERROR


def message_of(report: pytest.TestReport) -> str:
    if report.passed and not hasattr(report, "wasxfail"):
        return ""
    if hasattr(report, "wasxfail"):
        observed = ""  # what the known deviation looked like this time; a raised xfail carries its own message
        crash = getattr(report.longrepr, "reprcrash", None)
        raised = report.passed or dict(report.user_properties).get(Property.WRITER_AT_FAULT)
        if crash is not None and not raised and not crash.message.startswith("_pytest.outcomes.XFailed"):
            observed = crash.message.removeprefix(_FAILURE_PREFIX)
        return f"expected failure: {report.wasxfail}" + (f"\n{observed}" if observed else "")
    properties: dict[str, Any] = dict(report.user_properties)
    missing = properties.get(Property.UNSUPPORTED_BECAUSE)
    if missing:
        return unsupported_message(missing)
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else report.longreprtext
    return message.removeprefix(_FAILURE_PREFIX)


def result_of(report: pytest.TestReport, adapter: Adapter | None) -> Result:
    """The record of one phase's report."""
    props: dict[str, Any] = dict(report.user_properties)
    kind = props.get(Property.FAILURE_KIND)
    return Result(
        test_id=report.nodeid.split("::")[-1],
        nodeid=report.nodeid,
        suite=props.get(Property.SUITE, ""),
        case=props.get(Property.CASE),
        requirements=list(props.get(Property.REQUIREMENTS, [])),
        features=list(props.get(Property.FEATURES, [])),
        implementation=adapter.name if adapter else None,
        version=adapter.version() if adapter else None,
        phase=report.when,
        outcome=outcome_of(report),
        failure_kind=Outcome(kind) if kind else None,
        unsupported_because=list(props.get(Property.UNSUPPORTED_BECAUSE, [])),
        writer=props.get(Property.WRITER),
        writer_at_fault=bool(props.get(Property.WRITER_AT_FAULT)),
        message=message_of(report),
        duration=round(report.duration, 6),
    )


class Collector:
    """The result of each test: its first phase that did not pass (or its passing call)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, Result] = {}

    def add(self, report: pytest.TestReport) -> None:
        if report.passed and report.when != "call":
            return
        previous = self.records.get(report.nodeid)
        if previous is not None and previous.outcome not in (Outcome.PASS, Outcome.XPASS):
            return  # keep the first non-passing phase
        self.records[report.nodeid] = result_of(report, self.adapter)

    @property
    def adapter(self) -> Adapter | None:
        return self.config.stash.get(ADAPTER_KEY, None) or self.config.stash.get(BOUND_ADAPTER_KEY, None)


def writer_entry(folder: Path) -> dict[str, Any]:
    """A writer whose stores were read, as the matrix document lists it: its manifest's writer, and the verdicts."""
    from .interop import check_folder

    manifest = check_folder(folder)
    verdicts = [bool(store["conforms"]) for store in manifest["stores"].values()]
    return {**manifest["writer"], "folder": str(folder), "stores": len(verdicts), "conforming": sum(verdicts)}


class ResultsPlugin:
    """Writes the results document at the end of the session."""

    def __init__(self, config: pytest.Config, path: Path) -> None:
        self.collector = Collector(config)
        self.path = path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        adapter = self.collector.adapter
        spec = config.stash[RUNSPEC_KEY]
        results = [r.to_dict() for r in self.collector.records.values()]
        label = f"{adapter.name} {adapter.version()}" if adapter else "?"
        document: dict[str, Any] = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "kit_version": __version__,
            "implementation": {
                "name": adapter.name,
                "version": adapter.version(),
                "capabilities": adapter.capabilities.to_dict(),
                "spec": spec.impl,
            }
            if adapter
            else None,
            "summary": dict(Counter(r["outcome"] for r in results)),
            "expectations": config.stash.get(EXPECTATIONS_LABEL_KEY, "none"),
            "strict": spec.strict,
            "stale_expectations": [
                {"implementation": label, "tests": list(entry.tests), "reason": entry.reason}
                for entry in config.stash.get(STALE_KEY, [])
            ],
            "interop": {"writers": [writer_entry(Path(folder)) for folder in spec.interop_read]},
            "results": results,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
