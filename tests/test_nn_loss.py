"""Losses: every option's value and input gradient against torch (and jax.vjp), and errors.

Class weights are passed as constants (not differentiated): torch refuses to
differentiate with respect to them, so parity is only defined for the inputs.
"""

import itertools
import warnings

import jax
import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn.functional as F
from parity import check
from pytorch_like.nn.modules import loss as L

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch half of check() is skipped; direct uses importorskip
    torch = TF = None

rng = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def _matrix(fast, *axes):
    """Every combination of ``axes``; those not in ``fast`` are marked slow.

    Each distinct option set compiles its own forward and backward programs (about 0.8 s a
    case on 2 cores), so the default run covers every option at least once and the full
    cross product runs with the slow tests.
    """
    return [combo if combo in fast else pytest.param(*combo, marks=pytest.mark.slow)
            for combo in itertools.product(*axes)]


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _both(a):
    """The same constant array as (ours, torch's) tensors (torch's None without torch)."""
    if a is None:
        return None, None
    return pl.tensor(a), (torch.tensor(a) if torch is not None else None)


def _tf(name):
    return getattr(TF, name) if TF is not None else None


def _pair(name, **kw):
    """(ours, torch's) functions calling loss ``name`` with keyword args; tensors converted."""
    ours_kw = {k: (_both(v)[0] if isinstance(v, np.ndarray) else v) for k, v in kw.items()}

    def ours(*xs):
        return getattr(F, name)(*xs, **ours_kw)

    if TF is None:
        return ours, None
    th_kw = {k: (_both(v)[1] if isinstance(v, np.ndarray) else v) for k, v in kw.items()}

    def theirs(*xs):
        return _tf(name)(*xs, **th_kw)
    return ours, theirs


# -- cross_entropy ----------------------------------------------------------------------
@pytest.mark.parametrize("reduction,weighted,label_smoothing", _matrix(
    {("mean", True, 0.15), ("sum", False, 0.0), ("none", True, 0.15)},
    REDUCTIONS, [False, True], [0.0, 0.15]))
def test_cross_entropy_class_indices(reduction, weighted, label_smoothing):
    x = _f32(6, 5)
    target = np.array([1, 0, 4, -100, 2, 4], dtype=np.int64)
    w = rng.random(5).astype(np.float32) + 0.5 if weighted else None
    ours, theirs = _pair("cross_entropy", weight=w, reduction=reduction,
                         label_smoothing=label_smoothing)
    check(lambda a: ours(a, pl.tensor(target)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(target))), x)


@pytest.mark.parametrize("reduction,label_smoothing", _matrix(
    {("mean", 0.2)}, REDUCTIONS, [0.0, 0.2]))
def test_cross_entropy_spatial_with_ignore_index(reduction, label_smoothing):
    x = _f32(2, 4, 3, 5)  # (N, C, d1, d2)
    target = rng.integers(0, 4, (2, 3, 5)).astype(np.int64)
    target[0, 1, :2] = 3
    w = np.array([1.0, 2.0, 0.5, 1.5], np.float32)
    ours, theirs = _pair("cross_entropy", weight=w, ignore_index=3, reduction=reduction,
                         label_smoothing=label_smoothing)
    check(lambda a: ours(a, pl.tensor(target)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(target))), x)


@pytest.mark.parametrize("reduction,weighted,label_smoothing", _matrix(
    {("mean", True, 0.3), ("none", False, 0.0)}, REDUCTIONS, [False, True], [0.0, 0.3]))
def test_cross_entropy_probability_targets(reduction, weighted, label_smoothing):
    x = _f32(4, 6)
    p = rng.random((4, 6)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    w = rng.random(6).astype(np.float32) + 0.5 if weighted else None
    ours, theirs = _pair("cross_entropy", weight=w, reduction=reduction,
                         label_smoothing=label_smoothing)
    # The target is differentiable too (torch supports it for probability targets).
    check(ours, theirs, x, p)


@pytest.mark.slow
def test_cross_entropy_probability_targets_spatial():
    x, p = _f32(2, 3, 4), rng.random((2, 3, 4)).astype(np.float32)
    ours, theirs = _pair("cross_entropy")
    check(ours, theirs, x, p)


def test_cross_entropy_unbatched_and_byte_target():
    ours, theirs = _pair("cross_entropy")
    check(lambda a: ours(a, pl.tensor(3)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(3))), _f32(5))
    t = np.array([0, 2, 1], np.uint8)
    check(lambda a: ours(a, pl.tensor(t)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(t))), _f32(3, 4))


