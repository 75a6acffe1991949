"""``torch.nn.utils.weight_norm`` (the legacy hook form) and the weight-norm ops.

``weight_norm(module)`` splits ``module.weight`` into ``weight_g`` (magnitude) and
``weight_v`` (direction) parameters and recomputes ``weight = g * v / ||v||`` in a forward
pre-hook, as torch's deprecated version does (with its FutureWarning). The recomputed
weight is written into the same tensor object on every call rather than assigned anew, so
a ``pytorch_like.compile`` step keeps one stable set of state tensors and leaves a concrete
weight on the module after each call.

Deliberate difference: because the weight tensor object is reused, a reference to
``module.weight`` taken before a forward sees the new value afterwards (torch assigns a
new tensor each forward).

Example:
    >>> layer = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
    >>> layer.weight_g.shape, layer.weight_v.shape
    (torch.Size([3, 1]), torch.Size([3, 4]))
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

import jax.numpy as jnp

from ...ops._dispatch import Op, apply
from ...tensor import Tensor
from ..modules.module import Module
from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]

T_module = TypeVar("T_module", bound=Module)


def _norm_except_dim_fn(v, *, dim):
    # torch's convention: dim == -1 means the norm of the whole tensor (a 0-dim result).
    if dim == -1:
        return jnp.sqrt(jnp.sum(v * v))
    axes = tuple(i for i in range(v.ndim) if i != dim)
    return jnp.sqrt(jnp.sum(v * v, axis=axes, keepdims=True))


def _weight_norm_fn(v, g, *, dim):
    return v * (g / _norm_except_dim_fn(v, dim=dim))


_norm_except_dim_op = Op("norm_except_dim", _norm_except_dim_fn)
_weight_norm_op = Op("_weight_norm", _weight_norm_fn, grad_name="WeightNormInterfaceBackward0")


def _norm_except_dim(v: Tensor, pow: int = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """torch's ``norm_except_dim(v, 2, dim)``: the 2-norm over every dim but ``dim``."""
    return apply(_norm_except_dim_op, (v,), (("dim", int(dim)),))


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """torch's ``_weight_norm(v, g, dim)``: ``v * g / norm_except_dim(v, 2, dim)``."""
    return apply(_weight_norm_op, (v, g), (("dim", int(dim)),))


def _set_computed(module: Module, name: str, value: Tensor) -> None:
    """Store a recomputed weight: into the existing plain tensor when there is one (a
    stable state tensor under compile), else as a new attribute.

    The tensor takes over ``value``'s array, history and version counter, as if it were
    the new tensor torch assigns: graphs recorded by earlier forwards (two forwards before
    one backward) keep the old value and do not see an in-place change.
    """
    cur = module.__dict__.get(name)
    if isinstance(cur, Tensor) and not isinstance(cur, Parameter) \
            and cur.shape == value.shape and cur.dtype == value.dtype:
        cur._cell.a = value._cell.a
        cur._node, cur._oidx, cur._rg = value._node, value._oidx, value._rg
        cur._ver = value._ver
        cur._grad = None
        cur._acc = None
        return
    setattr(module, name, value)


class WeightNorm:
    """The forward pre-hook of the legacy ``weight_norm``; mirrors torch's ``WeightNorm``.

    Example:
        >>> WeightNorm.apply(layer, "weight", 0)
    """

    name: str
    dim: int

    def __init__(self, name: str, dim: int) -> None:
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Any:
        """``g * v / ||v||`` from the module's ``<name>_g`` and ``<name>_v``."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int) -> WeightNorm:
        """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` and register the hook."""
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError(
                "The module passed to `WeightNorm` can't have uninitialized parameters. Make "
                "sure to run the dummy forward before applying weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(_norm_except_dim(weight.detach(), 2, dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Make ``module.<name>`` one Parameter again (its current value)."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        _set_computed(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Mirrors the deprecated ``torch.nn.utils.weight_norm``: ``weight = g * v / ||v||``
    with parameters ``weight_g`` and ``weight_v``, recomputed before each forward.
    ``dim=None`` normalizes over the whole tensor. Warns (FutureWarning) like torch.

    Example:
        >>> layer = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3), name="weight")
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Mirrors ``torch.nn.utils.remove_weight_norm``: ``weight`` becomes one Parameter
    again, holding the current ``g * v / ||v||``.

    Example:
        >>> torch.nn.utils.remove_weight_norm(layer)
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
