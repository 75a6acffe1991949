"""``pytorch_like.profiler``: mirrors the CPU side of ``torch.profiler``.

What is recorded, while a :class:`profile` is in a recording phase:

- every eager op (each call of ``ops/_dispatch.apply``), as an event named
  ``"aten::" + <op name>``: this library's op names with torch's prefix, not necessarily
  ATen's exact names (``nn.Linear`` gives ``aten::linear``, as in torch, but one op here may
  be several ATen ops in torch, whose table also shows ``aten::addmm``, ``aten::t``, ...);
- each :class:`record_function` block (and ``ProfilerStep#<n>`` per step with a schedule);
- one ``autograd::backward`` event per ``backward()`` call (``Tensor.backward`` or
  ``autograd.backward``) and one ``autograd::grad`` per ``autograd.grad`` call, covering the
  whole backward (torch records one event per backward node instead);
- ``Optimizer.step#<Class>.step`` around each optimizer step, as torch does.

Timing: JAX dispatches work asynchronously, so while recording each op blocks until its
results are computed (``jax.block_until_ready``), and a backward or optimizer-step event
waits for the gradients or parameters it produced. An event's time is thus its computation,
not only its dispatch; this changes the timing of the profiled code (as any profiler does).
The first call of an op with new shapes also compiles it: run the code once before
profiling it (or use a ``schedule`` with warmup steps) to time the computation alone.
Ops traced inside ``pytorch_like.compile`` (their inputs are ``jax.core.Tracer``s) are
neither recorded nor blocked: a compiled call shows up only inside the ranges around it.

Differences from torch: host (CPU) timings only, whatever ``activities`` says (with a GPU
the op times include the device's work, since each op is waited for); ``profile_memory``,
``with_stack``, ``with_flops`` and ``with_modules`` are accepted and record nothing, so the
table has no memory or device columns; the chrome trace holds the events and the process
and thread names, not torch's device and flow metadata.

Example:
    >>> import pytorch_like as torch
    >>> from pytorch_like.profiler import profile, record_function, ProfilerActivity
    >>> model = torch.nn.Linear(4, 2)
    >>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    ...     with record_function("model_inference"):
    ...         model(torch.randn(3, 4))
    >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
"""

from __future__ import annotations

import functools
import itertools
import os
import socket
import sys
import threading
import time
import warnings
from enum import Enum
from typing import Any, Callable, Iterable

import jax

from ..ops import _dispatch
from ..tensor import Tensor
from ._events import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "supported_activities", "EventList", "FunctionEvent",
           "FunctionEventAvg"]


