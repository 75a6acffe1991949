"""Property tests (hypothesis) against numpy: broadcasting, reductions, slicing.

Shapes are kept small and examples few so the file runs in seconds; every op compiles once per
new shape, which dominates the cost.
"""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import pytorch_like as pl  # noqa: E402

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

dims = st.integers(min_value=1, max_value=3)


@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast together (numpy's rule, which torch shares)."""
    ndim = draw(st.integers(0, 3))
    out = [draw(dims) for _ in range(ndim)]
    a, b = [], []
    for d in out:
        a.append(draw(st.sampled_from([d, 1])))
        b.append(draw(st.sampled_from([d, 1])))
    a = a[draw(st.integers(0, len(a))):]
    b = b[draw(st.integers(0, len(b))):]
    return tuple(a), tuple(b)


def _values(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@SETTINGS
@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "maximum", "gt"]),
       st.integers(0, 2 ** 16))
def test_binary_broadcasting_matches_numpy(shapes, op, seed):
    sa, sb = shapes
    a, b = _values(sa, seed), _values(sb, seed + 1)
    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "maximum": np.maximum,
          "gt": np.greater}[op]
    expected = fn(a, b)
    got = getattr(pl, op)(pl.tensor(a), pl.tensor(b))
    assert tuple(got.shape) == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


@SETTINGS
@given(st.lists(dims, min_size=1, max_size=3), st.lists(dims, min_size=1, max_size=3))
def test_incompatible_shapes_raise(sa, sb):
    try:
        np.broadcast_shapes(tuple(sa), tuple(sb))
        compatible = True
    except ValueError:
        compatible = False
    if compatible:
        out = pl.zeros(*sa) + pl.zeros(*sb)
        assert tuple(out.shape) == np.broadcast_shapes(tuple(sa), tuple(sb))
    else:
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            pl.zeros(*sa) + pl.zeros(*sb)


@st.composite
def reduction_case(draw):
    shape = tuple(draw(st.lists(dims, min_size=1, max_size=3)))
    n = len(shape)
    which = draw(st.sampled_from(["none", "int", "tuple"]))
    if which == "none":
        dim = None
    elif which == "int":
        dim = draw(st.integers(-n, n - 1))
    else:
        dim = tuple(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=n,
                                  unique_by=lambda d: d % n)))
    keepdim = draw(st.booleans()) if dim is not None else False
    return shape, dim, keepdim


@SETTINGS
@given(reduction_case(), st.sampled_from(["sum", "mean", "amax", "amin", "prod"]),
       st.integers(0, 2 ** 16))
def test_reductions_match_numpy(case, op, seed):
    shape, dim, keepdim = case
    if op == "prod" and isinstance(dim, tuple):
        dim = dim[0]
    x = _values(shape, seed)
    npfn = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min, "prod": np.prod}[op]
    expected = npfn(x, axis=dim, keepdims=keepdim)
    t = pl.tensor(x)
    got = getattr(t, op)(dim, keepdim=keepdim) if dim is not None else getattr(t, op)()
    assert tuple(got.shape) == np.shape(expected)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(reduction_case(), st.integers(0, 2 ** 16))
def test_std_var_match_numpy(case, seed):
    shape, dim, keepdim = case
    x = _values(shape, seed)
    n = x.size if dim is None else int(np.prod([shape[d] for d in np.atleast_1d(dim)]))
    if n < 2:
        return  # torch and numpy both give nan/inf with one element; not the point here
    t = pl.tensor(x)
    for correction in (0, 1):
        np.testing.assert_allclose(
            t.var(dim, keepdim=keepdim, correction=correction).numpy(),
            np.var(x, axis=dim, keepdims=keepdim, ddof=correction), rtol=1e-4, atol=1e-6)


@st.composite
def slicing_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    index = []
    for d in shape:
        kind = draw(st.sampled_from(["slice", "int", "full"]))
        if kind == "int":
            index.append(draw(st.integers(-d, d - 1)))
        elif kind == "full":
            index.append(slice(None))
        else:
            start = draw(st.one_of(st.none(), st.integers(-d - 2, d + 2)))
            stop = draw(st.one_of(st.none(), st.integers(-d - 2, d + 2)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            index.append(slice(start, stop, step))
    if draw(st.booleans()):
        index.insert(draw(st.integers(0, len(index))), None)
    index = index[:draw(st.integers(1, len(index)))]
    return shape, tuple(index)


@SETTINGS
@given(slicing_case())
def test_getitem_slices_match_numpy(case):
    shape, index = case
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    got = pl.tensor(x)[index]
    expected = x[index]
    assert tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


@SETTINGS
@given(slicing_case(), st.floats(-5, 5, allow_nan=False, width=32))
def test_setitem_slices_match_numpy(case, value):
    shape, index = case
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = pl.tensor(x)
    t[index] = value
    x[index] = value
    np.testing.assert_array_equal(t.numpy(), x)


@SETTINGS
@given(st.lists(dims, min_size=1, max_size=3), st.integers(0, 2 ** 16), st.data())
def test_integer_array_indexing_matches_numpy(shape, seed, data):
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    rng = np.random.default_rng(seed)
    idx = rng.integers(-shape[0], shape[0], size=data.draw(st.integers(1, 4)))
    got = pl.tensor(x)[pl.tensor(idx)]
    np.testing.assert_array_equal(got.numpy(), x[idx])
    mask = rng.random(shape) > 0.5
    np.testing.assert_array_equal(pl.tensor(x)[pl.tensor(mask)].numpy(), x[mask])
