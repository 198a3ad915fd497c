"""Writing arrays: what an implementation writes is checked by the reference reader/validator.

For every case the adapter claims it can write, the adapter creates the array from the
case's description and writes the data. The store must validate (V2-003..V2-031,
V3-CORE-012..V3-CORE-028, codec and chunk-key rules), decode to the case's values, and
its metadata must say what was asked. Region writes, overwrites, fill-only writes,
attributes and resizing follow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ..adapters.selection import BasicSelection, Selection, Slice
from ..calls import GuardedAdapter, format_call
from ..checks import check_array, check_fill_value, fail
from ..fixtures.cases import Case
from ..fixtures.dtypes import decode_fill_value, fill_array
from ..fixtures.metadata import ArrayMeta
from ..fixtures.reader import open_array, read_array
from ..fixtures.recipes import make_data
from ..fixtures.validator import validate
from ..fixtures.writer import Fixture
from ..selections import ARRAY_API, SelectionKind, for_case
from .common import call_or_fail, expected_array

WRITE = pytest.mark.zarr_needs(mode="write")
_STORE_RULES = dict(
    v2=["V2-003", "V2-004", "V2-030", "V2-031"],
    v3=["V3-CORE-012", "V3-CORE-013", "V3-CORE-055"],
    sharded=["V3-SHARD-010", "V3-SHARD-014", "V3-SHARD-015"],
    extensions=["V3-CKE-003", "V3-CKE-006"],  # the keys of the case's chunk key encoding
)

#: attribute values that survive JSON only when a writer is careful
AWKWARD_ATTRIBUTES = {
    "unicode": "température °C — 温度 — \U0001f321",
    "nested": {"list": [1, [2, [3, {"deep": None}]]], "empty": {}, "flag": False},
    "large_int": 2**53 + 1,
    "int64_min": -(2**63),
    "uint64_max": 2**64 - 1,
    "float": 0.1,
    "ключ": "значение",
}


def create(guard: GuardedAdapter, fixture: Fixture, store: Path, requirements: list[str]) -> None:
    __tracebackhide__ = True
    call_or_fail(guard, fixture, requirements, "create_array", store, fixture.case.path, fixture.case.array_spec())


def write(
    guard: GuardedAdapter,
    fixture: Fixture,
    store: Path,
    requirements: list[str],
    selection: Selection,
    data: np.ndarray,
) -> None:
    __tracebackhide__ = True
    call_or_fail(guard, fixture, requirements, "write", store, fixture.case.path, selection, data)


def written_in_full(
    guard: GuardedAdapter, fixture: Fixture, requirements: list[str], folder: Path
) -> tuple[Path, np.ndarray]:
    """A fresh store in ``folder`` where the adapter created the case's array and wrote all of it."""
    __tracebackhide__ = True
    store = folder / "store.zarr"
    create(guard, fixture, store, requirements)
    expected = np.array(expected_array(fixture))
    write(guard, fixture, store, requirements, full(fixture.case), expected)
    return store, expected


def full(case: Case) -> BasicSelection:
    return BasicSelection.everything(len(case.shape))


def selected_positions(selection: Selection, shape: tuple[int, ...]) -> np.ndarray:
    """A boolean array of ``shape``, true where ``selection`` selects (the NumPy model of a write)."""
    flat = selection.apply(np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape))
    out = np.zeros(shape, dtype=bool)
    out.reshape(-1)[np.asarray(flat).reshape(-1)] = True
    return out


