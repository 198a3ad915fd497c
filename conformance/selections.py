"""The named selections every valid case is read with, derived from its shape and chunks."""

from __future__ import annotations

import math
from collections.abc import Callable

from .adapters.selection import BasicSelection, Slice


def one_element(shape: tuple[int, ...], chunks: tuple[int, ...]) -> BasicSelection | None:
    """The element just past the middle: an integer per dimension."""
    if any(s == 0 for s in shape):
        return None
    return BasicSelection(tuple(s // 2 for s in shape))


def region(shape: tuple[int, ...], chunks: tuple[int, ...]) -> BasicSelection | None:
    """A block that starts one element before the first chunk border and ends past it."""
    if not shape:
        return None
    return BasicSelection(tuple(Slice(max(c - 1, 0) if s > c else 0, min(s, c + 2)) for s, c in zip(shape, chunks)))


def strided(shape: tuple[int, ...], chunks: tuple[int, ...]) -> BasicSelection | None:
    """Every other (or every third) element, starting off the chunk origin where possible."""
    if not shape:
        return None
    return BasicSelection(tuple(Slice(1 if s > 2 else 0, s, 3 if s > 6 else 2) for s in shape))


def last_partial_chunk(shape: tuple[int, ...], chunks: tuple[int, ...]) -> BasicSelection | None:
    """The last chunk in every dimension, clipped to the array (a ragged edge when it is one)."""
    if not shape or any(s == 0 for s in shape):
        return None
    return BasicSelection(tuple(Slice((math.ceil(s / c) - 1) * c, s) for s, c in zip(shape, chunks)))


def empty(shape: tuple[int, ...], chunks: tuple[int, ...]) -> BasicSelection | None:
    """A selection with zero elements (an empty slice in the first dimension)."""
    if not shape:
        return None
    first = min(1, shape[0])
    return BasicSelection((Slice(first, first),) + tuple(Slice() for _ in shape[1:]))


SELECTIONS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], BasicSelection | None]] = {
    "one_element": one_element,
    "region": region,
    "strided": strided,
    "last_partial_chunk": last_partial_chunk,
    "empty": empty,
}


def selection_for(kind: str, shape: tuple[int, ...], chunks: tuple[int, ...]) -> BasicSelection | None:
    return SELECTIONS[kind](shape, chunks)
