"""LBFGS against torch: the losses of every closure call and the final parameters."""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
from parity import torch

rng = np.random.default_rng(0)
X = rng.standard_normal((32, 5)).astype(np.float32)
Y = rng.standard_normal((32, 1)).astype(np.float32)


def _fit(lib, steps: int = 2, **kw):
    """Closure-call losses and final weights of a small tanh regression."""
    w = lib.tensor(np.full((5, 1), 0.1, np.float32), requires_grad=True)
    b = lib.tensor(np.zeros(1, np.float32), requires_grad=True)
    opt = lib.optim.LBFGS([w, b], **kw)
    x, y = lib.tensor(X), lib.tensor(Y)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (((x @ w + b).tanh() - y) ** 2).mean() + 0.01 * (w ** 4).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    firsts = [opt.step(closure).item() for _ in range(steps)]
    return calls, firsts, w.detach().numpy(), opt


def _rosenbrock(lib, **kw):
    xy = lib.tensor([-1.5, 2.0], requires_grad=True)
    opt = lib.optim.LBFGS([xy], **kw)

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss
    for _ in range(4):
        opt.step(closure)
    return xy.detach().numpy()


# Few iterations, far from convergence: the stopping tests on tolerance_change would
# otherwise depend on the last bits of float32 losses, which differ between libraries.
@pytest.mark.parametrize("kw", [dict(max_iter=3), dict(max_iter=4, history_size=2, lr=0.5),
                                dict(max_iter=2, line_search_fn="strong_wolfe"),
                                dict(max_iter=3, history_size=2,
                                     line_search_fn="strong_wolfe")])
def test_lbfgs_matches_torch_call_by_call(kw):
    calls, firsts, w, opt = _fit(pl, **kw)
    assert calls[-1] < calls[0]
    assert opt.state[opt.param_groups[0]["params"][0]]["func_evals"] == len(calls)
    if torch is not None:
        t_calls, t_firsts, t_w, _ = _fit(torch, **kw)
        assert len(calls) == len(t_calls)
        np.testing.assert_allclose(calls, t_calls, rtol=1e-4)
        np.testing.assert_allclose(firsts, t_firsts, rtol=1e-4)
        np.testing.assert_allclose(w, t_w, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_rosenbrock(line_search_fn):
    kw = dict(lr=0.5 if line_search_fn is None else 1, max_iter=25,
              line_search_fn=line_search_fn)
    ours = _rosenbrock(pl, **kw)
    if line_search_fn is not None:
        np.testing.assert_allclose(ours, [1.0, 1.0], atol=1e-3)
    if torch is not None:
        np.testing.assert_allclose(ours, _rosenbrock(torch, **kw), atol=2e-3)


def test_lbfgs_errors():
    a, b = pl.zeros(1, requires_grad=True), pl.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        pl.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = pl.optim.LBFGS([a], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
