"""optim.Adafactor and optim.swa_utils (AveragedModel, SWALR, update_bn, the averaging
functions) against torch, from the same initial weights and the same updates."""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as pnn
from pytorch_like.optim import swa_utils


def _np(t):
    return np.asarray(t.detach()) if isinstance(t, pl.Tensor) else t.detach().numpy()


def _close(a, b, atol=1e-6):
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=atol)


def _copy_from_torch(ours, theirs):
    ours.load_state_dict({k: pl.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


# -- Adafactor --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.3, "weight_decay": 0.1, "maximize": True,
                                         "eps": (1e-20, 1e-3), "d": 2.0}])
def test_adafactor_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    m0 = rng.standard_normal((3, 4)).astype(np.float32)
    v0 = rng.standard_normal(4).astype(np.float32) * 1e-4  # RMS below eps2: alpha = eps2 * rho
    ours = [pnn.Parameter(pl.tensor(m0)), pnn.Parameter(pl.tensor(v0))]
    theirs = [torch.nn.Parameter(torch.tensor(m0)), torch.nn.Parameter(torch.tensor(v0))]
    opt = pl.optim.Adafactor(ours, **kwargs)
    t_opt = torch.optim.Adafactor(theirs, **kwargs)
    assert opt.defaults == t_opt.defaults
    for k in range(8):
        grads = [rng.standard_normal(p.shape).astype(np.float32) * (k + 1) for p in ours]
        for p, q, g in zip(ours, theirs, grads):
            p.grad = pl.tensor(g)
            q.grad = torch.tensor(g)
        opt.step()
        t_opt.step()
    for p, q in zip(ours, theirs):
        _close(p, q, atol=1e-6)
        st, t_st = opt.state[p], t_opt.state[q]
        assert sorted(st) == sorted(t_st)
        for key in t_st:
            assert st[key].dtype == pl.float32 and tuple(st[key].shape) == tuple(t_st[key].shape)
            np.testing.assert_allclose(_np(st[key]), _np(t_st[key]), rtol=2e-5)


def test_adafactor_errors_match_torch():
    torch = pytest.importorskip("torch")
    w, t_w = pnn.Parameter(pl.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    for kwargs in ({"beta2_decay": 0.5}, {"lr": -1.0}, {"d": 0.5}, {"eps": (-1.0, 1e-3)},
                   {"weight_decay": -1.0}):
        with pytest.raises(ValueError) as t_err:
            torch.optim.Adafactor([t_w], **kwargs)
        with pytest.raises(ValueError) as err:
            pl.optim.Adafactor([w], **kwargs)
        assert str(err.value) == str(t_err.value)


def _train_step(model, opt):
    def step(x):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    return step


def test_adafactor_in_compiled_step_matches_eager():
    rng = np.random.default_rng(1)
    x = pl.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    results = []
    for compiled in (False, True):
        pl.manual_seed(0)
        model = pnn.Linear(3, 2)
        step = _train_step(model, pl.optim.Adafactor(model.parameters()))
        fn = pl.compile(step) if compiled else step
        for _ in range(3):
            fn(x)
        results.append(model)
    _close(results[1].weight, results[0].weight, atol=1e-6)
    _close(results[1].bias, results[0].bias, atol=1e-6)


# -- swa_utils --------------------------------------------------------------------------------

def _pair_models(torch):
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                  torch.nn.Linear(4, 2))
    model = pnn.Sequential(pnn.Linear(3, 4), pnn.BatchNorm1d(4), pnn.Linear(4, 2))
    _copy_from_torch(model, t_model)
    return model, t_model


