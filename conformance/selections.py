"""The named selections every valid case is read with, derived from its shape and chunks.

``SELECTIONS`` are the basic selections of the first read tests. ``ARRAY_API`` is the
registry of the array API's selection kinds: each entry builds, from a case's shape, its
(inner) chunk shape and its shard shape, a selection that crosses chunk and shard
borders, reaches the ragged edge and, in cases with missing chunks, touches them. The
read and write suites make one test per entry, so a new entry is tested on every case.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .adapters.selection import (
    BasicSelection,
    CoordinateSelection,
    IntList,
    Mask,
    MaskSelection,
    OrthogonalSelection,
    Selection,
    Slice,
)


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


# ---- the array API's selection kinds --------------------------------------------------------

Shape = tuple[int, ...]


def border_points(size: int, chunk: int, outer: int) -> list[int]:
    """Indices of one dimension around its borders: both sides of the first chunk and shard borders, the ends."""
    wanted = (0, chunk - 1, chunk, outer - 1, outer, size - 1)
    return sorted({i for i in wanted if 0 <= i < size})


def _points(shape: Shape, chunks: Shape, outer: Shape) -> list[list[int]]:
    return [border_points(n, c, o) for n, c, o in zip(shape, chunks, outer)]


def _unsorted(points: list[int]) -> tuple[int, ...]:
    """The points backwards, with the first border point again: unsorted, with a repeat."""
    return tuple(reversed(points)) + (points[min(1, len(points) - 1)],)


def _crossing(size: int, chunk: int) -> Slice:
    """From one before the first chunk border to past it (the whole dimension when it has one chunk)."""
    return Slice(max(chunk - 1, 0), min(size, chunk + 2)) if size > chunk else Slice(0, size)


def negative_indices(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """The last element of the first dimension (``-1``), the last chunk's elements counted from the end elsewhere."""
    if not shape or 0 in shape:
        return None
    rest = tuple(Slice(-min(n, c + 1), None) for n, c in zip(shape[1:], chunks[1:]))
    return BasicSelection((-1,) + rest)


def ellipsis(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """``Ellipsis`` for the dimensions between the first and the last (none in 2-d; the whole of a 0-d array)."""
    if not shape:
        return BasicSelection((Ellipsis,))
    if len(shape) == 1:
        return BasicSelection((Ellipsis, _crossing(shape[0], chunks[0])))
    last = shape[-1] - 1 if shape[-1] else None
    return BasicSelection((_crossing(shape[0], chunks[0]), Ellipsis) + ((last,) if last is not None else ()))


def negative_steps(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """Backwards: the first dimension whole (``::-1``), the others every other element from the shard border down."""
    if not shape:
        return None
    rest = tuple(Slice(min(n - 1, o), None, -2) for n, o in zip(shape[1:], outer[1:]))
    return BasicSelection((Slice(None, None, -1),) + rest)


def orthogonal_mixed(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """A slice across the first border, integers in the middle, an unsorted integer list in the last dimension.

    In 3-d this is ``oindex[0:4, 0, [..]]``, the shape that broke zarr-python's sharded reads."""
    if not shape or 0 in shape:
        return None
    points = _points(shape, chunks, outer)
    if len(shape) == 1:
        return OrthogonalSelection((IntList(_unsorted(points[0])),))
    middle = tuple(p[min(2, len(p) - 1)] for p in points[1:-1])
    return OrthogonalSelection((_crossing(shape[0], chunks[0]),) + middle + (IntList(_unsorted(points[-1])),))


def orthogonal_lists(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """An unsorted integer list with a repeat in every dimension."""
    if not shape or 0 in shape:
        return None
    return OrthogonalSelection(tuple(IntList(_unsorted(p)) for p in _points(shape, chunks, outer)))


def orthogonal_masks(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """A boolean mask in every dimension, true at the border points."""
    if not shape:
        return None
    points = _points(shape, chunks, outer)
    return OrthogonalSelection(tuple(Mask(tuple(i in p for i in range(n))) for n, p in zip(shape, points)))


def orthogonal_empty(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """An empty integer list in the first dimension: nothing is selected."""
    if not shape:
        return None
    return OrthogonalSelection((IntList(()),) + tuple(Slice() for _ in shape[1:]))


def coordinates(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """Points on both sides of chunk and shard borders and at the ragged edge, out of order, one twice."""
    if not shape or 0 in shape:
        return None
    points = _points(shape, chunks, outer)
    count = max(len(p) for p in points) + 1
    # dimension d walks its points from a different start, so the points are not a diagonal
    walks = [[p[(k * (d + 1) + d) % len(p)] for k in range(count)] for d, p in enumerate(points)]
    for walk in walks:
        walk.reverse()
        walk.append(walk[0])  # a point twice
    return CoordinateSelection(tuple(tuple(w) for w in walks))


def coordinates_empty(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """No points at all."""
    if not shape:
        return None
    return CoordinateSelection(tuple(() for _ in shape))


def boolean_mask(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """True at the border points' crossings and at every seventh element: scattered over chunks and shards."""
    if not shape or math.prod(shape) == 0:
        return None
    points = _points(shape, chunks, outer)
    crossing = np.ones(shape, dtype=bool)
    for axis, (n, p) in enumerate(zip(shape, points)):
        crossing &= np.isin(np.arange(n), p).reshape((n,) + (1,) * (len(shape) - axis - 1))
    mask = crossing | (np.arange(math.prod(shape)).reshape(shape) % 7 == 3)
    return MaskSelection.of(mask)


def boolean_mask_empty(shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
    """A mask that is false everywhere."""
    if not shape:
        return None
    return MaskSelection(shape, ())


@dataclass(frozen=True)
class SelectionKind:
    """One selection of the array API, tested by name on every case it can be built for."""

    name: str
    build: Callable[[Shape, Shape, Shape], Selection | None]
    needs: frozenset[str]  # the capabilities every selection it builds may need

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip().splitlines()[0]

    def for_case(self, shape: Shape, chunks: Shape, outer: Shape) -> Selection | None:
        selection = self.build(shape, chunks, outer)
        if selection is not None and not selection.needs() <= self.needs:
            raise AssertionError(f"selection {self.name} needs {selection.needs()}, declared {set(self.needs)}")
        return selection


def _kind(name: str, build: Callable[[Shape, Shape, Shape], Selection | None], *needs: str) -> SelectionKind:
    return SelectionKind(name, build, frozenset(needs))


ARRAY_API: dict[str, SelectionKind] = {
    k.name: k
    for k in (
        _kind("negative_indices", negative_indices),
        _kind("ellipsis", ellipsis),
        _kind("negative_steps", negative_steps, "negative_step_selection", "strided_selection"),
        _kind("orthogonal_mixed", orthogonal_mixed, "orthogonal_selection"),
        _kind("orthogonal_lists", orthogonal_lists, "orthogonal_selection"),
        _kind("orthogonal_masks", orthogonal_masks, "orthogonal_selection"),
        _kind("orthogonal_empty", orthogonal_empty, "orthogonal_selection"),
        _kind("coordinates", coordinates, "coordinate_selection"),
        _kind("coordinates_empty", coordinates_empty, "coordinate_selection"),
        _kind("mask", boolean_mask, "mask_selection"),
        _kind("mask_empty", boolean_mask_empty, "mask_selection"),
    )
}


def case_selection(name: str, shape: Shape, read_chunks: Shape, chunks: Shape) -> Selection | None:
    """The array API selection ``name`` for a case: its shape, its (inner) chunks and its outer chunks or shards."""
    return ARRAY_API[name].for_case(shape, read_chunks, chunks)
