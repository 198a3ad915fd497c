"""Adapter for zarr-python 3.x, in process.

Stores are opened read-only for reading: in zarr 3.0.0-3.0.7, ``mode="a"`` deletes a
store's contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numcodecs
import numpy as np
import zarr
from zarr.codecs import ShardingCodec
from zarr.storage import LocalStore

from .. import vocabulary
from .base import Adapter, ArrayInfo, ArraySpec, Capabilities, GroupInfo, Selection


class ZarrPythonAdapter(Adapter):
    name: ClassVar[str] = "zarr-python"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            "read_formats": [2, 3],
            "write_formats": [2, 3],
            "dtypes": vocabulary.data_types(),
            "codecs": vocabulary.v3_codecs(),
            "v2_codecs": vocabulary.v2_codecs(),
            "chunk_key_encodings": vocabulary.CHUNK_KEY_ENCODINGS,
            "features": [
                "strided_selection",
                "orthogonal_selection",
                "coordinate_selection",
                "mask_selection",
                "sharding",
                "groups",
                "attributes",
                "dimension_names",
                "fortran_order",
                "resize",
                "consolidated_metadata",
            ],
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
        array = self._open(store, path)
        return np.asarray(selection.on(array)[selection.index], dtype=array.dtype)

    def open_group(self, store: Path, path: str) -> GroupInfo:
        group = zarr.open_group(store=LocalStore(str(store), read_only=True), path=path, mode="r")
        return GroupInfo(zarr_format=group.metadata.zarr_format, attributes=group.attrs.asdict())

    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        local = LocalStore(str(store), read_only=True)
        if consolidated:
            group = zarr.open_consolidated(store=local, path=path, mode="r")
        else:
            group = zarr.open_group(store=local, path=path, mode="r", use_consolidated=False)
        return {name: "group" if isinstance(node, zarr.Group) else "array" for name, node in group.members()}

    # ---- writing ------------------------------------------------------------------------

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        common: dict[str, Any] = dict(
            store=LocalStore(str(store)),
            name=path or None,
            shape=spec.shape,
            chunks=spec.grid_shape,
            fill_value=spec.fill_value,
            zarr_format=spec.zarr_format,
            attributes=dict(spec.attributes),
        )
        if spec.zarr_format == 2:
            zarr.create_array(
                **common,
                dtype=spec.dtype.str,
                order="F" if spec.order == "F" else "C",
                compressors=[numcodecs.get_codec(spec.compressor.to_numcodecs())] if spec.compressor else None,
                filters=[numcodecs.get_codec(f.to_numcodecs()) for f in spec.filters or ()] or None,
                chunk_key_encoding={"name": "v2", "separator": spec.separator},
            )
            return
        filters, serializer, compressors = _split_codecs([c.to_json() for c in spec.codecs])
        zarr.create_array(
            **common,
            dtype=spec.data_type,
            filters=filters,
            serializer=serializer,
            compressors=compressors,
            chunk_key_encoding={"name": spec.chunk_key_encoding, "configuration": {"separator": spec.separator}},
            dimension_names=spec.dimension_names,
        )

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        array = zarr.open_array(store=LocalStore(str(store)), path=path, mode="r+")
        selection.on(array)[selection.index] = data

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        zarr.open_array(store=LocalStore(str(store)), path=path, mode="r+").resize(shape)

    def create_group(self, store: Path, path: str, zarr_format: int, attributes: Mapping[str, Any]) -> None:
        zarr.create_group(
            store=LocalStore(str(store)),
            path=path,
            zarr_format=3 if zarr_format == 3 else 2,
            attributes=dict(attributes),
        )

    def set_attributes(self, store: Path, path: str, attributes: Mapping[str, Any]) -> None:
        node = zarr.open(store=LocalStore(str(store)), path=path, mode="r+")
        node.attrs.clear()
        node.attrs.update(dict(attributes))


def _split_codecs(codecs: list[dict[str, Any]]) -> tuple[list[Any], Any, list[Any]]:
    """zarr's create_array takes a v3 codec list as filters, one serializer, compressors."""
    kinds = [vocabulary.V3_CODECS[c["name"]].kind for c in codecs]
    serializer_at = kinds.index("array -> bytes")
    return codecs[:serializer_at], codecs[serializer_at], codecs[serializer_at + 1 :]
