"""Eager ops under grad mode recorded now and computed later (``ops/_lazy.py``).

Everything a user can observe must be what the op-by-op eager mode gives: values read
before or after ``backward()``, ``.grad``s, in-place changes and their version errors,
views, hooks, errors at the user's line. Each case runs twice, with recording on and off,
and the two must agree (dropout masks included: the same seed draws the same keys).
"""

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as nn
import pytorch_like.nn.functional as F
from pytorch_like.autograd import engine
from pytorch_like.ops import _lazy
from pytorch_like.tensor import _Lazy


@pytest.fixture
def fresh(monkeypatch):
    """Empty program caches, so that counts of what ran start from zero."""
    monkeypatch.setattr(engine, "_LAZY", {})
    monkeypatch.setattr(engine, "_FUSED", {})
    monkeypatch.setattr(_lazy, "_FORWARD", {})
    monkeypatch.setattr(_lazy, "ENABLED", True)


def _both(monkeypatch, fn):
    """``fn()`` with lazy recording off, then on (fresh caches each time)."""
    out = []
    for enabled in (False, True):
        monkeypatch.setattr(_lazy, "ENABLED", enabled)
        monkeypatch.setattr(engine, "_LAZY", {})
        monkeypatch.setattr(engine, "_FUSED", {})
        monkeypatch.setattr(_lazy, "_FORWARD", {})
        out.append(fn())
    return out


class _CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 5 * 5, 16)
        self.dropout2 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch_flatten(self.dropout1(x))
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def torch_flatten(x):
    return pl.flatten(x, 1)


def _train(kind: str, opt_name: str, steps: int = 5):
    pl.manual_seed(0)
    if kind == "cnn":
        model = _CNN()
        x = pl.randn(6, 1, 14, 14)
    else:
        model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 5))
        x = pl.randn(6, 12)
    y = pl.randint(0, 5, (6,))
    if opt_name == "adam":
        opt = pl.optim.Adam(model.parameters(), lr=1e-2)
    else:
        opt = pl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses, outs = [], []
    for _ in range(steps):
        opt.zero_grad()
        out = model(x)
        loss = F.nll_loss(out, y) if kind == "cnn" else F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        outs.append(out.detach().numpy())  # read after backward: a value the program kept
    return losses, outs, [p.detach().numpy() for p in model.parameters()]


@pytest.mark.parametrize("kind,opt_name", [("mlp", "adam"), ("mlp", "sgd"), ("cnn", "adam")])
def test_training_loops_match_op_by_op_eager(monkeypatch, kind, opt_name):
    (l0, o0, p0), (l1, o1, p1) = _both(monkeypatch, lambda: _train(kind, opt_name))
    np.testing.assert_allclose(l1, l0, rtol=1e-6, atol=1e-6)
    for a, b in zip(o1, o0):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(p1, p0):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # From the second step on, forward and backward ran as one program.
    assert [e[0] for e in engine._LAZY.values()] == [5]
    assert callable(next(iter(engine._LAZY.values()))[1])


def test_ops_under_grad_are_pending_until_backward(fresh):
    w = pl.randn(4, 3, requires_grad=True)
    x = pl.randn(2, 4)
    h = x @ w
    assert type(h._cell.peek()) is _Lazy
    assert h.shape == (2, 3) and h.dtype == pl.float32 and h.dim() == 2
    with pl.no_grad():
        z = x @ w
    assert type(z._cell.peek()) is not _Lazy  # nothing to differentiate: computed at once
    np.testing.assert_allclose(h.detach().numpy(), x.numpy() @ w.detach().numpy(), rtol=1e-6)


def test_the_program_keeps_what_tensors_show_and_drops_the_rest(fresh):
    w = pl.randn(4, 3, requires_grad=True)
    x = pl.randn(2, 4)
    for _ in range(3):
        w.grad = None
        h = pl.tanh(x @ w)  # shown: kept
        loss = (h * 2).sum()  # (h * 2) is shown by no tensor: dropped
        loss.backward()
    key = next(iter(engine._LAZY))
    assert len(key[5]) == 2  # h and the loss
    expected = np.tanh(x.numpy() @ w.detach().numpy())
    np.testing.assert_allclose(h.detach().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(loss.item(), 2 * expected.sum(), rtol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), x.numpy().T @ (2 * (1 - expected ** 2)),
                               rtol=1e-5)


