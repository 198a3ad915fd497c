"""Adapter for tensorstore (drivers ``zarr`` for v2 and ``zarr3`` for v3, sharding included).

tensorstore has no user-attribute or group API, so neither is claimed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import tensorstore as ts

from ..fixtures.writer import array_document
from ..fixtures.cases import Case
from .base import Adapter, ArrayInfo, Capabilities, Selection

# tensorstore refuses v2 "<U" dtypes and maps "|S" to bytes along an extra dimension
_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64", "complex64", "complex128"]


def _spec(store: Path, path: str) -> dict[str, Any]:
    folder = store.joinpath(*path.split("/")) if path else store
    driver = "zarr3" if (folder / "zarr.json").exists() or not (folder / ".zarray").exists() else "zarr"
    return {"driver": driver, "kvstore": {"driver": "file", "path": str(folder)}}


class TensorstoreAdapter(Adapter):
    name: ClassVar[str] = "tensorstore"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict({
        "read_formats": [2, 3],
        "write_formats": [2, 3],
        "dtypes": _DTYPES,
        "codecs": ["bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"],
        "v2_codecs": ["zlib", "gzip", "zstd", "blosc", "bz2"],
        "chunk_key_encodings": ["default", "v2"],
        "features": ["strided_selection", "sharding", "dimension_names", "fortran_order", "resize"],
    })

    def version(self) -> str:
        return ts.__version__ if hasattr(ts, "__version__") else _distribution_version()

    def _open(self, store: Path, path: str, write: bool = False) -> Any:
        return ts.open(_spec(store, path), read=True, write=write).result()

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        array = self._open(store, path)
        metadata = array.spec().to_json()["metadata"]
        names = metadata.get("dimension_names")
        fill = array.fill_value
        chunks, shards = _chunks_and_shards(metadata)
        return ArrayInfo(
            zarr_format=metadata.get("zarr_format", 2),
            shape=tuple(array.domain.shape),
            dtype=np.dtype(array.dtype.numpy_dtype),
            chunks=chunks,
            shards=shards,
            fill_value=None if fill is None else np.asarray(fill)[()],
            attributes={},
            dimension_names=tuple(names) if names is not None else None,
        )

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        array = self._open(store, path)
        return np.asarray(array[selection].read().result(), dtype=array.dtype.numpy_dtype)

    def create_array(self, store: Path, path: str, description: Mapping[str, Any]) -> None:
        metadata = array_document(Case(raw={**description, "path": ""}, source="description"))
        metadata.pop("attributes", None)
        spec = _spec(store, path)
        spec["driver"] = "zarr3" if description["format"] == 3 else "zarr"
        spec["metadata"] = metadata
        ts.open(spec, create=True).result()

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        self._open(store, path, write=True)[selection].write(data).result()

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        self._open(store, path, write=True).resize(exclusive_max=shape).result()


def _chunks_and_shards(metadata: dict[str, Any]) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """From tensorstore's parsed metadata: the grid's chunk shape, and the outer sharding's inner chunks."""
    if "chunks" in metadata:  # v2
        return tuple(metadata["chunks"]), None
    grid = tuple(metadata["chunk_grid"]["configuration"]["chunk_shape"])
    for codec in metadata.get("codecs", []):
        if codec.get("name") == "sharding_indexed":
            return tuple(codec["configuration"]["chunk_shape"]), grid
    return grid, None


def _distribution_version() -> str:
    from importlib.metadata import version

    return version("tensorstore")
