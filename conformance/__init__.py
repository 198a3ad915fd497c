"""zarr-conformance: the conformance test kit for Zarr implementations.

The kit installs as the single import namespace ``zarr_conformance``:

* ``zarr_conformance``            template suites, pytest plugin, runner, CLI
* ``zarr_conformance.fixtures``   case catalogue, reference writer and reader
* ``zarr_conformance.adapters``   adapter contract and the built-in adapters

Importing this package imports no Zarr implementation.
"""

if __name__ != "zarr_conformance":  # pragma: no cover - exercised in tests/test_packaging.py
    raise ImportError(f"this folder is the package 'zarr_conformance'; it cannot be imported as {__name__!r}")

__version__ = "0.1.0"
