"""Template test classes, one module per area of the specification.

Each class is written once from the spec and runs against any adapter: bind one by
subclassing it in a test module and providing a ``zarr_adapter`` fixture (the pytest
plugin provides one from ``--zarr-impl``)::

    from zarr_conformance.suites.array_read import ArrayReadTests

    class TestMyImplementation(ArrayReadTests):
        @pytest.fixture(scope="session")
        @classmethod
        def zarr_adapter(cls):
            return MyAdapter()

A test names the rules it checks with ``@pytest.mark.zarr_requirements``: positional IDs for
every case, ``v2=`` and ``v3=`` for the cases of that format (or of a ``zarr_format``
parameter), ``sharded=`` for sharded cases, ``v2_by_kind=`` / ``v3_by_kind=`` by NumPy
dtype kind, and ``extensions=`` for the cases that use the codec, data type or chunk key
encoding the rule belongs to. A rule attached where it cannot apply (a v3 rule on a v2
case, a sharding rule on an unsharded one) stops the collection with an error naming the
test and the ID.
"""
