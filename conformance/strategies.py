"""Hypothesis strategies over the kit's feature space, for property tests of the kit and of implementations.

::

    from hypothesis import given
    from zarr_conformance.strategies import array_cases, selections, stores

    @given(stores())
    def test_my_zarr_reads_what_the_reference_wrote(store):
        data = my_zarr.open(store.path / store.case.path)[...]
        numpy.testing.assert_array_equal(data, store.expected)

- :func:`array_cases` draws case entries (the catalogue's YAML form, checked against its
  schema) from the vocabulary: format, data type, shape (0-d and zero-length dimensions
  included), chunks, shards and inner chunks, v3 codec chains (``transpose`` with any
  permutation, ``bytes`` of either endianness, compressors, ``crc32c``), v2 compressors
  and order, fill values and missing chunks. A data type or codec added to the
  vocabulary with a fill value form here is drawn without new code.
- :func:`selections` draws a selection of every kind for a shape, with NumPy semantics
  as the oracle (``Selection.apply``).
- :func:`stores` writes a drawn case with the reference writer: the store, the case and
  the expected array.

The drawn cases are valid by construction; the reference validator accepts every one
(``tests/test_strategies.py`` holds the kit to that).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
except ImportError as exc:  # an optional extra: say which
    needs = "zarr_conformance.strategies needs hypothesis: pip install 'zarr-conformance[strategies]'"
    raise ImportError(needs) from exc

from .adapters.selection import (
    BasicSelection,
    CoordinateSelection,
    IntList,
    Mask,
    MaskSelection,
    OrthogonalSelection,
    Selection,
    Slice,
)
from .fixtures.cases import Case, case_of
from .fixtures.writer import build
from .vocabulary import DATA_TYPES

#: fill values per data type family, in the JSON forms a case (and a metadata document) holds
_FILLS: dict[str, list[Any]] = {
    "bool": [False, True],
    "signed integers": [0, -3, 7],
    "unsigned integers": [0, 7],
    "floats": [0.0, -1.5, "NaN", "Infinity"],
    "complex": [[0.0, 0.0], [1.5, "NaN"]],
}
_V3_COMPRESSORS: list[dict[str, Any] | None] = [
    None,
    {"name": "gzip", "configuration": {"level": 1}},
    {"name": "zstd", "configuration": {"level": 1, "checksum": False}},
    {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "blocksize": 0}},
]
_V2_COMPRESSORS: list[dict[str, Any] | None] = [None, {"id": "zlib", "level": 1}, {"id": "zstd", "level": 1}]


def _families() -> dict[str, list[str]]:
    """The core data types by the family their fill values are drawn from."""
    out: dict[str, list[str]] = {}
    for name, t in DATA_TYPES.items():
        if t.core and t.family in _FILLS:
            out.setdefault(t.family, []).append(name)
    return out


@st.composite
def shapes(draw: st.DrawFn, max_dims: int = 3, max_side: int = 9) -> tuple[int, ...]:
    """Array shapes: 0-d included, and now and then a zero-length dimension."""
    ndim = draw(st.integers(0, max_dims))
    return tuple(draw(st.lists(st.integers(0, max_side), min_size=ndim, max_size=ndim)))


@st.composite
def array_cases(draw: st.DrawFn, formats: tuple[int, ...] = (2, 3), sharding: bool = True) -> Case:
    """A valid array case drawn from the vocabulary (see the module's description)."""
    zarr_format = draw(st.sampled_from(formats))
    family = draw(st.sampled_from(sorted(_families())))
    name = draw(st.sampled_from(sorted(_families()[family])))
    shape = draw(shapes())
    sharded = zarr_format == 3 and sharding and bool(shape) and draw(st.booleans())
    if sharded:
        inner = tuple(draw(st.integers(1, max(n, 1))) for n in shape)
        chunks = tuple(c * draw(st.integers(1, 3)) for c in inner)
    else:
        inner = None
        chunks = tuple(draw(st.integers(1, max(n, 1) + 1)) for n in shape)
    entry: dict[str, Any] = {
        "id": "drawn",
        "description": "drawn by zarr_conformance.strategies",
        "format": zarr_format,
        "shape": list(shape),
        "chunks": list(chunks),
        "fill_value": draw(st.sampled_from(_FILLS[family])),
        "data": {"recipe": "random", "seed": draw(st.integers(0, 2**16))},
    }
    grid = [math.ceil(n / c) for n, c in zip(shape, chunks)]
    positions = [list(p) for p in np.ndindex(*grid)] if all(grid) else []
    if positions:
        entry["missing_chunks"] = draw(st.lists(st.sampled_from(positions), unique_by=tuple, max_size=2))
    itemsize = np.dtype(DATA_TYPES[name].numpy).itemsize
    if zarr_format == 2:
        order = "<" if itemsize == 1 and family == "bool" else draw(st.sampled_from("<>"))
        entry["dtype"] = ("|" if itemsize == 1 else order) + np.dtype(DATA_TYPES[name].numpy).str[1:]
        entry["order"] = draw(st.sampled_from("CF"))
        entry["compressor"] = draw(st.sampled_from(_V2_COMPRESSORS))
        entry["filters"] = None
        return case_of(entry)
    entry["dtype"] = name
    codecs: list[Any] = []
    if len(shape) > 1 and draw(st.booleans()):
        codecs.append({"name": "transpose", "configuration": {"order": draw(st.permutations(range(len(shape))))}})
    serializer = {"name": "bytes", "configuration": {"endian": draw(st.sampled_from(["little", "big"]))}}
    if itemsize == 1:
        serializer = {"name": "bytes", "configuration": {}}
    compressor = draw(st.sampled_from(_V3_COMPRESSORS))
    if compressor is not None and compressor["name"] == "blosc":
        compressor = {"name": "blosc", "configuration": {**compressor["configuration"], "typesize": itemsize}}
    chain = [serializer] + ([compressor] if compressor else [])
    if sharded:
        assert inner is not None
        if codecs:  # the sharding codec sees the transposed shard: its chunk shape is in that order
            inner = tuple(inner[i] for i in codecs[0]["configuration"]["order"])
        configuration = {
            "chunk_shape": list(inner),
            "codecs": chain,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": draw(st.sampled_from(["start", "end"])),
        }
        codecs.append({"name": "sharding_indexed", "configuration": configuration})
    else:
        codecs.extend(chain)
    if draw(st.booleans()):
        codecs.append({"name": "crc32c"})
    entry["codecs"] = codecs
    return case_of(entry)


@dataclass(frozen=True)
class DrawnStore:
    """A store the reference writer wrote for a drawn case, and the array it holds.

    ``path.parent`` is a temporary folder of its own (``zarr-conformance-drawn-*``); the
    test that drew it removes it (``shutil.rmtree(store.path.parent)``)."""

    case: Case
    path: Path
    expected: np.ndarray


@st.composite
def stores(draw: st.DrawFn, cases: st.SearchStrategy[Case] | None = None) -> DrawnStore:
    """A drawn case written by the reference writer into a new temporary folder."""
    case = draw(cases if cases is not None else array_cases())
    fixture = build(case, Path(tempfile.mkdtemp(prefix="zarr-conformance-drawn-")))
    return DrawnStore(case, fixture.store, fixture.expected())


def _item(draw: st.DrawFn, size: int, negative: bool, steps: bool) -> Slice:
    bound = st.none() | st.integers(-size - 1 if negative else 0, size + 1)
    step = st.none() | (st.integers(-3, 3).filter(bool) if negative else st.integers(1, 3))
    return Slice(draw(bound), draw(bound), draw(step) if steps else None)


@st.composite
def selections(
    draw: st.DrawFn,
    shape: tuple[int, ...],
    kinds: tuple[str, ...] = ("basic", "orthogonal", "coordinate", "mask"),
    negative_steps: bool = False,
) -> Selection:
    """A selection of one of ``kinds`` for an array of ``shape``, with NumPy semantics."""
    kind = draw(st.sampled_from([k for k in kinds if shape or k in ("basic", "mask")] or ["basic"]))
    if kind == "basic":
        items: list[Any] = []
        for n in shape:
            if n and draw(st.booleans()):
                items.append(draw(st.integers(-n, n - 1)))
            else:
                items.append(_item(draw, n, negative_steps, True))
        if len(items) > 0 and draw(st.booleans()):
            at = draw(st.integers(0, len(items)))
            width = draw(st.integers(0, len(items) - at))
            items[at : at + width] = [Ellipsis]
        return BasicSelection(tuple(items))
    if kind == "orthogonal":
        out: list[Any] = []
        for n in shape:
            choice = draw(st.sampled_from(["int", "slice", "list", "mask"] if n else ["slice", "list", "mask"]))
            if choice == "int":
                out.append(draw(st.integers(-n, n - 1)))
            elif choice == "slice":
                out.append(_item(draw, n, False, True))
            elif choice == "list":
                out.append(IntList(tuple(draw(st.lists(st.integers(-n, n - 1), max_size=5))) if n else ()))
            else:
                out.append(Mask(tuple(draw(st.lists(st.booleans(), min_size=n, max_size=n)))))
        return OrthogonalSelection(tuple(out))
    if kind == "coordinate":
        if not all(shape):
            return CoordinateSelection(tuple(() for _ in shape))
        count = draw(st.integers(0, 6))
        return CoordinateSelection(
            tuple(tuple(draw(st.lists(st.integers(-n, n - 1), min_size=count, max_size=count))) for n in shape)
        )
    size = math.prod(shape)
    true_at = draw(st.lists(st.integers(0, size - 1), unique=True, max_size=8)) if size else []
    return MaskSelection(shape, tuple(sorted(true_at)))
