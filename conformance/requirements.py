"""The requirements catalogue (``data/requirements.yaml``), and the requirement IDs a template test is credited with.

Each rule belongs to a spec document, which fixes where it applies (:class:`Scope`): a
Zarr format and, for the rules of a codec, data type, chunk key encoding or chunk grid,
that extension. A template test is credited with a rule only for the cases it applies
to; an ID attached where it cannot apply is refused when the suites are collected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pytest
import yaml

#: yaml.safe_load's loader, from libyaml when PyYAML has it (ten times faster, the same documents)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from .fixtures.cases import Case

#: the marker a template test names its rules with; ``requirements`` is its old name, still read for one release
MARKER = "zarr_requirements"
OLD_MARKER = "requirements"
#: the kit's other markers of a template test
TEMPLATE_MARKERS = ("zarr_cases", "zarr_interop")

#: the keywords of the ``zarr_requirements`` marker, besides the IDs for every case
MARKER_KEYWORDS = ("v2", "v3", "sharded", "v2_by_kind", "v3_by_kind", "extensions")

_V2_DOCUMENT = "v2.0.rst"
_NOTES_DOCUMENT = "REQUIREMENTS.md"  # the catalogue's own notes on gaps in the specs: no format of their own
_V3_EXTENSION = re.compile(r"v3-(codec|chunk-key-encoding|chunk-grid)-(.+)\.rst")
_REGISTERED_EXTENSION = re.compile(r"ext-(codec|dtype)-(.+)\.md")
_KINDS = {
    "codec": "codec",
    "dtype": "data_type",
    "chunk-key-encoding": "chunk_key_encoding",
    "chunk-grid": "chunk_grid",
}
_EXTENSION_NAMES = {("codec", "sharding-indexed"): "sharding_indexed"}  # where the name differs from the file's
_DEFAULT_CODECS = ["bytes"]
_DEFAULT_NAMES = {"chunk_key_encoding": "default", "chunk_grid": "regular"}
_OWN = "the case's own requirements"


@dataclass(frozen=True)
class Scope:
    """Where a rule applies: a Zarr format (None: any), and within it, for an extension's rule, the extension."""

    zarr_format: int | None
    extension: tuple[str, str] | None = None  # (kind, name): ("codec", "gzip"), ("data_type", "string"), ...

    def describe(self) -> str:
        where = f"Zarr v{self.zarr_format}" if self.zarr_format else "any format"
        return f"{where}, {self.extension[0].replace('_', ' ')} {self.extension[1]}" if self.extension else where


def scope_of(document: str) -> Scope:
    """The scope of the rules of a catalogue document; ValueError for a document of no known spec."""
    if document == _V2_DOCUMENT:
        return Scope(2)
    if document == _NOTES_DOCUMENT:
        return Scope(None)
    found = _V3_EXTENSION.fullmatch(document) or _REGISTERED_EXTENSION.fullmatch(document)
    if found:
        kind, name = _KINDS[found.group(1)], found.group(2)
        return Scope(3, (kind, _EXTENSION_NAMES.get((kind, name), name)))
    if document.startswith("v3-") or document.startswith("ext-"):
        return Scope(3)
    raise ValueError(f"requirements catalogue: document {document!r} belongs to no known spec")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str
    document: str
    section: str
    summary: str
    scope: Scope = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", scope_of(self.document))


@cache
def catalogue() -> dict[str, Requirement]:
    text = resources.files(__package__).joinpath("data/requirements.yaml").read_text(encoding="utf-8")
    return {entry["id"]: Requirement(**entry) for entry in yaml.load(text, Loader=_SAFE_LOADER)["requirements"]}


def describe(requirement_id: str) -> str:
    """``"V2-034 (MUST): <summary>"``; unknown IDs are reported as such."""
    found = catalogue().get(requirement_id)
    if found is None:
        return f"{requirement_id} (not in the catalogue)"
    return f"{found.id} ({found.level}, {found.document} § {found.section}): {found.summary}"


