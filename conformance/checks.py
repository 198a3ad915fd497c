"""Assertion helpers for the template suites.

Each failure says what was observed, what the spec requires (with the requirement
IDs and their summaries), which case and fixture, and the call that reproduces it.
The helpers hide their own frames from tracebacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

import numpy as np

from .fixtures.dtypes import describe_scalar, dtype_name, same_scalar
from .fixtures.writer import Fixture
from .outcomes import FAILURE_KINDS, Outcome, Unsupported
from .requirements import describe

_MAX_SHOWN = 5


class ConformanceFailure(AssertionError):
    """A check failed; the message is complete on its own.

    ``kind`` is ``fail`` for a wrong answer, ``timeout`` for a call that hung and
    ``crash`` for a worker that died; reports show them as distinct outcomes.
    """

    def __init__(self, message: str, kind: str = Outcome.FAIL) -> None:
        super().__init__(message)
        self.kind = Outcome(kind)
        if self.kind not in FAILURE_KINDS:
            raise ValueError(f"a failure is one of {[str(k) for k in FAILURE_KINDS]}, not {kind!r}")


def fail(
    observed: str,
    required: str,
    requirements: Iterable[str],
    fixture: Fixture | None,
    call: str | None,
    kind: str = Outcome.FAIL,
) -> NoReturn:
    __tracebackhide__ = True
    lines = [f"observed: {observed}", f"but the spec requires: {required}"]
    for requirement in requirements:
        lines.append(f"  - {describe(requirement)}")
    if fixture is not None:
        lines.append(f"case: {fixture.case.id} ({fixture.case.source})")
        lines.append(f"fixture store: {fixture.store}")
    if call:
        lines.append(f"reproduce: {call}")
    raise ConformanceFailure("\n".join(lines), kind)


def _bits(array: np.ndarray) -> np.ndarray:
    """Float and complex arrays as unsigned integers of their native-order bit patterns."""
    # contiguous, as a view to a smaller type needs (orthogonal selections are not)
    native = np.ascontiguousarray(np.atleast_1d(array), dtype=array.dtype.newbyteorder("="))
    width = native.dtype.itemsize // (2 if native.dtype.kind == "c" else 1)
    parts = native.view(f"u{width}")
    return parts


def mismatches(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Boolean mask of positions whose values differ (bitwise for floats: -0.0 != 0.0)."""
    if expected.dtype.kind in "fc":
        obs_bits, exp_bits = _bits(observed), _bits(expected)
        if expected.dtype.kind == "c":
            shape = expected.shape
            return (obs_bits.reshape(shape + (2,)) != exp_bits.reshape(shape + (2,))).any(axis=-1)
        return (obs_bits != exp_bits).reshape(expected.shape)
    return observed != expected


def check_array(
    observed: Any,
    expected: np.ndarray,
    *,
    what: str,
    requirements: Iterable[str],
    fixture: Fixture | None,
    call: str | None,
) -> None:
    """``observed`` must be an ndarray of ``expected``'s shape, data type and values."""
    __tracebackhide__ = True
    requirements = list(requirements)
    if not isinstance(observed, np.ndarray):
        fail(
            f"{what} returned {type(observed).__name__}, not a NumPy array",
            "an array of the selection's shape",
            requirements,
            fixture,
            call,
        )
    if observed.shape != expected.shape:
        fail(f"{what} has shape {observed.shape}", f"shape {expected.shape}", requirements, fixture, call)
    if observed.dtype.kind != expected.dtype.kind or observed.dtype.itemsize != expected.dtype.itemsize:
        fail(
            f"{what} has data type {observed.dtype.str}",
            f"data type {expected.dtype.str} (byte order aside)",
            requirements,
            fixture,
            call,
        )
    if expected.size == 0:
        return
    wrong = mismatches(observed, expected)
    if wrong.any():
        positions = np.argwhere(wrong)[:_MAX_SHOWN]
        shown = ", ".join(
            f"{tuple(int(i) for i in p)}: {describe_scalar(observed[tuple(p)])} != "
            f"{describe_scalar(expected[tuple(p)])}"
            for p in positions
        )
        fail(
            f"{what}: {int(wrong.sum())} of {expected.size} values differ (observed != expected at {shown})",
            "the values the fixture's case defines",
            requirements,
            fixture,
            call,
        )


def check_equal(
    observed: Any, expected: Any, *, what: str, requirements: Iterable[str], fixture: Fixture | None, call: str | None
) -> None:
    __tracebackhide__ = True
    if observed != expected:
        fail(f"{what} {observed!r}", f"{what} {expected!r}", requirements, fixture, call)


def check_fill_value(observed: Any, expected: Any, *, requirements: Iterable[str], fixture: Fixture, call: str) -> None:
    __tracebackhide__ = True
    if not same_scalar(observed, expected):
        observed_type = f" ({dtype_name(np.asarray(observed).dtype)})" if observed is not None else ""
        fail(
            f"fill value {describe_scalar(observed)}{observed_type}",
            f"fill value {describe_scalar(expected)} (compared bit for bit), decoded from "
            f"{fixture.case.raw['fill_value']!r}",
            requirements,
            fixture,
            call,
        )


def skip_unsupported(missing: list[str]) -> None:
    """The single skip path: capabilities the adapter does not claim, carried as data (see :class:`Unsupported`)."""
    __tracebackhide__ = True
    if missing:
        raise Unsupported(missing)
