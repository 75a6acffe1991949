"""torch's top-level ATen entry points that ``nn.functional`` and the other modules do not
already export, and their Tensor methods.

Mostly thin wrappers: torch's ``torch.conv2d`` & co. (the ATen entry points behind
``nn.functional``, with ATen's positional order, integer ``reduction`` codes and extra
positional arguments), plain tensor functions built from existing differentiable ops, the
``*_copy`` variants of view ops (a fresh tensor rather than a view), and Tensor methods.

Example:
    >>> torch.layer_norm(torch.ones(2, 3), [3]).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Sequence

import numpy as np

from .. import _dtype as D
from ..tensor import Tensor
from ._inplace import assign

__all__ = [
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout",
    "feature_alpha_dropout_", "embedding", "layer_norm", "group_norm", "batch_norm",
    "instance_norm", "rms_norm", "max_pool1d", "max_pool2d", "max_pool3d",
    "adaptive_max_pool1d", "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_", "threshold",
    "threshold_", "kl_div",
    "binary_cross_entropy_with_logits", "cosine_embedding_loss", "ctc_loss",
    "hinge_embedding_loss", "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss",
    "detach", "detach_", "dist", "addr", "addbmm", "ger", "adjoint", "atleast_3d",
    "row_stack", "diagonal_scatter", "select_scatter", "slice_scatter", "fill", "gradient",
    "is_inference", "nuclear_norm", "frobenius_norm", "typename", "view_copy",
    "permute_copy", "transpose_copy", "t_copy", "squeeze_copy", "unsqueeze_copy",
    "expand_copy", "diagonal_copy", "select_copy", "slice_copy", "split_copy",
    "split_with_sizes_copy", "unbind_copy", "unfold_copy", "alias_copy", "detach_copy",
    "view_as_real_copy", "view_as_complex_copy", "lu_unpack", "lu", "lu_solve",
    "empty_strided", "empty_permuted", "index_reduce", "addmv_", "resize_as_", "get_device",
    "constant_pad_nd", "max_pool1d_with_indices", "unsafe_chunk", "unsafe_split",
    "unsafe_split_with_sizes", "conj_physical_",
]


def _F():
    from ..nn import functional

    return functional


def _pl():
    import pytorch_like

    return pytorch_like


# ATen takes the loss reduction as an int (torch.nn._reduction.Reduction). Where ATen's
# schema defaults it to Mean, torch's Python binding of the top-level function still passes
# 0 (none) when it is omitted (torch.kl_div(a, b).shape == a.shape); mirrored here.
_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(r) -> str:
    if isinstance(r, str):
        return r
    if r not in _REDUCTIONS:
        raise ValueError(f"{r} is not a valid value for reduction")
    return _REDUCTIONS[r]


# -- nn.functional aliases ---------------------------------------------------------------
# Where torch's top-level function *is* nn.functional's (torch.conv2d, pixel_shuffle, prelu,
# ...), the package exports F's own function (__init__.py); the ones here differ from F's
# in argument order, defaults or reduction codes.
def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Mirrors ``torch.dropout``: ``p`` and ``train`` are required (no defaults), as in torch.

    Example:
        >>> torch.dropout(torch.ones(3), 0.5, False)
        tensor([1., 1., 1.])
    """
    return _F().dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Mirrors ``torch.dropout_``: ``dropout`` in place.

    Example:
        >>> torch.dropout_(torch.ones(3), 0.0, True)
        tensor([1., 1., 1.])
    """
    return assign(input, lambda: _F().dropout(input, p, train))


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Mirrors ``torch.alpha_dropout`` (required ``p`` and ``train``).

    Example:
        >>> torch.alpha_dropout(torch.ones(2), 0.5, False)
        tensor([1., 1.])
    """
    return _F().alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Mirrors ``torch.alpha_dropout_``: ``alpha_dropout`` in place.

    Example:
        >>> torch.alpha_dropout_(torch.ones(2), 0.5, False)
        tensor([1., 1.])
    """
    return assign(input, lambda: _F().alpha_dropout(input, p, train))


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Mirrors ``torch.feature_alpha_dropout`` (required ``p`` and ``train``).

    Example:
        >>> torch.feature_alpha_dropout(torch.ones(1, 2, 2), 0.5, False).shape
        torch.Size([1, 2, 2])
    """
    return _F().feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Mirrors ``torch.feature_alpha_dropout_``: ``feature_alpha_dropout`` in place.

    Example:
        >>> torch.feature_alpha_dropout_(torch.ones(1, 2, 2), 0.5, False).shape
        torch.Size([1, 2, 2])
    """
    return assign(input, lambda: _F().feature_alpha_dropout(input, p, train))


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Mirrors ``torch.embedding``: note the order, ``weight`` first, and ``padding_idx=-1``
    meaning none (ATen's convention; ``F.embedding`` takes ``input`` first).

    Example:
        >>> torch.embedding(torch.eye(3), torch.tensor([2, 0]))
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return _F().embedding(indices, weight, padding_idx=pad,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-05,
               cudnn_enable: bool = True) -> Tensor:
    """Mirrors ``torch.layer_norm``; ``cudnn_enable`` is accepted and ignored.

    Example:
        >>> torch.layer_norm(torch.tensor([[1., 3.]]), [2])
        tensor([[-1.0000,  1.0000]])
    """
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-05,
               cudnn_enabled: bool = True) -> Tensor:
    """Mirrors ``torch.group_norm``; ``cudnn_enabled`` is accepted and ignored.

    Example:
        >>> torch.group_norm(torch.ones(1, 4, 2), 2).shape
        torch.Size([1, 4, 2])
    """
    return _F().group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """Mirrors ``torch.batch_norm``: ATen's order (``weight, bias`` before the running
    statistics) and all nine arguments required; ``cudnn_enabled`` is ignored.

    Example:
        >>> torch.batch_norm(torch.tensor([[1.], [3.]]), None, None, None, None, True, 0.1,
        ...                  1e-5, False).flatten()
        tensor([-1.0000,  1.0000])
    """
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training,
                           momentum, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """Mirrors ``torch.instance_norm``: ATen's order, all nine arguments required;
    ``cudnn_enabled`` is ignored.

    Example:
        >>> torch.instance_norm(torch.ones(1, 2, 3), None, None, None, None, True, 0.1,
        ...                     1e-5, False).shape
        torch.Size([1, 2, 3])
    """
    return _F().instance_norm(input, running_mean, running_var, weight, bias,
                              use_input_stats, momentum, eps)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """Mirrors ``torch.rms_norm`` (same as ``F.rms_norm``).

    Example:
        >>> torch.rms_norm(torch.tensor([[3., 4.]]), [2]).shape
        torch.Size([1, 2])
    """
    return _F().rms_norm(input, normalized_shape, weight, eps)


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False) -> Tensor:
    """Mirrors ``torch.max_pool1d``: values only (no ``return_indices``); an empty
    ``stride`` means the kernel size.

    Example:
        >>> torch.max_pool1d(torch.tensor([[1., 3., 2., 4.]]), 2)
        tensor([[3., 4.]])
    """
    return _F().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False) -> Tensor:
    """Mirrors ``torch.max_pool2d``: values only; an empty ``stride`` means the kernel size.

    Example:
        >>> torch.max_pool2d(torch.ones(1, 4, 4), 2).shape
        torch.Size([1, 2, 2])
    """
    return _F().max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False) -> Tensor:
    """Mirrors ``torch.max_pool3d``: values only; an empty ``stride`` means the kernel size.

    Example:
        >>> torch.max_pool3d(torch.ones(1, 2, 2, 2), 2).shape
        torch.Size([1, 1, 1, 1])
    """
    return _F().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def adaptive_max_pool1d(input: Tensor, output_size) -> tuple:  # noqa: A002
    """Mirrors ``torch.adaptive_max_pool1d``: always ``(values, indices)``, as ATen does.

    Example:
        >>> torch.adaptive_max_pool1d(torch.tensor([[1., 3., 2., 4.]]), 2)[1]
        tensor([[1, 3]])
    """
    return tuple(_F().adaptive_max_pool1d(input, output_size, return_indices=True))


def selu(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.selu``.

    Example:
        >>> torch.selu(torch.tensor([0.]))
        tensor([0.])
    """
    return _F().selu(input)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.selu_``: ``selu`` in place.

    Example:
        >>> torch.selu_(torch.tensor([0.]))
        tensor([0.])
    """
    return assign(input, lambda: _F().selu(input))


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.celu``.

    Example:
        >>> torch.celu(torch.tensor([1.]))
        tensor([1.])
    """
    return _F().celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.celu_``: ``celu`` in place.

    Example:
        >>> torch.celu_(torch.tensor([1.]))
        tensor([1.])
    """
    return assign(input, lambda: _F().celu(input, alpha))


def rrelu(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, generator=None) -> Tensor:
    """Mirrors ``torch.rrelu``; ``generator`` is accepted, but the random slopes in training
    mode come from the package's global key.

    Example:
        >>> torch.rrelu(torch.tensor([-8., 1.]), 0.25, 0.25)
        tensor([-2.,  1.])
    """
    return _F().rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False, generator=None) -> Tensor:
    """Mirrors ``torch.rrelu_``: ``rrelu`` in place.

    Example:
        >>> torch.rrelu_(torch.tensor([-8., 1.]), 0.25, 0.25)
        tensor([-2.,  1.])
    """
    return assign(input, lambda: _F().rrelu(input, lower, upper, training))


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """Mirrors ``torch.threshold``: ``value`` where ``input <= threshold``.

    Example:
        >>> torch.threshold(torch.tensor([1., 3.]), 2., 0.)
        tensor([0., 3.])
    """
    return _F().threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """Mirrors ``torch.threshold_``: ``threshold`` in place.

    Example:
        >>> torch.threshold_(torch.tensor([1., 3.]), 2., 0.)
        tensor([0., 3.])
    """
    return assign(input, lambda: _F().threshold(input, threshold, value))


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *,  # noqa: A002
           log_target: bool = False) -> Tensor:
    """Mirrors ``torch.kl_div``: ``reduction`` is ATen's int (0 none, 1 mean, 2 sum); a
    string is also accepted here.

    Example:
        >>> torch.kl_div(torch.zeros(2), torch.ones(2), 1)
        tensor(0.)
    """
    return _F().kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None,
                                     reduction: int = 0) -> Tensor:
    """Mirrors ``torch.binary_cross_entropy_with_logits``: ATen's order (``pos_weight``
    before ``reduction``) and int ``reduction`` (0 none, 1 mean, 2 sum).

    Example:
        >>> torch.binary_cross_entropy_with_logits(torch.zeros(2), torch.ones(2), None, None, 1)
        tensor(0.6931)
    """
    return _F().binary_cross_entropy_with_logits(input, target, weight,
                                                 reduction=_reduction(reduction),
                                                 pos_weight=pos_weight)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0.0, reduction: int = 0) -> Tensor:
    """Mirrors ``torch.cosine_embedding_loss`` (int ``reduction``: 0 none, 1 mean, 2 sum).

    Example:
        >>> torch.cosine_embedding_loss(torch.ones(1, 2), torch.ones(1, 2), torch.ones(1))
        tensor([0.])
    """
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction(reduction))


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: int = 0, zero_infinity: bool = False) -> Tensor:
    """Mirrors ``torch.ctc_loss`` (int ``reduction``: 0 none, 1 mean, 2 sum).

    Example:
        >>> lp = torch.zeros(3, 1, 2).log_softmax(2)
        >>> torch.ctc_loss(lp, torch.tensor([[1]]), [3], [1]).shape
        torch.Size([1])
    """
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                         _reduction(reduction), zero_infinity)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         reduction: int = 0) -> Tensor:
    """Mirrors ``torch.hinge_embedding_loss`` (int ``reduction``: 0 none, 1 mean, 2 sum).

    Example:
        >>> torch.hinge_embedding_loss(torch.tensor([0.5]), torch.tensor([-1.]))
        tensor([0.5000])
    """
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor,
                        margin: float = 0.0, reduction: int = 0) -> Tensor:
    """Mirrors ``torch.margin_ranking_loss`` (int ``reduction``: 0 none, 1 mean, 2 sum).

    Example:
        >>> torch.margin_ranking_loss(torch.tensor([1.]), torch.tensor([2.]), torch.tensor([1.]))
        tensor([1.])
    """
    return _F().margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction(reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool,  # noqa: A002
                     eps: float, reduction: int) -> Tensor:
    """Mirrors ``torch.poisson_nll_loss``: all six arguments required, ``eps`` before
    ``reduction`` (an int: 0 none, 1 mean, 2 sum), as in ATen.

    Example:
        >>> torch.poisson_nll_loss(torch.zeros(2), torch.ones(2), True, False, 1e-8, 1)
        tensor(1.)
    """
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction(reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-06,
                        swap: bool = False, reduction: int = 0) -> Tensor:
    """Mirrors ``torch.triplet_margin_loss`` (int ``reduction``: 0 none, 1 mean, 2 sum).

    Example:
        >>> torch.triplet_margin_loss(torch.zeros(1, 2), torch.zeros(1, 2), torch.ones(1, 2))
        tensor([0.])
    """
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction))


# -- plain tensor functions --------------------------------------------------------------
def detach(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.detach``: ``input.detach()``.

    Example:
        >>> torch.detach(torch.ones(1, requires_grad=True)).requires_grad
        False
    """
    return input.detach()


