"""Binds the template suite ``suites.array_read`` to the adapter chosen with ``--zarr-impl``."""

from zarr_conformance.suites.array_read import ArrayReadTests


class TestArrayRead(ArrayReadTests):
    pass
