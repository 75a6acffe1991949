"""``pytorch_like.special`` against ``torch.special``: values and gradients on small grids,
aliases, dtypes and argument errors."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")


def grid(lo, hi, n=7):
    return np.linspace(lo, hi, n, dtype=np.float32)


def _their(name):
    return None if torch is None else getattr(torch.special, name)


# The functions only torch.special has: name, input grid, tolerances (values and gradients).
UNARY = [
    ("erfcx", grid(-1.5, 4), {"atol": 1e-4, "rtol": 1e-4}),
    ("i0e", grid(-3, 3), {"atol": 1e-4, "rtol": 1e-4}),
    ("i1", grid(-3, 3), {"atol": 1e-4, "rtol": 1e-4}),
    ("i1e", grid(-3, 3), {"atol": 1e-4, "rtol": 1e-4}),
    ("ndtr", grid(-3, 3), {}),
    ("ndtri", grid(0.05, 0.95), {"atol": 1e-4, "rtol": 1e-4}),
    ("log_ndtr", grid(-6, 3), {"atol": 1e-4, "rtol": 1e-4}),
    ("entr", grid(0.1, 3), {}),
    ("i0", grid(-3, 3), {"atol": 1e-4, "rtol": 1e-4}),  # its gradient at 0 is i1(0) = 0
]

# torch.special names that are top-level functions (tested with those), and what they are.
ALIASES = {"expit": "sigmoid", "logit": "logit", "erf": "erf", "erfc": "erfc",
           "erfinv": "erfinv", "exp2": "exp2", "expm1": "expm1", "log1p": "log1p",
           "gammaln": "lgamma", "gammainc": "igamma", "gammaincc": "igammac",
           "digamma": "digamma", "psi": "digamma", "polygamma": "polygamma",
           "multigammaln": "mvlgamma", "i0": "i0", "xlogy": "xlogy", "sinc": "sinc",
           "round": "round", "logsumexp": "logsumexp"}


def test_aliases_are_the_top_level_functions():
    for name, top in ALIASES.items():
        assert getattr(pl.special, name) is getattr(pl, top), name
    assert sorted(pl.special.__all__) == sorted(set(pl.special.__all__))
    for name in pl.special.__all__:
        assert callable(getattr(pl.special, name))
        if torch is not None:
            assert hasattr(torch.special, name), name


@pytest.mark.parametrize("name,x,tol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_grads(name, x, tol):
    ours = getattr(pl.special, name)
    theirs = _their(name)
    out = check(ours, theirs, x, **tol)
    if torch is not None:
        assert out[0].grad_fn.name() == theirs(torch.tensor(x, requires_grad=True)).grad_fn.name()


@pytest.mark.parametrize("name,a,b,kw", [
    ("xlog1py", grid(-2, 2), grid(-0.5, 3), {}),
    ("zeta", None, grid(0.5, 3), {"atol": 1e-4, "rtol": 1e-4}),
])
def test_binary_values_and_grads(name, a, b, kw):
    ours = getattr(pl.special, name)
    theirs = _their(name)
    if a is None:
        # torch has no gradient for zeta's first argument: it is held constant.
        a = grid(1.5, 4)

        def our_fn(y):
            return ours(pl.tensor(a), y)

        def their_fn(y):
            return theirs(torch.tensor(a), y)
        check(our_fn, None if theirs is None else their_fn, b, **kw)
    else:
        check(ours, theirs, a, b, **kw)


def test_scalar_operands_and_special_values():
    y = grid(0.5, 3, 4)
    check(lambda t: pl.special.xlog1py(t, 2.0), None if torch is None else
          (lambda t: torch.special.xlog1py(t, 2.0)), y)
    if torch is not None:
        np.testing.assert_allclose(pl.special.zeta(2.0, pl.tensor(y)).numpy(),
                                   torch.special.zeta(2.0, torch.tensor(y)).numpy(), rtol=1e-5)
    edge = np.array([0.0, 1.0, -1.0, 0.5], np.float32)
    got = [pl.special.entr(pl.tensor(edge)), pl.special.ndtri(pl.tensor([0.0, 1.0])),
           pl.special.xlog1py(pl.tensor([0.0, 0.0]), pl.tensor([-1.0, float("nan")])),
           pl.special.zeta(pl.tensor([1.0, 0.5]), pl.tensor([1.0, 1.0]))]
    want = [[0.0, 0.0, -np.inf, 0.5 * np.log(2)], [-np.inf, np.inf], [0.0, np.nan],
            [np.inf, np.nan]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), np.asarray(w, np.float32), rtol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    check(lambda t: getattr(pl.special, name)(t, 1),
          None if torch is None else (lambda t: getattr(torch.special, name)(t, 1)), x)
    out = getattr(pl.special, name)(pl.tensor(x), 0, dtype=pl.float64)
    assert out.dtype is pl.float64


def test_round_half_to_even():
    np.testing.assert_array_equal(pl.special.round(pl.tensor([0.5, 1.5, -2.5])).numpy(),
                                  [0.0, 2.0, -2.0])


@needs_torch
def test_integer_inputs_promote_like_torch():
    for name in ("erfcx", "entr"):
        ours = getattr(pl.special, name)(pl.tensor([1, 2]))
        theirs = getattr(torch.special, name)(torch.tensor([1, 2]))
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)
    ours = pl.special.zeta(pl.tensor([2]), pl.tensor([1]))
    assert str(ours.dtype) == str(torch.special.zeta(torch.tensor([2]), torch.tensor([1])).dtype)


@needs_torch
@pytest.mark.parametrize("call", [
    lambda S: S.zeta(2.0, 3.0),
    lambda S: S.xlog1py(2.0, 3.0),
    lambda S: S.erfcx(2.0),
    lambda S: S.ndtri(0.5),
])
def test_argument_errors_match_torch(call):
    with pytest.raises(TypeError) as ours:
        call(pl.special)
    with pytest.raises(TypeError) as theirs:
        call(torch.special)
    assert str(ours.value) == str(theirs.value)


def test_special_ops_under_compile():
    x = pl.tensor(grid(0.2, 2, 5))

    @pl.compile
    def f(t):
        return pl.special.erfcx(t) + pl.special.i1e(t) + pl.special.xlog1py(t, t)

    eager = pl.special.erfcx(x) + pl.special.i1e(x) + pl.special.xlog1py(x, x)
    np.testing.assert_allclose(f(x).numpy(), eager.numpy(), rtol=1e-6)