def detach_(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.detach_``: ``input.detach_()``.

    Example:
        >>> torch.detach_(torch.ones(1)).requires_grad
        False
    """
    return input.detach_()


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """Mirrors ``torch.dist``: the ``p``-norm of ``input - other`` (broadcast).

    Example:
        >>> torch.dist(torch.tensor([3., 0.]), torch.tensor([0., 4.]))
        tensor(5.)
    """
    from .. import linalg as _linalg

    diff = input - other
    if not (diff.is_floating_point() or diff.dtype.is_complex):
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {_SCALAR_NAMES.get(diff.dtype.name, diff.dtype.name)} instead.")
    return _linalg.vector_norm(diff, p)


# c10's ScalarType names, which torch's messages print.
_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                 "uint8": "Byte", "bool": "Bool"}


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.addr``: ``beta * input + alpha * outer(vec1, vec2)``; with
    ``beta=0`` ``input`` is ignored (its NaNs do not propagate), as in torch.

    Example:
        >>> torch.addr(torch.zeros(2, 2), torch.tensor([1., 2.]), torch.tensor([1., 1.]))
        tensor([[1., 1.],
                [2., 2.]])
    """
    pl = _pl()
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.dim()}-D"
                           if vec1.dim() != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    prod = pl.outer(vec1, vec2)
    return _scaled_sum(input, prod, beta, alpha)


