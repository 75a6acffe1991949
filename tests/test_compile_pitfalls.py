"""What must not silently go wrong under pytorch_like.compile: RNG, state write-back,
`.item()` and Python branches on values, recompiles."""

import numpy as np
import pytest

import pytorch_like as torch

rng = np.random.default_rng(0)


def _data():
    x = torch.tensor(rng.standard_normal((8, 5)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((8, 3)).astype(np.float32))
    return x, y


def _sgd_setup():
    w = torch.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    b = torch.zeros(3, requires_grad=True)

    def step(x, y):
        w.grad = None
        b.grad = None
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(0.1 * w.grad)
            b.sub_(0.1 * b.grad)
        return loss
    return w, b, step


def test_compiled_step_equals_eager_and_writes_state_back():
    x, y = _data()
    w, b, step = _sgd_setup()
    w0, b0 = w.detach().clone(), b.detach().clone()
    eager = [step(x, y).item() for _ in range(3)]
    w_eager, g_eager = w.detach().clone(), w.grad.clone()
    with torch.no_grad():
        w.copy_(w0)
        b.copy_(b0)
    cstep = torch.compile(step)
    comp = [cstep(x, y).item() for _ in range(3)]
    np.testing.assert_allclose(comp, eager, rtol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), w_eager.numpy(), atol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), g_eager.numpy(), atol=1e-6)
    assert w.is_leaf and w.requires_grad


def test_random_draws_match_eager_given_the_same_seed():
    def noisy(x):
        return (torch.rand(x.shape) > 0.5) * x, torch.randn(x.shape)

    x = torch.ones(4, 6)
    torch.manual_seed(123)
    eager = [[t.numpy() for t in noisy(x)] for _ in range(3)]
    torch.manual_seed(123)
    c = torch.compile(noisy)
    comp = [[t.numpy() for t in c(x)] for _ in range(3)]
    for (mask_e, normal_e), (mask_c, normal_c) in zip(eager, comp):
        np.testing.assert_array_equal(mask_e, mask_c)  # dropout-style masks: identical
        np.testing.assert_allclose(normal_e, normal_c, atol=1e-6)
    # The generator advanced exactly as in eager mode.
    torch.manual_seed(123)
    for _ in range(3):
        noisy(x)
    after_eager = torch.rand(3).numpy()
    torch.manual_seed(123)
    for _ in range(3):
        c(x)
    np.testing.assert_array_equal(torch.rand(3).numpy(), after_eager)
    assert c.trace_count == 1


def test_item_inside_compiled_function_says_what_to_move():
    @torch.compile
    def f(x):
        return x.sum().item()

    with pytest.raises(RuntimeError, match=r"item\(\).*compiled function"):
        f(torch.ones(3))


def test_python_branch_on_tensor_value_is_an_error_not_a_guess():
    @torch.compile
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    with pytest.raises(RuntimeError, match="torch.where"):
        f(torch.ones(3))


def test_print_of_a_value_is_an_error():
    @torch.compile
    def f(x):
        x.tolist()
        return x

    with pytest.raises(RuntimeError, match="compile"):
        f(torch.ones(2))


def test_no_recompile_for_same_shapes_and_one_per_new_shape():
    x, y = _data()
    _, _, step = _sgd_setup()
    c = torch.compile(step)
    for _ in range(4):
        c(x, y)
    first = c.trace_count
    assert first <= 2  # the first call may create .grad, which the second reads
    for _ in range(3):
        c(x, y)
    assert c.trace_count == first
    x2, y2 = torch.randn(16, 5), torch.randn(16, 3)
    c(x2, y2)
    assert c.trace_count == first + 1


def test_too_many_recompiles_warn_and_name_the_cause():
    @torch.compile
    def f(x):
        return x * 2

    with pytest.warns(UserWarning, match="argument shapes"):
        for n in range(1, 12):
            f(torch.ones(n))


def test_tensor_created_inside_and_returned_is_concrete():
    @torch.compile
    def f(x):
        return {"double": x * 2, "n": 3, "ones": torch.ones(2)}

    out = f(torch.arange(3.0))
    assert out["n"] == 3
    np.testing.assert_array_equal(out["double"].numpy(), [0, 2, 4])
    assert out["ones"].tolist() == [1.0, 1.0]


# -- the state walk is reused between calls: every change to the state must be seen ---------
def _net_and_step(opt_cls=torch.optim.SGD, **opt_kw):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    opt = opt_cls(model.parameters(), lr=0.1, **opt_kw)

    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def _twin_runs(mutate, opt_cls=torch.optim.SGD, **opt_kw):
    """Run 2 steps, ``mutate``, 2 more steps, eagerly and compiled; return both results."""
    x, y = _data()
    out = []
    for compiled in (False, True):
        model, opt, step = _net_and_step(opt_cls, **opt_kw)
        run = torch.compile(step) if compiled else step
        losses = [run(x, y).item() for _ in range(2)]
        mutate(model, opt)
        losses += [run(x, y).item() for _ in range(2)]
        out.append((losses, [p.detach().numpy().copy() for p in model.parameters()]))
    return out


