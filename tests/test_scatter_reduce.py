"""scatter_reduce and index_reduce against torch: every reduction with and without
include_self, values and gradients (input and src), duplicate indices, ties and zeros,
positions no index reaches, integer and boolean forwards, torch's errors."""

import warnings

import numpy as np
import pytest
from parity import check, check_double_backward, torch

import pytorch_like as pl

REDUCES = ["sum", "prod", "mean", "amax", "amin"]
rng = np.random.default_rng(0)


def _ties(*shape):
    # Small integers as floats: equal values (ties for amax/amin) and zeros (for prod).
    return rng.integers(-2, 3, shape).astype(np.float32)


# (input shape, dim, index): duplicate targets, and the last slot along dim never reached.
LAYOUTS = [
    ((5,), 0, np.array([0, 0, 2, 3, 2, 0, 1])),
    ((3, 4), 1, np.array([[0, 0, 2, 1, 2], [1, 1, 1, 0, 0], [2, 0, 0, 2, 2]])),
    ((2, 3, 4), 1, rng.integers(0, 2, (2, 4, 3))),
    ((2, 3, 4), -1, rng.integers(0, 3, (2, 2, 5))),
]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_values_and_gradients_match_torch(reduce, include_self):
    # One layout per case (each new shape compiles again), rotating so that every layout
    # meets several reductions and both include_self values.
    shape, dim, idx = LAYOUTS[(2 * REDUCES.index(reduce) + include_self) % len(LAYOUTS)]
    x, src = _ties(*shape), _ties(*idx.shape)
    check(lambda a, i, s: a.scatter_reduce(dim, i, s, reduce, include_self=include_self),
          lambda a, i, s: a.scatter_reduce(dim, i, s, reduce, include_self=include_self),
          x, idx, src)


def test_untouched_positions_keep_the_input_and_mean_counts_self():
    x = pl.tensor([1.0, 2.0, 3.0])
    i, s = pl.tensor([0, 0, 2]), pl.tensor([4.0, 6.0, 8.0])
    np.testing.assert_allclose(x.scatter_reduce(0, i, s, "mean").numpy(),
                               [11 / 3, 2.0, 5.5], rtol=1e-6)
    np.testing.assert_array_equal(
        pl.scatter_reduce(x, 0, i, s, "mean", include_self=False).numpy(), [5.0, 2.0, 8.0])
    np.testing.assert_array_equal(
        x.scatter_reduce(0, i, s, "amin", include_self=False).numpy(), [4.0, 2.0, 8.0])