def _scaled_sum(input: Tensor, prod: Tensor, beta, alpha) -> Tensor:  # noqa: A002
    pl = _pl()
    term = prod if alpha == 1 else prod * alpha
    if beta == 0:
        shape = pl.broadcast_shapes(tuple(input.shape), tuple(prod.shape))
        return term.expand(shape) + pl.zeros((), dtype=input.dtype)
    return (input if beta == 1 else input * beta) + term


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1,  # noqa: A002
           alpha=1) -> Tensor:
    """Mirrors ``torch.addbmm``: ``beta * input + alpha * sum_b batch1[b] @ batch2[b]``.

    Example:
        >>> torch.addbmm(torch.zeros(1, 1), torch.ones(3, 1, 2), torch.ones(3, 2, 1))
        tensor([[6.]])
    """
    pl = _pl()
    if batch1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{batch1.shape[0]} and {batch2.shape[0]}")
    return _scaled_sum(input, pl.bmm(batch1, batch2).sum(0), beta, alpha)


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.ger``: the deprecated alias of ``torch.outer``.

    Example:
        >>> torch.ger(torch.tensor([1., 2.]), torch.tensor([3.]))
        tensor([[3.],
                [6.]])
    """
    return _pl().outer(input, vec2)


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.adjoint``: the conjugate transpose of the last two dimensions. Unlike
    torch's (a view), the conjugation of a complex tensor is a new tensor here.

    Example:
        >>> torch.adjoint(torch.tensor([[1., 2.]])).shape
        torch.Size([2, 1])
    """
    if input.dim() < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.dim()}-D tensor.")
    out = input.transpose(-2, -1)
    return out.conj() if input.dtype.is_complex else out


