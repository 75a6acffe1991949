"""Tensor.register_post_accumulate_grad_hook: torch's checks, when the hook runs, and the
optimizer step fused into the backward pass (eagerly, against torch, and compiled)."""

import copy
import functools

import numpy as np
import pytest
from parity import torch

import pytorch_like as pl

rng = np.random.default_rng(0)

NON_LEAF = "post accumulate grad hooks cannot be registered on non-leaf tensors"
NO_GRAD = "cannot register a hook on a tensor that doesn't require gradient"
RETURNED_TENSOR = "Tensor post accumulate grad hooks should return None."


def _libs():
    return [pl] if torch is None else [pl, torch]


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_registration_errors_are_torchs(lib):
    x = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)
    assert str(e.value) == NON_LEAF
    with pytest.raises(RuntimeError) as e:
        lib.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    assert str(e.value) == NO_GRAD


RETURNS = [  # what a hook returns -> torch's error (None: accepted)
    (lambda p: p, None),
    (lambda p: p.detach(), (RuntimeError, RETURNED_TENSOR)),
    (lambda p: p.grad, (RuntimeError, RETURNED_TENSOR)),
    (lambda p: p.double(), (RuntimeError, "hook '<lambda>' has changed the type of value (was "
                                          "torch.FloatTensor got torch.DoubleTensor)")),
    (lambda p: p[:1], (RuntimeError, "hook '<lambda>' has changed the size of value")),
    (lambda p: "x", (TypeError, "expected Variable, but hook returned 'str'")),
]


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
@pytest.mark.parametrize("k", range(len(RETURNS)))
def test_returned_values(lib, k):
    hook, err = RETURNS[k]
    x = lib.ones(2, requires_grad=True)
    x.register_post_accumulate_grad_hook(hook)
    if err is None:
        (x * 2).sum().backward()   # the tensor itself: what p.add_(...) returns
    else:
        with pytest.raises(err[0]) as e:
            (x * 2).sum().backward()
        assert str(e.value) == err[1]


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_hook_must_return_none(lib):
    x = lib.ones(2, requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda p: lib.zeros(2))
    with pytest.raises(RuntimeError) as e:
        (x * 2).sum().backward()
    assert str(e.value) == RETURNED_TENSOR
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])  # accumulated before the hook

    y = lib.ones(2, requires_grad=True)
    y.register_post_accumulate_grad_hook(lambda p: 3)
    with pytest.raises(TypeError) as e:
        (y * 2).sum().backward()
    assert str(e.value) == "expected Variable, but hook returned 'int'"


def _events(lib, create_graph=False):
    """What the hooks of a small two-layer model see, in the order they run."""
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1))
    log = []
    for name, p in m.named_parameters():
        p.register_hook(lambda g, n=name: log.append(("grad-hook", n)))
        p.register_post_accumulate_grad_hook(
            lambda t, n=name, p=p: log.append(("post", n, t is p, t.grad is not None,
                                               lib.is_grad_enabled())))
        p.register_post_accumulate_grad_hook(lambda t, n=name: log.append(("second", n)))
    m(lib.ones(4, 2)).sum().backward(create_graph=create_graph)
    return log


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
@pytest.mark.parametrize("create_graph", [False, True])
def test_hooks_run_after_accumulation_in_order_without_grad_mode(create_graph):
    ours = _events(pl, create_graph)
    # After each leaf's gradient hook, the tensor itself, its .grad set, grad mode off
    # (on with create_graph), hooks in registration order.
    assert ours[:3] == [("grad-hook", "2.bias"), ("post", "2.bias", True, True, create_graph),
                        ("second", "2.bias")]
    assert len(ours) == 12
    if torch is not None:
        # torch warns about create_graph=True once per process (a later test expects that
        # warning): its own run here is the create_graph=False one, with grad mode on.
        want = [e[:4] + (create_graph,) if e[0] == "post" else e
                for e in _events(torch, False)]
        assert ours == want


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_remove_retain_graph_and_summed_gradient(lib):
    w = lib.ones(2, requires_grad=True)
    seen = []
    h = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.numpy().copy()))
    z = (w * 2).sum() + (w * w * 3).sum()   # w used twice: one call, the summed gradient
    z.backward(retain_graph=True)
    z.backward()   # accumulates: the hook sees the total
    np.testing.assert_array_equal(np.array(seen), [[8.0, 8.0], [16.0, 16.0]])
    h.remove()
    (w * 2).sum().backward()
    assert len(seen) == 2
    np.testing.assert_array_equal(w.grad.numpy(), [18.0, 18.0])


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_autograd_grad_runs_no_hook_and_backward_inputs_only_the_inputs(lib):
    x = lib.ones(2, requires_grad=True)
    y = lib.ones(2, requires_grad=True)
    log = []
    x.register_post_accumulate_grad_hook(lambda p: log.append("x"))
    y.register_post_accumulate_grad_hook(lambda p: log.append("y"))
    (gx,) = lib.autograd.grad((x * y * 3).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [3.0, 3.0])
    assert log == [] and x.grad is None   # nothing accumulated, no hook
    (x * y).sum().backward(inputs=[x])
    assert log == ["x"] and y.grad is None


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_in_place_update_in_the_hook_and_version_check_on_second_backward(lib):
    w = lib.ones(2, requires_grad=True)
    # torch's documented SGD example: the hook returns the updated tensor itself.
    w.register_post_accumulate_grad_hook(lambda p: p.sub_(0.1 * p.grad))
    z = (w * w).sum()
    z.backward(retain_graph=True)
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 0.8], rtol=1e-6)
    assert w.is_leaf and w.requires_grad
    # The update bumped w's version: the graph that saved w refuses a second backward.
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: "
                                           r"\[torch.FloatTensor \[2\]\] is at version 1"):
        z.backward()


W = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (4,), (2, 4), (2,)]]
XS = [rng.standard_normal((5, 3)).astype(np.float32) for _ in range(3)]


def _model(lib):
    m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for p, a in zip(m.parameters(), W):
            p.copy_(lib.tensor(a))
    return m


def _fused(lib, opt_cls, **kw):
    """torch's tutorial: one optimizer per parameter, stepped from the hook."""
    m = _model(lib)
    optimizer_dict = {p: opt_cls([p], **kw) for p in m.parameters()}

    def optimizer_hook(parameter) -> None:
        optimizer_dict[parameter].step()
        optimizer_dict[parameter].zero_grad()

    for p in m.parameters():
        p.register_post_accumulate_grad_hook(optimizer_hook)
    return m, optimizer_dict


def _train_fused(lib, opt_name, **kw):
    m, _ = _fused(lib, getattr(lib.optim, opt_name), **kw)
    for x in XS:
        m(lib.tensor(x)).sum().backward()
    assert all(p.grad is None for p in m.parameters())
    return [p.detach().numpy() for p in m.parameters()]


def _train_loop(lib, opt_name, **kw):
    m = _model(lib)
    opt = getattr(lib.optim, opt_name)(m.parameters(), **kw)
    for x in XS:
        opt.zero_grad()
        m(lib.tensor(x)).sum().backward()
        opt.step()
    return [p.detach().numpy() for p in m.parameters()]


@pytest.mark.parametrize("opt_name,kw", [("Adam", {"lr": 0.01, "foreach": False}),
                                         ("SGD", {"lr": 0.1, "momentum": 0.9})])
def test_fused_optimizer_step_equals_the_ordinary_loop_and_torch(opt_name, kw):
    fused = _train_fused(pl, opt_name, **kw)
    for a, b in zip(fused, _train_loop(pl, opt_name, **kw)):
        np.testing.assert_allclose(a, b, atol=1e-7)
    assert not np.allclose(fused[0], W[0])   # the parameters did move
    if torch is not None:
        for a, b in zip(fused, _train_fused(torch, opt_name, **kw)):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_state_dict_and_deepcopy_of_a_model_with_hooks():
    for lib in _libs():
        m, _ = _fused(lib, lib.optim.SGD, lr=0.5)
        assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        np.testing.assert_array_equal(m.state_dict()["0.weight"].numpy(), W[0])
        # As in torch, the copy's parameters carry no hooks: its backward leaves .grad set
        # and steps nothing, neither in the copy nor in the original.
        c = copy.deepcopy(m)
        c(lib.tensor(XS[0])).sum().backward()
        assert all(p.grad is not None for p in c.parameters())
        np.testing.assert_array_equal(c[0].weight.detach().numpy(), W[0])
        np.testing.assert_array_equal(m[0].weight.detach().numpy(), W[0])
        m(lib.tensor(XS[0])).sum().backward()   # the original still steps
        assert not np.allclose(m[0].weight.detach().numpy(), W[0])


@pytest.mark.parametrize("names_them", [False, True])
def test_compiled_step_with_fused_optimizer_equals_eager(names_them):
    # The tutorial as written (the optimizers only in the hooks' closure), and a step that
    # names them itself.
    m, optimizer_dict = _fused(pl, pl.optim.Adam, lr=0.01)

    def step(x):
        if names_them:
            optimizer_dict  # noqa: B018
        loss = m(x).sum()
        loss.backward()
        return loss

    xs = [pl.tensor(x) for x in XS]
    eager = [step(x).item() for x in xs]
    want = [p.detach().numpy() for p in m.parameters()]

    m, optimizer_dict = _fused(pl, pl.optim.Adam, lr=0.01)
    cstep = pl.compile(step)
    comp = [cstep(x).item() for x in xs]
    np.testing.assert_allclose(comp, eager, rtol=1e-6)
    for p, w in zip(m.parameters(), want):
        np.testing.assert_allclose(p.detach().numpy(), w, atol=1e-6)
        assert p.grad is None
    st = optimizer_dict[m[0].weight].state[m[0].weight]
    assert float(st["step"]) == 3.0   # the moments were written back after every call
    assert cstep.trace_count == 2      # the state-creating call, then one stable program


def test_compiled_step_whose_hook_steps_unseen_optimizers_raises():
    # compile follows a hook's closure and globals, not a functools.partial's arguments:
    # optimizers reached only that way are refused, never baked in with a stale lr.
    m = _model(pl)
    opts = {p: pl.optim.SGD([p], lr=0.1) for p in m.parameters()}

    def optimizer_hook(optimizers, parameter) -> None:
        optimizers[parameter].step()
        optimizers[parameter].zero_grad()

    for p in m.parameters():
        p.register_post_accumulate_grad_hook(functools.partial(optimizer_hook, opts))

    def step(x):
        loss = m(x).sum()
        loss.backward()
        return loss

    x = pl.tensor(XS[0])
    with pytest.raises(RuntimeError, match="post-accumulate-grad hook steps SGD that "
                                           "pytorch_like.compile did not find.*name the "
                                           "optimizers in the compiled function"):
        pl.compile(step)(x)
    # Refused before any .grad was written: nothing traced leaks into the model.
    assert all(p.grad is None for p in m.parameters())
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), W[0])
    step(x)   # eagerly the same step runs
    assert not np.allclose(m[0].weight.detach().numpy(), W[0])
