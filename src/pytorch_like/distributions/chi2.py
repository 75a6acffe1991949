"""The chi-squared distribution; mirrors ``torch.distributions.Chi2``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """Mirrors ``torch.distributions.Chi2(df)``: ``Gamma(df / 2, 1 / 2)``, the sum of ``df``
    squared standard normals.

    Example:
        >>> from pytorch_like.distributions import Chi2
        >>> Chi2(torch.tensor([3.0])).mean
        tensor([3.])
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Chi2:
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
