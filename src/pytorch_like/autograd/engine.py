"""The backward engine: walks a recorded graph and calls each op's cached jitted ``jax.vjp``.

Mirrors torch's engine: gradients flowing into a node are summed before the node runs,
nodes run consumers-first (by creation order), leaves accumulate into ``.grad``, hooks and
``retain_grad`` see the summed gradient, and saved values are freed unless
``retain_graph=True``.

With ``create_graph=True`` the same walk runs on Tensors instead of arrays: each node's
backward is applied as an op of its own (the jitted ``jax.vjp`` of the node's function,
whose own gradient JAX derives in turn), so the gradients are recorded and can be
differentiated again, as torch's double backward.
"""

from __future__ import annotations

import functools
import re
import types
import weakref

import jax
import jax.numpy as jnp

from .._dtype import from_storage
from ..ops import _lazy
from ..ops._dispatch import AccumulateGrad, Node, Op, _edge, _make_vjp, apply
from ..tensor import Tensor, _Lazy
from .anomaly_mode import _state as _anomaly
from .anomaly_mode import report
from .grad_mode import enable_grad, no_grad

_add = jax.jit(jnp.add)
_conj = jax.jit(jnp.conj)


def _flip(g):
    """Between JAX's and torch's convention for a complex gradient; anything else as is.

    JAX's cotangent of a complex value is the conjugate of torch's gradient (torch's
    ``.grad`` of a real loss L of z = x + iy is dL/dx + i dL/dy, JAX's dL/dx - i dL/dy).
    The walk runs in JAX's convention, since every node's vjp is JAX's; what the user
    gives or sees (``gradient=``, hooks, ``.grad``, ``autograd.grad``, a custom
    Function's backward) is flipped at that boundary, so real tensors never pay for it.
    """
    if isinstance(g, Tensor):
        if g._dtype.is_complex:
            from ..ops.complex import conj
            return conj(g)
        return g
    if g is not None and g.dtype.kind == "c":  # an attribute read: the walk's hot path
        return _conj(g)
    return g

_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


def _type_name(dtype) -> str:
    names = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
             "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
             "bool": "BoolTensor", "uint8": "ByteTensor", "int8": "CharTensor",
             "int16": "ShortTensor", "complex64": "ComplexFloatTensor"}
    return "torch." + names.get(dtype.name, dtype.name)


# Post-hooks of individual nodes (torch's ``grad_fn.register_hook``), used by modules'
# legacy ``register_backward_hook``. Kept beside the graph, not in ``Node``'s slots, so the
# walk pays one empty-dict test when none is registered.
_POST_HOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register_node_post_hook(node: Node, hook) -> None:
    """Call ``hook(grad_inputs, grad_outputs)`` after ``node``'s backward; mirrors torch's
    ``Node.register_hook``: a returned tuple replaces the node's input gradients.

    Example:
        >>> y = (x * 2).sum()
        >>> register_node_post_hook(y.grad_fn, lambda gi, go: None)
    """
    _POST_HOOKS.setdefault(node, []).append(hook)


def _run_post_hooks(hooks: list, node: Node, in_grads, cts, kind) -> list:
    in_dtypes = [_edge_dtype(e) for e in node.edges]
    gi = tuple(None if g is None else kind.tensor(_flip(g), d)
               for g, d in zip(in_grads, in_dtypes))
    go = tuple(None if c is None else kind.tensor(_flip(c), _dtype_of(node, k))
               for k, c in enumerate(cts))
    for hook in hooks:
        res = hook(gi, go)
        if res is not None:
            if len(res) != len(gi):
                raise RuntimeError(f"hook 'hook' has returned an incorrect number of values "
                                   f"(got {len(res)}, but expected {len(gi)})")
            gi = tuple(res)
    return [None if g is None else _flip(kind.value(g)) for g in gi]


