"""default_collate / default_convert against real torch's, on the same inputs."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def _same(ours, theirs, torch):
    """Structure, container types, dtypes, shapes and values equal."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, pl.Tensor), (type(ours), theirs)
        assert str(ours.dtype) == str(theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(np.asarray(ours), theirs.numpy())
        return
    assert type(ours).__name__ == type(theirs).__name__, (ours, theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k], torch)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, torch)
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert ours == theirs


def _to_lib(x, lib):
    """Replace numpy arrays wrapped in a ``("T", array)`` marker by lib tensors."""
    if isinstance(x, tuple) and len(x) == 2 and x[0] == "T":
        return lib.tensor(x[1])
    if isinstance(x, Point):
        return Point(*(_to_lib(v, lib) for v in x))
    if isinstance(x, collections.OrderedDict):
        return collections.OrderedDict((k, _to_lib(v, lib)) for k, v in x.items())
    if isinstance(x, dict):
        return {k: _to_lib(v, lib) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(_to_lib(v, lib) for v in x)
    if isinstance(x, list):
        return [_to_lib(v, lib) for v in x]
    return x


_f = np.arange(6, dtype=np.float32).reshape(2, 3)
CASES = {
    "ints": [1, 2, 3],
    "floats": [1.5, 2.0],
    "bools": [True, False],
    "int_then_bool": [1, True],
    "int_then_float": [1, 2.5],
    "np_float32_scalars": [np.float32(1), np.float32(2)],
    "np_int32_scalars": [np.int32(1), np.int32(2)],
    "np_bool_scalars": [np.bool_(True), np.bool_(False)],
    "np_uint8_scalars": [np.uint8(3), np.uint8(4)],
    "np_0d": [np.array(1.0), np.array(2.0)],
    "np_arrays_f64": [np.zeros(3), np.ones(3)],
    "np_arrays_u8": [np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)],
    "np_arrays_f16": [np.zeros(2, np.float16), np.ones(2, np.float16)],
    "tensors_f32": [("T", _f), ("T", _f + 1)],
    "tensors_i64": [("T", np.arange(3)), ("T", np.arange(3) * 2)],
    "tensors_bool": [("T", np.array([True, False])), ("T", np.array([False, False]))],
    "tensor_label_tuples": [(("T", _f), 0), (("T", _f * 2), 1)],
    "tuples_with_str": [(1, "a"), (2, "b")],
    "lists": [[1, 2], [3, 4]],
    "str_list": ["a", "b"],
    "str_then_int": ["a", 1],
    "bytes": [b"ab", b"cd"],
    "np_str_scalars": [np.str_("a"), np.str_("b")],
    "dicts": [{"a": 1, "b": 2.0, "c": ("T", _f)}, {"a": 3, "b": 4.0, "c": ("T", _f)}],
    "nested": [{"x": [1, (2.0, "s")], "y": {"z": np.float32(1)}},
               {"x": [3, (4.0, "t")], "y": {"z": np.float32(2)}}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "namedtuple_tensors": [Point(("T", _f), 1), Point(("T", _f), 2)],
    "ordered_dict": [collections.OrderedDict(a=1, b=2), collections.OrderedDict(a=3, b=4)],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_collate_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    batch = CASES[name]
    _same(default_collate(_to_lib(batch, pl)), torch_collate(_to_lib(batch, torch)), torch)


CONVERT_CASES = {
    "array": np.array([1, 2]),
    "tuple": (np.array([1.0]), 2),
    "list": [np.array([1]), "x", (np.float32(3),)],
    "dict": {"a": np.zeros(1)},
    "str_array": np.array(["a"]),
    "np_scalar": np.float32(1),
    "np_0d": np.array(1.0),
    "namedtuple": Point(np.zeros(1), 2),
    "int": 3,
}


@pytest.mark.parametrize("name", sorted(CONVERT_CASES))
def test_default_convert_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_convert as torch_convert

    data = CONVERT_CASES[name]
    _same(default_convert(data), torch_convert(data), torch)


ERROR_CASES = {
    "object": [object(), object()],
    "str_array": [np.array(["a"]), np.array(["b"])],
    "ragged_lists": [[1, 2], [3]],
    "tensor_sizes": [("T", np.zeros(3, np.float32)), ("T", np.zeros(4, np.float32))],
    "array_sizes": [np.zeros(2), np.zeros(3)],
    "tensor_and_int": [("T", np.zeros(3, np.float32)), 1],
    "empty": [],
    "missing_key": [{"a": 1}, {"b": 2}],
    "none": [None, None],
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_default_collate_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    batch = ERROR_CASES[name]
    with pytest.raises(Exception) as theirs:
        torch_collate(_to_lib(batch, torch))
    with pytest.raises(Exception) as ours:
        default_collate(_to_lib(batch, pl))
    assert ours.type is theirs.type
    if name in ("object", "str_array", "ragged_lists", "tensor_sizes", "array_sizes", "none"):
        assert str(ours.value) == str(theirs.value)


def test_collate_errors_without_torch():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([object()])
    with pytest.raises(RuntimeError, match=r"got \[3\] at entry 0 and \[4\] at entry 1"):
        default_collate([pl.zeros(3), pl.zeros(4)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])


def test_collate_values_and_dtypes():
    out = default_collate([(pl.tensor([1.0, 2.0]), 1), (pl.tensor([3.0, 4.0]), 2)])
    assert isinstance(out, list)
    assert out[0].dtype == pl.float32 and out[1].dtype == pl.int64
    np.testing.assert_array_equal(np.asarray(out[0]), [[1, 2], [3, 4]])
    assert default_collate([1.0, 2.0]).dtype == pl.float64
    assert default_collate([True, False]).dtype == pl.bool


def test_collate_promotes_tensor_dtypes_like_stack():
    out = default_collate([pl.tensor([1], dtype=pl.int64), pl.tensor([1.5])])
    assert out.dtype == pl.float32
    np.testing.assert_array_equal(np.asarray(out), [[1.0], [1.5]])


def test_collate_keeps_autograd_graph():
    a = pl.tensor([1.0, 2.0], requires_grad=True)
    b = pl.tensor([3.0, 4.0], requires_grad=True)
    out = default_collate([a, b])
    assert out.requires_grad and out.grad_fn is not None
    (out * pl.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(np.asarray(a.grad), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(b.grad), [3.0, 4.0])


def test_collate_int64_overflow_is_reported():
    import jax

    if jax.config.jax_enable_x64:
        pytest.skip("int64 storage is exact with x64 on")
    with pytest.raises(OverflowError, match="does not fit"):
        default_collate([2**40, 1])
