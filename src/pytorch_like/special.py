"""``pytorch_like.special``: mirrors ``torch.special``.

Names that torch defines as aliases of top-level functions are those same functions here
(``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``psi`` is ``digamma``, ``gammainc``
is ``igamma``, ``multigammaln`` is ``mvlgamma``, ...). The functions only torch.special
has (``erfcx``, ``i0e``, ``i1``, ``i1e``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``entr``,
``xlog1py``, ``zeta``) are ops of their own built on ``jax.scipy.special``, so eager
autograd and ``pytorch_like.compile`` share them and JAX supplies the gradients.

The Airy function ``airy_ai``, the Bessel functions (``bessel_j0``/``j1``/``y0``/``y1``,
``modified_bessel_*``, ``scaled_modified_bessel_*``, ``spherical_bessel_j0``) and the
orthogonal polynomials
(``chebyshev_polynomial_*``, ``shifted_chebyshev_polynomial_*``, ``hermite_polynomial_*``,
``laguerre_polynomial_l``, ``legendre_polynomial_p``) are ops without a gradient, as in
torch (their results never require grad). ``modified_bessel_i0``/``i1`` use
``jax.scipy.special``; the others are evaluated here from their mathematics
(``ops/_bessel.py``, ``ops/_polynomials.py``), since JAX lacks them (its ``bessel_jn``
gives NaN in float32 for ``|x| <= 3``). Every function that takes ``out=`` in torch takes
it here.

Deliberate differences: ``zeta`` has a gradient with respect to ``input`` (JAX's; torch
has none), as ``gammainc``/``gammaincc`` do (see ``igamma``). The polynomials return NaN
for a NaN ``input`` (torch's CPU kernels return unpredictable values there), and run their
recurrence ``max(n)`` steps, so a huge ``n`` is slow where torch may shortcut it.
``airy_ai`` is accurate near ``x = -2.1``, where torch's is not (see its docstring).

Example:
    >>> import pytorch_like as torch
    >>> torch.special.ndtr(torch.tensor([0.0]))
    tensor([0.5000])
    >>> torch.special.xlog1py(torch.tensor([2.0]), torch.tensor([1.0]))
    tensor([1.3863])
"""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp
import jax.scipy.special as jss

from . import _dtype as D
from .ops import _bessel, _polynomials
from .ops._dispatch import Op, apply
from .ops._out import COMPOSITE, NONE, OP, install_table
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
           "logsumexp", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
           "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
           "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
           "legendre_polynomial_p"]

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


def _float_kernel(name: str, dt: D.dtype) -> None:
    # torch's kernels for these functions exist for float32 and float64 only.
    if dt.name not in ("float32", "float64"):
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{D.type_word(dt)}\'')


def _no_grad_unary(name: str, fn: Callable, arg: str, doc: str) -> Callable[[Tensor], Tensor]:
    """A pointwise op without a gradient: torch marks these results as not requiring grad.

    ``arg`` is the parameter name torch's argument-type error uses (``input`` or ``x``).
    """
    op = Op("special_" + name, fn, differentiable=False)

    def public(input: Tensor) -> Tensor:  # noqa: A002
        _tensor_arg("special_" + name, arg, 1, input)
        dt = float_dtype(input._dtype)
        _float_kernel(name, dt)
        return apply(op, (input,), (), cast_for(dt, input), dt)
    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    public._op = op
    return public


def _nan_at_inf(fn: Callable) -> Callable:
    def wrapped(x):
        return jnp.where(jnp.isinf(x), jnp.nan, fn(x)).astype(x.dtype)
    return wrapped


airy_ai = _no_grad_unary("airy_ai", _bessel.airy_ai, "x", """
    Mirrors ``torch.special.airy_ai``: the Airy function Ai (NaN at +-inf, as torch
    gives). No gradient, as in torch.

    Deliberate difference: for ``-2.35 < x < -2.09`` the value is the accurate one; torch's
    (even in float64) is off by up to 3e-6 there.

    Example:
        >>> torch.special.airy_ai(torch.tensor([0.0]))
        tensor([0.3550])
    """)
bessel_j0 = _no_grad_unary("bessel_j0", _bessel.bessel_j0, "input", """
    Mirrors ``torch.special.bessel_j0``: the Bessel function of the first kind of order 0
    (NaN at +-inf, as torch gives). No gradient, as in torch.

    Example:
        >>> torch.special.bessel_j0(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.7652])
    """)
