"""Binds the template suite ``suites.groups`` to the adapter chosen with ``--zarr-impl``."""

from zarr_conformance.suites.groups import GroupReadTests, GroupWriteTests


class TestGroupRead(GroupReadTests):
    pass


class TestGroupWrite(GroupWriteTests):
    pass
