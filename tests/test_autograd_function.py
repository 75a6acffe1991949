"""torch.autograd.Function: user-written forward and backward, checked against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pytorch_like as pl
from parity import torch


def _legendre(lib):
    """PyTorch's tutorial example: P3(x) = (5x^3 - 3x) / 2 with its derivative by hand."""

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):  # noqa: A002
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            return grad_output * 1.5 * (5 * input ** 2 - 1)
    return LegendrePolynomial3


def _fit(lib, steps: int):
    x = lib.linspace(-math.pi, math.pi, 200)
    y = lib.sin(x)
    a, b, c, d = (lib.tensor(v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    P3 = _legendre(lib)
    losses = []
    for _ in range(steps):
        y_pred = a + b * P3.apply(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    return losses, [p.item() for p in (a, b, c, d)]


def test_tutorial_legendre_fit_learns_and_matches_torch():
    losses, params = _fit(pl, 30)
    assert losses[-1] < 0.7 * losses[0]
    if torch is not None:
        t_losses, t_params = _fit(torch, 30)
        np.testing.assert_allclose(losses, t_losses, rtol=1e-4)
        np.testing.assert_allclose(params, t_params, rtol=1e-4, atol=1e-6)


def test_gradient_equals_autograd_of_the_same_formula():
    P3 = _legendre(pl)
    x0 = np.linspace(-1, 1, 7).astype(np.float32)
    x = pl.tensor(x0, requires_grad=True)
    (g,) = pl.autograd.grad(P3.apply(x).sum(), x)
    xr = pl.tensor(x0, requires_grad=True)
    (r,) = pl.autograd.grad((0.5 * (5 * xr ** 3 - 3 * xr)).sum(), xr)
    np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-6)
    out = P3.apply(x)
    assert out.grad_fn.name() == "LegendrePolynomial3Backward"
    assert not P3.apply(pl.tensor(x0)).requires_grad


_SEEN: dict = {}


class _Split(pl.autograd.Function):
    """Two outputs, a non-tensor argument, an integer output marked non-differentiable."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        ctx.set_materialize_grads(False)
        idx = x.argmax()
        ctx.mark_non_differentiable(idx)
        return x * scale, x.exp(), idx

    @staticmethod
    def backward(ctx, g_scaled, g_exp, g_idx):
        assert g_idx is None
        out = None
        if g_scaled is not None:
            out = g_scaled * ctx.scale
        _SEEN["g_exp"] = g_exp
        return out, None


def test_several_outputs_unused_gradients_and_non_differentiable_outputs():
    x = pl.tensor([0.5, 2.0], requires_grad=True)
    scaled, ex, idx = _Split.apply(x, 3.0)
    assert scaled.requires_grad and ex.requires_grad and not idx.requires_grad
    _SEEN["g_exp"] = "not called"
    scaled.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert _SEEN["g_exp"] is None  # set_materialize_grads(False): no zeros for unused


def test_needs_input_grad_and_setup_context_style():
    seen = {}

    class Mul(pl.autograd.Function):
        @staticmethod
        def forward(x, w):
            return x * w

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)
            seen["needs"] = ctx.needs_input_grad

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return (g * w if ctx.needs_input_grad[0] else None,
                    g * x if ctx.needs_input_grad[1] else None)

    x = pl.tensor([1.0, 2.0])
    w = pl.tensor([3.0, 4.0], requires_grad=True)
    Mul.apply(x, w).sum().backward()
    assert seen["needs"] == (False, True)
    assert w.grad.tolist() == [1.0, 2.0]


def doubling(name: str, backward):
    """A Function named ``name`` computing ``2x`` with the given (possibly wrong) backward."""
    return type(name, (pl.autograd.Function,), {
        "forward": staticmethod(lambda ctx, x: x * 2),
        "backward": staticmethod(backward)})


def test_errors_use_torchs_words():
    TooMany = doubling("TooMany", lambda ctx, g: (g, g))
    BadShape = doubling("BadShape", lambda ctx, g: g[0])

    x = pl.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function TooManyBackward returned an incorrect "
                                           r"number of gradients \(expected 1, got 2\)"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"Function BadShapeBackward returned an invalid "
                                           r"gradient at index 0 - got \[3\] but expected "
                                           r"shape compatible with \[2, 3\]"):
        BadShape.apply(x).sum().backward()
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        legacy = TooMany()
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward"):
        legacy(x)

    class SavesANumber(pl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3.0)
            return x

    with pytest.raises(TypeError, match="save_for_backward can only save variables, but "
                                        "argument 1 is of type float"):
        SavesANumber.apply(x)

    P3 = _legendre(pl)
    y = P3.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.backward()
    z = x * 1
    out = P3.apply(z)
    z.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_double_backward_through_a_differentiable_backward():
    class Cube(pl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = pl.tensor([1.0, -2.0], requires_grad=True)
    (g,) = pl.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = pl.autograd.grad(g.sum(), x)
    assert g.tolist() == [3.0, 12.0] and h.tolist() == [6.0, -12.0]

    class Frozen(Cube):
        backward = staticmethod(pl.autograd.function.once_differentiable(Cube.backward))

    (g,) = pl.autograd.grad(Frozen.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad


def test_custom_function_in_a_compiled_step_equals_eager():
    P3 = _legendre(pl)

    def make():
        pl.manual_seed(0)
        return pl.nn.Linear(3, 1)

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = ((P3.apply(model(x)) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    me, mc = make(), make()
    oe, oc = pl.optim.SGD(me.parameters(), lr=0.05), pl.optim.SGD(mc.parameters(), lr=0.05)
    compiled = pl.compile(lambda x, y: step(mc, oc, x, y))
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = pl.tensor(rng.standard_normal((8, 3)).astype(np.float32))
        y = pl.tensor(rng.standard_normal((8, 1)).astype(np.float32))
        assert compiled(x, y).item() == pytest.approx(step(me, oe, x, y).item(), rel=1e-5)
    for p, q in zip(me.parameters(), mc.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