def atleast_3d(*tensors):
    """Mirrors ``torch.atleast_3d``: 0-d -> (1, 1, 1), 1-d (n) -> (1, n, 1),
    2-d (m, n) -> (m, n, 1); several tensors (or one sequence) give a tuple.

    Example:
        >>> torch.atleast_3d(torch.ones(2)).shape
        torch.Size([1, 2, 1])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(t) for t in tensors[0])
    if len(tensors) != 1:
        return tuple(atleast_3d(t) for t in tensors)
    t = tensors[0]
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    if t.dim() == 2:
        return t.unsqueeze(-1)
    return t


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Mirrors ``torch.row_stack``: the alias of ``torch.vstack``.

    Example:
        >>> torch.row_stack([torch.ones(2), torch.zeros(2)]).shape
        torch.Size([2, 2])
    """
    return _pl().vstack(tensors)


def _embed(input: Tensor, src: Tensor, pick) -> Tensor:  # noqa: A002
    # A clone with the picked view overwritten: the view write-back carries the gradient
    # to both ``input`` (outside the view) and ``src``.
    out = input.clone()
    view = pick(out)
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src "
                           f"size = {list(src.shape)}, slice size = {list(view.shape)}")
    view.copy_(src)
    return out


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
                     dim2: int = 1) -> Tensor:
    """Mirrors ``torch.diagonal_scatter``: ``input`` with its diagonal replaced by ``src``.

    Example:
        >>> torch.diagonal_scatter(torch.zeros(2, 2), torch.ones(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    return _embed(input, src, lambda t: t.diagonal(offset, dim1, dim2))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.select_scatter``: ``input`` with ``input.select(dim, index)``
    replaced by ``src``.

    Example:
        >>> torch.select_scatter(torch.zeros(2, 2), torch.ones(2), 0, 0)
        tensor([[1., 1.],
                [0., 0.]])
    """
    return _embed(input, src, lambda t: t.select(dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
                  end: int | None = None, step: int = 1) -> Tensor:
    """Mirrors ``torch.slice_scatter``: ``input`` with ``input[..., start:end:step, ...]``
    (along ``dim``) replaced by ``src``.

    Example:
        >>> torch.slice_scatter(torch.zeros(4), torch.ones(2), start=0, step=2)
        tensor([1., 0., 1., 0.])
    """
    d = dim % builtins.max(input.dim(), 1)
    key = (slice(None),) * d + (slice(start, end, step),)
    return _embed(input, src, lambda t: t[key])


def fill(input: Tensor, value) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fill``: a new tensor of ``input``'s shape and dtype full of
    ``value`` (a number or a 0-d tensor, through which the gradient flows).

    Example:
        >>> torch.fill(torch.zeros(2), 3)
        tensor([3., 3.])
    """
    pl = _pl()
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
        return value.to(input.dtype).expand(tuple(input.shape)).clone()
    return pl.full_like(input, value)


def _gradient_1d(f: Tensor, d: int, h, edge_order: int) -> Tensor:
    pl = _pl()
    n = f.shape[d]
    if n < edge_order + 1:
        raise RuntimeError("torch.gradient expected each dimension size to be at least "
                           "edge_order+1")
    mid = (f.narrow(d, 2, n - 2) - f.narrow(d, 0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h
        last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / h
    else:
        first = (-1.5 * f.narrow(d, 0, 1) + 2 * f.narrow(d, 1, 1)
                 - 0.5 * f.narrow(d, 2, 1)) / h
        last = (0.5 * f.narrow(d, n - 3, 1) - 2 * f.narrow(d, n - 2, 1)
                + 1.5 * f.narrow(d, n - 1, 1)) / h
    return pl.cat([first, mid, last], d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:  # noqa: A002
    """Mirrors ``torch.gradient`` for uniform spacing: central differences inside,
    one-sided ones of order ``edge_order`` (1 or 2) at the ends; ``spacing`` is a number or
    a list of numbers (one per dimension). Difference: coordinate tensors as ``spacing``
    raise ``NotImplementedError``.

    Example:
        >>> torch.gradient(torch.tensor([1., 4., 9.]))
        (tensor([3., 4., 5.]),)
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if input.is_floating_point() is False and not input.dtype.is_complex:
        input = input.to(_pl().get_default_dtype())  # noqa: A001
    if dim is None:
        dims = list(range(input.dim()))
    elif isinstance(dim, int):
        dims = [dim]
    else:
        dims = list(dim)
    dims = [d % input.dim() for d in dims]
    if isinstance(spacing, (list, tuple)):
        if builtins.any(isinstance(s, Tensor) and s.dim() > 0 for s in spacing):
            raise NotImplementedError("torch.gradient with coordinate tensors as spacing")
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar "
                               f"or it's spacing and dim arguments to have the same length, "
                               f"but got a spacing argument of length {len(spacing)} and a "
                               f"dim argument of length {len(dims)}.")
        hs = [float(s) for s in spacing]
    else:
        hs = [float(spacing)] * len(dims)
    return tuple(_gradient_1d(input, d, h, edge_order) for d, h in zip(dims, hs))


