"""Results as versioned JSON: one record per test (``--zarr-json PATH``).

Schema ``zarr-conformance/results`` version 1::

    {"schema": "zarr-conformance/results", "schema_version": 1,
     "kit_version": "...", "implementation": {"name", "version", "capabilities"},
     "summary": {"<outcome>": count, ...},
     "results": [{"test_id", "nodeid", "suite", "case", "requirements",
                  "implementation", "version", "outcome", "message", "duration"}]}

Outcomes: pass, fail, unsupported (capability not claimed), xfail (expected failure),
xpass (expected failure that passed), timeout, crash (the worker died or broke the protocol), error (the test itself could not run),
skip (skipped for another reason).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from . import __version__

SCHEMA = "zarr-conformance/results"
SCHEMA_VERSION = 1


def outcome_of(report: pytest.TestReport) -> str:
    if report.skipped:
        if hasattr(report, "wasxfail"):
            return "xfail"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "unsupported" if "unsupported: " in reason else "skip"
    if report.passed:
        return "xpass" if hasattr(report, "wasxfail") else "pass"
    kind = dict(report.user_properties).get("zarr_failure_kind")
    if kind:
        return kind
    return "fail" if report.when == "call" else "error"


def message_of(report: pytest.TestReport) -> str:
    if report.passed and not hasattr(report, "wasxfail"):
        return ""
    if hasattr(report, "wasxfail"):
        crash = getattr(report.longrepr, "reprcrash", None)  # what the known deviation looked like this time
        observed = crash.message.removeprefix("zarr_conformance.checks.ConformanceFailure: ") if crash else ""
        if observed.startswith("_pytest.outcomes.XFailed") or report.passed:  # pytest.xfail() itself; or an xpass
            observed = ""
        return f"expected failure: {report.wasxfail}" + (f"\n{observed}" if observed else "")
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else report.longreprtext
    return message.removeprefix("zarr_conformance.checks.ConformanceFailure: ")


class ResultsPlugin:
    def __init__(self, config: pytest.Config, path: Path) -> None:
        self.config = config
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown" and report.passed:
            return
        if report.when == "setup" and report.passed:
            return
        props = dict(report.user_properties)
        record = self.records.get(report.nodeid)
        if record is not None and record["outcome"] not in ("pass", "xpass"):
            return  # keep the first non-passing phase
        adapter = self._adapter()
        self.records[report.nodeid] = {
            "test_id": report.nodeid.split("::")[-1],
            "nodeid": report.nodeid,
            "suite": props.get("zarr_suite", ""),
            "case": props.get("zarr_case"),
            "requirements": props.get("zarr_requirements", []),
            "features": props.get("zarr_features", []),
            "writer": props.get("zarr_writer"),
            "implementation": adapter.name if adapter else None,
            "version": adapter.version() if adapter else None,
            "outcome": outcome_of(report),
            "message": message_of(report),
            "duration": round(report.duration, 6),
        }

    def _adapter(self):
        from .plugin import ADAPTER_KEY

        return self.config.stash.get(ADAPTER_KEY, None)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        adapter = self._adapter()
        results = list(self.records.values())
        document = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "kit_version": __version__,
            "implementation": {
                "name": adapter.name,
                "version": adapter.version(),
                "capabilities": adapter.capabilities.to_dict(),
            } if adapter else None,
            "summary": dict(Counter(r["outcome"] for r in results)),
            "results": results,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
