"""``torch.autograd.Variable``: the pre-0.4 wrapper, kept for old code.

Mirrors torch: ``Variable(t, requires_grad=...)`` returns a plain Tensor sharing ``t``'s
values (a new leaf, like ``t.detach()``, with the requested ``requires_grad``), and every
Tensor is an instance of ``Variable``.

Example:
    >>> from pytorch_like.autograd import Variable
    >>> v = Variable(torch.ones(2), requires_grad=True)
    >>> type(v).__name__, v.requires_grad, isinstance(torch.zeros(1), Variable)
    ('Tensor', True, True)
"""

from __future__ import annotations

import warnings

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        from ..tensor import Tensor

        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Mirrors ``torch.autograd.Variable``: ``Variable(data=None, requires_grad=False,
    volatile=False)`` gives a Tensor (see the module docstring); ``volatile`` only warns, as
    in torch."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        from ..ops.creation import empty
        from ..tensor import Tensor

        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", UserWarning, stacklevel=2)
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out
