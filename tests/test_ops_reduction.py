"""Reductions, softmax family, scans and norms against torch (values, dtypes, gradients)."""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
import parity
from parity import check

rng = np.random.default_rng(1)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


DIM_CASES = [dict(), dict(dim=0), dict(dim=1), dict(dim=-1), dict(dim=(0, 2)),
             dict(dim=-2, keepdim=True), dict(dim=(0, -1), keepdim=True), dict(dim=[1])]


@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("kw", DIM_CASES, ids=str)
def test_sum_mean(name, kw):
    x = f32(2, 3, 4)
    check(lambda t: getattr(t, name)(**kw), lambda t: getattr(t, name)(**kw), x, rtol=1e-5)
    torch = pytest.importorskip("torch")
    check(lambda t: getattr(pl, name)(t, **kw), lambda t: getattr(torch, name)(t, **kw), x)


def test_sum_positional_dim_and_dtype():
    x = f32(2, 3, 4)
    check(lambda t: t.sum(1, True), lambda t: t.sum(1, True), x)
    check(lambda t: t.sum(dtype=pl.float64), lambda t: t.sum(dtype=__import__("torch").float64),
          x, rtol=1e-5)
    check(lambda t: t.mean(-1, keepdim=True), lambda t: t.mean(-1, keepdim=True), x)


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.uint8, np.bool_])
def test_int_sum_prod_dtype(dt):
    x = (np.arange(1, 7).reshape(2, 3) % 3).astype(dt)
    for fn in [lambda t: t.sum(), lambda t: t.sum(0), lambda t: t.prod(), lambda t: t.prod(1),
               lambda t: t.cumsum(1), lambda t: t.max(), lambda t: t.amax(0)]:
        check(fn, fn, x)


def test_mean_int_error():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype. Input dtype "
                                           "must be either a floating point or complex dtype. "
                                           "Got: Long"):
        pl.tensor([1, 2, 3]).mean()
    assert pl.tensor([1, 2, 3]).mean(dtype=pl.float32).item() == 2.0


@pytest.mark.parametrize("kw", [dict(), dict(dim=1), dict(dim=0, keepdim=True), dict(dim=-1)],
                         ids=str)
def test_prod(kw):
    x = f32(3, 4)
    check(lambda t: t.prod(**kw), lambda t: t.prod(**kw), x, rtol=1e-4)


def test_prod_with_zero_gradient():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    check(lambda t: t.prod(), lambda t: t.prod(), x)
    check(lambda t: t.prod(1), lambda t: t.prod(1), x)


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("kw", [dict(), dict(dim=1), dict(dim=(0, 1), keepdim=True),
                                dict(unbiased=False), dict(dim=0, unbiased=False),
                                dict(correction=0), dict(dim=-1, correction=2)], ids=str)
def test_std_var(name, kw):
    x = f32(3, 5)
    check(lambda t: getattr(t, name)(**kw), lambda t: getattr(t, name)(**kw), x, rtol=1e-4)


def test_std_var_positional():
    x = f32(3, 5)
    # torch.std(x, 1) is dim=1; torch.std(x, False) is unbiased=False
    check(lambda t: pl.std(t, 1), lambda t: __import__("torch").std(t, 1), x, rtol=1e-4)
    check(lambda t: pl.var(t, False), lambda t: __import__("torch").var(t, False), x, rtol=1e-4)
    check(lambda t: t.var(1, True, True), lambda t: t.var(1, True, True), x, rtol=1e-4)
    m = pl.var_mean(pl.tensor(x), 1)
    torch = pytest.importorskip("torch")
    tm = torch.var_mean(torch.tensor(x), 1)
    np.testing.assert_allclose(m[0].numpy(), tm[0].numpy(), rtol=1e-5)
    np.testing.assert_allclose(m[1].numpy(), tm[1].numpy(), rtol=1e-5)


def test_std_default_correction_value():
    t = pl.tensor([1.0, 2.0, 3.0, 4.0])
    assert abs(t.std().item() - np.std([1, 2, 3, 4], ddof=1)) < 1e-6
    assert abs(t.var(unbiased=False).item() - 1.25) < 1e-6


# -- max / min ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(name):
    x = f32(3, 4)
    check(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)
    for kw in [dict(dim=1), dict(dim=0, keepdim=True), dict(dim=-1)]:
        out = check(lambda t, kw=kw: getattr(t, name)(**kw),
                    lambda t, kw=kw: getattr(t, name)(**kw), x)
        assert out[1].dtype is pl.int64
    r = getattr(pl.tensor(x), name)(1)
    assert type(r).__name__ in ("values_indices", "max", "min", "return_types")
    assert r.values is r[0] and r.indices is r[1]
    v, i = r
    assert v.shape == (3,) and i.shape == (3,)
    check(lambda t: getattr(t, name)(1)[0], lambda t: getattr(t, name)(1)[0], x)
    # positional dim and keepdim
    check(lambda t: getattr(pl, name)(t, 1, True), lambda t: getattr(__import__("torch"), name)(
        t, 1, True), x)
    # binary form: max(a, b) is maximum
    y = f32(3, 4)
    check(lambda a, b: getattr(pl, name)(a, b), lambda a, b: getattr(__import__("torch"), name)(
        a, b), x, y)


def test_max_ties_gradient():
    # torch's full max() spreads the gradient evenly over ties; max(dim) picks one index.
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32)
    check(lambda t: t.max(), lambda t: t.max(), x)
    check(lambda t: t.amax(1), lambda t: t.amax(1), x)
    check(lambda t: t.max(1), lambda t: t.max(1), x)
    check(lambda t: t.min(0), lambda t: t.min(0), x)


def test_max_int():
    x = np.array([[1, 5, 2], [7, 0, 7]], dtype=np.int64)
    check(lambda t: t.max(1), lambda t: t.max(1), x)
    check(lambda t: t.min(), lambda t: t.min(), x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax(name):
    x = f32(3, 4)
    for kw in [dict(), dict(dim=1), dict(dim=0, keepdim=True), dict(dim=-1), dict(keepdim=True)]:
        check(lambda t, kw=kw: getattr(t, name)(**kw), lambda t, kw=kw: getattr(t, name)(**kw), x)


@pytest.mark.slow  # extras beyond the op list; many compiles
def test_amax_amin_aminmax():
    x = f32(2, 3, 4)
    for kw in [dict(dim=1), dict(dim=(0, 2)), dict(dim=-1, keepdim=True)]:
        check(lambda t, kw=kw: t.amax(**kw), lambda t, kw=kw: t.amax(**kw), x)
        check(lambda t, kw=kw: t.amin(**kw), lambda t, kw=kw: t.amin(**kw), x)
    torch = pytest.importorskip("torch")
    ours, th = pl.aminmax(pl.tensor(x), dim=1), torch.aminmax(torch.tensor(x), dim=1)
    np.testing.assert_array_equal(ours.min.numpy(), th.min.numpy())
    np.testing.assert_array_equal(ours.max.numpy(), th.max.numpy())


# -- softmax family ----------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim):
    x = f32(3, 4)
    torch = pytest.importorskip("torch")
    check(lambda t: pl.softmax(t, dim), lambda t: torch.softmax(t, dim), x)
    check(lambda t: t.log_softmax(dim), lambda t: t.log_softmax(dim), x)
    check(lambda t: t.softmax(dim=dim), lambda t: t.softmax(dim=dim), x)
    check(lambda t: pl.log_softmax(t, dim=dim, dtype=pl.float64),
          lambda t: torch.log_softmax(t, dim=dim, dtype=torch.float64), x)


def test_logsumexp():
    x = f32(3, 4) * 30
    torch = pytest.importorskip("torch")
    for kw in [dict(dim=1), dict(dim=0, keepdim=True), dict(dim=(0, 1))]:
        check(lambda t, kw=kw: pl.logsumexp(t, **kw), lambda t, kw=kw: torch.logsumexp(t, **kw), x,
              rtol=1e-5, atol=1e-4)
        check(lambda t, kw=kw: t.logsumexp(**kw), lambda t, kw=kw: t.logsumexp(**kw), x,
              rtol=1e-5, atol=1e-4)


def test_logsumexp_int_input():
    torch = pytest.importorskip("torch")
    x = np.array([[1, 2], [3, 4]], dtype=np.int64)
    check(lambda t: pl.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1), x)


