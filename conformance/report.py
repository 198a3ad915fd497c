"""Reports of a matrix run: ``matrix.md`` and a self-contained ``matrix.html``.

Both show the same three tables, computed here once from ``results.json``:

* **features**: one row per feature or spec area (formats, layouts, each codec, data type
  families, fill value forms, groups, invalid input), one column per implementation;
  a cell is ``passed/total`` over the tests the implementation supports, or
  ``unsupported`` when it claims none of them;
* **requirements** (traceability): one row per requirement of the catalogue with its
  level, one column per implementation; a cell is ``passed/total`` over the tests that
  check that requirement (interop reads included);
* **interop**: one row per writer (the kit's reference writer first), one column per
  reader (the reference reader first); a cell is ``passed/total`` over the stores the
  writer wrote that the reader supports.

A cell's status: ``ok`` (all passed), ``known`` (only known deviations, recorded in
the expectations), ``writer`` (failures only on stores the reference found non-conforming),
``bad`` (an unexpected failure, crash or timeout), ``unsupported``, or ``none``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .documents import counted_apart, label_of, triage_tests
from .features import sort_key
from .interop import REFERENCE_WRITER
from .outcomes import UNEXPECTED, Outcome
from .requirements import catalogue

ALL_TESTS = "all tests"
WRITER = "writer"  # a cell's count of expected failures owed to a non-conforming writer's store
TRIAGE = "triage"  # a cell's count of a new adapter's interop failures no expectation speaks of (not under --strict)


@dataclass
class Cell:
    counts: Counter = field(default_factory=Counter)
    details: list[int] = field(default_factory=list)  # indices into the detail list (non-passing results)
    unsupported: Counter = field(default_factory=Counter)  # reason -> count

    def add(self, outcome: str, index: int | None, unsupported_because: Sequence[str] = ()) -> None:
        self.counts[outcome] += 1
        if outcome == Outcome.UNSUPPORTED:
            self.unsupported["; ".join(unsupported_because)] += 1
        elif outcome not in ("pass", "skip") and index is not None:
            self.details.append(index)

    @property
    def total(self) -> int:
        return sum(n for outcome, n in self.counts.items() if outcome not in ("unsupported", "skip"))

    @property
    def passed(self) -> int:
        return self.counts["pass"] + self.counts["xpass"]

    @property
    def status(self) -> str:
        if self.total == 0:
            return "unsupported" if self.counts["unsupported"] else "none"
        if any(self.counts[o] for o in UNEXPECTED):
            return "bad"
        if self.counts[TRIAGE]:
            return TRIAGE
        if self.counts["xfail"] or self.counts["xpass"]:
            return "known"  # known deviations, or expectations that no longer hold (xpass)
        if self.counts["writer"]:
            return "writer"
        return "ok" if self.passed == self.total else "known"

    @property
    def text(self) -> str:
        if self.total == 0:
            return "unsupported" if self.counts["unsupported"] else "–"
        return f"{self.passed}/{self.total}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "status": self.status,
            "counts": dict(self.counts),
            "details": self.details,
            "unsupported": dict(self.unsupported.most_common()),
        }


@dataclass
class Table:
    title: str
    corner: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Cell]
    row_notes: dict[str, str] = field(default_factory=dict)  # a row's explanation (tooltip, second column in Markdown)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column)) or Cell()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "corner": self.corner,
            "rows": self.rows,
            "columns": self.columns,
            "cells": [[self.cell(r, c).to_dict() for c in self.columns] for r in self.rows],
        }


def _outcome(record: dict[str, Any], untriaged: set[tuple[str, str]]) -> str:
    """``writer`` for an expected failure that the reader owes to a non-conforming store;
    ``triage`` for a failure the document lists as needing triage."""
    if record["outcome"] == Outcome.XFAIL and record["writer_at_fault"]:
        return WRITER
    if record["outcome"] in UNEXPECTED and (record["spec"], record["test_id"]) in untriaged:
        return TRIAGE
    return record["outcome"]


@dataclass
class Tables:
    features: Table
    interop: Table
    requirements: Table
    unchecked: list[str]  # catalogue requirements no test of the run checks
    details: list[dict[str, Any]]  # every non-passing result; cells refer to it by index


def build_tables(document: dict[str, Any]) -> Tables:
    """The three tables and the details of every non-passing result, in one pass over the results."""
    known = catalogue()
    impls = [i for i in document["implementations"] if not i["reference"]]
    labels = label_of(document)
    row_of = {
        w["label"]: ("reference writer" if w["label"] == REFERENCE_WRITER else f"{w['name']} {w['version']}")
        for w in document["interop"]["writers"]
        if w["stores"]
    }  # a read-only implementation writes nothing
    details: list[dict[str, Any]] = []
    features: dict[tuple[str, str], Cell] = defaultdict(Cell)
    interop: dict[tuple[str, str], Cell] = defaultdict(Cell)
    requirements: dict[tuple[str, str], Cell] = defaultdict(Cell)
    rows: set[str] = set()
    tested = {i["spec"] for i in impls}  # the reference reader has no feature or requirement column
    untriaged = counted_apart(document.get("needs_triage") or [], document.get("strict", False))
    for record in document["results"]:
        outcome = _outcome(record, untriaged)
        because = record["unsupported_because"]
        index = None
        if outcome not in ("pass", "skip", "unsupported"):
            index = len(details)
            details.append(
                {
                    key: record.get(key)
                    for key in (
                        "test_id",
                        "case",
                        "suite",
                        "implementation",
                        "version",
                        "writer",
                        "requirements",
                        "message",
                        "reproduce",
                    )
                }
                | {"outcome": outcome, "column": labels.get(record["spec"], record["spec"])}
            )
        column = labels.get(record["spec"], record["spec"])
        if record["spec"] in tested:
            for requirement in record.get("requirements") or []:
                requirements[(requirement, column)].add(outcome, index, because)
        if record.get("writer"):
            interop[(row_of.get(record["writer"], record["writer"]), column)].add(outcome, index, because)
            continue
        for label in record.get("features") or []:
            rows.add(label)
            features[(label, column)].add(outcome, index, because)
        features[(ALL_TESTS, column)].add(outcome, index, because)
    columns = [i["label"] for i in impls]
    feature_table = Table(
        "Features and spec areas", "feature", sorted(rows, key=sort_key) + [ALL_TESTS], columns, dict(features)
    )
    writers = sorted(row_of.values(), key=lambda w: (w != "reference writer", w))
    readers = [labels[i["spec"]] for i in document["implementations"] if i["reference"]] + columns
    interop_table = Table(
        "Interop: can the reader (column) read what the writer (row) wrote?",
        "writer \\ reader",
        writers,
        readers,
        dict(interop),
    )
    checked = {requirement for requirement, _ in requirements}
    requirement_rows = [r for r in known if r in checked]
    requirement_table = Table(
        "Requirements: the tests that check each rule",
        "requirement",
        requirement_rows,
        columns,
        dict(requirements),
        {r: f"{known[r].level}: {known[r].summary}" for r in requirement_rows},
    )
    return Tables(feature_table, interop_table, requirement_table, [r for r in known if r not in checked], details)


def implementation_summary(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per implementation: its outcome counts (writer faults apart), known deviations, unexpected results, runs.

    Interop failures that need triage count as unexpected only under ``--strict``.
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    untriaged = counted_apart(document.get("needs_triage") or [], document.get("strict", False))
    for record in document["results"]:
        counts[record["spec"]][_outcome(record, untriaged)] += 1
    triage = {t["spec"]: len(t["tests"]) for t in document.get("needs_triage") or []}
    out = []
    for impl in document["implementations"]:
        mine = counts[impl["spec"]]
        out.append(
            {
                "label": impl["label"],
                "spec": impl["spec"],
                "counts": mine,
                "tests": sum(mine.values()),
                "known": mine[Outcome.XFAIL] + mine[Outcome.XPASS] + mine[WRITER],
                "unexpected": sum(mine[o] for o in UNEXPECTED),
                "needs_triage": triage.get(impl["spec"], 0),
                "runs": impl["runs"],
            }
        )
    return out


def requirement_texts(details: list[dict[str, Any]]) -> dict[str, str]:
    known = catalogue()
    ids = sorted({r for d in details for r in d.get("requirements") or []})
    return {
        i: f"{known[i].level}: {known[i].summary} ({known[i].document} § {known[i].section})" for i in ids if i in known
    }


# ---- Markdown -------------------------------------------------------------------------------

_MARK = {"ok": "", "known": " ◐", "writer": " ◑", "triage": " ?", "bad": " ✗", "unsupported": "", "none": ""}

HTML_LEGEND = (
    "Cells read passed/total over the tests the implementation supports; unsupported: it claims none of "
    "them. Known deviations are recorded in the expectations with the requirement they break."
)
LEGEND = (
    "`passed/total` over the tests the implementation supports; `unsupported`: it claims none of them. "
    "◐ only known deviations (recorded in the expectations, with the requirement broken); "
    "◑ failures caused by a non-conforming store of the writer; ? a new reader's or writer's interop failures, "
    "to triage into its expectations; ✗ unexpected failures, crashes or timeouts."
)


def _md_table(table: Table, notes: bool = False) -> list[str]:
    extra = " level |" if notes else ""
    lines = [
        f"| {table.corner} |{extra} " + " | ".join(table.columns) + " |",
        "|---" * (len(table.columns) + 1 + int(notes)) + "|",
    ]
    for row in table.rows:
        cells = [table.cell(row, c) for c in table.columns]
        level = f" {table.row_notes.get(row, '').split(':')[0]} |" if notes else ""
        lines.append(f"| {row} |{level} " + " | ".join(f"{c.text}{_MARK[c.status]}" for c in cells) + " |")
    return lines


def render_markdown(document: dict[str, Any]) -> str:
    tables = build_tables(document)
    features, interop, details = tables.features, tables.interop, tables.details
    out = [
        "# Zarr compatibility matrix",
        "",
        f"zarr-conformance {document['kit_version']}, {document['created']}; expectations: {document['expectations']}"
        f"{' (strict)' if document['strict'] else ''}; {document['duration']:.0f} s.",
        "",
    ]
    out += [
        "| implementation | run as | tests | pass | known deviations | unexpected | unsupported |",
        "|---|---|---|---|---|---|---|",
    ]
    for impl in implementation_summary(document):
        out.append(
            f"| {impl['label']} | `{impl['spec']}` | {impl['tests']} | {impl['counts']['pass']} | {impl['known']} | "
            f"{impl['unexpected']} | {impl['counts']['unsupported']} |"
        )
    out += ["", f"## {features.title}", "", LEGEND, ""] + _md_table(features)
    out += [
        "",
        "## Interop",
        "",
        "Each writer (row) wrote every case it supports; each reader (column) read every store, and its metadata "
        "and values were compared with the case, not with another implementation. The reference reader's column "
        "is the kit's verdict on the writer.",
        "",
    ] + _md_table(interop)
    if document["interop"]["writers"]:
        out += ["", "| writer | stores written | conforming (reference validator and reader) |", "|---|---|---|"]
        for writer in document["interop"]["writers"]:
            out.append(f"| {writer['label']} | {writer['stores']} | {writer['conforming']} |")
    requirements, unchecked = tables.requirements, tables.unchecked
    out += (
        [
            "",
            "## Requirement coverage",
            "",
            f"Each requirement of the catalogue that a test checks ({len(requirements.rows)}), with the "
            "outcome of those "
            f"tests per implementation. Not checked by any test in this run ({len(unchecked)}): "
            + (", ".join(unchecked) if unchecked else "none")
            + ".",
            "",
            "<details><summary>the table</summary>",
            "",
        ]
        + _md_table(requirements, notes=True)
        + ["", "</details>"]
    )
    triage = document.get("needs_triage") or []
    labels = label_of(document)
    # the failures that need triage are listed apart, under --strict too
    listed = {(labels.get(spec, spec), test_id) for spec, test_id in triage_tests(triage)}
    problems = [d for d in details if d["outcome"] in UNEXPECTED and (d["column"], d["test_id"]) not in listed]
    if problems or triage or document["incomplete_runs"] or document["stale_expectations"]:
        out += ["", "## Needs attention", ""]
        out += [f"- incomplete run: {run}" for run in document["incomplete_runs"]]
        out += [
            f"- {t['implementation']}: {len(t['tests'])} interop failures need triage"
            f"{'' if document['strict'] else ' (they fail the run under --strict)'}; "
            f"their expectations, to fill in: `{t['command']}`"
            for t in triage
        ]
        out += [
            f"- stale expectation for {s['implementation']}: {', '.join(s['tests'])}"
            for s in document["stale_expectations"]
        ]
        for detail in problems[:50]:
            first = (detail["message"] or "").splitlines()[0] if detail["message"] else ""
            out.append(f"- {detail['column']}: `{detail['test_id']}` ({detail['outcome']}): {first}")
        if len(problems) > 50:
            out.append(f"- ... and {len(problems) - 50} more (matrix.html, results.json)")
    out += [
        "",
        "Details of every failing test, with messages, requirement IDs and how to reproduce: `matrix.html`; "
        "every result: `results.json`.",
        "",
    ]
    return "\n".join(out)


# ---- HTML -----------------------------------------------------------------------------------

# A cell's colour grade by the share of its tests that passed: the lower bound of each grade but the first and last,
# from "none passed" (0) to "all passed" (5). Known deviations count as not passing; a mark tells them apart.
GRADE_BOUNDS = (0.0, 0.5, 0.8, 0.95)
GRADE_NAMES = ("none passed", "under 50%", "50% to 79%", "80% to 94%", "95% to 99%", "100%")
_HTML_MARK = {"known": "◐", "writer": "◑", "triage": "?", "bad": "✗"}
_HTML_STATUS = {
    "ok": "all passed",
    "known": "every failure a known deviation",
    "writer": "every failure owed to a non-conforming store of the writer",
    "triage": "interop failures of a new reader or writer, to triage",
    "bad": "unexpected failures, crashes or timeouts",
}


def grade(cell: Cell) -> int | None:
    """0 (none passed) to 5 (all passed), or ``None`` for a cell without tests."""
    if cell.total == 0:
        return None
    if cell.passed == cell.total:
        return 5
    if cell.passed == 0:
        return 0
    fraction = cell.passed / cell.total
    return sum(fraction >= bound for bound in GRADE_BOUNDS)


def _describe(cell: Cell) -> str:
    """A cell as a screen reader says it: the fraction in words, then its mark."""
    if cell.total == 0:
        return "unsupported" if cell.counts["unsupported"] else "no tests"
    percent = int(100 * cell.passed / cell.total)
    return f"{cell.passed} of {cell.total} passed ({percent}% passed), {_HTML_STATUS[cell.status]}"


def render_html(document: dict[str, Any]) -> str:
    import jinja2

    tables = build_tables(document)
    features, interop, requirements, unchecked, details = (
        tables.features,
        tables.interop,
        tables.requirements,
        tables.unchecked,
        tables.details,
    )
    data = {
        "tables": [features.to_dict(), interop.to_dict(), requirements.to_dict()],
        "details": details,
        "requirements": requirement_texts(details),
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    template_text = resources.files(__package__).joinpath("data/matrix.html.j2").read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(template_text).render(
        document=document,
        tables=[features, interop, requirements],
        unchecked=unchecked,
        payload=payload,
        legend=HTML_LEGEND,
        summary=implementation_summary(document),
        writers=document["interop"]["writers"],
        grade=grade,
        grades=GRADE_NAMES,
        describe=_describe,
        marks=_HTML_MARK,
    )


def write_reports(document: dict[str, Any], out: Path) -> None:
    (out / "matrix.md").write_text(render_markdown(document), encoding="utf-8")
    (out / "matrix.html").write_text(render_html(document), encoding="utf-8")
