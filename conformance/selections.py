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
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from .fixtures.cases import Case


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


# ---- the array API's selection kinds --------------------------------------------------------

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Grid:
    """What a selection is built for: the array's shape, its (inner) chunks, its outer chunks
    or shards, and where its first missing chunk (or empty inner chunk) starts, if any."""

    shape: Shape
    chunks: Shape
    outer: Shape
    missing: Shape | None = None

    @classmethod
    def of(cls, case: Case) -> Grid:
        inner = case.inner_chunks_in_array or case.chunks  # in array coordinates, past any transpose
        for positions, chunks in (
            (case.raw.get("missing_chunks"), case.chunks),
            (case.raw.get("missing_inner_chunks"), inner),
        ):
            if positions:
                start = tuple(p * c for p, c in zip(positions[0], chunks))
                return cls(case.shape, inner, case.chunks, start)
        return cls(case.shape, inner, case.chunks)

    @property
    def empty(self) -> bool:
        return 0 in self.shape

    def points(self) -> list[list[int]]:
        """Per dimension, the indices around its borders (see :func:`border_points`) and the first missing chunk."""
        starts = self.missing or (None,) * len(self.shape)
        return [border_points(n, c, o, m) for n, c, o, m in zip(self.shape, self.chunks, self.outer, starts)]


def border_points(size: int, chunk: int, outer: int, missing: int | None = None) -> list[int]:
    """Indices of one dimension around its borders: both sides of the first chunk and shard
    borders, the first and last element, and the start of a missing chunk."""
    wanted = (0, chunk - 1, chunk, outer - 1, outer, size - 1, missing if missing is not None else -1)
    return sorted({i for i in wanted if 0 <= i < size})


def _unsorted(points: list[int]) -> tuple[int, ...]:
    """The points backwards, with the first border point again: unsorted, with a repeat."""
    return tuple(reversed(points)) + (points[min(1, len(points) - 1)],)


def _crossing(size: int, chunk: int) -> Slice:
    """From one before the first chunk border to past it (the whole dimension when it has one chunk)."""
    return Slice(max(chunk - 1, 0), min(size, chunk + 2)) if size > chunk else Slice(0, size)


def negative_indices(g: Grid) -> Selection | None:
    """The last element of the first dimension (``-1``), the last chunk's elements counted from the end elsewhere."""
    if not g.shape or g.empty:
        return None
    rest = tuple(Slice(-min(n, c + 1), None) for n, c in zip(g.shape[1:], g.chunks[1:]))
    return BasicSelection((-1,) + rest)