def _check_versions(node: Node) -> None:
    for ver, expected, dtype, shape, producer, oidx in node.versions:
        if ver[0] != expected:
            what = f"[{_type_name(dtype)} [{', '.join(map(str, shape))}]]"
            if producer is not None:
                # torch names the node without its "Backward<n>" suffix here.
                name = re.sub(r"Backward\d*$", "", producer.name())
                what += f", which is output {oidx} of {name},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {what} is at version {ver[0]}; expected version "
                f"{expected} instead. Hint: enable anomaly detection to find the operation "
                "that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _collect(root_edges):
    """All nodes reachable from the roots."""
    seen = set()
    nodes = []
    stack = [e[0] for e in root_edges]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        nodes.append(n)
        if isinstance(n, Node):
            if n.saved is None:
                raise RuntimeError(_BACKWARD_TWICE)
            stack.extend(e[0] for e in n.edges)
    return nodes


def run_backward(roots, grads, retain_graph: bool, inputs=None, accumulate: bool = True,
                 create_graph: bool = False):
    """Backpropagate ``grads`` (arrays; Tensors too with ``create_graph``) from ``roots``.

    With ``inputs`` (Tensors), their gradients are captured and returned in order; when
    ``accumulate`` is False nothing is written to any ``.grad`` (``autograd.grad``). With
    ``create_graph`` the captured gradients and ``.grad`` are Tensors with a history.
    """
    if create_graph:
        with enable_grad():
            grads = [g if isinstance(g, Tensor) else Tensor._make(g, r._dtype)
                     for g, r in zip(grads, roots)]
            return _run(roots, grads, retain_graph, inputs, accumulate, _Graph)
    # torch's engine runs with grad mode off unless create_graph: what hooks (tensor,
    # post-accumulate, module) compute records nothing, and a hook may update a parameter
    # in place (a fused optimizer step).
    with no_grad():
        return _run(roots, grads, retain_graph, inputs, accumulate, _Arrays)


class _Arrays:
    """The ordinary backward: gradients are arrays, each node runs its jitted vjp."""

    add = staticmethod(_add)

    @staticmethod
    def node(node: Node, cts: list):
        if node.__class__ is not Node:  # a custom autograd.Function
            return node.run(cts, graph=False)
        fn = node.op.backward_fn(node.static, node.cast, node.diff, node.unsaved)
        return fn(node.saved, tuple(cts))

    @staticmethod
    def tensor(g, dtype) -> Tensor:
        return Tensor._make(g, dtype)

    @staticmethod
    def value(t: Tensor):
        return t._cell.a

    @staticmethod
    def accumulate(t: Tensor, g) -> None:
        if t._grad is None:
            t._grad = Tensor._make(g, t._dtype)
        else:
            cur = t._grad
            cur._cell.a = _add(cur._cell.a, g)
            cur._ver[0] += 1


class _Graph:
    """``create_graph=True``: gradients are Tensors and every step of the walk is recorded."""

    @staticmethod
    def add(a: Tensor, b: Tensor) -> Tensor:
        return a + b

    @staticmethod
    def node(node: Node, cts: list):
        if node.__class__ is not Node:
            return node.run(cts, graph=True)
        args = list(node.saved)
        dtypes = []
        for pos, (i, edge) in enumerate(zip(node.diff, node.edges)):
            dtypes.append(_edge_dtype(edge))
            if args[i] is not None:
                args[i] = _input_handle(args[i], edge, dtypes[pos])
        out = apply(_grad_op(node), tuple(args) + tuple(cts), out_dtype=tuple(dtypes)
                    if len(dtypes) > 1 else dtypes[0])
        return out if isinstance(out, tuple) else (out,)

    @staticmethod
    def tensor(g: Tensor, dtype) -> Tensor:
        return g

    @staticmethod
    def value(t: Tensor) -> Tensor:
        return t

    @staticmethod
    def accumulate(t: Tensor, g: Tensor) -> None:
        # torch accumulates out of place when the gradient has a history.
        t._grad = g if t._grad is None else t._grad + g


_GRAD_OPS: dict = {}