def is_inference(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_inference``: whether ``input`` was made under inference mode.

    Example:
        >>> torch.is_inference(torch.ones(1))
        False
    """
    return input.is_inference()


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.nuclear_norm``: the sum of singular values over ``dim`` (the last
    two dimensions by default, batched over the others, as torch does).

    Example:
        >>> torch.nuclear_norm(torch.eye(3))
        tensor(3.)
    """
    from .. import linalg as _linalg

    if isinstance(dim, bool):
        dim, keepdim = None, dim
    if dim is None:
        dim = (-2, -1)
    return _linalg.matrix_norm(input, "nuc", dim=tuple(dim), keepdim=keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.frobenius_norm``: the 2-norm over ``dim`` (one or two dimensions).

    Example:
        >>> torch.frobenius_norm(torch.tensor([[3., 4.]]), (0, 1))
        tensor(5.)
    """
    from .. import linalg as _linalg

    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           "instead.")
    return _linalg.vector_norm(input, 2, dim=dims, keepdim=keepdim)


def typename(obj) -> str:
    """Mirrors ``torch.typename``: ``'torch.FloatTensor'`` & co. for a tensor, else the
    object's qualified type name.

    Example:
        >>> torch.typename(torch.zeros(1))
        'torch.FloatTensor'
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


# -- *_copy: the view ops, returning a fresh tensor -------------------------------------
def _copying(view_name: str, example: str, method: bool = True):
    def fn(input: Tensor, *args, **kwargs):  # noqa: A002
        pl = _pl()
        out = (getattr(input, view_name)(*args, **kwargs) if method
               else getattr(pl, view_name)(input, *args, **kwargs))
        if isinstance(out, (tuple, list)):
            return tuple(o.clone() for o in out)
        return out.clone()
    name = f"{view_name}_copy"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Mirrors ``torch.{name}``: ``torch.{view_name}``'s result as a new tensor "
                  f"(not a view of ``input``).\n\n"
                  f"Example:\n    >>> y = torch.{name}({example})  # shares no memory\n")
    return fn


view_copy = _copying("view", "torch.ones(2, 3), (3, 2)")
permute_copy = _copying("permute", "torch.ones(2, 3), (1, 0)")
transpose_copy = _copying("transpose", "torch.ones(2, 3), 0, 1")
t_copy = _copying("t", "torch.ones(2, 3)")
squeeze_copy = _copying("squeeze", "torch.ones(2, 1), 1")
unsqueeze_copy = _copying("unsqueeze", "torch.ones(2), 0")
expand_copy = _copying("expand", "torch.ones(1, 3), (2, 3)")
diagonal_copy = _copying("diagonal", "torch.ones(2, 3)")
select_copy = _copying("select", "torch.ones(2, 3), 0, 1")
split_copy = _copying("split", "torch.ones(5), 2")
unbind_copy = _copying("unbind", "torch.ones(2, 3), 1")
unfold_copy = _copying("unfold", "torch.ones(5), 0, 2, 1")
view_as_real_copy = _copying("view_as_real", "torch.ones(2, dtype=torch.complex64)",
                             method=False)
view_as_complex_copy = _copying("view_as_complex", "torch.ones(2, 2)", method=False)


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.alias_copy``: a copy of ``input``.

    Example:
        >>> torch.alias_copy(torch.ones(2))
        tensor([1., 1.])
    """
    return input.clone()


def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.detach_copy``: a detached copy of ``input``.

    Example:
        >>> torch.detach_copy(torch.ones(1, requires_grad=True)).requires_grad
        False
    """
    return input.detach().clone()


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
               end: int | None = None, step: int = 1) -> Tensor:
    """Mirrors ``torch.slice_copy``: ``input[..., start:end:step]`` along ``dim``, copied.

    Example:
        >>> torch.slice_copy(torch.arange(5), 0, 1, None, 2)
        tensor([1, 3])
    """
    d = dim % builtins.max(input.dim(), 1)
    return input[(slice(None),) * d + (slice(start, end, step),)].clone()