# -- scans -------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(dim):
    x = f32(3, 4)
    check(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), x)
    check(lambda t: pl.cumsum(t, dim=dim), lambda t: __import__("torch").cumsum(t, dim=dim), x)
    check(lambda t: t.cumprod(dim), lambda t: t.cumprod(dim), x, rtol=1e-4)


@pytest.mark.slow  # extras beyond the op list; many compiles
def test_cummax_cummin():
    x = np.array([[1.0, 3.0, 2.0, 5.0], [4.0, 1.0, 1.0, 0.0]], dtype=np.float32)
    check(lambda t: t.cummax(1), lambda t: t.cummax(1), x)
    check(lambda t: t.cummin(1), lambda t: t.cummin(1), x)


# -- norms -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(p=2), dict(p=1), dict(p=float("inf")),
                                dict(p=float("-inf")), dict(p="fro"), dict(p=3),
                                dict(p=2, dim=1), dict(p=1, dim=0, keepdim=True),
                                dict(p="fro", dim=(0, 1)), dict(p=float("inf"), dim=-1)],
                         ids=str)
def test_norm(kw):
    x = f32(3, 4)
    check(lambda t: t.norm(**kw), lambda t: t.norm(**kw), x, rtol=1e-4)
    torch = pytest.importorskip("torch")
    check(lambda t: pl.norm(t, **kw), lambda t: torch.norm(t, **kw), x, rtol=1e-4)


def test_norm_at_zero_gradient():
    x = np.zeros((2, 3), dtype=np.float32)
    check(lambda t: t.norm(), lambda t: t.norm(), x)
    check(lambda t: t.norm(dim=1), lambda t: t.norm(dim=1), x)


# -- all / any ---------------------------------------------------------------------------
def test_all_any():
    x = np.array([[True, False, True], [True, True, True]])
    i = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.int64)
    f = np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
    for a in (x, i, f):
        for fn in [lambda t: t.all(), lambda t: t.any(), lambda t: t.all(1), lambda t: t.any(0),
                   lambda t: t.all(dim=-1, keepdim=True)]:
            check(fn, fn, a, grad=False)


# -- order statistics (extras present in ops/reduction.py) --------------------------------
@pytest.mark.slow  # extras beyond the op list; many compiles
def test_sort_topk_median_etc():
    x = f32(3, 5)
    check(lambda t: t.sort(1), lambda t: t.sort(1), x)
    check(lambda t: t.sort(0, descending=True), lambda t: t.sort(0, descending=True), x)
    check(lambda t: t.argsort(1), lambda t: t.argsort(1), x)
    check(lambda t: t.topk(2), lambda t: t.topk(2), x)
    check(lambda t: t.topk(2, dim=0, largest=False), lambda t: t.topk(2, dim=0, largest=False),
          x)
    check(lambda t: t.median(), lambda t: t.median(), x)
    check(lambda t: t.median(1), lambda t: t.median(1), x)
    check(lambda t: t.kthvalue(2, 1), lambda t: t.kthvalue(2, 1), x)
    check(lambda t: pl.count_nonzero(t > 0), lambda t: __import__("torch").count_nonzero(t > 0),
          x)
    y = np.array([[1.0, np.nan, 2.0]], dtype=np.float32)
    check(lambda t: t.nansum(), lambda t: t.nansum(), y)
    check(lambda t: t.nanmean(1), lambda t: t.nanmean(1), y)


def test_reduction_bad_dim():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        pl.zeros(2, 3).sum(2)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("kw", [dict(q=0.3), dict(q=[0.0, 0.5, 0.9], dim=1),
                                dict(q=0.5, dim=0, keepdim=True),
                                dict(q=[0.25, 0.75], keepdim=True)])
def test_quantile_values_and_gradients(interpolation, kw):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    kw = dict(kw)
    q = kw.pop("q")
    qa = np.array(q, np.float32) if isinstance(q, list) else q

    def f(lib):
        def run(t, *qs):
            return lib.quantile(t, qs[0] if qs else q, interpolation=interpolation, **kw)
        return run
    extra = (qa,) if isinstance(q, list) else ()
    # q is an input tensor when a list; its gradient is not part of the check.
    check(lambda t, *qs: f(pl)(t, *[s.detach() for s in qs]),
          None if parity.torch is None else
          (lambda t, *qs: f(parity.torch)(t, *[s.detach() for s in qs])), x, *extra)