def _grad_op(node: Node) -> Op:
    """The node's backward as an op of its own: ``(*saved inputs, *cts) -> input grads``.

    Its gradient (the double backward) is JAX's vjp of this vjp. One op per forward op,
    static arguments, cast and set of differentiable inputs.
    """
    key = (node.op, node.static, node.cast, node.diff, node.unsaved)
    op = _GRAD_OPS.get(key)
    if op is None:
        vjp = _make_vjp(node.op, node.op.raw(node.static, node.cast), node.diff, node.unsaved)
        n_in = len(node.saved)
        single = len(node.diff) == 1

        def fn(*xs):
            out = vjp(xs[:n_in], xs[n_in:])
            return out[0] if single else tuple(out)
        op = _GRAD_OPS[key] = Op(node.op.name + "_backward", fn, nout=len(node.diff),
                                 grad_name=re.sub(r"\d+$", "", node.op.grad_name) + "Backward")
    return op


def _edge_dtype(edge):
    target, k = edge
    if isinstance(target, AccumulateGrad):
        return target.variable._dtype
    return _dtype_of(target, k)


def _input_handle(value, edge, dtype) -> Tensor:
    """A Tensor holding a saved input whose gradient flows back along ``edge``: the input's
    own history, so that the recorded backward connects to the original graph."""
    target, k = edge
    if isinstance(target, AccumulateGrad):
        t = Tensor._make(value, dtype, True)
        t._acc = target
        return t
    return Tensor._make(value, dtype, True, target, k)


def _run(roots, grads, retain_graph: bool, inputs, accumulate: bool, kind):
    root_edges = []
    for i, r in enumerate(roots):
        if not r._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        root_edges.append(_edge(r))

    nodes = _collect(root_edges)
    targets = {}
    if inputs is not None:
        for k, t in enumerate(inputs):
            if not t._rg:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.setdefault(_key(_edge(t)), []).append(k)
        nodes, run = _prune(nodes, targets)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    if _lazy_state(nodes):
        if kind is _Arrays and inputs is None and accumulate and not retain_graph \
                and _lazy_walk(root_edges, grads, nodes):
            return captured
        _lazy.force_graph(nodes)

    if kind is _Arrays and inputs is None and accumulate and _fused_walk(
            roots, root_edges, grads, nodes, retain_graph):
        return captured

    buf: dict = {}
    add = kind.add
    for e, g in zip(root_edges, grads):
        _put(buf, e, _flip(g), add)

    order = sorted((n for n in nodes if isinstance(n, Node)), key=lambda n: -n.seq)
    for node in order:
        cts = buf.pop(id(node), None)
        if cts is None:
            continue
        if node.saved is None:
            raise RuntimeError(_BACKWARD_TWICE)
        _check_versions(node)
        if node.hooks is not None or node.retain is not None:
            cts = _run_tensor_hooks(node, cts, kind)
        for k, ct in enumerate(cts):
            if ct is not None and (id(node), k) in targets:
                for pos in targets[(id(node), k)]:
                    captured[pos] = _flip(ct)
        if inputs is not None and id(node) not in run:
            continue
        in_grads = _checked(kind, node, cts) if _anomaly.enabled else kind.node(node, cts)
        if _POST_HOOKS:
            post = _POST_HOOKS.get(node)
            if post:
                in_grads = _run_post_hooks(post, node, in_grads, cts, kind)
        for e, g in zip(node.edges, in_grads):
            if g is not None:  # a custom Function may return None for an input
                _put(buf, e, g, add)
        if not retain_graph:
            node.saved = None

    if accumulate and isinstance(roots[0]._cell.peek(), jax.core.Tracer):
        _check_traced_post_hooks(nodes)
    for n in nodes:
        if isinstance(n, AccumulateGrad):
            cts = buf.pop(id(n), None)
            if cts is None:
                continue
            g = _flip(cts[0])
            t = n.variable
            hooks = t.__dict__.get("_hooks")
            if hooks:
                for h in list(hooks.values()):
                    r = h(kind.tensor(g, t._dtype))
                    if r is not None:
                        g = kind.value(r)
            if (id(n), 0) in targets:
                for pos in targets[(id(n), 0)]:
                    captured[pos] = g
            if accumulate and (inputs is None or (id(n), 0) in targets):
                kind.accumulate(t, g)
                post = t.__dict__.get("_post_accumulate_grad_hooks")
                if post:
                    _run_post_accumulate(t, post)
    if inputs is not None and accumulate:
        for t, g in zip(inputs, captured):
            if g is not None and t._node is not None:
                kind.accumulate(t, g)
    return captured


