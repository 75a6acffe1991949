"""nn.utils.parametrize / parametrizations, legacy weight_norm / spectral_norm hooks, fusion
and skip_init against torch; parametrized layers inside ``pytorch_like.compile``."""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as pnn
from pytorch_like.nn.utils import parametrizations as PZ
from pytorch_like.nn.utils import parametrize as P
from parity import check


def _np(t):
    if isinstance(t, np.ndarray):
        return t
    return np.asarray(t.detach()) if isinstance(t, pl.Tensor) else t.detach().numpy()


def _copy_from_torch(ours, theirs):
    """Load torch's state dict into ours (same keys)."""
    ours.load_state_dict({k: pl.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def _close(a, b, atol=1e-5):
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=atol)


class _Symmetric(pnn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)

    def right_inverse(self, a):
        return a.triu()


def _torch_symmetric(torch):
    class Sym(torch.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()
    return Sym()


# -- parametrize ------------------------------------------------------------------------------

def test_register_parametrization_matches_torch():
    torch = pytest.importorskip("torch")
    t_lin = torch.nn.Linear(3, 3)
    lin = pnn.Linear(3, 3)
    _copy_from_torch(lin, t_lin)
    torch.nn.utils.parametrize.register_parametrization(t_lin, "weight", _torch_symmetric(torch))
    P.register_parametrization(lin, "weight", _Symmetric())
    assert type(lin).__name__ == type(t_lin).__name__ == "ParametrizedLinear"
    assert P.type_before_parametrizations(lin) is pnn.Linear
    assert P.is_parametrized(lin) and P.is_parametrized(lin, "weight")
    assert not P.is_parametrized(lin, "bias")
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    assert isinstance(lin.parametrizations.weight, P.ParametrizationList)
    _close(lin.parametrizations.weight.original, t_lin.parametrizations.weight.original)
    _close(lin.weight, t_lin.weight)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    lin(pl.tensor(x)).sum().backward()
    t_lin(torch.tensor(x)).sum().backward()
    _close(lin.parametrizations.weight.original.grad, t_lin.parametrizations.weight.original.grad)
    # Assignment goes through right_inverse.
    w = np.arange(9, dtype=np.float32).reshape(3, 3)
    lin.weight = pl.tensor(w)
    t_lin.weight = torch.tensor(w)
    _close(lin.weight, t_lin.weight)
    P.remove_parametrizations(lin, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(t_lin, "weight")
    assert type(lin) is pnn.Linear and isinstance(lin.weight, pnn.Parameter)
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    _close(lin.weight, t_lin.weight)


def test_parametrize_errors_match_torch():
    torch = pytest.importorskip("torch")
    lin, t_lin = pnn.Linear(3, 3), torch.nn.Linear(3, 3)
    for fn, args in ((P.remove_parametrizations, (lin, "weight")),
                     (P.register_parametrization, (lin, "nope", _Symmetric()))):
        t_fn = getattr(torch.nn.utils.parametrize, fn.__name__)
        t_args = (t_lin,) + args[1:-1] + ((_torch_symmetric(torch),) if len(args) == 3 else
                                          (args[-1],))
        with pytest.raises(ValueError) as t_err:
            t_fn(*t_args)
        with pytest.raises(ValueError) as err:
            fn(*args)
        assert str(err.value) == str(t_err.value)

    class Drop(pnn.Module):
        def forward(self, x):
            return x[0]

    class TDrop(torch.nn.Module):
        def forward(self, x):
            return x[0]
    with pytest.raises(ValueError) as t_err:
        torch.nn.utils.parametrize.register_parametrization(t_lin, "weight", TDrop())
    with pytest.raises(ValueError) as err:
        P.register_parametrization(lin, "weight", Drop())
    assert str(err.value) == str(t_err.value)


def test_cached_computes_once():
    calls = []

    class Counting(pnn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 2

    lin = P.register_parametrization(pnn.Linear(2, 2), "weight", Counting())
    calls.clear()
    assert lin.weight is not lin.weight
    assert len(calls) == 2
    with P.cached():
        a, b = lin.weight, lin.weight
        assert a is b
    assert len(calls) == 3


# -- parametrizations -------------------------------------------------------------------------

def test_weight_norm_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import parametrizations as TPZ
    t_lin = torch.nn.Linear(4, 3)
    lin = pnn.Linear(4, 3)
    _copy_from_torch(lin, t_lin)
    TPZ.weight_norm(t_lin)
    PZ.weight_norm(lin)
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    for k, v in t_lin.state_dict().items():
        _close(lin.state_dict()[k], v)
    _close(lin.weight, t_lin.weight)
    rng = np.random.default_rng(1)
    g = rng.uniform(0.5, 2, (3, 1)).astype(np.float32)
    v = rng.standard_normal((3, 4)).astype(np.float32)
    check(lambda a, b: PZ._WeightNorm(0)(a, b), lambda a, b: TPZ._WeightNorm(0)(a, b), g, v)
    check(lambda a, b: PZ._WeightNorm(None)(a, b), lambda a, b: TPZ._WeightNorm(None)(a, b),
          np.array(1.5, dtype=np.float32), v)


def _spectral_pair(torch):
    t_lin = torch.nn.Linear(5, 4)
    lin = pnn.Linear(5, 4)
    _copy_from_torch(lin, t_lin)
    torch.nn.utils.parametrizations.spectral_norm(t_lin)
    PZ.spectral_norm(lin)
    # Same starting vectors (the random draws differ between the libraries).
    _copy_from_torch(lin, t_lin)
    return lin, t_lin


def test_spectral_norm_power_iteration_matches_torch():
    torch = pytest.importorskip("torch")
    lin, t_lin = _spectral_pair(torch)
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    x = np.random.default_rng(2).standard_normal((3, 5)).astype(np.float32)
    for _ in range(3):
        out = lin(pl.tensor(x))
        t_out = t_lin(torch.tensor(x))
        _close(out, t_out)
    sn, t_sn = lin.parametrizations.weight[0], t_lin.parametrizations.weight[0]
    _close(sn._u, t_sn._u)
    _close(sn._v, t_sn._v)
    out.sum().backward()
    t_out.sum().backward()
    _close(lin.parametrizations.weight.original.grad,
           t_lin.parametrizations.weight.original.grad)
    lin.eval()
    t_lin.eval()
    u = _np(sn._u).copy()
    _close(lin(pl.tensor(x)), t_lin(torch.tensor(x)))
    np.testing.assert_array_equal(_np(sn._u), u)  # eval mode: no power iteration
    # The map itself (eval mode, fixed u and v): values and gradients.
    w = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    check(lambda a: sn(a), lambda a: t_sn(a), w)
    with pytest.raises(IndexError) as t_err:
        torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(2, 2), dim=2)
    with pytest.raises(IndexError) as err:
        PZ.spectral_norm(pnn.Linear(2, 2), dim=2)
    assert str(err.value) == str(t_err.value)


@pytest.mark.parametrize("kind", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_matches_torch(kind):
    torch = pytest.importorskip("torch")
    shape = (4, 4) if kind != "householder" else (3, 5)
    t_lin = torch.nn.Linear(shape[1], shape[0])
    lin = pnn.Linear(shape[1], shape[0])
    _copy_from_torch(lin, t_lin)
    torch.nn.utils.parametrizations.orthogonal(t_lin, orthogonal_map=None if kind !=
                                               "cayley" else "cayley")
    PZ.orthogonal(lin, orthogonal_map=None if kind != "cayley" else "cayley")
    assert lin.parametrizations.weight[0].orthogonal_map.name == kind
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    if kind == "householder":  # the base completes the matrix with random columns
        _copy_from_torch(lin, t_lin)
    w = _np(lin.weight)
    np.testing.assert_allclose(w @ w.T, np.eye(shape[0]), atol=1e-5)
    _close(lin.weight, t_lin.weight)
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32) * 0.3
    check(lambda a: lin.parametrizations.weight[0](a),
          lambda a: t_lin.parametrizations.weight[0](a), x, atol=1e-4)


def test_orthogonal_errors_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in ({"orthogonal_map": "qr"},):
        with pytest.raises(ValueError) as t_err:
            torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), **kwargs)
        with pytest.raises(ValueError) as err:
            PZ.orthogonal(pnn.Linear(3, 3), **kwargs)
        assert str(err.value) == str(t_err.value)
    with pytest.raises(ValueError) as t_err:
        torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError) as err:
        PZ.orthogonal(pnn.Linear(3, 3), "bias")
    assert str(err.value) == str(t_err.value)