def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int],  # noqa: A002
                          dim: int = 0) -> tuple:
    """Mirrors ``torch.split_with_sizes_copy``: ``input.split(split_sizes, dim)``, copied.

    Example:
        >>> [t.shape[0] for t in torch.split_with_sizes_copy(torch.ones(3), [1, 2])]
        [1, 2]
    """
    total = builtins.sum(split_sizes)
    if total != input.shape[dim]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{input.shape[dim]} (input tensor's size at dimension {dim}), "
                           f"but got split_sizes={list(split_sizes)}")
    return tuple(t.clone() for t in input.split(list(split_sizes), dim))


# -- LU ----------------------------------------------------------------------------------
def _perm_from_pivots(piv: np.ndarray, m: int) -> np.ndarray:
    # LAPACK pivots are sequential 1-based row swaps; replay them to get the row order.
    perm = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    flat_perm, flat_piv = perm.reshape(-1, m), piv.reshape(-1, piv.shape[-1])
    for b in range(flat_perm.shape[0]):
        for i, p in enumerate(flat_piv[b]):
            j = int(p) - 1
            flat_perm[b, i], flat_perm[b, j] = flat_perm[b, j], flat_perm[b, i]
    return flat_perm.reshape(perm.shape)


_LuUnpack = namedtuple("lu_unpack", ["P", "L", "U"])


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True):
    """Mirrors ``torch.lu_unpack``: ``(P, L, U)`` with ``A = P @ L @ U`` from the output of
    ``torch.linalg.lu_factor``; skipped parts are empty tensors, as in torch.

    Example:
        >>> LU, piv = torch.linalg.lu_factor(torch.tensor([[1., 2.], [3., 4.]]))
        >>> P, L, U = torch.lu_unpack(LU, piv)
    """
    pl = _pl()

    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = builtins.min(m, n)
    empty = pl.empty(0, dtype=LU_data.dtype)
    if unpack_data:
        L = pl.tril(LU_data, -1)[..., :, :k] + pl.eye(m, k, dtype=LU_data.dtype)
        U = pl.triu(LU_data)[..., :k, :]
    else:
        L = U = empty
    if unpack_pivots:
        piv = np.asarray(LU_pivots.detach().numpy())
        perm = _perm_from_pivots(piv, m)
        eye = np.eye(m)
        # Row i of P^T is row perm[i] of the identity: A[perm] = L @ U.
        P = pl.tensor(np.swapaxes(eye[perm], -1, -2), dtype=LU_data.dtype)
    else:
        P = empty
    return _LuUnpack(P, L, U)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """Mirrors the deprecated ``torch.lu``: ``(LU, pivots)`` or, with ``get_infos``,
    ``(LU, pivots, infos)``, from ``torch.linalg.lu_factor_ex``. Difference: no ``out=``.

    Example:
        >>> LU, piv = torch.lu(torch.tensor([[1., 2.], [3., 4.]]))
    """
    from .. import linalg as _linalg

    LU, piv, info = _linalg.lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return LU, piv, info
    return LU, piv


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """Mirrors the deprecated ``torch.lu_solve(b, LU_data, LU_pivots)``: solves
    ``A x = b`` with ``torch.linalg.lu_solve``. Difference: no ``out=``.

    Example:
        >>> A = torch.tensor([[2., 0.], [0., 4.]])
        >>> torch.lu_solve(torch.ones(2, 1), *torch.lu(A)).flatten()
        tensor([0.5000, 0.2500])
    """
    from .. import linalg as _linalg

    return _linalg.lu_solve(LU_data, LU_pivots, b)