def _run_post_accumulate(t: Tensor, hooks: dict) -> None:
    """``hook(t)`` for each post-accumulate-grad hook of leaf ``t``, in registration order,
    after its ``.grad`` was updated; torch's checks on the returned value, in its order
    (``t`` itself passes, as the result of an in-place update such as ``p.add_(...)``)."""
    for h in list(hooks.values()):
        r = h(t)
        if r is None or r is t:
            continue
        if not isinstance(r, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
        name = getattr(h, "__name__", "<unknown>")
        if r._dtype is not t._dtype:
            raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                               f"{_type_name(t._dtype)} got {_type_name(r._dtype)})")
        if tuple(r.shape) != tuple(t.shape):
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        raise RuntimeError("Tensor post accumulate grad hooks should return None.")


_UNSEEN_OPTIMIZER = (
    "A post-accumulate-grad hook steps {what} that pytorch_like.compile did not find: its "
    "learning rate and state would be baked into the compiled program or leak out of it. "
    "compile finds state through the compiled function's closure, the globals it names, "
    "its arguments and the closures of these hooks, not through a functools.partial's "
    "arguments or other objects' attributes: name the optimizers in the compiled function (for "
    "example refer to the dict of per-parameter optimizers in its body, or pass a list of "
    "them as an argument), or run the step eagerly.")


def _check_traced_post_hooks(nodes) -> None:
    """Under ``compile``, before any ``.grad`` is written: every optimizer that a leaf's
    post-accumulate-grad hook steps must be state the program carries."""
    for n in nodes:
        if isinstance(n, AccumulateGrad):
            t = n.variable
            hooks = t.__dict__.get("_post_accumulate_grad_hooks")
            if hooks and isinstance(t._cell.a, jax.core.Tracer):
                for h in hooks.values():
                    _check_hook_state_is_traced(h)


def _check_hook_state_is_traced(hook) -> None:
    """Under ``compile``: refuse a hook whose optimizers are not inputs of the program.

    Inside the trace an optimizer that ``compile`` walked has its float learning rates
    and its state tensors replaced by tracers; one it did not walk still holds Python
    numbers or concrete arrays, and stepping it would give a program with a stale learning
    rate and moments that are never written back.
    """
    for opt in _optimizers_reached(hook):
        for group in opt.param_groups:
            # compile makes every Python-number lr of the optimizers it walked an input.
            if type(group.get("lr")) in (int, float):
                raise RuntimeError(_UNSEEN_OPTIMIZER.format(what=type(opt).__name__))
        for st in opt.state.values():
            for v in st.values():
                if isinstance(v, Tensor) and not isinstance(v._cell.a, jax.core.Tracer):
                    raise RuntimeError(_UNSEEN_OPTIMIZER.format(what=type(opt).__name__))


def _optimizers_reached(hook) -> list:
    """The optimizers a hook can reach through its closure, the globals it names, a bound
    method's ``self`` or a ``functools.partial``'s arguments, and containers of those."""
    from ..compiler import _fn_roots
    from ..optim.optimizer import Optimizer

    found: list = []
    seen: set = set()
    stack = [hook]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, Tensor)):
            continue
        seen.add(id(obj))
        if isinstance(obj, Optimizer):
            found.append(obj)
        elif isinstance(obj, functools.partial):
            stack.extend((obj.func, *obj.args, *obj.keywords.values()))
        elif isinstance(obj, (types.FunctionType, types.MethodType)):
            stack.extend(_fn_roots(obj)())
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif _is_lr_scheduler(obj):
            stack.append(obj.optimizer)
    return found


def _is_lr_scheduler(obj) -> bool:
    from ..optim.optimizer import Optimizer

    return isinstance(getattr(type(obj), "step", None), types.FunctionType) \
        and isinstance(getattr(obj, "optimizer", None), Optimizer)