# -- legacy hooks -----------------------------------------------------------------------------

def test_legacy_weight_norm_matches_torch():
    torch = pytest.importorskip("torch")
    t_lin = torch.nn.Linear(4, 3)
    lin = pnn.Linear(4, 3)
    _copy_from_torch(lin, t_lin)
    with warnings.catch_warnings(record=True) as t_rec:
        warnings.simplefilter("always")
        torch.nn.utils.weight_norm(t_lin)
    with pytest.warns(FutureWarning) as rec:
        pnn.utils.weight_norm(lin)
    assert str(rec[0].message) == str(t_rec[0].message)
    assert sorted(lin.state_dict()) == sorted(t_lin.state_dict())
    _close(lin.weight_g, t_lin.weight_g)
    _close(lin.weight_v, t_lin.weight_v)
    x = np.random.default_rng(5).standard_normal((2, 4)).astype(np.float32)
    lin(pl.tensor(x)).sum().backward()
    t_lin(torch.tensor(x)).sum().backward()
    _close(lin.weight_g.grad, t_lin.weight_g.grad)
    _close(lin.weight_v.grad, t_lin.weight_v.grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(RuntimeError) as t_err:
            torch.nn.utils.weight_norm(t_lin)
        with pytest.raises(RuntimeError) as err:
            pnn.utils.weight_norm(lin)
    assert str(err.value) == str(t_err.value)
    pnn.utils.remove_weight_norm(lin)
    torch.nn.utils.remove_weight_norm(t_lin)
    assert sorted(lin.state_dict()) == sorted(t_lin.state_dict())
    _close(lin.weight, t_lin.weight)


def test_legacy_spectral_norm_matches_torch():
    torch = pytest.importorskip("torch")
    t_lin = torch.nn.Linear(5, 4)
    lin = pnn.Linear(5, 4)
    _copy_from_torch(lin, t_lin)
    torch.nn.utils.spectral_norm(t_lin)
    pnn.utils.spectral_norm(lin)
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    assert lin.state_dict()._metadata[""]["spectral_norm"] == \
        t_lin.state_dict()._metadata[""]["spectral_norm"]
    _copy_from_torch(lin, t_lin)
    x = np.random.default_rng(6).standard_normal((3, 5)).astype(np.float32)
    for _ in range(3):
        _close(lin(pl.tensor(x)), t_lin(torch.tensor(x)))
    for name in ("weight_u", "weight_v", "weight"):
        _close(getattr(lin, name), getattr(t_lin, name))
    # Two forwards before one backward (a GAN discriminator on real and fake batches).
    (lin(pl.tensor(x)).sum() + (lin(pl.tensor(x[:1])) ** 2).sum()).backward()
    (t_lin(torch.tensor(x)).sum() + (t_lin(torch.tensor(x[:1])) ** 2).sum()).backward()
    _close(lin.weight_orig.grad, t_lin.weight_orig.grad)
    pnn.utils.remove_spectral_norm(lin)
    torch.nn.utils.remove_spectral_norm(t_lin)
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    _close(lin.weight, t_lin.weight)
    with pytest.raises(ValueError) as t_err:
        torch.nn.utils.remove_spectral_norm(t_lin)
    with pytest.raises(ValueError) as err:
        pnn.utils.remove_spectral_norm(lin)
    assert str(err.value) == str(t_err.value)


# -- compile ----------------------------------------------------------------------------------

def _model():
    """One layer of each kind, so that one compiled program covers them all."""
    pl.manual_seed(0)
    layers = [pnn.Linear(4, 4) for _ in range(4)]
    PZ.weight_norm(layers[0])
    PZ.spectral_norm(layers[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        pnn.utils.weight_norm(layers[2])
    pnn.utils.spectral_norm(layers[3])
    return pnn.Sequential(layers[0], pnn.Tanh(), layers[1], pnn.Tanh(), layers[2], pnn.Tanh(),
                          layers[3])


def _train_step(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    return step


def test_compiled_step_matches_eager():
    rng = np.random.default_rng(7)
    x = pl.tensor(rng.standard_normal((6, 4)).astype(np.float32))
    y = pl.tensor(rng.standard_normal((6, 4)).astype(np.float32))
    runs = []
    for compiled in (False, True):
        model = _model()
        step = _train_step(model, pl.optim.SGD(model.parameters(), lr=0.1))
        fn = pl.compile(step) if compiled else step
        losses = [float(fn(x, y)) for _ in range(3)]
        runs.append((losses, model, fn))
    (l_e, m_e, _), (l_c, m_c, fn_c) = runs
    np.testing.assert_allclose(l_c, l_e, rtol=1e-5)
    assert fn_c.trace_count <= 2  # the first call creates optimizer state, then one program
    sd_e, sd_c = m_e.state_dict(), m_c.state_dict()
    assert list(sd_e) == list(sd_c)
    assert "2.parametrizations.weight.0._u" in sd_c and "6.weight_u" in sd_c
    for k in sd_e:
        _close(sd_c[k], sd_e[k])
    # The legacy hooks' weights are concrete tensors after the compiled calls, equal to the
    # eager ones (the weight computed in the last forward).
    for i in (4, 6):
        assert not isinstance(m_c[i].__dict__["weight"]._cell.a, jax.core.Tracer)
        _close(np.asarray(m_c[i].weight), m_e[i].weight)
    _close(m_c(x), m_e(x))


# -- fusion and skip_init ---------------------------------------------------------------------

def test_fusion_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import fusion as tf
    rng = np.random.default_rng(8)
    t_conv, t_bn = torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3)
    conv, bn = pnn.Conv2d(2, 3, 3), pnn.BatchNorm2d(3)
    t_bn.running_mean.copy_(torch.tensor(rng.standard_normal(3).astype(np.float32)))
    t_bn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, 3).astype(np.float32)))
    with torch.no_grad():
        t_bn.weight.copy_(torch.tensor(rng.uniform(0.5, 2, 3).astype(np.float32)))
    _copy_from_torch(conv, t_conv)
    _copy_from_torch(bn, t_bn)
    fused = pnn.utils.fusion.fuse_conv_bn_eval(conv.eval(), bn.eval())
    t_fused = tf.fuse_conv_bn_eval(t_conv.eval(), t_bn.eval())
    _close(fused.weight, t_fused.weight)
    _close(fused.bias, t_fused.bias)
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    _close(fused(pl.tensor(x)), t_bn(t_conv(torch.tensor(x))), atol=1e-4)
    t_lin, t_bn1 = torch.nn.Linear(4, 3, bias=False), torch.nn.BatchNorm1d(3)
    lin, bn1 = pnn.Linear(4, 3, bias=False), pnn.BatchNorm1d(3)
    t_bn1.running_var.copy_(torch.tensor(rng.uniform(0.5, 2, 3).astype(np.float32)))
    _copy_from_torch(lin, t_lin)
    _copy_from_torch(bn1, t_bn1)
    fl = pnn.utils.fuse_linear_bn_eval(lin.eval(), bn1.eval())
    t_fl = tf.fuse_linear_bn_eval(t_lin.eval(), t_bn1.eval())
    _close(fl.weight, t_fl.weight)
    _close(fl.bias, t_fl.bias)
    assert fl.bias.requires_grad == t_fl.bias.requires_grad
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        pnn.utils.fuse_linear_bn_eval(lin.train(), bn1)


def test_skip_init_matches_torch():
    torch = pytest.importorskip("torch")
    layer = pnn.utils.skip_init(pnn.Linear, 5, 2, bias=False)
    t_layer = torch.nn.utils.skip_init(torch.nn.Linear, 5, 2, bias=False)
    assert layer.weight.shape == t_layer.weight.shape and layer.bias is None
    for bad in (int, pnn.ReLU):
        t_bad = int if bad is int else torch.nn.ReLU
        with pytest.raises(RuntimeError) as t_err:
            torch.nn.utils.skip_init(t_bad)
        with pytest.raises(RuntimeError) as err:
            pnn.utils.skip_init(bad)
        assert str(err.value) == str(t_err.value)