def test_a_value_another_pending_op_still_needs_is_kept(monkeypatch):
    def run():
        w = pl.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        x = pl.tensor([[1.0, 2.0]])
        out = []
        for _ in range(3):
            w.grad = None
            h = x @ w
            aux = pl.tanh(h)  # recorded, outside the loss's graph, read after backward
            loss = (h ** 2).sum()
            del h
            loss.backward()
            out.append((loss.item(), aux.detach().numpy(), w.grad.numpy().copy()))
        return out
    off, on = _both(monkeypatch, run)
    for r0, r1 in zip(off, on):
        for u, v in zip(r0, r1):
            np.testing.assert_allclose(v, u, rtol=1e-6)


def test_reading_a_value_before_backward(monkeypatch):
    def run():
        w = pl.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        x = pl.tensor([[1.0, 2.0], [-1.0, 0.5]])
        res = []
        for _ in range(3):
            w.grad = None
            loss = pl.relu(x @ w).pow(2).mean()
            first = loss.item()  # computes the forward now
            loss.backward()
            res.append((first, w.grad.numpy().copy()))
        return res
    off, on = _both(monkeypatch, run)
    for (a0, g0), (a1, g1) in zip(off, on):
        assert a0 == pytest.approx(a1, rel=1e-6)
        np.testing.assert_allclose(g1, g0, rtol=1e-6)


def test_inplace_change_of_a_saved_input_still_raises_at_backward(fresh):
    w = pl.randn(3, requires_grad=True)
    a = pl.randn(3, requires_grad=True)
    h = a * 2
    y = (h * w).sum()  # saves h
    with pl.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_ops_and_views_of_pending_values(monkeypatch):
    def run():
        w = pl.tensor([[1.0, -2.0, 0.5], [0.5, 3.0, -1.0]], requires_grad=True)
        x = pl.tensor([[1.0, 2.0], [-1.0, 0.5]])
        res = []
        for _ in range(3):
            w.grad = None
            h = x @ w
            v = h.view(-1)
            v.mul_(2)  # through the view: h changes too
            h.relu_()
            loss = (h * pl.arange(3.0)).sum() + v[1]
            loss.backward()
            res.append((h.detach().numpy(), v.detach().numpy(), w.grad.numpy().copy()))
        return res
    off, on = _both(monkeypatch, run)
    for r0, r1 in zip(off, on):
        for u, v in zip(r0, r1):
            np.testing.assert_allclose(v, u, rtol=1e-6)


def test_hooks_retain_grad_and_autograd_grad_see_the_same_values(monkeypatch):
    def run():
        w = pl.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        x = pl.tensor([[1.0, 2.0]])
        seen = []
        h = x @ w
        h.register_hook(lambda g: seen.append(g.numpy().copy()))
        r = pl.sigmoid(h)
        r.retain_grad()
        (r ** 2).sum().backward(retain_graph=True)
        (g,) = pl.autograd.grad((r ** 3).sum(), w)
        return seen[0], r.grad.numpy(), w.grad.numpy(), g.numpy()
    off, on = _both(monkeypatch, run)
    for u, v in zip(off, on):
        np.testing.assert_allclose(v, u, rtol=1e-6)


def test_shape_errors_still_raise_at_the_op(fresh):
    lin = nn.Linear(4, 3)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied"):
        lin(pl.randn(2, 5))
    a = pl.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="must match the size"):
        a + pl.randn(4, 3)


def test_backward_twice_says_what_to_do(fresh):
    w = pl.randn(3, requires_grad=True)
    for _ in range(3):  # the one-program path too
        y = (w * w).sum()
        y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_recording_is_off_where_values_must_be_concrete(fresh, monkeypatch):
    # Anomaly detection keeps each op's traceback with its computed value.
    w = pl.randn(3, requires_grad=True)
    with pl.autograd.detect_anomaly():
        y = w * 2
    assert type(y._cell.peek()) is not _Lazy
    monkeypatch.setattr(_lazy, "ENABLED", False)
    assert type((w * 2)._cell.peek()) is not _Lazy


