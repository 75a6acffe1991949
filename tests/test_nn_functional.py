"""nn.functional ops against torch and jax.vjp (tests/parity.py), dropout's statistics and
seeding, and the functional errors with torch's types and wording."""

from __future__ import annotations

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch half of check() is skipped
    torch = TF = None

rng = np.random.default_rng(0)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _tf(name):
    return None if TF is None else getattr(TF, name)


def test_linear_and_bilinear():
    check(F.linear, _tf("linear"), _r(4, 3, 5), _r(2, 5), _r(2))
    check(lambda x, w: F.linear(x, w), _tf("linear"), _r(4, 5), _r(2, 5))
    check(F.bilinear, _tf("bilinear"), _r(3, 4), _r(3, 5), _r(2, 4, 5), _r(2))


@pytest.mark.slow
def test_conv_family():
    check(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=1, groups=2),
          None if TF is None else
          (lambda x, w, b: TF.conv2d(x, w, b, stride=2, padding=1, dilation=1, groups=2)),
          _r(2, 4, 7, 6), _r(6, 2, 3, 3), _r(6), atol=1e-5)
    check(lambda x, w: F.conv1d(x, w, padding="same", dilation=2),
          None if TF is None else (lambda x, w: TF.conv1d(x, w, padding="same", dilation=2)),
          _r(2, 3, 9), _r(4, 3, 3))
    check(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
          None if TF is None else
          (lambda x, w, b: TF.conv_transpose2d(x, w, b, stride=2, padding=1,
                                               output_padding=1)),
          _r(2, 3, 4, 5), _r(3, 2, 3, 3), _r(2))


@pytest.mark.slow
def test_pooling():
    x = _r(2, 3, 9, 8)
    check(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
          None if TF is None else (lambda x: TF.max_pool2d(x, 3, 2, 1, ceil_mode=True)), x)
    check(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
          None if TF is None else
          (lambda x: TF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)), x)
    check(lambda x: F.adaptive_avg_pool2d(x, (4, 3)),
          None if TF is None else (lambda x: TF.adaptive_avg_pool2d(x, (4, 3))), x)
    check(lambda x: F.adaptive_max_pool2d(x, (2, 3)),
          None if TF is None else (lambda x: TF.adaptive_max_pool2d(x, (2, 3))), x)


@pytest.mark.slow
def test_normalization_functions():
    x = _r(4, 6, 5)
    check(lambda x, w, b: F.layer_norm(x, (5,), w, b),
          None if TF is None else (lambda x, w, b: TF.layer_norm(x, (5,), w, b)),
          x, _r(5), _r(5), atol=1e-5)
    check(lambda x, w, b: F.group_norm(x, 3, w, b),
          None if TF is None else (lambda x, w, b: TF.group_norm(x, 3, w, b)),
          x, _r(6), _r(6), atol=1e-5)
    rm, rv = _r(6), np.abs(_r(6)) + 0.5
    check(lambda x, m, v, w, b: F.batch_norm(x, m.detach(), v.detach(), w, b, False),
          None if TF is None else
          (lambda x, m, v, w, b: TF.batch_norm(x, m.detach(), v.detach(), w, b, False)),
          x, rm, rv, _r(6), _r(6), atol=1e-5)
    check(lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
          None if TF is None else (lambda x, w, b: TF.batch_norm(x, None, None, w, b, True)),
          x, _r(6), _r(6), atol=1e-5)
    check(lambda x: F.normalize(x, dim=1),
          None if TF is None else (lambda x: TF.normalize(x, dim=1)), x)
    check(lambda x: F.normalize(x, p=1.0, dim=-1),
          None if TF is None else (lambda x: TF.normalize(x, p=1.0, dim=-1)), x)


@pytest.mark.parametrize("name,kwargs", [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {}),
    ("selu", {}), ("celu", {"alpha": 0.5}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("silu", {}), ("mish", {}), ("sigmoid", {}), ("tanh", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 0.7}), ("hardsigmoid", {}), ("hardswish", {}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}), ("softsign", {}), ("softshrink", {}),
    ("hardshrink", {}), ("tanhshrink", {}), ("logsigmoid", {}), ("glu", {"dim": 1}),
    ("softmax", {"dim": 1}), ("softmin", {"dim": 0}), ("log_softmax", {"dim": -1})])
