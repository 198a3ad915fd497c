"""Calling an adapter's verbs: errors named with adapter and verb, hangs cut off by a timeout."""

from __future__ import annotations

import concurrent.futures
import threading
from pathlib import Path
from typing import Any

from .adapters.base import Adapter, ArraySpec, NotSupported, Selection
from .adapters.proxy import CallTimedOut, WorkerAdapter, WorkerCrashed


def format_call(adapter: Adapter, verb: str, args: tuple[Any, ...]) -> str:
    """The call ``verb(*args)`` as a failure message's reproduce line.

    For a worker it is the shell line that sends the JSON request to the worker's own
    command; for an in-process adapter, the Python call.
    """
    if isinstance(adapter, WorkerAdapter):
        return adapter.reproduce(verb, args)
    shown = []
    for arg in args:
        if isinstance(arg, Path):
            shown.append(f"Path({str(arg)!r})")
        elif isinstance(arg, Selection):
            shown.append(arg.describe())
        elif isinstance(arg, ArraySpec):
            shown.append(f"<ArraySpec v{arg.zarr_format} {arg.data_type} {list(arg.shape)}>")
        else:
            shown.append(repr(arg))
    return f"{adapter.name}.{verb}({', '.join(shown)})"


class AdapterError(Exception):
    """The implementation raised: carries the adapter, the call, the error type and message."""

    def __init__(self, adapter: Adapter, verb: str, args: tuple[Any, ...], error: BaseException) -> None:
        self.verb = verb
        self.call = format_call(adapter, verb, args)
        self.error_type = getattr(error, "remote_type", type(error).__name__)
        self.error_message = str(error)
        super().__init__(f"{self.call} raised {self.error_type}: {self.error_message}")


class AdapterTimeout(Exception):
    """The call did not return within its time budget."""

    def __init__(self, adapter: Adapter, verb: str, args: tuple[Any, ...], seconds: float, detail: str = "") -> None:
        self.call = format_call(adapter, verb, args)
        super().__init__(f"{self.call} did not return within {seconds:g} s" + (f": {detail}" if detail else ""))


class AdapterCrash(Exception):
    """The worker hosting the implementation died or broke the protocol (it is restarted)."""

    def __init__(self, adapter: Adapter, verb: str, args: tuple[Any, ...], error: BaseException) -> None:
        self.call = format_call(adapter, verb, args)
        super().__init__(f"{self.call}: worker crashed: {error}")


#: verbs whose argument at this position must be of this type (the adapter contract)
_TYPED_ARGUMENTS: dict[str, tuple[int, type]] = {
    "read": (2, Selection),
    "write": (2, Selection),
    "create_array": (2, ArraySpec),
}


def _check_arguments(verb: str, args: tuple[Any, ...]) -> None:
    """A suite passing the wrong type is the kit's bug: it must not read as the implementation's error."""
    position, expected = _TYPED_ARGUMENTS.get(verb, (-1, object))
    if 0 <= position < len(args) and not isinstance(args[position], expected):
        raise TypeError(
            f"{verb}: argument {position} must be a {expected.__name__}, got {type(args[position]).__name__}"
        )


class GuardedAdapter:
    """Runs an adapter's verbs on a worker thread with a timeout.

    A call that hangs is abandoned (its thread is left behind, as daemon) and later
    calls get a fresh thread, so one hang costs one test, not the run.
    """

    def __init__(self, adapter: Adapter, timeout: float) -> None:
        self.adapter = adapter
        self.budget = timeout
        self.timeout = timeout
        if adapter.out_of_process:  # a worker enforces the budget itself, by killing; this thread only backs it up
            adapter.set_call_timeout(timeout)
            self.timeout = timeout + 30
        self._executor = self._new_executor()

    @staticmethod
    def _new_executor() -> concurrent.futures.ThreadPoolExecutor:
        return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="zarr-conformance-call")

    def call(self, verb: str, *args: Any) -> Any:
        _check_arguments(verb, args)
        method = getattr(self.adapter, verb)
        future = self._executor.submit(method, *args)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            raise AdapterTimeout(self.adapter, verb, args, self.timeout) from None
        except NotSupported:
            raise
        except CallTimedOut as error:
            raise AdapterTimeout(self.adapter, verb, args, self.budget, str(error)) from None
        except WorkerCrashed as error:
            raise AdapterCrash(self.adapter, verb, args, error) from error
        except Exception as error:
            raise AdapterError(self.adapter, verb, args, error) from error

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        closer = threading.Thread(target=self.adapter.close, daemon=True)
        closer.start()
        closer.join(self.timeout)
