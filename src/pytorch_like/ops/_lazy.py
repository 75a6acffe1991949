"""Eager ops that record a graph are computed later, together (decision 001, design D).

Under grad mode an op whose inputs require grad does not run at once: ``apply`` records
its node with the inputs' arrays (or their own pending values) and gives tensors whose
storage holds a :class:`~pytorch_like.tensor._Lazy` with the output's shape and dtype
(from a cached ``jax.eval_shape``, so shape errors still surface at the user's line).
``backward()`` then computes the forward values and the gradients as one cached program
(``autograd/engine.py``), and anything that reads a pending value (``.item()``, printing,
an op outside autograd) computes it and its pending producers first (:func:`force`).

What the user sees is eager mode's: every value read is the one the op would have given,
in-place changes and version checks behave as before, and a graph seen once runs op by op
(its programs would compile for one use). The switch ``PYTORCH_LIKE_LAZY=0`` (read at
import) records nothing lazily.
"""

from __future__ import annotations

import os
import weakref

import jax
import jax.numpy as jnp
from jax.core import ShapedArray

from .._backend import compiler_options, relayout_enabled, remapped_scratch
from .._relayout import with_relayout
from ..tensor import _LAZY_HOOK, _Lazy

ENABLED = os.environ.get("PYTORCH_LIKE_LAZY", "1") != "0"

try:  # the class of a concrete array, without starting a backend at import (distributed)
    from jax._src.array import ArrayImpl as ARRAY
except ImportError:  # pragma: no cover - a JAX that moved it: ops then compute at once
    ARRAY = None
_SCALARS = frozenset((int, float, bool, complex))

_SHAPES: dict = {}
_SHAPES_MAX = 4096

# Programs by graph structure (here the forward-only ones; the engine's too): a
# structure seen once runs op by op, from the ``_FUSE_AFTER``-th time on as one program.
_FUSE_AFTER = 2
_CACHE_MAX = 128
_FORWARD: dict = {}

_DROPPED = ("internal error: a recorded value was dropped after its graph ran; please "
            "report this (PYTORCH_LIKE_LAZY=0 avoids it)")


def out_avals(op, static: tuple, cast, vals: list):
    """The abstract outputs of ``op`` on ``vals`` (a tuple), or None when an argument is
    something a program cannot take as an input (a tracer, a numpy array, ...)."""
    key = [op, static, cast]
    for v in vals:
        c = v.__class__
        if c is ARRAY or c is _Lazy:
            key.append(v.aval)
        elif c in _SCALARS:
            key.append(c)
        elif v is None:
            key.append(None)
        else:
            return None
    key = tuple(key)
    r = _SHAPES.get(key)
    if r is None:
        specs = [jax.ShapeDtypeStruct(v.aval.shape, v.aval.dtype, weak_type=v.aval.weak_type)
                 if v.__class__ is ARRAY or v.__class__ is _Lazy else v for v in vals]
        out = jax.eval_shape(op.raw(static, cast), *specs)
        outs = (out,) if op.nout == 1 else tuple(out)
        r = tuple(ShapedArray(o.shape, o.dtype, weak_type=o.weak_type) for o in outs)
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[key] = r
    return r


def outputs(node, avals: tuple) -> tuple:
    """The pending values of a node just recorded; its inputs count one more user each."""
    for v in node.pending:
        if v.__class__ is _Lazy:
            v.users += 1
    lazies = tuple(_Lazy(node, k, a) for k, a in enumerate(avals))
    # Weak: a node must not keep its outputs (and their values) alive in a reference cycle;
    # an output nothing holds any more is never needed.
    node.lazies = tuple(weakref.ref(lz) for lz in lazies)
    return lazies


# Pending values recorded outside autograd (BatchNorm's running statistics), weakly: the
# next one-program backward computes those a storage still shows, with its graph.
_DEFERRED: list = []