def _checked(kind, node: Node, cts: list) -> list:
    """A node's backward under anomaly detection: its forward traceback with any error,
    and (``check_nan``) an error for NaN gradients."""
    try:
        in_grads = kind.node(node, cts)
    except Exception:
        report(node)
        raise
    if _anomaly.check_nan:
        for i, g in enumerate(in_grads):
            a = g._cell.a if isinstance(g, Tensor) else g
            if a is None or isinstance(a, jax.core.Tracer) \
                    or not jnp.issubdtype(a.dtype, jnp.inexact):
                continue
            if bool(jnp.isnan(a).any()):
                report(node)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                   f"{i}th output.")
    return in_grads


def _key(edge):
    return (id(edge[0]), edge[1])


def _put(buf, edge, g, add) -> None:
    node, k = edge
    slot = buf.get(id(node))
    if slot is None:
        n = len(node.out_meta) if isinstance(node, Node) else 1
        if node.__class__ is Node and node.op.diff_out is not None:
            n = len(node.op.diff_out)
        slot = buf[id(node)] = [None] * n
    slot[k] = g if slot[k] is None else add(slot[k], g)


def _prune(nodes, targets):
    """Nodes on a path to a target, and the subset whose backward must run.

    ``autograd.grad`` computes nothing that does not lead to one of its inputs.
    """
    target_nodes = {k[0] for k in targets}
    needed = set()
    run = set()
    for n in sorted(nodes, key=lambda n: n.seq):
        feeds = isinstance(n, Node) and any(id(e[0]) in needed for e in n.edges)
        if feeds:
            run.add(id(n))
        if feeds or id(n) in target_nodes:
            needed.add(id(n))
    return [n for n in nodes if id(n) in needed], run


def _run_tensor_hooks(node: Node, cts, kind):
    cts = list(cts)
    for k, ct in enumerate(cts):
        if ct is None:
            continue
        if node.hooks is not None:
            for h in list(node.hooks.get(k, {}).values()):
                r = h(kind.tensor(_flip(ct), _dtype_of(node, k)))
                if r is not None:
                    ct = cts[k] = _flip(kind.value(r))
        if node.retain is not None and k in node.retain:
            t = node.retain[k]()
            if t is not None:
                kind.accumulate(t, _flip(ct))
    return cts


def _dtype_of(node: Node, k: int):
    if node.op.diff_out is not None:
        k = node.op.diff_out[k]
    return from_storage(node.out_meta[k][1])


# -- the whole backward as one program ---------------------------------------------------
#
# A training loop records the same graph every step; walking it node by node dispatches one
# small program per node (and one addition per accumulated ``.grad``). From the
# ``_lazy._FUSE_AFTER``-th backward of a graph with the same structure on (at most
# ``_lazy._CACHE_MAX`` structures are remembered), the walk below runs as
# one jitted program instead: the same per-node vjps and the same sums, traced together, so
# XLA fuses across nodes and the step pays one dispatch. Graphs with hooks, ``retain_grad``,
# custom Functions, anomaly detection, ``inputs=``/``autograd.grad`` or tracers keep the
# node-by-node walk, as do graphs seen once (their programs would compile for one use).

_FUSED: dict = {}


def _plain(nodes, grads):
    """``(nodes in walk order, leaf nodes, position of every node)`` when nothing in the
    graph calls back into Python during the walk, else None (the walk must run)."""
    if _anomaly.enabled or _POST_HOOKS:
        return None
    for g in grads:
        if isinstance(g, jax.core.Tracer):
            return None
    order = []
    leaves = []
    for n in nodes:
        if n.__class__ is Node:
            if n.hooks is not None or n.retain is not None:
                return None
            order.append(n)
        elif n.__class__ is AccumulateGrad:
            d = n.variable.__dict__
            if d.get("_hooks") or d.get("_post_accumulate_grad_hooks"):
                return None
            leaves.append(n)
        else:
            return None
    order.sort(key=lambda n: -n.seq)
    index = {id(n): i for i, n in enumerate(order)}
    base = len(order)
    for j, n in enumerate(leaves):
        index[id(n)] = base + j
    return order, leaves, index


def _write_grads(variables, prior, out) -> None:
    for t, p, g in zip(variables, prior, out):
        if p is None:
            t._grad = Tensor._make(g, t._dtype)
        else:
            p._cell.a = g
            p._ver[0] += 1


