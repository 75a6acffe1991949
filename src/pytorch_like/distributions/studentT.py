"""Student's t distribution; mirrors ``torch.distributions.StudentT``."""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

from .._size import Size
from ..ops.creation import randn
from ..ops.pointwise import where
from ..tensor import Tensor
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution, _as_size
from .utils import broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Mirrors ``torch.distributions.StudentT(df, loc=0.0, scale=1.0)``.

    ``rsample`` is ``loc + scale * z / sqrt(c / df)`` for a standard normal ``z`` and a
    ``Chi2(df)`` draw ``c`` (torch's construction), so gradients reach ``loc``, ``scale``
    and, through the Gamma sampler's implicit gradient, ``df``. The mean is NaN for
    ``df <= 1``; the variance is infinite for ``1 < df <= 2`` and NaN for ``df <= 1``.

    Example:
        >>> from pytorch_like.distributions import StudentT
        >>> StudentT(torch.tensor([4.0])).variance
        tensor([2.])
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        if all(isinstance(v, Number) for v in (df, loc, scale)):
            batch_shape = Size()
        else:
            batch_shape = self.df.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = _as_size(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale.pow(2) * df / (df - 2)
        return where(df <= 1, math.nan, where(df <= 2, math.inf, finite))

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        z = randn(*shape, dtype=self.df.dtype, device=self.df.device)
        c = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * z * (c / self.df).rsqrt()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        log_norm = (self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi)
                    + (0.5 * df).lgamma() - (0.5 * (df + 1.0)).lgamma())
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - log_norm

    def entropy(self) -> Tensor:
        df = self.df
        log_beta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (df + 1) * ((0.5 * (df + 1)).digamma()
                                                      - (0.5 * df).digamma())
                + 0.5 * df.log() + log_beta)
