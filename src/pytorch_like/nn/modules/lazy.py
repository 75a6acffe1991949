"""Lazy modules: layers whose input size comes from the first batch they see.

Mirrors ``torch.nn.LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d`` (and ``LazyModuleMixin``): until
the first forward their parameters are ``UninitializedParameter``s; that forward fixes the
shapes, initialises them as the eager layer would, and turns the module into that layer
(``LazyLinear`` becomes ``Linear``).
An optimizer built before the first forward holds the same parameter objects, which are
materialised in place. The first call must run eagerly: inside ``compile`` it raises and
says so (the shapes must be known before the program is traced).

Example (the style of the d2l book):
    >>> net = torch.nn.Sequential(torch.nn.LazyLinear(256), torch.nn.ReLU(),
    ...                           torch.nn.LazyLinear(10))
    >>> net(torch.randn(2, 20)).shape
    torch.Size([2, 10])
"""

from __future__ import annotations

import itertools

import jax

from ...autograd.grad_mode import no_grad
from ...ops.creation import tensor
from ...tensor import Tensor
from ... import _dtype as D
from ..parameter import UninitializedBuffer, UninitializedParameter, _Uninitialized
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d,
                            InstanceNorm2d, InstanceNorm3d)

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


def _infer_parameters(module, args, kwargs):
    for a in itertools.chain(args, kwargs.values()):
        if isinstance(a, Tensor) and isinstance(a._cell.a, jax.core.Tracer):
            raise RuntimeError(
                f"{type(module).__name__} has not seen an input yet, so its parameters have "
                "no shape inside the compiled function; call the model once eagerly (a "
                "dry run with one batch) before compiling.")
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """Mirrors ``torch.nn.modules.lazy.LazyModuleMixin``: subclasses implement
    ``initialize_parameters(*inputs)`` and name the class they become (``cls_to_become``)."""

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters,
                                                               with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer still waits for its shape."""
        return any(isinstance(t, _Uninitialized) for t in itertools.chain(
            self._parameters.values(), self._buffers.values()))

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        # torch keeps a not-yet-shaped parameter or buffer itself in the state_dict (it
        # prints as <UninitializedParameter>); only shaped ones are detached.
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            if isinstance(t, _Uninitialized) and prefix + name in destination:
                destination[prefix + name] = t

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}")

    def reset_parameters(self) -> None:
        # The eager layer's init, once there is something to initialise.
        if not self.has_uninitialized_params() and self._known_size():
            super().reset_parameters()

    def _known_size(self) -> bool:
        return True

    def _lazy_weight(self, bias: bool, device, dtype) -> None:
        """Replace the placeholder-size weight (and bias) the eager constructor made."""
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class LazyLinear(LazyModuleMixin, Linear):
    """Mirrors ``torch.nn.LazyLinear(out_features)``: ``in_features`` from the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False, device=device, dtype=dtype)
        self.out_features = out_features
        self._lazy_weight(bias, device, dtype)

    def _known_size(self) -> bool:
        return self.in_features != 0

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConv(LazyModuleMixin):
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device=device, dtype=dtype)
        self.out_channels = out_channels
        self._lazy_weight(bias, device, dtype)

    def _known_size(self) -> bool:
        return self.in_channels != 0

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:  # noqa: A002
        if not self.has_uninitialized_params():
            return
        nd = len(self.kernel_size)
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input "
                               f"to {type(self).__name__}, but got input of size: "
                               f"{input.shape}")
        with no_grad():
            self.in_channels = input.shape[1] if input.dim() == nd + 2 else input.shape[0]
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            self.weight.materialize(self._weight_shape())
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _weight_shape(self) -> tuple:
        return (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)


class LazyConv1d(_LazyConv, Conv1d):
    """Mirrors ``torch.nn.LazyConv1d(out_channels, kernel_size, ...)``."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """Mirrors ``torch.nn.LazyConv2d(out_channels, kernel_size, ...)``: ``in_channels``
    from the first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """Mirrors ``torch.nn.LazyConv3d(out_channels, kernel_size, ...)``."""

    cls_to_become = Conv3d


class _LazyConvTranspose(_LazyConv):
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        # The transposed layer's argument order (output_padding, groups, bias, dilation).
        LazyModuleMixin.__init__(self, 0, 0, kernel_size, stride, padding, output_padding,
                                 groups, False, dilation, padding_mode, device=device,
                                 dtype=dtype)
        self.out_channels = out_channels
        self._lazy_weight(bias, device, dtype)

    def _weight_shape(self) -> tuple:
        return (self.in_channels, self.out_channels // self.groups) + tuple(self.kernel_size)


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """Mirrors ``torch.nn.LazyConvTranspose1d(out_channels, kernel_size, ...)``:
    ``in_channels`` from the first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """Mirrors ``torch.nn.LazyConvTranspose2d(out_channels, kernel_size, ...)``.

    Example:
        >>> up = torch.nn.LazyConvTranspose2d(4, 3, stride=2)
        >>> up(torch.randn(1, 6, 5, 5)).shape, up.weight.shape
        (torch.Size([1, 4, 11, 11]), torch.Size([6, 4, 3, 3]))
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """Mirrors ``torch.nn.LazyConvTranspose3d(out_channels, kernel_size, ...)``."""

    cls_to_become = ConvTranspose3d


class _LazyBatchNorm(LazyModuleMixin):
    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(0, eps, momentum, False, False, device=device, dtype=dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._has_bias = affine and bias
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=D.int64, device=device)

    def _known_size(self) -> bool:
        return self.num_features != 0

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        if self.has_uninitialized_params():
            with no_grad():
                self.num_features = input.shape[1]
                for name in ("weight", "bias"):
                    t = self._parameters.get(name)
                    if isinstance(t, UninitializedParameter):
                        t.materialize((self.num_features,))
                for name in ("running_mean", "running_var"):
                    t = self._buffers.get(name)
                    if isinstance(t, UninitializedBuffer):
                        t.materialize((self.num_features,))
                self.reset_parameters()


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """Mirrors ``torch.nn.LazyBatchNorm1d``: ``num_features`` from the first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """Mirrors ``torch.nn.LazyBatchNorm2d``: ``num_features`` from the first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm, BatchNorm3d):
    """Mirrors ``torch.nn.LazyBatchNorm3d``."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyBatchNorm, InstanceNorm1d):
    """Mirrors ``torch.nn.LazyInstanceNorm1d``: ``num_features`` from the first input's
    dimension 1. As in torch, the lazy defaults are ``affine=True`` and
    ``track_running_stats=True`` (the eager layer's are False)."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyBatchNorm, InstanceNorm2d):
    """Mirrors ``torch.nn.LazyInstanceNorm2d`` (lazy defaults ``affine=True``,
    ``track_running_stats=True``, as torch's).

    Example:
        >>> norm = torch.nn.LazyInstanceNorm2d()
        >>> norm(torch.randn(2, 3, 4, 4)).shape, norm.running_mean.shape
        (torch.Size([2, 3, 4, 4]), torch.Size([3]))
    """

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyBatchNorm, InstanceNorm3d):
    """Mirrors ``torch.nn.LazyInstanceNorm3d`` (lazy defaults ``affine=True``,
    ``track_running_stats=True``, as torch's)."""

    cls_to_become = InstanceNorm3d
