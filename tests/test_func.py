"""torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call and
stack_module_state against jax's own transforms and against torch.func."""

from __future__ import annotations

import copy
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn.functional as PF
from parity import check, torch

fn = pl.func
rng = np.random.default_rng(0)
X0 = rng.standard_normal(3).astype(np.float32)
W0 = rng.standard_normal((2, 3)).astype(np.float32)
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _np(t):
    return np.asarray(t.detach().numpy())


def _close(ours, ref, tol=1e-5):
    ours_leaves = jax.tree_util.tree_leaves(ours, is_leaf=lambda x: isinstance(x, pl.Tensor))
    ref_leaves = jax.tree_util.tree_leaves(
        ref, is_leaf=lambda x: torch is not None and isinstance(x, torch.Tensor))
    assert len(ours_leaves) == len(ref_leaves)
    for o, r in zip(ours_leaves, ref_leaves):
        r = r.detach().numpy() if hasattr(r, "detach") else np.asarray(r)
        assert tuple(o.shape) == r.shape
        np.testing.assert_allclose(_np(o), r, rtol=tol, atol=tol)


def _energy(lib):
    w = lib.tensor(W0)
    return lambda x: ((w @ x).tanh() * x[:2]).sum()


def _energy_j(x):
    return jnp.sum(jnp.tanh(jnp.asarray(W0) @ x) * x[:2])


def _net(lib):
    w = lib.tensor(W0)
    return lambda x: (w @ x).tanh() * x[:2]


def _net_j(x):
    return jnp.tanh(jnp.asarray(W0) @ x) * x[:2]


def test_transforms_match_jax():
    x = jnp.asarray(X0)
    t = pl.tensor(X0)
    # The references are jitted: eager jax transforms compile every primitive separately.
    g, v = fn.grad_and_value(_energy(pl))(t)
    _close((g, v), jax.jit(jax.value_and_grad(_energy_j))(x)[::-1])
    _close(fn.grad(_energy(pl))(t), g)
    _close(fn.jacrev(_net(pl))(t), jax.jit(jax.jacfwd(_net_j))(x))
    _close(fn.jacfwd(_net(pl))(t), jax.jit(jax.jacfwd(_net_j))(x))
    hess = jax.jit(jax.hessian(_energy_j))(x)
    _close(fn.hessian(_energy(pl))(t), hess, tol=1e-4)
    _close(fn.jacrev(fn.jacrev(_energy(pl)))(t), hess, tol=1e-4)
    ct = rng.standard_normal(2).astype(np.float32)
    tan = rng.standard_normal(3).astype(np.float32)
    out, vjp_fn = fn.vjp(_net(pl), t)
    _close(out, _net_j(x))
    _close(vjp_fn(pl.tensor(ct)), jax.jit(lambda c: jax.vjp(_net_j, x)[1](c))(jnp.asarray(ct)))
    _close(fn.jvp(_net(pl), (t,), (pl.tensor(tan),)),
           jax.jit(lambda d: jax.jvp(_net_j, (x,), (d,)))(jnp.asarray(tan)))
    xs = rng.standard_normal((4, 3)).astype(np.float32)
    _close(fn.vmap(_net(pl))(pl.tensor(xs)), jax.jit(jax.vmap(_net_j))(jnp.asarray(xs)))


@needs_torch
def test_pytrees_argnums_and_aux_like_torch_func():
    def f(lib):
        def inner(p, x):
            y = (p["w"] @ x).sin() + p["b"]
            return (y ** 2).sum(), {"y": y}
        return inner

    p0 = {"w": W0, "b": rng.standard_normal(2).astype(np.float32)}
    for call in (
        lambda lib, p, x: lib.func.grad_and_value(f(lib), argnums=(0, 1), has_aux=True)(p, x),
        lambda lib, p, x: lib.func.jacrev(lambda p, x: f(lib)(p, x)[1], argnums=(0, 1))(p, x),
        lambda lib, p, x: lib.func.vjp(lambda p: f(lib)(p, x)[1], p)[1]({"y": lib.ones(2)}),
    ):
        ours = call(pl, {k: pl.tensor(v) for k, v in p0.items()}, pl.tensor(X0))
        theirs = call(torch, {k: torch.tensor(v) for k, v in p0.items()}, torch.tensor(X0))
        _close(ours, theirs)
        # Dicts keep the order the user wrote, as torch's pytrees do.
        assert _keys(ours) == _keys(theirs)


