"""Reading results documents of every schema version, in their current form.

Two kinds of document hold results: a matrix's ``results.json``
(``zarr-conformance/matrix``) and a single run's ``--json`` file
(``zarr-conformance/results``). Both are read in version 1 or 2; a version-1
document is converted to version 2 on load, so the rest of the kit reads only
the current form. Version 1 carried three facts in a record's message text; the
conversion here is the one place that text is read.

The rule for counting a document's unexpected results lives here too: a new
adapter's interop failures that need triage count apart, except under ``--strict``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from . import matrix, results
from .outcomes import FAILURE_KINDS, UNEXPECTED, Outcome, Result

MATRIX = matrix.SCHEMA
RESULTS = results.SCHEMA
CURRENT = matrix.SCHEMA_VERSION  # the same as results.SCHEMA_VERSION: both documents hold the same records
VERSIONS = (1, 2)

_V1_UNSUPPORTED = "unsupported: "  # a v1 message: "unsupported: " and the missing capabilities, "; "-separated


class DocumentError(Exception):
    """The file is not a results document this kit reads; the message says why."""


def load(path: Path) -> dict[str, Any]:
    """A matrix or single-run results document from ``path``, checked, in the current version."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    check(document)
    return upgrade(document)


def check(document: Any) -> None:
    """Raise a :class:`DocumentError` unless ``document`` is a results document of a known version."""
    import jsonschema

    if not isinstance(document, dict) or document.get("schema") not in (MATRIX, RESULTS):
        raise DocumentError(f"not a {MATRIX} or {RESULTS} document")
    schema, version = document["schema"], document.get("schema_version")
    if version not in VERSIONS:
        raise DocumentError(f"{schema} version {version!r}: this kit reads versions {', '.join(map(str, VERSIONS))}")
    if schema == MATRIX:
        try:
            jsonschema.validate(document, matrix_schema(version))
        except jsonschema.ValidationError as exc:
            raise DocumentError(f"not a valid {MATRIX} v{version} document: {exc.message}") from exc
        return
    results = document.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise DocumentError(f"not a valid {RESULTS} v{version} document: 'results' is not a list of records")
    for record in results:
        try:
            Result.from_dict(upgrade_record(record) if version == 1 else record)
        except (KeyError, ValueError, TypeError) as exc:
            raise DocumentError(f"not a valid {RESULTS} v{version} document: a record {exc!r}") from exc


def matrix_schema(version: int = CURRENT) -> dict[str, Any]:
    """The shipped JSON Schema of the matrix document of ``version``."""
    name = "matrix.schema.json" if version == CURRENT else f"matrix-v{version}.schema.json"
    return json.loads(resources.files(__package__).joinpath(f"data/{name}").read_text(encoding="utf-8"))


def upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` in the current version (a version-1 document converted; a current one as it is)."""
    if document.get("schema_version") == CURRENT:
        return document
    return {**document, "schema_version": CURRENT, "results": [upgrade_record(r) for r in document["results"]]}


def upgrade_record(record: dict[str, Any]) -> dict[str, Any]:
    """A version-1 record in the version-2 form: the facts its message carried become fields."""
    outcome = record["outcome"]
    message = record.get("message") or ""
    because: list[str] = []
    if outcome == Outcome.UNSUPPORTED and message.startswith(_V1_UNSUPPORTED):
        because = message.removeprefix(_V1_UNSUPPORTED).split("; ")
    writer = record.get("writer")
    at_fault = outcome == Outcome.XFAIL and bool(writer) and f"the writer {writer} is at fault" in message
    return {
        **record,
        "phase": None,
        "failure_kind": outcome if outcome in FAILURE_KINDS else None,
        "unsupported_because": because,
        "writer_at_fault": at_fault,
    }


def label_of(document: dict[str, Any]) -> dict[str | None, str]:
    """How results name their implementation: per spec, the matrix's column label; a single run's name and version."""
    if document["schema"] == MATRIX:
        return {impl["spec"]: impl["label"] for impl in document["implementations"]}
    impl = document.get("implementation") or {}
    return {None: f"{impl.get('name') or '?'} {impl.get('version') or ''}".strip()}


def outcomes(document: dict[str, Any]) -> dict[tuple[str, str], Outcome]:
    """The outcome of every result, by (implementation label, test id)."""
    labels = label_of(document)
    single = document["schema"] == RESULTS
    return {
        (labels[None] if single else labels.get(r["spec"], r["spec"]), r["test_id"]): Outcome(r["outcome"])
        for r in document["results"]
    }


def triage_tests(needs_triage: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(spec, test id) of every failure a document's ``needs_triage`` entries list."""
    return {(entry["spec"], test_id) for entry in needs_triage for test_id in entry["tests"]}


def counted_apart(needs_triage: Iterable[Mapping[str, Any]], strict: bool) -> set[tuple[str, str]]:
    """(spec, test id) of the failures that need triage and so are not unexpected: none under ``--strict``."""
    return set() if strict else triage_tests(needs_triage)


def count_unexpected(
    results: Iterable[Mapping[str, Any]], needs_triage: Iterable[Mapping[str, Any]], strict: bool
) -> int:
    """How many results fail the run: unexpected failures, crashes and timeouts, but for those that
    need triage (unless ``strict``), and under ``strict`` the unexpected passes too."""
    apart = counted_apart(needs_triage, strict)
    return sum(
        1
        for r in results
        if (r["outcome"] in UNEXPECTED and (r["spec"], r["test_id"]) not in apart)
        or (strict and r["outcome"] == Outcome.XPASS)
    )
