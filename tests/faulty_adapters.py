"""Deliberately faulty adapters: each is the reference reader with one realistic bug.

They prove that the template suites can fail, and fail with the right test.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from zarr_conformance.adapters.base import ArrayInfo, Selection
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.adapters.selection import (
    BasicSelection,
    CoordinateSelection,
    IntList,
    MaskSelection,
    OrthogonalSelection,
    Slice,
)
from zarr_conformance.fixtures import keys, reader
from zarr_conformance.fixtures.codecs import Bytes
from zarr_conformance.fixtures.dtypes import fill_array
from zarr_conformance.fixtures.metadata import ArrayMeta


class _MetaBug(ReferenceAdapter):
    """Reads with metadata the bug has altered; reports the metadata unaltered."""

    def alter(self, meta: ArrayMeta) -> None:
        raise NotImplementedError

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        meta = reader.open_array(store, path)
        self.alter(meta)
        return selection.apply(reader.read_array(store, path, meta))


class MissingChunksReadAsZero(_MetaBug):
    """Fills absent chunks (and empty inner chunks of shards) with zeros instead of the fill value."""

    def alter(self, meta: ArrayMeta) -> None:
        meta.fill_value = np.zeros((), dtype=meta.dtype)[()]
        for spec in meta.pipeline.specs if meta.pipeline else ():
            spec.fill_value = meta.fill_value


class NewZarrMissingChunksReadAsZero(MissingChunksReadAsZero):
    """The same bug in an implementation the kit does not ship: its stores and interop ids are new to everyone."""

    name = "new-zarr"


class IgnoresFortranOrder(_MetaBug):
    """Lays out every v2 chunk in C order, whatever ``order`` says."""

    def alter(self, meta: ArrayMeta) -> None:
        meta.order = "C"


class IgnoresEndianness(_MetaBug):
    """Decodes every multi-byte value as little-endian (v2 dtype and v3 bytes codec)."""

    def alter(self, meta: ArrayMeta) -> None:
        if meta.zarr_format == 2 and meta.dtype.kind not in "SU|":
            meta.dtype = meta.dtype.newbyteorder("<")
        for codec in meta.pipeline.codecs if meta.pipeline else ():
            if isinstance(codec, Bytes):
                codec.endian = "little"


class AlwaysDotSeparator(_MetaBug):
    """Builds chunk keys with '.' even when the metadata asks for '/'."""

    def alter(self, meta: ArrayMeta) -> None:
        meta.separator = "."


class ShardIndexAlwaysAtEnd(_MetaBug):
    """Reads the shard index from the end of the shard even when index_location is start."""

    def alter(self, meta: ArrayMeta) -> None:
        sharding = meta.pipeline.sharding if meta.pipeline else None
        if sharding is not None:
            sharding.location = "end"


class EdgeChunkRightAligned(ReferenceAdapter):
    """Takes the tail of an edge chunk instead of its head (the overhang leaks in)."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        meta = reader.open_array(store, path)
        out = fill_array(meta.shape, meta.dtype, meta.fill_value)
        for index in np.ndindex(*meta.grid):
            target = store.joinpath(*(keys.prefix(path) + meta.chunk_key(index)).split("/"))
            if not target.is_file():
                continue
            region = reader.chunk_region(meta, index)
            chunk = reader.decode_chunk(meta, target.read_bytes(), str(target))
            out[region] = chunk[tuple(slice(c - (r.stop - r.start), c) for r, c in zip(region, meta.chunk_grid_shape))]
        return selection.apply(out)


class DropsAttributes(ReferenceAdapter):
    """Reports no attributes."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return dataclasses.replace(super().open_array(store, path), attributes={})


class DropsDimensionNames(ReferenceAdapter):
    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return dataclasses.replace(super().open_array(store, path), dimension_names=None)


class NaNFillReadAsZero(ReferenceAdapter):
    """Parses a "NaN" fill value as 0.0 (a JSON-to-float conversion that drops strings)."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        info = super().open_array(store, path)
        if info.fill_value is not None and np.asarray(info.fill_value).dtype.kind == "f" and np.isnan(info.fill_value):
            return dataclasses.replace(info, fill_value=info.dtype.type(0))
        return info


