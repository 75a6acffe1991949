"""``torch.nn.utils.fusion``: fold an eval-mode BatchNorm into the preceding conv or linear.

Mirrors torch's ``fuse_conv_bn_eval`` / ``fuse_conv_bn_weights`` / ``fuse_linear_bn_eval``
/ ``fuse_linear_bn_weights``: with ``s = bn.weight / sqrt(running_var + eps)``, the fused
weight is ``w * s`` (per output channel) and the fused bias ``(b - running_mean) * s +
bn.bias``, computed with this package's ops.

Example:
    >>> conv, bn = torch.nn.Conv2d(3, 8, 3).eval(), torch.nn.BatchNorm2d(8).eval()
    >>> fused = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
"""

from __future__ import annotations

import copy
from typing import TypeVar

from ...ops import creation
from ...tensor import Tensor
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]

ConvT = TypeVar("ConvT", bound=Module)
LinearT = TypeVar("LinearT", bound=Module)


def fuse_conv_bn_eval(conv: ConvT, bn: Module, transpose: bool = False) -> ConvT:
    """Mirrors ``fusion.fuse_conv_bn_eval``: a copy of ``conv`` computing ``bn(conv(x))``.

    Both modules must be in eval mode (``transpose=True`` for a transposed convolution).

    Example:
        >>> fused = fuse_conv_bn_eval(conv.eval(), bn.eval())
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight,
        bn.bias, transpose)
    return fused


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """Mirrors ``fusion.fuse_conv_bn_weights``: the fused ``(weight, bias)`` Parameters.

    Example:
        >>> w, b = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean,
        ...                             bn.running_var, bn.eps, bn.weight, bn.bias)
    """
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    if conv_b is None:
        conv_b = creation.zeros_like(bn_rm)
    if bn_w is None:
        bn_w = creation.ones_like(bn_rm)
    if bn_b is None:
        bn_b = creation.zeros_like(bn_rm)
    var_rsqrt = (bn_rv + bn_eps).rsqrt()
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.ndim - 2)
    fused_w = (conv_w * (bn_w * var_rsqrt).reshape(shape)).to(dtype=w_dtype)
    fused_b = ((conv_b - bn_rm) * var_rsqrt * bn_w + bn_b).to(dtype=b_dtype)
    return (Parameter(fused_w.detach(), conv_w.requires_grad),
            Parameter(fused_b.detach(), conv_b.requires_grad))


def fuse_linear_bn_eval(linear: LinearT, bn: Module) -> LinearT:
    """Mirrors ``fusion.fuse_linear_bn_eval``: a copy of ``linear`` computing
    ``bn(linear(x))``; ``bn.num_features`` must equal ``out_features`` or be 1.

    Example:
        >>> fused = fuse_linear_bn_eval(torch.nn.Linear(4, 3).eval(),
        ...                             torch.nn.BatchNorm1d(3).eval())
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
            f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight,
        bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor,
                           bn_b: Tensor) -> tuple[Parameter, Parameter]:
    """Mirrors ``fusion.fuse_linear_bn_weights``: the fused ``(weight, bias)`` Parameters.

    Example:
        >>> w, b = fuse_linear_bn_weights(lin.weight, lin.bias, bn.running_mean,
        ...                               bn.running_var, bn.eps, bn.weight, bn.bias)
    """
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    if linear_b is None:
        linear_b = creation.zeros_like(bn_rm)
    scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return (Parameter(fused_w.detach(), linear_w.requires_grad),
            Parameter(fused_b.detach(), linear_b.requires_grad))
