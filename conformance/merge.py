"""One matrix from the results files of many runs: ``zarr-conformance report A.json B.json ...``.

Each file is a single run's ``--json`` document (``zarr-conformance/results``) or a
matrix's ``results.json`` (``zarr-conformance/matrix``), as CI jobs that each ran one
implementation (or one phase of one) write them. Merging:

* checks every file against its schema, and refuses files of different schema versions;
* keys every result by the ``--impl`` value that ran it, implementation, version and test
  id: results that agree are kept once, results that disagree on the outcome are refused,
  naming each test and file;
* makes one column per implementation (the ``--impl`` value that ran it), the kit's
  reference reader apart, and one interop row per writer whose stores were read;
* records the files it read in ``sources``.

The merged document is a ``zarr-conformance/matrix`` document, rendered by
:func:`zarr_conformance.report.write_reports` like any other.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .documents import MATRIX, RESULTS, DocumentError, count_unexpected, load
from .matrix import REFERENCE, SCHEMA, SCHEMA_VERSION
from .outcomes import Result

Key = tuple[str, str | None, str | None, str]  # (--impl value, implementation, version, test id)


class MergeError(Exception):
    """The files cannot be merged into one matrix; the message names the files and tests."""


def merge_files(paths: Sequence[Path]) -> dict[str, Any]:
    """One matrix document from the results files at ``paths`` (a :class:`MergeError` saying why not)."""
    if not paths:
        raise MergeError("no results files given")
    loaded: list[Source] = []
    for path in paths:
        try:
            document = load(path)
        except DocumentError as exc:
            raise MergeError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from exc
        loaded.append(Source(Path(path), _written_version(path), document))
    versions = {source.version for source in loaded}
    if len(versions) > 1:
        listed = ", ".join(f"{source.path} (v{source.version})" for source in loaded)
        raise MergeError(f"the files are of different schema versions, which are not merged: {listed}")
    return merge_documents(loaded)


@dataclass(frozen=True)
class Source:
    """One results file: where it is, the schema version it was written in, and its document in the current one."""

    path: Path
    version: int
    document: dict[str, Any]


def _written_version(path: Path) -> int:
    """The schema version a file was written in (``load`` has checked it and converts older ones)."""
    return int(json.loads(Path(path).read_text(encoding="utf-8"))["schema_version"])


def merge_documents(loaded: Sequence[Source]) -> dict[str, Any]:
    """The merge of already loaded documents (each in the current version)."""
    implementations: dict[tuple[str, str | None], dict[str, Any]] = {}
    writers: dict[str, dict[str, Any]] = {}
    stale: list[dict[str, Any]] = []
    results: dict[Key, dict[str, Any]] = {}
    origin: dict[Key, Path] = {}
    conflicts: list[str] = []
    sources: list[dict[str, Any]] = []
    triage: list[dict[str, Any]] = []
    for source in loaded:
        path, document = source.path, source.document
        runs = _matrix_parts(document) if document["schema"] == MATRIX else [_run_part(document)]
        for entry, records in runs:
            column = (entry["spec"], entry["version"])
            known = implementations.setdefault(column, {**entry, "runs": []})
            known["runs"] += entry["runs"]
            for record in records:
                key = (entry["spec"], record["implementation"], record["version"], record["test_id"])
                record = {**record, "spec": column}
                record.setdefault("reproduce", "")
                previous = results.get(key)
                if previous is None:
                    results[key], origin[key] = record, path
                elif previous["outcome"] != record["outcome"]:
                    conflicts.append(
                        f"{key[1]} {key[2]} ({key[0]}): {key[3]}: {previous['outcome']} in {origin[key]}, "
                        f"{record['outcome']} in {path}"
                    )
        for writer in document.get("interop", {}).get("writers", []):
            writers.setdefault(writer["label"], writer)
        for entry in document.get("stale_expectations", []):
            if entry not in stale:
                stale.append(entry)
        for entry in document.get("needs_triage") or []:
            column = next(c for c in implementations if c[0] == entry["spec"])
            triage.append({**entry, "spec": column})
        sources.append(
            {
                "file": str(path),
                "schema": document["schema"],
                "schema_version": source.version,
                "kit_version": document.get("kit_version"),
                "results": len(document["results"]),
            }
        )
    if conflicts:
        shown = "\n  ".join(conflicts[:20]) + (f"\n  ... and {len(conflicts) - 20} more" if len(conflicts) > 20 else "")
        raise MergeError(f"{len(conflicts)} results appear with different outcomes:\n  {shown}")
    specs = _unique_specs(implementations)
    for column, impl in implementations.items():
        impl["spec"] = specs[column]
    merged = [{**record, "spec": specs[record["spec"]]} for record in results.values()]
    triage = [{**entry, "spec": specs[entry["spec"]]} for entry in triage]
    seen = [(i["name"], i["version"]) for i in implementations.values() if i["name"] and not i["reference"]]
    duplicates = sorted({f"{n} {v}" for n, v in seen if seen.count((n, v)) > 1})
    for impl in implementations.values():
        if impl["label"] in duplicates:
            impl["label"] = f"{impl['label']} ({impl['spec']})"  # columns stay distinct, as in a matrix
    strict = any(source.document.get("strict", False) for source in loaded)
    labels = list(dict.fromkeys(source.document.get("expectations", "none") for source in loaded))
    summary = {
        impl["label"]: dict(Counter(r["outcome"] for r in merged if r["spec"] == impl["spec"]))
        for impl in implementations.values()
    }
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "kit_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration": round(sum(float(s.document.get("duration", _seconds(s.document))) for s in loaded), 1),
        "jobs": len(loaded),
        "expectations": " / ".join(labels) if len(labels) > 1 else labels[0],
        "strict": strict,
        "implementations": list(implementations.values()),
        "interop": {
            "writers": sorted(writers.values(), key=lambda w: (w["label"] != "reference", w["label"])),
            "readers": [impl["label"] for impl in implementations.values()],
        },
        "stale_expectations": stale,
        "duplicate_implementations": duplicates,
        "incomplete_runs": [
            f"{impl['label']} ({run['phase']}: {run['state']})"
            for impl in implementations.values()
            for run in impl["runs"]
            if run["state"] != "completed"
        ],
        "summary": summary,
        "unexpected": count_unexpected(merged, triage, strict),
        "needs_triage": triage,
        "results": merged,
        "sources": sources,
    }


def _unique_specs(implementations: dict[tuple[str, str | None], dict[str, Any]]) -> dict[Any, str]:
    """A column's ``spec``: as it ran, unless one ``--impl`` value ran several versions (a version matrix's jobs)."""
    count = Counter(spec for spec, _ in implementations)
    return {(spec, version): spec if count[spec] == 1 else f"{spec} ({version})" for spec, version in implementations}


def _seconds(document: dict[str, Any]) -> float:
    return sum(float(r.get("duration") or 0) for r in document["results"])


def _matrix_parts(document: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """A matrix's implementations, each with its results."""
    return [
        (impl, [r for r in document["results"] if r["spec"] == impl["spec"]]) for impl in document["implementations"]
    ]


def _run_part(document: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A single run as a matrix implementation entry with one run, and its results."""
    assert document["schema"] == RESULTS
    impl = document.get("implementation") or {}
    name, version = impl.get("name"), impl.get("version")
    results = [Result.from_dict(r).to_dict() for r in document["results"]]
    reading = bool(document.get("interop", {}).get("writers")) and all(r["writer"] for r in results)
    spec = impl.get("spec") or (f"{name}=={version}" if name else "?")
    reference = reading and spec == REFERENCE
    label = "reference reader" if reference else (f"{name} {version}".strip() if name else spec)
    run: dict[str, Any] = {
        "phase": "interop-read" if reading else "suites",
        "state": "completed",
        "exit_code": None,
        "tests": len(results),
        "duration": round(_seconds(document), 3),
        "log": "",
        "reason": "",
        "stderr_tail": [],
    }
    entry = {
        "spec": spec,
        "name": name,
        "version": version,
        "label": label,
        "reference": reference,
        "capabilities": impl.get("capabilities"),
        "runs": [run],
    }
    return entry, results