def _name(entry: Any) -> str | None:
    """The name of an extension point's value: ``"gzip"`` or ``{"name": "gzip", ...}``; None when malformed."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return entry["name"]
    return None


def _codec_names(entries: Any) -> Iterator[str]:
    for entry in entries if isinstance(entries, list) else ():
        name = _name(entry)
        if name is not None:
            yield name
        config = entry.get("configuration") if isinstance(entry, dict) else None
        if isinstance(config, dict):
            yield from _codec_names(config.get("codecs"))
            yield from _codec_names(config.get("index_codecs"))


def _array_extensions(raw: dict[str, Any]) -> set[tuple[str, str]]:
    used = {("codec", name) for name in _codec_names(raw.get("codecs", _DEFAULT_CODECS))}
    dtype = _name(raw.get("dtype"))
    if dtype is not None:
        used.add(("data_type", dtype))
    for kind, default in _DEFAULT_NAMES.items():
        name = _name(raw.get(kind, default))
        if name is not None:
            used.add((kind, name))
    return used


def case_extensions(case: Case) -> set[tuple[str, str]]:
    """The v3 extensions (kind, name) a case uses: its own, or its v3 array members' for a hierarchy.

    Read from the case's definition without parsing it, so that invalid cases count too.
    """
    raws = [case.raw] if not case.is_group else [{**n, "format": n.get("format", case.format)} for n in case.nodes]
    return {
        ext
        for raw in raws
        if raw.get("format") == 3 and raw.get("node_type", "array") == "array"
        for ext in _array_extensions(raw)
    }


def _format_parameter(item: pytest.Item) -> int | None:
    """The Zarr format a test without a case is parametrized over (``zarr_format``), if any."""
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("zarr_format") if callspec is not None else None
    return value if isinstance(value, int) else None


def requirements_marker(item: pytest.Item) -> pytest.Mark | None:
    """The test's ``zarr_requirements`` marker, else its ``requirements`` marker (the old name) on a template test.

    The old name is read only where the kit's other markers (``zarr_cases``, ``zarr_interop``)
    say the test is the kit's, so a project's own ``requirements`` marker is left alone.
    """
    marker = item.get_closest_marker(MARKER)
    if marker is not None:
        return marker
    if any(item.get_closest_marker(name) is not None for name in TEMPLATE_MARKERS):
        return item.get_closest_marker(OLD_MARKER)
    return None


def _marked(item: pytest.Item, case: Case | None, zarr_format: int | None) -> list[tuple[str, str]]:
    """The (ID, keyword) pairs the ``zarr_requirements`` marker attaches to this test and case."""
    from .support import case_dtype_kind

    marker = requirements_marker(item)
    if marker is None:
        return []
    unknown = sorted(set(marker.kwargs) - set(MARKER_KEYWORDS))
    if unknown:
        raise pytest.UsageError(
            f"{item.nodeid}: {marker.name} marker: unknown keywords {unknown}; known: {', '.join(MARKER_KEYWORDS)}"
        )
    pairs = [(rid, "for every case") for rid in marker.args]
    if zarr_format is None:
        return pairs
    fmt = f"v{zarr_format}"
    pairs += [(rid, f"{fmt}=") for rid in marker.kwargs.get(fmt, ())]
    if case is None:
        return pairs
    if case.sharding:
        pairs += [(rid, "sharded=") for rid in marker.kwargs.get("sharded", ())]
    kind = "" if case.is_group else case_dtype_kind(case)
    for kinds, extra in marker.kwargs.get(f"{fmt}_by_kind", {}).items():
        if kind in kinds:
            pairs += [(rid, f"{fmt}_by_kind=") for rid in extra]
    known = catalogue()
    for rid in marker.kwargs.get("extensions", ()):
        scope = known[rid].scope if rid in known else None
        if scope is not None and scope.extension is None:
            raise pytest.UsageError(
                f"{item.nodeid}: requirement {rid} under extensions= of the {marker.name} marker "
                f"is no extension's rule ({known[rid].document}); list it under v2= or v3="
            )
        if scope is None or (scope.zarr_format == zarr_format and scope.extension in case_extensions(case)):
            pairs.append((rid, "extensions="))
    return pairs


def requirement_ids(item: pytest.Item, case: Case | None) -> list[str]:
    """The requirement IDs ``item`` checks for ``case``, from its ``zarr_requirements`` marker and the case's own.

    A pytest.UsageError names the test and the ID when a rule is attached where it cannot
    apply: a rule of the other format, or an extension's rule for a case without that
    extension. IDs not in the catalogue are left for the caller to report.
    """
    zarr_format = case.format if case is not None else _format_parameter(item)
    pairs = _marked(item, case, zarr_format)
    if case is not None:
        pairs += [(rid, _OWN) for rid in case.requirements]
    known = catalogue()
    used = case_extensions(case) if case is not None else set()
    for rid, where in pairs:
        rule = known.get(rid)
        if rule is None or zarr_format is None:
            continue
        scope = rule.scope
        subject = f"case {case.id}" if case is not None else f"its Zarr v{zarr_format} parameter"
        if scope.zarr_format is not None and scope.zarr_format != zarr_format:
            raise pytest.UsageError(
                f"{item.nodeid}: requirement {rid} ({where}) is a rule of {rule.document} ({scope.describe()}), "
                f"but the test checks {subject}, Zarr v{zarr_format}; "
                + ("remove it there" if where == _OWN else f"list it under v{scope.zarr_format}=")
            )
        if scope.extension is not None and case is not None and scope.extension not in used:
            keyword = "sharded=" if scope.extension == ("codec", "sharding_indexed") else "extensions="
            raise pytest.UsageError(
                f"{item.nodeid}: requirement {rid} ({where}) is a rule of {rule.document} ({scope.describe()}), "
                f"which {subject} does not use; " + ("remove it there" if where == _OWN else f"list it under {keyword}")
            )
    return list(dict.fromkeys(rid for rid, _ in pairs))