# -- factories ---------------------------------------------------------------------------
def empty_strided(size, stride, *, dtype=None, layout=None, device=None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Mirrors ``torch.empty_strided``. Difference: arrays here have no strides, so
    ``stride`` is checked for length only and the (uninitialised in torch) values are those
    of ``torch.empty``.

    Example:
        >>> torch.empty_strided((2, 3), (1, 2)).shape
        torch.Size([2, 3])
    """
    if len(tuple(stride)) != len(tuple(size)):
        raise RuntimeError(f"dimensionality of sizes ({len(tuple(size))}) must match "
                           f"dimensionality of strides ({len(tuple(stride))})")
    return _pl().empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Mirrors ``torch.empty_permuted``: ``physical_layout`` (a permutation of the
    dimensions) is checked and otherwise ignored, as arrays here have no strides.

    Example:
        >>> torch.empty_permuted((2, 3), (1, 0)).shape
        torch.Size([2, 3])
    """
    size, perm = tuple(size), tuple(physical_layout)
    if len(perm) != len(size):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(size)} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    seen = set()
    for i, p in enumerate(perm):
        if not 0 <= p < len(size):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and "
                               f"{len(size) - 1}, but got {p} at index {i}).  NB: negative "
                               "dims not currently supported; file an issue if you want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    return _pl().empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor,  # noqa: A002
                 reduce: str, *, include_self: bool = True) -> Tensor:
    """Mirrors ``torch.index_reduce``: reduces (``'prod'``, ``'mean'``, ``'amax'``,
    ``'amin'``) the slices of ``source`` into ``input`` at ``index`` along ``dim``.

    Values and gradients (input and source) are torch's, those of ``scatter_reduce`` with
    the index repeated across the other dimensions (torch's formulas are the same).

    Example:
        >>> torch.index_reduce(torch.ones(2), 0, torch.tensor([0, 0]), torch.tensor([2., 3.]),
        ...                    'prod')
        tensor([6., 1.])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    from .indexing import _index_reduce

    return _index_reduce(input, dim, index, source, reduce, include_self)


# -- small extras: in-place top-level forms and "unsafe" aliases -------------------------
def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.addmv_``: ``input.addmv_(mat, vec, beta=beta, alpha=alpha)``.

    Example:
        >>> torch.addmv_(torch.zeros(2), torch.eye(2), torch.ones(2))
        tensor([1., 1.])
    """
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.resize_as_`` (see ``Tensor.resize_``: new elements are zeros here).

    Example:
        >>> torch.resize_as_(torch.arange(4.), torch.ones(2))
        tensor([0., 1.])
    """
    return _resize_as_(input, the_template)


def get_device(input: Tensor) -> int:  # noqa: A002
    """Mirrors ``torch.get_device``: ``input.get_device()`` (-1 on the CPU).

    Example:
        >>> torch.get_device(torch.ones(1))
        -1
    """
    return input.get_device()


def constant_pad_nd(input: Tensor, pad: Sequence[int], value=0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.constant_pad_nd``: ``F.pad(input, pad, 'constant', value)``.

    Example:
        >>> torch.constant_pad_nd(torch.ones(2), [1, 0])
        tensor([0., 1., 1.])
    """
    return _F().pad(input, list(pad), "constant", value)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=(), padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False) -> tuple:
    """Mirrors ``torch.max_pool1d_with_indices``: ``(values, indices)``.

    Example:
        >>> torch.max_pool1d_with_indices(torch.tensor([[1., 3., 2., 4.]]), 2)[1]
        tensor([[1, 3]])
    """
    return tuple(_F().max_pool1d(input, kernel_size, stride or None, padding, dilation,
                                 ceil_mode, return_indices=True))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """Mirrors ``torch.unsafe_chunk``: ``torch.chunk`` (torch's variant skips view
    tracking; the values are the same).

    Example:
        >>> len(torch.unsafe_chunk(torch.ones(4), 2))
        2
    """
    return tuple(input.chunk(chunks, dim))


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:  # noqa: A002
    """Mirrors ``torch.unsafe_split``: ``torch.split`` with an int ``split_size``.

    Example:
        >>> len(torch.unsafe_split(torch.ones(5), 2))
        3
    """
    return tuple(input.split(split_size, dim))


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int],  # noqa: A002
                            dim: int = 0) -> tuple:
    """Mirrors ``torch.unsafe_split_with_sizes``: ``torch.split`` with a list of sizes.

    Example:
        >>> [t.numel() for t in torch.unsafe_split_with_sizes(torch.ones(5), [2, 3])]
        [2, 3]
    """
    return tuple(input.split(list(split_sizes), dim))


