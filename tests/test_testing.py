"""``pytorch_like.testing`` against ``torch.testing``: the same outcome and message text."""

import warnings

import numpy as np
import pytest

import pytorch_like as pl

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")

nan, inf = float("nan"), float("inf")

# Each case builds (actual, expected, kwargs) from a library (pytorch_like or torch).
CASES = {
    "equal": lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0]), {}),
    "close_1d": lambda L: (L.tensor([1.0, 2.0, 3.0]), L.tensor([1.0, 2.5, 3.0]), {}),
    "close_2d": lambda L: (L.tensor([[1.0, 2.0], [3.0, 4.0]]),
                           L.tensor([[1.0, 2.0], [3.5, 4.1]]), {}),
    "close_3d": lambda L: (L.arange(6.0).reshape(1, 2, 3),
                           L.tensor([0.0, 1, 2, 3, 4, 6]).reshape(1, 2, 3), {}),
    "int": lambda L: (L.tensor([1, 2, 3]), L.tensor([1, 2, 4]), {}),
    "uint8": lambda L: (L.tensor([1, 2], dtype=L.uint8), L.tensor([1, 5], dtype=L.uint8), {}),
    "bool": lambda L: (L.tensor([True, False]), L.tensor([True, True]), {}),
    "dtype": lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0], dtype=L.float64), {}),
    "dtype_off": lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0], dtype=L.float64),
                            {"check_dtype": False}),
    "int_vs_float": lambda L: (L.tensor([1, 2]), L.tensor([1.0, 2.0]), {}),
    "shape": lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0, 3.0]), {}),
    "nan": lambda L: (L.tensor([nan]), L.tensor([nan]), {}),
    "nan_equal": lambda L: (L.tensor([nan]), L.tensor([nan]), {"equal_nan": True}),
    "inf": lambda L: (L.tensor([1.0, inf]), L.tensor([1.0, inf]), {}),
    "inf_sign": lambda L: (L.tensor([1.0, inf]), L.tensor([1.0, -inf]), {}),
    "zero_expected": lambda L: (L.tensor([0.0, 1.0]), L.tensor([1e-3, 1.0]), {}),
    "greatest_among_mismatched": lambda L: (L.tensor([1e-7, 10.0]), L.tensor([0.0, 11.0]), {}),
    "float16": lambda L: (L.tensor([1.0, 2.0], dtype=L.float16),
                          L.tensor([1.0, 2.01], dtype=L.float16), {}),
    "bfloat16_default_tol": lambda L: (L.tensor([1.0, 2.0], dtype=L.bfloat16),
                                       L.tensor([1.0, 2.01], dtype=L.bfloat16), {}),
    "zero_tol": lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.5]), {"rtol": 0, "atol": 0}),
    "given_tol": lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.5]),
                            {"rtol": 1e-2, "atol": 0.1}),
    "only_rtol": lambda L: (L.tensor([1.0]), L.tensor([1.1]), {"rtol": 1e-3}),
    "only_atol": lambda L: (L.tensor([1.0]), L.tensor([1.0]), {"atol": 1e-3}),
    "zero_dim": lambda L: (L.tensor(1.0), L.tensor(2.0), {}),
    "zero_dim_int": lambda L: (L.tensor(1), L.tensor(2), {}),
    "empty": lambda L: (L.tensor([]), L.tensor([]), {}),
    "eye": lambda L: (L.ones(3, 3), L.ones(3, 3) + L.eye(3) * 0.01, {}),
    "msg_str": lambda L: (L.tensor([1.0]), L.tensor([1.1]), {"msg": "custom"}),
    "msg_callable": lambda L: (L.tensor([1.0]), L.tensor([1.1]), {"msg": lambda m: "X" + m}),
    "complex": lambda L: (L.tensor([1 + 1j, 2]), L.tensor([1 + 2j, 2]), {}),
    "float_scalars": lambda L: (1.0, 1.1, {}),
    "float_scalars_tol": lambda L: (1.0, 1.05, {"rtol": 0.1, "atol": 0.0}),
    "int_scalars": lambda L: (1, 2, {}),
    "int_float_scalars": lambda L: (1, 1.0, {}),
    "bools": lambda L: (True, False, {}),
    "nones": lambda L: (None, None, {}),
    "none_vs_int": lambda L: (None, 1, {}),
    "strings": lambda L: ("a", "b", {}),
    "tensor_vs_float": lambda L: (L.tensor([1.0]), 1.0, {}),
    "tensor_vs_numpy": lambda L: (L.tensor([1.0, 2.0]), np.array([1.0, 2.0]), {}),
    "numpy": lambda L: (np.array([1.0, 2.0]), np.array([1.0, 2.1]), {}),
    "list": lambda L: ([1.0, 2.0], [1.0, 2.1], {}),
    "list_tuple": lambda L: ((1, 2), [1, 2], {}),
    "list_len": lambda L: ([1.0, 2.0], [1.0], {}),
    "list_of_tensors": lambda L: ([L.tensor([1.0])], (L.tensor([2.0]),), {}),
    "dict": lambda L: ({"a": L.tensor(1.0)}, {"a": L.tensor(2.0)}, {}),
    "dict_keys": lambda L: ({"a": L.tensor(1.0)}, {"b": L.tensor(1.0)}, {}),
    "nested": lambda L: ({"a": [1.0, 2.0]}, {"a": [1.0, 3.0]}, {}),
    "nested_msg": lambda L: ({"a": [1.0]}, {"a": [2.0]}, {"msg": lambda m: "<" + m + ">"}),
    "parameter_no_subclasses": lambda L: (L.nn.Parameter(L.tensor([1.0])), L.tensor([1.0]),
                                          {"allow_subclasses": False}),
    "parameter": lambda L: (L.nn.Parameter(L.tensor([1.0])), L.tensor([1.0]), {}),
}


