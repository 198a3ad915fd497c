"""The worker wire protocol, version 2: the adapter contract as JSON lines (see PROTOCOL.md).

Shared by the Python worker host and the kit-side proxy. Everything here is plain
JSON plus ``.npy`` files, so a worker in any language can speak it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .arrayspec import ArraySpec, decode_scalar, encode_scalar
from .base import ArrayInfo, GroupInfo
from .selection import Selection

PROTOCOL = "zarr-conformance-worker"
PROTOCOL_VERSION = 3

#: each verb's arguments in the adapter contract's order, by their names in a request
#: (``read``'s ``out`` and ``write``'s ``data`` are the ``.npy`` files the caller adds)
PARAMETERS: dict[str, tuple[str, ...]] = {
    "open_array": ("store", "path"),
    "read": ("store", "path", "selection"),
    "create_array": ("store", "path", "spec"),
    "write": ("store", "path", "selection"),
    "resize": ("store", "path", "shape"),
    "create_group": ("store", "path", "zarr_format", "attributes"),
    "open_group": ("store", "path"),
    "list_members": ("store", "path", "consolidated"),
    "set_attributes": ("store", "path", "attributes"),
}


def request_arguments(verb: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """The ``args`` of a request for the contract call ``verb(*args)``, as JSON values."""
    return {name: _encode_argument(value) for name, value in zip(PARAMETERS[verb], args)}


def _encode_argument(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Selection | ArraySpec):
        return value.to_json()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


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