def defer(op, vals: list, static: tuple = ()):
    """Record ``op`` (not differentiable) on ``vals`` as a pending node outside autograd:
    its outputs, or None when it cannot be recorded (ops then compute at once). The next
    one-program ``backward()`` computes it along (``deferred``), as does any read."""
    if not ENABLED:
        return None
    avals = out_avals(op, static, None, vals)
    if avals is None:
        return None
    from ._dispatch import Node

    node = Node(op, static, None, (), (), (), (), [], tuple((a.shape, a.dtype) for a in avals))
    node.pending = tuple(vals)
    lazies = outputs(node, avals)
    _DEFERRED[:] = [r for r in _DEFERRED if (lz := r()) is not None and lz.value is None]
    _DEFERRED.extend(weakref.ref(lz) for lz in lazies)
    return lazies


def deferred() -> list:
    """The pending nodes of values recorded by ``defer`` that a storage still shows."""
    nodes = []
    for r in _DEFERRED:
        lz = r()
        if lz is not None and lz.value is None and lz.node.pending is not None and shown(lz):
            nodes.append(lz.node)
    return nodes


def bind(lazy: _Lazy, cell) -> None:
    """Record that ``cell`` (a tensor's storage) shows ``lazy``."""
    lazy.cell = weakref.ref(cell)


def value(v):
    """An argument as a program takes it: a pending value computed, anything else as is."""
    if v.__class__ is _Lazy:
        return v.force()
    return v


def shown(lazy: _Lazy) -> bool:
    """Whether a tensor's storage still shows ``lazy`` (so its value must be kept)."""
    ref = lazy.cell
    if ref is None:
        return False
    cell = ref()
    return cell is not None and cell._a is lazy


def closure(starts) -> list:
    """The pending nodes that ``starts`` (nodes) need, themselves included, in record
    order (producers first)."""
    seen = set()
    out = []
    stack = list(starts)
    while stack:
        n = stack.pop()
        if id(n) in seen or n.pending is None:
            continue
        seen.add(id(n))
        out.append(n)
        for v in n.pending:
            if v.__class__ is _Lazy and v.value is None:
                if v.node is None or v.node.pending is None:
                    raise RuntimeError(_DROPPED)
                stack.append(v.node)
    out.sort(key=lambda n: n.seq)
    return out


def plan(nodes: list) -> tuple:
    """The structure of a forward over ``nodes`` (record order) and its concrete inputs.

    Each node's spec is ``(op, static, cast, refs)``: a ref is ``(j, k)`` for output ``k``
    of ``nodes[j]``, or -1 for the next of ``args``."""
    index = {id(n): j for j, n in enumerate(nodes)}
    args = []
    spec = []
    for n in nodes:
        refs = []
        for v in n.pending:
            if v.__class__ is _Lazy:
                if v.value is None:
                    refs.append((index[id(v.node)], v.k))
                    continue
                v = v.value
            refs.append(-1)
            args.append(v)
        spec.append((n.op, n.static, n.cast, tuple(refs)))
    return tuple(spec), args


def run_spec(spec: tuple, args, vjps=None):
    """Trace the forward ``spec`` over ``args``: every node's outputs, in order.

    ``vjps`` maps a node's position to its differentiable argument positions: that node
    runs under ``jax.vjp`` and its pullback is stored in ``vjps`` in place of them."""
    it = iter(args)
    vals = []
    for j, (op, static, cast, refs) in enumerate(spec):
        ins = [next(it) if r == -1 else vals[r[0]][r[1]] for r in refs]
        if vjps is not None and j in vjps:
            outs, vjps[j] = _with_pullback(op, static, cast, vjps[j], ins)
        else:
            out = op.forward(static, cast)(*ins)
            outs = (out,) if op.nout == 1 else tuple(out)
        vals.append(outs)
    return vals