def _keys(tree):
    if isinstance(tree, dict):
        return [(k, _keys(v)) for k, v in tree.items()]
    if isinstance(tree, (tuple, list)):
        return [_keys(v) for v in tree]
    return None


@needs_torch
def test_per_sample_gradients_match_torch_func():
    # The torch.func per-sample-gradients tutorial, on both libraries.
    xs = rng.standard_normal((5, 4)).astype(np.float32)
    ys = rng.integers(0, 3, 5)

    model = pl.nn.Sequential(pl.nn.Linear(4, 6), pl.nn.ReLU(), pl.nn.Linear(6, 3))
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    tmodel.load_state_dict({k: torch.tensor(_np(v)) for k, v in model.state_dict().items()})

    def per_sample(lib, F, m, x, y):
        params = {k: v.detach() for k, v in m.named_parameters()}
        buffers = {k: v.detach() for k, v in m.named_buffers()}

        def loss(params, buffers, sample, target):
            out = lib.func.functional_call(m, (params, buffers), (sample.unsqueeze(0),))
            return F.cross_entropy(out, target.unsqueeze(0))
        return lib.func.vmap(lib.func.grad(loss), in_dims=(None, None, 0, 0))(
            params, buffers, x, y)

    ours = per_sample(pl, PF, model, pl.tensor(xs), pl.tensor(ys))
    theirs = per_sample(torch, torch.nn.functional, tmodel, torch.tensor(xs), torch.tensor(ys))
    assert list(ours) == list(theirs)
    _close(ours, theirs)
    # Each per-sample gradient is that sample's ordinary gradient.
    model.zero_grad()
    PF.cross_entropy(model(pl.tensor(xs[:1])), pl.tensor(ys[:1])).backward()
    np.testing.assert_allclose(_np(ours["0.weight"][0]), _np(model[0].weight.grad), rtol=1e-5,
                               atol=1e-6)


@needs_torch
def test_model_ensembling_matches_torch_func():
    xs = rng.standard_normal((3, 4)).astype(np.float32)
    models = [pl.nn.Linear(4, 2) for _ in range(3)]
    tmodels = [torch.nn.Linear(4, 2) for _ in range(3)]
    for m, t in zip(models, tmodels):
        t.load_state_dict({k: torch.tensor(_np(v)) for k, v in m.state_dict().items()})

    def ensemble(lib, ms, x):
        params, buffers = lib.func.stack_module_state(ms)
        base = copy.deepcopy(ms[0])

        def fmodel(params, buffers, x):
            return lib.func.functional_call(base, (params, buffers), (x,))
        return params, lib.func.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, x)

    (params, ours), (tparams, theirs) = ensemble(pl, models, pl.tensor(xs)), \
        ensemble(torch, tmodels, torch.tensor(xs))
    _close(ours, theirs)
    assert params["weight"].shape == (3, 2, 4) and params["weight"].is_leaf
    assert params["weight"].requires_grad == tparams["weight"].requires_grad
    for ours_bad, theirs_bad in (([], []), (models[:1] + [pl.nn.Conv1d(1, 1, 1)],
                                            tmodels[:1] + [torch.nn.Conv1d(1, 1, 1)])):
        with pytest.raises(RuntimeError) as ours_e:
            pl.func.stack_module_state(ours_bad)
        with pytest.raises(RuntimeError) as theirs_e:
            torch.func.stack_module_state(theirs_bad)
        assert str(ours_e.value) == str(theirs_e.value)