class ReportsShardShapeAsChunks(ReferenceAdapter):
    """Reports the outer (shard) shape as the chunk shape of a sharded array."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        info = super().open_array(store, path)
        return dataclasses.replace(info, chunks=info.shards) if info.shards else info


class IgnoresUnknownMembers(ReferenceAdapter):
    """Opens v3 arrays whose unknown members lack must_understand: false."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return self.info(self._lenient(store, path))

    def _lenient(self, store: Path, path: str) -> ArrayMeta:
        import json

        from zarr_conformance.fixtures.metadata import V3_ARRAY_KEYS, V3_OPTIONAL_KEYS, parse_v3_array

        document_path = store.joinpath(*(keys.prefix(path) + "zarr.json").split("/"))
        if not document_path.is_file():
            return reader.open_array(store, path)
        document = json.loads(document_path.read_text())
        known = {k: v for k, v in document.items() if k in V3_ARRAY_KEYS or k in V3_OPTIONAL_KEYS}
        return parse_v3_array(known)

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        return selection.apply(reader.read_array(store, path, self._lenient(store, path)))


class HexFillAsInteger(ReferenceAdapter):
    """Reads a hex float fill value as the integer it spells, not as a bit pattern."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        info = super().open_array(store, path)
        raw = reader.open_array(store, path).document.get("fill_value")
        if isinstance(raw, str) and raw.startswith("0x"):
            return dataclasses.replace(info, fill_value=info.dtype.type(int(raw, 16)))
        return info


class IgnoresStep(ReferenceAdapter):
    """Treats every slice as if its step were 1."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, BasicSelection):
            selection = BasicSelection(
                tuple(Slice(i.start, i.stop) if isinstance(i, Slice) else i for i in selection.items)
            )
        return super().read(store, path, selection)


class EmptySliceMeansToEnd(ReferenceAdapter):
    """Reads ``a[k:k]`` as ``a[k:]``."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, BasicSelection):
            selection = BasicSelection(
                tuple(
                    Slice(i.start, None, i.step)
                    if isinstance(i, Slice) and i.start is not None and i.start == i.stop
                    else i
                    for i in selection.items
                )
            )
        return super().read(store, path, selection)


class SwapsComplexParts(ReferenceAdapter):
    """Decodes complex values with their real and imaginary parts swapped."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        data = super().read(store, path, selection)
        if data.dtype.kind == "c":
            return (data.imag + 1j * data.real).astype(data.dtype)
        return data


class HangsOnInvalidMetadata(ReferenceAdapter):
    """Retries (for 20 s) when metadata does not parse: a hang the kit must cut off."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        deadline = time.monotonic() + 20
        while True:
            try:
                return super().open_array(store, path)
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


class ReturnsWrongType(ReferenceAdapter):
    """Returns a list instead of a NumPy array."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        return super().read(store, path, selection).tolist()  # type: ignore[return-value]


class ReportsEveryArrayAsV2(ReferenceAdapter):
    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return dataclasses.replace(super().open_array(store, path), zarr_format=2)


class ShapeOffByOne(ReferenceAdapter):
    """Reports the first dimension one short (an exclusive/inclusive mix-up)."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        info = super().open_array(store, path)
        if not info.shape:
            return info
        return dataclasses.replace(info, shape=(max(info.shape[0] - 1, 0),) + tuple(info.shape[1:]))


class ReportsIntegersAsFloat64(ReferenceAdapter):
    def open_array(self, store: Path, path: str) -> ArrayInfo:
        info = super().open_array(store, path)
        return dataclasses.replace(info, dtype=np.dtype("f8")) if info.dtype.kind in "iu" else info


class ForgetsShards(ReferenceAdapter):
    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return dataclasses.replace(super().open_array(store, path), shards=None)


class IntegerIndicesReversed(ReferenceAdapter):
    """Applies an all-integer selection with its indices in reverse axis order."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        index = selection.index
        if isinstance(selection, BasicSelection) and index and all(isinstance(s, int) for s in index):
            full = reader.read_array(store, path)
            flipped = tuple(reversed(index))
            if all(i < n for i, n in zip(flipped, full.shape)):
                return full[flipped + (Ellipsis,)]
        return super().read(store, path, selection)