bessel_j1 = _no_grad_unary("bessel_j1", _bessel.bessel_j1, "input", """
    Mirrors ``torch.special.bessel_j1``: the Bessel function of the first kind of order 1
    (NaN at +-inf, as torch gives). No gradient, as in torch.

    Example:
        >>> torch.special.bessel_j1(torch.tensor([1.0]))
        tensor([0.4401])
    """)
bessel_y0 = _no_grad_unary("bessel_y0", _bessel.bessel_y0, "input", """
    Mirrors ``torch.special.bessel_y0``: the Bessel function of the second kind of order 0
    (``-inf`` at 0, NaN below 0 and at inf, as torch gives). No gradient, as in torch.

    Example:
        >>> torch.special.bessel_y0(torch.tensor([1.0]))
        tensor([0.0883])
    """)
bessel_y1 = _no_grad_unary("bessel_y1", _bessel.bessel_y1, "input", """
    Mirrors ``torch.special.bessel_y1``: the Bessel function of the second kind of order 1
    (``-inf`` at 0, NaN below 0 and at inf, as torch gives). No gradient, as in torch.

    Example:
        >>> torch.special.bessel_y1(torch.tensor([1.0]))
        tensor([-0.7812])
    """)
modified_bessel_i0 = _no_grad_unary(
    "modified_bessel_i0", _nan_at_inf(jss.i0), "input", """
    Mirrors ``torch.special.modified_bessel_i0``: the modified Bessel function of the first
    kind of order 0 (``torch.special.i0`` without its gradient; NaN at +-inf, as torch
    gives).

    Example:
        >>> torch.special.modified_bessel_i0(torch.tensor([1.0]))
        tensor([1.2661])
    """)
modified_bessel_i1 = _no_grad_unary(
    "modified_bessel_i1", _nan_at_inf(jss.i1), "input", """
    Mirrors ``torch.special.modified_bessel_i1``: the modified Bessel function of the first
    kind of order 1 (``torch.special.i1`` without its gradient; NaN at +-inf, as torch
    gives).

    Example:
        >>> torch.special.modified_bessel_i1(torch.tensor([1.0]))
        tensor([0.5652])
    """)
modified_bessel_k0 = _no_grad_unary("modified_bessel_k0", _bessel.modified_bessel_k0, "input", """
    Mirrors ``torch.special.modified_bessel_k0``: the modified Bessel function of the
    second kind of order 0 (inf at 0, NaN below 0, 0 at inf). No gradient, as in torch.

    Example:
        >>> torch.special.modified_bessel_k0(torch.tensor([1.0]))
        tensor([0.4210])
    """)
modified_bessel_k1 = _no_grad_unary("modified_bessel_k1", _bessel.modified_bessel_k1, "input", """
    Mirrors ``torch.special.modified_bessel_k1``: the modified Bessel function of the
    second kind of order 1 (inf at 0, NaN below 0, 0 at inf). No gradient, as in torch.

    Example:
        >>> torch.special.modified_bessel_k1(torch.tensor([1.0]))
        tensor([0.6019])
    """)
scaled_modified_bessel_k0 = _no_grad_unary(
    "scaled_modified_bessel_k0", _bessel.scaled_modified_bessel_k0, "x", """
    Mirrors ``torch.special.scaled_modified_bessel_k0``: ``exp(x) * K0(x)``, accurate where
    ``K0`` itself underflows. No gradient, as in torch.

    Example:
        >>> torch.special.scaled_modified_bessel_k0(torch.tensor([1.0]))
        tensor([1.1445])
    """)
scaled_modified_bessel_k1 = _no_grad_unary(
    "scaled_modified_bessel_k1", _bessel.scaled_modified_bessel_k1, "x", """
    Mirrors ``torch.special.scaled_modified_bessel_k1``: ``exp(x) * K1(x)``. No gradient, as
    in torch.

    Example:
        >>> torch.special.scaled_modified_bessel_k1(torch.tensor([1.0]))
        tensor([1.6362])
    """)
spherical_bessel_j0 = _no_grad_unary(
    "spherical_bessel_j0", _bessel.spherical_bessel_j0, "x", """
    Mirrors ``torch.special.spherical_bessel_j0``: ``sin(x) / x``, 1 at 0 and 0 at +-inf.
    No gradient, as in torch.

    Example:
        >>> torch.special.spherical_bessel_j0(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.8415])
    """)


