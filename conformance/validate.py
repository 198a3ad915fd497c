"""``zarr-conformance validate``: run the reference validator over a store and print what it finds.

Text output is one line per violation, ``SEVERITY REQ-ID key: message``, then a summary
line.  ``--json`` prints one document instead::

    {"schema": "zarr-conformance/validation", "schema_version": 1, "store": "...",
     "valid": false, "violations": [{"requirement": ..., "severity": ..., "key": ..., "message": ...}]}

Exit status: 0 when no violation is an error (warnings alone still print), 1 when one is,
2 when the store cannot be validated at all (no such directory).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .fixtures.validator import ERROR, Violation, validate

SCHEMA = "zarr-conformance/validation"
SCHEMA_VERSION = 1

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def format_violation(violation: Violation) -> str:
    """``ERROR V3-CORE-013 zarr.json: lacks the mandatory members ['codecs']``."""
    return f"{violation.severity.upper()} {violation.requirement} {violation.key}: {violation.message}"


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(store: Path, violations: list[Violation]) -> str:
    """One line: whether the store is valid, with the error and warning counts."""
    errors = sum(1 for v in violations if v.severity == ERROR)
    warnings = len(violations) - errors
    if errors:
        return f"{store}: invalid, {_count(errors, 'error')}, {_count(warnings, 'warning')}"
    if warnings:
        return f"{store}: valid, {_count(warnings, 'warning')}"
    return f"{store}: valid, no violations"


def report(store: Path, violations: list[Violation]) -> dict[str, Any]:
    """The versioned JSON document of one validation."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "store": str(store),
        "valid": not any(v.severity == ERROR for v in violations),
        "violations": [
            {"requirement": v.requirement, "severity": v.severity, "key": v.key, "message": v.message}
            for v in violations
        ],
    }


def run(
    store: Path, path: str = "", as_json: bool = False, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Validate the node at ``path`` of ``store``, print the outcome, return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not store.exists():
        print(f"zarr-conformance validate: {store}: no such file or directory", file=err)
        return EXIT_USAGE
    if not store.is_dir():
        print(f"zarr-conformance validate: {store}: not a directory (a store is a directory of keys)", file=err)
        return EXIT_USAGE
    violations = validate(store, path)
    if as_json:
        out.write(json.dumps(report(store, violations), indent=2, ensure_ascii=False) + "\n")
    else:
        for violation in violations:
            print(format_violation(violation), file=out)
        print(summary(store, violations), file=out)
    return EXIT_INVALID if any(v.severity == ERROR for v in violations) else EXIT_VALID
