"""Template test classes, one module per area of the specification.

Each class is written once from the spec and runs against any adapter: bind one by
subclassing it in a test module and providing a ``zarr_adapter`` fixture (the pytest
plugin provides one from ``--zarr-impl``)::

    from zarr_conformance.suites.array_read import ArrayReadTests

    class TestMyImplementation(ArrayReadTests):
        @pytest.fixture(scope="session")
        def zarr_adapter(self):
            return MyAdapter()
"""
