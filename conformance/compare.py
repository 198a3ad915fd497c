"""``zarr-conformance compare OLD NEW``: whether two results documents have the same outcome for every test.

Either document may be a matrix's ``results.json`` or a single run's ``--json`` file,
of schema version 1 or 2. Results are matched by (implementation label, test id);
only outcomes are compared (messages, durations and requirement IDs are not outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .documents import load, outcomes
from .outcomes import Outcome

Key = tuple[str, str]  # (implementation label, test id)


@dataclass
class Differences:
    changed: dict[Key, tuple[Outcome, Outcome]] = field(default_factory=dict)
    only_old: dict[Key, Outcome] = field(default_factory=dict)
    only_new: dict[Key, Outcome] = field(default_factory=dict)
    same: int = 0

    def __bool__(self) -> bool:
        return bool(self.changed or self.only_old or self.only_new)


def differences(old: dict[Key, Outcome], new: dict[Key, Outcome]) -> Differences:
    out = Differences()
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            out.only_old[key] = old[key]
        elif key not in old:
            out.only_new[key] = new[key]
        elif old[key] != new[key]:
            out.changed[key] = (old[key], new[key])
        else:
            out.same += 1
    return out


def compare_files(old: Path, new: Path) -> Differences:
    """The differences between the outcomes of two results files (a DocumentError if one cannot be read)."""
    return differences(outcomes(load(old)), outcomes(load(new)))


def write(found: Differences, old: Path, new: Path, stream: TextIO) -> None:
    for (label, test_id), (before, after) in found.changed.items():
        stream.write(f"changed      {label}: {test_id}: {before} -> {after}\n")
    for (label, test_id), outcome in found.only_old.items():
        stream.write(f"only in old  {label}: {test_id} ({outcome})\n")
    for (label, test_id), outcome in found.only_new.items():
        stream.write(f"only in new  {label}: {test_id} ({outcome})\n")
    if found:
        stream.write(
            f"{old} and {new} differ: {len(found.changed)} changed, {len(found.only_old)} only in old, "
            f"{len(found.only_new)} only in new; {found.same} the same\n"
        )
    else:
        stream.write(f"same outcomes: {found.same} results in both {old} and {new}\n")
