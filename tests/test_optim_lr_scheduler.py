"""pytorch_like.optim.lr_scheduler against torch.optim.lr_scheduler: lr sequences, state."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.optim as optim


def _opt(lib, name="SGD", **kw):
    ps = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    mod = optim if lib is pl else lib.optim
    return getattr(mod, name)([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}], lr=0.1,
                              **kw)


CASES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "LambdaLR": lambda m, o: m.LambdaLR(o, [lambda e: 0.97 ** e, lambda e: 1 / (e + 1)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.95),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.2, total_iters=6),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=4, T_mult=2, eta_min=0.01),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=25),
    "OneCycleLR-3phase-linear": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, epochs=5, steps_per_epoch=5, three_phase=True,
        anneal_strategy="linear"),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4,
                                        step_size_down=3),
    "CyclicLR-triangular2-Adam": lambda m, o: m.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                  step_size_up=5, mode="exp_range",
                                                  gamma=0.95),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2,
                                                 scale_fn=lambda x: 0.5 ** x,
                                                 scale_mode="iterations",
                                                 cycle_momentum=False),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=4), m.ExponentialLR(o, gamma=0.9),
            m.CosineAnnealingLR(o, T_max=5)], milestones=[4, 10]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9)]),
}


def _sequence(lib, make, opt_name, steps=24):
    mod = optim.lr_scheduler if lib is pl else lib.optim.lr_scheduler
    kw = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = _opt(lib, opt_name, **kw)
    sched = make(mod, opt)
    seq = [tuple(sched.get_last_lr())]
    for _ in range(steps):
        opt.step()
        sched.step()
        moms = tuple(g["momentum"] if "momentum" in g else g["betas"][0]
                     for g in opt.param_groups)
        seq.append(tuple(sched.get_last_lr()) + moms)
    return seq, sched


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_equals_torch(name):
    torch = pytest.importorskip("torch")
    opt_name = "Adam" if "3phase" in name or "Adam" in name else "SGD"
    ours, s_ours = _sequence(pl, CASES[name], opt_name)
    theirs, s_theirs = _sequence(torch, CASES[name], opt_name)
    assert ours == theirs
    assert sorted(s_ours.state_dict()) == sorted(s_theirs.state_dict())
    assert getattr(s_ours, "last_epoch", None) == getattr(s_theirs, "last_epoch", None)


def test_reduce_lr_on_plateau_equals_torch():
    torch = pytest.importorskip("torch")
    metrics = [5, 4, 4, 4, 4, 3.9999, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3]
    seqs = []
    for lib in (pl, torch):
        mod = optim.lr_scheduler if lib is pl else torch.optim.lr_scheduler
        for kw in (dict(patience=2, cooldown=1, factor=0.5, min_lr=[0.01, 0.02]),
                   dict(mode="max", threshold_mode="abs", threshold=0.5, patience=1)):
            sched = mod.ReduceLROnPlateau(_opt(lib), **kw)
            seq = []
            for m in metrics:
                sched.step(m if lib is torch else pl.tensor(float(m)))
                seq.append((tuple(sched.get_last_lr()), sched.num_bad_epochs, sched.best))
            seqs.append(seq)
    assert seqs[0] == seqs[2] and seqs[1] == seqs[3]


def _resumed(make, **opt_kw):
    """Run 4 steps, save, run 5 more; rebuild from the saved states and run 5: both lists."""
    opt = _opt(pl, **opt_kw)
    sched = make(opt)
    for _ in range(4):
        opt.step()
        sched.step()
    sd, opt_sd = sched.state_dict(), opt.state_dict()
    runs = []
    for o, s in ((opt, sched), (None, None)):
        if o is None:
            o = _opt(pl, **opt_kw)
            o.load_state_dict(opt_sd)
            s = make(o)
            s.load_state_dict(sd)
        lrs = []
        for _ in range(5):
            o.step()
            s.step()
            lrs.append(s.get_last_lr())
        runs.append(lrs)
    return runs, sd


def test_state_dict_round_trip_resumes_the_sequence():
    (expect, got), sd = _resumed(lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=10))
    assert got == expect
    assert "optimizer" not in sd and sd["last_epoch"] == 4


def test_lambda_state_dict_saves_callable_objects_only():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = _opt(pl)
    sched = optim.lr_scheduler.LambdaLR(opt, [Decay(), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    sd["lr_lambdas"][0]["rate"] = 0.25
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].rate == 0.25


def test_scheduler_errors():
    opt = _opt(pl)
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        optim.lr_scheduler.StepLR(3, 1)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in "
                                       "param_groups\\[0\\]"):
        optim.lr_scheduler.StepLR(_opt(pl), 1, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    one = optim.lr_scheduler.OneCycleLR(_opt(pl, momentum=0.9), max_lr=0.1, total_steps=2)
    one.optimizer.step()
    one.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of "
                                         "total steps is 2"):
        one.step()
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        optim.lr_scheduler.OneCycleLR(optim.Adagrad([pl.zeros(1, requires_grad=True)]),
                                      max_lr=0.1, total_steps=5)


def test_verbose_is_accepted_and_get_lr_outside_step_warns():
    opt = _opt(pl)
    with pytest.warns(UserWarning, match="verbose parameter is deprecated"):
        sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5, verbose=True)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
    assert sched.get_last_lr() == [0.05, 0.025]


def test_closed_form_with_epoch_argument():
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (pl, torch):
        mod = optim.lr_scheduler if lib is pl else torch.optim.lr_scheduler
        opt = _opt(lib)
        sched = mod.StepLR(opt, step_size=2, gamma=0.5)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seq = []
            for e in (3, 7, 1):
                sched.step(e)
                seq.append(tuple(sched.get_last_lr()))
        seqs.append(seq)
    assert seqs[0] == seqs[1]
    assert np.isclose(seqs[0][1][0], 0.1 * 0.5 ** 3)


def test_cyclic_lr_errors_and_resume():
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        optim.lr_scheduler.CyclicLR(_opt(pl, momentum=0.9), 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        optim.lr_scheduler.CyclicLR(optim.Adagrad([pl.zeros(1, requires_grad=True)]), 0.01,
                                    0.1)
    (expect, got), _ = _resumed(
        lambda o: optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3), momentum=0.9)
    assert got == expect
