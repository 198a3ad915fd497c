"""Outcomes of a test and the record of one result, as data.

What a test found travels from the test to the reports as typed values: the
:class:`Outcome`, and the facts behind it (the capabilities an unsupported test
needed, whether an interop read failed because of the writer, what kind of failure
it was) as pytest ``user_properties`` under the :class:`Property` keys. The
exceptions :class:`Unsupported` and :class:`WriterAtFault` carry those facts from
a test to the plugin, which records them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import pytest


class Outcome(StrEnum):
    """What one test came to."""

    PASS = "pass"  # the implementation did what the spec requires
    FAIL = "fail"  # it did not
    UNSUPPORTED = "unsupported"  # the test needs a capability the adapter does not claim
    XFAIL = "xfail"  # a known deviation (the expectations), or a read that failed on a non-conforming writer's store
    XPASS = "xpass"  # expected to fail, but passed
    TIMEOUT = "timeout"  # an adapter call did not return within its time budget
    CRASH = "crash"  # the worker died or broke the protocol
    ERROR = "error"  # the test itself could not run
    SKIP = "skip"  # skipped for another reason


#: the outcomes that fail a run (an unexpected pass does too, under ``--strict``)
UNEXPECTED = frozenset({Outcome.FAIL, Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASH})

#: the kinds of failure a check tells apart: a wrong answer, a hang, a dead worker
FAILURE_KINDS = (Outcome.FAIL, Outcome.TIMEOUT, Outcome.CRASH)

#: the order in which summaries list outcomes
ORDER = (
    Outcome.PASS,
    Outcome.FAIL,
    Outcome.XFAIL,
    Outcome.XPASS,
    Outcome.UNSUPPORTED,
    Outcome.TIMEOUT,
    Outcome.CRASH,
    Outcome.ERROR,
    Outcome.SKIP,
)


class Property:
    """The keys of the kit's entries in a test's ``user_properties``; each value is plain data."""

    SUITE = "zarr_suite"  # str
    CASE = "zarr_case"  # str | None
    REQUIREMENTS = "zarr_requirements"  # list[str]
    FEATURES = "zarr_features"  # list[str]
    WRITER = "zarr_writer"  # str: interop reads, the writer's label
    FAILURE_KIND = "zarr_failure_kind"  # str: one of FAILURE_KINDS
    UNSUPPORTED_BECAUSE = "zarr_unsupported_because"  # list[str]: the capabilities not claimed
    WRITER_AT_FAULT = "zarr_writer_at_fault"  # bool


def unsupported_message(missing: Iterable[str]) -> str:
    """What an unsupported test says, for people (the capabilities themselves are a field)."""
    return "the adapter does not claim: " + "; ".join(missing)


class Unsupported(pytest.skip.Exception):  # type: ignore[name-defined]  # pytest's public alias of Skipped
    """The test needs capabilities the adapter does not claim; ``missing`` names them."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = list(missing)
        super().__init__(msg=unsupported_message(self.missing), pytrace=False)


class WriterAtFault(pytest.xfail.Exception):  # type: ignore[name-defined]  # pytest's public alias of XFailed
    """An interop read failed on a store the reference found non-conforming: an expected failure, the writer's."""

    def __init__(self, writer: str, message: str, kind: Outcome = Outcome.FAIL) -> None:
        self.writer = writer
        self.kind = kind  # the kind of the reader's failure
        super().__init__(msg=message, pytrace=False)


@dataclass(frozen=True)
class Result:
    """One test's result, as ``results.json`` holds it (schema version 2)."""

    test_id: str  # function[parameters]: what expectations match
    nodeid: str
    suite: str
    case: str | None
    requirements: list[str]
    features: list[str]
    implementation: str | None
    version: str | None
    phase: str | None  # the test phase that decided the outcome: setup, call or teardown (None: converted from v1)
    outcome: Outcome
    failure_kind: Outcome | None = None  # fail, timeout or crash, when a check failed (also under an xfail)
    unsupported_because: list[str] = field(default_factory=list)
    writer: str | None = None
    writer_at_fault: bool = False
    message: str = ""
    duration: float = 0.0
    spec: str | None = None  # matrix only: the --impl value that ran it
    reproduce: str | None = None  # matrix only: a command that runs this test again

    @property
    def unexpected(self) -> bool:
        return self.outcome in UNEXPECTED

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``spec`` and ``reproduce`` only when set (the matrix sets them)."""
        out = asdict(self)
        for key in ("spec", "reproduce"):
            if out[key] is None:
                del out[key]
        return out

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Result:
        """A record of schema version 2."""
        kind = record.get("failure_kind")
        return cls(
            test_id=record["test_id"],
            nodeid=record["nodeid"],
            suite=record["suite"],
            case=record.get("case"),
            requirements=list(record.get("requirements") or []),
            features=list(record.get("features") or []),
            implementation=record.get("implementation"),
            version=record.get("version"),
            phase=record.get("phase"),
            outcome=Outcome(record["outcome"]),
            failure_kind=Outcome(kind) if kind else None,
            unsupported_because=list(record.get("unsupported_because") or []),
            writer=record.get("writer"),
            writer_at_fault=bool(record.get("writer_at_fault")),
            message=record.get("message", ""),
            duration=float(record.get("duration", 0.0)),
            spec=record.get("spec"),
            reproduce=record.get("reproduce"),
        )
