"""Code as "Dive into Deep Learning" (d2l.ai, PyTorch edition) writes it, against real torch.

Each test runs one of the book's idioms with ``pytorch_like`` and with torch on the same
numpy data and compares values, types and printed text.
"""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


# -- preliminaries: NumPy-style keywords -------------------------------------------------
def test_axis_and_keepdims_keywords_as_torch():
    a = np.arange(20, dtype=np.float32).reshape(5, 4)
    for lib in (pl, torch):
        A = lib.tensor(a)
        got = [A.sum(axis=0), A.sum(axis=[0, 1]), A.mean(axis=0), A.cumsum(axis=0),
               A.sum(axis=1, keepdims=True), A.argmax(axis=1), A.softmax(axis=1),
               lib.cat((A, A), axis=1), lib.stack((A, A), axis=2), A[None].squeeze(axis=0),
               A.unsqueeze(axis=0), A.max(axis=1).values, A.clone().cumsum_(axis=1),
               lib.softmax(A, axis=0), A.gather(axis=1, index=lib.tensor([[0]] * 5))]
        if lib is pl:
            ours = got
        else:
            for o, t in zip(ours, got):
                assert tuple(o.shape) == tuple(t.shape)
                np.testing.assert_allclose(_np(o), _np(t), rtol=1e-6)
    # torch's Python-level functions keep refusing the NumPy name.
    with pytest.raises(TypeError):
        pl.tensor(a).split(2, axis=0)
    with pytest.raises(TypeError):
        pl.split(pl.tensor(a), 2, axis=0)


def test_norm_of_an_integer_tensor_is_refused():
    with pytest.raises(RuntimeError) as t:
        torch.norm(torch.arange(4))
    with pytest.raises(RuntimeError) as o:
        pl.norm(pl.arange(4))
    assert str(o.value) == str(t.value)
    with pytest.raises(RuntimeError, match="vector_norm"):
        pl.arange(4).norm()
    assert float(pl.norm(pl.arange(4).float())) == pytest.approx(float(np.sqrt(14)))


def test_multinomial_counts_as_torch():
    fair = np.ones(6, np.float32) / 6
    # One draw serves the shape/dtype/sum comparison with torch and the statistics (each
    # distinct draw shape compiles the sampler afresh).
    probs3 = np.array([0.1, 0.3, 0.6], np.float32)
    s = pl.distributions.multinomial.Multinomial(10, pl.tensor(probs3)).sample((4000,))
    t = torch.distributions.multinomial.Multinomial(10, torch.tensor(probs3)).sample((4000,))
    assert (tuple(s.shape), str(s.dtype)) == (tuple(t.shape), str(t.dtype))
    assert s.sum(dim=1).tolist() == t.sum(dim=1).tolist() == [10.0] * 4000
    # counts follow the probabilities: mean n*p, within 5 standard errors of 4000 samples
    many = s.numpy()
    se = np.sqrt(10 * probs3 * (1 - probs3) / 4000)
    assert np.all(np.abs(many.mean(0) - 10 * probs3) < 5 * se), many.mean(0)

    # log_prob; a zero-probability category never drawn adds nothing (not 0 * -inf).
    logits = np.array([[0.1, 0.2, 0.3], [0.0, 1.0, -np.inf]], np.float32)
    v = np.array([[1., 1., 2.], [2., 2., 0.]], np.float32)
    check(lambda lg, v: pl.distributions.Multinomial(4, logits=lg).log_prob(v),
          lambda lg, v: torch.distributions.Multinomial(4, logits=lg).log_prob(v),
          logits, v, grad=False)
    probs = [[0.2, 0.3, 0.5], [0.1, 0.0, 0.9]]
    np.testing.assert_allclose(
        _np(pl.distributions.Multinomial(3, pl.tensor(probs)).entropy()),
        _np(torch.distributions.Multinomial(3, torch.tensor(probs)).entropy()), rtol=1e-5)
    with pytest.raises(NotImplementedError):
        pl.distributions.Multinomial(pl.tensor(3), pl.tensor(fair))


# -- shapes: size=, Size arithmetic ------------------------------------------------------
def test_factories_take_size_keyword():
    for name in ("zeros", "ones", "empty", "rand", "randn"):
        assert tuple(getattr(pl, name)(size=(8, 8)).shape) == \
            tuple(getattr(torch, name)(size=(8, 8)).shape)
        with pytest.raises(TypeError):
            getattr(pl, name)(2, size=(2,))


def test_size_concatenation_and_repetition_stay_sizes():
    X, T = pl.zeros(8, 8), torch.zeros(8, 8)
    for f in (lambda s: (1, 1) + s, lambda s: s + (1,), lambda s: s * 2, lambda s: 2 * s):
        o, t = f(X.shape), f(T.shape)
        assert type(o) is pl.Size and repr(o) == repr(t)
    with pytest.raises(TypeError):
        X.shape + [1]
    assert tuple(pl.ones((1, 1) + X.shape).shape) == (1, 1, 8, 8)


# -- attention: masked_softmax's repeat_interleave ---------------------------------------
def test_repeat_interleave_with_tensor_repeats():
    x = np.array([[1., 2.], [3., 4.]], np.float32)
    check(lambda a: pl.repeat_interleave(a, pl.tensor([1, 2]), dim=0),
          lambda a: torch.repeat_interleave(a, torch.tensor([1, 2]), dim=0), x)
    check(lambda a: a.repeat_interleave(pl.tensor([3]), dim=1),
          lambda a: a.repeat_interleave(torch.tensor([3]), dim=1), x)
    for lib in (pl, torch):
        got = (lib.repeat_interleave(lib.tensor([2, 3])).tolist(),
               lib.repeat_interleave(lib.tensor([2, 3]), 2).tolist())
        if lib is pl:
            ours = got
    assert ours == got
    with pytest.raises(RuntimeError, match="repeats must have the same size"):
        pl.repeat_interleave(pl.tensor([1, 2]), pl.tensor([1, 2, 3]))


def _masked_softmax(lib, X, valid_lens):
    # d2l's masked_softmax / sequence_mask, as the book writes them.
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = lib.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = X.reshape(-1, shape[-1])
    mask = lib.arange(X.size(1), dtype=lib.float32)[None, :] < valid_lens[:, None]
    X[~mask] = -1e6
    return lib.nn.functional.softmax(X.reshape(shape), dim=-1)


def test_masked_softmax_as_d2l():
    x = np.random.default_rng(0).normal(size=(2, 2, 4)).astype(np.float32)
    check(lambda a: _masked_softmax(pl, a * 1, pl.tensor([2, 3])),
          lambda a: _masked_softmax(torch, a * 1, torch.tensor([2, 3])), x)
    check(lambda a: _masked_softmax(pl, a * 1, pl.tensor([[1, 3], [2, 4]])),
          lambda a: _masked_softmax(torch, a * 1, torch.tensor([[1, 3], [2, 4]])), x)


# -- printed output ----------------------------------------------------------------------
def test_optimizer_repr_with_param_groups():
    def build(lib):
        w, b = lib.ones(1, 2, requires_grad=True), lib.zeros(1, requires_grad=True)
        return lib.optim.SGD([{"params": w, "weight_decay": 3}, {"params": b}], lr=0.003)
    assert repr(build(pl)) == repr(build(torch))


def test_lazy_state_dict_holds_the_uninitialized_parameter():
    for lib in (pl, torch):
        net = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.ReLU(), lib.nn.LazyLinear(2))
        sd = net.state_dict()
        got = (list(sd), repr(sd["0.weight"]), repr(net[0].weight))
        if lib is pl:
            ours = got
    assert ours == got
