"""Adapter for zarr-python 3.x, in process.

Stores are opened read-only for reading: in zarr 3.0.0-3.0.7, ``mode="a"`` deletes a
store's contents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import zarr
from zarr.codecs import ShardingCodec
from zarr.storage import LocalStore

from .base import Adapter, ArrayInfo, Capabilities, GroupInfo, Selection

_CORE_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
}


class ZarrPythonAdapter(Adapter):
    name: ClassVar[str] = "zarr-python"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            "read_formats": [2, 3],
            "dtypes": _CORE_DTYPES | {"fixed_bytes", "fixed_length_utf32"},
            "codecs": ["bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"],
            "v2_codecs": ["zlib", "gzip", "zstd", "blosc", "lz4", "bz2", "lzma", "delta", "shuffle"],
            "chunk_key_encodings": ["default", "v2"],
            "features": ["sharding", "groups", "attributes", "dimension_names", "fortran_order"],
        }
    )

    def version(self) -> str:
        return zarr.__version__

    def _open(self, store: Path, path: str) -> Any:
        return zarr.open_array(store=LocalStore(str(store), read_only=True), path=path, mode="r")

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        array = self._open(store, path)
        metadata = array.metadata
        names = getattr(metadata, "dimension_names", None)
        # zarr's Array.shards is None unless sharding is the only codec; read the parsed codecs instead
        sharding = [c for c in getattr(metadata, "codecs", ()) if isinstance(c, ShardingCodec)]
        chunks = tuple(sharding[0].chunk_shape) if sharding else tuple(array.chunks)
        shards = tuple(metadata.chunk_grid.chunk_shape) if sharding else None
        return ArrayInfo(
            zarr_format=metadata.zarr_format,
            shape=tuple(array.shape),
            dtype=np.dtype(array.dtype),
            chunks=chunks,
            shards=shards,
            fill_value=array.fill_value,
            attributes=array.attrs.asdict(),
            dimension_names=tuple(names) if names is not None else None,
        )

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        return np.asarray(self._open(store, path)[selection])

    def open_group(self, store: Path, path: str) -> GroupInfo:
        group = zarr.open_group(store=LocalStore(str(store), read_only=True), path=path, mode="r")
        return GroupInfo(zarr_format=group.metadata.zarr_format, attributes=group.attrs.asdict())

    def list_members(self, store: Path, path: str) -> dict[str, str]:
        group = zarr.open_group(store=LocalStore(str(store), read_only=True), path=path, mode="r")
        return {
            name: "group" if isinstance(node, zarr.Group) else "array" for name, node in group.members()
        }