def test_cross_entropy_all_ignored_mean_is_nan():
    out = F.cross_entropy(pl.tensor(_f32(3, 4)), pl.tensor([-100, -100, -100]))
    assert np.isnan(out.item())


def test_cross_entropy_is_one_op_and_dtype():
    x = pl.tensor(_f32(3, 4), requires_grad=True)
    out = F.cross_entropy(x, pl.tensor([0, 1, 3]))
    assert out.dtype is pl.float32 and out.shape == ()
    assert out.grad_fn.name() == "NllLossBackward0"
    assert out.grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"


# -- nll_loss ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduction,weighted", _matrix(
    {("mean", True)}, REDUCTIONS, [False, True]))
def test_nll_loss(reduction, weighted):
    x = _f32(5, 4)
    target = np.array([3, 0, 1, 1, 2], np.int64)
    w = rng.random(4).astype(np.float32) + 0.5 if weighted else None
    ours, theirs = _pair("nll_loss", weight=w, ignore_index=1, reduction=reduction)
    check(lambda a: ours(a, pl.tensor(target)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(target))), x)


@pytest.mark.parametrize("shape", [pytest.param((2, 3, 4), marks=pytest.mark.slow),
                                   (2, 3, 4, 5),
                                   pytest.param((2, 3, 2, 2, 2), marks=pytest.mark.slow)])
def test_nll_loss_nd(shape):
    x = _f32(*shape)
    target = rng.integers(0, 3, (shape[0],) + shape[2:]).astype(np.int64)
    ours, theirs = _pair("nll_loss")
    out = check(lambda a: ours(a, pl.tensor(target)),
                None if theirs is None else (lambda a: theirs(a, torch.tensor(target))), x)
    if len(shape) == 4:
        x_ = pl.tensor(x, requires_grad=True)
        assert F.nll_loss(x_, pl.tensor(target)).grad_fn.name() == "NllLoss2DBackward0"
    assert out[0].shape == ()


def test_nll_loss_weight_gradient():
    # A deliberate extension: torch refuses to differentiate with respect to ``weight``;
    # here its gradient is jax's, checked against a plain jax formula.
    x = np.log(rng.dirichlet(np.ones(4), 5)).astype(np.float32)
    t = np.array([0, 1, 2, 3, 1])
    w = (rng.random(4) + 0.5).astype(np.float32)
    pw, px = pl.tensor(w, requires_grad=True), pl.tensor(x, requires_grad=True)
    F.nll_loss(px, pl.tensor(t), weight=pw).backward()

    def ref(xa, wa):
        wt = wa[t]
        return -(xa[np.arange(5), t] * wt).sum() / wt.sum()

    gx, gw = jax.grad(ref, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(pw.grad.numpy(), gw, atol=1e-6)
    np.testing.assert_allclose(px.grad.numpy(), gx, atol=1e-6)


# -- regression losses ------------------------------------------------------------------
_REGRESSION = [("mse_loss", ()), ("l1_loss", ()), ("smooth_l1_loss", ()),
               ("smooth_l1_loss", (("beta", 0.3),)), ("smooth_l1_loss", (("beta", 0.0),)),
               ("huber_loss", ()), ("huber_loss", (("delta", 0.4),))]


@pytest.mark.parametrize("case,reduction", _matrix(
    {(_REGRESSION[0], "none"), (_REGRESSION[3], "mean"), (_REGRESSION[6], "sum")},
    _REGRESSION, REDUCTIONS))
def test_regression_losses(case, reduction):
    name, kw = case
    x, y = _f32(4, 5), _f32(4, 5)
    ours, theirs = _pair(name, reduction=reduction, **dict(kw))
    check(ours, theirs, x, y)  # gradients for input and target


@pytest.mark.parametrize("name,reduction", _matrix(
    {("mse_loss", "mean"), ("huber_loss", "mean")},
    ["mse_loss", "l1_loss", "huber_loss"], REDUCTIONS))
def test_regression_losses_with_weight(name, reduction):
    x, y = _f32(3, 4), _f32(3, 4)
    w = rng.random((3, 4)).astype(np.float32)
    ours, theirs = _pair(name, reduction=reduction, weight=w)
    check(ours, theirs, x, y)


def test_mse_loss_target_size_warns_and_broadcasts():
    x, y = _f32(3, 5), _f32(5)
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[5\]\)\) that is "
                      r"different to the input size \(torch.Size\(\[3, 5\]\)\)"):
        ours, theirs = _pair("mse_loss")
        check(ours, theirs, x, y)
    with pytest.raises(RuntimeError, match="must match the size of tensor b"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        F.mse_loss(pl.tensor(x), pl.tensor(_f32(4)))


@pytest.mark.slow
def test_mse_loss_integer_target_promotes():
    x = _f32(2, 3)
    t = np.ones((2, 3), np.int64)
    ours, theirs = _pair("mse_loss")
    check(lambda a: ours(a, pl.tensor(t)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(t))), x)


