"""Expectations: known, triaged deviations of an implementation, as YAML.

::

    version: 1
    expectations:
      - implementation: zarr-python        # adapter name
        versions: ">=3.0,<3.2"             # optional PEP 440 specifier set
        tests: ["test_invalid_store_is_rejected[invalid-v2-dtype-no-byte-order]"]  # test ids; * and ? are wildcards
        requirements: [V2-022]
        reason: "accepts a v2 dtype without byte-order character"
        evidence: "zarr.open_array(...) returns int32 data"
        link: "https://github.com/zarr-developers/zarr-python/issues/NNNN"   # optional

A matching test is marked ``xfail``: its failure is expected, a pass is reported as
``xpass`` (a failure under ``--zarr-strict``).  Entries that match no collected test are
warned about.  ``zarr-conformance expectations RESULTS`` writes such a file from a run's
failures (:mod:`zarr_conformance.triage`).

An interop read, ``test_reads_store_written_by[WRITER/CASE]``, can name its writer by
pattern (``my-zarr-*/v3-*``); :func:`speaks_of_writer` tells whether an entry does, which
decides whether a matrix counts a failed read as a regression or as triage work.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from .runspec import INTEROP_READS, SHIPPED
from .stash import ADAPTER_KEY, RUNSPEC_KEY, STALE_KEY

if TYPE_CHECKING:
    from .adapters.base import Adapter

#: yaml.safe_load's loader, from libyaml when PyYAML has it (ten times faster, the same documents)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ExpectationsError(Exception):
    pass


@dataclass(frozen=True)
class Expectation:
    implementation: str
    tests: tuple[str, ...]
    reason: str
    requirements: tuple[str, ...] = ()
    versions: str | None = None
    evidence: str = ""
    link: str | None = None

    def applies_to(self, name: str, version: str) -> bool:
        if name != self.implementation:
            return False
        if not self.versions:
            return True
        try:
            return Version(version) in SpecifierSet(self.versions)
        except InvalidVersion:
            return False

    def matches(self, test_id: str) -> bool:
        return any(pattern_regex(pattern).fullmatch(test_id) for pattern in self.tests)


@cache
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A test-id pattern: ``*`` matches any run of characters, ``?`` one; brackets are literal."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


def load(source: str) -> tuple[str, list[Expectation]]:
    """Parse an expectations file ('shipped' for the kit's own); errors say what is wrong."""
    if source == SHIPPED:
        text = resources.files(__package__).joinpath("data/expectations.yaml").read_text(encoding="utf-8")
        label = "shipped expectations"
    else:
        text = Path(source).read_text(encoding="utf-8")
        label = source
    data = yaml.load(text, Loader=_SAFE_LOADER) or {}
    if not isinstance(data, dict) or not isinstance(data.get("expectations", []), list):
        raise ExpectationsError(f"{label}: expected a mapping with an 'expectations' list")
    out = []
    for position, entry in enumerate(data.get("expectations") or []):
        where = f"{label}: expectations[{position}]"
        if not isinstance(entry, dict):
            raise ExpectationsError(f"{where}: must be a mapping")
        missing = [k for k in ("implementation", "tests", "reason") if k not in entry]
        if missing:
            raise ExpectationsError(f"{where}: lacks {missing}")
        unknown = set(entry) - {"implementation", "tests", "reason", "requirements", "versions", "evidence", "link"}
        if unknown:
            raise ExpectationsError(f"{where}: unknown keys {sorted(unknown)}")
        tests = entry["tests"] if isinstance(entry["tests"], list) else [entry["tests"]]
        if entry.get("versions"):
            try:
                SpecifierSet(entry["versions"])
            except Exception as exc:
                raise ExpectationsError(f"{where}: versions {entry['versions']!r}: {exc}") from exc
        out.append(
            Expectation(
                implementation=entry["implementation"],
                tests=tuple(tests),
                reason=entry["reason"],
                requirements=tuple(entry.get("requirements", ())),
                versions=entry.get("versions"),
                evidence=entry.get("evidence", ""),
                link=entry.get("link"),
            )
        )
    return label, out


def _split(test_id: str) -> tuple[str, str]:
    function, _, rest = test_id.partition("[")
    return function, rest[:-1] if rest.endswith("]") else rest


#: test functions collected only in some runs (the interop phases); an entry for them is
#: out of scope of a run without them
PHASED_FUNCTIONS = ("test_writes_store_for_interop", "test_reads_store_written_by")


def writer_pattern(pattern: str) -> str | None:
    """The writer part of a pattern for interop reads (``*`` when it matches any writer), or None for other tests."""
    function, param = _split(pattern)
    if not pattern_regex(function).fullmatch(INTEROP_READS):
        return None
    if not param:
        return "*" if function.endswith("*") else None
    return param.partition("/")[0] or None


def speaks_of_writer(entry: Expectation, writer: str, by_name: bool = False) -> bool:
    """Whether one of the entry's patterns is for interop reads of stores ``writer`` (a label) wrote.

    With ``by_name``, only a pattern that names the writer counts (``my-zarr-*/...``),
    not one for every writer (``*/CASE``).
    """
    for pattern in entry.tests:
        part = writer_pattern(pattern)
        if part is None or (by_name and not part.strip("*?")):
            continue
        if pattern_regex(part).fullmatch(writer):
            return True
    return False


def in_scope(entry: Expectation, test_ids: list[str], filtered: bool = False) -> bool:
    """Whether a run of ``test_ids`` should have matched ``entry``.

    Out of scope are patterns for the interop tests in a run without that phase and,
    when the run was filtered to some cases (``filtered``), patterns for other cases.
    Everything else is in scope, so a renamed test or case shows up as a stale entry.
    """
    functions = {_split(t)[0] for t in test_ids}
    params = {_split(t)[1] for t in test_ids}
    for pattern in entry.tests:
        function, param = _split(pattern)
        regex = pattern_regex(function)
        ran = any(regex.fullmatch(f) for f in functions)
        if not ran and any(regex.fullmatch(f) for f in PHASED_FUNCTIONS):
            continue
        if filtered and param and not any(pattern_regex(param).fullmatch(p) for p in params):
            continue
        return True
    return False


def stale_entries(
    entries: list[Expectation], name: str, version: str, test_ids: list[str], filtered: bool = False
) -> list[Expectation]:
    """Entries for this implementation and version that are in scope of the run but match none of ``test_ids``."""
    return [
        entry
        for entry in entries
        if entry.applies_to(name, version)
        and in_scope(entry, test_ids, filtered)
        and not any(entry.matches(test_id) for test_id in test_ids)
    ]


def describe(expectation: Expectation) -> str:
    link = f" ({expectation.link})" if expectation.link else ""
    reqs = f" [{', '.join(expectation.requirements)}]" if expectation.requirements else ""
    return f"{expectation.reason}{reqs}{link}"


def load_all(sources: list[str]) -> tuple[str, list[Expectation]]:
    """Several expectations files as one (``shipped`` is the kit's own): their entries in order."""
    labels, entries = [], []
    for source in dict.fromkeys(sources):
        label, found = load(source)
        labels.append(label)
        entries.extend(found)
    return " + ".join(labels), entries


class ExpectationsPlugin:
    """Marks the tests an expectation matches as ``xfail``; entries matching none go into the stash (``STALE_KEY``)."""

    def __init__(self, sources: list[str], strict: bool = False) -> None:
        self.strict = strict
        try:
            self.label, self.entries = load_all(sources)
        except (ExpectationsError, OSError, yaml.YAMLError) as exc:
            raise pytest.UsageError(f"--zarr-expect: {exc}") from exc
        self.used: set[int] = set()
        self.names: list[str] = []
        self.bound: dict[tuple[str, str], list[tuple[int, Expectation]]] = {}

    def _active(self, adapter: Adapter) -> list[tuple[int, Expectation]]:
        return [(i, e) for i, e in enumerate(self.entries) if e.applies_to(adapter.name, adapter.version())]

    def _mark(self, active: list[tuple[int, Expectation]], test_id: str) -> pytest.MarkDecorator | None:
        for index, entry in active:
            if entry.matches(test_id):
                self.used.add(index)
                return pytest.mark.xfail(reason=describe(entry), strict=self.strict)
        return None

    def _stale(self, config: pytest.Config, active: list[tuple[int, Expectation]]) -> list[Expectation]:
        filtered = bool(config.stash[RUNSPEC_KEY].cases)
        found = [e for i, e in active if i not in self.used and in_scope(e, self.names, filtered=filtered)]
        config.stash.setdefault(STALE_KEY, []).extend(found)
        return found

    def _warning(self, entry: Expectation) -> str:
        return f"{self.label}: expectation for {entry.implementation} matches no collected test: {list(entry.tests)}"

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        self.names = [item.name for item in items]
        adapter = config.stash.get(ADAPTER_KEY, None)
        if adapter is None:
            return  # a bound template class: its adapter is known once a test asks for it (see mark_bound)
        active = self._active(adapter)
        for item in items:
            mark = self._mark(active, item.name)
            if mark is not None:
                item.add_marker(mark)
        for entry in self._stale(config, active):
            warnings.warn(self._warning(entry), pytest.PytestWarning, stacklevel=1)

    def mark_bound(self, request: pytest.FixtureRequest, adapter: Adapter) -> None:
        """Mark one test of a bound template class, whose adapter is its ``zarr_adapter`` fixture."""
        key = (adapter.name, adapter.version())
        if key not in self.bound:
            self.bound[key] = self._active(adapter)
        mark = self._mark(self.bound[key], request.node.name)
        if mark is not None:
            request.applymarker(mark)  # evaluated by pytest once the test has run

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        stale = [entry for active in self.bound.values() for entry in self._stale(config, active)]
        if stale:
            terminalreporter.write_sep("=", "zarr-conformance: stale expectations", yellow=True)
            for entry in stale:
                terminalreporter.write_line(self._warning(entry))
