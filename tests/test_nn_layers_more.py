"""More nn layers against torch: ConvTranspose3d and the lazy transposed convolutions,
InstanceNorm3d (running statistics) and the lazy instance norms, LocalResponseNorm and
CrossMapLRN2d, the 3-D padding layers (and F.pad's limits per mode), Dropout3d and
FeatureAlphaDropout, SyncBatchNorm; values, gradients, state_dict names, errors, and a
compiled training step equal to eager."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from parity import check, finite_difference

import pytorch_like as pl
import pytorch_like.nn as nn
import pytorch_like.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _raises_like_torch(ours, theirs, exc):
    """Both raise ``exc`` with the same message."""
    with pytest.raises(exc) as t:
        theirs()
    with pytest.raises(exc) as o:
        ours()
    assert str(o.value) == str(t.value)


def _copy_from_torch(ours, theirs):
    ours.load_state_dict({k: pl.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


# -- ConvTranspose3d ---------------------------------------------------------------------
@pytest.mark.parametrize("x_shape,w_shape,kw", [
    ((2, 4, 3, 4, 3), (4, 3, 3, 2, 2), dict(stride=2, padding=1, output_padding=(1, 0, 1),
                                            groups=2, dilation=(1, 2, 1))),
    ((2, 3, 4, 3), (2, 3, 2, 3, 2), dict(stride=(1, 2, 1), padding=(0, 1, 1), dilation=2,
                                         output_padding=(0, 1, 1))),  # unbatched
])
def test_conv_transpose3d_values_and_gradients(x_shape, w_shape, kw):
    x, w = _rand(*x_shape), _rand(*w_shape, seed=1)
    b = _rand(w_shape[1] * kw.get("groups", 1), seed=2)
    check(lambda x, w, b: F.conv_transpose3d(x, w, b, **kw),
          lambda x, w, b: TF.conv_transpose3d(x, w, b, **kw), x, w, b, atol=1e-4)


def test_conv_transpose3d_module_output_size_init_and_errors():
    t = torch.nn.ConvTranspose3d(4, 6, (3, 2, 3), stride=2, padding=1, groups=2, bias=True)
    m = nn.ConvTranspose3d(4, 6, (3, 2, 3), stride=2, padding=1, groups=2, bias=True)
    assert repr(m) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    # torch's init: kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), ...), fan_in taken
    # from weight.shape[1] * kernel volume; the bias has the same bound.
    bound = 1 / np.sqrt(3 * 2 * 3 * 3)
    for p in (m.weight, m.bias):
        a = np.abs(p.detach().numpy())
        assert a.max() <= bound
    # 216 weights from U(-bound, bound) all below bound / 2: chance 2**-216. (The bias's 6
    # values would be below it 1 time in 64, which made this test fail by chance.)
    assert np.abs(m.weight.detach().numpy()).max() > 0.5 * bound
    _copy_from_torch(m, t)
    x = _rand(1, 4, 3, 3, 3)
    out = m(pl.tensor(x), output_size=[6, 5, 6])
    ref = t(torch.tensor(x), output_size=[6, 5, 6])
    assert tuple(out.shape) == tuple(ref.shape) == (1, 6, 6, 5, 6)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-5)
    _raises_like_torch(lambda: m(pl.tensor(x), output_size=[9, 5, 6]),
                       lambda: t(torch.tensor(x), output_size=[9, 5, 6]), ValueError)
    _raises_like_torch(lambda: nn.ConvTranspose3d(2, 2, 3, padding_mode="reflect"),
                       lambda: torch.nn.ConvTranspose3d(2, 2, 3, padding_mode="reflect"),
                       ValueError)
    _raises_like_torch(lambda: m(pl.ones(1, 3, 2, 2, 2)),
                       lambda: t(torch.ones(1, 3, 2, 2, 2)), RuntimeError)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (3, 5)),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2, "output_padding": 1, "stride": 2},
     (1, 6, 4, 4)),
    ("LazyConvTranspose3d", (2, (2, 1, 2)), {"bias": False}, (1, 3, 2, 2, 2)),
])
def test_lazy_conv_transpose_becomes_the_eager_layer(name, args, kwargs, shape):
    m, t = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    y = m(pl.ones(*shape))
    ty = t(torch.ones(*shape))
    assert type(m).__name__ == type(t).__name__ == name.replace("Lazy", "")
    assert repr(m) == repr(t) and tuple(y.shape) == tuple(ty.shape)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


def test_lazy_conv_transpose_errors_like_torch():
    _raises_like_torch(lambda: nn.LazyConvTranspose1d(4, 3, groups=2)(pl.ones(3, 5)),
                       lambda: torch.nn.LazyConvTranspose1d(4, 3, groups=2)(torch.ones(3, 5)),
                       ValueError)
    _raises_like_torch(lambda: nn.LazyConvTranspose1d(4, 3)(pl.ones(2, 3, 4, 5)),
                       lambda: torch.nn.LazyConvTranspose1d(4, 3)(torch.ones(2, 3, 4, 5)),
                       RuntimeError)
    _raises_like_torch(lambda: nn.LazyConvTranspose2d(4, 3, padding_mode="circular"),
                       lambda: torch.nn.LazyConvTranspose2d(4, 3, padding_mode="circular"),
                       ValueError)


# -- InstanceNorm3d ----------------------------------------------------------------------
def test_instance_norm3d_affine_values_and_gradients():
    x, w, b = _rand(2, 3, 2, 3, 4), _rand(3, seed=1), _rand(3, seed=2)
    check(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
          lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), x, w, b, atol=1e-4)


def test_instance_norm3d_running_statistics_train_and_eval():
    kw = dict(affine=True, track_running_stats=True, momentum=0.3)
    m, t = nn.InstanceNorm3d(3, **kw), torch.nn.InstanceNorm3d(3, **kw)
    assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
    with torch.no_grad():
        t.weight.copy_(torch.tensor(_rand(3, seed=3)))
        t.bias.copy_(torch.tensor(_rand(3, seed=4)))
    _copy_from_torch(m, t)
    for seed in (5, 6):
        x = _rand(2, 3, 2, 2, 3, seed=seed) * 2 + 1
        np.testing.assert_allclose(m(pl.tensor(x)).detach().numpy(),
                                   t(torch.tensor(x)).detach().numpy(), atol=1e-5)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), atol=1e-6, err_msg=k)
    assert int(m.num_batches_tracked) == 0  # torch does not count instance-norm batches
    m.eval()
    t.eval()
    x = _rand(3, 2, 2, 3, seed=7)  # unbatched
    check(lambda x: m(x), lambda x: t(x), x, atol=1e-5, grad=False)
    momentum_none = nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    momentum_none(pl.tensor(_rand(2, 3, 4)))
    assert np.all(momentum_none.running_mean.numpy() == 0)  # torch uses momentum 0.0


def test_instance_norm_errors_and_warnings_like_torch():
    _raises_like_torch(lambda: nn.InstanceNorm3d(3, affine=True)(pl.ones(1, 4, 2, 2, 2)),
                       lambda: torch.nn.InstanceNorm3d(3, affine=True)(torch.ones(1, 4, 2, 2, 2)),
                       ValueError)
    _raises_like_torch(lambda: nn.InstanceNorm3d(3)(pl.ones(3, 2)),
                       lambda: torch.nn.InstanceNorm3d(3)(torch.ones(3, 2)), ValueError)
    _raises_like_torch(lambda: F.instance_norm(pl.ones(2, 3, 1, 1, 1)),
                       lambda: TF.instance_norm(torch.ones(2, 3, 1, 1, 1)), ValueError)
    _raises_like_torch(lambda: F.instance_norm(pl.ones(2, 3, 4), use_input_stats=False),
                       lambda: TF.instance_norm(torch.ones(2, 3, 4), use_input_stats=False),
                       RuntimeError)
    _raises_like_torch(lambda: F.instance_norm(pl.ones(2, 3, 4), pl.zeros(2), pl.ones(2)),
                       lambda: TF.instance_norm(torch.ones(2, 3, 4), torch.zeros(2),
                                                torch.ones(2)), RuntimeError)
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm3d(3)(pl.tensor(_rand(1, 4, 2, 2, 2)))


def test_lazy_instance_norm_defaults_and_shapes_like_torch():
    for name, shape in (("LazyInstanceNorm1d", (2, 3, 4)), ("LazyInstanceNorm3d",
                                                             (2, 3, 2, 2, 2))):
        m, t = getattr(nn, name)(), getattr(torch.nn, name)()
        assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
        x = _rand(*shape)
        np.testing.assert_allclose(m(pl.tensor(x)).detach().numpy(),
                                   t(torch.tensor(x)).detach().numpy(), atol=1e-5)
        assert type(m).__name__ == type(t).__name__ and repr(m) == repr(t)
        for k, v in t.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), atol=1e-6)
    m = nn.LazyInstanceNorm2d(affine=False, track_running_stats=False)
    assert repr(m) == repr(torch.nn.LazyInstanceNorm2d(affine=False,
                                                       track_running_stats=False))


# -- local response normalization --------------------------------------------------------
def test_local_response_norm_values_and_gradients():
    x = _rand(2, 6, 2, 3) * 3  # an even size: one more neighbour before than after
    check(lambda x: F.local_response_norm(x, 4, alpha=0.2, beta=0.7, k=1.5),
          lambda x: TF.local_response_norm(x, 4, alpha=0.2, beta=0.7, k=1.5), x, atol=1e-5)
    x = _rand(1, 5, 2, 2, 3)
    np.testing.assert_allclose(F.local_response_norm(pl.tensor(x), 3).numpy(),
                               TF.local_response_norm(torch.tensor(x), 3).numpy(), atol=1e-6)


def test_local_response_norm_module_and_errors():
    m, t = nn.LocalResponseNorm(5, k=2.0), torch.nn.LocalResponseNorm(5, k=2.0)
    assert repr(m) == repr(t)
    x = _rand(2, 8, 3, 3)
    np.testing.assert_allclose(m(pl.tensor(x)).numpy(), t(torch.tensor(x)).numpy(), atol=1e-6)
    _raises_like_torch(lambda: F.local_response_norm(pl.ones(3, 4), 2),
                       lambda: TF.local_response_norm(torch.ones(3, 4), 2), ValueError)


def test_cross_map_lrn2d_follows_torchs_forward_and_backward():
    """CrossMapLRN2d has its own gradient rule because torch's backward is not the
    derivative of its forward (finite differences of torch's own forward say so); values
    and gradients follow torch's."""
    x = _rand(2, 5, 2, 3).astype(np.float64) * 2
    kw = dict(alpha=0.5, beta=0.75, k=1.5)
    m, t = nn.CrossMapLRN2d(4, **kw), torch.nn.CrossMapLRN2d(4, **kw)
    assert repr(m) == repr(t)
    c = _rand(2, 5, 2, 3, seed=1).astype(np.float64)

    def value(a):
        return float((t(torch.tensor(a)) * torch.tensor(c)).sum())
    xt = torch.tensor(x, requires_grad=True)
    (t(xt) * torch.tensor(c)).sum().backward()
    assert np.abs(xt.grad.numpy() - finite_difference(value, x, eps=1e-6)).max() > 1e-3
    check(lambda x: m(x), lambda x: t(x), x.astype(np.float32), atol=1e-5)
    _raises_like_torch(lambda: nn.CrossMapLRN2d(3)(pl.ones(2, 3, 4)),
                       lambda: torch.nn.CrossMapLRN2d(3)(torch.ones(2, 3, 4)), ValueError)


# -- 3-D padding -------------------------------------------------------------------------
@pytest.mark.parametrize("name,args,batched,grad", [
    ("ConstantPad3d", ((2, 1, 0, 2, 1, 1), 1.5), True, False),
    ("ZeroPad3d", ((1, 0, -1, 2, 0, 1),), False, False),
    ("ReflectionPad3d", ((2, 1, 0, 2, 1, 1),), True, True),
    ("ReplicationPad3d", ((1, 3, 2, 0, 1, 1),), False, True),
    ("CircularPad3d", (1,), True, True)])
def test_padding3d_modules_values_and_gradients(name, args, batched, grad):
    m, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(m) == repr(t)
    x = _rand(2, 2, 3, 3, 4)
    check(lambda x: m(x), lambda x: t(x), x if batched else x[0], grad=grad)  # or (C, D, H, W)


# torch reflects and replicates from the whole input, then crops; it crops first and then
# wraps circularly.
@pytest.mark.parametrize("mode,pads", [("reflect", (-2, 3, 1, -1, 2, -1)),
                                       ("replicate", (-1, 2, 0, -2, 1, 0)),
                                       ("circular", (-1, 2, 0, 0, -1, 2))])
def test_pad_negative_padding_per_mode_like_torch(mode, pads):
    check(lambda x: F.pad(x, pads, mode), lambda x: TF.pad(x, pads, mode), _rand(1, 2, 3, 4, 5),
          grad=mode == "reflect")


def test_pad_limits_per_mode_like_torch():
    x5 = np.zeros((1, 2, 3, 4, 5), np.float32)
    cases = [((5, 0, 0, 0, 0, 0), "reflect", RuntimeError, x5),
             ((0, 0, 0, 0, 0, 3), "reflect", RuntimeError, x5),
             ((0, 0, 4, 0, 0, 0), "reflect", RuntimeError, x5[0]),
             ((1, 1), "reflect", NotImplementedError, x5),
             ((1, 1, 1, 1, 1, 1, 1, 1), "replicate", NotImplementedError, x5),
             ((1, 1, 1, 1, 1, 1), "circular", NotImplementedError, x5[0, 0]),
             ((0, 0, 0, 0, 0, 4), "circular", RuntimeError, x5),
             ((1, 1, 1, 1, 1, 1), "replicate", RuntimeError,
              np.zeros((1, 2, 0, 4, 5), np.float32))]
    for pads, mode, exc, a in cases:
        _raises_like_torch(lambda a=a, pads=pads, mode=mode: F.pad(pl.tensor(a), pads, mode),
                           lambda a=a, pads=pads, mode=mode: TF.pad(torch.tensor(a), pads, mode),
                           exc)
    _raises_like_torch(lambda: nn.CircularPad3d(1)(pl.ones(2, 3, 4)),
                       lambda: torch.nn.CircularPad3d(1)(torch.ones(2, 3, 4)), ValueError)
    y = nn.ReplicationPad3d(2)(pl.ones(0, 2, 2, 2, 2))  # an empty batch is allowed
    assert tuple(y.shape) == (0, 2, 6, 6, 6)


# -- channel dropout ---------------------------------------------------------------------
def _per_channel(y: np.ndarray) -> np.ndarray:
    """Each (sample, channel) block is constant; return those constants."""
    flat = y.reshape(y.shape[0], y.shape[1], -1)
    assert np.all(flat == flat[..., :1])
    return flat[..., 0]


def test_dropout3d_masks_whole_channels_with_the_right_rate():
    pl.manual_seed(0)
    x = pl.ones(64, 32, 2, 2, 2)
    m = nn.Dropout3d(0.25)
    assert repr(m) == repr(torch.nn.Dropout3d(0.25))
    kept = _per_channel(m(x).numpy())
    assert set(np.unique(kept)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((kept == 0).mean() - 0.25) < 0.03
    m.eval()
    assert m(x) is x
    xg = pl.ones(2, 3, 2, 2, 2).requires_grad_(True)
    pl.manual_seed(1)
    y = F.dropout3d(xg, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), y.detach().numpy())  # grad is the mask
    unbatched = _per_channel(F.dropout3d(pl.ones(64, 2, 2, 2), 0.5).numpy()[None])
    assert unbatched.shape == (1, 64) and 0 < (unbatched == 0).mean() < 1


def test_dropout3d_warns_for_other_ranks_like_torch():
    for shape in ((2, 3, 4), (2, 3, 2, 2, 2, 2)):
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            TF.dropout3d(torch.ones(*shape), 0.5)
        with pytest.warns(UserWarning) as ours:
            y = F.dropout3d(pl.ones(*shape), 0.5)
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
        # Treated as unbatched: one draw per entry of dimension 0.
        flat = y.numpy().reshape(shape[0], -1)
        assert np.all(flat == flat[:, :1])


def test_feature_alpha_dropout_statistics_and_channel_masks():
    pl.manual_seed(0)
    x = pl.tensor(_rand(256, 64, 3))
    m = nn.FeatureAlphaDropout(0.2)
    assert repr(m) == repr(torch.nn.FeatureAlphaDropout(0.2))
    y = m(x).numpy()
    p, alpha = 0.2, 1.7580993408473766
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    dropped = np.isclose(y, -alpha * a + alpha * a * p)
    assert np.all(dropped == dropped[..., :1])  # whole channels
    assert abs(dropped[..., 0].mean() - p) < 0.02
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.03  # SELU's statistics kept
    m.eval()
    assert m(x) is x
    assert F.feature_alpha_dropout(x, 0.5) is x  # training defaults to False, as in torch
    np.testing.assert_array_equal(F.feature_alpha_dropout(pl.ones(2, 3), 1.0, True).numpy(),
                                  np.zeros((2, 3)))
    _raises_like_torch(lambda: F.feature_alpha_dropout(pl.ones(3), 0.5, True),
                       lambda: TF.feature_alpha_dropout(torch.ones(3), 0.5, True), RuntimeError)
    _raises_like_torch(lambda: nn.FeatureAlphaDropout(1.5),
                       lambda: torch.nn.FeatureAlphaDropout(1.5), ValueError)


# -- SyncBatchNorm -----------------------------------------------------------------------
def test_sync_batch_norm_is_batch_norm_on_one_process():
    m, t = nn.SyncBatchNorm(3, momentum=None), torch.nn.SyncBatchNorm(3, momentum=None)
    assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
    check(lambda x: m(x), lambda x: t(x), _rand(2, 3, 2, 2, 2) * 2 + 1, atol=1e-5)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), atol=1e-5, err_msg=k)
    m.eval()
    t.eval()
    x = _rand(2, 3, 4)
    np.testing.assert_allclose(m(pl.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), atol=1e-5)
    _raises_like_torch(lambda: m(pl.ones(4)), lambda: t(torch.ones(4)), ValueError)
    _raises_like_torch(lambda: nn.SyncBatchNorm(0)(pl.ones(4, 0, 2)),
                       lambda: torch.nn.SyncBatchNorm(0)(torch.ones(4, 0, 2)), ValueError)


