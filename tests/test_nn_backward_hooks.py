"""Module backward hooks (full, pre, legacy, global) compared with real torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pytorch_like as pl
from parity import torch

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")

W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
B = np.array([0.5, -0.5], np.float32)
X = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 2.0]], np.float32)


def _lin(L):
    lin = L.nn.Linear(3, 2)
    with L.no_grad():
        lin.weight.copy_(L.tensor(W))
        lin.bias.copy_(L.tensor(B))
    return lin


def _l(gs):
    return [None if g is None else np.round(g.detach().numpy(), 5).tolist() for g in gs]


def _full_run(L, x_rg=True):
    lin = _lin(L)
    rec = []

    def pre(m, go):
        rec.append(("pre", _l(go)))
        return (go[0] * 3,)

    def hook(m, gi, go):
        assert m is lin
        rec.append(("full", _l(gi), _l(go)))
        return None if gi[0] is None else (gi[0] * 2,)

    h1 = lin.register_full_backward_pre_hook(pre)
    h2 = lin.register_full_backward_hook(hook)
    x = L.tensor(X, requires_grad=x_rg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (lin(x) * L.tensor([[1.0, 2.0]])).sum().backward()
    out = (rec, None if x.grad is None else _l([x.grad]), _l([lin.weight.grad, lin.bias.grad]))
    h1.remove()
    h2.remove()
    rec.clear()
    lin.zero_grad()
    x = L.tensor(X, requires_grad=True)
    lin(x).sum().backward()  # removed hooks do not fire
    assert rec == []
    return out


@needs_torch
@pytest.mark.parametrize("x_rg", [True, False])
def test_full_and_pre_hook_match_torch(x_rg):
    assert _full_run(pl, x_rg) == _full_run(torch, x_rg)


@needs_torch
def test_grad_fn_name_and_no_input_grad_warning():
    for L in (pl, torch):
        lin = _lin(L)
        lin.register_full_backward_hook(lambda m, gi, go: None)
        y = lin(L.tensor(X, requires_grad=True))
        assert y.grad_fn.name() == "BackwardHookFunctionBackward"
        y = lin(L.tensor(X))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            y.sum().backward()
        lin2 = _lin(L)
        lin2.register_full_backward_hook(lambda m, gi, go, L=L: (L.ones(2, 3),))
        with pytest.raises(RuntimeError, match="no input requires gradient"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lin2(L.tensor(X)).sum().backward()


class _Two:
    """forward(a, k, b) -> (a * b, a + 1) with a non-tensor positional argument."""

    @staticmethod
    def build(L):
        class M(L.nn.Module):
            def forward(self, a, k, b):
                return a * b * k, a + 1
        return M()


@needs_torch
def test_multiple_inputs_outputs_and_none():
    res = []
    for L in (pl, torch):
        m = _Two.build(L)
        rec = []
        m.register_full_backward_hook(
            lambda mod, gi, go, rec=rec: rec.append((_l(gi), _l(go))))
        a = L.tensor([1.0, 2.0], requires_grad=True)
        b = L.tensor([3.0, 4.0])  # needs no grad: its grad_input entry is zeros
        p, _q = m(a, 2.0, b)
        p.sum().backward()  # the second output gets no gradient: None in grad_output
        res.append((rec, _l([a.grad])))
    assert res[0] == res[1]


@needs_torch
def test_invalid_number_of_grads_raises():
    for L in (pl, torch):
        lin = _lin(L)
        lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_input"):
            lin(L.tensor(X, requires_grad=True)).sum().backward()
        lin = _lin(L)
        lin.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output"):
            lin(L.tensor(X, requires_grad=True)).sum().backward()


@needs_torch
def test_mixing_full_and_legacy_raises():
    for L in (pl, torch):
        lin = _lin(L)
        lin.register_full_backward_hook(lambda m, gi, go: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            lin.register_backward_hook(lambda m, gi, go: None)
        lin = _lin(L)
        lin.register_backward_hook(lambda m, gi, go: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            lin.register_full_backward_hook(lambda m, gi, go: None)


@needs_torch
def test_legacy_hook_on_single_op_module():
    # A module whose forward is one op: the legacy hook sees that op's gradients.
    res = []
    for L in (pl, torch):
        m = L.nn.Tanh()
        rec = []

        def hook(mod, gi, go, rec=rec):
            rec.append((_l(gi), _l(go)))
            return (gi[0] * 10,)
        m.register_backward_hook(hook)
        x = L.tensor([0.0, 1.0], requires_grad=True)
        y = x * 1  # a non-leaf input, so the op's only input is the module's input
        m(y).sum().backward()
        res.append((rec, _l([x.grad])))
    assert res[0] == res[1]


@needs_torch
def test_global_hooks_and_order():
    res = []
    for L in (pl, torch):
        mm = L.nn.modules.module
        order = []
        seq = L.nn.Sequential(_lin(L), L.nn.ReLU())
        seq[0].register_full_backward_hook(lambda m, gi, go, order=order: order.append("own"))
        handles = [
            mm.register_module_forward_pre_hook(
                lambda m, a, order=order: order.append("fpre " + type(m).__name__)),
            mm.register_module_forward_hook(
                lambda m, a, o, order=order: order.append("fwd " + type(m).__name__)),
            mm.register_module_full_backward_pre_hook(
                lambda m, go, order=order: order.append("bpre " + type(m).__name__)),
            mm.register_module_full_backward_hook(
                lambda m, gi, go, order=order: order.append("bwd " + type(m).__name__)),
        ]
        try:
            seq(L.tensor(X, requires_grad=True)).sum().backward()
        finally:
            for h in handles:
                h.remove()
        seq(L.tensor(X, requires_grad=True)).sum().backward()
        res.append(order)
    assert res[0] == res[1]


@needs_torch
def test_global_mixing_raises():
    for L in (pl, torch):
        mm = L.nn.modules.module
        h = mm.register_module_full_backward_hook(lambda m, gi, go: None)
        try:
            with pytest.raises(RuntimeError, match="as a global Module hook"):
                mm.register_module_backward_hook(lambda m, gi, go: None)
        finally:
            h.remove()


def _train_step_scaled(L, compiled: bool):
    L.manual_seed(0)
    model = L.nn.Sequential(L.nn.Linear(4, 8), L.nn.Tanh(), L.nn.Linear(8, 2))
    with L.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(L.tensor(np.linspace(-1, 1, p.numel(), dtype=np.float32)
                             .reshape(tuple(p.shape)) * (i + 1) * 0.3))
    model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
    model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 2.0,))
    opt = L.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = L.compile(step)
    x = L.tensor(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4))
    y = L.tensor(np.ones((3, 2), np.float32))
    losses = [float(step(x, y)) for _ in range(3)]
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


def test_compiled_step_with_scaling_hooks_equals_eager():
    eager = _train_step_scaled(pl, False)
    comp = _train_step_scaled(pl, True)
    np.testing.assert_allclose(eager[0], comp[0], rtol=1e-5)
    for a, b in zip(eager[1], comp[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    if torch is not None:
        ref = _train_step_scaled(torch, False)
        np.testing.assert_allclose(eager[0], ref[0], rtol=1e-4)
        for a, b in zip(eager[1], ref[1]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@needs_torch
def test_create_graph_through_hooks():
    res = []
    for L in (pl, torch):
        m = L.nn.Tanh()
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 3,))
        x = L.tensor([0.5, -1.0], requires_grad=True)
        (g,) = L.autograd.grad(m(x).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        res.append((_l([g]), _l([gg])))
    assert res[0] == res[1]


def test_module_inputs_keep_values_and_kwargs_pass_through():
    class M(pl.nn.Module):
        def forward(self, a, *, scale=1.0):
            return a * scale

    m = M()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(len(gi)))
    a = pl.tensor([1.0, 2.0], requires_grad=True)
    out = m(a, scale=pl.tensor(3.0, requires_grad=True))
    assert out.tolist() == [3.0, 6.0]
    out.sum().backward()
    assert seen == [1] and a.grad.tolist() == [3.0, 3.0]


def test_no_hooks_no_wrapping():
    lin = pl.nn.Linear(3, 2)
    y = lin(pl.tensor(X, requires_grad=True))
    assert y.grad_fn.name() != "BackwardHookFunctionBackward"
    with pl.no_grad():
        lin.register_full_backward_hook(lambda m, gi, go: None)
        assert lin(pl.tensor(X, requires_grad=True)).grad_fn is None


def _inplace_cases(L):
    """What torch says when a hooked module's output (a view made by its backward-hook
    function) or wrapped input is changed in place; None where it is allowed."""
    out = []

    def attempt(fn):
        try:
            fn()
            out.append(None)
        except RuntimeError as e:
            out.append(str(e))

    lin = _lin(L)
    lin.register_full_backward_hook(lambda m, gi, go: None)
    x = L.tensor(X, requires_grad=True)
    attempt(lambda: lin(x).relu_())
    seq = L.nn.Sequential(_lin(L), L.nn.ReLU(inplace=True))
    seq[0].register_full_backward_hook(lambda m, gi, go: None)
    attempt(lambda: seq(x).sum().backward())

    class Doubles(L.nn.Module):
        def forward(self, a):
            return a.mul_(2)

    d = Doubles()
    d.register_full_backward_pre_hook(lambda m, go: None)
    attempt(lambda: d(x * 1))

    class Pair(L.nn.Module):
        def forward(self, a, b):
            return a + b, b

    p = Pair()
    p.register_full_backward_hook(lambda m, gi, go: None)
    attempt(lambda: p(x * 1, x * 2)[1].add_(1))

    def allowed():
        with L.no_grad():
            lin(x).relu_()
        lin(x).clone().relu_()
    attempt(allowed)
    return out


@needs_torch
def test_in_place_change_of_a_hooked_modules_output_is_torchs_error():
    ours, theirs = _inplace_cases(pl), _inplace_cases(torch)
    assert ours == theirs
    assert theirs[0].startswith("Output 0 of BackwardHookFunction is a view")
    assert theirs[3].startswith("Output 1 of BackwardHookFunction")
    assert theirs[-1] is None
