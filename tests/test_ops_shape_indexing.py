"""Shape ops, joining/splitting, indexing (read and write), gather/scatter, against torch."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import check

rng = np.random.default_rng(2)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# -- reshaping ---------------------------------------------------------------------------
SHAPE_FNS = {
    "reshape": lambda t: t.reshape(4, 6),
    "reshape_tuple": lambda t: t.reshape((-1, 3)),
    "view": lambda t: t.view(2, -1),
    "view_as": lambda t: t.view_as(t.reshape(6, 4)),
    "flatten": lambda t: t.flatten(),
    "flatten_1": lambda t: t.flatten(1),
    "flatten_0_1": lambda t: t.flatten(0, 1),
    "squeeze": lambda t: t.reshape(2, 1, 12, 1).squeeze(),
    "squeeze_dim": lambda t: t.reshape(2, 1, 12, 1).squeeze(1),
    "squeeze_neg": lambda t: t.reshape(2, 1, 12, 1).squeeze(-1),
    "squeeze_noop": lambda t: t.squeeze(0),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "unsqueeze_neg": lambda t: t.unsqueeze(-1),
    "unsqueeze_mid": lambda t: t.unsqueeze(2),
    "transpose": lambda t: t.transpose(0, 2),
    "transpose_neg": lambda t: t.transpose(-1, -2),
    "permute": lambda t: t.permute(2, 0, 1),
    "permute_tuple": lambda t: t.permute((1, 2, 0)),
    "t": lambda t: t.reshape(4, 6).t(),
    "T": lambda t: t.reshape(4, 6).T,
    "mT": lambda t: t.mT,
    "contiguous": lambda t: t.transpose(0, 1).contiguous(),
    "expand": lambda t: t[:, :1].expand(2, 5, 4),
    "expand_new": lambda t: t[0].expand(3, 3, 4),
    "expand_neg": lambda t: t[:, :1].expand(-1, 7, -1),
    "expand_as": lambda t: t[:1].expand_as(t),
    "repeat": lambda t: t.repeat(2, 1, 3),
    "repeat_more": lambda t: t.repeat(2, 1, 1, 2),
    "movedim": lambda t: t.movedim(0, -1),
    "flip": lambda t: t.flip(0, 2) if False else t.flip((0, 2)),
    "roll": lambda t: t.roll(1, 2),
    "narrow": lambda t: t.narrow(1, 1, 2),
    "unflatten": lambda t: t.unflatten(2, (2, 2)),
}


@pytest.mark.parametrize("name", list(SHAPE_FNS))
def test_shape_ops(name):
    x = f32(2, 3, 4)
    fn = SHAPE_FNS[name]
    check(fn, fn, x)


def test_shape_ops_int_and_bool_dtypes():
    i = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    check(lambda t: t.permute(2, 0, 1).reshape(-1, 2), lambda t: t.permute(2, 0, 1).reshape(
        -1, 2), i)
    b = i % 2 == 0
    check(lambda t: t.transpose(0, 1).flatten(), lambda t: t.transpose(0, 1).flatten(), b)


@pytest.mark.slow  # extras beyond the op list; many compiles
def test_shape_function_forms():
    torch = pytest.importorskip("torch")
    x = f32(2, 3, 4)
    check(lambda t: pl.reshape(t, (3, 8)), lambda t: torch.reshape(t, (3, 8)), x)
    check(lambda t: pl.flatten(t, 1), lambda t: torch.flatten(t, 1), x)
    check(lambda t: pl.squeeze(pl.unsqueeze(t, 1), 1), lambda t: torch.squeeze(
        torch.unsqueeze(t, 1), 1), x)
    check(lambda t: pl.transpose(t, 0, 1), lambda t: torch.transpose(t, 0, 1), x)
    check(lambda t: pl.permute(t, (2, 1, 0)), lambda t: torch.permute(t, (2, 1, 0)), x)
    check(lambda t: pl.t(t[0]), lambda t: torch.t(t[0]), x)
    check(lambda t: pl.tril(t[0]), lambda t: torch.tril(t[0]), x)
    check(lambda t: pl.triu(t[0], 1), lambda t: torch.triu(t[0], 1), x)
    check(lambda t: pl.diagonal(t, 0, 1, 2), lambda t: torch.diagonal(t, 0, 1, 2), x)
    check(lambda t: pl.diag(t[0, 0]), lambda t: torch.diag(t[0, 0]), x)
    check(lambda t: pl.trace(t[0]), lambda t: torch.trace(t[0]), x)


def test_size_and_shape_types():
    t = pl.zeros(2, 3)
    assert isinstance(t.shape, pl.Size) and isinstance(t.shape, tuple)
    assert t.shape == (2, 3) and t.size() == pl.Size([2, 3])
    assert t.size(0) == 2 and t.size(-1) == 3
    assert repr(t.shape) == "torch.Size([2, 3])"
    assert t.shape[1:] == pl.Size([3]) and isinstance(t.shape[1:], pl.Size)
    assert t.shape.numel() == 6


# -- cat / stack / split / chunk ---------------------------------------------------------
def test_cat_stack():
    torch = pytest.importorskip("torch")
    a, b, c = f32(2, 3), f32(4, 3), f32(2, 3)
    check(lambda x, y: pl.cat([x, y]), lambda x, y: torch.cat([x, y]), a, b)
    check(lambda x, y: pl.cat((x, y), dim=-2), lambda x, y: torch.cat((x, y), dim=-2), a, b)
    check(lambda x, y: pl.cat([x, y], 1), lambda x, y: torch.cat([x, y], 1), a, c)
    check(lambda x, y: pl.concat([x, y], 1), lambda x, y: torch.concat([x, y], 1), a, c)
    for d in (0, 1, 2, -1):
        check(lambda x, y, d=d: pl.stack([x, y], d), lambda x, y, d=d: torch.stack([x, y], d), a, c)
    check(lambda x, y: pl.hstack([x, y]), lambda x, y: torch.hstack([x, y]), a, c)
    check(lambda x, y: pl.vstack([x, y]), lambda x, y: torch.vstack([x, y]), a, c)
    # mixed dtypes promote
    i = np.arange(6, dtype=np.int64).reshape(2, 3)
    check(lambda x, y: pl.cat([x, y]), lambda x, y: torch.cat([x, y]), a, i)
    check(lambda x, y: pl.stack([x, y]), lambda x, y: torch.stack([x, y]), i, a)
    # torch skips legacy empty (0,) tensors in cat
    check(lambda x, y: pl.cat([x, y]), lambda x, y: torch.cat([x, y]), a,
          np.zeros((0,), np.float32))


@pytest.mark.parametrize("arg", [2, 3, [1, 4], (2, 2, 1), 5, 7])
def test_split(arg):
    torch = pytest.importorskip("torch")
    x = f32(5, 3)
    check(lambda t: pl.split(t, arg), lambda t: torch.split(t, arg), x)
    check(lambda t: t.split(arg, 0), lambda t: t.split(arg, 0), x)


@pytest.mark.parametrize("n,dim", [(2, 0), (3, 0), (5, 0), (6, 0), (2, 1), (3, -1), (4, 1)])
def test_chunk(n, dim):
    torch = pytest.importorskip("torch")
    x = f32(5, 3)
    check(lambda t: pl.chunk(t, n, dim), lambda t: torch.chunk(t, n, dim), x)
    check(lambda t: t.chunk(n, dim=dim), lambda t: t.chunk(n, dim=dim), x)


@pytest.mark.slow  # extras beyond the op list; many compiles
def test_unbind_tensor_split():
    torch = pytest.importorskip("torch")
    x = f32(4, 3)
    check(lambda t: t.unbind(1), lambda t: t.unbind(1), x)
    check(lambda t: pl.unbind(t), lambda t: torch.unbind(t), x)
    check(lambda t: pl.tensor_split(t, 3), lambda t: torch.tensor_split(t, 3), x)
    check(lambda t: pl.tensor_split(t, [1, 3], 0), lambda t: torch.tensor_split(t, [1, 3], 0), x)


def test_split_uses_of_only_some_outputs():
    x = f32(6, 2)
    check(lambda t: t.split(2)[1] * 3, lambda t: t.split(2)[1] * 3, x)
    check(lambda t: t.chunk(3)[0] + t.chunk(3)[2], lambda t: t.chunk(3)[0] + t.chunk(3)[2], x)


# -- getitem -----------------------------------------------------------------------------
GET_INDICES = {
    "int": lambda t: t[1],
    "neg_int": lambda t: t[-1],
    "two_ints": lambda t: t[1, 2],
    "three_ints": lambda t: t[0, -1, 2],
    "slice": lambda t: t[1:],
    "slice_step": lambda t: t[::2],
    "slice_mid": lambda t: t[:, 1:3],
    "slice_neg": lambda t: t[:, -2:],
    "slice_out_of_range": lambda t: t[:, 1:100],
    "slice_empty": lambda t: t[2:1],
    "none": lambda t: t[None],
    "none_mid": lambda t: t[:, None, 1],
    "ellipsis": lambda t: t[..., 0],
    "ellipsis_mid": lambda t: t[0, ..., 1:],
    "ellipsis_none": lambda t: t[..., None],
    "int_list": lambda t: t[[0, 2, 2]],
    "int_list_2": lambda t: t[[0, 1], [1, 2]],
    "neg_list": lambda t: t[[-1, 0]],
    "int_tensor": lambda t: t[t.new_tensor([2, 0]).long()],
    "int_tensor_2d": lambda t: t[t.new_tensor([[0, 1], [2, 2]]).long()],
    "int_tensor_dim1": lambda t: t[:, t.new_tensor([3, 0, 3]).long()],
    "adv_separated": lambda t: t[[0, 1], :, [2, 3]],
    "adv_broadcast": lambda t: t[t.new_tensor([[0], [2]]).long(), t.new_tensor([1, 2]).long()],
    "bool_list": lambda t: t[[True, False, True]],
    "mixed": lambda t: t[1:, [0, 2], None],
    "zero_dim_int_tensor": lambda t: t[t.new_tensor(1).long()],
}


@pytest.mark.parametrize("name", list(GET_INDICES))
def test_getitem(name):
    x = f32(3, 4, 5)
    fn = GET_INDICES[name]
    check(fn, fn, x)


# A mask read has a data-dependent shape: the mask is an input (concrete under the parity
# helper's jax.vjp trace), not computed from the traced values.
MASK_INDICES = {
    "full": (lambda t, m: t[m], (3, 4, 5)),
    "rows": (lambda t, m: t[m], (3,)),
    "rows_2d": (lambda t, m: t[m], (3, 4)),
    "dim1": (lambda t, m: t[:, m], (4,)),
    "dim1_then_int": (lambda t, m: t[:, m, 2], (4,)),
    "ellipsis": (lambda t, m: t[..., m], (5,)),
    "with_slice": (lambda t, m: t[m, 1:], (3,)),
}


@pytest.mark.parametrize("name", list(MASK_INDICES))
def test_getitem_bool_mask(name):
    fn, mshape = MASK_INDICES[name]
    x = f32(3, 4, 5)
    m = rng.standard_normal(mshape) > 0
    check(fn, fn, x, m)
    check(fn, fn, x, np.zeros(mshape, bool))


def test_getitem_2d_and_0d():
    x = f32(4, 3)
    m = x[:, 0] > 0
    check(lambda t, m_: t[m_, 1:], lambda t, m_: t[m_, 1:], x, m)
    check(lambda t: t[1][2], lambda t: t[1][2], x)
    check(lambda t: t[1, 2][None], lambda t: t[1, 2][None], x)
    check(lambda t: t[1, 2][...], lambda t: t[1, 2][...], x)
    i = np.arange(12, dtype=np.int64).reshape(4, 3)
    check(lambda t: t[t % 2 == 0], lambda t: t[t % 2 == 0], i)  # int: no trace
    check(lambda t: t[[1, 3]][:, ::2], lambda t: t[[1, 3]][:, ::2], i)


def test_getitem_numpy_index_and_int_tensor_scalar():
    x = f32(4, 3)
    t = pl.tensor(x)
    np.testing.assert_array_equal(t[np.array([0, 2])].numpy(), x[[0, 2]])
    np.testing.assert_array_equal(t[pl.tensor(2)].numpy(), x[2])
    np.testing.assert_array_equal(t[np.int64(1)].numpy(), x[1])


def test_getitem_negative_step_errors_like_torch():
    t = pl.zeros(5)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[::-1]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[1:3:-2]


def test_getitem_errors():
    t = pl.zeros(3, 4)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        t[3]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        t[0, -5]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        t[0, 0, 0]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[pl.tensor([0, 5])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or "
                                         "bool tensors"):
        t[pl.tensor([0.0, 1.0])]


def test_getitem_int_index_on_0d_errors():
    torch = pytest.importorskip("torch")
    with pytest.raises(IndexError) as ours:
        pl.tensor(1.0)[0]
    with pytest.raises(IndexError) as theirs:
        torch.tensor(1.0)[0]
    assert str(ours.value) == str(theirs.value)


# -- setitem -----------------------------------------------------------------------------
SET_CASES = {
    "int": (lambda t: (1,), 5.0),
    "neg_int": (lambda t: (-1,), 2.0),
    "two_ints": (lambda t: (1, 2), 7.0),
    "slice": (lambda t: (slice(1, None),), 0.0),
    "slice_step": (lambda t: (slice(None, None, 2),), -1.0),
    "cols": (lambda t: (slice(None), slice(0, 2)), 3.0),
    "ellipsis": (lambda t: (Ellipsis, 0), 1.5),
    "none": (lambda t: (None, 0), 4.0),
    "int_list": (lambda t: ([0, 2],), 9.0),
    "pairs": (lambda t: ([0, 2], [1, 3]), 9.0),
    "int_tensor": (lambda t: (t.new_tensor([2, 0]).long(),), 8.0),
    "bool_mask": (lambda t: (t > 0,), 0.0),
    "row_mask": (lambda t: (pl.tensor([True, False, True]) if isinstance(t, pl.Tensor)
                            else __import__("torch").tensor([True, False, True]),), 6.0),
    "row_mask_cols": (lambda t: (pl.tensor([True, False, True]) if isinstance(t, pl.Tensor)
                                 else __import__("torch").tensor([True, False, True]),
                                 slice(1, 3)), 6.0),
}


def _setitem_fn(idx_fn, value, tensor_value=False):
    def fn(t):
        y = t * 1.0  # a non-leaf copy we may write into
        idx = idx_fn(y)
        v = value
        if tensor_value:
            shape = tuple(y[idx].shape)
            v = (t * 0 + 2.0)[tuple(slice(0, s) for s in shape)] if len(shape) == t.ndim \
                else y.new_full(shape, value)
        y[idx] = v
        return y * 2
    return fn


@pytest.mark.parametrize("name", list(SET_CASES))
def test_setitem_scalar(name):
    idx_fn, v = SET_CASES[name]
    x = f32(3, 4)
    fn = _setitem_fn(idx_fn, v)
    check(fn, fn, x)


@pytest.mark.parametrize("name", ["int", "slice", "cols", "int_list", "bool_mask", "row_mask",
                                  "pairs", "ellipsis"])
def test_setitem_tensor_value_with_grad(name):
    # The written value comes from another tensor that requires grad: grads flow to both.
    idx_fn, _ = SET_CASES[name]
    x = f32(3, 4)

    def fn(t, v):
        y = t * 1.0
        idx = idx_fn(y)
        shape = tuple(y[idx].shape)
        y[idx] = v.reshape(-1)[:int(np.prod(shape))].reshape(shape) * 3
        return y

    check(fn, fn, x, f32(12))


def test_setitem_broadcast_value():
    x = f32(3, 4)

    def fn(t, row):
        y = t.clone()
        y[1:] = row
        y[:, 0] = row[:3] if False else row[0]
        return y

    check(fn, fn, x, f32(4))


def test_setitem_int_tensor_and_dtype_cast():
    torch = pytest.importorskip("torch")
    a, b = pl.zeros(4, dtype=pl.int64), torch.zeros(4, dtype=torch.int64)
    a[1] = 2.7
    b[1] = 2.7
    a[pl.tensor([True, False, False, True])] = 5
    b[torch.tensor([True, False, False, True])] = 5
    a[2:] = pl.tensor([1.9, -1.9])
    b[2:] = torch.tensor([1.9, -1.9])
    assert a.tolist() == b.tolist() and a.dtype is pl.int64


def test_setitem_on_leaf_requiring_grad_errors():
    x = pl.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        x[0] = 2.0
    with pl.no_grad():
        x[0] = 2.0
    assert x.tolist() == [2.0, 1.0, 1.0] and x.is_leaf and x.requires_grad


def test_setitem_negative_step_errors():
    t = pl.zeros(4)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[::-1] = 1.0


# -- gather / scatter / index_select ------------------------------------------------------
def test_gather():
    torch = pytest.importorskip("torch")
    x = f32(3, 4)
    idx0 = np.array([[0, 1, 2, 0], [2, 2, 1, 0]], dtype=np.int64)
    idx1 = np.array([[0, 3], [1, 1], [2, 0]], dtype=np.int64)
    check(lambda t, i: pl.gather(t, 0, i), lambda t, i: torch.gather(t, 0, i), x, idx0)
    check(lambda t, i: t.gather(1, i), lambda t, i: t.gather(1, i), x, idx1)
    check(lambda t, i: t.gather(-1, i), lambda t, i: t.gather(-1, i), x, idx1)
    # smaller index than input along the other dims
    check(lambda t, i: t.gather(1, i[:2]), lambda t, i: t.gather(1, i[:2]), x, idx1)


@pytest.mark.parametrize("reduce", [None, "add"])
def test_scatter(reduce):
    torch = pytest.importorskip("torch")
    x = f32(3, 5)
    src = f32(2, 5)
    idx = np.array([[0, 1, 2, 0, 1], [2, 0, 0, 1, 2]], dtype=np.int64)
    kw = {} if reduce is None else {"reduce": reduce}
    check(lambda t, i, s: pl.scatter(t, 0, i, s, **kw),
          lambda t, i, s: torch.scatter(t, 0, i, s, **kw), x, idx, src, grad=reduce is None
          and False)
    check(lambda t, i: t.scatter(0, i, 1.5, **kw) if kw else t.scatter(0, i, 1.5),
          lambda t, i: t.scatter(0, i, 1.5, **kw) if kw else t.scatter(0, i, 1.5), x, idx,
          grad=False)


def test_scatter_gradients_unique_index():
    # With unique indices the gradient is defined (torch's scatter grad is defined for them).
    torch = pytest.importorskip("torch")
    x = f32(3, 4)
    src = f32(3, 2)
    idx = np.array([[0, 3], [1, 2], [3, 0]], dtype=np.int64)
    check(lambda t, i, s: t.scatter(1, i, s), lambda t, i, s: t.scatter(1, i, s), x, idx, src)
    check(lambda t, i, s: pl.scatter_add(t, 1, i, s),
          lambda t, i, s: torch.scatter_add(t, 1, i, s), x, idx, src)
    dup = np.array([[0, 0], [1, 1], [3, 3]], dtype=np.int64)
    check(lambda t, i, s: t.scatter_add(1, i, s), lambda t, i, s: t.scatter_add(1, i, s), x, dup,
          src)


def test_index_select():
    torch = pytest.importorskip("torch")
    x = f32(3, 4)
    for d, idx in [(0, [2, 0, 2]), (1, [3, 1]), (-1, [0]), (0, 1)]:
        i = np.array(idx, dtype=np.int64)
        check(lambda t, i_, d=d: pl.index_select(t, d, i_),
              lambda t, i_, d=d: torch.index_select(t, d, i_),
              x, i)
        check(lambda t, i_, d=d: t.index_select(d, i_), lambda t, i_, d=d: t.index_select(d, i_),
              x, i)


@pytest.mark.slow  # extras beyond the op list; many compiles
def test_masked_fill_and_friends():
    torch = pytest.importorskip("torch")
    x = f32(3, 4)
    m = x > 0
    check(lambda t, m_: t.masked_fill(m_, 0.5), lambda t, m_: t.masked_fill(m_, 0.5), x, m)
    check(lambda t, m_: t.masked_fill(m_[0], -1.0), lambda t, m_: t.masked_fill(m_[0], -1.0), x,
          m)
    check(lambda t, m_: pl.masked_select(t, m_), lambda t, m_: torch.masked_select(t, m_), x, m)
    check(lambda m_: pl.nonzero(m_), lambda m_: torch.nonzero(m_), m)
    check(lambda m_: pl.nonzero(m_, as_tuple=True), lambda m_: torch.nonzero(m_, as_tuple=True),
          m)
    i = np.array([0, 5, 11], dtype=np.int64)
    check(lambda t, i_: pl.take(t, i_), lambda t, i_: torch.take(t, i_), x, i)
    ii = np.array([2, 0], dtype=np.int64)
    s = f32(2, 4)
    check(lambda t, i_, s_: t.index_add(0, i_, s_), lambda t, i_, s_: t.index_add(0, i_, s_), x,
          ii, s)
    check(lambda t, i_, s_: t.index_copy(0, i_, s_), lambda t, i_, s_: t.index_copy(0, i_, s_),
          x, ii, s)
    check(lambda t, i_: t.index_fill(1, i_, 2.0), lambda t, i_: t.index_fill(1, i_, 2.0), x, ii)


def test_gather_scatter_int_dtypes():
    x = np.arange(12, dtype=np.int64).reshape(3, 4)
    i = np.array([[0, 1], [2, 3], [1, 1]], dtype=np.int64)
    check(lambda t, i_: t.gather(1, i_), lambda t, i_: t.gather(1, i_), x, i)
    check(lambda t, i_: t.scatter(1, i_, 0), lambda t, i_: t.scatter(1, i_, 0), x, i)


@pytest.mark.parametrize("args", [(0, 2, 1), (1, 3, 2), (-1, 4, 4), (0, 4, 3)])
def test_tensor_unfold_windows(args):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    check(lambda t: t.unfold(*args), lambda t: t.unfold(*args), x)


def test_select_and_unfold_errors():
    x = rng.standard_normal((3, 4)).astype(np.float32)
    check(lambda t: pl.select(t, 1, -2), lambda t: t.select(1, -2), x)
    check(lambda t: t.select(0, 2), lambda t: t.select(0, 2), x)
    with pytest.raises(IndexError, match="out of range"):
        pl.select(pl.tensor(x), 0, 3)
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 1 is 4 but "
                                           "size is 5"):
        pl.tensor(x).unfold(1, 5, 1)


@pytest.mark.parametrize("case", range(5))
def test_scatter_reduce_extremes_split_the_gradient_like_torch(case):
    # Each result's gradient goes to the values equal to it, split evenly over ties (the
    # input's own element included), and to nothing else; infinities stay intact.
    torch = pytest.importorskip("torch")
    inf = float("inf")
    s, src, idx, red = [([0., 5, 0], [1., 2, 3], [0, 0, 2], "amax"),
                        ([2.], [2., 2], [0, 0], "amax"),
                        ([2., 1], [2., 0, 0], [0, 1, 1], "amin"),
                        ([[1., 4], [3, 2]], [[5., 0], [1, 2]], [[1, 0], [0, 0]], "amax"),
                        ([inf, 1.], [1., 3.], [0, 1], "amax")][case]
    res = []
    for lib in (torch, pl):
        a = lib.tensor(s, requires_grad=True)
        b = lib.tensor(src, requires_grad=True)
        o = a.scatter_reduce(0, lib.tensor(idx), b, red)
        (o * lib.arange(1.0, o.numel() + 1).reshape(o.shape)).sum().backward()
        res.append((o.tolist(), a.grad.tolist(), b.grad.tolist(), o.grad_fn.name()))
    assert res[0] == res[1]
