"""docs/adapters.md alone is enough to write a worker: every verb, argument and member on the wire is in it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from zarr_conformance.adapters import protocol
from zarr_conformance.adapters.base import ArrayInfo, GroupInfo
from zarr_conformance.adapters.selection import BasicSelection, Slice
from zarr_conformance.fixtures.cases import load_catalogue

DOC = (Path(__file__).resolve().parents[1] / "docs" / "adapters.md").read_text(encoding="utf-8")
WIRE = DOC[DOC.index("### What travels on the wire") :]


def _keys(document: object) -> set[str]:
    """Every member name in a JSON document, nested ones included (not those inside codec configurations)."""
    if isinstance(document, dict):
        inner = (value for key, value in document.items() if key not in ("configuration", "attributes"))
        return set(document) | {k for value in inner for k in _keys(value)}
    if isinstance(document, list):
        return {k for value in document for k in _keys(value)}
    return set()


def _documented(name: str) -> bool:
    return re.search(rf'[`"]{re.escape(name)}[`"]', WIRE) is not None


def test_every_verb_and_its_arguments_are_documented():
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]*) \|", WIRE, re.MULTILINE)}
    for verb, parameters in protocol.PARAMETERS.items():
        assert verb in rows, f"verb {verb} is not in the table"
        extra = {"read": ("out",), "write": ("data",)}.get(verb, ())
        assert set(re.findall(r"`(\w+)`", rows[verb])) == {*parameters, *extra}, verb
    assert "shutdown" in rows


def test_every_member_the_kit_sends_or_reads_is_documented():
    cases = {c.id: c for c in load_catalogue()}
    specs = [cases[name].array_spec().to_json() for name in ("v3-sharded-uint16-edge", "v2-int32-delta-filter-zlib")]
    info = protocol.encode_array_info(
        ArrayInfo(3, (4,), np.dtype("<i2"), (2,), None, np.int16(0), {}, None)  # type: ignore[arg-type]
    )
    selection = BasicSelection((Slice(0, 4, 2), 3)).to_json()
    members = _keys(specs) | _keys(info) | _keys(selection) | _keys(protocol.encode_group_info(GroupInfo(2, {})))
    missing = sorted(name for name in members if not _documented(name))
    assert not missing, f"docs/adapters.md does not say how these travel: {missing}"
