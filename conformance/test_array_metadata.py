"""Binds the template suite ``suites.array_metadata`` to the adapter chosen with ``--zarr-impl``."""

from zarr_conformance.suites.array_metadata import ArrayMetadataTests


class TestArrayMetadata(ArrayMetadataTests):
    pass