def tail(g: Grid) -> Selection | None:
    """From the middle of the second chunk (of the first, in a shorter array) to the end, in the last, partial chunk."""
    if not g.shape or g.empty:
        return None
    return BasicSelection(tuple(Slice(c + c // 2 if n > c + c // 2 else c // 2, n) for n, c in zip(g.shape, g.chunks)))


def ellipsis(g: Grid) -> Selection | None:
    """``Ellipsis`` for the dimensions between the first and the last (none in 2-d; the whole of a 0-d array)."""
    if not g.shape:
        return BasicSelection((Ellipsis,))
    first = _crossing(g.shape[0], g.chunks[0])
    if len(g.shape) == 1:
        return BasicSelection((Ellipsis, first))
    last: tuple[int, ...] = (g.shape[-1] - 1,) if g.shape[-1] else ()
    return BasicSelection((first, Ellipsis) + last)


def negative_steps(g: Grid) -> Selection | None:
    """Backwards: the first dimension whole (``::-1``), the others every other element from the shard border down."""
    if not g.shape:
        return None
    rest = tuple(Slice(min(n - 1, o), None, -2) for n, o in zip(g.shape[1:], g.outer[1:]))
    return BasicSelection((Slice(None, None, -1),) + rest)


def orthogonal_mixed(g: Grid) -> Selection | None:
    """A slice across the first border, integers in the middle, an unsorted integer list in the last dimension.

    In 3-d this is ``oindex[0:4, 0, [..]]``, the shape that broke zarr-python's sharded reads."""
    if not g.shape or g.empty:
        return None
    points = g.points()
    if len(g.shape) == 1:
        return OrthogonalSelection((IntList(_unsorted(points[0])),))
    middle = tuple(p[min(2, len(p) - 1)] for p in points[1:-1])
    return OrthogonalSelection((_crossing(g.shape[0], g.chunks[0]),) + middle + (IntList(_unsorted(points[-1])),))


def orthogonal_lists(g: Grid) -> Selection | None:
    """An unsorted integer list with a repeat in every dimension."""
    if not g.shape or g.empty:
        return None
    return OrthogonalSelection(tuple(IntList(_unsorted(p)) for p in g.points()))


def orthogonal_masks(g: Grid) -> Selection | None:
    """A boolean mask in every dimension, true at the border points."""
    if not g.shape:
        return None
    return OrthogonalSelection(tuple(Mask(tuple(i in p for i in range(n))) for n, p in zip(g.shape, g.points())))


def orthogonal_empty(g: Grid) -> Selection | None:
    """An empty integer list in the first dimension: nothing is selected."""
    if not g.shape:
        return None
    return OrthogonalSelection((IntList(()),) + tuple(Slice() for _ in g.shape[1:]))


def coordinates(g: Grid) -> Selection | None:
    """Points on both sides of chunk and shard borders and at the ragged edge, out of order, one twice."""
    if not g.shape or g.empty:
        return None
    points = g.points()
    count = max(len(p) for p in points) + 1
    # dimension d walks its points with its own stride (coprime to their number, so it
    # reaches each) from its own start: the points are not a diagonal
    strides = [next(s for s in range(d + 1, d + 1 + len(p)) if math.gcd(s, len(p)) == 1) for d, p in enumerate(points)]
    walks = [[p[(k * s + d) % len(p)] for k in range(count)] for d, (p, s) in enumerate(zip(points, strides))]
    if g.missing is not None:  # and the first element of the first missing chunk
        for walk, start in zip(walks, g.missing):
            walk[count // 2] = start
    for walk in walks:
        walk.reverse()
        walk.append(walk[0])  # a point twice
    return CoordinateSelection(tuple(tuple(w) for w in walks))


def coordinates_empty(g: Grid) -> Selection | None:
    """No points at all."""
    if not g.shape:
        return None
    return CoordinateSelection(tuple(() for _ in g.shape))


def boolean_mask(g: Grid) -> Selection | None:
    """True at the border points' crossings and at every seventh element: scattered over chunks and shards."""
    if not g.shape or g.empty:
        return None
    crossing = np.ones(g.shape, dtype=bool)
    for axis, (n, p) in enumerate(zip(g.shape, g.points())):
        crossing &= np.isin(np.arange(n), p).reshape((n,) + (1,) * (len(g.shape) - axis - 1))
    mask = crossing | (np.arange(math.prod(g.shape)).reshape(g.shape) % 7 == 3)
    return MaskSelection.of(mask)


def boolean_mask_empty(g: Grid) -> Selection | None:
    """A mask that is false everywhere."""
    if not g.shape:
        return None
    return MaskSelection(g.shape, ())


@dataclass(frozen=True)
class SelectionKind:
    """One selection of the array API, tested by name on every case it can be built for."""

    name: str
    build: Callable[[Grid], Selection | None]
    needs: frozenset[str]  # the capabilities every selection it builds may need
    family: str  # the row of the matrix it counts towards

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip().splitlines()[0]

    def for_grid(self, grid: Grid) -> Selection | None:
        selection = self.build(grid)
        if selection is not None and not selection.needs() <= self.needs:
            raise AssertionError(f"selection {self.name} needs {selection.needs()}, declared {set(self.needs)}")
        return selection


def _kind(name: str, family: str, build: Callable[[Grid], Selection | None], *needs: str) -> SelectionKind:
    return SelectionKind(name, build, frozenset(needs), family)


ORTHOGONAL, COORDINATE, MASK = "orthogonal (oindex)", "coordinate (vindex)", "boolean mask"

ARRAY_API: dict[str, SelectionKind] = {
    k.name: k
    for k in (
        _kind("tail", "basic slices and integers", tail),
        _kind("negative_indices", "negative indices", negative_indices),
        _kind("ellipsis", "Ellipsis", ellipsis),
        _kind("negative_steps", "negative steps", negative_steps, "negative_step_selection", "strided_selection"),
        _kind("orthogonal_mixed", ORTHOGONAL, orthogonal_mixed, "orthogonal_selection"),
        _kind("orthogonal_lists", ORTHOGONAL, orthogonal_lists, "orthogonal_selection"),
        _kind("orthogonal_masks", ORTHOGONAL, orthogonal_masks, "orthogonal_selection"),
        _kind("orthogonal_empty", ORTHOGONAL, orthogonal_empty, "orthogonal_selection"),
        _kind("coordinates", COORDINATE, coordinates, "coordinate_selection"),
        _kind("coordinates_empty", COORDINATE, coordinates_empty, "coordinate_selection"),
        _kind("mask", MASK, boolean_mask, "mask_selection"),
        _kind("mask_empty", MASK, boolean_mask_empty, "mask_selection"),
    )
}


def for_case(name: str, case: Case) -> Selection | None:
    """The selection ``name`` (of ``SELECTIONS`` or ``ARRAY_API``) for ``case``, or None where it has none.

    Basic selections are built on the chunks a reader decodes (inner chunks when sharded),
    ``last_partial_chunk`` on the outer chunks (shards), the array API's on both and on
    the case's first missing chunk."""
    if name in ARRAY_API:
        return ARRAY_API[name].for_grid(Grid.of(case))
    return SELECTIONS[name](case.shape, case.chunks if name == "last_partial_chunk" else case.read_chunks)


def family(name: str) -> str:
    """The matrix row of selection ``name``: ``basic`` for the first read tests' selections."""
    return ARRAY_API[name].family if name in ARRAY_API else "basic slices and integers"
