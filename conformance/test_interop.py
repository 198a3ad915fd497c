"""Binds the template suite ``suites.interop`` to the adapter chosen with ``--zarr-impl``."""

from zarr_conformance.suites.interop import InteropReadTests, InteropWriteTests


class TestInteropWrite(InteropWriteTests):
    pass


class TestInteropRead(InteropReadTests):
    pass