def test_activation_matches_torch(name, kwargs):
    x = _r(4, 6) * 3
    check(lambda x: getattr(F, name)(x, **kwargs),
          None if TF is None else (lambda x: getattr(TF, name)(x, **kwargs)), x, atol=1e-5)


@pytest.mark.slow
def test_activation_gradients_at_kinks_match_torch():
    x = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0], np.float32)
    for name, kw in [("relu", {}), ("relu6", {}), ("hardtanh", {}), ("leaky_relu", {}),
                     ("elu", {}), ("threshold", {"threshold": 0.5, "value": 2.0}),
                     ("hardsigmoid", {}), ("softshrink", {}), ("hardshrink", {})]:
        check(lambda x, name=name, kw=kw: getattr(F, name)(x, **kw),
              None if TF is None else
              (lambda x, name=name, kw=kw: getattr(TF, name)(x, **kw)), x)


@pytest.mark.slow
def test_prelu_embedding_pad_misc():
    check(F.prelu, _tf("prelu"), _r(2, 3, 4), np.array([0.1, 0.2, 0.3], np.float32))
    idx = np.array([[0, 2, 4], [4, 3, 2]])
    check(lambda w, i: F.embedding(i, w, padding_idx=4),
          None if TF is None else (lambda w, i: TF.embedding(i, w, padding_idx=4)),
          _r(5, 3), idx)
    x = _r(2, 3, 4, 5)
    for mode, pads in [("constant", (1, 2, -1, 1)), ("reflect", (2, 1, 1, 2)),
                       ("replicate", (1, 0, 2, 1)), ("circular", (1, 2, 2, 1))]:
        check(lambda x, pads=pads, mode=mode: F.pad(x, pads, mode=mode),
              None if TF is None else
              (lambda x, pads=pads, mode=mode: TF.pad(x, pads, mode=mode)), x)
    check(lambda x: F.pad(x, (1, 1), value=2.5),
          None if TF is None else (lambda x: TF.pad(x, (1, 1), value=2.5)), x)
    check(F.cosine_similarity, _tf("cosine_similarity"), _r(4, 5), _r(4, 5))
    check(F.pairwise_distance, _tf("pairwise_distance"), _r(4, 5), _r(4, 5))
    check(lambda x: F.pixel_shuffle(x, 2),
          None if TF is None else (lambda x: TF.pixel_shuffle(x, 2)), _r(1, 8, 2, 3))


def test_one_hot_is_int64_and_checks():
    out = F.one_hot(pl.tensor([0, 2, 1]))
    assert out.dtype == pl.int64 and tuple(out.shape) == (3, 3)
    np.testing.assert_array_equal(np.asarray(out), np.eye(3)[[0, 2, 1]])
    assert tuple(F.one_hot(pl.tensor([1]), 5).shape) == (1, 5)
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type Long"):
        F.one_hot(pl.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(pl.tensor([3]), 2)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(pl.tensor([-1]), 2)


# -- dropout -----------------------------------------------------------------------------
def test_dropout_train_zero_fraction_and_scaling():
    pl.manual_seed(0)
    x = pl.ones(200, 500)
    y = np.asarray(F.dropout(x, 0.3))
    zero = (y == 0).mean()
    assert abs(zero - 0.3) < 0.01  # 100k draws: sd ~ 0.0015
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02  # expectation preserved


def test_dropout_eval_is_identity_and_p_edges():
    x = pl.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    import pytorch_like.nn as pnn

    m = pnn.Dropout(0.5).eval()
    assert m(x) is x
    assert np.all(np.asarray(F.dropout(x, 1.0)) == 0)
    np.testing.assert_array_equal(np.asarray(F.dropout(x, 0.0)), np.asarray(x))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        F.dropout(x, 1.5)


def test_dropout_same_mask_under_same_seed_and_grad_uses_mask():
    x = pl.ones(64, 64, requires_grad=True)
    pl.manual_seed(123)
    a = F.dropout(x, 0.5)
    pl.manual_seed(123)
    b = F.dropout(x, 0.5)
    c = F.dropout(x, 0.5)
    np.testing.assert_array_equal(np.asarray(a.detach()), np.asarray(b.detach()))
    assert not np.array_equal(np.asarray(b.detach()), np.asarray(c.detach()))
    a.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.asarray(a.detach()))


