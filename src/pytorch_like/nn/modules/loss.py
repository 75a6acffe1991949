"""Loss modules: CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
BCEWithLogitsLoss, KLDivLoss, CTCLoss, the margin, embedding and ranking losses, and the
Poisson, Gaussian and triplet losses.

Mirror ``torch.nn``'s: the same constructor arguments and defaults (``reduction='mean'``;
the deprecated ``size_average``/``reduce`` pair still works and warns); class weights
(``weight``, ``pos_weight``) are registered as buffers, so they appear in ``state_dict()``
and follow ``.to()`` as in torch. Each forward calls the functional loss (one op).

Example:
    >>> loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss = loss_fn(torch.randn(4, 10, requires_grad=True), torch.tensor([1, 0, 9, 3]))
    >>> loss.backward()
"""

from __future__ import annotations

import warnings

from ...tensor import Tensor
from .. import _loss_functional as LF
from .distance import PairwiseDistance
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "NLLLoss2d", "PoissonNLLLoss",
           "GaussianNLLLoss", "HingeEmbeddingLoss", "MultiLabelMarginLoss", "SoftMarginLoss",
           "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
           "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss",
           "LinearCrossEntropyLoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = LF._reduction(reduction, size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error; mirrors ``torch.nn.L1Loss``.

    Example:
        >>> torch.nn.L1Loss()(torch.zeros(3), torch.ones(3))
        tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error; mirrors ``torch.nn.MSELoss``.

    Example:
        >>> torch.nn.MSELoss(reduction="sum")(torch.zeros(3), torch.ones(3))
        tensor(3.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood over class indices; mirrors ``torch.nn.NLLLoss``.

    Example:
        >>> logp = torch.log_softmax(torch.randn(3, 5), dim=1)
        >>> torch.nn.NLLLoss(ignore_index=0)(logp, torch.tensor([1, 0, 4]))
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                           reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Log-softmax plus NLL in one op; mirrors ``torch.nn.CrossEntropyLoss``.

    Targets are class indices (int64) or class probabilities (float, input's shape);
    ``weight``, ``ignore_index`` and ``label_smoothing`` as in torch.

    Example:
        >>> loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5]))
        >>> loss_fn(torch.randn(4, 3), torch.tensor([0, 2, 1, 1]))
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.cross_entropy(input, target, weight=self.weight,
                                ignore_index=self.ignore_index, reduction=self.reduction,
                                label_smoothing=self.label_smoothing)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, linear above; mirrors ``torch.nn.SmoothL1Loss``.

    Example:
        >>> torch.nn.SmoothL1Loss(beta=0.5)(torch.zeros(2), torch.tensor([0.25, 2.0]))
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss with threshold ``delta``; mirrors ``torch.nn.HuberLoss``.

    Example:
        >>> torch.nn.HuberLoss(delta=2.0)(torch.zeros(2), torch.tensor([1.0, 4.0]))
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy on probabilities; mirrors ``torch.nn.BCELoss``.

    Example:
        >>> torch.nn.BCELoss()(torch.tensor([0.8, 0.3]), torch.tensor([1.0, 0.0]))
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.binary_cross_entropy(input, target, weight=self.weight,
                                       reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid plus binary cross entropy, numerically stable; mirrors
    ``torch.nn.BCEWithLogitsLoss`` (``weight`` and ``pos_weight`` are buffers).

    Example:
        >>> loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))
        >>> loss_fn(torch.tensor([[0.5], [-1.0]]), torch.tensor([[1.0], [0.0]]))
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.binary_cross_entropy_with_logits(input, target, self.weight,
                                                   pos_weight=self.pos_weight,
                                                   reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence on log-probabilities; mirrors ``torch.nn.KLDivLoss``.

    Example:
        >>> loss_fn = torch.nn.KLDivLoss(reduction="batchmean")
        >>> loss_fn(torch.log_softmax(torch.randn(2, 4), 1), torch.softmax(torch.randn(2, 4), 1))
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class NLLLoss2d(NLLLoss):
    """torch's deprecated alias of :class:`NLLLoss`; mirrors ``torch.nn.NLLLoss2d`` (warns).

    Example:
        >>> torch.nn.NLLLoss2d()(torch.randn(2, 3, 4, 4).log_softmax(1),
        ...                      torch.randint(0, 3, (2, 4, 4)))
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                      "drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood; mirrors ``torch.nn.PoissonNLLLoss``.

    Example:
        >>> torch.nn.PoissonNLLLoss(full=True)(torch.randn(4), torch.tensor([0., 1, 2, 5]))
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return LF.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                   eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with a predicted variance; mirrors
    ``torch.nn.GaussianNLLLoss`` (``forward(input, target, var)``).

    Example:
        >>> torch.nn.GaussianNLLLoss()(torch.zeros(2, 3), torch.ones(2, 3), torch.ones(2, 1))
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002
        return LF.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                    reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """Hinge loss for targets in {1, -1}; mirrors ``torch.nn.HingeEmbeddingLoss``.

    Example:
        >>> torch.nn.HingeEmbeddingLoss(margin=2.0)(torch.randn(4), torch.tensor([1., -1, 1, -1]))
    """

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.hinge_embedding_loss(input, target, margin=self.margin,
                                       reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over target index lists; mirrors
    ``torch.nn.MultiLabelMarginLoss``.

    Example:
        >>> torch.nn.MultiLabelMarginLoss()(torch.randn(2, 4), torch.tensor([[3, 0, -1, 1],
        ...                                                                   [2, -1, 0, 0]]))
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.multilabel_margin_loss(input, target, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))``; mirrors ``torch.nn.SoftMarginLoss``.

    Example:
        >>> torch.nn.SoftMarginLoss()(torch.randn(4), torch.tensor([1., -1, 1, -1]))
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss; mirrors ``torch.nn.MultiLabelSoftMarginLoss``
    (``weight`` is a buffer).

    Example:
        >>> torch.nn.MultiLabelSoftMarginLoss()(torch.randn(2, 3), torch.tensor([[1., 0, 1],
        ...                                                                      [0, 1, 0]]))
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                              reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Cosine similarity loss for pairs labelled 1 (similar) or -1 (dissimilar); mirrors
    ``torch.nn.CosineEmbeddingLoss``.

    Example:
        >>> torch.nn.CosineEmbeddingLoss(margin=0.5)(torch.randn(3, 5), torch.randn(3, 5),
        ...                                          torch.tensor([1, -1, 1]))
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return LF.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                        reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Ranking hinge ``max(0, -y (x1 - x2) + margin)``; mirrors ``torch.nn.MarginRankingLoss``.

    Example:
        >>> torch.nn.MarginRankingLoss(margin=0.1)(torch.randn(3), torch.randn(3),
        ...                                        torch.tensor([1., -1, 1]))
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return LF.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                      reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (``p`` in {1, 2}); mirrors ``torch.nn.MultiMarginLoss``
    (``weight`` is a buffer).

    Example:
        >>> torch.nn.MultiMarginLoss(p=2, margin=0.5)(torch.randn(3, 4), torch.tensor([0, 3, 1]))
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError("MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return LF.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                    weight=self.weight, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss on p-norm distances; mirrors ``torch.nn.TripletMarginLoss``.

    Example:
        >>> loss_fn = torch.nn.TripletMarginLoss(margin=1.0, p=2)
        >>> loss_fn(torch.randn(4, 8), torch.randn(4, 8), torch.randn(4, 8))
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError("TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return LF.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                      eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance function; mirrors
    ``torch.nn.TripletMarginWithDistanceLoss`` (default distance: ``nn.PairwiseDistance()``).

    Example:
        >>> loss_fn = torch.nn.TripletMarginWithDistanceLoss(
        ...     distance_function=torch.nn.PairwiseDistance(p=1), swap=True)
        >>> loss_fn(torch.randn(4, 8), torch.randn(4, 8), torch.randn(4, 8))
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError("TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return LF.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss; mirrors ``torch.nn.CTCLoss``
    (``forward(log_probs, targets, input_lengths, target_lengths)``).

    Example:
        >>> ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
        >>> log_probs = torch.randn(30, 2, 10).log_softmax(2)
        >>> ctc(log_probs, torch.randint(1, 10, (2, 5)), (30, 25), (5, 4))
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths,
                target_lengths) -> Tensor:
        return LF.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                           self.reduction, self.zero_infinity)


class LinearCrossEntropyLoss(Module):
    """A ``Linear`` layer to class logits and ``cross_entropy`` in one criterion; mirrors
    ``torch.nn.LinearCrossEntropyLoss``.

    The layer is ``self.linear``, ``Linear(in_features, num_classes * prod(out_features),
    bias)``, stored flat as in torch (so checkpoints match); ``forward(input, target)``
    views its weight as ``(num_classes, *out_features, in_features)`` and calls
    ``F.linear_cross_entropy``. ``weight`` (per-class rescaling) is a buffer, as in
    ``CrossEntropyLoss``. Deliberate difference: ``options`` does not change the
    computation (see ``LinearCrossEntropyOptions``).

    Example:
        >>> head = torch.nn.LinearCrossEntropyLoss(16, 10)
        >>> head(torch.randn(8, 16), torch.randint(0, 10, (8,))).backward()
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple = (),
                 bias: bool = False, device=None, dtype=None, reduction: str = "mean",
                 weight: Tensor | None = None, ignore_index: int | None = None,
                 label_smoothing: float = 0.0, options=None) -> None:
        super().__init__()
        from .linear import Linear

        self.reduction = reduction
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        size = num_classes
        for d in self.out_features:
            size *= d
        self.linear = Linear(in_features, size, bias=bias, device=device, dtype=dtype)
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        shape = (self.num_classes,) + self.out_features
        w = self.linear.weight.reshape(shape + (self.linear.in_features,))
        b = None if self.linear.bias is None else self.linear.bias.reshape(shape)
        return LF.linear_cross_entropy(input, w, target, linear_bias=b, weight=self.weight,
                                       reduction=self.reduction,
                                       ignore_index=self.ignore_index,
                                       label_smoothing=self.label_smoothing,
                                       options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