def _assert_same(runs):
    (le, pe), (lc, pc) = runs
    np.testing.assert_allclose(lc, le, rtol=1e-5, atol=1e-6)
    assert len(pe) == len(pc)
    for a, b in zip(pe, pc):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_replacing_a_submodule_between_calls_is_seen():
    def mutate(model, opt):
        torch.manual_seed(5)
        model[2] = torch.nn.Linear(4, 3)
        opt.add_param_group({"params": model[2].parameters(), "lr": 0.05})
    _assert_same(_twin_runs(mutate))


def test_replacing_optimizer_state_between_calls_is_seen():
    def mutate(model, opt):
        for p in model.parameters():
            opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
    _assert_same(_twin_runs(mutate, momentum=0.9))


def test_loading_state_dicts_between_calls_is_seen():
    saved = {}

    def mutate(model, opt):
        torch.manual_seed(9)
        fresh = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(),
                                    torch.nn.Linear(4, 3))
        model.load_state_dict(fresh.state_dict())
        saved["opt"] = opt.state_dict()
        opt.load_state_dict(saved["opt"])
    _assert_same(_twin_runs(mutate, torch.optim.Adam))


def test_assigning_data_and_hyperparameters_between_calls_is_seen():
    def mutate(model, opt):
        model[0].weight.data = torch.ones(4, 5)
        opt.param_groups[0]["momentum"] = 0.5
        opt.param_groups[0]["lr"] = 0.02
    _assert_same(_twin_runs(mutate, momentum=0.9))


def test_rebinding_a_captured_global_tensor_is_seen():
    global _captured_w
    _captured_w = torch.ones(3)
    f = torch.compile(lambda x: x * _captured_w)
    np.testing.assert_allclose(f(torch.ones(3)).numpy(), [1, 1, 1])
    _captured_w = torch.full((3,), 2.0)
    np.testing.assert_allclose(f(torch.ones(3)).numpy(), [2, 2, 2])
    holder = [torch.ones(3)]
    g = torch.compile(lambda x: x * holder[0])
    g(torch.ones(3))
    holder[0] = torch.full((3,), 3.0)
    np.testing.assert_allclose(g(torch.ones(3)).numpy(), [3, 3, 3])


def test_state_walk_is_reused_while_nothing_changes():
    x, y = _data()
    model, opt, step = _net_and_step(torch.optim.Adam)
    c = torch.compile(step)
    for _ in range(3):
        c(x, y)
    plan = c._plan
    for _ in range(3):
        c(x, y)
    assert c._plan is plan
    model.eval()
    c(x, y)
    assert c._plan is not plan


def test_model_and_optimizer_passed_as_arguments_are_state():
    x, y = _data()
    results = []
    for compiled in (False, True):
        model, opt, _ = _net_and_step(torch.optim.Adam)

        def step(model, opt, x, y):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        run = torch.compile(step) if compiled else step
        losses = [run(model, opt, x, y).item() for _ in range(4)]
        results.append((losses, [p.detach().numpy().copy() for p in model.parameters()],
                        opt.state_dict()["state"][0]["exp_avg"].numpy()))
        if compiled:
            assert run.trace_count <= 2
    (le, pe, me), (lc, pc, mc) = results
    assert le[0] != le[-1]  # the parameters moved
    np.testing.assert_allclose(lc, le, rtol=1e-5)
    for a, b in zip(pe, pc):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mc, me, rtol=1e-5, atol=1e-7)


def test_donation_spares_arrays_another_model_shares():
    # load_state_dict shares the (immutable) arrays between the two models; the compiled
    # step donates its model's arrays, which must not delete the other model's.
    model, opt, step = _net_and_step(torch.optim.Adam)
    twin = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    twin.load_state_dict(model.state_dict())
    before = [p.detach().numpy().copy() for p in twin.parameters()]
    x, y = _data()
    run = torch.compile(step)
    for _ in range(3):
        run(x, y)
    after = [p.detach().numpy() for p in twin.parameters()]  # raised "deleted" before
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(model[0].weight.detach().numpy(), before[0])
    twin(x).sum().backward()  # the twin still trains eagerly
    # Sharing set up between steady-state calls is safe too.
    late = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    late.load_state_dict(model.state_dict())
    before = [p.detach().numpy().copy() for p in late.parameters()]
    run(x, y)
    run(x, y)
    for p, b in zip(late.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), b)


def test_arguments_detached_from_donated_parameters():
    # p.detach() shares the parameter's array: passed as an argument while the same
    # parameter is donated state, XLA refused the buffer ("previously donated").
    def build():
        torch.manual_seed(0)
        m = torch.nn.Linear(5, 3)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)

        def step(params, x):
            opt.zero_grad()
            loss = (m(x) ** 2).mean() + sum((p ** 2).sum() for p in params.values())
            loss.backward()
            opt.step()
            return loss
        return m, step

    x, _ = _data()
    m_eager, step_eager = build()
    m_comp, step_comp = build()
    run = torch.compile(step_comp)
    for _ in range(3):
        want = step_eager({k: v.detach() for k, v in m_eager.named_parameters()}, x)
        got = run({k: v.detach() for k, v in m_comp.named_parameters()}, x)
        np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)
    for a, b in zip(m_comp.parameters(), m_eager.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)