# -- binary cross entropy ---------------------------------------------------------------
@pytest.mark.parametrize("reduction,weighted", _matrix(
    {("mean", True)}, REDUCTIONS, [False, True]))
def test_binary_cross_entropy(reduction, weighted):
    p = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    y = rng.random((4, 3)).astype(np.float32)
    w = rng.random(3).astype(np.float32) if weighted else None  # broadcast over rows
    ours, theirs = _pair("binary_cross_entropy", weight=w, reduction=reduction)
    check(ours, theirs, p, y, atol=1e-5, rtol=1e-4)


def test_binary_cross_entropy_saturated_matches_torchs_gradient():
    # torch clamps the log at -100 and its gradient's denominator at 1e-12: inputs of exactly
    # 0 or 1 give finite gradients (a plain jax derivative of the clamped formula gives NaN).
    p = np.array([0.0, 1.0, 0.5, 1.0, 0.0], np.float32)
    y = np.array([1.0, 0.0, 0.3, 1.0, 0.0], np.float32)
    ours, theirs = _pair("binary_cross_entropy", reduction="sum")
    x = pl.tensor(p, requires_grad=True)
    out = ours(x, pl.tensor(y))
    assert out.item() == pytest.approx(200.0 + 0.6931472, rel=1e-5)
    out.backward()
    g = x.grad.numpy()
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [-1e12, 1e12, 0.8, 0.0, 0.0], rtol=1e-5)
    if torch is not None:
        tx = torch.tensor(p, requires_grad=True)
        theirs(tx, torch.tensor(y)).backward()
        np.testing.assert_allclose(g, tx.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("reduction,weighted,pos_weighted", _matrix(
    {("mean", True, True)}, REDUCTIONS, [False, True], [False, True]))
def test_binary_cross_entropy_with_logits(reduction, weighted, pos_weighted):
    x = (_f32(4, 3) * 4).astype(np.float32)
    x[0, 0], x[1, 1] = 60.0, -60.0  # large logits stay finite
    y = rng.random((4, 3)).astype(np.float32)
    w = rng.random((4, 3)).astype(np.float32) if weighted else None
    pw = rng.random(3).astype(np.float32) * 3 if pos_weighted else None
    ours, theirs = _pair("binary_cross_entropy_with_logits", weight=w, pos_weight=pw,
                         reduction=reduction)
    check(ours, theirs, x, y)


# -- kl_div -----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction,log_target", _matrix(
    {("batchmean", False), ("sum", True)},
    ["mean", "sum", "none", "batchmean"], [False, True]))
def test_kl_div(reduction, log_target):
    x = np.log(rng.dirichlet(np.ones(5), 3)).astype(np.float32)
    t = rng.dirichlet(np.ones(5), 3).astype(np.float32)
    if log_target:
        t = np.log(t)
    ours, theirs = _pair("kl_div", reduction=reduction, log_target=log_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(ours, theirs, x, t)


def test_kl_div_mean_warns_and_zero_target():
    x = pl.tensor(np.log(np.full((2, 3), 1 / 3, np.float32)))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, pl.tensor(np.zeros((2, 3), np.float32)))
    # 0 * log 0 is taken as 0.
    out = F.kl_div(x, pl.tensor(np.array([[1.0, 0, 0], [0, 0, 1.0]], np.float32)),
                   reduction="batchmean")
    assert out.item() == pytest.approx(np.log(3), rel=1e-6)


def _t(*shape):
    """A float tensor from numpy (no compiled creation op: these tests only check errors)."""
    return pl.tensor(rng.random(shape).astype(np.float32))


def _i(*shape):
    return pl.tensor(np.zeros(shape, np.int64))


