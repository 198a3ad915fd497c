"""The kit's own reference reader as an adapter.

It reads with ``zarr_conformance.fixtures.reader``, so it passes the read suites by
construction on the kit's fixtures; the suites running green on it is the sanity
check of the suites themselves, and the faulty adapters in ``tests/`` derive from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from ..fixtures import reader
from ..fixtures.metadata import ArrayMeta
from .base import Adapter, ArrayInfo, Capabilities, Selection

_DTYPES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128", "fixed_bytes", "fixed_length_utf32",
]


class ReferenceAdapter(Adapter):
    name: ClassVar[str] = "reference"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            "read_formats": [2, 3],
            "dtypes": _DTYPES,
            "codecs": ["bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"],
            "v2_codecs": ["zlib", "gzip", "zstd", "blosc", "delta"],
            "chunk_key_encodings": ["default", "v2"],
            "features": ["strided_selection", "sharding", "attributes", "dimension_names", "fortran_order"],
        }
    )

    def version(self) -> str:
        from .. import __version__

        return __version__

    def info(self, meta: ArrayMeta) -> ArrayInfo:
        return ArrayInfo(
            zarr_format=meta.zarr_format,
            shape=meta.shape,
            dtype=meta.dtype,
            chunks=meta.chunks,
            shards=meta.shards,
            fill_value=meta.fill_value,
            attributes=dict(meta.attributes),
            dimension_names=meta.dimension_names,
        )

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return self.info(reader.open_array(store, path))

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        return reader.read_array(store, path)[tuple(selection) + (Ellipsis,)]