def test_results_carry_autograd_history():
    # Values and gradients of a transformed function, against torch.func through `check`.
    w = rng.standard_normal((3, 3)).astype(np.float32)

    def ours(x, w):
        return pl.func.grad(lambda x, w: ((w @ x).sin() ** 2).sum())(x, w)

    def theirs(x, w):
        return torch.func.grad(lambda x, w: ((w @ x).sin() ** 2).sum())(x, w)
    check(ours, theirs if torch is not None else None, X0, w)
    check(lambda x: pl.func.vmap(lambda r: r.exp() * r.sum())(x),
          (lambda x: torch.func.vmap(lambda r: r.exp() * r.sum())(x)) if torch else None,
          rng.standard_normal((2, 3)).astype(np.float32))
    # Second order through the recorded transform: d/dx sum(grad(x^3)) = 6x.
    x = pl.tensor(X0, requires_grad=True)
    (g,) = pl.autograd.grad(pl.func.grad(lambda t: (t ** 3).sum())(x).sum(), x,
                            create_graph=True)
    np.testing.assert_allclose(_np(g), 6 * X0, rtol=1e-5)
    (h,) = pl.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(_np(h), np.full(3, 6.0), rtol=1e-5)


def test_functional_call_substitutes_and_restores():
    model = pl.nn.Linear(3, 2)
    original = model.weight
    w = pl.zeros(2, 3, requires_grad=True)
    out = pl.func.functional_call(model, {"weight": w}, (pl.ones(3),))
    np.testing.assert_allclose(_np(out), _np(model.bias))
    out.sum().backward()
    np.testing.assert_allclose(_np(w.grad), np.ones((2, 3)))
    assert model.weight is original and model.weight.grad is None
    with pytest.raises(RuntimeError):
        pl.func.functional_call(model, {"weight": pl.zeros(5, 5)}, (pl.ones(3),))
    assert model.weight is original
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        pl.nn.utils.stateless.functional_call(model, {"weight": w}, pl.ones(3))
    assert pl.func.functional_call(model, {}, (), {"input": pl.ones(3)}).shape == (2,)


