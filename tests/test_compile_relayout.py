"""The channels-last layout pass of compile on CPU (``_relayout``): same values and
gradients as the program it rewrites, and fewer activation transposes."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import pytorch_like as torch
import pytorch_like.nn as nn
import pytorch_like.nn.functional as F
from pytorch_like import _relayout
from pytorch_like.nn.functional import _tiled_max_pool
from pytorch_like.ops.pointwise import _true_div

rng = np.random.default_rng(0)


def _r(*shape):
    return jnp.asarray(rng.standard_normal(shape).astype(np.float32))


def _via_pass(fn, *args):
    closed = jax.make_jaxpr(fn)(*args)
    return _relayout.evaluate(closed, jax.tree_util.tree_leaves(args))


def _nhwc_conv(x, w):
    # What F.conv2d does on CPU: NCHW in and out, channels-last inside.
    y = lax.conv_general_dilated(jnp.transpose(x, (0, 2, 3, 1)), jnp.transpose(w, (2, 3, 1, 0)),
                                 (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jnp.transpose(y, (0, 3, 1, 2))


def _cnn_loss(params, x):
    w1, b1, w2, b2 = params
    h = jax.nn.relu(_nhwc_conv(x, w1) + b1.reshape(1, -1, 1, 1))
    h = jax.nn.relu(_nhwc_conv(h, w2) + b2.reshape(1, -1, 1, 1))
    h = _tiled_max_pool(h, (2, 2))
    return jnp.sum(jnp.tanh(h.reshape(h.shape[0], -1)) ** 2)


def _cnn_args(n=4):
    return ([_r(6, 1, 3, 3), _r(6), _r(8, 6, 3, 3), _r(8)], _r(n, 1, 12, 12))


# Each case permutes its input first (as the conv op does), so the pass has work to do.
def _t(a):
    return jnp.transpose(a, (0, 2, 3, 1))


CASES = {
    "elementwise_and_size1_broadcast": (
        lambda a, b: jnp.maximum(_t(a) * 2.0 + _t(b)[:, :1], 0.5) - jnp.exp(_t(a)),
        (_r(2, 3, 4, 5), _r(2, 3, 4, 5))),
    "reductions_over_permuted_axes": (
        lambda a: (jnp.sum(_t(a), (0, 1)), jnp.max(_t(a), 3), jnp.argmax(_t(a), 2),
                   jnp.min(_t(a), (1, 3), keepdims=True)),
        (_r(2, 3, 4, 5),)),
    "reshape_split_merge_and_not": (
        lambda a: (_t(a).reshape(2, 2, 2, 5, 3), _t(a).reshape(2, 20, 3),
                   _t(a).reshape(2, 4, 15), _t(a).reshape(8, 15)),
        (_r(2, 3, 4, 5),)),
    "slice_pad_rev_cumsum_squeeze": (
        lambda a: (_t(a)[:, 1:3, ::2], jnp.pad(_t(a), ((0, 0), (1, 2), (0, 1), (0, 0))),
                   jnp.flip(_t(a), (1, 3)), jnp.cumsum(_t(a), 2),
                   jnp.squeeze(_t(a)[:, :, :1], 2)),
        (_r(2, 3, 4, 5),)),
    "expand_dims_select_and_iota": (
        lambda a: jnp.where(jnp.expand_dims(_t(a), (2, 4)) > 0,
                            lax.broadcasted_iota(jnp.float32, (2, 4, 1, 5, 1, 3), 3),
                            jnp.expand_dims(_t(a), (2, 4)) * 3),
        (_r(2, 3, 4, 5),)),
    "leading_axes_sum_as_product": (
        lambda a: (jnp.sum(_t(a), (0, 1, 2)), jnp.sum(_t(a) ** 2, (0, 1, 2))),
        (_r(16, 8, 32, 20),)),
    "integer_and_boolean_ops": (
        lambda a, i: ((_t(i) >> 1) ^ _t(i), _t(a) > 0, jnp.where(_t(a) > 0, _t(i), 7)),
        (_r(2, 3, 4, 5), jnp.asarray(rng.integers(0, 100, (2, 3, 4, 5)), jnp.int32))),
    "cnn_value_and_grad": (jax.value_and_grad(_cnn_loss), _cnn_args()),
    "true_division_by_broadcast_values": (  # an optimization barrier on the divisor
        lambda a, b: (_true_div(_t(a), _t(b)[:, :1]) + _true_div(_t(a), 3.0),
                      jax.grad(lambda x: jnp.sum(_true_div(_t(x), _t(b)[:1]) ** 2))(a)),
        (_r(2, 3, 4, 5), _r(2, 3, 4, 5) + 5)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_pass_gives_the_same_values(name):
    fn, args = CASES[name]
    want = jax.tree_util.tree_leaves(fn(*args))
    got = _via_pass(fn, *args)
    jitted = jax.jit(lambda *a: _via_pass(fn, *a))(*args)
    assert len(got) == len(want)
    for w, g, j in zip(want, got, jitted):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=2e-6, atol=1e-5)
        np.testing.assert_allclose(np.asarray(j), np.asarray(w), rtol=2e-6, atol=1e-5)


def test_cnn_gradient_through_the_pass_matches_finite_differences():
    params, x = _cnn_args(2)
    grads = _via_pass(jax.value_and_grad(_cnn_loss), params, x)[1:]  # after the value
    eps = 1e-2
    w2 = np.asarray(params[2], np.float64)
    for idx in [(0, 0, 0, 0), (3, 2, 1, 2), (7, 5, 2, 1)]:
        up, down = w2.copy(), w2.copy()
        up[idx] += eps
        down[idx] -= eps
        f = [float(_cnn_loss([params[0], params[1], jnp.asarray(v, jnp.float32), params[3]], x))
             for v in (up, down)]
        np.testing.assert_allclose(float(grads[2][idx]), (f[0] - f[1]) / (2 * eps),
                                   rtol=2e-2, atol=2e-2)


def _activation_transposes(fn, args, size):
    text = jax.jit(fn).lower(*args).as_text()
    count = 0
    for m in re.finditer(r"stablehlo\.transpose.*?: \(tensor<([\dx]+)x\w+>\)", text):
        if int(np.prod([int(d) for d in m.group(1).split("x")])) == size:
            count += 1
    return count


def test_layout_pass_removes_transposes_between_convolutions():
    params, x = _cnn_args(4)
    grad = jax.grad(_cnn_loss)
    size = 4 * 6 * 10 * 10  # the first conv's activation, between the two convolutions
    plain = _activation_transposes(grad, (params, x), size)
    relaid = _activation_transposes(lambda p, a: _via_pass(grad, p, a), (params, x), size)
    assert plain >= 2
    assert relaid == 0


def test_true_division_keeps_the_channels_last_layout():
    # The divisor's optimization barrier passes layouts through: a division between two
    # convolutions adds no transpose of the activation.
    params, x = _cnn_args(4)
    scale = _r(1, 6, 1, 1) ** 2 + 1

    def loss(p, a):
        w1, b1, w2, b2 = p
        h = _true_div(jax.nn.relu(_nhwc_conv(a, w1) + b1.reshape(1, -1, 1, 1)), scale)
        return jnp.sum(_nhwc_conv(_true_div(h, 3.0), w2) ** 2)
    grad = jax.grad(loss)
    size = 4 * 6 * 10 * 10
    assert _activation_transposes(grad, (params, x), size) >= 2
    assert _activation_transposes(lambda p, a: _via_pass(grad, p, a), (params, x), size) == 0


def test_a_failure_in_the_pass_falls_back_to_the_traced_program(monkeypatch):
    fn, args = CASES["elementwise_and_size1_broadcast"]

    def broken(eqn, vals):
        raise NotImplementedError("no rule")
    monkeypatch.setattr(_relayout, "_eval_eqn", broken)
    with pytest.warns(RuntimeWarning, match="layout pass failed"):
        got = _via_pass(fn, *args)
    np.testing.assert_allclose(np.asarray(got[0]), np.asarray(fn(*args)), rtol=1e-6)


def _mnist_like():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 16, 3), nn.ReLU(),
                         nn.BatchNorm2d(16), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                         nn.Linear(16 * 6 * 6, 10))


def _train_compiled(steps=3):
    model = _mnist_like()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    data = np.random.default_rng(1)
    # 32 * 14 * 14 rows: large enough for the bias-gradient sums to become products.
    x = torch.tensor(data.standard_normal((32, 1, 16, 16)).astype(np.float32))
    y = torch.tensor(data.integers(0, 10, 32))

    @torch.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    torch.manual_seed(7)
    losses = [step(x, y).item() for _ in range(steps)]
    return losses, {k: v.numpy() for k, v in model.state_dict().items()}


def test_compiled_cnn_is_the_same_with_and_without_the_pass(monkeypatch):
    with_pass = _train_compiled()
    monkeypatch.setenv("PYTORCH_LIKE_NO_RELAYOUT", "1")
    without = _train_compiled()
    # Not bit-identical: YNNPACK's reductions (BatchNorm statistics, bias gradients) sum in
    # an order that depends on the layout; after three Adam steps at lr 1e-2 the losses
    # differed by 1.5e-5 relative.
    np.testing.assert_allclose(with_pass[0], without[0], rtol=1e-4)
    for k in without[1]:
        np.testing.assert_allclose(with_pass[1][k], without[1][k], rtol=1e-4, atol=1e-5,
                                   err_msg=k)


def test_tiled_max_pool_gradient_goes_to_first_max_and_nan_like_torch():
    tt = pytest.importorskip("torch")
    x = np.array([[[[1., np.nan, 3., 2.], [0., 5., 5., 1.],
                    [2., 2., 2., 2.], [7., 1., 7., 1.]]]], np.float32)
    t = tt.tensor(x, requires_grad=True)
    out_t = tt.nn.functional.max_pool2d(t, 2)
    out_t.sum().backward()
    p = torch.tensor(x, requires_grad=True)
    out_p = F.max_pool2d(p, 2)
    out_p.sum().backward()
    np.testing.assert_array_equal(out_p.detach().numpy(), out_t.detach().numpy())
    np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


def test_dropout_mask_hash_is_threefry_and_keeps_one_minus_p():
    from jax.extend.random import threefry_2x32

    from pytorch_like.ops._sampling import _threefry2x32, keep_mask
    key = np.array([123, 456789], np.uint32)
    count = np.arange(10, dtype=np.uint32)
    a, b = _threefry2x32(jnp.uint32(key[0]), jnp.uint32(key[1]),
                         jnp.asarray(count[:5]), jnp.asarray(count[5:]))
    np.testing.assert_array_equal(np.concatenate([a, b]),
                                  np.asarray(threefry_2x32(jnp.asarray(key), jnp.asarray(count))))
    for p in (0.1, 0.25, 0.5):
        kept = float(np.mean(np.asarray(keep_mask(key, (400, 500), p))))
        assert abs(kept - (1 - p)) < 4e-3, (p, kept)  # ~5 standard deviations


def test_dropout_mask_is_hashed_once_however_many_fusions_read_it():
    from pytorch_like._backend import compiler_options
    from pytorch_like.ops._sampling import _keep_mask, keep_mask

    def f(key, x):
        m = keep_mask(key, (8, 4, 3, 3), 0.25)
        up = jnp.repeat(jnp.repeat(m, 2, 2), 2, 3)  # read at 4x the mask's size
        return jnp.where(up, x, 0).sum(axis=(2, 3)), jnp.where(up, 2 * x, 0).transpose(0, 2, 3, 1)

    key, x = jnp.array([5, 6], jnp.uint32), _r(8, 4, 6, 6)
    text = jax.jit(f, compiler_options=compiler_options()).lower(key, x).compile().as_text()
    # One Threefry hash has 20 rotations; each mask is hashed inside one conditional only.
    conditionals = text.count(" conditional(")
    assert conditionals >= 1
    assert text.count("shift-left(") == 20 * conditionals
    stored = jax.jit(lambda k: keep_mask(k, (8, 4, 3, 3), 0.25))(key)
    direct = _keep_mask(key, (8, 4, 3, 3), 0.25)
    np.testing.assert_array_equal(np.asarray(stored), np.asarray(direct))


class _Mixed(nn.Module):
    """Layers around convolutions that the pass must carry through unchanged."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(2, 4, 3, padding=1, stride=2)
        self.bn = nn.BatchNorm2d(4)
        self.up = nn.ConvTranspose2d(4, 3, 2, stride=2)
        self.c3 = nn.Conv2d(3, 6, (3, 1), dilation=(2, 1), groups=3)
        self.c1d = nn.Conv1d(6, 2, 3)
        self.head = nn.Linear(2 * 2, 5)

    def forward(self, x):
        h = F.gelu(self.bn(self.c1(x)))
        h = F.avg_pool2d(self.up(h), 2, ceil_mode=True)
        h = F.max_pool2d(F.leaky_relu(self.c3(h)), (1, 2), return_indices=False)
        h = F.adaptive_avg_pool2d(h, (1, 4)).flatten(2)          # (N, 6, 4)
        h = self.c1d(F.pad(h, (0, 0)))                              # (N, 2, 2)
        return self.head(h.softmax(-1).flatten(1) + h.mean(0, keepdim=True).flatten(1))


def test_mixed_layers_compiled_equal_eager_forward_and_gradients():
    torch.manual_seed(0)
    model = _Mixed()
    x = torch.tensor(rng.standard_normal((3, 2, 10, 10)).astype(np.float32))

    def step(x):
        model.zero_grad()
        out = model(x)
        (out ** 2).sum().backward()
        return out

    eager = step(x).detach().numpy()
    eager_grads = [p.grad.numpy().copy() for p in model.parameters()]
    compiled = torch.compile(step)(x).detach().numpy()
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-6)
    for p, g in zip(model.parameters(), eager_grads):
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-4, atol=1e-5)
