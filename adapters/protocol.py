"""The worker wire protocol, version 1: the adapter contract as JSON lines (see PROTOCOL.md).

Shared by the Python worker host and the kit-side proxy. Everything here is plain
JSON plus ``.npy`` files, so a worker in any language can speak it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from .base import ArrayInfo, GroupInfo, Selection

PROTOCOL = "zarr-conformance-worker"
PROTOCOL_VERSION = 1


def encode_selection(selection: Selection) -> list[Any]:
    """Each entry an integer or ``[start, stop, step]`` (``null`` for an open end)."""
    return [[s.start, s.stop, s.step] if isinstance(s, slice) else int(s) for s in selection]


def decode_selection(items: list[Any]) -> Selection:
    return tuple(slice(*item) if isinstance(item, list) else int(item) for item in items)


def encode_scalar(value: Any) -> dict[str, str] | None:
    """A scalar as its NumPy typestr and little-endian bytes in hex (``null`` for None)."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "SU":
        array = array.astype(array.dtype.newbyteorder("<"))
    return {"dtype": array.dtype.str, "hex": array.tobytes().hex()}


def decode_scalar(data: dict[str, str] | None) -> Any:
    if data is None:
        return None
    return np.frombuffer(bytes.fromhex(data["hex"]), dtype=np.dtype(data["dtype"])).reshape(())[()]


def encode_array_info(info: ArrayInfo) -> dict[str, Any]:
    return {
        "zarr_format": info.zarr_format,
        "shape": list(info.shape),
        "dtype": np.dtype(info.dtype).str,
        "chunks": list(info.chunks),
        "shards": list(info.shards) if info.shards is not None else None,
        "fill_value": encode_scalar(info.fill_value),
        "attributes": info.attributes,
        "dimension_names": list(info.dimension_names) if info.dimension_names is not None else None,
    }


def decode_array_info(data: dict[str, Any]) -> ArrayInfo:
    return ArrayInfo(
        zarr_format=data["zarr_format"],
        shape=tuple(data["shape"]),
        dtype=np.dtype(data["dtype"]),
        chunks=tuple(data["chunks"]),
        shards=tuple(data["shards"]) if data.get("shards") is not None else None,
        fill_value=decode_scalar(data.get("fill_value")),
        attributes=data.get("attributes") or {},
        dimension_names=tuple(data["dimension_names"]) if data.get("dimension_names") is not None else None,
    )


def encode_group_info(info: GroupInfo) -> dict[str, Any]:
    return {"zarr_format": info.zarr_format, "attributes": info.attributes}


def decode_group_info(data: dict[str, Any]) -> GroupInfo:
    return GroupInfo(zarr_format=data["zarr_format"], attributes=data.get("attributes") or {})


def save_npy(array: np.ndarray, path: Path) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    path.write_bytes(buffer.getvalue())


def load_npy(path: Path) -> np.ndarray:
    return np.load(path, allow_pickle=False)
