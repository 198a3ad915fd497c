"""Adapters that break their worker process: exit, segfault, hang. For the isolation tests."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

from zarr_conformance.adapters.base import Selection
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.fixtures.reader import open_array


class ExitsOnComplex(ReferenceAdapter):
    """Calls os._exit while reading a complex array (after saying why on stderr)."""

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if open_array(store, path).dtype.kind == "c":
            print("complex support not compiled in, giving up", file=sys.stderr, flush=True)
            os._exit(3)
        return super().read(store, path, selection)


class SegfaultsOnBool(ReferenceAdapter):
    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if open_array(store, path).dtype.kind == "b":
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().read(store, path, selection)


class HangsOnFloat16(ReferenceAdapter):
    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        if open_array(store, path).dtype.itemsize == 2 and open_array(store, path).dtype.kind == "f":
            time.sleep(3600)
        return super().read(store, path, selection)