def test_dropout2d_zeroes_whole_channels():
    pl.manual_seed(1)
    y = np.asarray(F.dropout2d(pl.ones(50, 40, 3, 3), 0.5))
    per_channel = y.reshape(50, 40, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert abs((per_channel[..., 0] == 0).mean() - 0.5) < 0.06


def test_inplace_relu_rebinds_and_leaf_error():
    x = pl.tensor([-1.0, 2.0])
    y = F.relu(x, inplace=True)
    assert y is x and np.asarray(x).tolist() == [0.0, 2.0]
    leaf = pl.tensor([-1.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(leaf, inplace=True)


# -- errors ------------------------------------------------------------------------------
def test_errors_match_torch():
    lib = [(pl, F)] + ([(torch, TF)] if torch is not None else [])

    def cases(t, f):
        return [
            lambda: f.linear(t.ones(2, 3), t.ones(5, 4)),
            lambda: f.linear(t.ones(2, 6, 3), t.ones(5, 4)),
            lambda: f.conv2d(t.ones(2, 3, 8, 8), t.ones(4, 1, 3, 3)),
            lambda: f.conv2d(t.ones(8, 8), t.ones(4, 1, 3, 3)),
            lambda: f.layer_norm(t.ones(2, 3), (4,)),
            lambda: f.group_norm(t.ones(2, 5, 3), 2),
            lambda: f.embedding(t.ones(3), t.ones(4, 2)),
            lambda: f.max_pool2d(t.ones(1, 1, 2, 2), 3),
            lambda: f.max_pool2d(t.ones(1, 1, 5, 5), 3, padding=2),
            lambda: f.pad(t.ones(2, 2), (1,)),
            lambda: f.pad(t.ones(2, 2), (1, 1, 1, 1, 1, 1)),
            lambda: f.glu(t.ones(2, 3), 1),
            lambda: f.batch_norm(t.ones(1, 3), None, None, training=True),
            lambda: f.batch_norm(t.ones(2, 4), t.zeros(3), t.ones(3)),
        ]

    ours = cases(*lib[0])
    theirs = cases(*lib[1]) if len(lib) > 1 else [None] * len(ours)
    for k, (o, t) in enumerate(zip(ours, theirs)):
        with pytest.raises(Exception) as eo:
            o()
        if t is not None:
            with pytest.raises(Exception) as et:
                t()
            assert type(eo.value) is type(et.value), k
            assert str(eo.value) == str(et.value), k


def test_module_construction_errors_match_torch():
    import pytorch_like.nn as pnn

    for ctor, exc, msg in [
        (lambda nn: nn.Conv2d(3, 4, 3, groups=2), ValueError,
         "in_channels must be divisible by groups"),
        (lambda nn: nn.Conv2d(4, 3, 3, groups=2), ValueError,
         "out_channels must be divisible by groups"),
        (lambda nn: nn.Conv2d(4, 4, 3, padding="same", stride=2), ValueError,
         "padding='same' is not supported for strided convolutions"),
        (lambda nn: nn.GroupNorm(2, 5), ValueError,
         r"num_channels \(5\) must be divisible by num_groups \(2\)"),
        (lambda nn: nn.Dropout(1.5), ValueError, "dropout probability has to be between"),
    ]:
        with pytest.raises(exc, match=msg):
            ctor(pnn)
        if torch is not None:
            with pytest.raises(exc, match=msg):
                ctor(torch.nn)
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        pnn.BatchNorm2d(3)(pl.ones(2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        pnn.BatchNorm1d(3)(pl.ones(1, 3))


def test_tiled_max_pool_fast_path_matches_reduce_window_with_ties():
    """The CPU fast path for non-overlapping pooling (a custom_vjp) gives the same values and
    the same first-maximum gradient as XLA's reduce_window, including tied windows."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    from pytorch_like.nn.functional import _tiled_max_pool

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.integers(0, 3, (2, 3, 7, 6)).astype(np.float32))  # many ties

    def ref(a):
        a = a[:, :, :6, :6]
        return lax.reduce_window(a, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    g = jnp.asarray(rng.standard_normal((2, 3, 3, 3)).astype(np.float32))
    out, pull = jax.vjp(lambda a: _tiled_max_pool(a, (2, 2)), x)
    out_ref, pull_ref = jax.vjp(ref, x)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(out_ref))
    np.testing.assert_array_equal(np.asarray(pull(g)[0]), np.asarray(pull_ref(g)[0]))
