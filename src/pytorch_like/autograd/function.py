"""``torch.autograd.Function``: an op whose forward and backward the user writes.

Mirrors torch: subclass ``Function`` with static ``forward(ctx, *args)`` and
``backward(ctx, *grad_outputs)`` (or torch 2's ``forward(*args)`` plus
``setup_context(ctx, inputs, output)``), call it with ``.apply``. ``ctx.save_for_backward``
keeps tensors for the backward (an in-place change to one of them before backward is an
error, as in torch), ``ctx.needs_input_grad`` says which inputs want a gradient, and
``mark_non_differentiable`` / ``set_materialize_grads`` behave as in torch. The forward runs
without recording; the backward runs as Python when the engine reaches the node, so it
also runs inside ``compile`` (traced into the program) and, with ``create_graph=True``,
with recording on (its own operations can then be differentiated again).

Example:
    >>> class Exp(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (y,) = ctx.saved_tensors
    ...         return grad * y
    >>> Exp.apply(torch.zeros(2, requires_grad=True)).sum().backward()
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import jax.numpy as jnp

from ..ops._dispatch import Node, _edge
from ..tensor import Tensor
from .grad_mode import _state as _grad_state
from .grad_mode import no_grad, set_grad_enabled

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` of a custom ``Function``: what forward leaves for backward."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple = ()
        self.materialize_grads = True
        self._saved: tuple = ()
        self._versions: tuple = ()
        self._non_diff: set = set()
        self._node: _FunctionNode | None = None

    def save_for_backward(self, *tensors) -> None:
        """Mirrors ``ctx.save_for_backward``: tensors (or None) for ``ctx.saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self._saved = tuple(tensors)
        self._versions = tuple(None if t is None else t._ver[0] for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors ``save_for_backward`` kept; an error once backward freed them."""
        node = self._node
        if node is not None and node.saved is None:
            from .engine import _BACKWARD_TWICE

            raise RuntimeError(_BACKWARD_TWICE)
        return self._saved

    def mark_non_differentiable(self, *outputs) -> None:
        """Mirrors ``ctx.mark_non_differentiable``: these outputs do not require grad."""
        self._non_diff.update(id(t) for t in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """Mirrors ``ctx.set_materialize_grads``: False passes None for unused outputs'
        gradients instead of zeros."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors) -> None:
        """Accepted for torch compatibility: in-place changes rebind handles here, so the
        outputs already carry the new values."""


class _Pseudo:
    """The part of ``Op`` the engine and ``grad_fn`` read for a custom Function's node."""

    __slots__ = ("grad_name", "diff_out", "name")

    def __init__(self, name: str) -> None:
        self.grad_name = name
        self.name = name
        self.diff_out = None


class _FunctionNode(Node):
    """A recorded ``Function.apply``: backward calls the user's ``backward``."""

    __slots__ = ("fn_cls", "ctx", "n_inputs", "input_meta")

    def run(self, cts: list, graph: bool) -> list:
        from .engine import _flip  # the user's backward speaks torch's complex convention

        ctx = self.ctx
        grads_out = []
        for k, ct in enumerate(cts):
            ct = _flip(ct)
            if ct is None:
                if ctx.materialize_grads:
                    shape, dt, dtype = self.out_meta[k]
                    grads_out.append(Tensor._make(jnp.zeros(shape, dt), dtype))
                else:
                    grads_out.append(None)
            elif isinstance(ct, Tensor):
                grads_out.append(ct)
            else:
                grads_out.append(Tensor._make(ct, self.out_meta[k][2]))
        with set_grad_enabled(graph):
            res = self.fn_cls.backward(ctx, *grads_out)
        if not isinstance(res, tuple):
            res = (res,)
        name = self.op.grad_name
        if len(res) != self.n_inputs:
            if len(res) > self.n_inputs and all(r is None for r in res[self.n_inputs:]):
                res = res[:self.n_inputs]  # torch ignores trailing Nones
            else:
                raise RuntimeError(f"function {name} returned an incorrect number of "
                                   f"gradients (expected {self.n_inputs}, got {len(res)})")
        out = []
        for i in self.diff:
            g = res[i]
            if g is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"{name}.backward must return Tensors or None, got "
                                f"{type(g).__name__} at index {i}")
            want = self.input_meta[i]
            if tuple(g.shape) != want:
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {i} - got "
                    f"[{', '.join(map(str, g.shape))}] but expected shape compatible with "
                    f"[{', '.join(map(str, want))}]")
            out.append(_flip(g if graph else g._cell.a))
        return out


class _FunctionMeta(type):
    """Gives each ``Function`` subclass its backward-node name (``<Name>Backward``)."""

    def __init__(cls, name, bases, attrs) -> None:
        cls._backward_name = _Pseudo(name + "Backward")
        super().__init__(name, bases, attrs)


@functools.cache
def _signature(forward) -> inspect.Signature:
    """``forward``'s signature, read once per Function class rather than on every apply."""
    return inspect.signature(forward)


class Function(metaclass=_FunctionMeta):
    """Mirrors ``torch.autograd.Function`` (see the module docstring). Use ``apply``."""

    def __init__(self, *args, **kwargs) -> None:
        # As in torch, an instance is only deprecated (``Fn().apply(x)`` still works);
        # calling it like a legacy function is the error.
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs) -> Any:
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        if cls.setup_context is not Function.setup_context:
            # torch hands setup_context every input of forward, defaults filled in.
            bound = _signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with no_grad():
            if cls.setup_context is Function.setup_context:
                output = cls.forward(ctx, *args, **kwargs)
            else:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
        record = _grad_state.enabled and any(ctx.needs_input_grad)
        outs = output if isinstance(output, tuple) else (output,)
        if not record:
            return output
        diff = tuple(i for i, need in enumerate(ctx.needs_input_grad) if need)
        versions = tuple((t._ver, v, t._dtype, tuple(t.shape), t._node, t._oidx)
                         for t, v in zip(ctx._saved, ctx._versions)
                         if t is not None)
        meta = tuple((tuple(o.shape), o._cell.peek().dtype, o._dtype) if isinstance(o, Tensor)
                     else ((), jnp.float32, None) for o in outs)
        node = _FunctionNode(cls._backward_name, (), None, (True,), (), diff,
                             tuple(_edge(args[i]) for i in diff), versions, meta)
        node.fn_cls = cls
        node.ctx = ctx
        node.n_inputs = len(args)
        node.input_meta = tuple(tuple(a.shape) if isinstance(a, Tensor) else ()
                                for a in args)
        ctx._node = node
        wrapped = []
        for k, o in enumerate(outs):
            if isinstance(o, Tensor) and (o._dtype.is_floating_point or o._dtype.is_complex) \
                    and id(o) not in ctx._non_diff:
                wrapped.append(Tensor._make(o._cell.a, o._dtype, True, node, k))
            else:
                wrapped.append(o)
        return tuple(wrapped) if isinstance(output, tuple) else wrapped[0]


def once_differentiable(fn):
    """Mirrors ``torch.autograd.function.once_differentiable``: the wrapped backward runs
    without recording, even under ``create_graph=True``."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
