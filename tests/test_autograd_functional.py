"""torch.autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp against jax and torch."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pytorch_like as pl
from parity import torch

F = pl.autograd.functional
rng = np.random.default_rng(0)
X0 = rng.standard_normal(3).astype(np.float32)
W0 = rng.standard_normal((2, 3)).astype(np.float32)


def _net(lib):
    w = lib.tensor(W0)
    return lambda x: (w @ x).tanh() * x[:2]


def _net_j(x):
    return jnp.tanh(jnp.asarray(W0) @ x) * x[:2]


def _energy(lib):
    return lambda x: (x.sin() * x ** 2).sum()


def _energy_j(x):
    return jnp.sum(jnp.sin(x) * x ** 2)


def _np(t):
    return np.asarray(t.detach().numpy())


def test_jacobian_and_hessian_match_jax():
    J = F.jacobian(_net(pl), pl.tensor(X0))
    np.testing.assert_allclose(_np(J), np.asarray(jax.jacrev(_net_j)(jnp.asarray(X0))),
                               rtol=1e-5, atol=1e-6)
    H = F.hessian(_energy(pl), pl.tensor(X0))
    np.testing.assert_allclose(_np(H), np.asarray(jax.hessian(_energy_j)(jnp.asarray(X0))),
                               rtol=1e-5, atol=1e-5)


def test_products_match_jax():
    x, v2, v3 = jnp.asarray(X0), rng.standard_normal(2).astype(np.float32), \
        rng.standard_normal(3).astype(np.float32)
    out, vj = F.vjp(_net(pl), pl.tensor(X0), pl.tensor(v2))
    ref_out, pull = jax.vjp(_net_j, x)
    np.testing.assert_allclose(_np(out), np.asarray(ref_out), rtol=1e-6)
    np.testing.assert_allclose(_np(vj), np.asarray(pull(jnp.asarray(v2))[0]), rtol=1e-5,
                               atol=1e-6)
    _, jv = F.jvp(_net(pl), pl.tensor(X0), pl.tensor(v3))
    np.testing.assert_allclose(_np(jv), np.asarray(jax.jvp(_net_j, (x,), (jnp.asarray(v3),))[1]),
                               rtol=1e-5, atol=1e-6)
    hv_ref = np.asarray(jax.hessian(_energy_j)(x)) @ v3
    for fn in (F.hvp, F.vhp):
        val, hv = fn(_energy(pl), pl.tensor(X0), pl.tensor(v3))
        assert not val.requires_grad and not hv.requires_grad
        np.testing.assert_allclose(_np(hv), hv_ref, rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_tuple_inputs_and_outputs_nest_like_torch():
    def f(lib):
        return lambda x, y: (x * y, (x ** 2 * y).sum())

    def g(lib):
        return lambda x, y: (x * y.exp() ** 2).sum()

    x0, y0 = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    for call in (lambda lib: lib.autograd.functional.jacobian(f(lib), (lib.tensor(x0),
                                                                        lib.tensor(y0))),
                 lambda lib: lib.autograd.functional.hessian(g(lib), (lib.tensor(x0),
                                                                      lib.tensor(y0)))):
        ours, theirs = call(pl), call(torch)
        assert len(ours) == len(theirs) == 2
        for row_o, row_t in zip(ours, theirs):
            assert len(row_o) == len(row_t) == 2
            for o, t in zip(row_o, row_t):
                assert tuple(o.shape) == tuple(t.shape)
                np.testing.assert_allclose(_np(o), t.numpy(), rtol=1e-5, atol=1e-6)


def test_create_graph_lets_the_result_be_differentiated():
    # d/dw of sum(jacobian of x -> tanh(w x)) at x: compared with jax's nested transforms.
    w = pl.tensor(W0, requires_grad=True)
    J = F.jacobian(lambda x: (w @ x).tanh(), pl.tensor(X0), create_graph=True)
    assert J.requires_grad
    (dw,) = pl.autograd.grad(J.sum(), w)

    def total(wj):
        return jnp.sum(jax.jacrev(lambda x: jnp.tanh(wj @ x))(jnp.asarray(X0)))
    np.testing.assert_allclose(dw.numpy(), np.asarray(jax.grad(total)(jnp.asarray(W0))),
                               rtol=1e-5, atol=1e-6)


def test_errors_use_torchs_words():
    x = pl.tensor(X0)
    with pytest.raises(RuntimeError, match="The vector v can only be None if the "
                                           "user-provided function returns a single Tensor "
                                           "with a single element."):
        F.vjp(lambda a: a ** 2, x)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        F.jacobian(lambda a: 3.0, x)
    with pytest.raises(RuntimeError, match="should contain a single element"):
        F.hessian(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not "
                                           "require gradients"):
        F.jacobian(lambda a: pl.ones(3), x, strict=True)
    zero = F.jacobian(lambda a: pl.ones(3), x)
    assert zero.shape == (3, 3) and not zero.abs().sum().item()
    with pytest.raises(RuntimeError, match="Entry 0 in v has invalid size"):
        F.jvp(lambda a: a * 2, x, pl.ones(2))
