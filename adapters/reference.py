"""The kit's own reference reader as an adapter.

It reads with ``zarr_conformance.fixtures.reader``, so it passes the read suites by
construction on the kit's fixtures (it is the one adapter that uses the kit's own parser:
it is the oracle, not an implementation under test); the suites running green on it is the sanity
check of the suites themselves, and the faulty adapters in ``tests/`` derive from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from .. import vocabulary
from ..fixtures import reader
from ..fixtures.metadata import ArrayMeta
from .base import Adapter, ArrayInfo, Capabilities, Selection


class ReferenceAdapter(Adapter):
    name: ClassVar[str] = "reference"
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            "read_formats": [2, 3],
            "dtypes": vocabulary.data_types(),
            "codecs": vocabulary.v3_codecs(),
            "v2_codecs": ["zlib", "gzip", "zstd", "blosc", "delta"],
            "chunk_key_encodings": vocabulary.CHUNK_KEY_ENCODINGS,
            "features": [
                *vocabulary.SELECTION_FEATURES,
                "sharding",
                "attributes",
                "dimension_names",
                "fortran_order",
            ],
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
        return selection.apply(reader.read_array(store, path))
