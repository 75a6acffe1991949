"""``pytorch_like.special``: mirrors ``torch.special``.

Names that torch defines as aliases of top-level functions are those same functions here
(``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``psi`` is ``digamma``, ``gammainc``
is ``igamma``, ``multigammaln`` is ``mvlgamma``, ...). The functions only torch.special
has (``erfcx``, ``i0e``, ``i1``, ``i1e``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``entr``,
``xlog1py``, ``zeta``) are ops of their own built on ``jax.scipy.special``, so eager
autograd and ``pytorch_like.compile`` share them and JAX supplies the gradients.

Deliberate differences: ``zeta`` has a gradient with respect to ``input`` (JAX's; torch
has none), as ``gammainc``/``gammaincc`` do (see ``igamma``). Not provided:
``bessel_j0``/``bessel_j1`` (JAX's ``bessel_jn`` gives NaN in float32 for ``|x| <= 3``
and wrong values for large ``x``), and the other Bessel (``bessel_y*``,
``modified_bessel_*``, ``scaled_modified_bessel_*``, ``spherical_bessel_j0``), Airy and
orthogonal-polynomial functions of torch.special.

Example:
    >>> import pytorch_like as torch
    >>> torch.special.ndtr(torch.tensor([0.0]))
    tensor([0.5000])
    >>> torch.special.xlog1py(torch.tensor([2.0]), torch.tensor([1.0]))
    tensor([1.3863])
"""

from __future__ import annotations

from typing import Callable

import jax.scipy.special as jss

from . import _dtype as D
from .ops._dispatch import Op, apply
from .ops._util import cast_for, float_dtype, operand, result_dtype
from .ops.pointwise import _binary, _tensor_arg
from .ops.pointwise import digamma, erf, erfc, erfinv, exp2, expm1, i0, igamma, igammac
from .ops.pointwise import lgamma, log1p, logit, mvlgamma, polygamma, round, sigmoid, sinc
from .ops.pointwise import xlogy
from .ops.reduction import log_softmax as _log_softmax
from .ops.reduction import logsumexp
from .ops.reduction import softmax as _softmax
from .tensor import Tensor

__all__ = ["expit", "logit", "erf", "erfc", "erfcx", "erfinv", "exp2", "expm1", "log1p",
           "gammaln", "gammainc", "gammaincc", "digamma", "psi", "polygamma",
           "multigammaln", "i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "xlogy",
           "xlog1py", "zeta", "entr", "sinc", "round", "softmax", "log_softmax",
           "logsumexp"]

expit = sigmoid
gammaln = lgamma
psi = digamma
gammainc = igamma
gammaincc = igammac
multigammaln = mvlgamma


def _unary(name: str, fn: Callable, grad_name: str, doc: str) -> Callable[[Tensor], Tensor]:
    op = Op("special_" + name, fn, grad_name=grad_name)

    def public(input: Tensor) -> Tensor:  # noqa: A002
        _tensor_arg("special_" + name, "input", 1, input)
        dt = float_dtype(input._dtype)
        return apply(op, (input,), (), cast_for(dt, input), dt)
    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    public._op = op
    return public


erfcx = _unary("erfcx", jss.erfcx, "SpecialErfcxBackward0", """
    Mirrors ``torch.special.erfcx``: the scaled complementary error function
    ``exp(x**2) * erfc(x)`` (integer inputs give the default float dtype).

    Example:
        >>> torch.special.erfcx(torch.tensor([1.0]))
        tensor([0.4276])
    """)
i0e = _unary("i0e", jss.i0e, "SpecialI0EBackward0", """
    Mirrors ``torch.special.i0e``: the exponentially scaled modified Bessel function of
    the first kind of order 0, ``exp(-|x|) * i0(x)``.

    Example:
        >>> torch.special.i0e(torch.tensor([1.0]))
        tensor([0.4658])
    """)