def _tied(lib):
    class Tied(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(2, 2, bias=False)
            self.b = lib.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    return Tied()


@needs_torch
def test_functional_call_options_and_errors_like_torch():
    cases = [
        lambda lib, m: lib.func.functional_call(m, {"a.weight": lib.eye(2)}, (lib.ones(2),)),
        lambda lib, m: lib.func.functional_call(m, {"a.weight": lib.eye(2)}, (lib.ones(2),),
                                                tie_weights=False),
    ]
    for case in cases:
        t = _tied(torch)
        m = _tied(pl)
        t.load_state_dict({k: torch.tensor(_np(v)) for k, v in m.state_dict().items()})
        _close(case(pl, m), case(torch, t))
    errors = [
        lambda lib, m: lib.func.functional_call(m, {"a.weight": lib.eye(2),
                                                    "b.weight": lib.eye(2) * 2}, (lib.ones(2),)),
        lambda lib, m: lib.func.functional_call(m, ({"a.weight": lib.eye(2)},
                                                    {"a.weight": lib.eye(2)}), (lib.ones(2),)),
        lambda lib, m: lib.func.functional_call(m, 3, (lib.ones(2),)),
        lambda lib, m: lib.func.functional_call(m, [3], (lib.ones(2),)),
        lambda lib, m: lib.func.functional_call(m.a, {"foo": lib.eye(2)}, (lib.ones(2),),
                                                strict=True),
        lambda lib, m: lib.func.functional_call(m.a, {"in_features": lib.eye(2)}, (lib.ones(2),)),
        lambda lib, m: lib.func.functional_call(m, {"x.weight": lib.eye(2)}, (lib.ones(2),)),
    ]
    for case in errors:
        with pytest.raises(Exception) as theirs:
            case(torch, _tied(torch))
        with pytest.raises(type(theirs.value)) as ours:
            case(pl, _tied(pl))
        assert str(ours.value) == str(theirs.value)


@needs_torch
def test_errors_use_torchs_words():
    x3, x2 = np.ones(3, np.float32), np.ones(2, np.float32)
    cases = [
        lambda lib: lib.func.grad(lambda x: x * 2)(lib.tensor(x3)),
        lambda lib: lib.func.grad(lambda x: 3.0)(lib.tensor(x3)),
        lambda lib: lib.func.grad(lambda x: x.sum(), argnums=1)(lib.tensor(x3)),
        lambda lib: lib.func.grad(lambda x: x.sum(), argnums=())(lib.tensor(x3)),
        lambda lib: lib.func.grad(lambda x: x)(3.0),
        lambda lib: lib.func.grad(lambda x: x.sum(), has_aux=True)(lib.tensor(x3)),
        lambda lib: lib.func.grad(lambda x: (x * 2).sum())(lib.arange(3)),
        lambda lib: lib.func.vmap(lambda a, b: a + b)(lib.tensor(x2), lib.tensor(x3)),
        lambda lib: lib.func.vmap(lambda a, b: a + b)(lib.tensor(x2), 3),
        lambda lib: lib.func.vmap(lambda a: 3.0)(lib.tensor(x2)),
        lambda lib: lib.func.vmap(lambda a: a + lib.randn(()))(lib.tensor(x2)),
        lambda lib: lib.func.vmap(lambda a: a, in_dims=2)(lib.ones(2, 3)),
        lambda lib: lib.func.vmap(lambda a: a, in_dims=(None,))(lib.ones(2)),
        lambda lib: lib.func.vmap(lambda a: a, randomness="foo")(lib.ones(2)),
        lambda lib: lib.func.vmap(lambda a: a * 2, out_dims=3)(lib.ones(2, 3)),
        lambda lib: lib.func.jvp(lambda a: a, lib.tensor(x3), lib.tensor(x3)),
        lambda lib: lib.func.jvp(lambda a: a, (lib.tensor(x3),), (lib.tensor(x2),)),
        lambda lib: lib.func.vjp(lambda a: a * 2, lib.tensor(x3))[1](lib.tensor(x2)),
        lambda lib: lib.func.jacrev(lambda a: a.argmax())(lib.tensor(x3)),
        lambda lib: lib.func.vjp(lambda a: 3.0, lib.tensor(x3)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(type(theirs.value)) as ours:
            case(pl)
        assert str(ours.value) == str(theirs.value)


def test_vmap_options():
    x = pl.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    # Mapped over dim 1, results stacked along dim 1, two elements at a time; keyword
    # arguments are not mapped.
    out = pl.vmap(lambda r, s=1: r * s, in_dims=1, out_dims=1, chunk_size=2)(x.t(), s=3)
    np.testing.assert_allclose(_np(out), _np(x).T * 3)
    pl.manual_seed(0)
    same = pl.vmap(lambda r: r * 0 + pl.randn(()), randomness="same")(x)
    assert len(np.unique(_np(same))) == 1
    diff = pl.vmap(lambda r: r * 0 + pl.randn(()), randomness="different")(x)
    assert len(np.unique(_np(diff)[:, 0])) == 5
    # A random draw inside a recorded transform is replayed by its backward.
    xr = pl.ones(4, requires_grad=True)
    y = pl.vmap(lambda r: PF.dropout(r, 0.5), randomness="same")(xr.unsqueeze(1))
    y.sum().backward()
    np.testing.assert_allclose(_np(xr.grad), _np(y).reshape(-1))


def test_runs_inside_compile_like_eager():
    model = pl.nn.Linear(3, 2)
    # Copies: a compiled function's state (the model) must not share arrays with arguments.
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    xs = pl.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    ys = pl.tensor(rng.standard_normal((4, 2)).astype(np.float32))

    def step(params, xs, ys):
        def loss(p, x, y):
            return PF.mse_loss(pl.func.functional_call(model, p, (x,)), y)
        return pl.func.vmap(pl.func.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)

    eager = step(params, xs, ys)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = pl.compile(step)(params, xs, ys)
    _close(compiled, {k: v.detach().numpy() for k, v in eager.items()})