@pytest.mark.parametrize("avg", ["swa", "ema_multi", "ema", "swa_buffers"])
def test_averaged_model_matches_torch(avg):
    torch = pytest.importorskip("torch")
    model, t_model = _pair_models(torch)
    kw, t_kw = {}, {}
    if avg == "ema_multi":
        kw = {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)}
        t_kw = {"multi_avg_fn": torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)}
    elif avg == "ema":
        kw = {"avg_fn": swa_utils.get_ema_avg_fn(0.9)}
        t_kw = {"avg_fn": torch.optim.swa_utils.get_ema_avg_fn(0.9)}
    elif avg == "swa_buffers":
        kw = t_kw = {"use_buffers": True}
    swa = swa_utils.AveragedModel(model, **kw)
    t_swa = torch.optim.swa_utils.AveragedModel(t_model, **t_kw)
    opt = pl.optim.SGD(model.parameters(), lr=0.1)
    t_opt = torch.optim.SGD(t_model.parameters(), lr=0.1)
    rng = np.random.default_rng(2)
    for _ in range(4):
        x = rng.standard_normal((6, 3)).astype(np.float32)
        opt.zero_grad()
        (model(pl.tensor(x)) ** 2).mean().backward()
        opt.step()
        t_opt.zero_grad()
        (t_model(torch.tensor(x)) ** 2).mean().backward()
        t_opt.step()
        swa.update_parameters(model)
        t_swa.update_parameters(t_model)
    sd, t_sd = swa.state_dict(), t_swa.state_dict()
    assert list(sd) == list(t_sd)
    for k in t_sd:
        assert sd[k].dtype.is_floating_point == t_sd[k].dtype.is_floating_point
        _close(sd[k], t_sd[k], atol=1e-5)
    assert int(swa.n_averaged) == 4 and swa.n_averaged.dtype == pl.int64
    x = rng.standard_normal((2, 3)).astype(np.float32)
    _close(swa.eval()(pl.tensor(x)), t_swa.eval()(torch.tensor(x)), atol=1e-5)


def test_avg_fn_errors_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("get_ema_multi_avg_fn", "get_ema_avg_fn"):
        with pytest.raises(ValueError) as t_err:
            getattr(torch.optim.swa_utils, name)(1.5)
        with pytest.raises(ValueError) as err:
            getattr(swa_utils, name)(1.5)
        assert str(err.value) == str(t_err.value)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(pnn.Linear(1, 1), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


@pytest.mark.parametrize("strategy,anneal_epochs", [("cos", 3), ("linear", 4), ("cos", 0)])
def test_swalr_matches_torch(strategy, anneal_epochs):
    torch = pytest.importorskip("torch")
    w, t_w = pnn.Parameter(pl.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    opt = pl.optim.SGD([{"params": [w]}, {"params": [pnn.Parameter(pl.zeros(1))],
                                          "lr": 0.5}], lr=1.0)
    t_opt = torch.optim.SGD([{"params": [t_w]}, {"params": [torch.nn.Parameter(
        torch.zeros(1))], "lr": 0.5}], lr=1.0)
    sched = swa_utils.SWALR(opt, swa_lr=[0.05, 0.1], anneal_epochs=anneal_epochs,
                            anneal_strategy=strategy)
    t_sched = torch.optim.swa_utils.SWALR(t_opt, swa_lr=[0.05, 0.1],
                                          anneal_epochs=anneal_epochs,
                                          anneal_strategy=strategy)
    ours, theirs = [sched.get_last_lr()], [t_sched.get_last_lr()]
    for _ in range(7):
        opt.step()
        t_opt.step()
        sched.step()
        t_sched.step()
        ours.append(sched.get_last_lr())
        theirs.append(t_sched.get_last_lr())
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert sorted(sched.state_dict()) == sorted(t_sched.state_dict())
    with pytest.raises(ValueError) as t_err:
        torch.optim.swa_utils.SWALR(t_opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError) as err:
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    assert str(err.value) == str(t_err.value)


def test_update_bn_matches_torch():
    torch = pytest.importorskip("torch")
    model, t_model = _pair_models(torch)
    model.eval()
    t_model.eval()
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((5, 3)).astype(np.float32) for _ in range(3)]
    swa_utils.update_bn([(pl.tensor(b), 0) for b in batches], model)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], t_model)
    assert not model.training and model[1].momentum == 0.1
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        _close(getattr(model[1], name), getattr(t_model[1], name), atol=1e-5)
