"""Type promotion as torch does it: dtype pairs x (tensor with dims, 0-d tensor, Python scalar)."""

import itertools

import jax
import numpy as np
import pytest

import pytorch_like as pl

torch = pytest.importorskip("torch")


def _traced(fn):
    """Run ``fn`` with every op traced, not compiled (one trace instead of hundreds of XLA
    compiles): ops dispatch exactly as in eager mode, so result dtypes are the ones a user
    gets, and the stored array's dtype is checked against the logical dtype as well."""
    out = []

    def body():
        out.append(fn())
        return 0

    jax.eval_shape(body)
    return out[0]


def _logical_and_storage(t):
    assert t._data.dtype == t.dtype.storage, (t.dtype, t._data.dtype)
    return str(t.dtype)

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64"]
KINDS = ["dims", "zerodim", "scalar"]


def _scalar_for(name):
    if name == "bool":
        return True
    if name.startswith(("int", "uint")):
        return 3
    return 2.5


def _make(lib, name, kind):
    dt = getattr(lib, name)
    if kind == "dims":
        return lib.ones(2, dtype=dt)
    if kind == "zerodim":
        return lib.ones((), dtype=dt)
    return _scalar_for(name)


@pytest.mark.parametrize("kb", KINDS)
@pytest.mark.parametrize("ka", ["dims", "zerodim"])
def test_add_result_dtype_table(ka, kb):
    mismatches = []
    pairs = [(na, nb) for na, nb in itertools.product(NAMES, NAMES)
             # a Python scalar only has three kinds
             if kb != "scalar" or nb in ("bool", "int64", "float32")]
    inputs = {(n, k): _make(pl, n, k) for n in NAMES for k in KINDS}
    ours = _traced(lambda: [_logical_and_storage(inputs[na, ka] + inputs[nb, kb])
                            for na, nb in pairs])
    for (na, nb), o in zip(pairs, ours):
        theirs = (_make(torch, na, ka) + _make(torch, nb, kb)).dtype
        if o != str(theirs):
            mismatches.append((na, ka, nb, kb, o, str(theirs)))
    assert not mismatches, mismatches


@pytest.mark.parametrize("na,nb", [("uint8", "int8"), ("int64", "float16"), ("bool", "int32"),
                                   ("bfloat16", "float16"), ("int32", "int64")])
def test_add_result_dtype_executed(na, nb):
    # A few pairs run for real (compiled), values included.
    for ka, kb in [("dims", "dims"), ("dims", "zerodim"), ("zerodim", "dims")]:
        ours = _make(pl, na, ka) + _make(pl, nb, kb)
        theirs = _make(torch, na, ka) + _make(torch, nb, kb)
        assert str(ours.dtype) == str(theirs.dtype)
        assert ours._data.dtype == ours.dtype.storage
        np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())


@pytest.mark.parametrize("ka,kb", [("dims", "dims"), ("dims", "zerodim"), ("zerodim", "dims"),
                                   ("dims", "scalar")])
def test_reflected_and_other_ops_dtype(ka, kb):
    mismatches = []
    ops = {"mul": lambda a, b: a * b, "rsub": lambda a, b: b - a if not (
        isinstance(b, bool) or getattr(b, "dtype", None) in (pl.bool, torch.bool)) else a * b,
           "div": lambda a, b: a / b, "rdiv": lambda a, b: b / a, "eq": lambda a, b: a == b,
           "max": lambda a, b: (a * 1).maximum(a * 0 + b) if not isinstance(b, (int, float))
           else a * 1}
    cases = []
    for (opname, op), na, nb in itertools.product(ops.items(), NAMES, NAMES):
        if kb == "scalar" and nb not in ("bool", "int64", "float32"):
            continue
        try:
            theirs = op(_make(torch, na, ka), _make(torch, nb, kb))
        except RuntimeError:
            continue
        cases.append((opname, op, na, nb, str(theirs.dtype)))
    inputs = {(n, k): _make(pl, n, k) for n in NAMES for k in KINDS}
    ours = _traced(lambda: [_logical_and_storage(op(inputs[na, ka], inputs[nb, kb]))
                            for _, op, na, nb, _ in cases])
    for (opname, _, na, nb, theirs), o in zip(cases, ours):
        if o != theirs:
            mismatches.append((opname, na, ka, nb, kb, o, theirs))
    assert not mismatches, mismatches


def test_promote_types_and_result_type():
    bad = []
    for na, nb in itertools.product(NAMES, NAMES):
        ours = pl.promote_types(getattr(pl, na), getattr(pl, nb))
        theirs = torch.promote_types(getattr(torch, na), getattr(torch, nb))
        if str(ours) != str(theirs):
            bad.append((na, nb, str(ours), str(theirs)))
        for s in (True, 3, 2.5):
            o = pl.result_type(pl.ones(1, dtype=getattr(pl, na)), s)
            t = torch.result_type(torch.ones(1, dtype=getattr(torch, na)), s)
            if str(o) != str(t):
                bad.append((na, s, str(o), str(t)))
    assert not bad, bad


def test_values_survive_promotion():
    a = pl.tensor([1, 2, 3], dtype=pl.uint8)
    b = pl.tensor([-1, -2, -3], dtype=pl.int8)
    s = a + b
    assert s.dtype is pl.int16 and s.tolist() == [0, 0, 0]
    h = pl.tensor([1.5], dtype=pl.float16) + pl.tensor([2.25], dtype=pl.bfloat16)
    assert h.dtype is pl.float32 and h.tolist() == [3.75]
    i = pl.tensor([1, 2]) / 2
    assert i.dtype is pl.float32 and i.tolist() == [0.5, 1.0]
    assert (pl.tensor([1, 2]) * 2.5).tolist() == [2.5, 5.0]
    assert (pl.tensor([True]) + True).dtype is pl.bool
    assert (pl.tensor([True]) + 1).dtype is pl.int64


def test_dtype_objects():
    assert pl.float32 is pl.float and pl.float64 is pl.double and pl.int64 is pl.long
    assert pl.int32 is pl.int and pl.float16 is pl.half and pl.int16 is pl.short
    assert repr(pl.float32) == "torch.float32" and str(pl.bool) == "torch.bool"
    assert pl.float32.is_floating_point and not pl.int64.is_floating_point
    assert pl.float32.itemsize == 4 and pl.int64.itemsize == 8
    assert pl.get_default_dtype() is pl.float32
    assert pl.tensor([1.0]).dtype is pl.float32 and pl.tensor([1]).dtype is pl.int64
    assert pl.tensor([True]).dtype is pl.bool
    assert pl.tensor(np.array([1.0])).dtype is pl.float64  # numpy float64 stays float64
    assert pl.tensor(np.array([1], np.int32)).dtype is pl.int32
    assert pl.tensor(2.0).dtype is pl.float32 and pl.tensor(2).dtype is pl.int64
    assert pl.tensor([1, 2.0]).dtype is pl.float32


def test_set_default_dtype():
    try:
        pl.set_default_dtype(pl.float64)
        assert pl.tensor([1.0]).dtype is pl.float64
        assert (pl.tensor([1]) * 0.5).dtype is pl.float64
        assert pl.zeros(2).dtype is pl.float64
    finally:
        pl.set_default_dtype(pl.float32)
    assert pl.zeros(2).dtype is pl.float32
    with pytest.raises(TypeError):
        pl.set_default_dtype(pl.int64)
