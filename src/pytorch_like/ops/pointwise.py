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
           "copysign", "deg2rad", "rad2deg", "sgn", "logit", "sinc", "clone"]

# -- binary arithmetic -------------------------------------------------------------------
_add = Op("add", lambda a, b: a + b, saves=(), grad_name="AddBackward0")
_sub = Op("sub", lambda a, b: a - b, saves=(), grad_name="SubBackward0")
_rsub = Op("rsub", lambda a, b: a - b, saves=(), grad_name="RsubBackward1")  # 2 - x
_mul = Op("mul", lambda a, b: a * b, grad_name="MulBackward0")
_div = Op("div", lambda a, b: a / b, grad_name="DivBackward0")
# With a Python number as the other operand the gradient does not need the tensor's value,
# so (as in torch) it is not saved: a later in-place change of it is no error.
_mul_scalar = Op("mul", lambda a, b: a * b, saves=(), grad_name="MulBackward0")
_div_scalar = Op("div", lambda a, b: a / b, saves=(), grad_name="DivBackward0")
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


def _binary(op: Op, a, b, dtype: D.dtype | None = None, *, static=()):
    a, b = operand(a), operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        sa, sb = a._cell.a.shape, b._cell.a.shape
        if sa != sb:
            check_broadcast(sa, sb)
    dt = dtype if dtype is not None else binary_dtype(a, b)
    return apply(op, (a, b), static, cast_for(dt, a, b), dt)


def add(input, other, *, alpha=1, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.add(input, other, alpha=1)`` with broadcasting and type promotion."""
    if alpha != 1:
        return _binary(_add_alpha, input, other, static=(("alpha", alpha),))
    return _binary(_add, input, other)


def sub(input, other, *, alpha=1, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.sub``."""
    if isinstance(input, Tensor) and input.dtype is D.bool_ and isinstance(other, Tensor) and \
            other.dtype is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        return _binary(_add_alpha, input, other, static=(("alpha", -alpha),))
    return _binary(_sub if isinstance(input, Tensor) else _rsub, input, other)


def mul(input, other, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.mul``."""
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        return _binary(_mul, input, other)
    return _binary(_mul_scalar, input, other)


def div(input, other, *, rounding_mode: str | None = None, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.div``: true division (int inputs give float) unless rounding_mode."""
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        q = _binary(_div, input, other, float_dtype(binary_dtype(operand(input),
                                                                 operand(other))))
        dt = binary_dtype(operand(input), operand(other))
        return trunc(q).to(dt)
    dt = float_dtype(binary_dtype(operand(input), operand(other)))
    return _binary(_div if isinstance(other, Tensor) else _div_scalar, input, other, dt)


def floor_divide(input, other) -> Tensor:  # noqa: A002
    return _binary(_floor_divide, input, other)


def remainder(input, other) -> Tensor:  # noqa: A002
    """Mirrors ``torch.remainder`` (Python's sign convention)."""
    return _binary(_remainder, input, other)


def fmod(input, other) -> Tensor:  # noqa: A002
    return _binary(_fmod, input, other)


def pow(input, exponent) -> Tensor:  # noqa: A001, A002
    """Mirrors ``torch.pow``: ``x ** 2`` keeps the exponent a constant of the program."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and \
            not isinstance(exponent, bool):
        dt = binary_dtype(input, exponent)
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
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._cell.a.shape != b._cell.a.shape:
        check_broadcast(a._cell.a.shape, b._cell.a.shape)
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


neg = _u("neg", jnp.negative, floating=False, saves=())
negative = neg
def _abs_fn(x):
    # torch's d|x|/dx is sign(x), 0 at 0 (jnp.abs's is 1 there).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x * jax.lax.stop_gradient(jnp.sign(x))
    return jnp.abs(x)


abs = _u("abs", _abs_fn, floating=False)  # noqa: A001
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
    shapes = [x._cell.a.shape for x in (condition, input, other) if isinstance(x, Tensor)]
    if len(set(shapes)) > 1:
        check_broadcast(*shapes)
    dt = result_dtype(input, other)
    st = dt.storage
    cast = None
    for x in (input, other):
        if isinstance(x, Tensor) and x._cell.a.dtype != st:
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
    """Mirrors ``torch.clone``: a copy that stays in the autograd graph."""
    return apply(_identity, (input,))


def _to_device(t: Tensor, jdevice) -> Tensor:
    """Move to another JAX device; recorded as an identity op so gradients flow back."""
    out = apply(_identity, (t,)) if t._rg else Tensor._make(t._cell.a, t._dtype)
    out._cell.a = jax.device_put(out._cell.a, jdevice)
    return out
