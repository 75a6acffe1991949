"""Lazy modules: shapes from the first input, then the eager layer (torch's behaviour)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pytorch_like as pl
from parity import torch

nn = pl.nn


def _pairs():
    return [("LazyLinear", (3,), (2, 5), "Linear"),
            ("LazyConv2d", (4, 3), (1, 2, 6, 6), "Conv2d"),
            ("LazyConv1d", (4, 2), (2, 3, 7), "Conv1d"),
            ("LazyBatchNorm2d", (), (2, 3, 4, 4), "BatchNorm2d"),
            ("LazyBatchNorm1d", (), (4, 5), "BatchNorm1d")]


@pytest.mark.parametrize("name,args,shape,becomes", _pairs())
def test_first_forward_fixes_shapes_and_turns_into_the_eager_layer(name, args, shape, becomes):
    m = getattr(nn, name)(*args)
    before = repr(m)
    assert m.has_uninitialized_params()
    m(pl.ones(*shape))
    assert type(m) is getattr(nn, becomes)
    assert not hasattr(m, "_initialize_hook")
    after = repr(m)
    names = [(k, tuple(v.shape)) for k, v in m.state_dict().items()]
    if torch is not None:
        t = getattr(torch.nn, name)(*args)
        assert before == repr(t)
        t(torch.ones(*shape))
        assert after == repr(t)
        assert names == [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


def test_uninitialized_parameter_errors_like_torch():
    m = nn.LazyLinear(4)
    assert repr(m.weight) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized "
                                           "parameter or buffer"):
        _ = m.weight.shape


def test_init_follows_the_eager_layers_scheme():
    pl.manual_seed(0)
    m = nn.LazyLinear(64)
    m(pl.ones(8, 400))
    bound = 1 / math.sqrt(400)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound  # U(-b, b) has std b/sqrt(3)
    bn = nn.LazyBatchNorm2d()
    bn.eval()
    bn(pl.ones(2, 3, 2, 2))
    assert bn.weight.tolist() == [1.0] * 3 and bn.running_var.tolist() == [1.0] * 3


def _net():
    return nn.Sequential(nn.LazyLinear(16), nn.ReLU(), nn.LazyLinear(1))


def test_optimizer_built_before_the_first_forward_trains_the_materialized_params():
    pl.manual_seed(0)
    net = _net()
    opt = pl.optim.SGD(net.parameters(), lr=0.05)
    rng = np.random.default_rng(0)
    x = pl.tensor(rng.standard_normal((32, 6)).astype(np.float32))
    y = x.sum(1, keepdim=True) * 0.5  # learnable: a linear target
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]
    assert [tuple(p.shape) for p in opt.param_groups[0]["params"]] == [(16, 6), (16,), (1, 16),
                                                                       (1,)]


def test_compile_needs_a_dry_run_first_then_equals_eager():
    net = _net()
    opt = pl.optim.SGD(net.parameters(), lr=0.05)
    x, y = pl.ones(4, 6), pl.zeros(4, 1)

    def step(x, y):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    with pytest.raises(RuntimeError, match="call the model once eagerly"):
        pl.compile(step)(x, y)
    net(x)  # the dry run
    twin = _net()
    twin(x)
    twin.load_state_dict(net.state_dict())
    twin_opt = pl.optim.SGD(twin.parameters(), lr=0.05)
    compiled = pl.compile(step)
    for _ in range(3):
        twin_opt.zero_grad()
        ref = ((twin(x) - y) ** 2).mean()
        ref.backward()
        twin_opt.step()
        assert compiled(x, y).item() == pytest.approx(ref.item(), rel=1e-6)
