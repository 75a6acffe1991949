"""``pytorch_like.utils.checkpoint``: values and gradients equal to the plain call and to
torch's, the random state replayed for dropout, warnings and errors as torch's, and the
same results under ``pytorch_like.compile``."""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check
from pytorch_like.utils.checkpoint import checkpoint, checkpoint_sequential

try:
    import torch
    import torch.utils.checkpoint as tcp
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")

rng = np.random.default_rng(0)
W1 = rng.standard_normal((6, 4)).astype(np.float32) * 0.5
B1 = rng.standard_normal(6).astype(np.float32) * 0.1
W2 = rng.standard_normal((3, 6)).astype(np.float32) * 0.5
X = rng.standard_normal((5, 4)).astype(np.float32)


def _mlp(lib):
    m = lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.Tanh(), lib.nn.Linear(6, 3, bias=False),
                          lib.nn.ReLU())
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(W1))
        m[0].bias.copy_(lib.tensor(B1))
        m[2].weight.copy_(lib.tensor(W2))
    return m


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_mlp_values_and_grads_match_torch(reentrant):
    ours, theirs = _mlp(pl), _mlp(torch) if torch is not None else None
    out = check(lambda x: checkpoint(ours, x, use_reentrant=reentrant),
                None if theirs is None else
                (lambda x: tcp.checkpoint(theirs, x, use_reentrant=reentrant)), X)
    assert out[0].grad_fn is not None
    if theirs is not None:
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("segments", [1, 2, 4])
def test_checkpoint_sequential_matches_torch(segments):
    ours, theirs = _mlp(pl), _mlp(torch) if torch is not None else None
    check(lambda x: checkpoint_sequential(ours, segments, x, use_reentrant=False),
          None if theirs is None else
          (lambda x: tcp.checkpoint_sequential(theirs, segments, x, use_reentrant=False)), X)
    if theirs is not None:
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-5, rtol=1e-5)


def _grads(run, m, x):
    for p in m.parameters():
        p.grad = None
    x.grad = None
    pl.manual_seed(7)
    y = run(x)
    y.square().sum().backward()
    return [y.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]


@pytest.mark.parametrize("reentrant", [True, False])
def test_dropout_sees_the_same_mask_when_recomputed(reentrant):
    pl.manual_seed(0)
    m = pl.nn.Sequential(pl.nn.Linear(4, 16), pl.nn.Dropout(0.5), pl.nn.Linear(16, 2))
    x = pl.tensor(X, requires_grad=True)
    plain = _grads(m, m, x)
    ckpt = _grads(lambda t: checkpoint(m, t, use_reentrant=reentrant), m, x)
    for a, b in zip(plain, ckpt):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # Without the replay the recomputation draws another mask: other gradients.
    other = _grads(lambda t: checkpoint(m, t, use_reentrant=reentrant,
                                        preserve_rng_state=False), m, x)
    np.testing.assert_allclose(plain[0], other[0], atol=1e-6)  # the forward is unchanged
    assert not np.allclose(plain[2], other[2])


def test_generator_continues_as_after_the_plain_call():
    m = pl.nn.Dropout(0.5)
    x = pl.ones(8, requires_grad=True)
    pl.manual_seed(3)
    checkpoint(m, x, use_reentrant=False).sum().backward()
    after_ckpt = pl.rand(4).numpy()
    pl.manual_seed(3)
    m(x).sum()
    np.testing.assert_array_equal(after_ckpt, pl.rand(4).numpy())


def test_autograd_grad_reaches_parameters():
    m = _mlp(pl)
    x = pl.tensor(X, requires_grad=True)
    ref = pl.autograd.grad(m(x).sum(), [x, m[0].weight])
    got = pl.autograd.grad(checkpoint(m, x, use_reentrant=False).sum(), [x, m[0].weight])
    for a, b in zip(ref, got):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_parameters_get_grads_when_input_does_not_require_grad():
    m = _mlp(pl)
    x = pl.tensor(X)
    checkpoint(m, x, use_reentrant=False).sum().backward()
    ref = _mlp(pl)
    ref(x).sum().backward()
    np.testing.assert_allclose(m[0].weight.grad.numpy(), ref[0].weight.grad.numpy(), atol=1e-6)


