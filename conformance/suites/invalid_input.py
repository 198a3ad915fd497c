"""Invalid input: stores the spec says must not be opened or read must raise an error.

Each invalid case names the rule that makes it invalid (its ``requirements``): e.g.
unknown members without ``must_understand: false`` (V3-CORE-082), missing mandatory
keys (V2-004, V3-CORE-013), paths with ``..`` segments (V2-040).  Returning data,
hanging or crashing is a failure.
"""

from __future__ import annotations

import pytest

from ..adapters.selection import BasicSelection
from ..calls import AdapterCrash, AdapterError, AdapterTimeout, format_call
from ..checks import fail


class InvalidInputTests:
    """Template: every invalid case is rejected with an error."""

    @pytest.mark.zarr_cases("invalid")
    @pytest.mark.zarr_requirements()
    def test_invalid_store_is_rejected(self, zarr_call, zarr_fixture, zarr_requirements):
        case = zarr_fixture.case
        required = f"an error, because {case.raw.get('reason', 'the store is invalid')}"
        try:
            info = zarr_call.call("open_array", zarr_fixture.store, case.open_path)
            selection = BasicSelection.everything(len(info.shape))
            data = zarr_call.call("read", zarr_fixture.store, case.open_path, selection)
        except AdapterError:
            return
        except AdapterTimeout as exc:
            fail(f"the call hung: {exc}", required, zarr_requirements, zarr_fixture, exc.call, kind="timeout")
        except AdapterCrash as exc:
            fail(
                f"the worker crashed instead of raising: {exc}",
                required,
                zarr_requirements,
                zarr_fixture,
                exc.call,
                kind="crash",
            )
        call = format_call(zarr_call.adapter, "read", (zarr_fixture.store, case.open_path, selection))
        fail(
            f"open_array and read succeeded and returned an array of shape {getattr(data, 'shape', '?')}",
            required,
            zarr_requirements,
            zarr_fixture,
            call,
        )