class SortsIndexLists(ReferenceAdapter):
    """Reads an orthogonal selection's integer lists sorted and without repeats, as a
    reader that gathers them chunk by chunk and forgets the order asked."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, OrthogonalSelection):
            selection = OrthogonalSelection(
                tuple(IntList(tuple(sorted(set(i.values)))) if isinstance(i, IntList) else i for i in selection.items)
            )
        return super().read(store, path, selection)


class PointsInChunkOrder(ReferenceAdapter):
    """Returns a coordinate selection's points in the order of the chunks they lie in, not in the order asked."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, CoordinateSelection) and selection.coordinates:
            chunks = reader.open_array(store, path).chunks
            points = sorted(
                zip(*selection.coordinates), key=lambda p: tuple(i // c for i, c in zip(p, chunks)) + tuple(p)
            )
            selection = CoordinateSelection(tuple(zip(*points)) if points else selection.coordinates)
        return super().read(store, path, selection)


class MaskInFortranOrder(ReferenceAdapter):
    """Returns a mask selection's elements in Fortran order (the first index varying fastest)."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, MaskSelection):
            full = reader.read_array(store, path)
            return full.T[selection.mask.T]
        return super().read(store, path, selection)


class NegativeIndexFromChunkGrid(ReferenceAdapter):
    """Counts negative integers from the end of the chunk grid (the padded edge chunk)
    instead of the end of the array."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, BasicSelection):
            meta = reader.open_array(store, path)
            padded = tuple(g * c for g, c in zip(meta.grid, meta.chunk_grid_shape))
            items = selection.expanded(len(meta.shape)).items
            if any(isinstance(i, int) and i < 0 for i in items):
                full = reader.read_array(store, path)
                grid = np.pad(full, [(0, p - n) for n, p in zip(full.shape, padded)])
                return BasicSelection(items).apply(grid)
        return super().read(store, path, selection)


class EllipsisIsOneDimension(ReferenceAdapter):
    """Takes ``...`` for a single full dimension instead of as many as are left out."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, BasicSelection) and Ellipsis in selection.items:
            items = tuple(Slice() if i is Ellipsis else i for i in selection.items)
            full = reader.read_array(store, path)
            if len(items) > full.ndim:  # one dimension too many: drop the last
                items = items[: full.ndim]
            return BasicSelection(items).apply(full)
        return super().read(store, path, selection)


class NegativeStepFromStop(ReferenceAdapter):
    """Reads ``a[s::-k]`` as ``a[:s + 1:k]`` reversed, which starts at the wrong element unless ``k`` divides ``s``."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if isinstance(selection, BasicSelection):
            full = reader.read_array(store, path)
            items = list(selection.expanded(full.ndim).items)
            flips, axis = [], 0  # axis: of the result, where integers drop theirs
            for dim, item in enumerate(items):
                if isinstance(item, Slice):
                    if item.step is not None and item.step < 0:
                        start, stop, step = item.to_slice().indices(full.shape[dim])
                        items[dim] = Slice(stop + 1, start + 1, -step)
                        flips.append(axis)
                    axis += 1
            if flips:
                return np.flip(BasicSelection(tuple(items)).apply(full), axis=flips)
        return super().read(store, path, selection)


class EmptyIndexMeansAll(ReferenceAdapter):
    """Reads an empty integer list, an empty set of points or an all-false mask as "everything"."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        full = reader.read_array(store, path)
        if isinstance(selection, OrthogonalSelection):
            selection = OrthogonalSelection(
                tuple(Slice() if isinstance(i, IntList) and not i.values else i for i in selection.items)
            )
        elif isinstance(selection, CoordinateSelection) and not any(selection.coordinates):
            return full.reshape(-1)
        elif isinstance(selection, MaskSelection) and not selection.true_at:
            return full.reshape(-1)
        return selection.apply(full)
