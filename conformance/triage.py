"""``zarr-conformance expectations RESULTS``: an expectations file from a results file.

Every failing test of one implementation becomes an exact entry (its test id, interop
reads included), grouped by the requirements the tests check, with a reason to fill in
and the first line of what was observed as evidence. An existing file is updated: its
entries are kept as written (reasons, links, comments) and only the failures none of
them covers are added. Entries whose patterns match tests that passed are reported:
under ``--zarr-strict`` each would be an unexpected pass.

The written file is loaded back with :func:`~zarr_conformance.expectations.load`, and
every failing test must be expected and no passing test matched by a new entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from .expectations import Expectation, ExpectationsError, load
from .outcomes import UNEXPECTED, Outcome

#: what a generated entry says until someone triages it
PLACEHOLDER = "TODO: triage (a deviation of the implementation: add a link; a bug of the kit: report it)"

_PASSED = (Outcome.PASS, Outcome.XPASS)
_HEADER = (
    "# Known deviations, for zarr-conformance --zarr-expect / --expect (format: see\n"
    "# zarr_conformance/expectations.py). Entries written by `zarr-conformance expectations`\n"
    "# list exact test ids and need a reason and a link each.\n"
)


class TriageError(Exception):
    """The results or the expectations file cannot be used; the message says why."""


@dataclass(frozen=True)
class Subject:
    """The implementation whose results are turned into expectations."""

    name: str
    version: str
    label: str
    failing: dict[str, dict[str, Any]]  # test id -> its result record
    passing: list[str]


@dataclass
class Findings:
    """What the command did: the entries it added, and what the existing file gets wrong."""

    added: list[Expectation] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # failing tests no entry covers (--check)
    matches_passing: list[tuple[Expectation, str, list[str]]] = field(default_factory=list)  # entry, pattern, tests
    notes: list[str] = field(default_factory=list)


def subject(document: dict[str, Any], impl: str | None) -> Subject:
    """The implementation of a run's results, or the one ``impl`` names (spec, name or label) in a matrix's."""
    from .documents import MATRIX

    records = document["results"]
    if document["schema"] == MATRIX:
        impls = [i for i in document["implementations"] if not i["reference"] and i["name"]]
        if impl is None:
            if len(impls) != 1:
                choices = ", ".join(sorted({i["name"] for i in impls})) or "none"
                raise TriageError(f"the results hold several implementations; choose one with --impl ({choices})")
            chosen = impls[0]
        else:
            found = [i for i in impls if impl in (i["spec"], i["label"])] or [i for i in impls if i["name"] == impl]
            if len(found) != 1:
                choices = "; ".join(f"{i['spec']} ({i['label']})" for i in impls) or "none"
                why = "names several" if found else "names none"
                raise TriageError(f"--impl {impl} {why} of the implementations in the results: {choices}")
            chosen = found[0]
        name, version, label = chosen["name"], chosen["version"] or "", chosen["label"]
        records = [r for r in records if r.get("spec") == chosen["spec"]]
    else:
        info = document.get("implementation") or {}
        name = info.get("name") or next((r["implementation"] for r in records if r.get("implementation")), None)
        version = info.get("version") or next((r["version"] for r in records if r.get("version")), "") or ""
        if not name:
            raise TriageError("the results do not name their implementation")
        if impl is not None and impl != name:
            raise TriageError(f"--impl {impl}: these results are of {name}")
        label = f"{name} {version}".strip()
    failing = {r["test_id"]: r for r in records if Outcome(r["outcome"]) in UNEXPECTED}
    passing = [r["test_id"] for r in records if Outcome(r["outcome"]) in _PASSED]
    return Subject(name, version, label, failing, passing)


def default_versions(version: str) -> str | None:
    """``>=VERSION``: entries carry over to later releases, where a fixed one shows as an unexpected pass."""
    try:
        Version(version)
    except InvalidVersion:
        return None
    return f">={version}"


def new_entries(who: Subject, existing: list[Expectation], versions: str | None) -> list[Expectation]:
    """Entries for the failures no applicable existing entry covers, one per requirement broken.

    A deviation usually fails every test of a case, so the failures of a case go together
    and the entry names the requirements all of them check; cases that come to the same
    requirements share an entry.
    """
    active = [e for e in existing if e.applies_to(who.name, who.version)]
    by_case: dict[str, list[str]] = {}
    for test_id, record in who.failing.items():
        if not any(e.matches(test_id) for e in active):
            by_case.setdefault(record.get("case") or test_id, []).append(test_id)
    groups: dict[tuple[str, ...], list[str]] = {}
    for tests in by_case.values():
        shared = set.intersection(*(set(who.failing[t].get("requirements") or ()) for t in tests))
        groups.setdefault(tuple(sorted(shared)), []).extend(tests)
    out = []
    for requirements, tests in groups.items():
        message = who.failing[tests[0]].get("message") or ""
        first = message.splitlines()[0] if message else ""
        out.append(
            Expectation(
                implementation=who.name,
                tests=tuple(sorted(tests)),
                reason=PLACEHOLDER,
                requirements=requirements,
                versions=versions,
                evidence=f"{tests[0]}: {first[:300]}" if first else "",
            )
        )
    return out


def render(entries: Iterable[Expectation], indent: str = "  ") -> str:
    """Entries as block YAML items; every string a JSON-quoted scalar, so ids stay as they are."""

    def q(value: str) -> str:
        return json.dumps(value)

    lines = []
    for entry in entries:
        lines.append("")
        lines.append(f"{indent}- implementation: {q(entry.implementation)}")
        more = indent + "  "
        if entry.versions:
            lines.append(f"{more}versions: {q(entry.versions)}")
        lines.append(f"{more}tests:")
        lines += [f"{more}  - {q(t)}" for t in entry.tests]
        if entry.requirements:
            lines.append(f"{more}requirements: [{', '.join(q(r) for r in entry.requirements)}]")
        lines.append(f"{more}reason: {q(entry.reason)}")
        if entry.evidence:
            lines.append(f"{more}evidence: {q(entry.evidence)}")
        lines.append(f"{more}link: null")
    return "\n".join(lines) + "\n"


def _append(text: str, entries: list[Expectation]) -> str | None:
    """``text`` with ``entries`` at the end of its ``expectations`` list; None when its layout does not allow it."""
    lines = text.splitlines()
    keys = [i for i, line in enumerate(lines) if line and not line[0].isspace() and not line.startswith(("#", "-"))]
    starts = [i for i in keys if lines[i].split("#")[0].rstrip() in ("expectations:", "expectations: []")]
    if len(starts) != 1 or starts[0] != keys[-1]:
        return None  # the list is not the last top-level member
    start = starts[0]
    if lines[start].split("#")[0].rstrip() == "expectations: []":
        lines[start] = "expectations:"
    items = [line for line in lines[start + 1 :] if line.lstrip().startswith("- ")]
    indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
    return "\n".join(lines).rstrip("\n") + "\n" + render(entries, indent)


def write(path: Path | None, who: Subject, versions: str | None, stream: TextIO) -> Findings:
    """Write (``path`` None: print) or update the expectations for ``who``; returns what was done and found."""
    done = Findings()
    existing: list[Expectation] = []
    text = ""
    if path is not None and path.exists():
        text = path.read_text(encoding="utf-8")
        existing = _load(path)
        done.matches_passing = matching_passing(existing, who)
    done.added = new_entries(who, existing, versions)
    if not text.strip():
        output = _HEADER + "version: 1\nexpectations:\n" + render(done.added)
    elif not done.added:
        output = text
    else:
        appended = _append(text, done.added)
        output = appended if appended is not None and _same(appended, existing, done.added) else ""
        if not output:
            data = yaml.safe_load(text)
            data["expectations"] = list(data.get("expectations") or []) + [_plain(e) for e in done.added]
            output = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
            done.notes.append("the file was rewritten in full: its comments are lost")
    if path is None:
        stream.write(output)
        written = _parse(output, "<stdout>")
    else:
        if output != text:
            path.write_text(output, encoding="utf-8")
        written = _load(path)
    check_round_trip(written, who, existing)
    return done


def check(path: Path, who: Subject) -> Findings:
    """``--check``: the failing tests the file does not cover, and its entries that match passing tests."""
    entries = _load(path)
    active = [e for e in entries if e.applies_to(who.name, who.version)]
    done = Findings(matches_passing=matching_passing(entries, who))
    done.uncovered = [t for t in who.failing if not any(e.matches(t) for e in active)]
    return done


def matching_passing(entries: list[Expectation], who: Subject) -> list[tuple[Expectation, str, list[str]]]:
    """Per pattern of an entry that applies to ``who``: the tests it matches that passed."""
    out = []
    for entry in entries:
        if not entry.applies_to(who.name, who.version):
            continue
        for pattern in entry.tests:
            hit = [t for t in who.passing if Expectation(entry.implementation, (pattern,), "").matches(t)]
            if hit:
                out.append((entry, pattern, hit))
    return out


def check_round_trip(written: list[Expectation], who: Subject, before: list[Expectation]) -> None:
    """The kit's own loader reads the file back: every failure expected, no new entry matching a passing test."""
    active = [e for e in written if e.applies_to(who.name, who.version)]
    missed = [t for t in who.failing if not any(e.matches(t) for e in active)]
    if missed:
        raise TriageError(f"the written file does not expect {len(missed)} failing tests, e.g. {missed[0]}")
    new = active[len([e for e in before if e.applies_to(who.name, who.version)]) :]
    stray = [t for t in who.passing if any(e.matches(t) for e in new)]
    if stray:
        raise TriageError(f"a written entry matches {len(stray)} passing tests, e.g. {stray[0]}")


def _same(text: str, before: list[Expectation], added: list[Expectation]) -> bool:
    try:
        return _parse(text, "") == before + added
    except TriageError:
        return False


def _parse(text: str, label: str) -> list[Expectation]:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "expectations.yaml"
        path.write_text(text, encoding="utf-8")
        return _load(path, label)


def _load(path: Path, label: str | None = None) -> list[Expectation]:
    try:
        return load(str(path))[1]
    except (ExpectationsError, yaml.YAMLError, OSError) as exc:
        raise TriageError(str(exc).replace(str(path), label) if label is not None else str(exc)) from exc


def _plain(entry: Expectation) -> dict[str, Any]:
    out: dict[str, Any] = {"implementation": entry.implementation}
    if entry.versions:
        out["versions"] = entry.versions
    out |= {"tests": list(entry.tests), "requirements": list(entry.requirements), "reason": entry.reason}
    if entry.evidence:
        out["evidence"] = entry.evidence
    out["link"] = entry.link
    return out


def check_versions(versions: str) -> None:
    try:
        SpecifierSet(versions)
    except Exception as exc:
        raise TriageError(f"--versions {versions!r}: {exc}") from exc
