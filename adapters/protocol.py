"""The worker wire protocol, version 2: the adapter contract as JSON lines (see PROTOCOL.md).

Shared by the Python worker host and the kit-side proxy. Everything here is plain
JSON plus ``.npy`` files, so a worker in any language can speak it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from .arrayspec import decode_scalar, encode_scalar
from .base import ArrayInfo, GroupInfo

PROTOCOL = "zarr-conformance-worker"
PROTOCOL_VERSION = 2


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
