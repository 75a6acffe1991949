"""compile: the same losses and weights as eager mode for real models and optimizers."""

import copy

import numpy as np
import pytest

import pytorch_like as torch
import pytorch_like.nn as nn
import pytorch_like.nn.functional as F


def _net(with_bn: bool):
    torch.manual_seed(0)
    layers = [nn.Conv2d(1, 4, 3), nn.ReLU()]
    if with_bn:
        layers.append(nn.BatchNorm2d(4))
    layers += [nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(4 * 3 * 3, 10)]
    return nn.Sequential(*layers)


def _data(n=16):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((n, 1, 8, 8)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, n))
    return x, y


def _make_opt(name, model):
    groups = [{"params": list(model.parameters())[:2], "lr": 0.05},
              {"params": list(model.parameters())[2:]}]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=1e-4)
    if name == "adam":
        return torch.optim.Adam(groups, lr=0.01)
    return torch.optim.AdamW(groups, lr=0.01, weight_decay=0.1)


def _train(model, opt, step_fn, sched, steps, x, y):
    losses = []
    for _ in range(steps):
        losses.append(step_fn(x, y).item())
        if sched is not None:
            sched.step()
    return losses


def _run(compiled: bool, opt_name: str, with_bn: bool, x, y):
    model = _net(with_bn)
    opt = _make_opt(opt_name, model)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    fn = torch.compile(step) if compiled else step
    torch.manual_seed(42)  # same dropout masks in both runs
    losses = _train(model, opt, fn, sched, 4, x, y)
    if compiled:
        # Scheduler lr changes are program inputs: no recompile after the first two calls.
        assert fn.trace_count <= 2
    return losses, copy.deepcopy(model.state_dict()), opt.state_dict()


@pytest.mark.parametrize("opt_name,with_bn", [("sgd", True), ("adam", False),
                                               ("adamw", True)])
def test_compiled_training_equals_eager(opt_name, with_bn):
    x, y = _data()
    le, se, oe = _run(False, opt_name, with_bn, x, y)
    lc, sc, oc = _run(True, opt_name, with_bn, x, y)
    np.testing.assert_allclose(lc, le, rtol=1e-5, atol=1e-6)
    for k in se:
        np.testing.assert_allclose(sc[k].numpy(), se[k].numpy(), atol=1e-5, err_msg=k)
    assert [g["lr"] for g in oc["param_groups"]] == [g["lr"] for g in oe["param_groups"]]


def test_train_eval_switch_compiles_once_per_mode_and_no_grad_eval_works():
    x, y = _data()
    model = _net(with_bn=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    @torch.compile
    def train_step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    @torch.compile
    def evaluate(x):
        with torch.no_grad():
            return model(x).argmax(1)

    for _ in range(3):
        model.train()
        train_step(x, y)
        model.eval()
        pred = evaluate(x)
    assert train_step.trace_count <= 2
    assert evaluate.trace_count == 1
    model.eval()
    with torch.no_grad():
        assert torch.equal(pred, model(x).argmax(1))
    # Eval mode used the running statistics the compiled train steps wrote back.
    assert int(model[2].num_batches_tracked) == 3


def test_compile_model_for_inference():
    x, _ = _data()
    model = _net(with_bn=False).eval()
    cm = torch.compile(model)
    with torch.no_grad():
        want = model(x)
    got = cm(x)
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), atol=1e-6)
