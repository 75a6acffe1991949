"""nn.utils: clip_grad_norm_ / clip_grad_value_ against torch; parameters <-> vector."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as pnn
from pytorch_like.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _pair(torch, scale):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) * scale for s in [(3, 4), (5,), (2, 2)]]
    ours, theirs = [], []
    for g in grads:
        p = pnn.Parameter(pl.zeros(*g.shape))
        p.grad = pl.tensor(g)
        ours.append(p)
        if torch is not None:
            q = torch.nn.Parameter(torch.zeros(*g.shape))
            q.grad = torch.tensor(g)
            theirs.append(q)
    return ours, theirs


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                (0.3, math.inf), (2.0, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, 2.0)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    p_total = clip_grad_norm_(ours, max_norm, norm_type)
    assert isinstance(p_total, pl.Tensor) and p_total.dim() == 0
    np.testing.assert_allclose(float(p_total), float(t_total), rtol=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_semantics_without_torch():
    ours, _ = _pair(None, 3.0)
    before = np.sqrt(sum((np.asarray(p.grad) ** 2).sum() for p in ours))
    total = clip_grad_norm_(iter(ours), 1.0)
    np.testing.assert_allclose(float(total), before, rtol=1e-5)
    after = np.sqrt(sum((np.asarray(p.grad) ** 2).sum() for p in ours))
    np.testing.assert_allclose(after, 1.0, rtol=1e-4)
    lone = pnn.Parameter(pl.zeros(2))
    assert float(clip_grad_norm_(lone, 1.0)) == 0.0  # no grads: norm 0
    bad = pnn.Parameter(pl.zeros(2))
    bad.grad = pl.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([bad], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, 2.0)
    assert clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(p.grad), q.grad.numpy())


def test_parameters_vector_round_trip():
    m = pnn.Sequential(pnn.Linear(3, 2), pnn.Linear(2, 1))
    v = parameters_to_vector(m.parameters())
    assert tuple(v.shape) == (3 * 2 + 2 + 2 + 1,)
    flat = np.concatenate([np.asarray(p.detach()).ravel() for p in m.parameters()])
    np.testing.assert_array_equal(np.asarray(v.detach()), flat)
    assert v.requires_grad  # differentiable, as torch's
    w = m[0].weight
    vector_to_parameters(pl.arange(11.0), m.parameters())
    assert m[0].weight is w
    np.testing.assert_array_equal(np.asarray(w.detach()), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(np.asarray(m[1].bias.detach()), [10.0])
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters([1.0], m.parameters())
