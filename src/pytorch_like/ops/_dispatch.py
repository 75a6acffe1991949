"""The one place where an op runs: a JAX function, jitted and cached, recorded for autograd.

Every differentiable op is an :class:`Op` built from a plain JAX function
``fn(*arrays, **static) -> array | tuple``. Eager mode calls it through a cached
``jax.jit`` (one entry per op and static arguments; JAX caches shapes and dtypes), and
``backward()`` calls a cached jitted ``jax.vjp`` of the *same* function, so every gradient
comes from JAX. Under ``pytorch_like.compile`` the same calls are traced into one program.

Design note (docs/decisions/001-autograd.md): the graph stores arrays, never Tensor
handles, so in-place ops (which rebind a handle) cannot rewire a recorded graph.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from typing import Any, Callable

import jax
import jax.numpy as jnp

from .._backend import compiler_options
from ..autograd.anomaly_mode import _state as _anomaly
from ..autograd.anomaly_mode import forward_trace
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor, _Lazy  # defined before the op modules import this one
from . import _lazy

_seq = itertools.count()

ALL = "all"

REGISTRY: list = []  # every Op ever defined (autocast tags them by name)


class _Autocast:
    """Set by ``pytorch_like.amp``: while ``policy`` is not None, ``apply`` hands each op
    with an autocast tag to ``policy(op, args, cast, out_dtype)``, which returns new
    ``(args, cast, out_dtype)``."""

    policy = None


autocast_hook = _Autocast()


class _Profiler:
    """Set by ``pytorch_like.profiler`` while a profile records: ``apply`` hands each op to
    ``record(op, args, static, cast, out_dtype)``, which runs it as a timed event (or answers
    ``NotImplemented``: run it unrecorded); ``scope(name, after=None, graph=None)`` is the
    context manager that ``backward`` and ``Optimizer.step`` record their ranges with."""

    record = None
    scope = None


profiler_hook = _Profiler()


def profiled(name: str, **kw):
    """``profiler_hook.scope(name, **kw)`` while a profile records, else a no-op context."""
    scope = profiler_hook.scope
    return contextlib.nullcontext() if scope is None else scope(name, **kw)


class Op:
    """A differentiable op: a JAX function plus what autograd must keep for its backward.

    ``saves``: indices of the array arguments whose *values* the gradient needs (``ALL`` for
    every one), or a dict ``{index: indices}``: that argument is saved only when one of
    ``indices`` is differentiated (a product's factor is needed only for the other's
    gradient). Arguments not saved are kept only as shape and dtype, like torch, which also
    decides whether an in-place change of that input invalidates the graph.
    ``diff_out``: indices of the outputs that carry gradients (``None`` = all).
    ``backend_options``: compile the eager programs with ``_backend.compiler_options()``
    (convolutions: on CPU, XLA's own convolutions instead of YNNPACK's, 2.5-5x faster here).
    """

    __slots__ = ("name", "fn", "saves", "nout", "diff_out", "grad_name", "_fwd", "_bwd",
                 "differentiable", "amp", "backend_options")

    def __init__(self, name: str, fn: Callable, *, saves: Any = ALL, nout: int = 1,
                 diff_out: tuple | None = None, grad_name: str | None = None,
                 differentiable: bool = True, backend_options: bool = False) -> None:
        self.backend_options = backend_options
        self.name = name
        self.fn = fn
        self.saves = saves
        self.nout = nout
        self.diff_out = diff_out
        self.grad_name = grad_name or (name[:1].upper() + name[1:] + "Backward0")
        self.differentiable = differentiable
        self._fwd: dict = {}
        self._bwd: dict = {}
        # Autocast policy ("lower", "fp32", "promote" or None), set by pytorch_like.amp.
        self.amp = None
        REGISTRY.append(self)

    def __repr__(self) -> str:
        return f"Op({self.name})"

    def raw(self, static: tuple, cast) -> Callable:
        fn = functools.partial(self.fn, **dict(static)) if static else self.fn
        if cast is None:
            return fn

        def casted(*xs):
            return fn(*[x if x is None else jnp.asarray(x).astype(cast) for x in xs])
        return casted

    def forward(self, static: tuple = (), cast=None) -> Callable:
        key = (static, cast)
        f = self._fwd.get(key)
        if f is None:
            f = self._fwd[key] = self._jit(self.raw(static, cast))
        return f

    def backward_fn(self, static: tuple, cast, diff: tuple, unsaved: tuple) -> Callable:
        key = (static, cast, diff, unsaved)
        f = self._bwd.get(key)
        if f is None:
            f = self._bwd[key] = self._jit(_make_vjp(self, self.raw(static, cast), diff,
                                                     unsaved))
        return f

    def _jit(self, fn: Callable) -> Callable:
        plain = jax.jit(fn)
        options = compiler_options() if self.backend_options else None
        if not options:
            return plain
        tuned = jax.jit(fn, compiler_options=options)

        def call(*xs):
            # Inside a compiled function the op is traced into the caller's program, whose
            # top-level jit carries the options (JAX refuses them on a nested jit).
            for x in jax.tree_util.tree_leaves(xs):
                if isinstance(x, jax.core.Tracer):
                    return plain(*xs)
            return tuned(*xs)
        return call


def _make_vjp(op: Op, fwd: Callable, diff: tuple, unsaved: tuple) -> Callable:
    diff_out = op.diff_out

    def vjp(saved, cts):
        full = list(saved)
        for idx, shape, dt in unsaved:
            # Values the gradient does not need: zeros with the right shape, which XLA
            # removes, so the graph keeps no reference to the array.
            full[idx] = jnp.zeros(shape, dt)

        def f(*d):
            args = list(full)
            for i, v in zip(diff, d):
                args[i] = v
            out = fwd(*args)
            if diff_out is not None:
                out = tuple(out[k] for k in diff_out)
                return out if len(out) > 1 else out[0]
            return out

        out, pull = jax.vjp(f, *[full[i] for i in diff])
        if isinstance(out, tuple):
            cts = tuple(jnp.zeros_like(o) if c is None else c for o, c in zip(out, cts))
        else:
            cts = cts[0]
        return pull(cts)
    return vjp


class Node:
    """A recorded op application: torch's ``grad_fn``.

    Holds the saved arrays (or shapes of unsaved ones), the edges to the producers of each
    differentiable input, and the version of each saved input so backward can refuse a value
    that an in-place op changed.
    """

    __slots__ = ("op", "static", "cast", "saved", "unsaved", "diff", "edges", "versions",
                 "seq", "hooks", "retain", "out_meta", "trace", "pending", "lazies",
                 "__weakref__")

    def __init__(self, op, static, cast, saved, unsaved, diff, edges, versions, out_meta):
        self.op = op
        self.static = static
        self.cast = cast
        self.saved = saved
        self.unsaved = unsaved
        self.diff = diff
        self.edges = edges
        self.versions = versions
        self.seq = next(_seq)
        self.hooks = None
        self.retain = None
        self.out_meta = out_meta
        # The forward's traceback, kept only under anomaly detection.
        self.trace = forward_trace() if _anomaly.enabled else None
        # Recorded but not computed yet (ops/_lazy.py): every input, and the outputs.
        self.pending = None
        self.lazies = None

    def name(self) -> str:
        return self.op.grad_name

    def __repr__(self) -> str:
        return f"<{self.op.grad_name} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        return tuple((e[0], e[1]) for e in self.edges)


class AccumulateGrad:
    """The graph's sink for a leaf tensor; mirrors torch's ``AccumulateGrad`` node."""

    __slots__ = ("variable", "seq", "__weakref__")

    def __init__(self, variable) -> None:
        self.variable = variable
        self.seq = -1

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    next_functions = ()


def _edge(t):
    node = t._node
    if node is not None:
        return (node, t._oidx)
    acc = t._acc
    if acc is None:
        acc = t._acc = AccumulateGrad(t)
    return (acc, 0)


def apply(op: Op, args: tuple, static: tuple = (), cast=None, out_dtype=None):
    """Run ``op`` on Tensors/scalars, returning Tensor(s) of logical dtype ``out_dtype``.

    ``out_dtype`` is a torch dtype, or a tuple of them for several outputs; ``None`` takes the
    dtype of the first tensor argument.
    """
    if profiler_hook.record is not None:
        res = profiler_hook.record(op, args, static, cast, out_dtype)
        if res is not NotImplemented:
            return res
    if autocast_hook.policy is not None and op.amp is not None:
        args, cast, out_dtype = autocast_hook.policy(op, args, cast, out_dtype)
    vals = []
    concrete = True  # every tensor argument an array a program can take (no tracer)
    pending = False
    for a in args:
        if isinstance(a, Tensor):
            v = a._cell.peek()
            c = v.__class__
            if c is _Lazy:
                pending = True
            elif c is not _lazy.ARRAY:
                concrete = False
            vals.append(v)
        else:
            vals.append(a)

    if out_dtype is None:
        for a in args:
            if isinstance(a, Tensor):
                out_dtype = a._dtype
                break

    record = False
    if _grad_state.enabled and op.differentiable:
        for a in args:
            if isinstance(a, Tensor) and a._rg:
                record = True
                break

    avals = None
    if record and concrete and _lazy.ENABLED and not _anomaly.enabled:
        avals = _lazy.out_avals(op, static, cast, vals)
    if avals is not None:
        out = None
    else:
        if pending:
            vals = [_lazy.value(v) for v in vals]
        out = op.forward(static, cast)(*vals)

    if op.nout == 1:
        outs = (out,)
        dtypes = (out_dtype,)
    else:
        outs = out
        dtypes = out_dtype if isinstance(out_dtype, tuple) else (out_dtype,) * op.nout

    if not record:
        res = [Tensor._make(o, d) for o, d in zip(outs, dtypes)]
        return res[0] if op.nout == 1 else tuple(res)

    diff = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a._rg)
    edges = tuple(_edge(args[i]) for i in diff)
    saves = op.saves
    if type(saves) is dict:
        saves = tuple(i for i, need in saves.items() if any(j in diff for j in need))
    saved = []
    unsaved = []
    versions = []
    for i, (a, v) in enumerate(zip(args, vals)):
        if isinstance(a, Tensor):
            if saves == ALL or i in saves:
                saved.append(v)
                versions.append((a._ver, a._ver[0], a._dtype, tuple(v.shape), a._node,
                                 a._oidx))
            else:
                saved.append(None)
                unsaved.append((i, tuple(v.shape), v.dtype))
        else:
            saved.append(v)
    if avals is not None:
        node = Node(op, static, cast, tuple(saved), tuple(unsaved), diff, edges, versions,
                    tuple((o.shape, o.dtype) for o in avals))
        node.pending = tuple(vals)
        outs = _lazy.outputs(node, avals)
    else:
        node = Node(op, static, cast, tuple(saved), tuple(unsaved), diff, edges, versions,
                    tuple((o.shape, o.dtype) for o in outs))
    diff_out = op.diff_out
    res = []
    for k, (o, d) in enumerate(zip(outs, dtypes)):
        if diff_out is None or k in diff_out:
            t = Tensor._make(o, d, True, node, k if diff_out is None else diff_out.index(k))
        else:
            t = Tensor._make(o, d)
        if avals is not None:
            _lazy.bind(o, t._cell)
        res.append(t)
    return res[0] if op.nout == 1 else tuple(res)