def test_nanquantile_and_quantile_errors():
    x = rng.standard_normal((3, 6)).astype(np.float32)
    x[0, 1] = np.nan
    x[2, :] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.nanquantile(x, 0.4, axis=1)  # an all-NaN row gives NaN, as in torch
    np.testing.assert_allclose(pl.nanquantile(pl.tensor(x), 0.4, dim=1).numpy(), ref,
                               rtol=1e-6)
    if parity.torch is not None:
        check(lambda t: pl.nanquantile(t, 0.4, dim=1),
              lambda t: parity.torch.nanquantile(t, 0.4, dim=1), x, grad=False)
        check(lambda t: pl.quantile(t, 0.4, dim=1),
              lambda t: parity.torch.quantile(t, 0.4, dim=1), x, grad=False)
    with pytest.raises(RuntimeError, match=r"q values must be in the range \[0, 1\]"):
        pl.quantile(pl.tensor(x), 1.5)
    with pytest.raises(RuntimeError, match="input tensor must be either float or double"):
        pl.quantile(pl.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="interpolation must be one of"):
        pl.quantile(pl.tensor(x), 0.5, interpolation="cubic")


EMPTY_CASES = [
    "max(dim=0)", "min(-2, keepdim=True)", "argmax(0)", "argmin(dim=-2)", "argmax()",
    "argmin()", "max()", "amax()", "amax((0, 1))", "amin(dim=-2)", "amin((1, -2))",
    "amax(1)", "aminmax()", "aminmax(dim=-2)", "aminmax(dim=1)", "median()", "median(-2)",
    "median(1)", "nanmedian()", "nanmedian(-2)", "mode(0)", "kthvalue(1, -2)", "cummax(0)",
    "cummin(1)", "max(1)", "logsumexp(0)",
]


@pytest.mark.parametrize("call", EMPTY_CASES)
def test_reductions_over_an_empty_dimension(call):
    # torch's result, or its exception type and message, for a (0, 3) input.
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, pl):
        try:
            out = eval("x." + call, {"x": lib.ones(0, 3)})  # noqa: S307
        except (IndexError, RuntimeError) as e:
            results.append((type(e).__name__, str(e)))
        else:
            outs = out if isinstance(out, tuple) else (out,)
            results.append([(tuple(o.shape), np.asarray(o.tolist(), dtype=float))
                            for o in outs])
    theirs, ours = results
    if isinstance(theirs, tuple):
        assert ours == theirs
    else:
        assert [s for s, _ in ours] == [s for s, _ in theirs]
        for (_, a), (_, b) in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)  # NaN equals NaN here


def test_cummax_over_an_empty_dimension_has_a_gradient():
    x = pl.ones(2, 0, requires_grad=True)
    v, i = x.cummax(1)
    v.sum().backward()
    assert v.shape == (2, 0) and i.dtype == pl.int64 and x.grad.shape == (2, 0)


@pytest.mark.parametrize("call", ["softmax(0)", "softmax(1)", "log_softmax(0)",
                                  "log_softmax(-1)", "softmax(1, dtype={lib}.float64)"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_softmax_of_integers_is_refused_as_in_torch(call, dtype):
    # torch has no integer softmax kernel: NotImplementedError naming it, unless dtype= asks
    # for a float.
    torch = pytest.importorskip("torch")
    results = []
    for lib, name in ((torch, "torch"), (pl, "pl")):
        x = lib.tensor([[1, 0, 2]], dtype=getattr(lib, dtype))
        try:
            out = eval("x." + call.format(lib=name), {"x": x, "torch": torch, "pl": pl})  # noqa: S307
        except NotImplementedError as e:
            results.append(str(e))
        else:
            results.append(np.asarray(out.tolist()))
    if isinstance(results[0], str):
        assert results[1] == results[0]
    else:
        np.testing.assert_allclose(results[1], results[0], rtol=1e-6)