def conj_physical_(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.conj_physical_``: conjugates ``input`` in place (a no-op for real
    dtypes).

    Example:
        >>> torch.conj_physical_(torch.tensor([1 + 2j]))
        tensor([1.-2.j])
    """
    return assign(input, lambda: input.conj_physical())


# -- Tensor methods ----------------------------------------------------------------------
def _resize_values(self: Tensor, sizes) -> Tensor:
    pl = _pl()
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if builtins.any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{builtins.min(sizes)}: {list(sizes)}")
    n = int(np.prod(sizes, dtype=np.int64))
    flat = self.detach().reshape(-1)
    if n <= flat.shape[0]:
        return flat[:n].reshape(sizes)
    pad = pl.zeros(n - flat.shape[0], dtype=self.dtype)
    return pl.cat([flat, pad]).reshape(sizes)


def _resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Mirrors ``Tensor.resize_``: the leading elements in flat order, reshaped to
    ``sizes``. Difference: elements beyond the old size are zeros (torch leaves them
    uninitialised).

    Example:
        >>> torch.arange(4.).resize_(3)
        tensor([0., 1., 2.])
    """
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    from ._inplace import rebind

    return rebind(self, _resize_values(self, sizes))


def _resize_as_(self: Tensor, the_template: Tensor, memory_format=None) -> Tensor:
    """Mirrors ``Tensor.resize_as_``: ``self.resize_(the_template.shape)`` (new elements
    are zeros here).

    Example:
        >>> torch.arange(4.).resize_as_(torch.ones(2))
        tensor([0., 1.])
    """
    return _resize_(self, tuple(the_template.shape))


def _new_empty_strided(self: Tensor, size, stride, *, dtype=None, layout=None, device=None,
                       requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Mirrors ``Tensor.new_empty_strided``: ``torch.empty_strided`` with ``self``'s dtype
    by default.

    Example:
        >>> torch.ones(1).new_empty_strided((2,), (1,)).shape
        torch.Size([2])
    """
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device,
                         requires_grad=requires_grad)


def _converter(dt_name: str):
    def method(self: Tensor, memory_format=None) -> Tensor:
        return self.to(getattr(D, dt_name))
    method.__doc__ = (f"Mirrors ``Tensor.{'cfloat' if dt_name == 'complex64' else 'cdouble'}``"
                      f": ``self.to(torch.{dt_name})``.")
    return method


def _inplace_of(name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        return assign(self, lambda: getattr(self, name)(*args, **kwargs))
    method.__name__ = name + "_"
    method.__doc__ = f"Mirrors ``Tensor.{name}_``: ``{name}`` in place."
    return method


def _lu_method(self: Tensor, pivot: bool = True, get_infos: bool = False):
    """Mirrors ``Tensor.lu``: ``torch.lu(self, pivot, get_infos)``."""
    return lu(self, pivot, get_infos)


def _lu_solve_method(self: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """Mirrors ``Tensor.lu_solve``: ``torch.lu_solve(self, LU_data, LU_pivots)``."""
    return lu_solve(self, LU_data, LU_pivots)


def _index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Mirrors ``Tensor.index_reduce_``: ``index_reduce`` in place."""
    return assign(self, lambda: index_reduce(self, dim, index, source, reduce,
                                             include_self=include_self))


def _hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    return _F().hardshrink(self, lambd)


def _prelu(self: Tensor, weight: Tensor) -> Tensor:
    return _F().prelu(self, weight)


def _install_methods() -> None:
    for name, fn in [("addr", addr), ("addbmm", addbmm), ("adjoint", adjoint),
                     ("dist", dist), ("ger", ger), ("hardshrink", _hardshrink),
                     ("prelu", _prelu), ("diagonal_scatter", diagonal_scatter),
                     ("select_scatter", select_scatter), ("slice_scatter", slice_scatter),
                     ("index_reduce", index_reduce), ("index_reduce_", _index_reduce_),
                     ("resize_", _resize_), ("resize_as_", _resize_as_),
                     ("new_empty_strided", _new_empty_strided), ("lu", _lu_method),
                     ("lu_solve", _lu_solve_method),
                     ("cfloat", _converter("complex64")), ("conj_physical_", conj_physical_),
                     ("unsafe_chunk", unsafe_chunk), ("unsafe_split", unsafe_split),
                     ("unsafe_split_with_sizes", unsafe_split_with_sizes),
                     ("cdouble", _converter("complex128"))]:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
    for name in ("addmm", "addmv", "baddbmm", "addr", "addbmm"):
        if not hasattr(Tensor, name + "_"):
            setattr(Tensor, name + "_", _inplace_of(name))


_install_methods()
