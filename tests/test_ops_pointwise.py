"""Elementwise ops against torch: values, dtypes and gradients (via ``parity.check``)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

rng = np.random.default_rng(0)


def f32(*shape, lo=None, hi=None):
    if lo is not None:
        return rng.uniform(lo, hi, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


# -- binary arithmetic with broadcasting -------------------------------------------------
BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("add_fn", lambda a, b: a.add(b)),
    ("torch_add_alpha", None),
    ("maximum", None),
    ("minimum", None),
    ("atan2", None),
]

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)),
          ((), (3,)), ((5,), ())]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name,fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcast(name, fn, shapes):
    sa, sb = shapes
    a, b = f32(*sa), f32(*sb)
    if name == "div":
        b = np.where(np.abs(b) < 0.3, 1.0, b).astype(np.float32)
    if name == "torch_add_alpha":
        def ours(x, y):
            return pl.add(x, y, alpha=2.5)

        def theirs(x, y):
            import torch
            return torch.add(x, y, alpha=2.5)
        check(ours, theirs, a, b)
        return
    if fn is None:
        def ours(x, y):
            return getattr(pl, name)(x, y)

        def theirs(x, y):
            import torch
            return getattr(torch, name)(x, y)
        check(ours, theirs, a, b)
        return
    check(fn, fn, a, b)


@pytest.mark.parametrize("fn", [
    lambda x: 2 - x, lambda x: 2 ** x, lambda x: 1 / x, lambda x: 3 + x, lambda x: 3 * x,
    lambda x: x - 2, lambda x: x ** 3, lambda x: x / 4, lambda x: -x, lambda x: +x,
    lambda x: 2.5 - x, lambda x: x ** 0.5, lambda x: x ** -1, lambda x: 1.5 ** x,
    lambda x: x ** 0, lambda x: abs(x),
], ids=["rsub", "rpow", "rdiv", "radd", "rmul", "sub", "pow3", "div", "neg", "pos", "rsubf",
        "sqrtpow", "powneg", "rpowf", "pow0", "abs"])
def test_scalar_and_reflected(fn):
    x = f32(3, 4, lo=0.5, hi=2.0)
    check(fn, fn, x)


DIVISORS = {
    "python_number": lambda lib, x: 3.0,
    "zero_dim": lambda lib, x: lib.tensor(7.0, dtype=x.dtype),
    "row": lambda lib, x: x[0] + 10,
    "column": lambda lib, x: x[:, :1] - 10,
}


@pytest.mark.parametrize("divisor", list(DIVISORS))
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_division_by_a_broadcast_value_is_exact(divisor, dtype, compiled):
    # Bit for bit with torch (IEEE division per element): XLA turns a division by a
    # broadcast value into a multiplication by its reciprocal, 1 ulp off for about a
    # third of the elements, unless the divisor is kept opaque. The numerator's gradient
    # (grad / divisor in torch) is exact too.
    torch = pytest.importorskip("torch")
    xn = (np.random.default_rng(3).standard_normal((64, 50)) * 100).astype(dtype)
    res = {}
    for lib in (pl, torch):
        x = lib.tensor(xn, requires_grad=True)

        def f(x, lib=lib):
            y = x / DIVISORS[divisor](lib, x.detach())
            y.backward(lib.ones_like(y) * 0.3)
            return y.detach()
        y = pl.compile(f)(x) if compiled and lib is pl else f(x)
        res[lib.__name__] = (y.numpy(), x.grad.numpy())
    (y, g), (yt, gt) = res["pytorch_like"], res["torch"]
    np.testing.assert_array_equal(y, yt)
    np.testing.assert_array_equal(g, gt)


def test_pow_tensor_tensor():
    a, b = f32(3, 4, lo=0.5, hi=2.0), f32(4, lo=-1, hi=2)
    check(lambda x, y: x ** y, lambda x, y: x ** y, a, b)
    check(lambda x, y: x.pow(y), lambda x, y: x.pow(y), a, b)


@pytest.mark.parametrize("fn", [
    lambda x: x + 1, lambda x: x * 2, lambda x: x - 1, lambda x: 2 - x, lambda x: x / 2,
    lambda x: 1 / x, lambda x: x ** 2, lambda x: 2 ** x, lambda x: x // 2, lambda x: x % 3,
    lambda x: x + 1.5, lambda x: x * 0.5, lambda x: -x, lambda x: x ** 0.5,
], ids=["add", "mul", "sub", "rsub", "div", "rdiv", "pow", "rpow", "floordiv", "mod", "addf",
        "mulf", "neg", "powf"])
def test_int_inputs_keep_torch_dtype(fn):
    x = np.array([[1, 2, 3], [4, 5, 7]], dtype=np.int64)
    check(fn, fn, x)


@pytest.mark.parametrize("fn", [
    lambda x: x + 1, lambda x: x * 2.0, lambda x: x & x, lambda x: x | ~x, lambda x: x ^ x,
    lambda x: x + x, lambda x: x * x, lambda x: x.sum(), lambda x: x.float(),
], ids=["add1", "mulf", "and", "or", "xor", "addb", "mulb", "sum", "float"])
def test_bool_inputs(fn):
    x = np.array([[True, False, True], [False, False, True]])
    check(fn, fn, x)


def test_bool_sub_error():
    x = pl.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool"):
        x - x


UNARY = ["abs", "neg", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid",
         "relu", "exp2", "expm1", "log2", "log10", "tan", "atan", "sinh", "cosh", "erf",
         "erfc", "reciprocal", "square", "sign", "floor", "ceil", "round", "trunc", "frac",
         "asin", "acos", "deg2rad", "rad2deg"]
POSITIVE = {"log", "log1p", "sqrt", "rsqrt", "log2", "log10", "reciprocal"}
UNIT = {"asin", "acos"}


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    if name in POSITIVE:
        x = f32(3, 4, lo=0.3, hi=3.0)
    elif name in UNIT:
        x = f32(3, 4, lo=-0.9, hi=0.9)
    else:
        x = f32(3, 4)
    check(lambda t: getattr(pl, name)(t), lambda t: getattr(__import__("torch"), name)(t), x,
          atol=1e-5, rtol=1e-4)
    # Method form as well.
    check(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", ["abs", "neg", "sign", "square", "relu", "exp", "sqrt", "sin",
                                  "sigmoid", "floor", "log"])
def test_unary_int_dtype(name):
    x = np.array([1, 4, 9], dtype=np.int64)
    check(lambda t: getattr(pl, name)(t), lambda t: getattr(__import__("torch"), name)(t), x,
          atol=1e-5, rtol=1e-5)


def test_relu_gradient_at_zero():
    x = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    check(lambda t: t.relu(), lambda t: t.relu(), x)


def test_abs_gradient_at_zero():
    x = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    check(lambda t: t.abs(), lambda t: t.abs(), x)


def test_sqrt_at_zero_gives_inf_grad_like_torch():
    import torch
    x = pl.tensor([0.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    tx = torch.tensor([0.0, 4.0], requires_grad=True)
    tx.sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_maximum_tie_splits_gradient():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    y = np.array([1.0, 1.0, 4.0], dtype=np.float32)
    check(lambda a, b: pl.maximum(a, b), lambda a, b: __import__("torch").maximum(a, b), x, y)
    check(lambda a, b: pl.minimum(a, b), lambda a, b: __import__("torch").minimum(a, b), x, y)


# -- clamp -------------------------------------------------------------------------------
def test_clamp_scalars_and_boundaries():
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0], dtype=np.float32)
    for kw in [dict(min=-1.0, max=1.0), dict(min=-1.0), dict(max=1.0), dict(min=0, max=1)]:
        check(lambda t, kw=kw: t.clamp(**kw), lambda t, kw=kw: t.clamp(**kw), x)
        check(lambda t, kw=kw: pl.clip(t, **kw),
              lambda t, kw=kw: __import__("torch").clip(t, **kw), x)


def test_clamp_tensor_bounds():
    x = f32(3, 4)
    lo = f32(4) - 0.5
    hi = lo + 1.0
    check(lambda t, a, b: t.clamp(a, b), lambda t, a, b: t.clamp(a, b), x, lo, hi)
    check(lambda t, a: pl.clamp(t, min=a), lambda t, a: __import__("torch").clamp(t, min=a),
          x, lo)
    # Exactly on a tensor bound: torch passes the gradient to the input.
    x2 = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    b2 = np.array([0.0, 1.0, 1.0], dtype=np.float32)
    check(lambda t, a: pl.clamp(t, min=a), lambda t, a: __import__("torch").clamp(t, min=a),
          x2, b2)
    check(lambda t, a: pl.clamp(t, max=a), lambda t, a: __import__("torch").clamp(t, max=a),
          x2, b2)


def test_clamp_int():
    x = np.array([-3, 0, 5, 9], dtype=np.int64)
    check(lambda t: t.clamp(0, 5), lambda t: t.clamp(0, 5), x)
    check(lambda t: t.clamp(0.5, 5), lambda t: t.clamp(0.5, 5), x)


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        pl.tensor([1.0]).clamp()


# -- where -------------------------------------------------------------------------------
def test_where():
    x, y = f32(3, 4), f32(4)
    c = rng.standard_normal((3, 4)) > 0
    check(lambda c_, a, b: pl.where(c_, a, b), lambda c_, a, b: __import__("torch").where(
        c_, a, b), c, x, y)
    check(lambda c_, a: pl.where(c_, a, 0.0), lambda c_, a: __import__("torch").where(
        c_, a, 0.0), c, x)
    check(lambda a: pl.where(a > 0, a, 2 * a), lambda a: __import__("torch").where(
        a > 0, a, 2 * a), x)
    check(lambda a: a.where(a > 0, -a), lambda a: a.where(a > 0, -a), x)


def test_where_mixed_dtypes():
    c = np.array([True, False, True])
    i = np.array([1, 2, 3], dtype=np.int64)
    f = np.array([0.5, 1.5, 2.5], dtype=np.float32)
    check(lambda c_, a, b: pl.where(c_, a, b), lambda c_, a, b: __import__("torch").where(
        c_, a, b), c, i, f)
    check(lambda c_, a: pl.where(c_, a, 0), lambda c_, a: __import__("torch").where(
        c_, a, 0), c, i)
    check(lambda c_, a: pl.where(c_, a, 0.5), lambda c_, a: __import__("torch").where(
        c_, a, 0.5), c, i)


def test_where_single_arg_is_nonzero():
    t = pl.tensor([[0, 1], [2, 0]])
    rows, cols = pl.where(t)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]


# -- comparisons -------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(op):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=np.float32)
    b = np.array([2.0, 2.0, 2.0], dtype=np.float32)
    torch = pytest.importorskip("torch")
    check(lambda x, y: getattr(pl, op)(x, y), lambda x, y: getattr(torch, op)(x, y), a, b)
    check(lambda x: getattr(x, op)(2), lambda x: getattr(x, op)(2), a)
    sym = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
    f = eval(f"lambda x, y: x {sym} y")
    check(f, f, a, b)
    g = eval(f"lambda x: 2 {sym} x")
    check(g, g, a)
    ints = np.array([1, 2, 3], dtype=np.int64)
    check(lambda x: f(x, 2.5), lambda x: f(x, 2.5), ints)


def test_eq_none():
    t = pl.tensor([1.0])
    assert (t == None) is False  # noqa: E711
    assert (t != None) is True  # noqa: E711


def test_logical_ops():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    torch = pytest.importorskip("torch")
    for op in ["logical_and", "logical_or", "logical_xor"]:
        check(lambda x, y, op=op: getattr(pl, op)(x, y),
              lambda x, y, op=op: getattr(torch, op)(x, y), a, b)
    check(lambda x: pl.logical_not(x), lambda x: torch.logical_not(x), a)
    check(lambda x: ~x, lambda x: ~x, a)
    i = np.array([0, 1, 2, -3], dtype=np.int64)
    check(lambda x: ~x, lambda x: ~x, i)
    check(lambda x: pl.logical_and(x, x > 0), lambda x: torch.logical_and(x, x > 0), i)


# -- closeness ---------------------------------------------------------------------------
def test_isclose_allclose_equal():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, np.nan, 4.0], dtype=np.float32)
    b = np.array([1.0 + 1e-7, 2.1, np.nan, 4.0], dtype=np.float32)
    for kw in [{}, dict(equal_nan=True), dict(rtol=0.1), dict(atol=0.2, rtol=0)]:
        ours = pl.isclose(pl.tensor(a), pl.tensor(b), **kw)
        th = torch.isclose(torch.tensor(a), torch.tensor(b), **kw)
        assert ours.dtype is pl.bool
        assert ours.tolist() == th.tolist()
        assert pl.allclose(pl.tensor(a), pl.tensor(b), **kw) == torch.allclose(
            torch.tensor(a), torch.tensor(b), **kw)
    assert pl.allclose(pl.tensor([1.0, 2.0]), pl.tensor([1.0, 2.0 + 1e-9])) is True
    assert pl.tensor([1.0]).allclose(pl.tensor([1.5])) is False
    assert pl.equal(pl.tensor([1, 2]), pl.tensor([1, 2])) is True
    assert pl.equal(pl.tensor([1, 2]), pl.tensor([1, 3])) is False
    assert pl.equal(pl.tensor([1, 2]), pl.tensor([[1, 2]])) is False
    assert pl.tensor([1.0, 2.0]).equal(pl.tensor([1.0, 2.0]))
    # isclose broadcasts like torch
    got = pl.isclose(pl.tensor([[1.0, 2.0]]), pl.tensor([1.0])).tolist()
    assert got == torch.isclose(torch.tensor([[1.0, 2.0]]), torch.tensor([1.0])).tolist()


def test_isclose_int():
    torch = pytest.importorskip("torch")
    a, b = np.array([1, 2, 3]), np.array([1, 3, 3])
    assert pl.isclose(pl.tensor(a), pl.tensor(b)).tolist() == \
        torch.isclose(torch.tensor(a), torch.tensor(b)).tolist()


# -- misc pointwise extras ---------------------------------------------------------------
@pytest.mark.slow  # extras beyond the op list; many compiles
def test_extras():
    torch = pytest.importorskip("torch")
    a, b, c = f32(3, 4), f32(3, 4, lo=0.5, hi=2), f32(4, lo=0.5, hi=2)
    check(lambda x, y, z: pl.lerp(x, y, z), lambda x, y, z: torch.lerp(x, y, z), a, b, c)
    check(lambda x, y: pl.lerp(x, y, 0.3), lambda x, y: torch.lerp(x, y, 0.3), a, b)
    check(lambda x, y, z: pl.addcmul(x, y, z, value=0.5),
          lambda x, y, z: torch.addcmul(x, y, z, value=0.5), a, b, c)
    check(lambda x, y, z: pl.addcdiv(x, y, z, value=2),
          lambda x, y, z: torch.addcdiv(x, y, z, value=2), a, b, c)
    check(lambda x, y: pl.hypot(x, y), lambda x, y: torch.hypot(x, y), a, b)
    check(lambda x, y: pl.logaddexp(x, y), lambda x, y: torch.logaddexp(x, y), a, b)
    check(lambda x, y: pl.xlogy(x, y), lambda x, y: torch.xlogy(x, y), a, b, atol=1e-5,
          rtol=1e-4)
    check(lambda x: pl.nan_to_num(x / 0.0), lambda x: torch.nan_to_num(x / 0.0), a)
    check(lambda x: pl.logit(x), lambda x: torch.logit(x), f32(5, lo=0.1, hi=0.9), rtol=1e-4)
    check(lambda x, y: pl.remainder(x, y), lambda x, y: torch.remainder(x, y), a, b)
    check(lambda x, y: pl.fmod(x, y), lambda x, y: torch.fmod(x, y), a, b)
    check(lambda x, y: x // y, lambda x, y: x // y, a, b, grad=False)
    check(lambda x: x.clone(), lambda x: x.clone(), a)
    check(lambda x: pl.div(x, 0.7, rounding_mode="floor"),
          lambda x: torch.div(x, 0.7, rounding_mode="floor"), a, grad=False)
    check(lambda x: pl.div(x, 0.7, rounding_mode="trunc"),
          lambda x: torch.div(x, 0.7, rounding_mode="trunc"), a, grad=False)
    i = np.array([-7, -3, 3, 7], dtype=np.int64)
    for mode in ["floor", "trunc"]:
        check(lambda x, mode=mode: pl.div(x, 2, rounding_mode=mode),
              lambda x, mode=mode: torch.div(x, 2, rounding_mode=mode), i)
    check(lambda x: x % 3, lambda x: x % 3, i)
    check(lambda x: pl.fmod(x, 3), lambda x: torch.fmod(x, 3), i)
    check(lambda x: pl.isnan(x / 0.0), lambda x: torch.isnan(x / 0.0), a)
    check(lambda x: pl.isinf(x / 0.0), lambda x: torch.isinf(x / 0.0), a)
    check(lambda x: pl.isfinite(x / 0.0), lambda x: torch.isfinite(x / 0.0), a)


def test_isnan_int():
    torch = pytest.importorskip("torch")
    i = np.array([1, 2], dtype=np.int64)
    check(lambda x: pl.isnan(x), lambda x: torch.isnan(x), i)
    check(lambda x: pl.isinf(x), lambda x: torch.isinf(x), i)