def test_parity_with_torch_over_an_eager_cnn_loop():
    torch = pytest.importorskip("torch")
    pl.manual_seed(0)
    model = _CNN()
    model.eval()  # no dropout: torch draws other masks
    tmodel = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, 1), torch.nn.ReLU(), torch.nn.Conv2d(4, 8, 3, 1),
        torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(200, 16),
        torch.nn.ReLU(), torch.nn.Linear(16, 10), torch.nn.LogSoftmax(dim=1))
    with torch.no_grad():
        for tp, p in zip(tmodel.parameters(), model.parameters()):
            tp.copy_(torch.from_numpy(p.detach().numpy()))
    rng = np.random.default_rng(1)
    xn = rng.standard_normal((6, 1, 14, 14)).astype(np.float32)
    yn = rng.integers(0, 10, 6)
    opt = pl.optim.Adam(model.parameters(), lr=1e-2)
    topt = torch.optim.Adam(tmodel.parameters(), lr=1e-2)
    for _ in range(4):
        opt.zero_grad()
        loss = F.nll_loss(model(pl.tensor(xn)), pl.tensor(yn))
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = torch.nn.functional.nll_loss(tmodel(torch.from_numpy(xn)), torch.from_numpy(yn))
        tloss.backward()
        topt.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-5, abs=1e-6)
    for tp, p in zip(tmodel.parameters(), model.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)


def test_a_dropped_graph_frees_its_values_without_the_cycle_collector(fresh):
    import gc
    import weakref

    w = pl.randn(64, 64, requires_grad=True)
    x = pl.randn(8, 64)
    gc.disable()
    try:
        h = pl.relu(x @ w)
        y = (h * 2).sum()
        y.item()  # computed op by op
        probe = weakref.ref(h._cell.peek())
        del h, y
        assert probe() is None
    finally:
        gc.enable()


def test_inplace_ops_on_pending_values_stay_pending(monkeypatch):
    def run():
        pl.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(inplace=True), nn.Linear(8, 3))
        x = pl.randn(4, 6)
        res = []
        for _ in range(3):
            model.zero_grad()
            h = model[0](x)
            h.mul_(2)
            h += 1
            out = model[2](model[1](h))
            pending = type(out._cell.peek()) is _Lazy
            out.sum().backward()
            res.append((pending, out.detach().numpy(), model[0].weight.grad.numpy().copy()))
        return res
    off, on = _both(monkeypatch, run)
    assert not any(r[0] for r in off) and all(r[0] for r in on)
    for r0, r1 in zip(off, on):
        np.testing.assert_allclose(r1[1], r0[1], rtol=1e-6)
        np.testing.assert_allclose(r1[2], r0[2], rtol=1e-6)


def test_a_node_computed_for_another_graph_keeps_what_its_own_backward_needs(monkeypatch):
    def run():
        w = pl.tensor([[1.0, -2.0, 0.5], [0.5, 3.0, -1.0]], requires_grad=True)
        x = pl.tensor([[1.0, 2.0], [-1.0, 0.5]])
        table = pl.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        res = []
        for _ in range(3):
            w.grad = table.grad = None
            # tanh's output is shown by no tensor; the product takes max's indices, recorded
            vals, idx = pl.max(pl.tanh(x @ w), dim=1, keepdim=True)
            first = (table.sum(1, keepdim=True) * idx).sum()
            first.backward()  # computes max (and tanh) without differentiating them
            vals.sum().backward()  # now through max and tanh: their saved inputs
            res.append((table.grad.numpy().copy(), w.grad.numpy().copy()))
        return res
    off, on = _both(monkeypatch, run)
    for r0, r1 in zip(off, on):
        for u, v in zip(r0, r1):
            np.testing.assert_allclose(v, u, rtol=1e-6)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_running_statistics_are_computed_with_the_program(monkeypatch, momentum):
    def run():
        pl.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3, momentum=momentum),
                              nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
        opt = pl.optim.SGD(model.parameters(), lr=0.1)
        x = pl.randn(4, 1, 6, 6)
        y = pl.randint(0, 2, (4,))
        forced = []
        original = _lazy.compute
        monkeypatch.setattr(_lazy, "compute", lambda nodes: (forced.append(len(nodes)),
                                                              original(nodes))[1])
        res = []
        for _ in range(4):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            bn = model[1]
            res.append((bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()))
        model.eval()
        with pl.no_grad():
            res.append((model(x).numpy(), model[1].num_batches_tracked.numpy()))
        monkeypatch.setattr(_lazy, "compute", original)
        return res, forced
    (off, _), (on, forced) = _both(monkeypatch, run)
    for r0, r1 in zip(off, on):
        for u, v in zip(r0, r1):
            np.testing.assert_allclose(v, u, rtol=1e-5, atol=1e-6)
    # Only the first step computes its forward apart (op by op); from the second on the
    # statistics are computed by the one-program backward: nothing is computed on its own,
    # neither the forward up to BatchNorm nor a statistic read after the step.
    assert len(forced) == 1