def test_gradients_of_leaf_arguments_are_written_back():
    # An argument created with requires_grad=True collects .grad from backward() inside the
    # compiled function, accumulating into a .grad it already has, as in eager mode.
    def f(x, w):
        loss = (x * w).sin().sum()
        loss.backward()
        return loss

    run = torch.compile(f)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2))
    xe, we = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    xc, wc = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    for _ in range(2):  # the second call accumulates into the first call's .grad
        f(xe, we)
        run(xc, wc)
        for got, want in ((xc, xe), (wc, we)):
            assert got.grad is not None
            np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-6)
    x_no = torch.tensor(a)  # an argument that does not require grad gets none
    run(x_no, wc)
    assert x_no.grad is None


def test_private_arrays_are_not_copied_when_nothing_else_holds_them():
    from pytorch_like.compiler import _give_private_arrays

    model = torch.nn.Linear(3, 2)
    cells = [p._cell for p in model.parameters()]
    arrays = [c.a for c in cells]
    _give_private_arrays(cells, arrays, None)
    assert all(c.a is a for c, a in zip(cells, arrays))
    _give_private_arrays(cells, arrays, list(arrays))  # the last call's outputs
    assert all(c.a is a for c, a in zip(cells, arrays))
    held = model.weight._cell.a  # a reference the storage does not own
    _give_private_arrays(cells, arrays, None)
    assert model.weight._cell.a is not held and arrays[0] is model.weight._cell.a
    assert model.bias._cell.a is arrays[1]
    np.testing.assert_array_equal(np.asarray(held), model.weight.detach().numpy())


def test_arguments_changed_in_place_change_as_in_eager_mode():
    def fill(x, row):
        x.add_(1)
        row[0] = 5.0  # ``row`` is a view: the change reaches its base
        return x * 2

    got = {}
    for name in ("eager", "compiled"):
        x, base = torch.zeros(3), torch.zeros(2, 3)
        f = torch.compile(fill) if name == "compiled" else fill
        outs = [f(x, base[1]).numpy().copy() for _ in range(2)]
        got[name] = (outs, x.numpy().copy(), base.numpy().copy(), x._version)
    e, c = got["eager"], got["compiled"]
    np.testing.assert_array_equal(c[0], e[0])
    np.testing.assert_array_equal(c[1], e[1])
    np.testing.assert_array_equal(c[2], e[2])
    assert c[3] == e[3] == 2



_SCRATCH_PROGRAM = """
import resource, warnings
import pytorch_like as torch
x = torch.randn(4096, 4096)
v = torch.randn(4096, 1)

@torch.compile
def f(x, v):
    return (x.sin() @ v).sum()  # x.sin() is a 64 MiB scratch buffer of the program

@torch.compile
def g(x, v):
    return (x.cos() @ v).sum()

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with torch.no_grad():  # an evaluation loop: no hint
        g(x, v).item()
    assert not caught, caught
    for _ in range(4):
        f(x, v).item()
hints = [w for w in caught if "scratch memory" in str(w.message)]
faults = []
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    f(x, v).item()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(len(hints), hints[0].filename.endswith("<string>") if hints else None, min(faults))
"""


def _scratch_run(env_extra: dict) -> tuple:
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "PYTORCH_LIKE_CPU_SYNC_DISPATCH"}
    out = subprocess.run([sys.executable, "-c", _SCRATCH_PROGRAM], env={**env, **env_extra},
                         check=True, capture_output=True, text=True, timeout=300)
    hints, at_user_line, faults = out.stdout.split()[-3:]
    return int(hints), at_user_line, int(faults)


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"),
                    reason="glibc's thread arenas are what the hint is about")
def test_scratch_memory_a_thread_arena_cannot_hold_is_named_and_the_switch_works():
    # A CPU program needing over 64 MiB of scratch, run on a JAX worker thread (JAX's
    # default asynchronous dispatch), gets the block mapped and unmapped by glibc on every
    # call: 16k page faults of 4 KiB per call. compile says so once, at the user's line, for
    # a training step (grad mode on; not for a no_grad evaluation), and
    # PYTORCH_LIKE_CPU_SYNC_DISPATCH=1 (the calling thread's main arena) removes them.
    import jax
    if jax.default_backend() != "cpu":
        pytest.skip("concerns JAX's CPU client")
    hints, at_user_line, faults = _scratch_run({})
    assert (hints, at_user_line) == (1, "True") and faults > 10000
    hints, _, faults = _scratch_run({"PYTORCH_LIKE_CPU_SYNC_DISPATCH": "1"})
    assert hints == 0 and faults < 1000
