"""``torch.autograd.functional``: vjp, jvp, jacobian, hessian, hvp and vhp of a function.

Mirrors torch's functions of the same names, built the way torch builds them: on
``autograd.grad`` (``jvp`` and ``hvp`` by the double-vjp trick, ``jacobian`` one backward
per output element), so ``create_graph=True`` gives results that can be differentiated
again and everything also runs inside ``compile``. Inputs and outputs follow torch's
conventions: a Tensor or a tuple of Tensors each, results nested the same way
(``jacobian`` of tuple outputs by tuple inputs is a tuple of tuples ``[output][input]``).
``vectorize`` and the strategy arguments are accepted; the computation is always the
reverse-mode loop.

Example:
    >>> from pytorch_like.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
"""

from __future__ import annotations

from typing import Callable

from ..tensor import Tensor
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, what: str, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for item in items:
        if not isinstance(item, Tensor):
            if is_tuple:
                raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index "
                                f"{items.index(item)} has type {type(item)}.")
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but the given {what} has type {type(x)}.")
    return is_tuple, items


def _untuple(is_tuple: bool, items):
    return tuple(items) if is_tuple else items[0]


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    # The function is differentiated with respect to these: fresh leaves, or (to keep a
    # user's history under create_graph) a view of an input that already requires grad.
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(True) for x in inputs)


def _call(func: Callable, inputs: tuple, fn_name: str, strict: bool) -> tuple[bool, tuple]:
    is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                  fn_name)
    if strict:
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. "
                    "The outputs must be computed in a differentiable manner from the input "
                    "when running in strict mode.")
    return is_tuple, outputs


def _check_v(v, against: tuple, fn_name: str, what: str) -> tuple:
    if v is None:
        if len(against) != 1 or against[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        from ..ops.creation import ones_like
        return (ones_like(against[0]),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(against):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(against)} but got "
                           f"{len(vs)}.")
    for i, (a, b) in enumerate(zip(vs, against)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be "
                               f"{tuple(b.shape)} but got {tuple(a.shape)}.")
    return vs


def _grads(outputs, inputs, grad_outputs, create_graph: bool, strict: bool,
           retain_graph: bool | None = None) -> tuple:
    from . import grad
    from ..ops.creation import zeros_like

    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not live:
        got = (None,) * len(inputs)
    else:
        got = grad([o for o, _ in live], inputs, [g for _, g in live], create_graph=create_graph,
                   retain_graph=retain_graph, allow_unused=True)
    out = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
            g = zeros_like(x)
        out.append(g)
    return tuple(out)


def _finish(values: tuple, create_graph: bool) -> tuple:
    return values if create_graph else tuple(v.detach() for v in values)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Mirrors ``torch.autograd.functional.vjp``: ``(func(inputs), v^T J)``."""
    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _call(func, xs, "vjp", strict)
        vs = _check_v(v, outs, "vjp", "outputs")
        res = _grads(outs, xs, vs, create_graph, strict)
    return _untuple(out_tuple, _finish(outs, create_graph)), \
        _untuple(in_tuple, _finish(res, create_graph))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Mirrors ``torch.autograd.functional.jvp``: ``(func(inputs), J v)``, by the double-vjp
    trick: ``u -> J^T u`` is linear, and its vjp with ``v`` is ``J v``."""
    from ..ops.creation import zeros_like

    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
        xs = _prepare(xs, create_graph)
        vs = _check_v(v, xs, "jvp", "inputs")
        out_tuple, outs = _call(func, xs, "jvp", strict)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        back = _grads(outs, xs, us, True, strict)
        res = _grads(back, us, vs, create_graph, strict)
    return _untuple(out_tuple, _finish(outs, create_graph)), \
        _untuple(out_tuple, _finish(res, create_graph))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """Mirrors ``torch.autograd.functional.jacobian``: ``d out_i / d in_j`` with shape
    ``out_i.shape + in_j.shape``, one backward per output element."""
    from ..ops.creation import zeros
    from ..ops.shape import stack

    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
        xs = _prepare(xs, create_graph)
        out_tuple, outs = _call(func, xs, "jacobian", strict)
        for out in outs:
            if out.dtype.is_complex:  # torch's reverse mode builds no complex Jacobian
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs but got {out.dtype}")
        rows = []
        for out in outs:
            n = out.numel()
            per_input: list = [[] for _ in xs]
            for k in range(n):
                onehot = zeros(n, dtype=out.dtype)
                onehot[k] = 1
                g = _grads((out,), xs, (onehot.reshape(out.shape),), create_graph, strict,
                           retain_graph=True)
                for j, gj in enumerate(g):
                    per_input[j].append(gj)
            blocks = []
            for x, parts in zip(xs, per_input):
                block = stack(parts) if parts else zeros(0, *x.shape, dtype=x.dtype)
                blocks.append(block.reshape(tuple(out.shape) + tuple(x.shape)))
            rows.append(_untuple(in_tuple, _finish(tuple(blocks), create_graph)))
    return _untuple(out_tuple, rows)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """Mirrors ``torch.autograd.functional.hessian`` of a function returning one element:
    the jacobian of its gradient (``[i][j]`` nesting for tuple inputs)."""
    in_tuple, _ = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        _, outs = _call(func, xs, "hessian", strict)
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return _untuple(in_tuple, _grads(outs, xs, (None,), True, strict))

    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Mirrors ``torch.autograd.functional.vhp``: ``(func(inputs), v^T H)`` for a function
    returning one element."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Mirrors ``torch.autograd.functional.hvp``: ``(func(inputs), H v)``. The Hessian of a
    twice-differentiable function is symmetric, so this is ``vhp``'s product."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")


def _second_order(func, inputs, v, create_graph: bool, strict: bool, fn_name: str):
    with enable_grad():
        in_tuple, xs = _as_tuple(inputs, "inputs", fn_name)
        xs = _prepare(xs, create_graph)
        _, outs = _call(func, xs, fn_name, strict)
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"The function given in {fn_name} should return a single "
                               "Tensor with a single element")
        vs = _check_v(v, xs, fn_name, "inputs")
        first = _grads(outs, xs, (None,), True, strict)
        res = _grads(first, xs, vs, create_graph, strict)
    return _finish(outs, create_graph)[0], _untuple(in_tuple, _finish(res, create_graph))
