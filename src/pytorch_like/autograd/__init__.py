"""torch.autograd: ``backward``, ``grad``, grad modes.

Gradients come from JAX: each recorded op's cached jitted ``jax.vjp`` (see
``ops/_dispatch.py`` and ``engine.py``). ``create_graph=True`` (higher-order gradients
through ``backward``) is not supported yet; use ``jax.grad`` on a function for those.
"""

from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp

from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled"]


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


_ONES: dict = {}


def _ones(shape, dtype):
    # The implicit gradient of a scalar output: one cached array per dtype (arrays are
    # immutable, so sharing is safe); creating it each time cost more than the backward.
    key = (shape, dtype)
    a = _ONES.get(key)
    if a is None:
        a = _ONES[key] = jnp.ones(shape, dtype)
    return a


def _root_grads(outputs, grad_outputs) -> list:
    from ..tensor import Tensor

    grads = _as_list(grad_outputs)
    if grads and len(grads) != len(outputs):
        raise RuntimeError("grad can be implicitly created only for scalar outputs"
                           if not grads else
                           f"Mismatch in number of grad_outputs ({len(grads)}) and outputs "
                           f"({len(outputs)})")
    out = []
    for i, o in enumerate(outputs):
        g = grads[i] if grads else None
        if g is None:
            if o._cell.a.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            a = o._cell.a
            # Inside a compiled function a captured concrete array would become an extra
            # program argument; a fresh constant folds into the program instead.
            out.append(jnp.ones(a.shape, a.dtype) if isinstance(a, jax.core.Tracer)
                       else _ones(a.shape, a.dtype))
        else:
            if not isinstance(g, Tensor):
                from ..ops.creation import tensor
                g = tensor(g, dtype=o.dtype)
            if tuple(g.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {o.shape}.")
            out.append(g._cell.a.astype(o._cell.a.dtype))
    return out


def _check_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients through backward) is not supported by "
            "pytorch_like yet; compute higher-order derivatives with jax.grad on a function.")


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Mirrors ``torch.autograd.backward``: accumulate gradients into leaves' ``.grad``."""
    from .engine import run_backward

    _check_create_graph(create_graph)
    outputs = _as_list(tensors)
    grads = _root_grads(outputs, grad_tensors)
    ins = _as_list(inputs) or None
    run_backward(outputs, grads, bool(retain_graph), inputs=ins, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """Mirrors ``torch.autograd.grad``: the gradients of ``outputs`` w.r.t. ``inputs``.

    Nothing is accumulated into ``.grad``.

    Example:
        >>> x = torch.tensor(3.0, requires_grad=True)
        >>> torch.autograd.grad(x ** 2, x)
        (tensor(6.),)
    """
    from ..tensor import Tensor
    from .engine import run_backward

    _check_create_graph(create_graph)
    outs = _as_list(outputs)
    ins: Sequence = _as_list(inputs)
    grads = _root_grads(outs, grad_outputs)
    got = run_backward(outs, grads, bool(retain_graph), inputs=ins, accumulate=False)
    result = []
    for t, g in zip(ins, got):
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            result.append(Tensor._make(jnp.zeros_like(t._cell.a), t._dtype)
                          if materialize_grads else None)
        else:
            result.append(Tensor._make(g, t._dtype))
    return tuple(result)
