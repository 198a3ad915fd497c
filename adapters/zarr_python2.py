"""Adapter for zarr-python 2.x (Zarr v2 only), run in its own environment as a worker."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numcodecs
import numpy as np
import zarr

from .. import vocabulary
from .base import Adapter, ArrayInfo, ArraySpec, Capabilities, GroupInfo, Selection


class ZarrPython2Adapter(Adapter):
    name: ClassVar[str] = "zarr-python"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            "read_formats": [2],
            "write_formats": [2],
            "dtypes": vocabulary.data_types(zarr_format=2),
            "v2_codecs": vocabulary.v2_codecs(),
            "features": [
                "strided_selection",
                "orthogonal_selection",
                "coordinate_selection",
                "mask_selection",
                "groups",
                "attributes",
                "fortran_order",
                "resize",
                "consolidated_metadata",
            ],
        }
    )

    def version(self) -> str:
        return zarr.__version__

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        array = zarr.open_array(store=str(store), path=path, mode="r")
        fill = array.fill_value  # zarr 2 keeps it as a Python scalar; report it in the array's type
        return ArrayInfo(
            zarr_format=2,
            shape=tuple(array.shape),
            dtype=np.dtype(array.dtype),
            chunks=tuple(array.chunks),
            shards=None,
            fill_value=None if fill is None else np.asarray(fill, dtype=array.dtype)[()],
            attributes=array.attrs.asdict(),
            dimension_names=None,
        )

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        array = zarr.open_array(store=str(store), path=path, mode="r")
        return np.asarray(selection.on(array)[selection.index], dtype=array.dtype)

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        array = zarr.create(
            store=str(store),
            path=path or None,
            shape=spec.shape,
            chunks=spec.grid_shape,
            dtype=spec.dtype.str,
            fill_value=spec.fill_value,
            order=spec.order,
            compressor=numcodecs.get_codec(spec.compressor.to_numcodecs()) if spec.compressor else None,
            filters=[numcodecs.get_codec(f.to_numcodecs()) for f in spec.filters or ()] or None,
            dimension_separator=spec.separator,
        )
        if spec.attributes:
            array.attrs.update(dict(spec.attributes))

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        array = zarr.open_array(store=str(store), path=path, mode="r+")
        # zarr 2 broadcasts a scalar but refuses a 0-d array into a larger selection
        selection.on(array)[selection.index] = data[()] if data.ndim == 0 else data

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        zarr.open_array(store=str(store), path=path, mode="r+").resize(*shape)

    def create_group(self, store: Path, path: str, zarr_format: int, attributes: Mapping[str, Any]) -> None:
        group = zarr.group(store=str(store), path=path)
        group.attrs.update(dict(attributes))

    def open_group(self, store: Path, path: str) -> GroupInfo:
        group = zarr.open_group(store=str(store), path=path, mode="r")
        return GroupInfo(zarr_format=2, attributes=group.attrs.asdict())

    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        if consolidated:
            group = zarr.open_consolidated(str(store), path=path, mode="r")
        else:
            group = zarr.open_group(store=str(store), path=path, mode="r")
        members = {name: "group" for name in group.group_keys()}
        members.update({name: "array" for name in group.array_keys()})
        return members

    def set_attributes(self, store: Path, path: str, attributes: Mapping[str, Any]) -> None:
        node = zarr.open(store=str(store), path=path, mode="r+")
        node.attrs.put(dict(attributes))
