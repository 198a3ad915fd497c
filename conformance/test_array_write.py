"""Binds the template suite ``suites.array_write`` to the adapter chosen with ``--zarr-impl``."""

from zarr_conformance.suites.array_write import ArrayWriteTests


class TestArrayWrite(ArrayWriteTests):
    pass
