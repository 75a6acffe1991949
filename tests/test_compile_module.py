"""``torch.compile(model)`` in training: the forward is one program recorded as one node.

Eager mode is the reference here (its ops and layers are checked against torch in their own
tests); every comparison below runs the same weights, data and seeds both ways.
"""

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pytorch_like as torch
import pytorch_like.nn as nn
import pytorch_like.nn.functional as F
from pytorch_like.ops import _lazy


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(4 * 3 * 3, 10))


def _data(n=6):
    rng = np.random.default_rng(0)
    return (torch.tensor(rng.standard_normal((n, 1, 8, 8)).astype(np.float32)),
            torch.tensor(rng.integers(0, 10, n)))


def _np(t):
    return np.asarray(t.detach().numpy())


def test_training_through_compiled_module_equals_eager(monkeypatch):
    # The reference computes op by op. Forward and backward as one eager program round
    # differently, and the conv bias before BatchNorm has a gradient of pure rounding noise
    # (~1e-8) whose sign Adam turns into a full step.
    monkeypatch.setattr(_lazy, "ENABLED", False)
    x, y = _data()
    runs = {}
    for name in ("eager", "compiled"):
        model = _cnn()
        run = torch.compile(model) if name == "compiled" else model
        groups = [{"params": list(model.parameters())[:2], "lr": 0.05},
                  {"params": list(model.parameters())[2:]}]
        opt = torch.optim.Adam(groups, lr=0.01)
        losses, grads, names = [], [], []
        for step in range(3):
            torch.manual_seed(100 + step)  # the same dropout masks both ways
            opt.zero_grad()
            out = run(x)
            names.append(out.grad_fn.name())
            loss = F.cross_entropy(out, y)
            loss.backward()
            grads.append([_np(p.grad) for p in model.parameters()])
            opt.step()
            losses.append(loss.item())
        runs[name] = (losses, grads, {k: _np(v) for k, v in model.state_dict().items()},
                      names, run)
    eager, comp = runs["eager"], runs["compiled"]
    assert comp[3] == ["CompiledFunctionBackward"] * 3
    assert eager[3][0] != "CompiledFunctionBackward"
    np.testing.assert_allclose(comp[0], eager[0], rtol=1e-6)
    for ge, gc in zip(eager[1], comp[1]):
        for a, b in zip(ge, gc):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    for k, v in eager[2].items():  # parameters, BatchNorm statistics, batches tracked
        np.testing.assert_allclose(comp[2][k], v, rtol=1e-5, atol=1e-6, err_msg=k)
    assert comp[4]._train_fwd.trace_count == 1  # one program for all three steps
    if jax.default_backend() == "cpu":
        # The convolution's residuals cross to the backward program channels-last, without
        # a layout copy on either side (what transpose(stored, perm) gives back is NCHW).
        (_, holder), = comp[4]._train_fwd._cache.values()
        assert (0, 3, 1, 2) in holder["res_perms"]


