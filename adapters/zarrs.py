"""Adapter for zarrs (Rust), through zarrs-python's codec pipeline for zarr-python.

The pipeline is strict: when zarrs cannot handle something, the call fails instead of
silently falling back to zarr-python's own pipeline.
"""

from __future__ import annotations

from typing import ClassVar

import zarr
import zarrs

from .base import Capabilities
from .zarr_python import ZarrPythonAdapter

_REFUSED = {"strided_selection", "orthogonal_selection", "coordinate_selection", "mask_selection", "fortran_order"}


class ZarrsAdapter(ZarrPythonAdapter):
    name: ClassVar[str] = "zarrs"
    # zarrs-python's pipeline handles neither strided, orthogonal, coordinate nor mask
    # selections, nor v2 order "F", the S/U dtypes or the delta filter: it refuses them in
    # strict mode
    capabilities: ClassVar[Capabilities] = Capabilities.from_dict(
        {
            **ZarrPythonAdapter.capabilities.to_dict(),
            "dtypes": sorted(ZarrPythonAdapter.capabilities.dtypes - {"fixed_bytes", "fixed_length_utf32"}),
            "v2_codecs": sorted(ZarrPythonAdapter.capabilities.v2_codecs - {"delta"}),
            "features": sorted(ZarrPythonAdapter.capabilities.features - _REFUSED),
        }
    )

    def __init__(self) -> None:
        zarr.config.set({"codec_pipeline.path": "zarrs.ZarrsCodecPipeline", "codec_pipeline.strict": True})

    def version(self) -> str:
        return zarrs.__version__
