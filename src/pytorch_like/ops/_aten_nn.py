"""torch's top-level ATen forms of ``nn.functional`` (``torch.dropout``,
``torch.layer_norm``, ``torch.kl_div``, ...): ATen's positional order, integer ``reduction``
codes and extra positional arguments, each calling ``nn.functional``.

Example:
    >>> torch.layer_norm(torch.ones(2, 3), [3]).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from ..tensor import Tensor
from ._aten_common import _F
from ._inplace import assign

__all__ = [
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout",
    "feature_alpha_dropout_", "embedding", "layer_norm", "group_norm", "batch_norm",
    "instance_norm", "rms_norm", "max_pool1d", "max_pool2d", "max_pool3d",
    "adaptive_max_pool1d", "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_", "threshold",
    "threshold_", "kl_div", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
    "ctc_loss", "hinge_embedding_loss", "margin_ranking_loss", "poisson_nll_loss",
    "triplet_margin_loss",
]


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