class _Buffer:
    """The gradients flowing into each node while a walk is traced as one program, summed
    as ``_put`` does; ``slots[i]`` is the number of outputs of node ``i``."""

    def __init__(self, slots: list) -> None:
        self.slots = slots
        self.buf: list = [None] * len(slots)

    def put(self, idx: int, k: int, g) -> None:
        slot = self.buf[idx]
        if slot is None:
            slot = self.buf[idx] = [None] * self.slots[idx]
        slot[k] = g if slot[k] is None else jnp.add(slot[k], g)

    def roots(self, root_spec, root_grads) -> None:
        for (idx, k), g in zip(root_spec, root_grads):
            self.put(idx, k, _flip(g))

    def take(self, idx: int) -> tuple:
        cts = self.buf[idx]
        self.buf[idx] = None
        return tuple(cts)

    def leaf_grads(self, base: int, prior) -> list:
        out = []
        for j, p in enumerate(prior):
            g = _flip(self.buf[base + j][0])
            out.append(g if p is None else jnp.add(p, g))
        return out


def _slots(ops_and_meta, n_leaves: int) -> list:
    slots = [len(meta) if op.diff_out is None else len(op.diff_out)
             for op, meta in ops_and_meta]
    return slots + [1] * n_leaves


def _fused_walk(roots, root_edges, grads, nodes, retain_graph: bool) -> bool:
    """Run the backward of ``roots`` as one cached program when the graph allows it.

    Returns False (having done nothing) when the node-by-node walk must run instead.
    """
    graph = _plain(nodes, grads)
    if graph is None:
        return False
    order, leaves, index = graph
    variables = [n.variable for n in leaves]
    prior = [t._grad for t in variables]
    key = (tuple((index[id(e[0])], e[1]) for e in root_edges),
           tuple((n.op, n.static, n.cast, n.diff, n.unsaved,
                  tuple((index[id(e[0])], e[1]) for e in n.edges)) for n in order),
           len(leaves), tuple(p is None for p in prior))
    entry = _lazy.counted(_FUSED, key)
    if entry is None:
        return False
    for n in order:  # _collect already refused freed graphs
        _check_versions(n)
    saved = [n.saved for n in order]
    prior_arrays = [None if p is None else p._cell.a for p in prior]
    out = _lazy.run_program(entry, lambda: _fused_program(key, order),
                            (saved, list(grads), prior_arrays))
    if out is None:
        return False
    _write_grads(variables, prior, out)
    if not retain_graph:
        for n in order:
            n.saved = None
    return True


def _fused_program(key, order):
    """One jitted function ``(saved, root grads, prior leaf grads) -> leaf grads`` running
    the walk of ``_run`` over the graph that ``key`` describes."""
    root_spec, node_specs, n_leaves, _ = key
    fns = [n.op.backward_fn(n.static, n.cast, n.diff, n.unsaved) for n in order]
    slots = _slots([(n.op, n.out_meta) for n in order], n_leaves)
    edges = [spec[5] for spec in node_specs]

    def program(saved, root_grads, prior):
        buf = _Buffer(slots)
        buf.roots(root_spec, root_grads)
        for j, fn in enumerate(fns):
            for (idx, k), g in zip(edges[j], fn(saved[j], buf.take(j))):
                buf.put(idx, k, g)
        return buf.leaf_grads(len(order), prior)

    return _lazy.jit(program, [n.op for n in order], relayout=False)


# -- forward and backward as one program (ops/_lazy.py) --------------------------------------
#
# When the forward was only recorded (eager ops under grad mode), ``backward()`` computes
# the forward values and the gradients together: one program per graph structure, from
# the leaves' arrays to the new ``.grad``s and the values that tensors still show (the
# loss, the model's output). A structure seen for the first time, and every graph the
# one-program walk above refuses, computes the forward op by op and walks as before.

_LAZY: dict = {}


def _lazy_state(nodes) -> bool:
    """Whether ``nodes`` hold values not computed yet."""
    for n in nodes:
        if n.__class__ is Node and n.pending is not None:
            return True
    return False


