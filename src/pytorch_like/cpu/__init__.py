"""``torch.cpu``: the CPU's answers to the device-agnostic calls ``torch.cuda`` also has.

Mirrors ``torch.cpu`` (``is_available``, ``device_count``, ``current_device``,
``synchronize``, ``set_device``, ``current_stream``, ``stream``, ``Stream``,
``StreamContext``, ``Event``, ``is_initialized``, and the deprecated ``amp`` aliases of
``torch.amp`` for ``'cpu'``), with torch's return values: there is one
CPU device, always available, and its streams and events order nothing (work on the CPU
runs in issue order). ``get_capabilities`` is left out: it reports CPU instruction sets
that torch's own kernels were built for, which has no meaning for XLA's code.

Example:
    >>> torch.cpu.is_available(), torch.cpu.device_count(), torch.cpu.current_device()
    (True, 1, 'cpu')
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from . import amp  # noqa: F401 - torch.cpu.amp, not in torch.cpu.__all__

__all__ = ["is_available", "is_initialized", "synchronize", "current_device",
           "current_stream", "stream", "set_device", "device_count", "Stream", "StreamContext",
           "Event"]


def is_available() -> bool:
    """Mirrors ``torch.cpu.is_available``: always True.

    Example:
        >>> torch.cpu.is_available()
        True
    """
    return True


def is_initialized() -> bool:
    """Mirrors ``torch.cpu.is_initialized``: always True (nothing to initialise).

    Example:
        >>> torch.cpu.is_initialized()
        True
    """
    return True


def device_count() -> int:
    """Mirrors ``torch.cpu.device_count``: 1.

    Example:
        >>> torch.cpu.device_count()
        1
    """
    return 1


def current_device() -> str:
    """Mirrors ``torch.cpu.current_device``: the string ``'cpu'``.

    Example:
        >>> torch.cpu.current_device()
        'cpu'
    """
    return "cpu"


def set_device(device: Any) -> None:
    """Mirrors ``torch.cpu.set_device``: does nothing (there is one CPU device).

    Example:
        >>> torch.cpu.set_device("cpu")
    """


def synchronize(device: Any = None) -> None:
    """Mirrors ``torch.cpu.synchronize``: returns None and waits for nothing; ``device`` is
    ignored, as in torch. (To wait for a result, read it: ``t.item()``, ``t.tolist()``.)

    Example:
        >>> torch.cpu.synchronize()
    """


class Stream:
    """Mirrors ``torch.cpu.Stream``: a stand-in for device-agnostic code; its methods do
    nothing and return None.

    Example:
        >>> s = torch.cpu.Stream()
        >>> s.wait_stream(torch.cpu.current_stream())
    """

    def __init__(self, priority: int = -1) -> None:
        pass

    def wait_stream(self, stream: Stream) -> None:
        """Does nothing, as in torch."""

    def record_event(self) -> None:
        """Does nothing and returns None, as in torch."""

    def wait_event(self, event: Event) -> None:
        """Does nothing, as in torch."""


class Event:
    """Mirrors ``torch.cpu.Event``: ``query()`` is True, the rest does nothing.

    Example:
        >>> torch.cpu.Event().query()
        True
    """

    def query(self) -> bool:
        """Always True: CPU work is done in order."""
        return True

    def record(self, stream: Stream | None = None) -> None:
        """Does nothing, as in torch."""

    def synchronize(self) -> None:
        """Does nothing, as in torch."""

    def wait(self, stream: Stream | None = None) -> None:
        """Does nothing, as in torch."""


_default_cpu_stream = Stream()
_current_stream = _default_cpu_stream


def current_stream(device: Any = None) -> Stream:
    """Mirrors ``torch.cpu.current_stream``: the stream a ``torch.cpu.stream`` block
    selected, else the default one; ``device`` is ignored.

    Example:
        >>> isinstance(torch.cpu.current_stream(), torch.cpu.Stream)
        True
    """
    return _current_stream


class StreamContext(AbstractContextManager):
    """Mirrors ``torch.cpu.StreamContext``: makes ``stream`` the current stream inside the
    block (None: leaves it as it is). Entering returns None, as in torch.

    Example:
        >>> s = torch.cpu.Stream()
        >>> with torch.cpu.StreamContext(s):
        ...     torch.cpu.current_stream() is s
        True
    """

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self.prev_stream = _default_cpu_stream

    def __enter__(self) -> None:
        global _current_stream
        if self.stream is None:
            return
        self.prev_stream = _current_stream
        _current_stream = self.stream

    def __exit__(self, *exc: Any) -> None:
        global _current_stream
        if self.stream is None:
            return
        _current_stream = self.prev_stream


def stream(stream: Stream | None) -> AbstractContextManager:
    """Mirrors ``torch.cpu.stream``: ``StreamContext(stream)``.

    Example:
        >>> with torch.cpu.stream(torch.cpu.Stream()):
        ...     pass
    """
    return StreamContext(stream)