def _outcome(lib, case):
    actual, expected, kwargs = CASES[case](lib)
    try:
        lib.testing.assert_close(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001  (the type is part of what is compared)
        return type(e).__name__, str(e).replace("torch.nn.parameter.Parameter",
                                                "pytorch_like.nn.parameter.Parameter")
    return None


@needs_torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_assert_close_matches_torch(case):
    ours = _outcome(pl, case)
    theirs = _outcome(torch, case)
    if ours is not None and theirs is not None and ours[0] == "TypeError":
        # The message names each library's own classes.
        assert ours[0] == theirs[0]
        assert ours[1].startswith("No comparison pair")
        return
    assert ours == theirs


def test_assert_close_message_text():
    with pytest.raises(AssertionError) as info:
        pl.testing.assert_close(pl.tensor([1.0, 2.0, 3.0]), pl.tensor([1.0, 2.5, 3.0]))
    assert str(info.value) == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 "
        "allowed)")


def _allclose_outcome(lib, actual, expected, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            lib.testing.assert_allclose(actual(lib), expected(lib), **kwargs)
            err = None
        except Exception as e:  # noqa: BLE001
            err = (type(e).__name__, str(e))
    return err, [(w.category, str(w.message)) for w in caught]


@needs_torch
@pytest.mark.parametrize("actual,expected,kwargs", [
    (lambda L: L.tensor([1.0]), lambda L: [1.0], {}),
    (lambda L: L.tensor([1.0]), lambda L: L.tensor([1.00001]), {}),
    (lambda L: L.tensor([1.0]), lambda L: L.tensor([1.1]), {}),
    (lambda L: L.tensor([1.0]), lambda L: L.tensor([1.1]), {"rtol": 1e-3}),
    (lambda L: L.tensor([nan]), lambda L: L.tensor([nan]), {}),
])
def test_assert_allclose_matches_torch(actual, expected, kwargs):
    assert _allclose_outcome(pl, actual, expected, **kwargs) == \
        _allclose_outcome(torch, actual, expected, **kwargs)


@pytest.mark.parametrize("dtype,lo,hi", [
    ("float32", -9, 9), ("float16", -9, 9), ("int64", -9, 9), ("int8", -9, 9),
    ("uint8", 0, 9), ("int32", -9, 9),
])
def test_make_tensor_defaults(dtype, lo, hi):
    pl.manual_seed(0)
    t = pl.testing.make_tensor(400, dtype=getattr(pl, dtype), device="cpu")
    assert t.dtype is getattr(pl, dtype) and t.shape == (400,)
    v = t.numpy().astype(np.float64)
    assert v.min() >= lo and v.max() <= hi
    assert v.max() - v.min() > (hi - lo) * 0.8  # the whole range is drawn from


def test_make_tensor_shapes_and_options():
    mk = pl.testing.make_tensor
    assert mk(2, 3, dtype=pl.float32, device="cpu").shape == (2, 3)
    assert mk((2, 3), dtype=pl.float32, device="cpu").shape == (2, 3)
    assert mk([4], dtype=pl.bool, device="cpu").dtype is pl.bool
    assert mk((), dtype=pl.float32, device="cpu").shape == ()
    t = mk(500, dtype=pl.float32, device="cpu", low=-2, high=5, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert -2 <= float(t.min()) and float(t.max()) < 5
    i = mk(500, dtype=pl.int64, device="cpu", low=0, high=2, exclude_zero=True)
    assert set(np.unique(i.numpy())) <= {1}
    f = mk(500, dtype=pl.float16, device="cpu", low=-1e5)
    assert np.isfinite(f.numpy().astype(np.float32)).all()
    c = mk(4, dtype=pl.complex64, device="cpu", low=0, high=1)
    assert c.dtype is pl.complex64
    with pytest.raises(TypeError, match="device"):
        mk(3, dtype=pl.float32)


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {"dtype": "float32", "low": 5, "high": -2},
    {"dtype": "float32", "low": nan},
    {"dtype": "int64", "requires_grad": True},
    {"dtype": "int64", "low": 3, "high": 3},
])
def test_make_tensor_errors_match_torch(kwargs):
    def err(lib):
        k = dict(kwargs, dtype=getattr(lib, kwargs["dtype"]))
        with pytest.raises(ValueError) as info:
            lib.testing.make_tensor(10, device="cpu", **k)
        return str(info.value)
    assert err(pl) == err(torch)


@needs_torch
def test_make_tensor_low_equals_high_warns_like_torch():
    def run(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = lib.testing.make_tensor(5, dtype=lib.float32, device="cpu", low=3, high=3)
        return t.tolist(), [(w.category, str(w.message)) for w in caught]
    assert run(pl) == run(torch)
