"""Normalization layers: BatchNorm1d/2d/3d, SyncBatchNorm, LayerNorm, GroupNorm, RMSNorm,
InstanceNorm1d/2d/3d, LocalResponseNorm, CrossMapLRN2d.

Mirror ``torch.nn``'s. BatchNorm keeps ``running_mean``, ``running_var`` and
``num_batches_tracked`` as buffers (in ``state_dict``, torch's names and order); in training
it normalizes with the batch's biased variance and folds the unbiased variance into
``running_var`` (``momentum=None``: a cumulative average); in eval it uses the running
statistics.

Example:
    >>> bn = torch.nn.BatchNorm2d(8)
    >>> y = bn(torch.randn(4, 8, 5, 5)); int(bn.num_batches_tracked)
    1
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype as D
from ...autograd.anomaly_mode import user_stacklevel
from ...ops._dispatch import Op, apply
from ...ops._util import cast_for, float_dtype
from ...ops.creation import empty, ones, tensor, zeros
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LayerNorm",
           "GroupNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LocalResponseNorm", "CrossMapLRN2d"]


class _NormBase(Module):
    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._has_bias = bias and affine
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device,
                                                       dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=D.int64,
                                                               device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            from ...autograd.grad_mode import no_grad

            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self._has_bias}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False) -> None:
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # Checkpoints older than num_batches_tracked load with a count of 0, as in torch.
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict = dict(state_dict)
                state_dict[key] = tensor(0, dtype=D.int64)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs, assign)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input_dim(input)
        momentum = self.momentum
        count = None
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            nbt = self.num_batches_tracked
            nbt._set(_increment(nbt._cell.a))
            count = nbt
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, momentum, self.eps, _count=count)


_increment = jax.jit(lambda a: a + 1)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L); mirrors ``torch.nn.BatchNorm1d``."""

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W); mirrors ``torch.nn.BatchNorm2d``.

    Example:
        >>> torch.nn.BatchNorm2d(3, momentum=None)
        BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalization over (N, C, D, H, W); mirrors ``torch.nn.BatchNorm3d``."""

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over (N, C, *); mirrors ``torch.nn.SyncBatchNorm``.

    In one process (no process group, or a group of one) it is exactly the BatchNorm of the
    input's rank, as torch's is. Deliberate difference: with several processes the batch
    statistics stay each process's own (as plain BatchNorm under DistributedDataParallel),
    not reduced across processes; a warning says so once.

    Example:
        >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8))
        >>> model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        >>> type(model[1]).__name__
        'SyncBatchNorm'
    """

    _warned_local = False

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any | None = None, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input_dim(input)
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        if self.training and not SyncBatchNorm._warned_local:
            from ... import distributed as dist

            if dist.is_initialized() and dist.get_world_size(self.process_group) > 1:
                SyncBatchNorm._warned_local = True
                warnings.warn("SyncBatchNorm normalizes with each process's own batch "
                              "statistics here; they are not reduced across processes.",
                              stacklevel=user_stacklevel())
        return super().forward(input)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any | None = None) -> Module:
        """Mirrors ``torch.nn.SyncBatchNorm.convert_sync_batchnorm``: every BatchNorm*d in
        ``module`` (itself included) replaced by a SyncBatchNorm holding the same parameter
        and buffer objects and the same training flag; other modules are kept as they are.

        Example:
            >>> bn = torch.nn.BatchNorm1d(4)
            >>> torch.nn.SyncBatchNorm.convert_sync_batchnorm(bn).weight is bn.weight
            True
        """
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            # The same objects: an optimizer built on the old model keeps updating them.
            for name in ("weight", "bias"):
                out.register_parameter(name, module._parameters.get(name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                out.register_buffer(name, module._buffers.get(name))
            out._has_bias = module._has_bias
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        del module
        return out


class _InstanceNorm(_NormBase):
    _batched_ndim = 3

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _apply_instance_norm(self, input: Tensor) -> Tensor:  # noqa: A002
        momentum = self.momentum if self.momentum is not None else 0.0
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               momentum, self.eps)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        nd = self._batched_ndim
        if input.dim() not in (nd - 1, nd):
            raise ValueError(f"expected {nd - 1}D or {nd}D input (got {input.dim()}D input)")
        feature_dim = input.dim() - (nd - 1)
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          "can silence this warning by not passing in num_features, which is "
                          "not used because affine=False", stacklevel=user_stacklevel())
        if input.dim() == nd - 1:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Mirrors ``torch.nn.InstanceNorm1d`` over (N, C, L) or (C, L)."""

    _batched_ndim = 3


class InstanceNorm2d(_InstanceNorm):
    """Mirrors ``torch.nn.InstanceNorm2d`` over (N, C, H, W) or (C, H, W)."""

    _batched_ndim = 4


class InstanceNorm3d(_InstanceNorm):
    """Mirrors ``torch.nn.InstanceNorm3d`` over (N, C, D, H, W) or (C, D, H, W): each sample's
    channel normalized over its own positions. With ``track_running_stats=True`` training
    folds the batch's average instance statistics into ``running_mean``/``running_var``
    (``num_batches_tracked`` stays 0, as in torch) and eval mode normalizes with them.

    Example:
        >>> norm = torch.nn.InstanceNorm3d(4, affine=True)
        >>> norm(torch.randn(2, 4, 3, 5, 5)).shape
        torch.Size([2, 4, 3, 5, 5])
    """

    _batched_ndim = 5


class LocalResponseNorm(Module):
    """Normalize each position over ``size`` neighbouring channels; mirrors
    ``torch.nn.LocalResponseNorm`` (``F.local_response_norm``'s formula).

    Example (AlexNet):
        >>> torch.nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)
        LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=2.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_scale(x, size, alpha, k):
    # torch's legacy layer: channel c sums the squares of channels c - pre + 1 .. c + pre - 1
    # (pre = (size + 1) // 2 in effect) and, through a quirk of its running update, channel
    # 0 as well.
    c = x.shape[1]
    pre = int((size - 1) / 2 + 1)
    idx = np.arange(c)
    window = ((idx[None, :] <= idx[:, None] + pre - 1)
              & ((idx[None, :] > idx[:, None] - pre) | (idx[None, :] == 0)))
    total = jnp.einsum("dc,nc...->nd...", jnp.asarray(window, x.dtype), x * x)
    return total * (alpha / size) + k


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3, 4))
def _cross_map_lrn(x, size, alpha, beta, k):
    return x * _cross_map_scale(x, size, alpha, k) ** -beta


