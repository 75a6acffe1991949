"""Eager ``backward()`` as one program once a graph's structure repeats (``engine._fused_walk``).

The fused program must give exactly what the node-by-node walk gives (``.grad`` values,
accumulation, version checks, freeing the graph), and step aside whenever the walk has
something to call back into Python for (hooks, ``retain_grad``).
"""

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.autograd import engine
from pytorch_like.ops import _lazy

_WALK_ONLY = 10**9


@pytest.fixture
def fresh(monkeypatch):
    """An empty structure cache, and a count of nodes run by the node-by-node walk.

    Ops compute at once here (no lazy recording, tested in test_autograd_lazy.py), so that
    the backward these tests count is the one-program walk of computed graphs."""
    monkeypatch.setattr(_lazy, "ENABLED", False)
    monkeypatch.setattr(engine, "_FUSED", {})
    monkeypatch.setattr(_lazy, "_FUSE_AFTER", 2)
    calls = {"walk": 0}
    original = engine._Arrays.node

    def node(n, cts):
        calls["walk"] += 1
        return original(n, cts)
    monkeypatch.setattr(engine._Arrays, "node", staticmethod(node))
    return calls


def _leaves(lib, seed=0):
    rng = np.random.default_rng(seed)
    w = lib.tensor(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    x = lib.tensor(rng.standard_normal((3, 5)).astype(np.float32))
    return w, b, x


def _loss(lib, w, b, x):
    # A leaf used twice (w), an intermediate used twice (h), an op with two outputs of
    # which one carries no gradient (max's indices), an op with unsaved inputs (sum).
    h = x @ w + b
    r = lib.relu(h)
    m = lib.max(h * r, dim=1).values
    return (m.sum() + (x @ w).tanh().mean() + (h ** 2).sum() * 0.5)


def test_a_repeated_graph_runs_as_one_program_with_the_walks_gradients(fresh, monkeypatch):
    w, b, x = _leaves(pl)
    grads = []
    walked = []
    for _ in range(4):  # no zero_grad: .grad accumulates, as in torch
        before = fresh["walk"]
        _loss(pl, w, b, x).backward()
        walked.append(fresh["walk"] - before)
        grads.append((w.grad.numpy().copy(), b.grad.numpy().copy()))
    # The first backward of a structure walks node by node, and so does the second, the
    # first to add to an existing .grad (another program); from then on the whole backward
    # is one program.
    assert walked[0] > 5 and walked[1] == walked[0] and walked[2:] == [0, 0]
    assert [callable(e[1]) for e in engine._FUSED.values()] == [False, True]

    monkeypatch.setattr(_lazy, "_FUSE_AFTER", _WALK_ONLY)
    w2, b2, x2 = _leaves(pl)
    for k in range(4):
        _loss(pl, w2, b2, x2).backward()
        np.testing.assert_allclose(grads[k][0], w2.grad.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(grads[k][1], b2.grad.numpy(), rtol=1e-6, atol=1e-6)

    torch = pytest.importorskip("torch")
    tw, tb, tx = _leaves(torch)
    for _ in range(4):
        _loss(torch, tw, tb, tx).backward()
    np.testing.assert_allclose(grads[-1][0], tw.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads[-1][1], tb.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_a_graph_seen_once_is_walked_and_nothing_is_compiled_for_it(fresh):
    w, b, x = _leaves(pl)
    ((x @ w + b).sin().sum()).backward()
    assert fresh["walk"] == 4
    assert all(e[1] is None for e in engine._FUSED.values())


def test_zero_grad_and_accumulation_change_the_program_not_the_result(fresh):
    w, b, x = _leaves(pl)
    seen = []
    for _ in range(3):
        w.grad = None
        b.grad = None
        _loss(pl, w, b, x).backward()
        seen.append(w.grad.numpy().copy())
    _loss(pl, w, b, x).backward()  # accumulates: another program, same gradients added
    np.testing.assert_allclose(seen[0], seen[2], rtol=0, atol=0)
    np.testing.assert_allclose(w.grad.numpy(), 2 * seen[0], rtol=1e-6, atol=1e-6)


def test_the_fused_backward_frees_the_graph_and_keeps_torchs_errors(fresh):
    w, b, x = _leaves(pl)
    for _ in range(2):
        loss = _loss(pl, w, b, x)
        loss.backward()
    assert fresh["walk"] > 0
    before = fresh["walk"]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        loss.backward()
    assert fresh["walk"] == before

    # An in-place change of a saved input: the same error as the walk's.
    loss = _loss(pl, w, b, x)
    with pl.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    assert fresh["walk"] == before


def test_retain_graph_keeps_the_saved_values_for_a_second_fused_backward(fresh):
    w, b, x = _leaves(pl)
    _loss(pl, w, b, x).backward()
    first = w.grad.numpy().copy()
    w.grad = None
    loss = _loss(pl, w, b, x)
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * first, rtol=1e-6, atol=1e-6)


def test_hooks_and_retain_grad_keep_the_node_by_node_walk(fresh):
    w, b, x = _leaves(pl)
    called = []
    for _ in range(3):
        h = x @ w + b
        h.register_hook(lambda g: called.append(g.shape) or g * 2)
        r = h.relu()
        r.retain_grad()
        before = fresh["walk"]
        r.sum().backward()
        assert fresh["walk"] - before == 4
        np.testing.assert_allclose(r.grad.numpy(), np.ones((3, 4), np.float32))
    assert len(called) == 3
    expected = x.numpy().T @ (2 * (h.detach().numpy() > 0).astype(np.float32))
    np.testing.assert_allclose(w.grad.numpy(), 3 * expected, rtol=1e-5, atol=1e-5)


def test_complex_leaves_get_torchs_conjugate_gradient_in_the_fused_program(fresh):
    torch = pytest.importorskip("torch")
    z0 = np.array([1 + 2j, -0.5 + 0.25j, 3 - 1j], np.complex64)
    c0 = np.array([0.5 - 1j, 2 + 0j, -1 + 1j], np.complex64)
    z = pl.tensor(z0, requires_grad=True)
    tz = torch.tensor(z0, requires_grad=True)
    for lib, t in ((pl, z), (torch, tz)):
        c = lib.tensor(c0)
        for _ in range(3):
            ((t * c).abs() ** 2).sum().backward()
    assert fresh["walk"] > 0
    np.testing.assert_allclose(z.grad.numpy(), tz.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_a_graph_that_does_not_trace_as_one_program_falls_back_to_the_walk(fresh,
                                                                           monkeypatch):
    def broken(key, order):
        def program(*args):
            raise TypeError("not traceable")
        return program
    monkeypatch.setattr(engine, "_fused_program", broken)
    w, b, x = _leaves(pl)
    for _ in range(3):
        w.grad = b.grad = None
        before = fresh["walk"]
        _loss(pl, w, b, x).backward()
        assert fresh["walk"] > before  # walked every time, the graph still intact
    assert [e[1] for e in engine._FUSED.values()] == [False]
    monkeypatch.setattr(_lazy, "_FUSE_AFTER", _WALK_ONLY)
    expected = w.grad.numpy().copy()
    w.grad = b.grad = None
    _loss(pl, w, b, x).backward()
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=0, atol=0)


def test_an_eager_training_loop_matches_torch_with_the_fused_backward(fresh):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((4, 8, 1, 6, 6)).astype(np.float32)
    ys = rng.integers(0, 3, (4, 8))
    start = None
    runs = []
    for lib in (torch, pl):
        nn = lib.nn
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3))
        if start is None:
            start = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        else:
            model.load_state_dict({k: lib.tensor(v) for k, v in start.items()})
        opt = lib.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for x, y in zip(xs, ys):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        runs.append((losses, {k: v.detach().numpy() for k, v in model.state_dict().items()}))
    assert fresh["walk"] > 0 and any(callable(e[1]) for e in engine._FUSED.values())
    (theirs, their_w), (ours, our_w) = runs
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    for k in our_w:
        np.testing.assert_allclose(our_w[k], their_w[k], rtol=1e-4, atol=1e-5)
