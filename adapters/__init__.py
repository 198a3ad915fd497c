"""Adapters: the thin bridges between the kit and each implementation under test.

Only an adapter's own module imports its implementation; nothing here imports one.
"""

if __name__ != "zarr_conformance.adapters":  # pragma: no cover
    raise ImportError(f"this folder is the package 'zarr_conformance.adapters'; it cannot be imported as {__name__!r}")
