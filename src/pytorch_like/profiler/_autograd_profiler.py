"""``torch.autograd.profiler``: the older spelling of the same profiler.

``profile`` here takes torch's legacy signature (``enabled``, ``use_cuda``, ``use_device``,
``record_shapes``, ...) and records exactly what :class:`pytorch_like.profiler.profile`
records; ``record_function``, ``EventList``, ``FunctionEvent`` and ``FunctionEventAvg`` are
``pytorch_like.profiler``'s own.

Example:
    >>> with torch.autograd.profiler.profile() as prof:
    ...     y = model(x)
    >>> print(prof.table(sort_by="self_cpu_time_total"))
"""

from __future__ import annotations

from typing import Any

from . import EventList, FunctionEvent, FunctionEventAvg, ProfilerActivity, record_function
from . import profile as _profile

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile(_profile):
    """Mirrors ``torch.autograd.profiler.profile``: records while entered, unless
    ``enabled=False``; ``table`` and ``total_average`` are those of its events.
    The device arguments are accepted; only host time is measured."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False,
                 use_device: str | None = None, record_shapes: bool = False,
                 with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config: Any = None,
                 acc_events: bool = False, custom_trace_id_callback: Any = None) -> None:
        super().__init__(activities=[ProfilerActivity.CPU], record_shapes=record_shapes,
                         profile_memory=profile_memory, with_stack=with_stack,
                         with_flops=with_flops, with_modules=with_modules,
                         acc_events=acc_events)
        self.enabled = enabled
        self.use_device = use_device or ("cuda" if use_cuda else None)

    def __enter__(self) -> profile:
        if self.enabled:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self.stop()

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs: Any) -> str:
        return self.events().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        return self.events().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self.events().self_cpu_time_total

    def __str__(self) -> str:
        return self.table()