# -- errors in torch's words ------------------------------------------------------------
def test_cross_entropy_target_out_of_bounds():
    x = _t(3, 5)
    with pytest.raises(IndexError, match=r"^Target 10 is out of bounds\.$"):
        F.cross_entropy(x, pl.tensor([0, 10, 1]))
    with pytest.raises(IndexError, match=r"^Target -1 is out of bounds\.$"):
        F.cross_entropy(x, pl.tensor([0, -1, 1]))
    with pytest.raises(IndexError, match=r"^Target 7 is out of bounds\.$"):
        F.nll_loss(_t(2, 3, 4), pl.tensor([[0, 1, 2, 7], [0, 0, 0, 0]]))
    # ignore_index itself is never out of range
    F.cross_entropy(x, pl.tensor([0, 99, 1]), ignore_index=99)


def test_cross_entropy_range_check_skipped_under_tracing():
    def pure(xa, ta):
        out = F.cross_entropy(pl.Tensor._wrap(xa), pl.Tensor._wrap(ta, pl.int64))
        return out._data

    # The target is a tracer: no eager check, no error at trace time.
    val = jax.jit(pure)(np.zeros((2, 3), np.float32), np.array([0, 2], np.int32))
    assert np.isclose(float(val), np.log(3), rtol=1e-6)


@pytest.mark.parametrize("dtype,name", [(np.float32, "Float"), (np.int32, "Int")])
def test_cross_entropy_wrong_target_dtype(dtype, name):
    target = pl.tensor(np.array([0, 1, 1], dtype))
    with pytest.raises(RuntimeError,
                       match=f"^expected target dtype to be Long or Byte, but got {name}$"):
        F.cross_entropy(_t(3, 5), target)
    with pytest.raises(RuntimeError, match=f"but got {name}$"):
        F.nll_loss(_t(3, 5), target)


def test_cross_entropy_shape_errors():
    x = _t(3, 5)
    msg = r"^Expected input batch_size \(3\) to match target batch_size \(4\)\.$"
    with pytest.raises(ValueError, match=msg):
        F.cross_entropy(x, pl.tensor([0, 1, 1, 2]))
    with pytest.raises(ValueError, match=msg):
        F.nll_loss(x, pl.tensor([0, 1, 1, 2]))
    with pytest.raises(ValueError, match=msg):
        F.cross_entropy(x, _t(4, 5))
    with pytest.raises(RuntimeError, match=r"^Expected target size \[2, 4\], got \[2, 3\]$"):
        F.nll_loss(_t(2, 3, 4), _i(2, 3))
    with pytest.raises(RuntimeError, match=r"^size mismatch \(got input: \[2, 3, 4, 5\] , "
                       r"target: \[2, 4, 4\]$"):
        F.nll_loss(_t(2, 3, 4, 5), _i(2, 4, 4))
    with pytest.raises(RuntimeError, match="only batches of spatial targets supported"):
        F.nll_loss(_t(2, 3, 4, 5), _i(2, 4, 5, 1))
    with pytest.raises(ValueError, match=r"^Expected 1 or more dimensions \(got 0\)$"):
        F.nll_loss(_t(), pl.tensor(1))
    with pytest.raises(RuntimeError, match="^Expected floating point type for target with class "
                       "probabilities, got Long$"):
        F.cross_entropy(x, _i(3, 5))


def test_cross_entropy_argument_errors():
    x, t = _t(3, 5), pl.tensor([0, 1, 1])
    with pytest.raises(RuntimeError, match=r"^weight tensor should be defined either for all 5 "
                       r"classes or no classes but got weight tensor of shape: \[4\]$"):
        F.cross_entropy(x, t, weight=_t(4))
    with pytest.raises(RuntimeError, match=r"^label_smoothing must be between 0\.0 and 1\.0\. "
                       r"Got: 1\.5$"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match="^foo is not a valid value for reduction$"):
        F.cross_entropy(x, t, reduction="foo")
    with pytest.raises(ValueError, match="^bad is not a valid value for reduction$"):
        F.mse_loss(x, x, reduction="bad")


def test_other_loss_errors():
    with pytest.raises(ValueError, match=r"^Using a target size \(torch.Size\(\[3\]\)\) that is "
                       r"different to the input size \(torch.Size\(\[3, 1\]\)\) is deprecated"):
        F.binary_cross_entropy(_t(3, 1), _t(3))
    with pytest.raises(ValueError, match=r"^Target size \(torch.Size\(\[3\]\)\) must be the "
                       r"same as input size \(torch.Size\(\[3, 1\]\)\)$"):
        F.binary_cross_entropy_with_logits(_t(3, 1), _t(3))
    with pytest.raises(RuntimeError, match="^smooth_l1_loss does not support negative values "
                       "for beta.$"):
        F.smooth_l1_loss(_t(3), _t(3), beta=-1.0)
    with pytest.raises(RuntimeError, match="^huber_loss does not support non-positive values "
                       "for delta.$"):
        F.huber_loss(_t(3), _t(3), delta=0.0)
    with pytest.raises(ValueError, match="^Weights and input must have the same size.$"):
        F.mse_loss(_t(3), _t(3), weight=_t(2))


