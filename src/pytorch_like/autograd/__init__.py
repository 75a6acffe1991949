"""torch.autograd: ``backward``, ``grad``, grad modes.

Gradients come from JAX: each recorded op's cached jitted ``jax.vjp`` (see
``ops/_dispatch.py`` and ``engine.py``). With ``create_graph=True`` the backward itself is
recorded, so gradients can be differentiated again (gradient penalties, Hessian-vector
products, second derivatives).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Sequence

import jax
import jax.numpy as jnp

from .anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
    user_stacklevel,
)
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck  # the functions shadow the module
from .variable import Variable

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "Function", "FunctionCtx", "function", "once_differentiable",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "functional", "gradcheck", "gradgradcheck",
           "Variable"]


def __getattr__(name: str):
    # ``Function`` needs Tensor and the op machinery, which import this package's grad
    # modes first: loaded on first use.
    if name == "functional":
        return importlib.import_module(__name__ + ".functional")
    if name in ("Function", "FunctionCtx", "once_differentiable", "function"):
        function = importlib.import_module(__name__ + ".function")
        return function if name == "function" else getattr(function, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _root_grads(outputs, grad_outputs, keep_tensors: bool = False) -> list:
    """The gradients the backward starts from, as arrays; with ``keep_tensors`` (for
    ``create_graph``) a given gradient stays a Tensor, its own history included."""
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
            a = o._cell.peek()  # a pending loss stays pending: backward computes it
            if a.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if o._dtype.is_complex:
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs but got {o._dtype}")
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
            if keep_tensors:
                out.append(g if g.dtype == o.dtype else g.to(o.dtype))
            else:
                out.append(g._cell.a.astype(o._cell.peek().dtype))
    return out


_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak.")


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Mirrors ``torch.autograd.backward``: accumulate gradients into leaves' ``.grad``.

    ``retain_graph`` defaults to ``create_graph``; with ``create_graph=True`` each ``.grad``
    has a history of its own (``grad_fn``) and can be differentiated again.
    """
    from .engine import run_backward

    outputs = _as_list(tensors)
    grads = _root_grads(outputs, grad_tensors, keep_tensors=bool(create_graph))
    ins = _as_list(inputs) or None
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warnings.warn(_CYCLE_WARNING, UserWarning, stacklevel=user_stacklevel())
    from ..ops._dispatch import profiled

    with profiled("autograd::backward", graph=outputs):  # one event for the backward
        run_backward(outputs, grads, bool(retain_graph), inputs=ins, accumulate=True,
                     create_graph=bool(create_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """Mirrors ``torch.autograd.grad``: the gradients of ``outputs`` w.r.t. ``inputs``.

    Nothing is accumulated into ``.grad``. With ``create_graph=True`` the gradients have a
    history, so they can be differentiated again (``retain_graph`` defaults to it).

    Example:
        >>> x = torch.tensor(3.0, requires_grad=True)
        >>> torch.autograd.grad(x ** 2, x)
        (tensor(6.),)
        >>> (dy,) = torch.autograd.grad(x ** 3, x, create_graph=True)
        >>> torch.autograd.grad(dy, x)
        (tensor(18.),)
    """
    from ..tensor import Tensor
    from .engine import run_backward

    outs = _as_list(outputs)
    ins: Sequence = _as_list(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = _root_grads(outs, grad_outputs, keep_tensors=bool(create_graph))
    if retain_graph is None:
        retain_graph = create_graph
    from ..ops._dispatch import profiled

    with profiled("autograd::grad", after=lambda: [g for g in got if g is not None]):
        got = run_backward(outs, grads, bool(retain_graph), inputs=ins, accumulate=False,
                           create_graph=bool(create_graph))
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
            result.append(g if isinstance(g, Tensor) else Tensor._make(g, t._dtype))
    return tuple(result)