def test_convert_sync_batchnorm_keeps_parameters_buffers_and_mode():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Conv2d(2, 3, 1), lib.nn.BatchNorm2d(3),
                                 lib.nn.Sequential(lib.nn.BatchNorm1d(3, affine=False)),
                                 lib.nn.InstanceNorm2d(3))
    m, t = build(pl), build(torch)
    m.eval()
    t.eval()
    bn_weight, bn_mean = m[1].weight, m[1].running_mean
    cm = nn.SyncBatchNorm.convert_sync_batchnorm(m)
    ct = torch.nn.SyncBatchNorm.convert_sync_batchnorm(t)
    assert repr(cm) == repr(ct)
    assert list(cm.state_dict()) == list(ct.state_dict())
    assert cm[1].weight is bn_weight and cm[1].running_mean is bn_mean
    assert not cm[1].training and type(cm[3]) is nn.InstanceNorm2d
    root = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm3d(4))
    assert type(root) is nn.SyncBatchNorm


# -- compiled training -------------------------------------------------------------------
def _decoder():
    pl.manual_seed(0)
    return nn.Sequential(
        nn.ConvTranspose3d(2, 2, 3, stride=2, padding=1, output_padding=1, groups=2),
        nn.InstanceNorm3d(2, affine=True, track_running_stats=True))


def _train_decoder(compiled: bool):
    model = _decoder()
    opt = pl.optim.SGD(model.parameters(), lr=0.1)
    x, target = pl.tensor(_rand(2, 2, 2, 3, 2)), pl.tensor(_rand(2, 2, 4, 6, 4, seed=1))

    def step(x, target):
        opt.zero_grad()
        loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        return loss
    fn = pl.compile(step) if compiled else step
    losses = [fn(x, target).item() for _ in range(2)]
    return losses, copy.deepcopy(model.state_dict())


def test_compiled_step_with_conv_transpose3d_and_instance_norm3d_equals_eager():
    le, se = _train_decoder(False)
    lc, sc = _train_decoder(True)
    np.testing.assert_allclose(lc, le, rtol=1e-5, atol=1e-6)
    assert le[1] < le[0]
    for k in se:
        np.testing.assert_allclose(sc[k].numpy(), se[k].numpy(), atol=1e-5, err_msg=k)
    assert np.abs(se["1.running_mean"].numpy()).max() > 0  # the running stats moved
