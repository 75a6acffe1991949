"""3-D and ``_with_indices`` pooling, LP pooling, max unpooling, unfold/fold, channel shuffle
and fractional max pooling against torch: values and gradients through tests/parity.py,
errors with torch's types and wording, modules' reprs, and a compiled Conv3d+MaxPool3d
training step that equals eager mode."""

from __future__ import annotations

import copy
import re

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


def _fn(name, *args, **kw):
    """(ours, torch's) ``F.<name>(x, *args, **kw)``."""
    return (lambda x: getattr(F, name)(x, *args, **kw)), \
        (None if TF is None else (lambda x: getattr(TF, name)(x, *args, **kw)))


PARITY = [  # (function, input shape, args, kwargs)
    ("max_pool3d", (2, 2, 5, 6, 7), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("max_pool3d", (2, 5, 6, 7), ((2, 3, 2),), dict(dilation=(1, 2, 1), return_indices=True)),
    ("avg_pool3d", (2, 2, 5, 6, 7), (3,), dict(stride=2, padding=1, ceil_mode=True,
                                               count_include_pad=False)),
    ("avg_pool3d", (1, 2, 4, 5, 4), (2,), dict(stride=1, padding=1, divisor_override=3)),
    ("adaptive_avg_pool3d", (2, 2, 5, 6, 7), ((2, None, 3),), {}),
    ("adaptive_max_pool3d", (2, 5, 6, 7), ((2, 4, 3),), dict(return_indices=True)),
    ("adaptive_max_pool2d", (2, 5, 7), ((3, 4),), dict(return_indices=True)),
    ("unfold", (2, 3, 7, 6), (3,), dict(dilation=(2, 1), padding=1, stride=(1, 2))),
    ("unfold", (3, 8, 9), (4,), dict(stride=4)),  # patch extraction: the reshape path
    ("fold", (2, 18, 12), ((7, 6), (2, 3)), dict(dilation=(2, 1), padding=1, stride=2)),
    ("fold", (48, 4), ((9, 10), 4), dict(stride=4)),
    ("channel_shuffle", (2, 6, 3, 2), (3,), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", PARITY,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PARITY)])
def test_matches_torch(name, shape, args, kw):
    check(*_fn(name, *args, **kw), _r(*shape))


def test_lp_pool_matches_torch():
    x = np.abs(_r(2, 3, 5, 4, 5)) + 0.1  # a fractional power of a negative sum is NaN
    check(*_fn("lp_pool1d", 2, 3, stride=2, ceil_mode=True), x[0, :, 0])
    check(*_fn("lp_pool3d", 1.5, (2, 1, 2)), x)
    ours, theirs = _fn("lp_pool2d", float("inf"), 2)  # a max pool of |x|
    out = ours(pl.tensor(x[0]))
    if theirs is not None:
        np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x[0])).numpy())


def test_max_pool3d_gradient_goes_to_first_maximum_with_ties():
    # Integer-valued inputs with many equal values in each window, overlapping windows and
    # padding, both without and with indices (different code paths).
    x = rng.integers(0, 3, (1, 2, 4, 5, 4)).astype(np.float32)
    check(*_fn("max_pool3d", 2), x)
    check(*_fn("max_pool3d", 3, stride=1, padding=1, return_indices=True), x)


def test_adaptive_max_with_nan_picks_torch_index():
    # torch lets every NaN replace the running maximum: the last NaN of a bin wins.
    x = np.array([[[1.0, np.nan, 3.0, np.nan, 2.0, 0.0], [1, 5, 5, 2, 5, 0]]], np.float32)
    v, i = F.adaptive_max_pool1d(pl.tensor(x), 2, return_indices=True)
    assert i.tolist() == [[[1, 3], [1, 4]]]
    assert np.isnan(v.numpy()[0, 0]).all() and v.tolist()[0][1] == [5.0, 5.0]
    if torch is not None:
        assert TF.adaptive_max_pool1d(torch.tensor(x), 2, return_indices=True)[1].tolist() == \
            i.tolist()


