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
from zarr_conformance.adapters.selection import BasicSelection
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
        return reader.read_array(store, path, meta)[selection.index + (Ellipsis,)]


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
        return out[selection.index + (Ellipsis,)]


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
        return reader.read_array(store, path, self._lenient(store, path))[selection.index + (Ellipsis,)]


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
        stepless = BasicSelection.of(*(slice(s.start, s.stop) if isinstance(s, slice) else s for s in selection.index))
        return super().read(store, path, stepless)


class EmptySliceMeansToEnd(ReferenceAdapter):
    """Reads ``a[k:k]`` as ``a[k:]``."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        fixed = BasicSelection.of(
            *(
                slice(s.start, None, s.step)
                if isinstance(s, slice) and s.start is not None and s.start == s.stop
                else s
                for s in selection.index
            )
        )
        return super().read(store, path, fixed)


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
        if index and all(isinstance(s, int) for s in index):
            full = reader.read_array(store, path)
            flipped = tuple(reversed(index))
            if all(i < n for i, n in zip(flipped, full.shape)):
                return full[flipped + (Ellipsis,)]
        return super().read(store, path, selection)
