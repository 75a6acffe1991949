"""Elementwise ops: arithmetic, comparisons, unary math, activations, where, clamp.

Each op is one JAX function wrapped in an :class:`Op`; the public function applies torch's
type promotion (tensors over Python scalars, categories bool < int < float < complex) and
broadcast checks, then dispatches.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _dtype as D
from ..tensor import Tensor
from ._dispatch import Op, apply
from ._util import binary_dtype, cast_for, check_broadcast, float_dtype, operand, result_dtype

__all__ = ["clamp_min", "clamp_max", "diff",
           "add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
           "neg", "abs", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
           "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
           "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "frac", "reciprocal",
           "square", "clamp", "clip", "where", "maximum", "minimum", "eq", "ne", "lt", "le",
           "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf",
           "isfinite", "isclose", "allclose", "equal", "lerp", "erf", "erfc", "nan_to_num",
           "addcmul", "addcdiv", "signbit", "hypot", "logaddexp", "fmax", "fmin",
           "subtract", "multiply", "divide", "negative", "absolute", "greater", "less",
           "greater_equal", "less_equal", "not_equal", "arctan2", "xlogy", "heaviside",
           "copysign", "deg2rad", "rad2deg", "sgn", "logit", "sinc", "clone",
           "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
           "arctanh", "lgamma", "digamma", "polygamma", "mvlgamma", "erfinv", "i0",
           "logaddexp2", "float_power", "frexp", "ldexp", "gcd", "lcm", "nextafter", "fix",
           "positive", "isposinf", "isneginf", "isreal", "rsub", "bitwise_left_shift",
           "bitwise_right_shift", "igamma", "igammac"]

# -- binary arithmetic -------------------------------------------------------------------
_add = Op("add", lambda a, b: a + b, saves=(), grad_name="AddBackward0")
_sub = Op("sub", lambda a, b: a - b, saves=(), grad_name="SubBackward0")
_rsub = Op("rsub", lambda a, b: a - b, saves=(), grad_name="RsubBackward1")  # 2 - x
_mul = Op("mul", lambda a, b: a * b, grad_name="MulBackward0")
def _true_div(a, b):
    """``a / b`` with an IEEE division for every element, as torch (and numpy) compute it.

    XLA rewrites a division by a broadcast value (a Python number, a row, a column) into a
    multiplication by its reciprocal, which is 1 ulp off for about a third of the
    elements. An optimization barrier on the broadcast divisor keeps the division; XLA
    drops the barrier before fusion, so the broadcast still fuses into the division and
    nothing is materialized.
    """
    dt = jnp.result_type(a, b)
    shape = jnp.broadcast_shapes(jnp.shape(a), jnp.shape(b))
    if jnp.shape(b) != shape and jnp.issubdtype(dt, jnp.inexact):
        b = jax.lax.optimization_barrier(jnp.broadcast_to(jnp.asarray(b, dt), shape))
    return a / b


_div = Op("div", _true_div, grad_name="DivBackward0")
# With a Python number as the other operand the gradient does not need the tensor's value,
# so (as in torch) it is not saved: a later in-place change of it is no error.
_mul_scalar = Op("mul", lambda a, b: a * b, saves=(), grad_name="MulBackward0")
_div_scalar = Op("div", _true_div, saves=(), grad_name="DivBackward0")
_pow = Op("pow", lambda a, b: jnp.power(a, b), grad_name="PowBackward1")
_pow_scalar = Op("pow_scalar", lambda a, *, exponent: a ** exponent, grad_name="PowBackward0")
_rpow = Op("rpow", lambda a, b: jnp.power(b, a), grad_name="PowBackward2")
_atan2 = Op("atan2", jnp.arctan2)
_maximum = Op("maximum", jnp.maximum)
_minimum = Op("minimum", jnp.minimum)
_fmax = Op("fmax", jnp.fmax)
_fmin = Op("fmin", jnp.fmin)
_hypot = Op("hypot", jnp.hypot)
_logaddexp = Op("logaddexp", jnp.logaddexp)
_xlogy = Op("xlogy", jax.scipy.special.xlogy)
_copysign = Op("copysign", jnp.copysign)
_floor_divide = Op("floor_divide", jnp.floor_divide, differentiable=False)
_remainder = Op("remainder", jnp.remainder, grad_name="RemainderBackward0")
_fmod = Op("fmod", jnp.fmod, grad_name="FmodBackward0")
_heaviside = Op("heaviside", jnp.heaviside, differentiable=False)


def _alpha_fn(a, b, *, alpha):
    return a + alpha * b


_add_alpha = Op("add_alpha", _alpha_fn, saves=(), grad_name="AddBackward0")


def _check_int_divisor(input, other) -> None:  # noqa: A002
    """torch's ``RuntimeError: ZeroDivisionError`` for an integer division by zero.

    XLA returns an arbitrary value there instead (-2, 0, the dtype's max). A Python 0 is
    seen without touching the device; a tensor divisor costs one reduction and one scalar
    transfer, and is skipped while traced (inside ``compile``: unchecked, XLA's value).
    """
    a, b = operand(input), operand(other)
    dt = binary_dtype(a, b)
    if dt.is_floating_point or dt.is_complex or dt is D.bool_:
        return
    if isinstance(b, Tensor):
        arr = b._cell.a
        if isinstance(arr, jax.core.Tracer) or arr.size == 0 or bool(jnp.all(arr)):
            return
    elif b != 0:
        return
    raise RuntimeError("ZeroDivisionError")


def _binary(op: Op, a, b, dtype: D.dtype | None = None, *, static=()):
    a, b = operand(a), operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        sa, sb = a._cell.peek().shape, b._cell.peek().shape
        if sa != sb:
            check_broadcast(sa, sb)
    dt = dtype if dtype is not None else binary_dtype(a, b)
    return apply(op, (a, b), static, cast_for(dt, a, b), dt)


def add(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.add(input, other, alpha=1)`` with broadcasting and type promotion."""
    if alpha != 1:
        return _binary(_add_alpha, input, other, static=(("alpha", alpha),))
    return _binary(_add, input, other)


def sub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.sub``."""
    if isinstance(input, Tensor) and input.dtype is D.bool_ and isinstance(other, Tensor) and \
            other.dtype is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        return _binary(_add_alpha, input, other, static=(("alpha", -alpha),))
    return _binary(_sub if isinstance(input, Tensor) else _rsub, input, other)


def mul(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.mul``."""
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        return _binary(_mul, input, other)
    return _binary(_mul_scalar, input, other)


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.div``: true division (int inputs give float) unless rounding_mode."""
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        _check_int_divisor(input, other)
        q = _binary(_div, input, other, float_dtype(binary_dtype(operand(input),
                                                                 operand(other))))
        dt = binary_dtype(operand(input), operand(other))
        return trunc(q).to(dt)
    dt = float_dtype(binary_dtype(operand(input), operand(other)))
    return _binary(_div if isinstance(other, Tensor) else _div_scalar, input, other, dt)


def floor_divide(input, other) -> Tensor:  # noqa: A002
    if binary_dtype(operand(input), operand(other)) is D.bool_:
        raise NotImplementedError('"div_floor_cpu" not implemented for \'Bool\'')
    _check_int_divisor(input, other)
    return _binary(_floor_divide, input, other)


def remainder(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.remainder`` (Python's sign convention)."""
    _check_int_divisor(input, other)
    return _binary(_remainder, input, other)


def fmod(input, other) -> Tensor:  # noqa: A002
    _check_int_divisor(input, other)
    return _binary(_fmod, input, other)


def pow(input, exponent) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.pow``: ``x ** 2`` keeps the exponent a constant of the program."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and \
            not isinstance(exponent, bool):
        dt = binary_dtype(input, exponent)
        if isinstance(exponent, int) and exponent < 0 and not (dt.is_floating_point or
                                                               dt.is_complex):
            # torch's error (a static check: the exponent is a Python number); JAX would
            # raise a TypeError about integer_pow.
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return apply(_pow_scalar, (input,), (("exponent", exponent),), cast_for(dt, input), dt)
    if not isinstance(input, Tensor):
        exponent = operand(exponent)
        dt = binary_dtype(exponent, operand(input))
        return apply(_rpow, (exponent, operand(input)), (), cast_for(dt, exponent), dt)
    return _binary(_pow, input, exponent)


def atan2(input, other) -> Tensor:  # noqa: A002
    return _binary(_atan2, input, other, float_dtype(result_dtype(input, other)))


arctan2 = atan2


def maximum(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.maximum`` (gradient split evenly on ties, as torch does)."""
    return _binary(_maximum, input, other)


def minimum(input, other) -> Tensor:  # noqa: A002
    return _binary(_minimum, input, other)


def fmax(input, other) -> Tensor:  # noqa: A002
    return _binary(_fmax, input, other)


def fmin(input, other) -> Tensor:  # noqa: A002
    return _binary(_fmin, input, other)


def hypot(input, other) -> Tensor:  # noqa: A002
    return _binary(_hypot, input, other)


def logaddexp(input, other) -> Tensor:  # noqa: A002
    return _binary(_logaddexp, input, other)


def xlogy(input, other) -> Tensor:  # noqa: A002
    return _binary(_xlogy, input, other, float_dtype(result_dtype(operand(input),
                                                                 operand(other))))


def copysign(input, other) -> Tensor:  # noqa: A002
    return _binary(_copysign, input, other, float_dtype(result_dtype(operand(input),
                                                                    operand(other))))


def heaviside(input, values) -> Tensor:  # noqa: A002
    return _binary(_heaviside, input, values)


subtract, multiply, divide, true_divide = sub, mul, div, div

# -- comparisons and logic ---------------------------------------------------------------
_CMP = {name: Op(name, fn, differentiable=False) for name, fn in [
    ("eq", jnp.equal), ("ne", jnp.not_equal), ("lt", jnp.less), ("le", jnp.less_equal),
    ("gt", jnp.greater), ("ge", jnp.greater_equal), ("logical_and", jnp.logical_and),
    ("logical_or", jnp.logical_or), ("logical_xor", jnp.logical_xor)]}


def _compare(name: str, a, b) -> Tensor:
    a, b = operand(a), operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape != b.shape:
        check_broadcast(a._cell.peek().shape, b._cell.peek().shape)
    dt = binary_dtype(a, b) if not name.startswith("logical") else D.bool_
    if name.startswith("logical"):
        cast = None
    else:
        cast = cast_for(dt, a, b)
    return apply(_CMP[name], (a, b), (), cast, D.bool_)


def eq(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.eq``: elementwise ==, a bool tensor."""
    return _compare("eq", input, other)


def ne(input, other) -> Tensor:  # noqa: A002
    return _compare("ne", input, other)


def lt(input, other) -> Tensor:  # noqa: A002
    return _compare("lt", input, other)


def le(input, other) -> Tensor:  # noqa: A002
    return _compare("le", input, other)


def gt(input, other) -> Tensor:  # noqa: A002
    return _compare("gt", input, other)


def ge(input, other) -> Tensor:  # noqa: A002
    return _compare("ge", input, other)


greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def logical_and(input, other) -> Tensor:  # noqa: A002
    return _compare("logical_and", input, other)


def logical_or(input, other) -> Tensor:  # noqa: A002
    return _compare("logical_or", input, other)


def logical_xor(input, other) -> Tensor:  # noqa: A002
    return _compare("logical_xor", input, other)


_logical_not = Op("logical_not", jnp.logical_not, differentiable=False)
_bitwise = {name: Op(name, fn, differentiable=False) for name, fn in [
    ("bitwise_and", jnp.bitwise_and), ("bitwise_or", jnp.bitwise_or),
    ("bitwise_xor", jnp.bitwise_xor)]}
_bitwise_not = Op("bitwise_not", jnp.invert, differentiable=False)


def logical_not(input) -> Tensor:  # noqa: A002
    return apply(_logical_not, (input,), (), None, D.bool_)


def _bitwise_op(name, a, b):
    a, b = operand(a), operand(b)
    dt = binary_dtype(a, b)
    if dt._cat >= 2:
        raise RuntimeError(f'"{name}_cpu" not implemented for \'{"Float"}\'')
    return apply(_bitwise[name], (a, b), (), cast_for(dt, a, b), dt)


def bitwise_and(input, other) -> Tensor:  # noqa: A002
    return _bitwise_op("bitwise_and", input, other)


def bitwise_or(input, other) -> Tensor:  # noqa: A002
    return _bitwise_op("bitwise_or", input, other)


def bitwise_xor(input, other) -> Tensor:  # noqa: A002
    return _bitwise_op("bitwise_xor", input, other)


def bitwise_not(input) -> Tensor:  # noqa: A002
    if input.dtype._cat >= 2:
        raise TypeError("bitwise_not is only supported for integer and boolean tensors")
    return apply(_bitwise_not, (input,))


# -- unary -------------------------------------------------------------------------------
def _u(name, fn, *, floating=True, saves=None, grad_name=None, differentiable=True):
    op = Op(name, fn, grad_name=grad_name, differentiable=differentiable,
            **({} if saves is None else {"saves": saves}))

    def public(input) -> Tensor:  # noqa: A002
        input = operand(input)
        dt = float_dtype(input._dtype) if floating else input._dtype
        return apply(op, (input,), (), cast_for(dt, input), dt)
    public.__name__ = name
    public.__doc__ = f"Mirrors ``torch.{name}`` (elementwise)."
    public._op = op
    return public


_neg = _u("neg", jnp.negative, floating=False, saves=())


def neg(input) -> Tensor:  # noqa: A002
    """Mirrors ``torch.neg`` (elementwise); a bool tensor is torch's RuntimeError."""
    input = operand(input)
    if isinstance(input, Tensor) and input._dtype is D.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _neg(input)


neg._op = _neg._op
negative = neg
def _abs_fn(x):
    # torch's d|x|/dx is sign(x), 0 at 0 (jnp.abs's is 1 there).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x * jax.lax.stop_gradient(jnp.sign(x))
    return jnp.abs(x)


_abs_real = _u("abs", _abs_fn, floating=False)


@jax.custom_jvp
def _abs_complex_fn(z):
    return jnp.abs(z)


@_abs_complex_fn.defjvp
def _abs_complex_jvp(primals, tangents):
    # torch's derivative Re(conj(sgn z) dz), with sgn(0) = 0 (jnp.abs's own derivative is
    # nan at 0). sgn stays differentiable, so second derivatives (double backward,
    # func.grad of a gradient) are those of |z| too.
    (z,), (dz,) = primals, tangents
    a = _abs_complex_fn(z)
    s = jnp.where(a == 0, 0, z / jnp.where(a == 0, 1, a).astype(z.dtype))
    return a, jnp.real(jnp.conj(s) * dz)


_abs_complex = Op("abs", _abs_complex_fn, grad_name="AbsBackward0")


def abs(input) -> Tensor:  # noqa: A001,A002
    """Mirrors ``torch.abs``: same dtype for real inputs; the modulus as float32/float64 for
    complex64/complex128.

    Example:
        >>> torch.abs(torch.tensor([3+4j]))
        tensor([5.])
    """
    input = operand(input)
    if isinstance(input, Tensor) and input._dtype.is_complex:
        dt = D.float64 if input._dtype is D.complex128 else D.float32
        return apply(_abs_complex, (input,), (), None, dt)
    return _abs_real(input)


abs._op = _abs_real._op
absolute = abs
exp = _u("exp", jnp.exp)
exp2 = _u("exp2", jnp.exp2)
expm1 = _u("expm1", jnp.expm1)
log = _u("log", jnp.log)
log2 = _u("log2", jnp.log2)
log10 = _u("log10", jnp.log10)
log1p = _u("log1p", jnp.log1p, grad_name="Log1PBackward0")
sqrt = _u("sqrt", jnp.sqrt)
rsqrt = _u("rsqrt", jax.lax.rsqrt)
sin = _u("sin", jnp.sin)
cos = _u("cos", jnp.cos)
tan = _u("tan", jnp.tan)
asin = _u("asin", jnp.arcsin)
acos = _u("acos", jnp.arccos)
atan = _u("atan", jnp.arctan)
sinh = _u("sinh", jnp.sinh)
cosh = _u("cosh", jnp.cosh)
tanh = _u("tanh", jnp.tanh)
sigmoid = _u("sigmoid", jax.nn.sigmoid)
erf = _u("erf", jax.scipy.special.erf)
erfc = _u("erfc", jax.scipy.special.erfc)
reciprocal = _u("reciprocal", lambda x: 1 / x)
square = _u("square", jnp.square, floating=False, grad_name="PowBackward0")
sign = _u("sign", jnp.sign, floating=False)
sgn = sign
signbit = _u("signbit", jnp.signbit, floating=False, differentiable=False)
floor = _u("floor", jnp.floor, floating=False)
ceil = _u("ceil", jnp.ceil, floating=False)
trunc = _u("trunc", jnp.trunc, floating=False)
frac = _u("frac", lambda x: x - jnp.trunc(x), floating=False)
deg2rad = _u("deg2rad", jnp.deg2rad)
rad2deg = _u("rad2deg", jnp.rad2deg)
sinc = _u("sinc", jnp.sinc)
isnan_ = _u("isnan", jnp.isnan, floating=False, differentiable=False)
isinf_ = _u("isinf", jnp.isinf, floating=False, differentiable=False)
isfinite_ = _u("isfinite", jnp.isfinite, floating=False, differentiable=False)


def _relu(x):
    # torch's relu gradient at 0 is 0, which jnp.maximum(x, 0) would split in half.
    return jnp.where(x > 0, x, jnp.zeros_like(x))


relu = _u("relu", _relu, floating=False)


def isnan(input) -> Tensor:  # noqa: A002
    return isnan_(input).to(D.bool_)


def isinf(input) -> Tensor:  # noqa: A002
    return isinf_(input).to(D.bool_)


def isfinite(input) -> Tensor:  # noqa: A002
    return isfinite_(input).to(D.bool_)


def _round_fn(x, *, decimals):
    if decimals == 0:
        return jnp.round(x)
    return jnp.round(x, decimals)


_round = Op("round", _round_fn)


def round(input, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.round`` (half to even)."""
    return apply(_round, (input,), (("decimals", decimals),))


def _logit_fn(x, *, eps):
    if eps is not None:
        x = jnp.clip(x, eps, 1 - eps)
    return jnp.log(x / (1 - x))


_logit = Op("logit", _logit_fn)


def logit(input, eps=None) -> Tensor:  # noqa: A002
    dt = float_dtype(input.dtype)
    return apply(_logit, (input,), (("eps", eps),), cast_for(dt, input), dt)


def _nan_to_num_fn(x, *, nan, posinf, neginf):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_nan_to_num = Op("nan_to_num", _nan_to_num_fn)


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:  # noqa: A002
    return apply(_nan_to_num, (input,), (("nan", nan), ("posinf", posinf),
                                         ("neginf", neginf)))


# -- clamp and where ---------------------------------------------------------------------
def _clamp_fn(x, lo, hi):
    # torch passes the gradient where lo <= x <= hi (boundaries included).
    y = x
    if lo is not None:
        y = jnp.where(x < lo, lo, y)
    if hi is not None:
        y = jnp.where(x > hi, hi, y)
    return y.astype(x.dtype)


_clamp = Op("clamp", _clamp_fn, grad_name="ClampBackward1")


def clamp(input, min=None, max=None) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.clamp``; ``min``/``max`` may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    min, max = operand(min) if min is not None else None, \
        operand(max) if max is not None else None  # noqa: A001
    dt = result_dtype(input, min, max)
    return apply(_clamp, (input, min, max), (), cast_for(dt, input, min, max), dt)


clip = clamp


def clamp_min(input, min) -> Tensor:  # noqa: A002
    """Mirrors ``torch.clamp_min``: ``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max) -> Tensor:  # noqa: A002
    """Mirrors ``torch.clamp_max``: ``clamp(input, max=max)``."""
    return clamp(input, max=max)


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.diff``: the ``n``-th forward difference along ``dim`` (``prepend`` and
    ``append`` are joined on first). Booleans differ by ``!=``, as in torch.

    Example:
        >>> torch.diff(torch.tensor([1, 3, 6, 10]))
        tensor([2, 3, 4])
    """
    from .shape import cat, narrow

    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        hi, lo = narrow(x, dim, 1, length - 1), narrow(x, dim, 0, length - 1)
        x = ne(hi, lo) if x.dtype is D.bool_ else sub(hi, lo)
    return x

_where = Op("where", lambda c, a, b: jnp.where(c, a, b), saves=(0,), grad_name="WhereBackward0")


def where(condition, input=None, other=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.where(cond, x, y)``; with only ``cond`` it is ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    input, other = operand(input), operand(other)
    condition = operand(condition)
    shapes = [x._cell.peek().shape for x in (condition, input, other) if isinstance(x, Tensor)]
    if len(set(shapes)) > 1:
        check_broadcast(*shapes)
    dt = result_dtype(input, other)
    st = dt.storage
    cast = None
    for x in (input, other):
        if isinstance(x, Tensor) and x._cell.peek().dtype != st:
            cast = st
    if cast is not None:
        input = input.to(dt) if isinstance(input, Tensor) else input
        other = other.to(dt) if isinstance(other, Tensor) else other
    if condition.dtype is not D.bool_:
        condition = condition.to(D.bool_)
    return apply(_where, (condition, input, other), (), None, dt)


# -- fused helpers -----------------------------------------------------------------------
_lerp = Op("lerp", lambda a, b, w: a + w * (b - a))


def lerp(input, end, weight) -> Tensor:  # noqa: A002
    weight = operand(weight)
    dt = result_dtype(input, end)
    return apply(_lerp, (input, end, weight), (), cast_for(dt, input, end), dt)


_addcmul = Op("addcmul", lambda a, b, c, *, value: a + value * b * c)
_addcdiv = Op("addcdiv", lambda a, b, c, *, value: a + value * b / c)


def addcmul(input, tensor1, tensor2, *, value=1) -> Tensor:  # noqa: A002
    dt = result_dtype(input, tensor1, tensor2)
    return apply(_addcmul, (input, tensor1, tensor2), (("value", value),),
                 cast_for(dt, input, tensor1, tensor2), dt)


def addcdiv(input, tensor1, tensor2, *, value=1) -> Tensor:  # noqa: A002
    dt = result_dtype(input, tensor1, tensor2)
    return apply(_addcdiv, (input, tensor1, tensor2), (("value", value),),
                 cast_for(dt, input, tensor1, tensor2), dt)


# -- closeness ---------------------------------------------------------------------------
def _isclose_fn(a, b, *, rtol, atol, equal_nan):
    return jnp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


_isclose = Op("isclose", _isclose_fn, differentiable=False)


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """Mirrors ``torch.isclose``: |a - b| <= atol + rtol * |b|."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    return apply(_isclose, (input, other), (("rtol", rtol), ("atol", atol),
                                            ("equal_nan", equal_nan)), None, D.bool_)


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Mirrors ``torch.allclose``: a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:  # noqa: A002
    """Mirrors ``torch.equal``: same shape and same values."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(eq(input, other).all())


# -- casts and device moves (not recorded as differentiable when the dtype is not float) --
def _cast_fn(x, *, dtype):
    return x.astype(dtype)


_cast_op = Op("cast", _cast_fn, saves=(), grad_name="ToCopyBackward0")


def _cast(t: Tensor, dtype: D.dtype) -> Tensor:
    out = apply(_cast_op, (t,), (("dtype", dtype.storage),), None, dtype)
    if not (dtype.is_floating_point or dtype.is_complex) and out._rg:
        out = Tensor._make(out._cell.a, dtype)
    return out


_identity = Op("identity", lambda x: x, saves=(), grad_name="CloneBackward0")


def clone(input, *, memory_format=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.clone`` / ``Tensor.clone``: a copy that stays in the autograd graph,
    laid out in ``memory_format`` (default ``torch.preserve_format``: the clone of a dense
    tensor keeps its strides, so ``x.t().clone()`` is not contiguous, as in torch).

    Example:
        >>> x = torch.zeros(2, 3, 4, 5)
        >>> torch.clone(x, memory_format=torch.channels_last).stride()
        (60, 1, 15, 3)
    """
    from . import _views
    fmt = _views.check_format(memory_format, "clone")
    if fmt is not _views.preserve_format:
        _views.check_rank(fmt, input.ndim)
    return _views.with_memory_format(input, apply(_identity, (input,)), fmt)


def _to_device(t: Tensor, jdevice) -> Tensor:
    """Move to another JAX device; recorded as an identity op so gradients flow back."""
    out = apply(_identity, (t,)) if t._rg else Tensor._make(t._cell.a, t._dtype)
    out._cell.a = jax.device_put(out._cell.a, jdevice)
    return out


# -- inverse hyperbolics, special functions, float decomposition -------------------------
asinh = _u("asinh", jnp.arcsinh)
acosh = _u("acosh", jnp.arccosh)
atanh = _u("atanh", jnp.arctanh)
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
lgamma = _u("lgamma", jax.scipy.special.gammaln)
erfinv = _u("erfinv", jax.scipy.special.erfinv)


@jax.custom_jvp
def _i0_fn(x):
    return jax.scipy.special.i0(x)


@_i0_fn.defjvp
def _i0_jvp(primals, tangents):
    # i0' = i1. JAX differentiates its exp(|x|) * i0e(x) form, which gives 1 at x = 0.
    (x,), (t,) = primals, tangents
    return _i0_fn(x), jax.scipy.special.i1(x) * t


i0 = _u("i0", _i0_fn)
fix = trunc


def _digamma_fn(x):
    # torch defines digamma(0) as -inf (the limit from the right); JAX gives nan there.
    return jnp.where(x == 0, -jnp.inf, jax.scipy.special.digamma(x)).astype(x.dtype)


digamma = _u("digamma", _digamma_fn)


def _polygamma_fn(x, *, n):
    if n == 0:
        return _digamma_fn(x)
    return jax.scipy.special.polygamma(n, x)


_polygamma = Op("polygamma", _polygamma_fn)


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.polygamma(n, input)``: the ``n``-th derivative of digamma.

    Differs from torch at the poles (zero and negative integers), where JAX's values are
    returned (torch gives signed infinities there).

    Example:
        >>> torch.polygamma(1, torch.tensor([1.0]))
        tensor([1.6449])
    """
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    input = operand(input)
    dt = float_dtype(input._dtype)
    return apply(_polygamma, (input,), (("n", int(n)),), cast_for(dt, input), dt)


def _mvlgamma_fn(x, *, p):
    terms = [jax.scipy.special.gammaln(x - k / 2) for k in range(p)]
    const = p * (p - 1) / 4 * jnp.log(jnp.pi)
    return (sum(terms[1:], terms[0]) + const).astype(x.dtype)


_mvlgamma = Op("mvlgamma", _mvlgamma_fn)


def mvlgamma(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.mvlgamma``: the multivariate log-gamma of dimension ``p``.

    Example:
        >>> torch.mvlgamma(torch.tensor([2.5]), 2)
        tensor([0.9189])
    """
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    dt = float_dtype(input._dtype)
    return apply(_mvlgamma, (input,), (("p", int(p)),), cast_for(dt, input), dt)


def _tensor_arg(fn: str, name: str, pos: int, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _floats_only(fn: str, dt: D.dtype) -> None:
    if dt._cat != 2:
        raise NotImplementedError(f'"{fn}_cpu" not implemented for \'{D.type_word(dt)}\'')


def _ints_only(fn: str, dt: D.dtype) -> None:
    if dt._cat != 1:
        raise NotImplementedError(f'"{fn}_cpu" not implemented for \'{D.type_word(dt)}\'')


_logaddexp2 = Op("logaddexp2", jnp.logaddexp2)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.logaddexp2``: ``log2(2**input + 2**other)``, floating inputs only.

    Example:
        >>> torch.logaddexp2(torch.tensor([1.0]), torch.tensor([1.0]))
        tensor([2.])
    """
    _tensor_arg("logaddexp2", "other", 2, other)
    dt = binary_dtype(input, other)
    _floats_only("logaddexp2", dt)
    return _binary(_logaddexp2, input, other, dt)


_float_power = Op("float_power", jnp.power, grad_name="PowBackward1")


def float_power(input, exponent) -> Tensor:  # noqa: A002
    """Mirrors ``torch.float_power``: ``pow`` computed and returned in float64.

    Complex inputs are not supported here. Without ``jax_enable_x64`` the float64 result is
    stored (and computed) in float32, as every float64 tensor of this package.

    Example:
        >>> torch.float_power(torch.tensor([2]), 2)
        tensor([4.], dtype=torch.float64)
    """
    return _binary(_float_power, input, exponent, D.float64)


def _frexp_fn(x):
    m, e = jnp.frexp(x)
    return m, e.astype(jnp.int32)


_frexp = Op("frexp", _frexp_fn, nout=2, diff_out=(0,), grad_name="FrexpBackward0")


def frexp(input: Tensor):  # noqa: A002
    """Mirrors ``torch.frexp``: a ``(mantissa, exponent)`` named tuple with
    ``input == mantissa * 2 ** exponent``; ``exponent`` is int32, as in torch.

    Example:
        >>> torch.frexp(torch.tensor([8.0]))
        torch.return_types.frexp(mantissa=tensor([0.5000]), exponent=tensor([4], dtype=torch.int32))
    """
    if input.dtype._cat != 2:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = apply(_frexp, (input,), (), None, (input.dtype, D.int32))
    return _frexp_result(m, e)


class _frexp_result(tuple):
    """``torch.return_types.frexp``: a tuple with ``mantissa`` and ``exponent`` fields."""

    __slots__ = ()

    def __new__(cls, mantissa, exponent):
        return tuple.__new__(cls, (mantissa, exponent))

    mantissa = property(lambda self: self[0])
    exponent = property(lambda self: self[1])

    def __repr__(self) -> str:
        return (f"torch.return_types.frexp(\nmantissa={self[0]!r},\n"
                f"exponent={self[1]!r})")


_ldexp = Op("ldexp", lambda x, e: x * jnp.exp2(e.astype(x.dtype)))


def ldexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.ldexp``: ``input * 2 ** other`` (a floating result).

    Deliberate difference: the gradient with respect to ``input`` is ``2 ** other`` also
    for negative integer ``other``, where torch's (an integer power) is 0.

    Example:
        >>> torch.ldexp(torch.tensor([1.0]), torch.tensor([3]))
        tensor([8.])
    """
    _tensor_arg("ldexp", "other", 2, other)
    dt = float_dtype(result_dtype(input, other))
    check_broadcast(tuple(input.shape), tuple(other.shape))
    return apply(_ldexp, (input, other), (), cast_for(dt, input), dt)


_gcd = Op("gcd", jnp.gcd, differentiable=False)
_lcm = Op("lcm", jnp.lcm, differentiable=False)


def gcd(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.gcd`` (integer tensors; ``gcd(0, 0) == 0``).

    Example:
        >>> torch.gcd(torch.tensor([4, 6]), torch.tensor([6, 9]))
        tensor([2, 3])
    """
    _tensor_arg("gcd", "other", 2, other)
    dt = binary_dtype(input, other)
    _ints_only("gcd", dt)
    return _binary(_gcd, input, other, dt)


def lcm(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.lcm`` (integer tensors).

    Example:
        >>> torch.lcm(torch.tensor([4, 6]), torch.tensor([6, 9]))
        tensor([12, 18])
    """
    _tensor_arg("lcm", "other", 2, other)
    dt = binary_dtype(input, other)
    _ints_only("lcm", dt)
    return _binary(_lcm, input, other, dt)


@jax.custom_jvp
def _nextafter_fn(x, y):
    return jnp.nextafter(x, y)


@_nextafter_fn.defjvp
def _nextafter_jvp(primals, tangents):
    # JAX has no derivative for nextafter; torch treats it as the identity in ``input``
    # (gradient 1) and constant in ``other``.
    return _nextafter_fn(*primals), tangents[0]


_nextafter = Op("nextafter", _nextafter_fn, saves=(), grad_name="NextafterBackward0")


def nextafter(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.nextafter``: the next representable float after ``input`` towards
    ``other``; like torch, the gradient is 1 for ``input`` and 0 for ``other``.

    Example:
        >>> torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0])) > 1
        tensor([True])
    """
    _tensor_arg("nextafter", "other", 2, other)
    dt = binary_dtype(input, other)
    _floats_only("nextafter", dt)
    return _binary(_nextafter, input, other, dt)


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.positive``: ``input`` itself; refused for bool tensors, as in torch.

    Example:
        >>> torch.positive(torch.tensor([-1.0]))
        tensor([-1.])
    """
    if input.dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_isposinf = Op("isposinf", lambda x: jnp.isposinf(x), differentiable=False)
_isneginf = Op("isneginf", lambda x: jnp.isneginf(x), differentiable=False)


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.isposinf``: a bool tensor, True where ``input`` is +inf.

    Example:
        >>> torch.isposinf(torch.tensor([float('inf'), 1.0]))
        tensor([ True, False])
    """
    return apply(_isposinf, (input,), (), None, D.bool_)


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.isneginf``: a bool tensor, True where ``input`` is -inf."""
    return apply(_isneginf, (input,), (), None, D.bool_)


_isreal = Op("isreal", lambda x: jnp.isreal(x), differentiable=False)


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.isreal``: True where the imaginary part is zero (everywhere for real
    dtypes).

    Example:
        >>> torch.isreal(torch.tensor([1.0]))
        tensor([True])
    """
    return apply(_isreal, (input,), (), None, D.bool_)


def rsub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.rsub``: ``other - alpha * input``.

    Example:
        >>> torch.rsub(torch.tensor([1.0]), 3)
        tensor([2.])
    """
    return sub(other, input, alpha=alpha)


_shift = {"lshift": Op("bitwise_left_shift", jnp.left_shift, differentiable=False),
          "rshift": Op("bitwise_right_shift", jnp.right_shift, differentiable=False)}


def _shift_op(kind: str, input, other) -> Tensor:  # noqa: A002
    a, b = operand(input), operand(other)
    dt = binary_dtype(a, b)
    if dt is not D.bool_:
        _ints_only(kind, dt)
    return _binary(_shift[kind], a, b, dt)


def bitwise_left_shift(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.bitwise_left_shift`` (``<<``): integer tensors only.

    Example:
        >>> torch.tensor([1, 2]) << 2
        tensor([4, 8])
    """
    return _shift_op("lshift", input, other)


def bitwise_right_shift(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.bitwise_right_shift`` (``>>``): an arithmetic shift for signed
    integers, as in torch.

    Example:
        >>> torch.tensor([8, -8]) >> 1
        tensor([ 4, -4])
    """
    return _shift_op("rshift", input, other)


_igamma = Op("igamma", jax.scipy.special.gammainc)
_igammac = Op("igammac", jax.scipy.special.gammaincc)


def igamma(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.igamma``: the regularized lower incomplete gamma ``P(input, other)``.

    Deliberate difference: torch has no gradient with respect to ``input``; JAX's is
    returned here.

    Example:
        >>> torch.igamma(torch.tensor([1.0]), torch.tensor([0.5]))
        tensor([0.3935])
    """
    return _binary(_igamma, input, other, float_dtype(result_dtype(operand(input),
                                                                  operand(other))))


def igammac(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.igammac``: the regularized upper incomplete gamma ``Q(input, other)``
    (see :func:`igamma` for the gradient difference).

    Example:
        >>> torch.igammac(torch.tensor([1.0]), torch.tensor([0.5]))
        tensor([0.6065])
    """
    return _binary(_igammac, input, other, float_dtype(result_dtype(operand(input),
                                                                   operand(other))))


# -- top-level in-place variants (torch.relu_(x) is x.relu_()) ---------------------------
def _top_inplace(name: str):
    def fn(input: Tensor, *args, **kwargs) -> Tensor:  # noqa: A002
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"Mirrors ``torch.{name}``: the same as ``input.{name}(...)``."
    return fn


_TOP_INPLACE = ("abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_",
                "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_",
                "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_",
                "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_",
                "frac_", "gcd_", "i0_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_",
                "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_",
                "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_",
                "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_")
for _name in _TOP_INPLACE:
    globals()[_name] = _top_inplace(_name)
__all__ += list(_TOP_INPLACE)
