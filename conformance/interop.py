"""Interop stores: what one implementation wrote, for every other implementation to read.

A writer's folder (``--zarr-interop-write DIR``) holds one fixture-shaped folder per
case it wrote, and ``manifest.json``::

    {"schema": "zarr-conformance/interop-stores", "schema_version": 1,
     "writer": {"name", "version", "label", "features": [capability features, e.g. "attributes"]},
     "stores": {"<case id>": {"folder": "cases/<case id>", "conforms": true|false,
                              "problem": "<what the reference reader/validator found>"|null}}}

``conforms`` is the reference's verdict on the written store (validator errors, values
and metadata against the case). Readers (``--zarr-interop-read DIR``) read every store
and compare with the case; when they fail on a store that does not conform, the
failure is the writer's, and the read test reports it as an expected failure that
names the writer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fixtures.cases import Case
from .fixtures.writer import CASE_FILE, EXPECTED_FILE, STORE_DIR, ensure_fixture

SCHEMA = "zarr-conformance/interop-stores"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
REFERENCE_WRITER = "reference"


class InteropError(Exception):
    """A manifest that cannot be used; the message names the folder."""


def writer_label(name: str, version: str) -> str:
    """How a writer is named in test ids: ``zarr-python-3.1.6``; the kit's own writer is ``reference``."""
    if name == REFERENCE_WRITER and not version:  # the kit's writer has no version of its own
        return REFERENCE_WRITER
    return re.sub(r"[^A-Za-z0-9._+-]", "_", f"{name}-{version}")


@dataclass(frozen=True)
class InteropStore:
    """One store one writer wrote for one case."""

    writer: str  # label
    case: Case
    root: Path  # fixture-shaped folder: store.zarr, expected.npy, case.json
    conforms: bool
    problem: str | None
    writer_features: frozenset[str] = frozenset()

    @property
    def store(self) -> Path:
        return self.root / STORE_DIR

    @property
    def id(self) -> str:
        return f"{self.writer}/{self.case.id}"


class Manifest:
    """The manifest of one writer's folder, rewritten after every store so a crash loses nothing."""

    def __init__(self, folder: Path, name: str, version: str, features: Iterable[str]) -> None:
        self.folder = folder
        self.writer = {
            "name": name,
            "version": version,
            "label": writer_label(name, version),
            "features": sorted(features),
        }
        self.stores: dict[str, dict[str, Any]] = {}
        if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).exists():
            raise InteropError(f"{folder} is not empty and holds no {MANIFEST}: not writing interop stores into it")
        folder.mkdir(parents=True, exist_ok=True)
        self.save()

    def case_folder(self, case: Case) -> Path:
        folder = self.folder / "cases" / case.id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder

    def add(self, case: Case, folder: Path, conforms: bool, problem: str | None) -> None:
        (folder / CASE_FILE).write_text(json.dumps(case.raw, sort_keys=True), encoding="utf-8")
        self.stores[case.id] = {
            "folder": folder.relative_to(self.folder).as_posix(),
            "conforms": conforms,
            "problem": problem,
        }
        self.save()

    def save(self) -> None:
        document = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "writer": self.writer, "stores": self.stores}
        fd, scratch = tempfile.mkstemp(prefix=".manifest-", dir=self.folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, sort_keys=True)
        os.replace(scratch, self.folder / MANIFEST)


def write_reference_stores(folder: Path, cases: Iterable[Case], cache_dir: Path | None = None) -> Path:
    """The reference writer's folder: the kit's own fixture of every case (the oracle, conforming by definition)."""
    manifest = Manifest(folder, REFERENCE_WRITER, "", ("attributes", "dimension_names"))
    for case in cases:
        fixture = ensure_fixture(case, cache_dir)
        target = manifest.case_folder(case)
        shutil.copytree(fixture.store, target / STORE_DIR)
        shutil.copyfile(fixture.root / EXPECTED_FILE, target / EXPECTED_FILE)
        manifest.add(case, target, True, None)
    return folder


def check_folder(folder: Path) -> dict[str, Any]:
    """The manifest of a writer's folder; an :class:`InteropError` naming the folder when there is none."""
    path = folder / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InteropError(
            f"{folder}: no readable {MANIFEST} ({exc}); was it written with --zarr-interop-write?"
        ) from exc
    if (
        not isinstance(document, dict)
        or document.get("schema") != SCHEMA
        or document.get("schema_version") != SCHEMA_VERSION
    ):
        raise InteropError(f"{path}: not a {SCHEMA} v{SCHEMA_VERSION} manifest")
    return document


def load_stores(folders: Iterable[Path], cases: Iterable[Case]) -> list[InteropStore]:
    """Every store of every writer folder whose case is in ``cases`` (others are left out)."""
    by_id = {case.id: case for case in cases}
    out = []
    for folder in folders:
        document = check_folder(Path(folder))
        label = document["writer"]["label"]
        features = frozenset(document["writer"].get("features", ()))
        for case_id, entry in sorted(document["stores"].items()):
            case = by_id.get(case_id)
            if case is None:
                continue
            out.append(
                InteropStore(
                    label, case, Path(folder) / entry["folder"], bool(entry["conforms"]), entry.get("problem"), features
                )
            )
    return out
