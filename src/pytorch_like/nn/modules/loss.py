"""Loss modules: CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
BCEWithLogitsLoss, KLDivLoss.

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

from ...tensor import Tensor
from .. import _loss_functional as LF
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"]


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