def test_with_indices_variants_always_return_indices():
    x = pl.tensor(_r(2, 3, 6))
    for ours, same in [(F.max_pool1d_with_indices(x, 3, 2, return_indices=False),
                        F.max_pool1d(x, 3, 2, return_indices=True)),
                       (F.adaptive_max_pool1d_with_indices(x, 4),
                        F.adaptive_max_pool1d(x, 4, return_indices=True))]:
        assert len(ours) == 2 and ours[1].dtype == pl.int64
        assert pl.equal(ours[0], same[0]) and pl.equal(ours[1], same[1])
    for name in ("max_pool2d_with_indices", "max_pool3d_with_indices",
                 "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
                 "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"):
        assert callable(getattr(F, name)) and name in F.__all__


def test_max_unpool_round_trips_and_matches_torch():
    x2, x3 = _r(2, 3, 5, 5), _r(1, 2, 4, 6, 4)

    def pair(nd, k, **kw):
        def run(lib, x):
            f = lib.nn.functional
            v, i = getattr(f, f"max_pool{nd}d")(x, k, return_indices=True)
            return getattr(f, f"max_unpool{nd}d")(v, i, k, **kw)
        return (lambda x: run(pl, x)), (None if torch is None else (lambda x: run(torch, x)))

    check(*pair(2, 2, output_size=(5, 5)), x2[0])  # unbatched
    check(*pair(3, 2), x3)
    # Overlapping windows pick one maximum several times: the value is written once, and
    # the gradient reaches it from every index (torch's rule).
    check(*pair(1, 3, stride=1), np.array([[[0., 5., 1., 2., 1., 0.]]], np.float32))
    # nn.MaxUnpool is the inverse of nn.MaxPool's indices
    x = pl.tensor(x2)
    v, i = pl.nn.MaxPool2d(2, return_indices=True)(x)
    out = pl.nn.MaxUnpool2d(2)(v, i, output_size=x.shape)
    assert out.shape == x.shape
    # every pooled value is back at its index, zeros elsewhere
    planes, idx = out.numpy().reshape(2, 3, -1), i.numpy().reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(planes, idx, -1), v.numpy().reshape(2, 3, -1))
    assert np.count_nonzero(planes) == v.numel()


def test_unfold_fold_adjoint_and_patch_round_trip():
    img = _r(2, 3, 8, 12)
    patches = F.unfold(pl.tensor(img), 4, stride=4)  # (2, 48, 6): ViT patches
    assert tuple(patches.shape) == (2, 48, 6)
    np.testing.assert_array_equal(F.fold(patches, (8, 12), 4, stride=4).numpy(), img)
    # <unfold(x), y> == <x, fold(y)>: fold is unfold's adjoint with overlaps and padding.
    y = _r(2, 3 * 6, 4 * 5)
    lhs = (F.unfold(pl.tensor(img), (2, 3), dilation=(2, 1), padding=(1, 0), stride=(2, 2))
           * pl.tensor(y)).sum().item()
    rhs = (pl.tensor(img) * F.fold(pl.tensor(y), (8, 12), (2, 3), dilation=(2, 1),
                                   padding=(1, 0), stride=(2, 2))).sum().item()
    assert abs(lhs - rhs) < 1e-3
    assert F.unfold(pl.tensor(img), 3).grad_fn is None
    assert F.unfold(pl.tensor(img).requires_grad_(), 3).grad_fn.name() == "Im2ColBackward0"


def test_channel_shuffle_values_and_native():
    x = pl.arange(6.0).reshape(1, 6, 1)
    assert F.channel_shuffle(x, 3).flatten().tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]
    assert F.native_channel_shuffle(x, 2).flatten().tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert pl.nn.ChannelShuffle(2)(pl.arange(4).reshape(1, 4, 1)).dtype == pl.int64


def test_fractional_max_pool_equals_torch_for_the_same_samples():
    for nd, shape, k, size in [(2, (2, 3, 9, 11), (2, 3), (4, 5)),
                               (3, (2, 6, 5, 7), 2, (3, 2, 4))]:
        samples = rng.random((3, shape[-nd - 1], nd)).astype(np.float32)

        def run(lib, x, nd=nd, k=k, size=size, samples=samples):
            f = getattr(lib.nn.functional, f"fractional_max_pool{nd}d")
            return f(x, k, output_size=size, return_indices=True,
                     _random_samples=lib.tensor(samples))

        # 3-D shares the 2-D code: its values and indices suffice (compiling less).
        check(lambda x: run(pl, x), None if torch is None else (lambda x: run(torch, x)),
              _r(*shape), grad=nd == 2)


