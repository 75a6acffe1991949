"""nn.init and default layer inits: the distributions torch's formulas give (bounds, means,
standard deviations, checked statistically), the global generator, and torch's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as pnn
from pytorch_like.nn import init


def _a(t) -> np.ndarray:
    return np.asarray(t.detach(), dtype=np.float64)


def _check_uniform(x: np.ndarray, bound: float) -> None:
    n = x.size
    assert np.abs(x).max() <= bound * (1 + 1e-6)
    assert np.abs(x).max() > bound * 0.95  # it reaches the bound, not a narrower range
    # mean 0, std bound/sqrt(3); 6-sigma tolerances on the sample statistics
    assert abs(x.mean()) < 6 * bound / math.sqrt(3 * n)
    assert abs(x.std() - bound / math.sqrt(3)) < 6 * bound / math.sqrt(n) * 0.3


def _check_normal(x: np.ndarray, std: float, mean: float = 0.0) -> None:
    n = x.size
    assert abs(x.mean() - mean) < 6 * std / math.sqrt(n)
    assert abs(x.std() - std) < 6 * std / math.sqrt(2 * n)


def test_linear_default_init_matches_torch_formula():
    pl.manual_seed(0)
    m = pnn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) and the bias rule
    _check_uniform(_a(m.weight), bound)
    _check_uniform(_a(m.bias), bound)


@pytest.mark.slow
def test_conv_default_init_matches_torch_formula():
    pl.manual_seed(1)
    m = pnn.Conv2d(16, 64, 5, groups=2)
    fan_in = 8 * 25
    _check_uniform(_a(m.weight), 1 / math.sqrt(fan_in))
    t = pnn.ConvTranspose2d(32, 16, 3)  # weight (in, out, k, k): fan_in = out * k * k
    _check_uniform(_a(t.weight), 1 / math.sqrt(16 * 9))


def test_fresh_layer_statistics_match_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    pl.manual_seed(0)
    for ctor in [lambda nn: nn.Linear(300, 200), lambda nn: nn.Conv2d(8, 32, 3),
                 lambda nn: nn.Embedding(500, 64), lambda nn: nn.Bilinear(20, 30, 40)]:
        ours, theirs = ctor(pnn), ctor(torch.nn)
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            a, b = _a(p), q.detach().numpy().astype(np.float64)
            n = a.size
            # sampling noise: ~1/sqrt(n) for the mean, ~1/sqrt(2n) relative for the std
            assert abs(a.mean() - b.mean()) < 8 * b.std() / math.sqrt(n), name
            rel = 6 / math.sqrt(2 * n)
            assert abs(a.std() - b.std()) < rel * b.std(), name
            if not isinstance(ours, pnn.Embedding):  # uniform: same bound
                assert abs(np.abs(a).max() - np.abs(b).max()) < 5 * rel * np.abs(b).max(), name


def test_embedding_and_norm_defaults():
    pl.manual_seed(2)
    e = pnn.Embedding(2000, 16, padding_idx=3)
    w = _a(e.weight)
    assert np.all(w[3] == 0)
    _check_normal(np.delete(w, 3, axis=0), 1.0)
    bn = pnn.BatchNorm2d(5)
    np.testing.assert_array_equal(_a(bn.weight), np.ones(5))
    np.testing.assert_array_equal(_a(bn.bias), np.zeros(5))
    np.testing.assert_array_equal(_a(bn.running_var), np.ones(5))
    ln = pnn.LayerNorm((2, 3))
    np.testing.assert_array_equal(_a(ln.weight), np.ones((2, 3)))
    np.testing.assert_array_equal(_a(pnn.PReLU(4).weight), np.full(4, 0.25))


@pytest.mark.parametrize("nonlinearity,param,expected", [
    ("linear", None, 1), ("conv2d", None, 1), ("sigmoid", None, 1), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75)])
def test_calculate_gain(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


def test_calculate_gain_and_fan_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(pl.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(pl.empty(3, 3), mode="fan_avg")
    assert init._calculate_fan_in_and_fan_out(pl.empty(8, 4, 3, 3)) == (36, 72)


def test_schemes_statistics():
    pl.manual_seed(3)
    w = pl.empty(300, 500)
    init.xavier_uniform_(w, gain=2.0)
    _check_uniform(_a(w), 2.0 * math.sqrt(6 / 800))
    init.xavier_normal_(w)
    _check_normal(_a(w), math.sqrt(2 / 800))
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    _check_normal(_a(w), math.sqrt(2) / math.sqrt(300))
    init.kaiming_uniform_(w, a=0, nonlinearity="relu")
    _check_uniform(_a(w), math.sqrt(2) * math.sqrt(3 / 500))
    init.normal_(w, 2.0, 0.5)
    _check_normal(_a(w), 0.5, 2.0)
    init.uniform_(w, -3.0, -1.0)
    x = _a(w)
    assert x.min() >= -3.0 and x.max() <= -1.0 and abs(x.mean() + 2) < 0.01
    init.trunc_normal_(w, mean=1.0, std=2.0, a=-1.0, b=2.0)
    x = _a(w)
    assert x.min() >= -1.0 and x.max() <= 2.0 and x.min() < -0.99 and x.max() > 1.99
    init.constant_(w, 0.3)
    assert np.all(_a(w) == np.float32(0.3))
    init.zeros_(w)
    assert np.all(_a(w) == 0)
    init.ones_(w)
    assert np.all(_a(w) == 1)
    e = pl.empty(3, 5)
    init.eye_(e)
    np.testing.assert_array_equal(_a(e), np.eye(3, 5))


@pytest.mark.slow
def test_orthogonal_and_dirac():
    pl.manual_seed(4)
    for shape in [(6, 10), (10, 6), (4, 2, 3)]:
        w = pl.empty(*shape)
        init.orthogonal_(w, gain=1.5)
        m = _a(w).reshape(shape[0], -1)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, 2.25 * np.eye(gram.shape[0]), atol=1e-5)
    c = pl.empty(4, 2, 3, 3)
    init.dirac_(c)
    y = pnn.functional.conv2d(pl.randn(1, 2, 5, 5), c, padding=1)
    assert tuple(y.shape) == (1, 4, 5, 5)


def test_init_is_in_place_under_no_grad_and_seeded():
    p = pnn.Parameter(pl.empty(50, 40))
    pl.manual_seed(7)
    out = init.kaiming_uniform_(p, a=math.sqrt(5))
    assert out is p and p.requires_grad and p.is_leaf and p.grad_fn is None
    first = _a(p).copy()
    pl.manual_seed(7)
    init.kaiming_uniform_(p, a=math.sqrt(5))
    np.testing.assert_array_equal(_a(p), first)
    pl.manual_seed(7)
    a = pnn.Linear(10, 10)
    pl.manual_seed(7)
    b = pnn.Linear(10, 10)
    np.testing.assert_array_equal(_a(a.weight), _a(b.weight))
    init.normal_(p)
    assert not np.array_equal(_a(p), first)
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(pl.empty(0, 3))
