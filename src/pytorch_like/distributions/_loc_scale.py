"""What location-scale families (Normal, Laplace) share: ``loc`` and ``scale`` broadcast
into the batch shape, ``expand``, and ``mean`` = ``mode`` = ``loc``."""

from __future__ import annotations

from numbers import Real
from typing import Any

from .._size import Size
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, _as_size
from .utils import broadcast_all


class _LocScale(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        if isinstance(loc, Real) and isinstance(scale, Real):
            batch_shape = Size()
        else:
            batch_shape = self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> _LocScale:
        # The family (Normal, Laplace) names torch's error for a subclass with its own
        # __init__ but no expand.
        family = next(c for c in type(self).__mro__ if _LocScale in c.__bases__)
        new = self._get_checked_instance(family, _instance)
        batch_shape = _as_size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc
