"""Recorded events, their averages and the summary table: mirrors
``torch.autograd.profiler_util`` (``FunctionEvent``, ``FunctionEventAvg``, ``EventList``).

Times are microseconds (floats), as in torch. Only CPU-side (host) timings exist here: the
device columns, memory and FLOP counts that torch can add are absent or zero.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any, Iterable

_US_PER_S = 1_000_000.0
_US_PER_MS = 1_000.0


def _format_time(us: float) -> str:
    """torch's time format: seconds, milliseconds or microseconds, three decimals."""
    if us >= _US_PER_S:
        return f"{us / _US_PER_S:.3f}s"
    if us >= _US_PER_MS:
        return f"{us / _US_PER_MS:.3f}ms"
    return f"{us:.3f}us"


def _format_share(us: float, total: float) -> str:
    if total == 0:
        return "NaN"
    return f"{us * 100.0 / total:.2f}%"


def _in_unit(us: float, unit: str | None) -> str:
    if unit == "s":
        return f"{us / _US_PER_S:.3f}s"
    if unit == "ms":
        return f"{us / _US_PER_MS:.3f}ms"
    if unit == "us":
        return f"{us:.3f}us"
    return _format_time(us)


class Interval:
    """A start and end time in microseconds (torch's ``time_range``)."""

    __slots__ = ("start", "end")

    def __init__(self, start: float = 0.0, end: float = 0.0) -> None:
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        return self.end - self.start

    def __repr__(self) -> str:
        return f"Interval(start={self.start}, end={self.end})"


class _TimeStrings:
    """The ``*_str`` properties torch's events and averages share."""

    @property
    def cpu_time_str(self) -> str:
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return _format_time(self.self_cpu_time_total)

    @property
    def device_time_str(self) -> str:
        return _format_time(self.device_time)

    @property
    def device_time_total_str(self) -> str:
        return _format_time(self.device_time_total)

    @property
    def self_device_time_total_str(self) -> str:
        return _format_time(self.self_device_time_total)

    @property
    def device_time(self) -> float:
        return 0.0 if self.count == 0 else self.device_time_total / self.count

    # The memory and device fields torch fills on a device or with profile_memory: zero here.
    device_time_total = 0.0
    self_device_time_total = 0.0
    cpu_memory_usage = 0
    self_cpu_memory_usage = 0
    device_memory_usage = 0
    self_device_memory_usage = 0
    flops = 0
    node_id = -1
    is_async = False
    is_remote = False
    is_legacy = False
    use_device = None
    overload_name = ""
    scope = 0

    # torch's deprecated cuda_* names.
    @property
    def cuda_time_total(self) -> float:
        return self.device_time_total

    @property
    def self_cuda_time_total(self) -> float:
        return self.self_device_time_total

    @property
    def cuda_time(self) -> float:
        return self.device_time


class FunctionEvent(_TimeStrings):
    """One recorded range: an op, a ``record_function`` block, a backward or an optimizer
    step. Mirrors ``torch.autograd.profiler_util.FunctionEvent`` (CPU fields only).

    ``time_range`` holds the start and end in microseconds since the trace began;
    ``cpu_children``/``cpu_parent`` give the nesting, and ``self_cpu_time_total`` is the
    total minus the children's totals, as in torch.
    """

    def __init__(self, id: int, name: str, thread: int, start_us: float,  # noqa: A002
                 end_us: float, input_shapes: list | None = None, category: str = "cpu_op",
                 stack: list | None = None) -> None:
        self.id = id
        self.name = name
        self.thread = thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.stack = stack if stack is not None else []
        self.count = 1
        self.is_user_annotation = category == "user_annotation"
        self._category = category

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} "
                f"start_us={self.time_range.start:.3f} end_us={self.time_range.end:.3f} "
                f"cpu_children={[c.id for c in self.cpu_children]} thread={self.thread} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg(_TimeStrings):
    """The events of one key (name, and input shapes when grouped by them) summed.

    Mirrors ``torch.autograd.profiler_util.FunctionEventAvg``: ``count``,
    ``cpu_time_total``, ``self_cpu_time_total`` are sums, ``cpu_time`` is the average per
    call; ``input_shapes`` is ``""`` unless ``key_averages`` grouped by input shape.
    """

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes: Any = None
        self.stack: list = []
        self.cpu_children: list | None = None
        self.cpu_parent: FunctionEvent | None = None
        self.is_user_annotation = False

    @property
    def cpu_time(self) -> float:
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.cpu_children = other.cpu_children
            self.cpu_parent = other.cpu_parent
            self.is_user_annotation = other.is_user_annotation
        elif other.key != self.key:
            raise AssertionError(f"cannot average events of different keys: {other.key!r} "
                                 f"and {self.key!r}")
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.count += other.count
        return self

    __iadd__ = add

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events or averages: mirrors ``torch.autograd.profiler_util.EventList``
    (``table``, ``key_averages``, ``total_average``, ``export_chrome_trace``,
    ``self_cpu_time_total``). ``str()`` of it is its table."""

    def __init__(self, events: Iterable = (), *, _trace_info: dict | None = None) -> None:
        super().__init__(events)
        self._trace_info = _trace_info or {}

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shapes: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """Sum the events of each name (and input shapes when ``group_by_input_shapes``),
        in the order each key first occurs."""
        stats: dict = {}
        for e in self:
            key: tuple = (e.key, e.is_user_annotation)
            if group_by_input_shapes:
                key += (str(e.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(e.stack[:group_by_stack_n])
            avg = stats.get(key)
            if avg is None:
                avg = stats[key] = FunctionEventAvg()
            avg.add(e)
        out = EventList(stats.values(), _trace_info=self._trace_info)
        for avg in out:
            avg.stack = avg.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
        return out

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg()
        for e in self:
            total.cpu_time_total += e.cpu_time_total
            total.self_cpu_time_total += e.self_cpu_time_total
            total.count += e.count
        total.key = "Total"
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_src_column_width: int = 75, max_name_column_width: int = 55,
              max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False, time_unit: str | None = None) -> str:
        """torch's summary table (CPU columns): rows sorted by the attribute ``sort_by``
        (descending; ``"cpu_time_total"``, ``"self_cpu_time_total"``, ``"count"``, ...),
        at most ``row_limit`` of them; an "Input Shapes" column when the events carry
        shapes. Percentages are of the summed self times of all events (the footer)."""
        return _build_table(self, sort_by, row_limit, max_name_column_width,
                            max_shapes_column_width, header, top_level_events_only, time_unit)

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as Chrome trace JSON (``chrome://tracing``, Perfetto); a path
        ending in ``.gz`` is gzipped."""
        _write_chrome_trace(self, path, self._trace_info)