def _with_pullback(op, static, cast, diff: tuple, ins: list):
    """An op's outputs and the pullback of its differentiable outputs with respect to its
    ``diff`` arguments: ``_dispatch._make_vjp``'s function, sharing the forward."""
    fwd = op.raw(static, cast)
    diff_out = op.diff_out

    def f(*d):
        a = list(ins)
        for i, v in zip(diff, d):
            a[i] = v
        out = fwd(*a)
        full = (out,) if op.nout == 1 else tuple(out)
        sel = full if diff_out is None else tuple(full[k] for k in diff_out)
        return (sel if len(sel) > 1 else sel[0]), full

    y, pull, full = jax.vjp(f, *[ins[i] for i in diff], has_aux=True)

    def pullback(cts):
        if isinstance(y, tuple):
            cts = tuple(jnp.zeros_like(o) if c is None else c for o, c in zip(y, cts))
        else:
            cts = cts[0]
        return pull(cts)
    return full, pullback


def jit(fn, ops, relayout: bool = True) -> callable:
    """``jax.jit(fn)`` as ``compile`` builds its programs: with the backend's compiler
    options when one of ``ops`` asks for them (convolutions), and then on CPU channels-last
    inside (``_relayout``) unless ``relayout`` is False."""
    if any(op.backend_options for op in ops):
        if relayout and relayout_enabled():
            fn = with_relayout(fn)
        options = compiler_options()
        if options:
            return jax.jit(fn, compiler_options=options)
    return jax.jit(fn)


def counted(cache: dict, key) -> list | None:
    """Count one more use of the structure ``key`` in ``cache`` (``[uses, program, or
    False when it cannot be one]``, the oldest of ``_CACHE_MAX`` dropped): its entry once
    it has been seen ``_FUSE_AFTER`` times and may run as one program, else None."""
    entry = cache.get(key)
    if entry is None:
        if len(cache) >= _CACHE_MAX:
            del cache[next(iter(cache))]
        entry = cache[key] = [0, None]
    entry[0] += 1
    if entry[0] < _FUSE_AFTER or entry[1] is False:
        return None
    return entry


def run_program(entry: list, make, args: tuple):
    """Call the program of a structure's cache ``entry`` (built by ``make()`` the first
    time) on ``args``; None when it cannot run: it needs more scratch than a thread arena
    holds (faulted in on every call, so the smaller programs of the fallback run faster),
    or the graph does not trace as one program. Either is remembered in ``entry``."""
    try:
        if entry[1] is None:
            program = make()
            if remapped_scratch(program.lower(*args)) is not None:
                entry[1] = False
                return None
            entry[1] = program
        return entry[1](*args)
    except Exception:
        entry[1] = False
        return None


def compute(nodes: list) -> None:
    """Compute every output of ``nodes`` (pending, record order): op by op for a structure
    seen once, then as one cached forward program."""
    spec, args = plan(nodes)
    entry = counted(_FORWARD, (spec, tuple(getattr(a, "shape", None) for a in args)))
    vals = None
    if entry is not None:
        vals = run_program(entry, lambda: jit(lambda a: run_spec(spec, a),
                                              [s[0] for s in spec]), (args,))
    if vals is None:
        vals = run_spec(spec, args)
    for n, outs in zip(nodes, vals):
        for ref, o in zip(n.lazies, outs):
            lz = ref()
            if lz is not None:
                lz.value = o
    for n in nodes:
        done(n)


def done(node) -> None:
    """Mark ``node`` computed: its inputs are computed too, so its saved values become
    arrays (a computed node's backward never sees a pending value)."""
    node.pending = None
    if node.saved:
        node.saved = tuple(v.value if v.__class__ is _Lazy else v for v in node.saved)


def force(lazy: _Lazy) -> None:
    """Compute ``lazy`` and the pending values it depends on."""
    if lazy.node is None or lazy.node.pending is None:
        raise RuntimeError(_DROPPED)
    compute(closure([lazy.node]))


def force_graph(nodes) -> None:
    """Compute every pending value the (autograd) ``nodes`` need, with the pending values
    recorded outside autograd (``defer``)."""
    compute(closure([n for n in nodes if getattr(n, "pending", None) is not None]
                    + deferred()))


_LAZY_HOOK[0] = force