i1 = _unary("i1", jss.i1, "SpecialI1Backward0", """
    Mirrors ``torch.special.i1``: the modified Bessel function of the first kind of
    order 1.

    Example:
        >>> torch.special.i1(torch.tensor([1.0]))
        tensor([0.5652])
    """)
i1e = _unary("i1e", jss.i1e, "SpecialI1EBackward0", """
    Mirrors ``torch.special.i1e``: ``exp(-|x|) * i1(x)``.

    Example:
        >>> torch.special.i1e(torch.tensor([1.0]))
        tensor([0.2079])
    """)
# torch computes ndtr from erf, so its gradient node is the product's.
ndtr = _unary("ndtr", jss.ndtr, "MulBackward1", """
    Mirrors ``torch.special.ndtr``: the standard normal distribution function.

    Example:
        >>> torch.special.ndtr(torch.tensor([0.0]))
        tensor([0.5000])
    """)
ndtri = _unary("ndtri", jss.ndtri, "SpecialNdtriBackward0", """
    Mirrors ``torch.special.ndtri``: the inverse of ``ndtr`` (``-inf`` at 0, ``inf`` at 1).

    Example:
        >>> torch.special.ndtri(torch.tensor([0.975]))
        tensor([1.9600])
    """)
log_ndtr = _unary("log_ndtr", jss.log_ndtr, "SpecialLogNdtrBackward0", """
    Mirrors ``torch.special.log_ndtr``: ``log(ndtr(x))``, accurate far in the left tail.

    Example:
        >>> torch.special.log_ndtr(torch.tensor([-2.0]))
        tensor([-3.7832])
    """)
entr = _unary("entr", jss.entr, "SpecialEntrBackward0", """
    Mirrors ``torch.special.entr``: ``-x * log(x)`` for ``x > 0``, 0 at 0, ``-inf``
    below 0.

    Example:
        >>> torch.special.entr(torch.tensor([0.5]))
        tensor([0.3466])
    """)

_xlog1py = Op("special_xlog1py", jss.xlog1py, grad_name="SpecialXlog1PyBackward0")
_zeta = Op("special_zeta", jss.zeta, grad_name="SpecialZetaBackward0")


def _binary_special(name: str, op: Op, input, other) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"special_{name}() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Number self, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, Number other, *, Tensor out = None)\n")
    dt = float_dtype(result_dtype(operand(input), operand(other)))
    return _binary(op, input, other, dt)


def xlog1py(input: Tensor | float, other: Tensor | float) -> Tensor:  # noqa: A002
    """Mirrors ``torch.special.xlog1py``: ``input * log1p(other)``, 0 where ``input`` is 0
    (unless ``other`` is NaN). Either argument may be a Python number, not both.

    Example:
        >>> torch.special.xlog1py(torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    return _binary_special("xlog1py", _xlog1py, input, other)


def zeta(input: Tensor | float, other: Tensor | float) -> Tensor:  # noqa: A002
    """Mirrors ``torch.special.zeta``: the Hurwitz zeta function ``sum_k (k + other) **
    -input``. Either argument may be a Python number, not both.

    Deliberate difference: torch has no gradient with respect to ``input``; JAX's is
    returned here.

    Example:
        >>> torch.special.zeta(torch.tensor([2.0]), 1.0)
        tensor([1.6449])
    """
    return _binary_special("zeta", _zeta, input, other)


def softmax(input: Tensor, dim: int, *, dtype: D.dtype | None = None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.special.softmax(input, dim, *, dtype=None)``: ``torch.softmax`` with
    ``dim`` required.

    Example:
        >>> torch.special.softmax(torch.tensor([0.0, 0.0]), 0)
        tensor([0.5000, 0.5000])
    """
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *,  # noqa: A002
                dtype: D.dtype | None = None) -> Tensor:
    """Mirrors ``torch.special.log_softmax(input, dim, *, dtype=None)``:
    ``torch.log_softmax`` with ``dim`` required.

    Example:
        >>> torch.special.log_softmax(torch.tensor([0.0, 0.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    return _log_softmax(input, dim, dtype)