class ProfilerActivity(Enum):
    """Mirrors ``torch.profiler.ProfilerActivity`` (same member names). Only host (CPU)
    activity is recorded here, whichever members a profile is given."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(Enum):
    """Mirrors ``torch.profiler.ProfilerAction``: what a :func:`schedule` asks for at a
    step. ``DEVICE_STOPPED`` exists for parity; nothing here produces it."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def supported_activities() -> set[ProfilerActivity]:
    """Mirrors ``torch.profiler.supported_activities``: ``{ProfilerActivity.CPU}`` here."""
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:
    """Mirrors ``torch.profiler.schedule``: a function from step number to
    :class:`ProfilerAction`.

    After ``skip_first`` steps, each cycle is ``wait`` steps of ``NONE``, ``warmup`` of
    ``WARMUP`` and ``active`` of ``RECORD``, the last one ``RECORD_AND_SAVE`` (the trace of
    the cycle is handed to ``on_trace_ready``). ``repeat`` cycles, then ``NONE`` forever;
    ``repeat=0`` repeats until the profile stops. ``skip_first_wait`` drops the first
    cycle's ``wait``.

    Example:
        >>> s = schedule(wait=1, warmup=1, active=2)
        >>> [s(i).name for i in range(4)]
        ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE']
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule: wait={wait} and warmup={warmup} must be >= 0, "
            f"active={active} > 0, repeat={repeat} and skip_first={skip_first} >= 0.")
    if warmup == 0:
        warnings.warn("Profiler schedule without warmup: the first recorded step may "
                      "include one-time costs and skew the results", stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        if repeat > 0 and step >= repeat * cycle:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _always_record(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


# -- recording ------------------------------------------------------------------------------

class _Open:
    """A range being recorded: its event once closed."""

    __slots__ = ("name", "t0", "children", "category", "trace")

    def __init__(self, name: str, t0: int, category: str, trace: _Trace) -> None:
        self.name = name
        self.t0 = t0
        self.children: list[FunctionEvent] = []
        self.category = category
        self.trace = trace


class _Trace:
    """The events of one recording (one active cycle of a schedule)."""

    def __init__(self, record_shapes: bool) -> None:
        self.record_shapes = record_shapes
        self.events: list[FunctionEvent] = []
        self.stacks: dict[int, list[_Open]] = {}
        self.base_ns = 0
        self.base_epoch_us = 0.0
        self._ids = itertools.count(1)
        self.lock = threading.Lock()

    def begin(self) -> None:
        self.base_epoch_us = time.time_ns() / 1000.0
        self.base_ns = time.perf_counter_ns()

    def _us(self, ns: int) -> float:
        return (ns - self.base_ns) / 1000.0

    def stack(self) -> list[_Open]:
        tid = threading.get_ident()
        s = self.stacks.get(tid)
        if s is None:
            s = self.stacks[tid] = []
        return s

    def add(self, name: str, t0: int, t1: int, shapes: list | None, category: str,
            children: list[FunctionEvent] = ()) -> FunctionEvent:
        ev = FunctionEvent(next(self._ids), name, threading.get_native_id(), self._us(t0),
                           self._us(t1), shapes, category)
        for c in children:
            c.cpu_parent = ev
        ev.cpu_children = list(children)
        stack = self.stack()
        if stack:
            stack[-1].children.append(ev)
        with self.lock:
            self.events.append(ev)
        return ev

    def finish(self) -> EventList:
        ordered = sorted(self.events, key=lambda e: (e.time_range.start, -e.time_range.end))
        return EventList(ordered, _trace_info={"base_epoch_us": self.base_epoch_us})


class _State:
    trace: _Trace | None = None


_state = _State()
_tls = threading.local()


def _array_of(x):
    return x._cell.a if isinstance(x, Tensor) else x


def _is_traced(xs) -> bool:
    for x in xs:
        if isinstance(_array_of(x), jax.core.Tracer):
            return True
    return False


def _arrays(out) -> list:
    if isinstance(out, Tensor):
        return [out._cell.a]
    if isinstance(out, (tuple, list)):
        return [o._cell.a for o in out if isinstance(o, Tensor)]
    return []


def _shape_of(a) -> list:
    if isinstance(a, Tensor):
        return list(a._cell.peek().shape)
    return []


def _record_op(op, args, static, cast, out_dtype):
    """``_dispatch.apply``'s profiler hook: run the op as an event, or answer
    ``NotImplemented`` so that ``apply`` runs it unrecorded (inside this hook, or traced)."""
    trace = _state.trace
    if trace is None or getattr(_tls, "busy", False) or _is_traced(args):
        return NotImplemented
    shapes = [_shape_of(a) for a in args] if trace.record_shapes else None
    _tls.busy = True
    try:
        t0 = time.perf_counter_ns()
        out = _dispatch.apply(op, args, static, cast, out_dtype)
        arrays = _arrays(out)
        if _is_traced(arrays):  # an op of constants inside a trace
            return out
        jax.block_until_ready(arrays)
        t1 = time.perf_counter_ns()
    finally:
        _tls.busy = False
    trace.add("aten::" + op.name, t0, t1, shapes, "cpu_op")
    return out


class _Range:
    """A context manager recording one range event (``record_function``, backward,
    optimizer step) in the trace active when it is entered."""

    __slots__ = ("name", "category", "after", "graph", "_open", "_leaves")

    def __init__(self, name: str, category: str = "user_annotation",
                 after: Callable[[], Iterable] | None = None, graph=None) -> None:
        self.name = name
        self.category = category
        self.after = after
        self.graph = graph
        self._open: _Open | None = None
        self._leaves: list | None = None

    def __enter__(self) -> _Range:
        trace = _state.trace
        if trace is None:
            return self
        if self.graph is not None:
            if _is_traced(self.graph):
                return self
            self._leaves = _graph_leaves(self.graph)
        op = self._open = _Open(self.name, 0, self.category, trace)
        trace.stack().append(op)
        op.t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc) -> None:
        op = self._open
        if op is None:
            return
        self._open = None
        trace = op.trace
        stack = trace.stack()
        if op in stack:
            stack.remove(op)
        if trace is not _state.trace:  # the recording stopped inside the range: dropped
            return
        waits = []
        if self.after is not None:
            waits = [_array_of(t) for t in self.after()]
        if self._leaves is not None:
            waits = [t.grad._cell.a for t in self._leaves if t.grad is not None]
            self._leaves = None
        if _is_traced(waits):
            return
        if waits and exc[0] is None:
            jax.block_until_ready(waits)
        trace.add(self.name, op.t0, time.perf_counter_ns(), [], self.category, op.children)


def _graph_leaves(outputs) -> list:
    """The leaf tensors a backward from ``outputs`` accumulates into (read from the recorded
    graph before the backward frees it), to wait for their gradients."""
    leaves = []
    seen = set()
    todo = [getattr(o, "_node", None) for o in outputs]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if isinstance(var, Tensor):
            leaves.append(var)
            continue
        for edge in getattr(node, "edges", ()) or ():
            if edge:
                todo.append(edge[0])
    return leaves


def _scope(name: str, after: Callable[[], Iterable] | None = None, graph=None) -> _Range:
    """``_dispatch.profiler_hook.scope``: a range for the backward (``graph``: its output
    tensors) or an optimizer step (``after``: the tensors to wait for at its end)."""
    return _Range(name, "cpu_op", after, graph)


def _activate(trace: _Trace) -> None:
    if _state.trace is not None:
        raise RuntimeError("Another profiler is already recording; profiles cannot overlap.")
    trace.begin()
    _state.trace = trace
    _dispatch.profiler_hook.scope = _scope
    _dispatch.profiler_hook.record = _record_op


def _deactivate(trace: _Trace) -> None:
    if _state.trace is trace:
        _dispatch.profiler_hook.record = None
        _dispatch.profiler_hook.scope = None
        _state.trace = None


class record_function:
    """Mirrors ``torch.profiler.record_function`` (= ``torch.autograd.profiler
    .record_function``): label a block of code; the ops run inside it are its children.

    A context manager or a decorator. Outside a recording profile it does nothing. Its
    self time is its total minus its children's totals (the Python work between ops).

    Example:
        >>> with profile() as prof:
        ...     with record_function("forward"):
        ...         y = model(x)
        >>> @record_function("loss")
        ... def compute_loss(y): ...
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._range: _Range | None = None

    def __enter__(self) -> record_function:
        self._range = _Range(self.name).__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        r, self._range = self._range, None
        if r is not None:
            r.__exit__(*exc)

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapped


# -- the profiler ----------------------------------------------------------------------------

_N, _W, _R, _S = (ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD,
                  ProfilerAction.RECORD_AND_SAVE)


class profile:
    """Mirrors ``torch.profiler.profile``: records the ops, ``record_function`` ranges,
    backward calls and optimizer steps run while it is active (see the module docstring for
    the event names and the timing).

    Use it as a context manager, or call ``start()``/``stop()``. With ``schedule`` (see
    :func:`schedule`), call ``step()`` once per training step: only the ``RECORD`` steps are
    recorded, each step is a ``ProfilerStep#<n>`` range, and at the end of each active
    cycle ``on_trace_ready(prof)`` is called (e.g. :func:`tensorboard_trace_handler`);
    ``events()``/``key_averages()`` then give that cycle's events. Without a schedule
    everything between ``start`` and ``stop`` is one trace, handed to ``on_trace_ready`` at
    ``stop``.

    ``activities``: accepted (only host time is measured, see the module docstring);
    ``record_shapes``: keep each op's input shapes (for
    ``key_averages(group_by_input_shape=True)``); ``profile_memory``, ``with_stack``,
    ``with_flops``, ``with_modules`` and the rest are accepted and record nothing.

    Example:
        >>> with profile(activities=[ProfilerActivity.CPU],
        ...              schedule=schedule(wait=1, warmup=1, active=2, repeat=1),
        ...              on_trace_ready=tensorboard_trace_handler("./log")) as p:
        ...     for _ in range(8):
        ...         model(x); p.step()
    """

    def __init__(self, *, activities: Iterable[ProfilerActivity] | None = None,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable[..., Any] | None = None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, with_modules: bool = False,
                 experimental_config: Any = None, execution_trace_observer: Any = None,
                 acc_events: bool = False, use_cuda: bool | None = None,
                 custom_trace_id_callback: Callable[[], str] | None = None) -> None:
        acts = set(activities) if activities is not None else supported_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead",
                          FutureWarning, stacklevel=2)
            if use_cuda:
                acts.add(ProfilerActivity.CUDA)
            else:
                acts.discard(ProfilerActivity.CUDA)
        if not acts:
            raise AssertionError("No valid profiler activities found")
        self.activities = acts
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.record_steps = schedule is not None
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._scheduled = self.current_action
        self._trace: _Trace | None = None
        self._events: EventList | None = None
        self._step_range: record_function | None = None

    # torch's trace phases
    def prepare_trace(self) -> None:
        self._trace = _Trace(self.record_shapes)

    def start_trace(self) -> None:
        if self._trace is None:
            self.prepare_trace()
        _activate(self._trace)

    def stop_trace(self) -> None:
        trace = self._trace
        if trace is None:
            return
        _deactivate(trace)
        self._events = trace.finish()

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _transit(self, prev: ProfilerAction, cur: ProfilerAction | None) -> None:
        rec = (_R, _S)
        if prev == _N:
            if cur == _W:
                self.prepare_trace()
            elif cur in rec:
                self.prepare_trace()
                self.start_trace()
        elif prev == _W:
            if cur in rec:
                self.start_trace()
            elif cur == _N or cur is None:
                if cur == _N:
                    warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
                self.start_trace()
                self.stop_trace()
        elif prev == _R:
            if cur in (_N, _W):
                warnings.warn(f"Incorrect schedule: RECORD followed by {cur.name}",
                              stacklevel=3)
                self.stop_trace()
            elif cur is None:
                self.stop_trace()
                self._trace_ready()
        elif prev == _S:
            if cur == _R or cur == _S:
                self.stop_trace()
                self._trace_ready()
                self.prepare_trace()
                self.start_trace()
            else:
                self.stop_trace()
                self._trace_ready()
                if cur == _W:
                    self.prepare_trace()

    def start(self) -> None:
        """Begin profiling (in the schedule's phase for the current step)."""
        self._transit(_N, self.current_action)
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}").__enter__()

    def stop(self) -> None:
        """End profiling; a trace being recorded is finished and handed to
        ``on_trace_ready``."""
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None
        self._transit(self.current_action, None)
        self.current_action = self._scheduled

    def step(self) -> None:
        """Signal that the next step begins: moves along the schedule."""
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None
        prev = self.current_action
        self.step_num += 1
        self.current_action = self._scheduled = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}").__enter__()

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # results
    def events(self) -> EventList:
        """The events of the last finished trace (mirrors ``profile.events()``), sorted by
        start time."""
        if self._events is None:
            if self._trace is None:
                raise AssertionError("The profiler has recorded no trace yet")
            return self._trace.finish()
        return self._events

    @property
    def function_events(self) -> EventList:
        return self.events()

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """Mirrors ``profile.key_averages``: the events summed by name (and by input shapes
        with ``group_by_input_shape=True``, which needs ``record_shapes=True``); call
        ``.table(sort_by=..., row_limit=...)`` on the result."""
        return self.events().key_averages(group_by_input_shape, group_by_stack_n,
                                          group_by_overload_name)

    def export_chrome_trace(self, path: str) -> None:
        """Mirrors ``profile.export_chrome_trace``: the events as Chrome trace JSON
        (``{"traceEvents": [...]}``, complete events ``"ph": "X"`` with ``ts``/``dur`` in
        microseconds); open it in ``chrome://tracing`` or Perfetto."""
        self.events().export_chrome_trace(path)


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False) -> Callable[[profile], None]:
    """Mirrors ``torch.profiler.tensorboard_trace_handler``: an ``on_trace_ready`` that
    writes each trace to ``dir_name/<worker_name>.<time in ns>.pt.trace.json`` (``.gz``
    added with ``use_gzip``); ``worker_name`` defaults to ``<hostname>_<pid>``."""

    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))

    return handler


from . import _autograd_profiler  # noqa: E402

# torch.autograd.profiler: the same profile (legacy signature) and record_function.
sys.modules.setdefault(__name__.rpartition(".")[0] + ".autograd.profiler", _autograd_profiler)
from .. import autograd as _autograd  # noqa: E402

if not hasattr(_autograd, "profiler"):
    _autograd.profiler = _autograd_profiler
