"""torch's ``out=`` keyword on top-level functions, against real torch.

``torch.add(a, b, out=c)`` writes the result into ``c`` in place and returns ``c``; an ``out``
of another shape is resized (with torch's deprecation warning when it had elements); the
result must be castable to ``out``'s dtype; ``out=`` is refused when autograd would record
the op. Parity tests skip without torch; the rest (identity, aliasing, compile) always run.
"""

import re
import warnings

import numpy as np
import pytest

import pytorch_like as pl

try:
    import torch
except ImportError:  # the parity cases skip; the others still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="parity against torch needs torch")

rng = np.random.default_rng(0)
A = rng.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
B = rng.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
SQ = rng.standard_normal((4, 4)).astype(np.float32)
V = rng.standard_normal(4).astype(np.float32)
BAT = rng.standard_normal((2, 3, 4)).astype(np.float32)
IDX = np.array([2, 0], dtype=np.int64)
GIDX = np.array([[0, 1, 2, 0], [2, 2, 1, 0]], dtype=np.int64)


def _t(lib, a):
    return lib.tensor(a)


# (name, call(lib, out), out shape, out dtype name). Every call passes the given ``out``.
CASES = [
    ("add", lambda L, o: L.add(_t(L, A), _t(L, B), alpha=2, out=o), (3, 4), "float32"),
    ("sub", lambda L, o: L.sub(_t(L, A), 1.5, out=o), (3, 4), "float32"),
    ("mul", lambda L, o: L.mul(_t(L, A), _t(L, B), out=o), (3, 4), "float32"),
    ("div", lambda L, o: L.div(_t(L, A), _t(L, B), out=o), (3, 4), "float32"),
    ("div_floor", lambda L, o: L.div(_t(L, A), _t(L, B), rounding_mode="floor", out=o),
     (3, 4), "float32"),
    ("pow", lambda L, o: L.pow(_t(L, A), 2, out=o), (3, 4), "float32"),
    ("exp", lambda L, o: L.exp(_t(L, A), out=o), (3, 4), "float32"),
    ("log", lambda L, o: L.log(_t(L, A), out=o), (3, 4), "float32"),
    ("sqrt", lambda L, o: L.sqrt(_t(L, A), out=o), (3, 4), "float32"),
    ("abs", lambda L, o: L.abs(_t(L, -A), out=o), (3, 4), "float32"),
    ("neg", lambda L, o: L.neg(_t(L, A), out=o), (3, 4), "float32"),
    ("sigmoid", lambda L, o: L.sigmoid(_t(L, A), out=o), (3, 4), "float32"),
    ("tanh", lambda L, o: L.tanh(_t(L, A), out=o), (3, 4), "float32"),
    ("clamp", lambda L, o: L.clamp(_t(L, A), 0.8, 1.5, out=o), (3, 4), "float32"),
    ("where", lambda L, o: L.where(_t(L, A) > 1, _t(L, A), _t(L, B), out=o), (3, 4),
     "float32"),
    ("maximum", lambda L, o: L.maximum(_t(L, A), _t(L, B), out=o), (3, 4), "float32"),
    ("minimum", lambda L, o: L.minimum(_t(L, A), _t(L, B), out=o), (3, 4), "float32"),
    ("gt_into_bool", lambda L, o: L.gt(_t(L, A), _t(L, B), out=o), (3, 4), "bool"),
    ("int_into_float", lambda L, o: L.add(_t(L, IDX), 1, out=o), (2,), "float32"),
    ("sum_dim", lambda L, o: L.sum(_t(L, A), 1, out=o), (3,), "float32"),
    ("sum_into_double", lambda L, o: L.sum(_t(L, A), 0, out=o), (4,), "float64"),
    ("mean_dim", lambda L, o: L.mean(_t(L, A), 0, keepdim=True, out=o), (1, 4), "float32"),
    ("prod_dim", lambda L, o: L.prod(_t(L, A), 1, out=o), (3,), "float32"),
    ("max_all", lambda L, o: L.max(_t(L, A), out=o), (), "float32"),
    ("argmax", lambda L, o: L.argmax(_t(L, A), 1, out=o), (3,), "int64"),
    ("cumsum", lambda L, o: L.cumsum(_t(L, A), 1, out=o), (3, 4), "float32"),
    ("matmul", lambda L, o: L.matmul(_t(L, A), _t(L, SQ), out=o), (3, 4), "float32"),
    ("mm", lambda L, o: L.mm(_t(L, A), _t(L, SQ), out=o), (3, 4), "float32"),
    ("bmm", lambda L, o: L.bmm(_t(L, BAT), _t(L, SQ).expand(2, 4, 4), out=o), (2, 3, 4),
     "float32"),
    ("addmm", lambda L, o: L.addmm(_t(L, B), _t(L, A), _t(L, SQ), out=o), (3, 4), "float32"),
    ("dot", lambda L, o: L.dot(_t(L, V), _t(L, V), out=o), (), "float32"),
    ("mv", lambda L, o: L.mv(_t(L, A), _t(L, V), out=o), (3,), "float32"),
    ("cat", lambda L, o: L.cat([_t(L, A), _t(L, B)], 1, out=o), (3, 8), "float32"),
    ("concat", lambda L, o: L.concat([_t(L, A), _t(L, B)], out=o), (6, 4), "float32"),
    ("stack", lambda L, o: L.stack([_t(L, A), _t(L, B)], 1, out=o), (3, 2, 4), "float32"),
    ("index_select", lambda L, o: L.index_select(_t(L, A), 0, _t(L, IDX), out=o), (2, 4),
     "float32"),
    ("gather", lambda L, o: L.gather(_t(L, A), 0, _t(L, GIDX), out=o), (2, 4), "float32"),
    ("masked_select", lambda L, o: L.masked_select(_t(L, A), _t(L, A) > 1, out=o),
     (int((A > 1).sum()),), "float32"),
    ("zeros", lambda L, o: L.zeros(2, 3, out=o), (2, 3), "int64"),
    ("ones", lambda L, o: L.ones((2, 3), out=o), (2, 3), "float32"),
    ("full", lambda L, o: L.full((2,), 1.5, out=o), (2,), "int32"),
    ("arange", lambda L, o: L.arange(0, 5, 2, out=o), (3,), "float32"),
    ("linspace", lambda L, o: L.linspace(0, 1, 5, out=o), (5,), "float32"),
    ("eye", lambda L, o: L.eye(3, out=o), (3, 3), "int64"),
]