def same_elements(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element by element: whether ``a`` and ``b`` hold the same bytes (NaN payloads and -0.0 told apart)."""
    width = a.dtype.itemsize
    left = np.ascontiguousarray(a).view(np.uint8).reshape(a.shape + (width,))
    right = np.ascontiguousarray(b.astype(a.dtype)).view(np.uint8).reshape(b.shape + (width,))
    return np.all(left == right, axis=-1)


def check_valid_store(store: Path, fixture: Fixture, requirements: list[str], call: str) -> None:
    __tracebackhide__ = True
    errors = [v for v in validate(store, fixture.case.path) if v.severity == "error"]
    if errors:
        shown = "; ".join(f"{v.requirement} {v.key}: {v.message}" for v in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        fail(
            f"the written store has {len(errors)} violation(s): {shown}{more}",
            "a store the reference validator accepts",
            sorted({v.requirement for v in errors}) + requirements,
            fixture,
            call,
        )


def reference_read(store: Path, fixture: Fixture, requirements: list[str], call: str) -> tuple[ArrayMeta, np.ndarray]:
    __tracebackhide__ = True
    try:
        meta = open_array(store, fixture.case.path)
        return meta, read_array(store, fixture.case.path, meta)
    except Exception as exc:  # the reference reader's own MetadataError/ChunkError name the rule
        fail(
            f"the reference reader cannot read the written store: {exc}",
            "a store the reference reader can decode",
            requirements,
            fixture,
            call,
        )


def _read_once(
    cache: dict[Path, tuple[ArrayMeta, np.ndarray]], store: Path, fixture: Fixture, requirements: list[str], call: str
) -> tuple[ArrayMeta, np.ndarray]:
    """``reference_read`` of a shared written store, decoded on first use (a store that fails is read again)."""
    __tracebackhide__ = True
    if store not in cache:
        meta, data = reference_read(store, fixture, requirements, call)
        data.setflags(write=False)
        cache[store] = (meta, data)
    return cache[store]


def _subset_mismatches(asked: Any, written: Any, where: str) -> list[str]:
    """Every value the description asked for must be in the written document (defaults may be added)."""
    if isinstance(asked, dict) and isinstance(written, dict):
        out = []
        for key, value in asked.items():
            if key not in written:
                out.append(f"{where}.{key} missing")
            else:
                out.extend(_subset_mismatches(value, written[key], f"{where}.{key}"))
        return out
    if isinstance(asked, list) and isinstance(written, list) and len(asked) == len(written):
        return [m for i, (a, w) in enumerate(zip(asked, written)) for m in _subset_mismatches(a, w, f"{where}[{i}]")]
    if asked != written:
        return [f"{where} is {written!r}, asked {asked!r}"]
    return []


def _codec_form(entry: Any, itemsize: int) -> dict[str, Any]:
    """A codec entry in one canonical form, so equivalent spellings compare equal.

    A short-hand name and an absent configuration mean an empty configuration
    (V3-CORE-080), and ``endian`` means nothing for one-byte types (V3-BYTES-002).
    """
    named: dict[str, Any] = {"name": entry} if isinstance(entry, str) else dict(entry)
    config = dict(named.get("configuration", {}))
    if named["name"] == "bytes" and itemsize == 1:
        config.pop("endian", None)
    if named["name"] == "sharding_indexed":
        config.setdefault("index_location", "end")  # V3-SHARD-008
        for key, size in (("codecs", itemsize), ("index_codecs", 8)):
            if key in config:
                config[key] = [_codec_form(c, size) for c in config[key]]
    named["configuration"] = config
    return named


def _v2_asked_codec(asked: Any, written: Any) -> Any:
    """What a v2 writer must record of the codec configuration it was asked for.

    Everything, except a blosc ``typesize`` it leaves out: numcodecs wrote that member
    into the configuration only in 0.16.0 and dropped it again, as readers refused it;
    the shuffle stride is in each chunk's blosc header, so decoding never needs it.
    A ``typesize`` that is written must be the one asked for.
    """
    if (
        isinstance(asked, dict)
        and asked.get("id") == "blosc"
        and "typesize" in asked
        and isinstance(written, dict)
        and "typesize" not in written
    ):
        return {k: v for k, v in asked.items() if k != "typesize"}
    return asked


def metadata_mismatches(case: Case, meta: ArrayMeta, attributes: bool = True) -> list[str]:
    """How the written metadata differs from what the case asked for (empty when it matches).

    Attributes are compared only when ``attributes`` (the adapter claims to write them).
    """
    doc = meta.document
    out = []
    if meta.zarr_format != case.format:
        out.append(f"zarr_format is {meta.zarr_format}, asked {case.format}")
        return out
    if meta.shape != case.shape:
        out.append(f"shape is {list(meta.shape)}, asked {list(case.shape)}")
    if meta.chunk_grid_shape != case.chunks:
        out.append(f"chunk grid shape is {list(meta.chunk_grid_shape)}, asked {list(case.chunks)}")
    if case.format == 2:
        if doc.get("dtype") != case.raw["dtype"]:
            out.append(f"dtype is {doc.get('dtype')!r}, asked {case.raw['dtype']!r}")
        if doc.get("order") != case.raw.get("order", "C"):
            out.append(f"order is {doc.get('order')!r}, asked {case.raw.get('order', 'C')!r}")
        if doc.get("dimension_separator", ".") != case.raw.get("dimension_separator", "."):
            out.append(
                f"dimension_separator is {doc.get('dimension_separator')!r}, asked "
                f"{case.raw.get('dimension_separator', '.')!r}"
            )
        out += _subset_mismatches(
            _v2_asked_codec(case.raw.get("compressor"), doc.get("compressor")), doc.get("compressor"), "compressor"
        )
        asked_filters = case.raw.get("filters") or []
        out += _subset_mismatches(asked_filters, doc.get("filters") or [], "filters")
    else:
        if doc.get("data_type") != case.raw["dtype"]:
            out.append(f"data_type is {doc.get('data_type')!r}, asked {case.raw['dtype']!r}")
        asked_codecs = [_codec_form(c, meta.dtype.itemsize) for c in case.codecs]
        written_codecs = [_codec_form(c, meta.dtype.itemsize) for c in doc.get("codecs", [])]
        if [c.get("name") for c in asked_codecs] != [c.get("name") for c in written_codecs]:
            out.append(
                f"codecs are {[c.get('name') for c in written_codecs]}, asked {[c.get('name') for c in asked_codecs]}"
            )
        else:
            out += _subset_mismatches(asked_codecs, written_codecs, "codecs")
        asked_cke = case.raw.get("chunk_key_encoding", {"name": "default"})
        written_cke = doc.get("chunk_key_encoding", {})
        default_sep = "/" if asked_cke.get("name") == "default" else "."
        if (asked_cke.get("name"), asked_cke.get("configuration", {}).get("separator", default_sep)) != (
            meta.key_encoding,
            meta.separator,
        ):
            out.append(f"chunk_key_encoding is {written_cke!r}, asked {asked_cke!r}")
        if meta.dimension_names != case.dimension_names and not (
            case.dimension_names is None
            and meta.dimension_names is not None
            and all(n is None for n in meta.dimension_names)
        ):
            out.append(f"dimension_names are {meta.dimension_names!r}, asked {case.dimension_names!r}")
    if attributes and meta.attributes != case.attributes:
        out.append(f"attributes are {meta.attributes!r}, asked {case.attributes!r}")
    return out


def _write_call(guard: GuardedAdapter, fixture: Fixture, store: Path) -> str:
    return format_call(guard.adapter, "create_array", (store, fixture.case.path, fixture.case.array_spec()))


class ArrayWriteTests:
    """Template: arrays written by the adapter, judged by the reference reader and validator."""

    @pytest.fixture(scope="session")
    @classmethod
    def zarr_written_stores(cls) -> dict[str, Path]:
        """Stores written once per case and shared by the tests that only inspect them."""
        return {}

    @pytest.fixture(scope="session")
    @classmethod
    def zarr_written_reads(cls) -> dict[Path, tuple[ArrayMeta, np.ndarray]]:
        """What the reference reader decoded from each shared written store: read once, shared read-only."""
        return {}

    @pytest.fixture
    def zarr_written(self, zarr_call, zarr_fixture, zarr_requirements, zarr_written_stores, tmp_path_factory) -> Path:
        """The case's array created and written in full by the adapter (once per case)."""
        case = zarr_fixture.case
        if case.id not in zarr_written_stores:
            folder = tmp_path_factory.mktemp(f"written-{case.id}")
            zarr_written_stores[case.id] = folder / "store.zarr"
            written_in_full(zarr_call, zarr_fixture, zarr_requirements, folder)
        return zarr_written_stores[case.id]

    @pytest.mark.zarr_cases("writable")
    @WRITE
    @pytest.mark.zarr_requirements(**_STORE_RULES)
    def test_written_store_is_valid(self, zarr_call, zarr_fixture, zarr_requirements, zarr_written):
        check_valid_store(
            zarr_written, zarr_fixture, zarr_requirements, _write_call(zarr_call, zarr_fixture, zarr_written)
        )

    @pytest.mark.zarr_cases("writable")
    @WRITE
    @pytest.mark.zarr_requirements(v2=["V2-030", "V2-037"], v3=["V3-CORE-055"], sharded=["V3-SHARD-019"])
    def test_written_values_read_back(
        self, zarr_call, zarr_fixture, zarr_requirements, zarr_written, zarr_written_reads
    ):
        call = _write_call(zarr_call, zarr_fixture, zarr_written)
        _, observed = _read_once(zarr_written_reads, zarr_written, zarr_fixture, zarr_requirements, call)
        check_array(
            observed,
            expected_array(zarr_fixture),
            what="the written array, decoded by the reference reader",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )

    @pytest.mark.zarr_cases("writable")
    @WRITE
    @pytest.mark.zarr_requirements(
        v2=["V2-004", "V2-016"], v3=["V3-CORE-013", "V3-CORE-017", "V3-CORE-024", "V3-CORE-028"]
    )
    def test_written_metadata_matches_description(
        self, zarr_call, zarr_fixture, zarr_requirements, zarr_written, zarr_written_reads
    ):
        call = _write_call(zarr_call, zarr_fixture, zarr_written)
        meta, _ = _read_once(zarr_written_reads, zarr_written, zarr_fixture, zarr_requirements, call)
        wrong = metadata_mismatches(zarr_fixture.case, meta, "attributes" in zarr_call.adapter.capabilities.features)
        if wrong:
            fail("; ".join(wrong), "the metadata the description asked for", zarr_requirements, zarr_fixture, call)

    @pytest.mark.zarr_cases("writable")
    @WRITE
    @pytest.mark.zarr_requirements(
        v2=["V2-010", "V2-026"],
        v3=["V3-CORE-021", "V3-CORE-022"],
        v3_by_kind={"f": ["V3-DTYPE-007", "V3-DTYPE-008", "V3-DTYPE-009"], "c": ["V3-DTYPE-011"]},
    )
    def test_written_fill_value(self, zarr_call, zarr_fixture, zarr_requirements, zarr_written, zarr_written_reads):
        call = _write_call(zarr_call, zarr_fixture, zarr_written)
        meta, _ = _read_once(zarr_written_reads, zarr_written, zarr_fixture, zarr_requirements, call)
        case = zarr_fixture.case
        asked = decode_fill_value(case.raw["fill_value"], meta.dtype, case.format)
        check_fill_value(meta.fill_value, asked, requirements=zarr_requirements, fixture=zarr_fixture, call=call)

    @pytest.mark.zarr_cases("writable", selection="region")
    @WRITE
    @pytest.mark.zarr_requirements(v2=["V2-032", "V2-034"], v3=["V3-GRID-005", "V3-CORE-023"], sharded=["V3-SHARD-019"])
    def test_write_region_crossing_chunk_borders(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        self._write_selection("region", zarr_call, zarr_fixture, zarr_requirements, tmp_path)

    @pytest.mark.zarr_cases("writable", selection="last_partial_chunk")
    @WRITE
    @pytest.mark.zarr_requirements(v2=["V2-036"], v3=["V3-GRID-007"], sharded=["V3-SHARD-013"])
    def test_write_last_partial_chunk(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        self._write_selection("last_partial_chunk", zarr_call, zarr_fixture, zarr_requirements, tmp_path)

    def _write_selection(self, kind, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        __tracebackhide__ = True
        case = zarr_fixture.case
        selection = for_case(kind, case)
        assert selection is not None  # the plugin only generates applicable selections
        store = tmp_path / "store.zarr"
        create(zarr_call, zarr_fixture, store, zarr_requirements)
        expected = expected_array(zarr_fixture)
        # the case's own values at the selected positions: a position selected twice gets one value
        write(zarr_call, zarr_fixture, store, zarr_requirements, selection, selection.apply(expected))
        call = format_call(zarr_call.adapter, "write", (store, case.path, selection))
        check_valid_store(store, zarr_fixture, zarr_requirements, call)
        meta, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        written = selected_positions(selection, case.shape)
        check_array(
            observed[written],
            expected[written],
            what=f"the written {kind.replace('_', ' ')} ({selection.describe()})",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )
        if meta.fill_value is not None:
            mask = ~written
            untouched = fill_array(case.shape, observed.dtype, meta.fill_value)
            check_array(
                observed[mask],
                untouched[mask],
                what="elements outside the written selection",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=call,
            )

    @pytest.mark.zarr_cases("writable", selection="region")
    @WRITE
    @pytest.mark.zarr_requirements(v2=["V2-030"], v3=["V3-CORE-055"], sharded=["V3-SHARD-016", "V3-SHARD-019"])
    def test_overwrite_region(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        case = zarr_fixture.case
        store, expected = written_in_full(zarr_call, zarr_fixture, zarr_requirements, tmp_path)
        selection = for_case("region", case)
        assert selection is not None
        replacement = make_data({"recipe": "random", "seed": 99}, expected[selection.index].shape, expected.dtype)
        write(zarr_call, zarr_fixture, store, zarr_requirements, selection, replacement)
        expected[selection.index] = replacement
        call = format_call(zarr_call.adapter, "write", (store, case.path, selection))
        _, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        check_array(
            observed,
            expected,
            what="the array after overwriting a region",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )

    @pytest.mark.zarr_cases("writable", fill_defined=True)
    @WRITE
    @pytest.mark.zarr_requirements(v2=["V2-033", "V2-034"], v3=["V3-CORE-023"], sharded=["V3-SHARD-012"])
    def test_write_only_fill_value(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        """Chunks holding only the fill value may be stored or omitted; both must read as fill."""
        case = zarr_fixture.case
        store = tmp_path / "store.zarr"
        create(zarr_call, zarr_fixture, store, zarr_requirements)
        dtype = expected_array(zarr_fixture).dtype
        fill = decode_fill_value(case.raw["fill_value"], dtype, case.format)
        data = fill_array(case.shape, dtype, fill)
        write(zarr_call, zarr_fixture, store, zarr_requirements, full(case), data)
        call = format_call(zarr_call.adapter, "write", (store, case.path, full(case)))
        check_valid_store(store, zarr_fixture, zarr_requirements, call)
        _, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        check_array(
            observed,
            data,
            what="an array written with only its fill value",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )

    @pytest.mark.zarr_cases("writable", resizable=True)
    @pytest.mark.zarr_needs("resize", mode="write")
    @pytest.mark.zarr_requirements(v2=["V2-006", "V2-031"], v3=["V3-CORE-016", "V3-GRID-004", "V3-CORE-090"])
    def test_resize_shrink_drops_data_outside(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        case = zarr_fixture.case
        store, expected = written_in_full(zarr_call, zarr_fixture, zarr_requirements, tmp_path)
        smaller = _shrunk(case)
        call_or_fail(zarr_call, zarr_fixture, zarr_requirements, "resize", store, case.path, smaller)
        call = format_call(zarr_call.adapter, "resize", (store, case.path, smaller))
        _resized(store, zarr_fixture, zarr_requirements, call, smaller)
        _, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        check_array(
            observed,
            expected[tuple(slice(0, s) for s in smaller)],
            what="the array after shrinking",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )

    @pytest.mark.zarr_cases("writable", selection="region")
    @WRITE
    @pytest.mark.zarr_requirements(v2=["V2-032", "V2-034"], v3=["V3-GRID-005", "V3-CORE-023"], sharded=["V3-SHARD-019"])
    def test_write_scalar_broadcast(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        """One value written into a region (a 0-d array, as ``a[1:4, 2:5] = 7``) fills all of it."""
        case = zarr_fixture.case
        store, expected = written_in_full(zarr_call, zarr_fixture, zarr_requirements, tmp_path)
        selection = for_case("region", case)
        assert selection is not None
        value = make_data({"recipe": "random", "seed": 5}, (), expected.dtype)  # 0-d
        write(zarr_call, zarr_fixture, store, zarr_requirements, selection, value)
        expected[selection.index] = value
        call = format_call(zarr_call.adapter, "write", (store, case.path, selection))
        _, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        check_array(
            observed,
            expected,
            what=f"the array after writing one value into {selection.describe()}",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )

    @pytest.mark.zarr_cases("writable", resizable=True)
    @pytest.mark.zarr_needs("resize", mode="write")
    @pytest.mark.zarr_requirements(v2=["V2-006", "V2-034"], v3=["V3-CORE-016", "V3-CORE-023", "V3-GRID-007"])
    def test_resize_grow_then_write(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        """Growing exposes fill values; a write that ends in the new last, partial chunk lands there."""
        case = zarr_fixture.case
        store, before = written_in_full(zarr_call, zarr_fixture, zarr_requirements, tmp_path)
        larger = tuple(s + c + 1 for s, c in zip(case.shape, case.chunks))
        call_or_fail(zarr_call, zarr_fixture, zarr_requirements, "resize", store, case.path, larger)
        call = format_call(zarr_call.adapter, "resize", (store, case.path, larger))
        meta = _resized(store, zarr_fixture, zarr_requirements, call, larger)
        model = _grown(before, larger, meta)
        region = BasicSelection(tuple(Slice(max(s - 1, 0), n) for s, n in zip(case.shape, larger)))
        values = make_data({"recipe": "random", "seed": 7}, region.shape(larger), before.dtype)
        write(zarr_call, zarr_fixture, store, zarr_requirements, region, values)
        model[region.index] = values
        call = format_call(zarr_call.adapter, "write", (store, case.path, region))
        check_valid_store(store, zarr_fixture, zarr_requirements, call)
        _, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        known = np.ones(larger, dtype=bool)  # without a fill value, what was never written is undefined
        if meta.fill_value is None:
            known = _inside(case.shape, larger) | selected_positions(region, larger)
        check_array(
            observed[known],
            model[known],
            what=f"the array grown to {list(larger)} and written at {region.describe()}",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )

    @pytest.mark.zarr_cases("writable", resizable=True)
    @pytest.mark.zarr_needs("resize", mode="write")
    @pytest.mark.zarr_requirements(v2=["V2-006", "V2-031"], v3=["V3-CORE-016", "V3-CORE-023", "V3-CORE-090"])
    def test_resize_shrink_then_grow(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        """Shrunk and grown back, the array keeps what stayed inside; each element that left
        reads as the fill value or, from a chunk the shrink kept, its old value (the spec's
        resizing note expects such stale data to reappear). Anything else is neither."""
        case = zarr_fixture.case
        store, before = written_in_full(zarr_call, zarr_fixture, zarr_requirements, tmp_path)
        smaller = _shrunk(case)
        for shape in (smaller, case.shape):
            call_or_fail(zarr_call, zarr_fixture, zarr_requirements, "resize", store, case.path, shape)
        call = format_call(zarr_call.adapter, "resize", (store, case.path, case.shape))
        meta = _resized(store, zarr_fixture, zarr_requirements, call, case.shape)
        _, observed = reference_read(store, zarr_fixture, zarr_requirements, call)
        kept = _inside(smaller, case.shape)
        check_array(
            observed[kept],
            before[kept],
            what=f"the elements inside {list(smaller)} after shrinking to it and growing back",
            requirements=zarr_requirements,
            fixture=zarr_fixture,
            call=call,
        )
        if meta.fill_value is None:
            return  # without a fill value, what was never written is undefined
        fill = fill_array(case.shape, observed.dtype, meta.fill_value)
        neither = ~kept & ~same_elements(observed, fill) & ~same_elements(observed, before)
        if neither.any():
            where = tuple(int(i) for i in np.argwhere(neither)[0])
            fail(
                f"{int(neither.sum())} element(s) that left and came back read neither the fill value nor "
                f"their old value, first at {where}: {observed[where]!r}",
                "the fill value, or the old value from a chunk the shrink kept",
                zarr_requirements,
                zarr_fixture,
                call,
            )


def _shrunk(case: Case) -> tuple[int, ...]:
    """The shape a shrink asks for: one element short of the first chunk border where there is one."""
    return tuple(max(c - 1, 1) if s > c else s for s, c in zip(case.shape, case.chunks))


def _inside(inner: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """True on the block ``[0:inner]`` of an array of ``shape``."""
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(slice(0, n) for n in inner)] = True
    return mask


def _resized(store: Path, fixture: Fixture, requirements: list[str], call: str, shape: tuple[int, ...]) -> ArrayMeta:
    __tracebackhide__ = True
    check_valid_store(store, fixture, requirements, call)
    meta = open_array(store, fixture.case.path)
    if meta.shape != shape:
        fail(f"shape after resize is {list(meta.shape)}", f"shape {list(shape)}", requirements, fixture, call)
    return meta


def _grown(before: np.ndarray, shape: tuple[int, ...], meta: ArrayMeta) -> np.ndarray:
    """The NumPy model of growing: the old values in their place, the fill value around them."""
    fill = meta.fill_value
    model = fill_array(shape, before.dtype, fill) if fill is not None else np.zeros(shape, before.dtype)
    model[tuple(slice(0, n) for n in before.shape)] = before
    return model


def _api_write_test(kind: SelectionKind):
    def test(self, zarr_call, zarr_fixture, zarr_requirements, tmp_path):
        self._write_selection(kind.name, zarr_call, zarr_fixture, zarr_requirements, tmp_path)

    test.__name__ = test.__qualname__ = f"test_write_{kind.name}"
    test.__doc__ = f"Written through: {kind.description[0].lower()}{kind.description[1:]}"
    test = pytest.mark.zarr_requirements(**_API_WRITE_REQUIREMENTS)(test)
    test = pytest.mark.zarr_needs(*sorted(kind.needs), mode="write")(test)
    return pytest.mark.zarr_cases("writable", selection=kind.name)(test)


#: a write through any selection stores every chunk and shard it touches, and only those
_API_WRITE_REQUIREMENTS = dict(
    v2=["V2-032", "V2-034", "V2-036"],
    v3=["V3-GRID-005", "V3-GRID-007", "V3-CORE-023"],
    sharded=["V3-SHARD-013", "V3-SHARD-019"],
)

for _kind in ARRAY_API.values():
    setattr(ArrayWriteTests, f"test_write_{_kind.name}", _api_write_test(_kind))