def _lazy_walk(root_edges, grads, nodes) -> bool:
    """Run forward and backward of the graph ``nodes`` as one cached program.

    Returns False (having computed nothing) when the caller must compute the forward op by
    op and walk the graph as usual."""
    graph = _plain(nodes, grads)
    if graph is None:
        return False
    order, leaves, index = graph
    fw = _lazy.closure([n for n in order if n.pending is not None] + _lazy.deferred())
    fspec, args = _lazy.plan(fw)
    findex = {id(n): j for j, n in enumerate(fw)}
    bspec = []
    saved = []
    for n in order:
        edges = tuple((index[id(e[0])], e[1]) for e in n.edges)
        j = findex.get(id(n), -1)
        if j >= 0:
            bspec.append((j, n.diff, edges))
        else:
            saved.append(n.saved)
            bspec.append((-1, n.op, n.static, n.cast, n.diff, n.unsaved, edges))
    # The values to keep: those a tensor still shows, those a node outside this graph
    # takes as input, and those a node computed here but not differentiated here saves
    # for a later backward; the rest exist only inside the program.
    uses: dict = {}
    saved_later = set()
    for n in fw:
        for v in n.pending:
            if v.__class__ is _Lazy:
                uses[id(v)] = uses.get(id(v), 0) + 1
        if id(n) not in index:
            saved_later.update(id(v) for v in n.saved if v.__class__ is _Lazy)
    keep = []
    kept_lazies = []
    for j, n in enumerate(fw):
        for ref in n.lazies:
            lz = ref()
            if lz is not None and (_lazy.shown(lz) or lz.users > uses.get(id(lz), 0)
                                   or id(lz) in saved_later):
                keep.append((j, lz.k))
                kept_lazies.append(lz)
    variables = [n.variable for n in leaves]
    prior = [t._grad for t in variables]
    # The arguments' shapes too: a program's scratch, checked once per entry, grows with
    # the batch.
    key = (tuple((index[id(e[0])], e[1]) for e in root_edges), fspec, tuple(bspec),
           len(leaves), tuple(p is None for p in prior), tuple(keep),
           tuple(getattr(a, "shape", None) for a in args))
    entry = _lazy.counted(_LAZY, key)
    if entry is None:
        return False
    for n in order:
        _check_versions(n)
    ops = [s[0] for s in fspec] + [s[1] for s in bspec if s[0] < 0]
    res = _lazy.run_program(
        entry, lambda: _lazy.jit(_lazy_program(key, [n.out_meta for n in order]), ops),
        (args, saved, list(grads), [None if p is None else p._cell.a for p in prior]))
    if res is None:
        return False
    out, kept = res
    _write_grads(variables, prior, out)
    for lz, v in zip(kept_lazies, kept):
        lz.value = v
    for n in order:
        n.saved = None
    for n in fw:
        _lazy.done(n)  # those not differentiated here keep their saved values (saved_later)
    return True


def _lazy_program(key, out_meta):
    """``(forward args, saved of computed nodes, root grads, prior leaf grads) -> (leaf
    grads, kept values)`` for the graph ``key`` describes (see ``_lazy_walk``)."""
    root_spec, fspec, bspec, n_leaves, _, keep, _ = key
    slots = _slots([(fspec[b[0]][0] if b[0] >= 0 else b[1], meta)
                    for b, meta in zip(bspec, out_meta)], n_leaves)

    def program(args, saved, root_grads, prior):
        pulls = {spec[0]: spec[1] for spec in bspec if spec[0] >= 0}
        vals = _lazy.run_spec(fspec, args, pulls)
        buf = _Buffer(slots)
        buf.roots(root_spec, root_grads)
        it = iter(saved)
        for b, spec in enumerate(bspec):
            cts = buf.take(b)
            if spec[0] >= 0:
                in_grads = pulls[spec[0]](cts)
                edges = spec[2]
            else:
                _, op, static, cast, diff, unsaved, edges = spec
                in_grads = op.backward_fn(static, cast, diff, unsaved)(next(it), cts)
            for (idx, k), g in zip(edges, in_grads):
                buf.put(idx, k, g)
        return buf.leaf_grads(len(bspec), prior), [vals[j][k] for j, k in keep]
    return program
