"""The keys of the kit's state in pytest's stash, in one module that imports nothing of the kit at run time.

The plugin, the results writer, the expectations and the command-line summary share
state only through these keys, never through each other's attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the keys' value types, named in the subscripts below
    from collections.abc import Callable  # noqa: F401

    from .adapters.base import Adapter  # noqa: F401
    from .expectations import Expectation  # noqa: F401
    from .fixtures.cases import Case  # noqa: F401
    from .runspec import RunSpec  # noqa: F401

#: config: the options of this run
RUNSPEC_KEY = pytest.StashKey["RunSpec"]()
#: config: the adapter under test (``--zarr-impl``)
ADAPTER_KEY = pytest.StashKey["Adapter"]()
#: config: the adapter a bound template class provides (its own ``zarr_adapter`` fixture), once a test used it
BOUND_ADAPTER_KEY = pytest.StashKey["Adapter"]()
#: config: marks a test of a bound template class with its expectations, once its adapter is known (``--zarr-expect``)
MARK_BOUND_KEY = pytest.StashKey["Callable[[pytest.FixtureRequest, Adapter], None]"]()
#: config: the catalogue cases this run selected
CASES_KEY = pytest.StashKey["list[Case]"]()
#: config: the expectations files of this run, as one label (``--zarr-expect``)
EXPECTATIONS_LABEL_KEY = pytest.StashKey[str]()
#: config: expectation entries in scope of this run that matched no collected test
STALE_KEY = pytest.StashKey["list[Expectation]"]()
#: item: the requirement IDs the test checks for its case
REQUIREMENTS_KEY = pytest.StashKey[list[str]]()
