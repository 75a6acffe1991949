"""create_graph=True: gradients with a history, differentiated again (torch's double backward).

Every check compares against jax (nested vjps of our forward) and, when installed, torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn.functional as F
from parity import check_double_backward, torch

rng = np.random.default_rng(0)


def _a(*shape, lo=None):
    a = rng.standard_normal(shape).astype(np.float32)
    return np.abs(a) + lo if lo is not None else a


def _lib(t):
    return pl if isinstance(t, pl.Tensor) else torch


CASES = {
    "pow": (lambda x: x ** 3, _a(5)),
    "sin_mul": (lambda x: x.sin() * x, _a(5)),
    "exp_tanh": (lambda x: x.exp().tanh(), _a(2, 3)),
    "sigmoid": (lambda x: x.sigmoid(), _a(4)),
    "log_sqrt": (lambda x: x.log() + x.sqrt(), _a(6, lo=0.5)),
    "div": (lambda x, y: x / y, _a(3), _a(3, lo=0.5)),
    "matmul": (lambda x, w: (x @ w).tanh(), _a(3, 4), _a(4, 2)),
    "relu": (lambda x: F.relu(x) if isinstance(x, pl.Tensor) else torch.relu(x), _a(6)),
    "softplus_gelu": (lambda x: _lib(x).nn.functional.softplus(x)
                      + _lib(x).nn.functional.gelu(x), _a(6)),
    "log_softmax": (lambda x: _lib(x).nn.functional.log_softmax(x, dim=1), _a(3, 5)),
    "mean_var": (lambda x: x.var(dim=0) * x.mean(), _a(4, 3)),
    "norm": (lambda x: x.norm(dim=1), _a(3, 4)),
    "layer_norm": (lambda x, w: _lib(x).nn.functional.layer_norm(x, (4,), w), _a(2, 4),
                   _a(4)),
    # Ops whose gradient is a jax.custom_vjp of ours: the double backward differentiates it.
    "max_pool2d": (lambda x: _lib(x).nn.functional.max_pool2d(x, 2) ** 2, _a(1, 2, 4, 4)),
    "binary_cross_entropy": (lambda x: _lib(x).nn.functional.binary_cross_entropy(
        x.sigmoid(), _lib(x).full((5,), 0.3)), _a(5)),
    "batch_norm": (lambda x: _lib(x).nn.functional.batch_norm(x, None, None, training=True),
                   _a(4, 3)),
    "conv2d": (lambda x, w: _lib(x).nn.functional.conv2d(x, w).tanh(), _a(2, 2, 5, 5),
               _a(3, 2, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_gradients_match(name):
    fn, *inputs = CASES[name]
    check_double_backward(fn, fn, *inputs)


def test_cross_entropy_second_order():
    target = np.array([1, 0, 3], np.int64)

    def f(x):
        lib = _lib(x)
        return lib.nn.functional.cross_entropy(x, lib.tensor(target))
    check_double_backward(f, f, _a(3, 4))


def test_scalar_second_derivative_and_grad_fn():
    x = pl.tensor(3.0, requires_grad=True)
    (dy,) = pl.autograd.grad(x ** 3, x, create_graph=True)
    assert dy.requires_grad and dy.grad_fn is not None
    assert dy.item() == pytest.approx(27.0)
    (d2y,) = pl.autograd.grad(dy, x, create_graph=True)
    assert d2y.item() == pytest.approx(18.0)
    (d3y,) = pl.autograd.grad(d2y, x)
    assert d3y.item() == pytest.approx(6.0)
    assert not d3y.requires_grad


def test_without_create_graph_gradients_have_no_history():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    (g,) = pl.autograd.grad((x ** 2).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_hessian_vector_product_matches_jax_hessian():
    import jax
    import jax.numpy as jnp

    w0 = _a(4, 3)
    x0 = _a(5, 4)
    v = _a(4, 3)

    def loss_j(w):
        return jnp.sum(jnp.tanh(jnp.asarray(x0) @ w) ** 2)

    hess = jax.hessian(loss_j)(jnp.asarray(w0))
    ref = np.tensordot(np.asarray(hess), v, axes=([2, 3], [0, 1]))

    w = pl.tensor(w0, requires_grad=True)
    loss = ((pl.tensor(x0) @ w).tanh() ** 2).sum()
    (g,) = pl.autograd.grad(loss, w, create_graph=True)
    (hv,) = pl.autograd.grad((g * pl.tensor(v)).sum(), w)
    np.testing.assert_allclose(hv.numpy(), ref, rtol=1e-4, atol=1e-4)


def _critic(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))


def _penalty_step(lib, model, x):
    x = x.clone().requires_grad_(True)
    out = model(x)
    (g,) = lib.autograd.grad(out.sum(), x, create_graph=True)
    penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
    loss = out.mean() + 10 * penalty
    loss.backward()
    return loss


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_gradient_penalty_parameter_grads_match_torch():
    ours = _critic(pl)
    theirs = _critic(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = _a(6, 4)
    lo = _penalty_step(pl, ours, pl.tensor(x))
    lt = _penalty_step(torch, theirs, torch.tensor(x))
    assert lo.item() == pytest.approx(lt.item(), rel=1e-5)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_gradient_penalty_step_compiled_equals_eager():
    eager, comp = _critic(pl), _critic(pl)
    opt_e = pl.optim.SGD(eager.parameters(), lr=0.1)
    opt_c = pl.optim.SGD(comp.parameters(), lr=0.1)

    def step(model, opt, x):
        opt.zero_grad()
        loss = _penalty_step(pl, model, x)
        opt.step()
        return loss

    compiled = pl.compile(lambda x: step(comp, opt_c, x))
    for _ in range(3):
        x = pl.tensor(_a(6, 4))
        le = step(eager, opt_e, x)
        lc = compiled(x)
        assert lc.item() == pytest.approx(le.item(), rel=1e-5, abs=1e-6)
    for p, q in zip(eager.parameters(), comp.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_backward_create_graph_accumulates_a_differentiable_grad():
    x0 = np.array([0.5, -1.0, 2.0], np.float32)
    x = pl.tensor(x0, requires_grad=True)
    with pytest.warns(UserWarning, match="reference cycle between the parameter and its "
                                         "gradient"):
        (x.sin() * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    first = np.cos(x0) * x0 + np.sin(x0)
    np.testing.assert_allclose(g.detach().numpy(), first, rtol=1e-6)
    # The graph is retained by default, and the second backward accumulates
    # d(sum g)/dx = 2cos(x) - x sin(x) into x.grad.
    g.sum().backward()
    second = 2 * np.cos(x0) - x0 * np.sin(x0)
    np.testing.assert_allclose(x.grad.detach().numpy(), first + second, rtol=1e-5)
    if torch is not None:
        t = torch.tensor(x0, requires_grad=True)
        with pytest.warns(UserWarning):
            (t.sin() * t).sum().backward(create_graph=True)
        t.grad.sum().backward()
        np.testing.assert_allclose(x.grad.detach().numpy(), t.grad.detach().numpy(),
                                   rtol=1e-5)


def test_create_graph_retains_the_graph_by_default():
    x = pl.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    pl.autograd.grad(y, x, create_graph=True)
    (g,) = pl.autograd.grad(y, x)  # second pass through the same graph
    assert g.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        pl.autograd.grad(y, x)


def test_jacobian_vector_product_by_the_double_vjp_trick():
    # J u from two vjps: g(v) = J^T v is linear in v, so d<g(v), u>/dv = J u. The first
    # backward's grad_outputs (v) require grad, and their history is kept.
    x0, u0 = _a(3), _a(3)
    w0 = _a(4, 3)
    x = pl.tensor(x0, requires_grad=True)
    y = (pl.tensor(w0) @ x).tanh()
    v = pl.zeros(4, requires_grad=True)
    (g,) = pl.autograd.grad(y, x, v, create_graph=True)
    (ju,) = pl.autograd.grad(g, v, pl.tensor(u0))
    jac = (1 - np.tanh(w0 @ x0) ** 2)[:, None] * w0
    np.testing.assert_allclose(ju.numpy(), jac @ u0, rtol=1e-5, atol=1e-6)