def _cross_map_lrn_fwd(x, size, alpha, beta, k):
    scale = _cross_map_scale(x, size, alpha, k)
    out = x * scale ** -beta
    return out, (x, out, scale)


def _cross_map_lrn_bwd(size, alpha, beta, k, res, g):
    # torch's hand-written backward, which is not the exact derivative of the forward above
    # (its channel window is offset); mirrored so that training follows torch's.
    x, out, scale = res
    c = x.shape[1]
    inv = int(size - (size - 1) / 2)
    idx = np.arange(c)
    window = (idx[None, :] >= idx[:, None] - inv) & (idx[None, :] < idx[:, None] + size - inv)
    ratio = jnp.einsum("dc,nc...->nd...", jnp.asarray(window, x.dtype), g * out / scale)
    return (scale ** -beta * g - (2 * alpha * beta / size) * x * ratio,)


_cross_map_lrn.defvjp(_cross_map_lrn_fwd, _cross_map_lrn_bwd)


def _cross_map_fn(x, *, size, alpha, beta, k):
    return _cross_map_lrn(x, size, alpha, beta, k)


_cross_map = Op("cross_map_lrn2d", _cross_map_fn, grad_name="CrossMapLRN2dBackward")


class CrossMapLRN2d(Module):
    """Mirrors ``torch.nn.CrossMapLRN2d``, the legacy cross-channel LRN over (N, C, H, W),
    value for value and gradient for gradient: its forward's channel window (which always
    includes channel 0) and its hand-written backward are torch's, not
    ``LocalResponseNorm``'s. Difference: ``size=1``, whose backward fails in torch, gets the
    same formula here.

    Example:
        >>> torch.nn.CrossMapLRN2d(5, alpha=1e-4, beta=0.75, k=2)(torch.randn(1, 8, 4, 4)).shape
        torch.Size([1, 8, 4, 4])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             "instead.")
        dt = float_dtype(input._dtype)
        return apply(_cross_map, (input,), (("size", int(self.size)),
                                            ("alpha", float(self.alpha)),
                                            ("beta", float(self.beta)), ("k", float(self.k))),
                     cast_for(dt, input), dt)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _register_affine(module: Module, affine: bool, bias: bool, shape: tuple, device,
                     dtype) -> None:
    """``weight`` (and ``bias``) parameters of ``shape``, or None, as torch's norms have."""
    module.register_parameter(
        "weight", Parameter(empty(shape, device=device, dtype=dtype)) if affine else None)
    module.register_parameter(
        "bias", Parameter(empty(shape, device=device, dtype=dtype)) if affine and bias else None)


def _reset_affine(module: Module) -> None:
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


def _shape_tuple(shape: Any) -> tuple:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape``; mirrors ``torch.nn.LayerNorm``.

    Example:
        >>> torch.nn.LayerNorm(10)(torch.randn(20, 5, 10)).shape
        torch.Size([20, 5, 10])
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, elementwise_affine, bias, self.normalized_shape, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalize each group of channels; mirrors ``torch.nn.GroupNorm``."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, affine, bias, (num_channels,), device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization; mirrors ``torch.nn.RMSNorm``."""

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