def test_multiple_outputs_kwargs_and_non_tensor_args():
    a = pl.tensor(X, requires_grad=True)

    def fn(x, k, *, scale=1.0):
        return x.sin() * k * scale, x.cos().sum()

    s, c = checkpoint(fn, a, 3, use_reentrant=False, scale=2.0)
    (s.sum() + c).backward()
    want = (np.cos(X) * 6 - np.sin(X))
    np.testing.assert_allclose(a.grad.numpy(), want, atol=1e-5)


def _warned(lib, fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
            err = None
        except Exception as e:  # noqa: BLE001  (the type is part of what is compared)
            out, err = None, (type(e).__name__, str(e))
    return out, err, [(w.category.__name__, str(w.message)) for w in caught]


@needs_torch
@pytest.mark.parametrize("kwargs,grad", [
    ({}, True),
    ({"use_reentrant": True}, False),
    ({"use_reentrant": False}, False),
    ({"use_reentrant": True, "foo": 1, "bar": 2}, True),
    ({"use_reentrant": True, "preserve_rng_state": False, "foo": 1}, True),
    ({"use_reentrant": True, "debug": True}, True),
])
def test_checkpoint_warnings_and_errors_match_torch(kwargs, grad):
    def run(lib, mod):
        x = lib.ones(3, requires_grad=grad)
        out, err, warns = _warned(lib, mod.checkpoint, lambda t: t.sin(), x, **kwargs)
        return (None if out is None else out.requires_grad), err, warns
    assert run(pl, pl.utils.checkpoint) == run(torch, tcp)


@needs_torch
def test_checkpoint_sequential_warning_matches_torch():
    def run(lib, mod):
        seq = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.ReLU())
        out, err, warns = _warned(lib, mod.checkpoint_sequential, seq, 2,
                                  lib.ones(2, requires_grad=True))
        return out.requires_grad, err, warns
    assert run(pl, pl.utils.checkpoint) == run(torch, tcp)


def _compiled_training(use_checkpoint: bool, x):
    pl.manual_seed(0)
    m = pl.nn.Sequential(pl.nn.Linear(4, 16), pl.nn.Dropout(0.5), pl.nn.Linear(16, 2))
    opt = pl.optim.SGD(m.parameters(), lr=0.1)

    @pl.compile
    def step(inp):
        opt.zero_grad()
        out = checkpoint(m, inp, use_reentrant=False) if use_checkpoint else m(inp)
        loss = out.square().mean()
        loss.backward()
        opt.step()
        return loss

    pl.manual_seed(5)
    losses = [float(step(x)) for _ in range(3)]
    # pl.rand afterwards: the generator must end where the plain step leaves it.
    return losses, [p.detach().numpy() for p in m.parameters()], pl.rand(2).numpy()


def test_checkpoint_under_compile_matches_the_plain_step_with_dropout():
    x = pl.tensor(X)
    (l1, p1, r1), (l2, p2, r2) = _compiled_training(True, x), _compiled_training(False, x)
    np.testing.assert_allclose(l1, l2, rtol=1e-6)
    for a, b in zip(p1, p2):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_array_equal(r1, r2)


def test_traced_backward_recomputes_behind_a_barrier():
    import jax
    import jax.numpy as jnp

    m = _mlp(pl)

    def grad_of_input(a):
        x = pl.Tensor._make(a, pl.float32, True)
        (g,) = pl.autograd.grad(checkpoint(m, x, use_reentrant=False).sum(), [x])
        return g._cell.a

    program = str(jax.make_jaxpr(grad_of_input)(jnp.asarray(X)))
    # The recomputation is separated from the forward as jax.checkpoint separates it.
    assert "optimization_barrier" in program
    assert program.count("tanh") >= 2


def test_tensors_of_a_callable_object_get_gradients():
    class Scale:
        def __init__(self):
            self.w = pl.tensor([2.0, 3.0], requires_grad=True)

        def __call__(self, x):
            return x * self.w

    f = Scale()
    checkpoint(f, pl.ones(2), use_reentrant=False).sum().backward()
    np.testing.assert_array_equal(f.w.grad.numpy(), [1.0, 1.0])
