"""Binds the template suite ``suites.invalid_input`` to the adapter chosen with ``--zarr-impl``."""

from zarr_conformance.suites.invalid_input import InvalidInputTests


class TestInvalidInput(InvalidInputTests):
    pass