def _sort_attr(sort_by: str) -> str:
    return (sort_by.replace("cuda", "device").replace("xpu", "device")
            .replace("privateuse1", "device"))


def _build_table(events: EventList, sort_by, row_limit, max_name_width, max_shapes_width,
                 header, top_level_only, time_unit) -> str:
    if len(events) == 0:
        return ""
    rows = list(events)
    if sort_by is not None:
        attr = _sort_attr(sort_by)
        rows.sort(key=lambda e: getattr(e, attr), reverse=True)
    with_shapes = any(e.input_shapes is not None and len(e.input_shapes) > 0 for e in rows)

    name_width = max(len(e.key) for e in rows) + 4
    if max_name_width is not None:
        name_width = min(name_width, max_name_width)
    shapes_width = max(len(str(e.input_shapes)) for e in rows) + 4
    if max_shapes_width is not None:
        shapes_width = min(shapes_width, max_shapes_width)

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
               "# of Calls"]
    widths = [name_width] + [12] * (len(headers) - 1)
    if with_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    gap = "  "
    line_length = sum(widths) + len(gap) * (len(widths) - 1)

    def fmt(values) -> str:
        return "".join(f"{str(v):>{w}}{gap}" for v, w in zip(values, widths))

    sep = "".join("-" * w + gap for w in widths)
    total_self = sum(e.self_cpu_time_total for e in rows)

    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [sep, fmt(headers), sep]
    shown = 0
    for e in rows:
        if shown == row_limit:
            break
        if top_level_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if max_name_width is not None and len(name) >= max_name_width - 3:
            name = name[:max_name_width - 3] + "..."
        values = [name, _format_share(e.self_cpu_time_total, total_self),
                  _in_unit(e.self_cpu_time_total, time_unit),
                  _format_share(e.cpu_time_total, total_self),
                  _in_unit(e.cpu_time_total, time_unit), _in_unit(e.cpu_time, time_unit),
                  e.count]
        if with_shapes:
            values.append(str(e.input_shapes)[:shapes_width])
        lines.append(fmt(values))
    lines.append(sep)
    lines.append(f"Self CPU time total: {_in_unit(total_self, time_unit)}")
    return "\n".join(lines) + "\n"


def _write_chrome_trace(events: Iterable[FunctionEvent], path: str, info: dict) -> None:
    pid = os.getpid()
    base_us = info.get("base_epoch_us", 0.0)
    trace: list[dict] = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                          "args": {"name": "python"}}]
    threads = sorted({e.thread for e in events if isinstance(e, FunctionEvent)})
    for tid in threads:
        trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                      "args": {"name": f"thread {tid} (python)"}})
    for e in events:
        if not isinstance(e, FunctionEvent):
            continue
        args: dict = {"External id": e.id}
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        trace.append({"ph": "X", "cat": e._category, "name": e.name, "pid": pid,
                      "tid": e.thread, "ts": base_us + e.time_range.start,
                      "dur": e.cpu_time_total, "args": args})
    doc = {"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace,
           "baseTimeNanoseconds": int(base_us * 1000), "traceName": str(path)}
    data = json.dumps(doc).encode()
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
