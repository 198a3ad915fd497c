"""The normalized array description an adapter creates an array from, and its JSON form.

The kit builds an :class:`ArraySpec` from a case (``Case.array_spec()``); adapters and
workers receive it, never the raw case, and translate it into their implementation's
own API.  Everything in it is decoded: the data type as a NumPy dtype and the kit's
name, the fill value as a NumPy scalar of that dtype, codecs as name and configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class CodecSpec:
    """One codec: a v3 codec name, or a v2 numcodecs id, with its configuration.

    The configuration is JSON; the ``codecs`` and ``index_codecs`` of a sharding codec
    hold codecs in the same ``{"name", "configuration"}`` form.
    """

    name: str
    configuration: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": dict(self.configuration)}

    def to_numcodecs(self) -> dict[str, Any]:
        """A v2 codec as numcodecs spells it: ``{"id": name, ...configuration}``."""
        return {"id": self.name, **self.configuration}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CodecSpec:
        return cls(str(data["name"]), dict(data.get("configuration") or {}))


@dataclass(frozen=True)
class ArraySpec:
    """An array to create.

    ``chunks`` is the chunk shape a reader sees (the inner chunk shape when sharded) and
    ``shards`` the shard shape, or None; :attr:`grid_shape` is the regular grid's chunk
    shape (v2 ``chunks``, v3 ``chunk_grid``).  ``dtype`` carries the byte order of a v2
    typestr; in v3 it is native, and the ``bytes`` codec says how chunks are stored.
    ``fill_value`` is None only for a v2 ``null``.  v3 arrays have ``codecs``; v2 arrays
    have ``compressor`` and ``filters`` (None for ``null``, as distinct from ``[]``) and an
    ``order``.  ``chunk_key_encoding`` is ``"default"`` or ``"v2"`` (always ``"v2"`` in
    v2), with its ``separator``.
    """

    zarr_format: int
    shape: tuple[int, ...]
    data_type: str
    dtype: np.dtype
    chunks: tuple[int, ...]
    shards: tuple[int, ...] | None
    fill_value: Any
    codecs: tuple[CodecSpec, ...] = ()
    compressor: CodecSpec | None = None
    filters: tuple[CodecSpec, ...] | None = None
    order: str = "C"
    chunk_key_encoding: str = "default"
    separator: str = "/"
    attributes: Mapping[str, Any] = field(default_factory=dict)
    dimension_names: tuple[str | None, ...] | None = None

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return self.shards or self.chunks

    def to_json(self) -> dict[str, Any]:
        return {
            "zarr_format": self.zarr_format,
            "shape": list(self.shape),
            "data_type": self.data_type,
            "dtype": self.dtype.str,
            "chunks": list(self.chunks),
            "shards": list(self.shards) if self.shards is not None else None,
            "fill_value": encode_scalar(self.fill_value),
            "codecs": [c.to_json() for c in self.codecs],
            "compressor": self.compressor.to_json() if self.compressor else None,
            "filters": [f.to_json() for f in self.filters] if self.filters is not None else None,
            "order": self.order,
            "chunk_key_encoding": self.chunk_key_encoding,
            "separator": self.separator,
            "attributes": dict(self.attributes),
            "dimension_names": list(self.dimension_names) if self.dimension_names is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ArraySpec:
        filters = data.get("filters")
        names = data.get("dimension_names")
        dtype = np.dtype(data["dtype"])
        fill = decode_scalar(data.get("fill_value"))
        return cls(
            zarr_format=int(data["zarr_format"]),
            shape=tuple(data["shape"]),
            data_type=str(data["data_type"]),
            dtype=dtype,
            chunks=tuple(data["chunks"]),
            shards=tuple(data["shards"]) if data.get("shards") is not None else None,
            fill_value=None if fill is None else np.asarray(fill).astype(dtype)[()],
            codecs=tuple(CodecSpec.from_json(c) for c in data.get("codecs") or ()),
            compressor=CodecSpec.from_json(data["compressor"]) if data.get("compressor") else None,
            filters=tuple(CodecSpec.from_json(f) for f in filters) if filters is not None else None,
            order=data.get("order", "C"),
            chunk_key_encoding=data.get("chunk_key_encoding", "v2" if data["zarr_format"] == 2 else "default"),
            separator=data.get("separator", "." if data["zarr_format"] == 2 else "/"),
            attributes=dict(data.get("attributes") or {}),
            dimension_names=tuple(names) if names is not None else None,
        )


def encode_scalar(value: Any) -> dict[str, str] | None:
    """A scalar as its NumPy typestr and little-endian bytes in hex (``null`` for None)."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "SU":
        array = array.astype(array.dtype.newbyteorder("<"))
    return {"dtype": array.dtype.str, "hex": array.tobytes().hex()}


def decode_scalar(data: Mapping[str, str] | None) -> Any:
    if data is None:
        return None
    return np.frombuffer(bytes.fromhex(data["hex"]), dtype=np.dtype(data["dtype"])).reshape(())[()]