def _out(lib, shape, dtype):
    return lib.zeros(shape, dtype=getattr(lib, dtype))


@needs_torch
@pytest.mark.parametrize("name,call,shape,dtype", CASES, ids=[c[0] for c in CASES])
def test_values_and_identity(name, call, shape, dtype):
    ours, theirs = _out(pl, shape, dtype), _out(torch, shape, dtype)
    r_ours, r_theirs = call(pl, ours), call(torch, theirs)
    assert r_ours is ours and r_theirs is theirs
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


# Functions with several results take a tuple of tensors and return the named tuple of them.
TUPLE_CASES = [
    ("max_dim", lambda L, o: L.max(_t(L, A), 1, out=o), ("values", "indices")),
    ("min_dim", lambda L, o: L.min(_t(L, A), 0, keepdim=True, out=o), ("values", "indices")),
    ("sort", lambda L, o: L.sort(_t(L, A), 1, descending=True, out=o), ("values", "indices")),
    ("topk", lambda L, o: L.topk(_t(L, A), 2, out=o), ("values", "indices")),
]


@needs_torch
@pytest.mark.parametrize("name,call,fields", TUPLE_CASES, ids=[c[0] for c in TUPLE_CASES])
def test_tuple_out(name, call, fields):
    results = []
    for lib in (pl, torch):
        outs = (lib.empty(0), lib.empty(0, dtype=lib.int64))
        r = call(lib, outs)
        assert r[0] is outs[0] and r[1] is outs[1]
        assert getattr(r, fields[0]) is outs[0] and getattr(r, fields[1]) is outs[1]
        results.append(outs)
    for mine, ref in zip(*results):
        assert str(mine.dtype) == str(ref.dtype)
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-6)