def test_fractional_max_pool_draws_from_the_seeded_generator():
    x = pl.tensor(_r(2, 3, 10, 10))
    pool = pl.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    pl.manual_seed(3)
    a, ia = pool(x)
    b, ib = pool(x)
    pl.manual_seed(3)
    c, ic = pool(x)
    assert tuple(a.shape) == (2, 3, 5, 5) and ia.dtype == pl.int64
    assert pl.equal(ia, ic) and pl.equal(a, c) and not pl.equal(ia, ib)
    # The values are those of the windows the indices name.
    flat = x.numpy().reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, ia.numpy().reshape(2, 3, -1), -1),
                                  a.numpy().reshape(2, 3, -1))


ERRORS = [  # (call on library f, torch functional) -> same exception type and message
    lambda f, t: f.max_pool3d(t.randn(2, 4, 4), 2),
    lambda f, t: f.max_pool3d(t.randn(1, 1, 4, 4, 4), 5),
    lambda f, t: f.max_pool3d(t.randn(1, 1, 4, 4, 4), 3, padding=2),
    lambda f, t: f.max_pool3d(t.randn(1, 1, 5, 5, 5), 3, dilation=2, padding=2),
    lambda f, t: f.avg_pool3d(t.randn(1, 1, 2, 5, 5), 3, padding=1),
    lambda f, t: f.avg_pool3d(t.randn(1, 1, 4, 4, 4), 2, divisor_override=0),
    lambda f, t: f.adaptive_avg_pool3d(t.randn(2, 4, 4), 2),
    lambda f, t: f.adaptive_max_pool3d(t.randn(2, 4, 4), 2),
    lambda f, t: f.adaptive_max_pool3d(t.randn(1, 2, 4, 4, 4), (2, 3)),
    lambda f, t: f.adaptive_max_pool3d(t.ones(1, 1, 2, 2, 2, dtype=t.long), 1),
    lambda f, t: f.unfold(t.randn(2, 3), 2),
    lambda f, t: f.unfold(t.randn(1, 2, 3, 3, 3), 2),
    lambda f, t: f.unfold(t.randn(1, 2, 3, 3), 4),
    lambda f, t: f.unfold(t.randn(1, 2, 3, 3), 2, dilation=(1, 1, 1)),
    lambda f, t: f.unfold(t.randn(1, 2, 3, 3), 2, stride=0, padding=-1),
    lambda f, t: f.unfold(t.ones(1, 1, 3, 3, dtype=t.long), 2),
    lambda f, t: f.fold(t.randn(1, 1, 8, 4), 3, 2),
    lambda f, t: f.fold(t.randn(1, 7, 4), 3, 2),
    lambda f, t: f.fold(t.randn(1, 8, 5), 3, 2),
    lambda f, t: f.fold(t.randn(1, 8, 4), 3, 2, stride=3),
    lambda f, t: f.fold(t.randn(1, 8, 4), (3, 3, 3), 2),
    lambda f, t: f.channel_shuffle(t.randn(4, 2), 2),
    lambda f, t: f.channel_shuffle(t.randn(1, 4, 2, 2), 3),
    lambda f, t: f.channel_shuffle(t.randn(1, 4, 2, 2), 0),
    lambda f, t: f.max_unpool2d(t.randn(1, 1, 2, 2), t.zeros(1, 1, 2, 2, dtype=t.long), 2,
                                output_size=(6, 6)),
    lambda f, t: f.max_unpool2d(t.randn(1, 1, 2, 2), t.zeros(1, 1, 2, 2, dtype=t.long), 2,
                                output_size=(5,)),
    lambda f, t: f.max_unpool2d(t.randn(1, 1, 2, 2), t.zeros(1, 1, 2, 2), 2),
    lambda f, t: f.max_unpool2d(t.randn(1, 1, 2, 2), t.zeros(1, 1, 2, 1, dtype=t.long), 2),
    lambda f, t: f.max_unpool2d(t.randn(1, 1, 2, 2), t.full((1, 1, 2, 2), 16), 2),
    lambda f, t: f.max_unpool1d(t.randn(1, 2), t.full((1, 2), 7), 2),
    lambda f, t: f.max_unpool3d(t.randn(2, 2, 2), t.zeros(2, 2, 2, dtype=t.long), 2),
    lambda f, t: f.fractional_max_pool2d(t.randn(1, 2, 8, 8), 2),
    lambda f, t: f.fractional_max_pool2d(t.randn(1, 2, 8, 8), 2, output_size=8),
    lambda f, t: f.fractional_max_pool3d(t.randn(1, 2, 6, 6, 6), 2, output_size=6),
    lambda f, t: f.fractional_max_pool2d(t.randn(1, 2, 8, 8), 2, output_size=4,
                                         _random_samples=t.rand(1, 2, 3)),
    lambda f, t: f.fractional_max_pool2d(t.randn(2, 2, 8, 8), 2, output_size=4,
                                         _random_samples=t.rand(1, 2, 2)),
    lambda f, t: f.fractional_max_pool2d(t.randn(1, 2, 8, 8), 2, output_size=4,
                                         _random_samples=t.rand(1, 2, 2).double()),
    lambda f, t: t.nn.FractionalMaxPool2d(2, output_ratio=1.5),
    lambda f, t: t.nn.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5),
]


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("call", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        call(F, pl)


MODULES = [  # (class, arguments, torch's repr)
    ("MaxPool3d", (2,), "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, "
                        "ceil_mode=False)"),
    ("AvgPool3d", ((2, 1, 2),), "AvgPool3d(kernel_size=(2, 1, 2), stride=(2, 1, 2), "
                                "padding=0)"),
    ("AdaptiveAvgPool3d", ((1, None, 2),), "AdaptiveAvgPool3d(output_size=(1, None, 2))"),
    ("AdaptiveMaxPool3d", (2,), "AdaptiveMaxPool3d(output_size=2)"),
    ("LPPool1d", (2, 3), "LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"),
    ("LPPool3d", (1.5, 2), "LPPool3d(norm_type=1.5, kernel_size=2, stride=None, "
                           "ceil_mode=False)"),
    ("MaxUnpool3d", (2,), "MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), "
                          "padding=(0, 0, 0))"),
    ("Fold", ((4, 5), 2), "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, "
                          "stride=1)"),
    ("Unfold", (2,), "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"),
    ("ChannelShuffle", (2,), "ChannelShuffle(groups=2)"),
    ("FractionalMaxPool2d", (2,), "FractionalMaxPool2d()"),
]


@pytest.mark.parametrize("name,args,text", MODULES, ids=[m[0] for m in MODULES])
def test_module_reprs_match_torch(name, args, text):
    kw = dict(output_size=3) if name.startswith("Fractional") else {}
    assert repr(getattr(pl.nn, name)(*args, **kw)) == text
    if torch is not None:
        assert repr(getattr(torch.nn, name)(*args, **kw)) == text


def test_modules_run_like_torch():
    x = _r(1, 4, 4, 6, 6)
    for name, args in [("AvgPool3d", (2,)), ("LPPool2d", (2, 2)), ("Unfold", (2,)),
                       ("AdaptiveMaxPool3d", ((1, 2, 3),))]:
        inp = x[0] if name in ("LPPool2d", "Unfold") else x
        inp = np.abs(inp) if name == "LPPool2d" else inp
        out = getattr(pl.nn, name)(*args)(pl.tensor(inp))
        if torch is not None:
            ref = getattr(torch.nn, name)(*args)(torch.tensor(inp))
            np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-5, err_msg=name)


def test_conv3d_maxpool3d_training_compiled_equals_eager():
    pl.manual_seed(0)
    model = pl.nn.Sequential(pl.nn.Conv3d(1, 3, 3, padding=1), pl.nn.ReLU(),
                             pl.nn.MaxPool3d(2), pl.nn.Flatten(), pl.nn.Linear(3 * 8, 2))
    twin = copy.deepcopy(model)
    x = pl.tensor(_r(4, 1, 4, 4, 4))
    y = pl.tensor([0, 1, 1, 0])

    def make_step(m):
        opt = pl.optim.SGD(m.parameters(), lr=0.1)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            return loss
        return step

    eager, compiled = make_step(model), pl.compile(make_step(twin))
    for _ in range(2):
        np.testing.assert_allclose(compiled().item(), eager().item(), rtol=1e-5)
    for (name, a), b in zip(model.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), atol=1e-6,
                                   err_msg=name)