def _polynomial(name: str, fn: Callable, doc: str) -> Callable:
    """``name(input, n)``: either argument a Tensor or a number (not both), broadcast
    together; the result has the promoted floating dtype and no gradient, as in torch."""
    op = Op("special_" + name, fn, differentiable=False)

    def public(input: Tensor | float, n: Tensor | float) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(
                f"special_{name}() received an invalid combination of arguments - got "
                f"({type(input).__name__}, {type(n).__name__}), but expected one of:\n"
                " * (Tensor x, Tensor n, *, Tensor out = None)\n"
                " * (Number x, Tensor n, *, Tensor out = None)\n"
                " * (Tensor x, Number n, *, Tensor out = None)\n")
        a, b = operand(input), operand(n)
        dt = float_dtype(result_dtype(a, b))
        _float_kernel(name, dt)
        return _binary(op, a, b, dt)
    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    public._op = op
    return public


def _poly_doc(name: str, what: str, example: str) -> str:
    return f"""
    Mirrors ``torch.special.{name}(input, n)``: {what}, elementwise with broadcasting.
    ``n`` is truncated to an integer; ``n < 0`` gives 0. Either argument may be a number,
    not both. No gradient, as in torch.

    Deliberate difference: a NaN ``input`` gives NaN (torch's CPU kernel returns
    unpredictable values there).

    Example:
        >>> torch.special.{name}(torch.tensor([0.5]), 3)
        {example}
    """


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", _polynomials.chebyshev_t,
                                     _poly_doc("chebyshev_polynomial_t",
                                               "the Chebyshev polynomial of the first kind "
                                               "T_n(x)", "tensor([-1.])"))
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", _polynomials.chebyshev_u,
                                     _poly_doc("chebyshev_polynomial_u",
                                               "the Chebyshev polynomial of the second kind "
                                               "U_n(x)", "tensor([-1.])"))
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", _polynomials.chebyshev_v,
                                     _poly_doc("chebyshev_polynomial_v",
                                               "the Chebyshev polynomial of the third kind "
                                               "V_n(x)", "tensor([-1.])"))
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", _polynomials.chebyshev_w,
                                     _poly_doc("chebyshev_polynomial_w",
                                               "the Chebyshev polynomial of the fourth kind "
                                               "W_n(x)", "tensor([-1.])"))
shifted_chebyshev_polynomial_t = _polynomial(
    "shifted_chebyshev_polynomial_t", _polynomials.shifted_chebyshev_t,
    _poly_doc("shifted_chebyshev_polynomial_t", "``T_n(2x - 1)``", "tensor([0.])"))
shifted_chebyshev_polynomial_u = _polynomial(
    "shifted_chebyshev_polynomial_u", _polynomials.shifted_chebyshev_u,
    _poly_doc("shifted_chebyshev_polynomial_u", "``U_n(2x - 1)``", "tensor([0.])"))
shifted_chebyshev_polynomial_v = _polynomial(
    "shifted_chebyshev_polynomial_v", _polynomials.shifted_chebyshev_v,
    _poly_doc("shifted_chebyshev_polynomial_v", "``V_n(2x - 1)``", "tensor([1.])"))
shifted_chebyshev_polynomial_w = _polynomial(
    "shifted_chebyshev_polynomial_w", _polynomials.shifted_chebyshev_w,
    _poly_doc("shifted_chebyshev_polynomial_w", "``W_n(2x - 1)``", "tensor([-1.])"))
hermite_polynomial_h = _polynomial(
    "hermite_polynomial_h", _polynomials.hermite_h,
    _poly_doc("hermite_polynomial_h", "the physicists' Hermite polynomial H_n(x)",
              "tensor([-5.])"))
hermite_polynomial_he = _polynomial(
    "hermite_polynomial_he", _polynomials.hermite_he,
    _poly_doc("hermite_polynomial_he", "the probabilists' Hermite polynomial He_n(x)",
              "tensor([-1.3750])"))
laguerre_polynomial_l = _polynomial(
    "laguerre_polynomial_l", _polynomials.laguerre_l,
    _poly_doc("laguerre_polynomial_l", "the Laguerre polynomial L_n(x)", "tensor([-0.1458])"))
legendre_polynomial_p = _polynomial(
    "legendre_polynomial_p", _polynomials.legendre_p,
    _poly_doc("legendre_polynomial_p", "the Legendre polynomial P_n(x)", "tensor([-0.4375])"))

# torch's out= on the functions defined here (the aliases of top-level functions got it
# from the package's own table); torch names them ``special_<name>`` in its messages.
# ``ndtr`` is composite in torch (out= copies a result with a history into out); the
# functions without a gradient accept any out, even one that requires grad.
_NO_GRAD = (
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
    "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
    "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
    "laguerre_polynomial_l", "legendre_polynomial_p")
install_table(globals(), {name: OP for name in (
    "entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtr", "ndtri", "xlog1py", "zeta")
    + _NO_GRAD}, "special_", {"ndtr": COMPOSITE, **{name: NONE for name in _NO_GRAD}})
