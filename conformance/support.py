"""The one place that decides whether an adapter supports what a test needs."""

from __future__ import annotations

from collections.abc import Iterable

from .adapters.base import Capabilities
from .fixtures.cases import Case
from .fixtures.codecs import parse_extension
from .fixtures.dtypes import dtype_name
from .vocabulary import FEATURES


def case_dtype_name(case: Case) -> str:
    return dtype_name(case.dtype)


def case_dtype_kind(case: Case) -> str:
    """The NumPy kind character of the case's data type ('b', 'i', 'u', 'f', 'c', 'S', 'U')."""
    return case.dtype.kind


def unsupported(capabilities: Capabilities, case: Case, mode: str = "read", features: Iterable[str] = ()) -> list[str]:
    """What ``case`` needs (to be read, or written when ``mode='write'``) that is not claimed.

    ``features`` are names of the vocabulary's ``FEATURES``; another name is the suite's error, not an
    implementation's gap, and raises ``ValueError``.
    """
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise ValueError(f"a template needs unknown features {unknown}; known: {', '.join(sorted(FEATURES))}")
    if case.is_group:
        found = [f"feature {f}" for f in sorted({"groups", *features} - capabilities.features)]
        formats = capabilities.read_formats if mode == "read" else capabilities.write_formats
        for zarr_format in sorted({case.format, *(n.get("format", case.format) for n in case.nodes)}):
            if zarr_format not in formats:
                found.insert(0, f"{mode} Zarr v{zarr_format}")
        for member in case.array_members():
            found.extend(m for m in unsupported(capabilities, member, mode) if m not in found)
        return found
    formats = capabilities.read_formats if mode == "read" else capabilities.write_formats
    out = []
    if case.format not in formats:
        out.append(f"{mode} Zarr v{case.format}")
    name = case_dtype_name(case)
    if name not in capabilities.dtypes:
        out.append(f"data type {name}")
    for codec in dict.fromkeys(case.all_codecs()):
        if codec not in capabilities.codecs:
            out.append(f"codec {codec}")
    for codec_id in dict.fromkeys(case.v2_codec_ids()):
        if codec_id not in capabilities.v2_codecs:
            out.append(f"v2 codec {codec_id}")
    if case.format == 3 and "chunk_key_encoding" in case.raw:
        encoding, _ = parse_extension(case.raw["chunk_key_encoding"], "chunk_key_encoding")
        if encoding not in capabilities.chunk_key_encodings:
            out.append(f"chunk key encoding {encoding}")
    needed = set(features)
    if case.sharding:
        needed.add("sharding")
    if case.raw.get("order") == "F":
        needed.add("fortran_order")
    out.extend(f"feature {f}" for f in sorted(needed - capabilities.features))
    return out
