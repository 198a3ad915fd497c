"""Adapter for tensorstore (drivers ``zarr`` for v2 and ``zarr3`` for v3, sharding included).

tensorstore has no user-attribute or group API, so neither is claimed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import tensorstore as ts

from .. import vocabulary
from .base import Adapter, ArrayInfo, ArraySpec, Capabilities, Selection


def _spec(store: Path, path: str) -> dict[str, Any]:
    folder = store.joinpath(*path.split("/")) if path else store
    driver = "zarr3" if (folder / "zarr.json").exists() or not (folder / ".zarray").exists() else "zarr"
    return {"driver": driver, "kvstore": {"driver": "file", "path": str(folder)}}


class TensorstoreAdapter(Adapter):
    name: ClassVar[str] = "tensorstore"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            "read_formats": [2, 3],
            "write_formats": [2, 3],
            # tensorstore refuses v2 "<U" dtypes and maps "|S" to bytes along an extra dimension
            "dtypes": vocabulary.data_types(core=True),
            "codecs": vocabulary.v3_codecs(),
            "v2_codecs": ["zlib", "gzip", "zstd", "blosc", "bz2"],
            "chunk_key_encodings": vocabulary.CHUNK_KEY_ENCODINGS,
            "features": [
                *vocabulary.SELECTION_FEATURES,
                "sharding",
                "dimension_names",
                "fortran_order",
                "resize",
            ],
        }
    )

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
        return np.asarray(_select(array, selection).read().result(), dtype=array.dtype.numpy_dtype)

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        """tensorstore builds the metadata itself, from its own spec: shape, chunking, codecs, fill value."""
        ts_spec = _spec(store, path)
        if spec.zarr_format == 2:
            ts_spec["driver"] = "zarr"
            ts_spec["metadata"] = {
                "shape": list(spec.shape),
                "chunks": list(spec.grid_shape),
                "dtype": spec.dtype.str,
                "order": spec.order,
                "dimension_separator": spec.separator,
                "compressor": spec.compressor.to_numcodecs() if spec.compressor else None,
                "filters": [f.to_numcodecs() for f in spec.filters] if spec.filters is not None else None,
            }
            if spec.fill_value is None:
                ts_spec["metadata"]["fill_value"] = None
        else:
            ts_spec["driver"] = "zarr3"
            ts_spec["metadata"] = {
                "shape": list(spec.shape),
                "data_type": spec.data_type,
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(spec.grid_shape)}},
                "chunk_key_encoding": {"name": spec.chunk_key_encoding, "configuration": {"separator": spec.separator}},
                "codecs": [c.to_json() for c in spec.codecs],
            }
            if spec.dimension_names is not None:
                ts_spec["metadata"]["dimension_names"] = list(spec.dimension_names)
        native = spec.dtype.newbyteorder("=")  # tensorstore reads the bytes of a NumPy value as native
        fill = {} if spec.fill_value is None else {"fill_value": np.asarray(spec.fill_value).astype(native)}
        ts.open(ts_spec, create=True, **fill).result()

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        _select(self._open(store, path, write=True), selection).write(data).result()

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


def _select(array: Any, selection: Selection) -> Any:
    """tensorstore's view of ``selection``. Its indices are coordinates of the array's domain,
    so a negative index or slice bound counts from the end only once resolved against the
    shape (``-1`` is otherwise out of bounds, and a negative step from an open start runs
    from the upper bound); it takes integer lists and masks in ``oindex``, points and a
    full mask in ``vindex``, as NumPy and zarr-python do."""
    resolved = selection.resolved(tuple(array.domain.shape))
    return resolved.on(array)[resolved.index]