def test_legacy_size_average_reduce():
    x, y = _f32(3, 4), _f32(3, 4)
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        out = F.mse_loss(pl.tensor(x), pl.tensor(y), size_average=False)
    np.testing.assert_allclose(out.item(), ((x - y) ** 2).sum(), rtol=1e-5)
    with pytest.warns(UserWarning, match="reduction='none'"):
        out = F.l1_loss(pl.tensor(x), pl.tensor(y), reduce=False)
    assert out.shape == (3, 4)


# -- modules ----------------------------------------------------------------------------
def _module_pair(name, **kw):
    ours = getattr(L, name)(**{k: (pl.tensor(v) if isinstance(v, np.ndarray) else v)
                               for k, v in kw.items()})
    if torch is None:
        return ours, None
    theirs = getattr(torch.nn, name)(**{k: (torch.tensor(v) if isinstance(v, np.ndarray) else v)
                                        for k, v in kw.items()})
    return ours, theirs


@pytest.mark.parametrize("name,kw", [
    ("CrossEntropyLoss", {"weight": np.array([1.0, 2.0, 0.5, 1.0], np.float32),
                          "ignore_index": 2, "label_smoothing": 0.1}),
    pytest.param("CrossEntropyLoss", {"reduction": "sum"}, marks=pytest.mark.slow),
    pytest.param("NLLLoss", {"weight": np.array([1.0, 2.0, 0.5, 1.0], np.float32),
                             "reduction": "none"}, marks=pytest.mark.slow),
])
def test_classification_loss_modules(name, kw):
    ours, theirs = _module_pair(name, **kw)
    x = _f32(5, 4)
    t = np.array([0, 3, 2, 1, 1], np.int64)
    check(lambda a: ours(a, pl.tensor(t)),
          None if theirs is None else (lambda a: theirs(a, torch.tensor(t))), x)


_slow = pytest.mark.slow


@pytest.mark.parametrize("name,kw", [
    pytest.param("MSELoss", {}, marks=_slow),
    pytest.param("L1Loss", {"reduction": "sum"}, marks=_slow),
    pytest.param("SmoothL1Loss", {"beta": 0.5}, marks=_slow),
    pytest.param("HuberLoss", {"delta": 0.5, "reduction": "none"}, marks=_slow),
    pytest.param("KLDivLoss", {"reduction": "batchmean"}, marks=_slow),
    ("KLDivLoss", {"log_target": True, "reduction": "sum"}),
    ("BCEWithLogitsLoss", {"pos_weight": np.array([2.0, 0.5, 1.0], np.float32)}),
    pytest.param("BCEWithLogitsLoss", {"weight": np.array([2.0, 0.5, 1.0], np.float32),
                                       "reduction": "sum"}, marks=_slow),
])
def test_pair_loss_modules(name, kw):
    ours, theirs = _module_pair(name, **kw)
    check(ours, theirs, _f32(4, 3), rng.random((4, 3)).astype(np.float32))


@pytest.mark.slow
def test_bce_loss_module():
    ours, theirs = _module_pair("BCELoss", weight=np.array([1.0, 3.0], np.float32))
    check(ours, theirs, rng.uniform(0.1, 0.9, (3, 2)).astype(np.float32),
          rng.random((3, 2)).astype(np.float32), rtol=1e-4)


def test_loss_module_state_and_repr():
    m = L.CrossEntropyLoss(weight=pl.ones(3))
    assert list(m.state_dict()) == ["weight"]
    assert repr(m) == "CrossEntropyLoss()"
    assert m.reduction == "mean" and m.ignore_index == -100 and m.label_smoothing == 0.0
    m = L.BCEWithLogitsLoss(pos_weight=pl.ones(2))
    assert list(m.state_dict()) == ["pos_weight"]
    assert list(L.MSELoss().state_dict()) == []
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert L.MSELoss(size_average=False).reduction == "sum"
    if torch is not None:
        for name in L.__all__:
            args = (4, 3) if name == "LinearCrossEntropyLoss" else ()  # needs its sizes
            assert list(getattr(L, name)(*args).state_dict()) == \
                list(getattr(torch.nn, name)(*args).state_dict())
