"""The backward engine: walks a recorded graph and calls each op's cached jitted ``jax.vjp``.

Mirrors torch's engine: gradients flowing into a node are summed before the node runs,
nodes run consumers-first (by creation order), leaves accumulate into ``.grad``, hooks and
``retain_grad`` see the summed gradient, and saved values are freed unless
``retain_graph=True``.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp

from ..ops._dispatch import AccumulateGrad, Node, _edge
from ..tensor import Tensor

_add = jax.jit(jnp.add)

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


def run_backward(roots, grads, retain_graph: bool, inputs=None, accumulate: bool = True):
    """Backpropagate ``grads`` (arrays) from ``roots`` (Tensors).

    With ``inputs`` (Tensors), their gradients are captured and returned in order; when
    ``accumulate`` is False nothing is written to any ``.grad`` (``autograd.grad``).
    """
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

    buf: dict = {}
    for e, g in zip(root_edges, grads):
        _put(buf, e, g)

    order = sorted((n for n in nodes if isinstance(n, Node)), key=lambda n: -n.seq)
    for node in order:
        cts = buf.pop(id(node), None)
        if cts is None:
            continue
        if node.saved is None:
            raise RuntimeError(_BACKWARD_TWICE)
        _check_versions(node)
        if node.hooks is not None or node.retain is not None:
            cts = _run_tensor_hooks(node, cts)
        for k, ct in enumerate(cts):
            if ct is not None and (id(node), k) in targets:
                for pos in targets[(id(node), k)]:
                    captured[pos] = ct
        if inputs is not None and id(node) not in run:
            continue
        fn = node.op.backward_fn(node.static, node.cast, node.diff, node.unsaved)
        in_grads = fn(node.saved, tuple(cts))
        for e, g in zip(node.edges, in_grads):
            _put(buf, e, g)
        if not retain_graph:
            node.saved = None

    for n in nodes:
        if isinstance(n, AccumulateGrad):
            cts = buf.pop(id(n), None)
            if cts is None:
                continue
            g = cts[0]
            t = n.variable
            hooks = t.__dict__.get("_hooks")
            if hooks:
                for h in list(hooks.values()):
                    r = h(Tensor._make(g, t._dtype))
                    if r is not None:
                        g = r._cell.a
            if (id(n), 0) in targets:
                for pos in targets[(id(n), 0)]:
                    captured[pos] = g
            if accumulate and (inputs is None or (id(n), 0) in targets):
                _accumulate(t, g)
    if inputs is not None and accumulate:
        for t, g in zip(inputs, captured):
            if g is not None and t._node is not None:
                _accumulate(t, g)
    return captured


def _key(edge):
    return (id(edge[0]), edge[1])


def _put(buf, edge, g) -> None:
    node, k = edge
    slot = buf.get(id(node))
    if slot is None:
        n = len(node.out_meta) if isinstance(node, Node) else 1
        if node.__class__ is Node and node.op.diff_out is not None:
            n = len(node.op.diff_out)
        slot = buf[id(node)] = [None] * n
    slot[k] = g if slot[k] is None else _add(slot[k], g)


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


def _run_tensor_hooks(node: Node, cts):
    cts = list(cts)
    for k, ct in enumerate(cts):
        if ct is None:
            continue
        if node.hooks is not None:
            for h in list(node.hooks.get(k, {}).values()):
                r = h(Tensor._make(ct, _dtype_of(node, k)))
                if r is not None:
                    ct = cts[k] = r._cell.a
        if node.retain is not None and k in node.retain:
            t = node.retain[k]()
            if t is not None:
                _accumulate(t, ct)
    return cts


def _dtype_of(node: Node, k: int):
    from .._dtype import from_storage

    if node.op.diff_out is not None:
        k = node.op.diff_out[k]
    return from_storage(node.out_meta[k][1])


def _accumulate(t, g) -> None:
    if t._grad is None:
        t._grad = Tensor._make(g, t._dtype)
    else:
        cur = t._grad
        cur._cell.a = _add(cur._cell.a, g)
        cur._ver[0] += 1
