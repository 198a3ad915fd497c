"""Pieces shared by the template suites: opening through the guard, expected values."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..adapters.base import ArrayInfo
from ..calls import AdapterCrash, AdapterError, AdapterTimeout, GuardedAdapter, format_call
from ..checks import fail
from ..fixtures.dtypes import decode_fill_value
from ..fixtures.writer import Fixture


@cache  # all of them: the whole catalogue's expected arrays take well under 1 MB
def _expected(root: Path) -> np.ndarray:
    return np.load(root / "expected.npy", allow_pickle=False)


def expected_array(fixture: Fixture) -> np.ndarray:
    """The case's expected decoded array (read-only, cached)."""
    array = _expected(fixture.root)
    array.setflags(write=False)
    return array


def expected_dtype(fixture: Fixture) -> np.dtype:
    return fixture.case.dtype


def expected_fill_value(fixture: Fixture) -> Any:
    return decode_fill_value(fixture.case.raw["fill_value"], expected_dtype(fixture), fixture.case.format)


def call_or_fail(guard: GuardedAdapter, fixture: Fixture | None, requirements: list[str], verb: str, *args: Any) -> Any:
    """Call a verb that must succeed (valid input); an error or hang is a failure naming the call."""
    __tracebackhide__ = True
    try:
        return guard.call(verb, *args)
    except AdapterError as exc:
        fail(
            f"{exc.error_type}: {exc.error_message}",
            f"{verb} to succeed on valid input",
            requirements,
            fixture,
            exc.call,
        )
    except AdapterTimeout as exc:
        fail(str(exc), "the call to return", requirements, fixture, exc.call, kind="timeout")
    except AdapterCrash as exc:
        fail(str(exc), "the call to return", requirements, fixture, exc.call, kind="crash")


def open_info(guard: GuardedAdapter, fixture: Fixture, requirements: list[str]) -> ArrayInfo:
    __tracebackhide__ = True
    info = call_or_fail(guard, fixture, requirements, "open_array", fixture.store, fixture.case.open_path)
    if not isinstance(info, ArrayInfo):
        fail(
            f"open_array returned {type(info).__name__}",
            "an ArrayInfo (adapter contract)",
            requirements,
            fixture,
            format_call(guard.adapter, "open_array", (fixture.store, fixture.case.open_path)),
        )
    return info
