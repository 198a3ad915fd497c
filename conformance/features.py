"""The features and spec areas a case exercises: the rows of the compatibility matrix.

A test's result counts towards every feature of its case, so a row such as
``codec: gzip`` reads "of the tests on cases that use gzip, how many passed".
Invalid cases count only towards ``invalid input`` (a malformed gzip store says
nothing about gzip support), hierarchy cases towards ``groups`` and their formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fixtures.cases import Case
from .support import case_dtype_name
from .vocabulary import DATA_TYPES, V2_CODECS, V3_CODECS, Codec

#: the order rows appear in; features not listed here sort after, alphabetically
AREAS = ("format", "layout", "array API", "codec", "data type", "fill value", "node")


def _fill_form(fill: Any) -> str:
    """How the fill value is spelled in JSON (the forms the specs treat differently)."""
    if fill is None:
        return "null"
    if isinstance(fill, bool):
        return "boolean"
    if isinstance(fill, (int, float)):
        return "number"
    if isinstance(fill, list):
        parts = [_fill_form(p) for p in fill]
        return "complex pair, special" if any(p != "number" for p in parts) else "complex pair"
    if isinstance(fill, str):
        if fill in ("NaN",):
            return "NaN"
        if fill in ("Infinity", "-Infinity"):
            return "Infinity"
        if fill.startswith("0x"):
            return "hex bits"
        return "string"
    return "other"


def _family(table: Mapping[str, Codec], name: str, prefix: str) -> str:
    return table[name].family if name in table else f"{prefix} {name}"


def features_of(case: Case | None) -> list[tuple[str, str]]:
    """``(area, feature)`` pairs for ``case``; ``[]`` for tests that have no case."""
    if case is None:
        return []
    if not case.valid:
        return [("node", "invalid input")]
    formats = {case.format}
    if case.is_group:
        formats |= {node.get("format", case.format) for node in case.nodes}
        out = [("format", f"Zarr v{f}") for f in sorted(formats)]
        return out + [("node", "groups")]
    out = [("format", f"Zarr v{case.format}")]
    if case.sharding:
        out.append(("layout", "sharding"))
        inner = case.sharding.get("codecs", [])
        if any((c if isinstance(c, str) else c.get("name")) == "sharding_indexed" for c in inner):
            out.append(("layout", "nested sharding"))
    if case.has_missing_chunks:
        out.append(("layout", "missing chunks"))
    if 0 in case.shape or not case.shape:
        out.append(("layout", "0-d or empty dimensions"))
    if case.format == 2:
        if case.raw.get("order") == "F":
            out.append(("layout", "v2 order F"))
        if case.raw.get("dimension_separator") == "/":
            out.append(("layout", "v2 dimension separator /"))
        out += [("codec", _family(V2_CODECS, codec_id, "v2")) for codec_id in dict.fromkeys(case.v2_codec_ids())]
    else:
        encoding = case.raw.get("chunk_key_encoding")
        if encoding is not None:
            name = encoding if isinstance(encoding, str) else encoding.get("name")
            if name == "v2":
                out.append(("layout", "v3 chunk key encoding v2"))
        out += [
            ("codec", _family(V3_CODECS, name, "v3"))
            for name in dict.fromkeys(case.all_codecs())
            if name != "sharding_indexed"
        ]
    out.append(("data type", DATA_TYPES[case_dtype_name(case)].family))
    out.append(("fill value", _fill_form(case.raw.get("fill_value"))))
    return out


def feature_labels(case: Case | None, selection: str | None = None) -> list[str]:
    """``features_of`` as flat labels ("area: feature"), the form stored in results; with
    the array API's row of the ``selection`` a test reads or writes through, if it names one."""
    from .selections import family

    labels = [f"{area}: {feature}" for area, feature in features_of(case)]
    return labels + ([f"array API: {family(selection)}"] if selection and case is not None else [])


def sort_key(label: str) -> tuple[int, str]:
    area, _, feature = label.partition(": ")
    rank = AREAS.index(area) if area in AREAS else len(AREAS)
    return rank, feature