def test_extreme_ties_count_the_excluded_input_as_torch_does():
    # torch splits the gradient over every value equal to the result, the input's own
    # element included even when include_self=False left it out of the value.
    a = pl.tensor([3.0, 0.0, 1.0], requires_grad=True)
    b = pl.tensor([3.0, 2.0, 3.0], requires_grad=True)
    o = a.scatter_reduce(0, pl.tensor([0, 0, 2]), b, "amax", include_self=False)
    o.backward(pl.tensor([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(o.detach().numpy(), [3.0, 0.0, 3.0])
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 10.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.0, 100.0])


def test_prod_gradient_with_zeros():
    a = pl.tensor([0.0, 2.0, 3.0, 0.0], requires_grad=True)
    b = pl.tensor([0.0, 5.0, 0.0, 4.0, 0.0, 2.0], requires_grad=True)
    i = pl.tensor([0, 1, 1, 2, 2, 3])
    a.scatter_reduce(0, i, b, "prod").backward(pl.tensor([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0, 0.0, 8.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.0, 20.0, 0.0, 36.0, 0.0])
    a.grad = b.grad = None
    a.scatter_reduce(0, i, b, "prod", include_self=False).backward(
        pl.tensor([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.0, 10.0, 0.0, 12.0, 4.0])


def test_prod_double_backward():
    # The first-order rule is written with differentiable products (JAX's scatter-multiply
    # has no gradient with repeated indices), so gradients of gradients exist, as torch's.
    reduce, include_self = "prod", False
    x = rng.uniform(0.5, 2, 4).astype(np.float32)
    s = rng.uniform(0.5, 2, 5).astype(np.float32)
    x[3] = s[2] = 0.0   # a zero factor: the product of the others, differentiated again
    idx = np.array([0, 0, 1, 1, 3])

    def theirs(a, b):
        return a.scatter_reduce(0, torch.tensor(idx), b, reduce, include_self=include_self)

    check_double_backward(
        lambda a, b: a.scatter_reduce(0, pl.tensor(idx), b, reduce, include_self=include_self),
        theirs if torch is not None else None, x, s)


def _libs():
    return [pl] if torch is None else [pl, torch]


def _both(fn):
    """fn(lib) for pytorch_like and torch; the values (or the errors) must agree."""
    out = []
    for lib in _libs():
        try:
            r = fn(lib)
            out.append(("ok", r.tolist(), str(r.dtype)))
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            out.append((type(e).__name__, str(e)))
    if len(out) == 2:
        assert out[0] == out[1]
    return out[0]


def test_integer_forward():
    for reduce, inc, dtype in [(r, i, "int64") for r in REDUCES for i in (True, False)] + [
            ("mean", False, "int32"), ("amax", False, "int32")]:
        got = _both(lambda T, r=reduce, i=inc, d=dtype: T.tensor([4, -5, 6, 7],
                                                                 dtype=getattr(T, d))
                    .scatter_reduce(0, T.tensor([0, 0, 1, 1]),
                                    T.tensor([1, -2, -7, 3], dtype=getattr(T, d)), r,
                                    include_self=i))
        assert got[0] == "ok" and got[2] == f"torch.{dtype}"
    # Integer mean rounds down (floor), with and without the input.
    assert _both(lambda T: T.tensor([4, -5, 6, 7]).scatter_reduce(
        0, T.tensor([0, 0, 1, 1]), T.tensor([1, -2, -7, 3]), "mean"))[1] == [1, -3, 6, 7]
    assert _both(lambda T: T.tensor([4, -5, 6, 7]).scatter_reduce(
        0, T.tensor([0, 0, 1, 1]), T.tensor([1, -2, -7, 3]), "mean",
        include_self=False))[1] == [-1, -2, 6, 7]


def test_boolean_forward():
    for reduce in REDUCES:
        for inc in (True, False):
            _both(lambda T, r=reduce, i=inc: T.tensor([True, False, True]).scatter_reduce(
                0, T.tensor([0, 0, 1, 1]), T.tensor([True, False, True, True]), r,
                include_self=i))
    assert _both(lambda T: T.tensor([True, False, True]).scatter_reduce(
        0, T.tensor([0, 0, 1, 1]), T.tensor([True, False, True, True]), "prod",
        include_self=False))[1] == [False, True, True]
    with pytest.raises(NotImplementedError, match="reduce_mean\" not implemented for 'Bool'"):
        pl.tensor([True]).scatter_reduce(0, pl.tensor([0]), pl.tensor([True]), "mean")


ERRORS = [
    ("bad reduce", lambda T: T.zeros(3).scatter_reduce(0, T.tensor([0]), T.ones(1), "add"),
     "reduce argument must be either sum, prod, mean, amax or amin, got add"),
    ("src dtype", lambda T: T.zeros(2, 3).scatter_reduce(
        1, T.tensor([[0]]), T.ones(1, dtype=T.float64), "foo"),
     "scatter(): Expected self.dtype to be equal to src.dtype"),
    ("index dtype", lambda T: T.zeros(3).scatter_reduce(0, T.tensor([0.0]), T.ones(1), "sum"),
     "scatter(): Expected dtype int32/int64 for index"),
    ("index rank", lambda T: T.zeros(2, 3).scatter_reduce(1, T.tensor([0]), T.ones(1, 1),
                                                          "sum"),
     "Index tensor must have the same number of dimensions as self tensor"),
    ("index size", lambda T: T.zeros(2, 3).scatter_reduce(1, T.tensor([[0, 1]]), T.ones(1, 1),
                                                          "foo"),
     "Expected index [1, 2] to be no larger than self [2, 3] apart from dimension 1 and to be "
     "no larger size than src [1, 1]"),
    ("out of range", lambda T: T.zeros(2, 3).scatter_reduce(1, T.tensor([[3]]), T.ones(1, 1),
                                                            "mean"),
     "index 3 is out of bounds for dimension 1 with size 3"),
]


@pytest.mark.parametrize("fn,message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_torchs(fn, message):
    for lib in _libs():
        with pytest.raises(RuntimeError) as e:
            fn(lib)
        assert str(e.value) == message


def test_max_and_min_aliases_have_no_gradient():
    # torch's forward takes "max"/"min" as amax/amin; its backward refuses them.
    for lib in _libs():
        x = lib.tensor([5.0, 5.0, 5.0], requires_grad=True)
        o = x.scatter_reduce(0, lib.tensor([0, 0]), lib.tensor([1.0, 7.0]), "max")
        assert o.tolist() == [7.0, 5.0, 5.0]
        with pytest.raises(RuntimeError, match="Expected 'reduce' to be one of 'sum', 'prod', "
                                               "'mean', 'amax', 'amin' but got max."):
            o.sum().backward()


def test_in_place_and_top_level_forms():
    for lib in _libs():
        x = lib.tensor([1.0, 2.0])
        r = x.scatter_reduce_(0, lib.tensor([0, 0]), lib.tensor([5.0, 7.0]), "mean",
                              include_self=False)
        assert r is x and x.tolist() == [6.0, 2.0]
        y = lib.scatter_reduce(lib.tensor([1.0, 2.0]), -1, lib.tensor([1]), lib.tensor([3.0]),
                               "prod")
        assert y.tolist() == [1.0, 6.0]
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        assert a.scatter_reduce(0, lib.tensor([[1, 1]]), lib.ones(1, 2), "sum").grad_fn.name() \
            == "ScatterReduceBackward0"


# -- index_reduce ----------------------------------------------------------------------
IR_LAYOUTS = [((5,), 0, 7), ((3, 4), 1, 6), ((2, 3, 4), -1, 5)]


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch: index_reduce is in beta
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_values_and_gradients(reduce, include_self):
    k = ["prod", "mean", "amax", "amin"].index(reduce)
    shape, dim, n = IR_LAYOUTS[(2 * k + include_self) % len(IR_LAYOUTS)]
    x = _ties(*shape)
    sshape = list(shape)
    sshape[dim] = n
    src = _ties(*sshape)
    idx = rng.integers(0, shape[dim] - 1, n)   # duplicates; the last slot left alone
    check(lambda a, i, s: a.index_reduce(dim, i, s, reduce, include_self=include_self),
          lambda a, i, s: a.index_reduce(dim, i, s, reduce, include_self=include_self),
          x, idx, src)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_index_reduce_integer_in_place_and_errors():
    for reduce, inc in (("prod", False), ("mean", True), ("mean", False), ("amin", False)):
        assert _both(lambda T, r=reduce, i=inc: T.tensor([[4, -5], [6, 7], [1, 2]])
                     .index_reduce(0, T.tensor([0, 0, 2]),
                                   T.tensor([[1, -2], [-7, 3], [5, 5]]), r,
                                   include_self=i))[0] == "ok"
    for lib in _libs():
        x = lib.tensor([1.0, 2.0, 3.0])
        assert x.index_reduce_(0, lib.tensor([2, 2]), lib.tensor([4.0, 6.0]), "amax",
                               include_self=False) is x
        assert x.tolist() == [1.0, 2.0, 6.0]
        a = lib.zeros(3, requires_grad=True)
        assert a.index_reduce(0, lib.tensor([0]), lib.ones(1), "mean").grad_fn.name() == \
            "IndexReduceBackward0"
    for fn in (lambda T: T.zeros(3).index_reduce(0, T.tensor([5]), T.ones(1), "amax"),
               lambda T: T.zeros(3).index_reduce(0, T.tensor([0, 1]), T.ones(1), "amax"),
               lambda T: T.zeros(3).index_reduce(0, T.tensor([0]), T.ones(1, dtype=T.float64),
                                                 "amax"),
               lambda T: T.zeros(3).index_reduce(0, T.tensor([0.0]), T.ones(1), "amax"),
               lambda T: T.zeros(2, 3).index_reduce(1, T.tensor([0]), T.ones(3, 1), "amax"),
               lambda T: T.zeros(2, 3).index_reduce(1, T.tensor([0]), T.ones(2), "amax"),
               lambda T: T.zeros(2).index_reduce(0, T.tensor([0]), T.ones(1), "sum")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert _both(fn)[0] in ("RuntimeError", "IndexError")
    with pytest.raises(IndexError, match="^index out of range in self$"):
        pl.zeros(3).index_reduce(0, pl.tensor([-1]), pl.ones(1), "amax")


_SCATTER_CASES = [
    ("scatter", lambda L: (0, L.tensor([[0, 1]], dtype=L.int32), L.ones(1, 2))),
    ("scatter", lambda L: (0, L.tensor([[0, 1]]), L.ones(1, 2, dtype=L.float64))),
    ("scatter", lambda L: (0, L.tensor([0, 1]), L.ones(1, 2))),
    ("scatter", lambda L: (0, L.tensor([[0, 1, 2, 0, 1]]), L.ones(1, 2))),
    ("scatter", lambda L: (0, L.tensor([[0, 1]]), 2.0)),
    ("scatter", lambda L: (0, L.tensor([0, 1]), 2.0)),
    ("scatter_add", lambda L: (0, L.tensor([[0, 5]]), L.ones(1, 2))),
    ("scatter_add", lambda L: (0, L.tensor([[0, 1]]).float(), L.ones(1, 2))),
    ("scatter_add", lambda L: (0, L.tensor([[0, 1]]), L.ones(1, 2, dtype=L.float64))),
]


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("name,make", _SCATTER_CASES)
def test_scatter_and_scatter_add_check_their_arguments_as_torch(name, make):
    # The dtype, rank and size checks scatter_reduce makes, for scatter and scatter_add:
    # without them a mismatch reached JAX as a broadcasting ValueError or scattered anyway.
    got = {}
    for L in (pl, torch):
        try:
            got[L] = ("ok", getattr(L.zeros(3, 4), name)(*make(L)).tolist())
        except Exception as e:  # noqa: BLE001 - the error itself is what is compared
            got[L] = (type(e).__name__, str(e))
    assert got[pl] == got[torch]