class _LM(nn.Module):
    """nanoGPT's calling convention: ``logits, loss = model(idx, targets)``."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 8)
        self.head = nn.Linear(8, 11, bias=False)
        self.head.weight = self.emb.weight  # weight tying, as in nanoGPT

    def forward(self, idx, targets=None):
        logits = self.head(torch.tanh(self.emb(idx)))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, 11),
                                                            targets.view(-1))
        return logits, loss, logits.argmax(-1), 7


def test_tuple_outputs_kwargs_tied_weights_and_integer_outputs():
    rng = np.random.default_rng(1)
    idx = torch.tensor(rng.integers(0, 11, (2, 5)))
    tgt = torch.tensor(rng.integers(0, 11, (2, 5)))
    got = {}
    for name in ("eager", "compiled"):
        torch.manual_seed(0)
        model = _LM()
        run = torch.compile(model) if name == "compiled" else model
        logits, loss, pred, seven = run(idx, targets=tgt)
        loss.backward()
        got[name] = (_np(loss), _np(model.emb.weight.grad), _np(pred), pred.requires_grad,
                     seven, logits.requires_grad)
        # Generation: no targets, no grad (runs the inference program).
        with torch.no_grad():
            gen_logits, gen_loss, _, _ = run(idx)
        assert gen_loss is None and not gen_logits.requires_grad
    e, c = got["eager"], got["compiled"]
    np.testing.assert_allclose(c[0], e[0], rtol=1e-6)
    np.testing.assert_allclose(c[1], e[1], rtol=1e-5, atol=1e-7)  # both uses of the tie
    np.testing.assert_array_equal(c[2], e[2])
    assert c[3:] == e[3:] == (False, 7, True)


def test_gradient_reaches_inputs_and_eager_layers_before_a_compiled_block():
    rng = np.random.default_rng(2)
    xn = rng.standard_normal((4, 3)).astype(np.float32)
    got = {}
    for name in ("eager", "compiled"):
        torch.manual_seed(0)
        first = nn.Linear(3, 5)
        block = nn.Sequential(nn.Linear(5, 5), nn.GELU(), nn.Linear(5, 2))
        inner = torch.compile(block) if name == "compiled" else block
        x = torch.tensor(xn, requires_grad=True)
        out = inner(first(x))
        (out ** 2).sum().backward()
        got[name] = [_np(x.grad), _np(first.weight.grad), _np(block[0].weight.grad)]
    for a, b in zip(got["eager"], got["compiled"]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_gradient_matches_jax_grad():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    xn = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
    torch.compile(model)(torch.tensor(xn)).sum().backward()
    params = [jnp.asarray(_np(p)) for p in model.parameters()]

    def loss(ps):
        h = jnp.tanh(xn @ ps[0].T + ps[1])
        return (h @ ps[2].T + ps[3]).sum()
    for p, g in zip(model.parameters(), jax.grad(loss)(params)):
        np.testing.assert_allclose(_np(p.grad), np.asarray(g), rtol=1e-6, atol=1e-7)


def test_frozen_parameters_get_no_grad():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    twin = copy.deepcopy(model)
    x = torch.randn(5, 3)
    torch.compile(model)(x).sum().backward()
    twin(x).sum().backward()
    assert model[0].weight.grad is None and model[0].bias.grad is None
    np.testing.assert_allclose(_np(model[2].weight.grad), _np(twin[2].weight.grad),
                               rtol=1e-6)


def test_backward_twice_retain_graph_and_create_graph():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    cm = torch.compile(model)
    x = torch.randn(4, 3)
    loss = cm(x).pow(2).sum()
    loss.backward(retain_graph=True)
    once = _np(model.weight.grad)
    loss.backward()
    np.testing.assert_allclose(_np(model.weight.grad), 2 * once, rtol=1e-6)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        loss.backward()
    loss = cm(x).pow(2).sum()
    with pytest.raises(RuntimeError, match="cannot be differentiated again"):
        torch.autograd.grad(loss, model.weight, create_graph=True)


def test_forward_hooks_run_eagerly_and_see_concrete_tensors():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seen = []
    model[1].register_forward_hook(lambda m, i, o: seen.append(o.detach()))
    out = torch.compile(model)(torch.randn(2, 3))
    assert out.grad_fn.name() == "AddmmBackward0"  # eager: the hook needs real values
    assert seen[0].shape == (2, 4) and float(seen[0].min()) >= 0.0


def test_in_place_change_of_an_input_happens_or_is_refused_when_it_requires_grad():
    class Scales(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            x.mul_(2)
            return self.lin(x)

    torch.manual_seed(0)
    model = Scales()
    twin = copy.deepcopy(model)
    x, x2 = torch.ones(2, 3), torch.ones(2, 3)
    torch.compile(model)(x).sum().backward()
    twin(x2).sum().backward()
    np.testing.assert_array_equal(_np(x), _np(x2))  # doubled, as eager mode leaves it
    assert x._version == x2._version == 1
    np.testing.assert_allclose(_np(model.lin.weight.grad), _np(twin.lin.weight.grad),
                               rtol=1e-6)
    with pytest.raises(RuntimeError, match="changed an input that requires grad in place"):
        torch.compile(Scales())(torch.ones(2, 3, requires_grad=True) * 1)


def test_new_shapes_and_modes_retrace_same_ones_do_not():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    cm = torch.compile(model)
    for n in (2, 2, 5, 2):
        cm(torch.randn(n, 3)).sum().backward()
    assert cm._train_fwd.trace_count == 2
    cm.eval()
    for _ in range(2):
        cm(torch.randn(2, 3)).sum().backward()
    assert cm._train_fwd.trace_count == 3


def _sgd_step(run, opt, x, y):
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(run(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def test_compiled_module_inside_a_compiled_step_is_traced_through():
    x, y = _data()
    got = {}
    for name in ("eager", "compiled"):
        model = _cnn()
        run = torch.compile(model)
        step = _sgd_step(run, torch.optim.SGD(model.parameters(), lr=0.1), x, y)
        stepper = torch.compile(step) if name == "compiled" else step
        torch.manual_seed(5)
        losses = [stepper().item() for _ in range(2)]
        got[name] = (losses, _np(model[0].weight))
    np.testing.assert_allclose(got["compiled"][0], got["eager"][0], rtol=1e-6)
    np.testing.assert_allclose(got["compiled"][1], got["eager"][1], rtol=1e-5, atol=1e-6)


def test_parameter_changed_in_place_before_backward_is_refused():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.compile(model)(torch.randn(4, 3)).sum()
    model.weight.grad = torch.zeros(2, 3)
    opt.step()  # updates the weight in place before the backward that needs it
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_tensor_stored_on_the_module_in_forward_is_concrete_and_reuses_the_program():
    class Keeps(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            att = self.lin(x).softmax(-1)
            self.last_att = att  # kept for plotting, as attention tutorials do
            return (att * x).sum()

    torch.manual_seed(0)
    model = Keeps()
    twin = copy.deepcopy(model)
    cm = torch.compile(model)
    for _ in range(4):
        x = torch.randn(2, 3)
        cm(x).backward()
        twin(x).backward()
        np.testing.assert_allclose(_np(model.last_att), _np(twin.last_att), rtol=1e-6)
    np.testing.assert_allclose(_np(model.lin.weight.grad), _np(twin.lin.weight.grad),
                               rtol=1e-5, atol=1e-7)
    # One program without the attribute, one with it; then no more.
    assert cm._train_fwd.trace_count == 2


def test_untraceable_forward_says_what_to_move():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            h = self.lin(x)
            return h * h.sum().item()

    with pytest.raises(RuntimeError, match=r"Tensor.item\(\) cannot run inside a compiled"):
        torch.compile(Branchy())(torch.randn(3, 2))


def test_lazy_module_first_call_runs_eagerly_then_compiled():
    for grad in (True, False):
        torch.manual_seed(0)
        model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.Linear(4, 2))
        cm = torch.compile(model)
        x = torch.randn(3, 5)
        with torch.set_grad_enabled(grad):
            first = cm(x)  # materializes the lazy weight
            second = cm(x)
            again = model(x)
        assert tuple(model[0].weight.shape) == (4, 5)
        np.testing.assert_allclose(_np(second), _np(again), rtol=1e-6)
        np.testing.assert_allclose(_np(first), _np(again), rtol=1e-6)
        if grad:
            assert second.grad_fn.name() == "CompiledFunctionBackward"