def _messages(lib, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(lib)
    # torch appends where in C++ it warned; the rest of the text is the contract.
    return [re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught
            if issubclass(w.category, UserWarning)], caught


@needs_torch
@pytest.mark.parametrize("call", [
    lambda L: L.add(L.ones(2, 3), 1, out=L.empty(5)),
    lambda L: L.max(L.ones(2, 3), 1, out=(L.empty(4), L.empty(4, dtype=L.int64))),
    lambda L: L.arange(5, out=L.empty(3)),
], ids=["add", "max_tuple", "arange"])
def test_resize_warning(call):
    ours, caught = _messages(pl, call)
    theirs, _ = _messages(torch, call)
    assert ours == theirs and ours
    # The warning points at the caller, as torch's does.
    assert all(w.filename == __file__ for w in caught)


@needs_torch
@pytest.mark.parametrize("call", [
    lambda L: L.add(L.ones(2), 1, out=L.empty(0)),  # an empty out: resized silently
    lambda L: L.zeros(3, out=L.empty(2)),  # factories resize silently
    lambda L: L.eye(2, out=L.empty(7)),
], ids=["empty_out", "zeros", "eye"])
def test_silent_resize(call):
    assert _messages(pl, call)[0] == _messages(torch, call)[0] == []


def _error(lib, fn):
    with pytest.raises(Exception) as info:
        fn(lib)
    return type(info.value).__name__, str(info.value)


@needs_torch
@pytest.mark.parametrize("call", [
    lambda L: L.div(L.ones(3, dtype=L.int64), 2, out=L.empty(3, dtype=L.int64)),
    lambda L: L.add(L.ones(3, dtype=L.int64), 1, out=L.empty(3, dtype=L.bool)),
    lambda L: L.mm(L.ones(2, 2), L.ones(2, 2), out=L.empty(2, 2, dtype=L.float64)),
    lambda L: L.max(L.ones(2, 2), 1, out=(L.empty(2), L.empty(2))),
    lambda L: L.sort(L.ones(3), out=(L.empty(3), L.empty(3, dtype=L.int32))),
    lambda L: L.zeros(3, dtype=L.float32, out=L.empty(3, dtype=L.int64)),
    lambda L: L.add(L.ones(2, requires_grad=True), 1, out=L.empty(2)),
    lambda L: L.exp(L.ones(2), out=L.ones(2, requires_grad=True)),
    lambda L: L.add(L.ones(2), 1, out=(L.empty(2),)),
], ids=["float_into_long", "long_into_bool", "mm_exact", "max_indices", "sort_indices",
        "factory_dtype", "input_requires_grad", "out_requires_grad", "tuple_for_tensor"])
def test_errors(call):
    assert _error(pl, call) == _error(torch, call)


def test_no_grad_allows_requires_grad_inputs():
    x = pl.ones(2, requires_grad=True)
    c = pl.empty(2)
    with pl.no_grad():
        assert pl.mul(x, 3, out=c) is c
    assert c.tolist() == [3.0, 3.0] and not c.requires_grad
    # Ops without a gradient (comparisons, argmax) take out= with grad mode on, as in torch.
    b = pl.empty(2, dtype=pl.bool)
    assert pl.gt(x, 0, out=b) is b and b.tolist() == [True, True]


def test_written_in_place():
    c = pl.zeros(3)
    alias = c.detach()  # shares c's storage, as in torch
    version = c._version
    pl.add(pl.ones(3), pl.ones(3), out=c)
    assert alias.tolist() == [2.0, 2.0, 2.0]
    assert c._version > version


def test_factory_out_dtype_and_random():
    pl.manual_seed(0)
    o = pl.empty(4, dtype=pl.float64)
    assert pl.randn(2, 3, out=o) is o
    assert tuple(o.shape) == (2, 3) and o.dtype is pl.float64
    o = pl.empty(0)
    assert pl.randint(0, 5, (6,), out=o) is o and o.dtype is pl.float32
    assert ((o >= 0) & (o < 5)).all()
    assert pl.arange(3, out=pl.empty(3, dtype=pl.int32)).tolist() == [0, 1, 2]


def test_methods_do_not_take_out():
    # torch's Tensor methods have no out=; only the functions do.
    with pytest.raises(TypeError):
        pl.ones(2).add(pl.ones(2), out=pl.empty(2))


def test_signature_shows_out():
    import inspect

    assert "out" in inspect.signature(pl.exp).parameters
    assert "out" in inspect.signature(pl.cat).parameters


def test_compiled_equals_eager():
    buf = pl.zeros(3)

    def step(a, b):
        c = pl.empty(3)
        pl.mul(a, b, out=c)
        values, indices = pl.empty(0), pl.empty(0, dtype=pl.int64)
        pl.max(pl.stack([a, b]), 0, out=(values, indices))
        pl.exp(a, out=buf)  # a captured tensor, written in place
        return c, values, indices, buf * 2

    a, b = pl.tensor([1.0, 2.0, 3.0]), pl.tensor([2.0, 0.5, 4.0])
    eager = [t.numpy().copy() for t in step(a, b)]
    eager_buf = buf.numpy().copy()
    buf.zero_()
    compiled = [t.numpy() for t in pl.compile(step)(a, b)]
    for x, y in zip(eager, compiled):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    np.testing.assert_allclose(buf.numpy(), eager_buf, rtol=1e-6)


def _out_grad_outcomes(lib):
    """For linalg/special functions: does out= accept an input that requires grad, and an
    out that requires grad? Where the input is accepted, does the gradient reach it
    through out?"""
    def spd(rg):
        m = lib.tensor(np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]],
                                np.float32))
        return m.requires_grad_(rg)
    x = np.array([0.5, 1.2, 2.5], np.float32)
    cases = {
        "linalg.norm": lambda rg: (lib.linalg.norm, (spd(rg),)),
        "linalg.matrix_norm": lambda rg: (lib.linalg.matrix_norm, (spd(rg),)),
        "linalg.cond": lambda rg: (lib.linalg.cond, (spd(rg),)),
        "linalg.tensorsolve": lambda rg: (lib.linalg.tensorsolve,
                                          (spd(rg), lib.tensor(x))),
        "linalg.inv": lambda rg: (lib.linalg.inv, (spd(rg),)),
        "linalg.det": lambda rg: (lib.linalg.det, (spd(rg),)),
        "special.ndtr": lambda rg: (lib.special.ndtr, (lib.tensor(x).requires_grad_(rg),)),
        "special.i1e": lambda rg: (lib.special.i1e, (lib.tensor(x).requires_grad_(rg),)),
        "special.bessel_j0": lambda rg: (lib.special.bessel_j0,
                                         (lib.tensor(x).requires_grad_(rg),)),
        "special.legendre_polynomial_p": lambda rg: (
            lib.special.legendre_polynomial_p, (lib.tensor(x).requires_grad_(rg), 3)),
    }
    outcomes = {}
    for name, make in cases.items():
        row = []
        fn, args = make(True)
        o = lib.empty_like(fn(*[a.detach() if isinstance(a, lib.Tensor) else a
                                for a in args]))
        try:
            fn(*args, out=o)
            grad = None
            if o.requires_grad:
                o.sum().backward()
                grad = np.round(args[0].grad.numpy(), 4).tolist()
            row.append(("input_rg", "ok", grad))
        except RuntimeError as e:
            row.append(("input_rg", str(e)))
        fn, args = make(False)
        o = lib.empty_like(fn(*args)).requires_grad_()
        try:
            fn(*args, out=o)
            row.append(("out_rg", "ok", o.requires_grad))
        except RuntimeError as e:
            row.append(("out_rg", str(e)))
        outcomes[name] = row
    return outcomes


def test_out_with_autograd_follows_torch_per_function():
    # Native ops refuse out= when an input requires grad; composite ones (linalg.norm,
    # special.ndtr) write a result with a history, so the gradient flows through out;
    # functions without a gradient take even an out that requires grad.
    torch = pytest.importorskip("torch")
    ours, theirs = _out_grad_outcomes(pl), _out_grad_outcomes(torch)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
