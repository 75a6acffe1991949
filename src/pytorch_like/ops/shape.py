"""Shape ops: view/reshape, squeeze, transpose/permute, expand/repeat, cat/stack/split, ...

The ops torch documents as views (view/reshape, squeeze/unsqueeze, flatten/unflatten,
permute/transpose/t, movedim, diagonal, narrow/select, split/chunk/unbind) return views: an
in-place change of the result writes into the input (see ``_views``). ``expand`` returns a
copy, which torch would refuse to write into anyway.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ..tensor import Tensor, _wrap_dim
from ._dispatch import Op, apply
from ._util import as_tensor_arg, cast_for, check_tensor_arg, result_dtype, shape_arg
from ._views import geometry, is_contiguous, make_view, view_strides

__all__ = ["reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "swapaxes",
           "swapdims", "permute", "t", "movedim", "moveaxis", "expand", "broadcast_to",
           "repeat", "tile", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
           "split", "chunk", "unbind", "tensor_split", "flip", "fliplr", "flipud", "roll",
           "narrow", "tril", "triu", "diag", "diagonal", "diag_embed", "broadcast_tensors",
           "atleast_1d", "atleast_2d", "repeat_interleave", "rot90", "ravel", "dstack",
           "column_stack", "meshgrid", "trace", "block_diag", "cartesian_prod", "outer",
           "select", "broadcast_shapes", "diagflat", "combinations", "vander",
           "unravel_index", "dsplit", "hsplit", "vsplit", "split_with_sizes", "sum_to_size",
           "narrow_copy"]


def _reshape_fn(x, *, shape):
    return jnp.reshape(x, shape)


_reshape = Op("reshape", _reshape_fn, saves=(), grad_name="ViewBackward0")
# The same reshape under the node names torch gives these ops.
_squeeze_all = Op("squeeze", _reshape_fn, saves=(), grad_name="SqueezeBackward0")
_squeeze_dim = Op("squeeze", _reshape_fn, saves=(), grad_name="SqueezeBackward1")
_unsqueeze = Op("unsqueeze", _reshape_fn, saves=(), grad_name="UnsqueezeBackward0")


def _infer_shape(shape: tuple, numel: int) -> tuple:
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input "
                               f"of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of "
                           f"size {numel}")
    return shape


def reshape(input, *shape) -> Tensor:  # noqa: A002
    """Mirrors ``torch.reshape``: a view when the input's strides allow one, else a copy;
    one dimension may be -1."""
    return _reshape_or_view(input, shape, False)


def view(input, *shape) -> Tensor:  # noqa: A002
    """Mirrors ``Tensor.view``: always a view; refuses (as torch does) a shape that the
    input's strides cannot express, e.g. flattening a transposed tensor."""
    return _reshape_or_view(input, shape, True)


def _reshape_or_view(input, shape, strict: bool) -> Tensor:  # noqa: A002
    shape = shape_arg(shape)
    a = input._cell.peek()
    shape = _infer_shape(shape, a.size)
    if shape == a.shape and not input._rg:
        return input
    out = apply(_reshape, (input,), (("shape", shape),))
    # Not only views: a copy in a memory format (channels_last) has its own strides too.
    if not is_contiguous(input):
        old_shape, old_strides, _ = geometry(input)
        if view_strides(old_shape, old_strides, shape) is None:
            if strict:
                raise RuntimeError(
                    "view size is not compatible with input tensor's size and stride (at least "
                    "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                    "instead.")
            return out  # torch copies here: writes into the result stay in the result
    return make_view(out, input, ("reshape", shape))


def view_as(input, other) -> Tensor:  # noqa: A002
    return view(input, tuple(other.shape))


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.flatten``."""
    check_tensor_arg("flatten", "input", 1, input)
    s = tuple(input.shape)
    if not s:
        return reshape(input, (1,))
    a, b = _wrap_dim(start_dim, len(s)), _wrap_dim(end_dim, len(s))
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, s[:a] + (math.prod(s[a:b + 1]),) + s[b + 1:])


ravel = flatten


def unflatten(input, dim: int, sizes) -> Tensor:  # noqa: A002
    s = tuple(input.shape)
    d = _wrap_dim(dim, len(s))
    sizes = tuple(sizes)
    if -1 in sizes:
        sizes = _infer_shape(sizes, s[d])
    if math.prod(sizes) != s[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({s[d]}) in the input tensor")
    return reshape(input, s[:d] + sizes + s[d + 1:])


def squeeze(input, dim=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.squeeze``: drops size-1 dims (only those named by ``dim``)."""
    s = tuple(input.shape)
    if dim is None:
        new = tuple(d for d in s if d != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {_wrap_dim(d, len(s)) for d in dims} if s else set()
        new = tuple(d for i, d in enumerate(s) if not (i in dims and d == 1))
    if new == s and not input._rg:
        return input
    out = apply(_squeeze_all if dim is None else _squeeze_dim, (input,), (("shape", new),))
    return make_view(out, input, ("reshape", new))


def unsqueeze(input, dim: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.unsqueeze``."""
    s = tuple(input.shape)
    d = _wrap_dim(dim, len(s) + 1)
    new = s[:d] + (1,) + s[d:]
    return make_view(apply(_unsqueeze, (input,), (("shape", new),)), input, ("reshape", new))


def _permute_fn(x, *, dims):
    return jnp.transpose(x, dims)


_permute = Op("permute", _permute_fn, saves=(), grad_name="PermuteBackward0")
_transpose = Op("transpose", _permute_fn, saves=(), grad_name="TransposeBackward0")
_t = Op("t", _permute_fn, saves=(), grad_name="TBackward0")


def permute(input, *dims) -> Tensor:  # noqa: A002
    """Mirrors ``torch.permute``."""
    dims = shape_arg(dims)
    n = input.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return make_view(apply(_permute, (input,), (("dims", dims),)), input, ("permute", dims))


def transpose(input, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.transpose``."""
    n = input.ndim
    if n == 0:
        return input
    perm = list(range(n))
    a, b = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    perm[a], perm[b] = perm[b], perm[a]
    perm = tuple(perm)
    return make_view(apply(_transpose, (input,), (("dims", perm),)), input, ("permute", perm))


swapaxes = swapdims = transpose


def t(input) -> Tensor:  # noqa: A002
    """Mirrors ``torch.t``: transpose of a tensor with at most 2 dims."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    if input.ndim < 2 and not input._rg:
        return input
    perm = tuple(reversed(range(input.ndim)))
    return make_view(apply(_t, (input,), (("dims", perm),)), input, ("permute", perm))


def movedim(input, source, destination) -> Tensor:  # noqa: A002
    n = input.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_wrap_dim(d, n) for d in src]
    dst = [_wrap_dim(d, n) for d in dst]
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


def _broadcast_fn(x, *, shape):
    return jnp.broadcast_to(x, shape)


_expand = Op("expand", _broadcast_fn, saves=(), grad_name="ExpandBackward0")


def expand(input, *sizes) -> Tensor:  # noqa: A002
    """Mirrors ``Tensor.expand`` (-1 keeps a dimension)."""
    sizes = shape_arg(sizes)
    s = tuple(input.shape)
    if len(sizes) < len(s):
        raise RuntimeError(f"expand(torch.FloatTensor{{[{', '.join(map(str, s))}]}}, size=["
                           f"{', '.join(map(str, sizes))}]): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(s)})")
    lead = len(sizes) - len(s)
    out = []
    for i, want in enumerate(sizes):
        have = s[i - lead] if i >= lead else None
        if want == -1:
            if have is None:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a "
                                   "leading, non-existing dimension 0")
            want = have
        elif have is not None and have != want and have != 1:
            raise RuntimeError(f"The expanded size of the tensor ({want}) must match the "
                               f"existing size ({have}) at non-singleton dimension {i}.  "
                               f"Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: "
                               f"[{', '.join(map(str, s))}]")
        out.append(want)
    out = tuple(out)
    if out == s and not input._rg:
        return input
    return apply(_expand, (input,), (("shape", out),))


def broadcast_to(input, size) -> Tensor:  # noqa: A002
    return expand(input, tuple(size))


def expand_as(input, other) -> Tensor:  # noqa: A002
    return expand(input, tuple(other.shape))


def broadcast_tensors(*tensors):
    shape = jnp.broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def _tile_fn(x, *, reps):
    return jnp.tile(x, reps)


_tile = Op("tile", _tile_fn, saves=(), grad_name="RepeatBackward0")


def repeat(input, *sizes) -> Tensor:  # noqa: A002
    """Mirrors ``Tensor.repeat`` (numpy's ``tile``)."""
    sizes = shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return apply(_tile, (input,), (("reps", sizes),))


def tile(input, dims) -> Tensor:  # noqa: A002
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return apply(_tile, (input,), (("reps", dims),))


def _repeat_interleave_fn(x, *, repeats, dim):
    # Per-element counts arrive as a static tuple; jnp.repeat takes them as an array.
    if isinstance(repeats, tuple):
        return jnp.repeat(x, jnp.asarray(repeats), axis=dim,
                          total_repeat_length=sum(repeats))
    return jnp.repeat(x, repeats, axis=dim)


_repeat_interleave = Op("repeat_interleave", _repeat_interleave_fn, saves=())


def repeat_interleave(input, repeats=None, dim=None, *,  # noqa: A002
                      output_size=None) -> Tensor:
    """Mirrors ``torch.repeat_interleave``: ``repeats`` an int or a tensor of one count
    per element along ``dim``; ``repeat_interleave(counts)`` alone repeats each index
    ``i`` ``counts[i]`` times."""
    if repeats is None:  # torch.repeat_interleave(tensor([2, 3])) -> tensor([0, 0, 1, 1, 1])
        from .creation import arange
        return repeat_interleave(arange(input.shape[0], device=input.device), input)
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        repeats = tuple(repeats.tolist()) if repeats.ndim else int(repeats.item())
        if isinstance(repeats, tuple) and len(repeats) == 1:  # repeats every element
            repeats = repeats[0]
    if dim is None:
        input, dim = flatten(input), 0
    d = _wrap_dim(dim, input.ndim)
    if isinstance(repeats, tuple) and len(repeats) != input.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {len(repeats)} and input.size({d}) = "
                           f"{input.shape[d]}")
    return apply(_repeat_interleave, (input,), (("repeats", repeats),
                                                ("dim", _wrap_dim(dim, input.ndim))))


# -- joining and splitting ---------------------------------------------------------------
def _cat_fn(*xs, dim):
    return jnp.concatenate(xs, axis=dim)


def _stack_fn(*xs, dim):
    return jnp.stack(xs, axis=dim)


_cat = Op("cat", _cat_fn, saves=(), grad_name="CatBackward0")
_stack = Op("stack", _stack_fn, saves=(), grad_name="StackBackward0")


def cat(tensors, dim: int = 0) -> Tensor:
    """Mirrors ``torch.cat``: sizes must match except in ``dim``."""
    tensors = [as_tensor_arg(t) for t in tensors]
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # torch skips legacy empty 1-D tensors of shape (0,).
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = nonempty[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref.ndim)
    for i, x in enumerate(nonempty[1:], 1):
        if x.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{x.ndim}")
        for k in range(ref.ndim):
            if k != d and x.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {x.shape[k]} for "
                                   f"tensor number {i} in the list.")
    dt = result_dtype(*nonempty)
    return apply(_cat, tuple(nonempty), (("dim", d),), cast_for(dt, *nonempty), dt)


concat = concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Mirrors ``torch.stack``: all tensors must have the same shape."""
    tensors = [as_tensor_arg(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tuple(tensors[0].shape)
    for i, x in enumerate(tensors[1:], 1):
        if tuple(x.shape) != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"[{', '.join(map(str, ref))}] at entry 0 and "
                               f"[{', '.join(map(str, x.shape))}] at entry {i}")
    d = _wrap_dim(dim, len(ref) + 1)
    dt = result_dtype(*tensors)
    return apply(_stack, tuple(tensors), (("dim", d),), cast_for(dt, *tensors), dt)


def hstack(tensors) -> Tensor:
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat([atleast_2d(t) for t in tensors], 0)


def dstack(tensors) -> Tensor:
    ts = []
    for t_ in tensors:
        t_ = atleast_2d(t_)
        ts.append(t_.unsqueeze(-1) if t_.ndim == 2 else t_)
    return cat(ts, 2)


def column_stack(tensors) -> Tensor:
    return cat([t_.reshape(-1, 1) if t_.ndim <= 1 else t_ for t_ in tensors], 1)


def atleast_1d(t_: Tensor) -> Tensor:
    return reshape(t_, (1,)) if t_.ndim == 0 else t_


def atleast_2d(t_: Tensor) -> Tensor:
    t_ = atleast_1d(t_)
    return unsqueeze(t_, 0) if t_.ndim == 1 else t_


def _split_fn(x, *, sizes, dim):
    out, start = [], 0
    for s in sizes:
        out.append(jax.lax.slice_in_dim(x, start, start + s, axis=dim))
        start += s
    # A one-piece split is a single-output op.
    return tuple(out) if len(out) > 1 else out[0]


_split_ops: dict = {}


def _split_sizes(input, sizes: tuple, dim: int, name: str | None = None):  # noqa: A002
    op = _split_ops.get(len(sizes))
    if op is None:
        op = _split_ops[len(sizes)] = Op("split", _split_fn, saves=(), nout=len(sizes),
                                         grad_name="SplitBackward0")
    outs = apply(op, (input,), (("sizes", sizes), ("dim", dim)))
    outs = tuple(outs) if isinstance(outs, tuple) else (outs,)
    start = 0
    for k, (o, size) in enumerate(zip(outs, sizes)):
        make_view(o, input, ("slice", dim, start, size), multi=name and (k, name))
        start += size
    return outs


def split(tensor, split_size_or_sections, dim: int = 0):
    """Mirrors ``torch.split``: chunks of a size (the last may be smaller) or given sizes."""
    d = _wrap_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = tuple(min(s, n - i) for i in range(0, n, s)) if n else (0,)
    else:
        sizes = tuple(int(x) for x in split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"[{', '.join(map(str, sizes))}]")
    name = "Split" if isinstance(split_size_or_sections, int) else "SplitWithSizes"
    return _split_sizes(tensor, sizes, d, name)


def chunk(input, chunks: int, dim: int = 0):  # noqa: A002
    """Mirrors ``torch.chunk``: ``ceil(n / chunks)``-sized pieces."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    size = max(1, -(-n // chunks))
    return split(input, size, d)


def tensor_split(input, indices_or_sections, dim: int = 0):  # noqa: A002
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    else:
        idx = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(idx[:-1], idx[1:])]
    return _split_sizes(input, tuple(sizes), d)


def unbind(input, dim: int = 0):  # noqa: A002
    """Mirrors ``torch.unbind``: a tuple of slices along ``dim``."""
    d = _wrap_dim(dim, input.ndim)
    outs = tuple(squeeze(p, d) for p in split(input, 1, d))
    for k, o in enumerate(outs):
        o._cell.multi = (k, "Unbind")
    return outs


def narrow(input, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    d = _wrap_dim(dim, input.ndim)
    idx = (slice(None),) * d + (slice(start, start + length),)
    return input[idx]


def select(input, dim: int, index: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.select``: the slice at ``index`` along ``dim``, that dim removed."""
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return input[(slice(None),) * d + (index,)]


def _unfold_fn(x, *, dim, size, step):
    count = (x.shape[dim] - size) // step + 1
    idx = jnp.arange(count)[:, None] * step + jnp.arange(size)[None, :]
    windows = jnp.take(x, idx, axis=dim)  # dim becomes (count, size)
    return jnp.moveaxis(windows, dim + 1, -1)


_unfold = Op("unfold", _unfold_fn, saves=(), grad_name="UnfoldBackward0")


def unfold(input, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """Mirrors ``Tensor.unfold``: every window of ``size`` along ``dimension``, ``step``
    apart, as a new last dimension.

    Example:
        >>> torch.arange(5.).unfold(0, 2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    d = _wrap_dim(dimension, max(input.ndim, 1))
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size "
                           f"is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return apply(_unfold, (input,), (("dim", d), ("size", int(size)), ("step", int(step))))


# -- reordering --------------------------------------------------------------------------
def _flip_fn(x, *, dims):
    return jnp.flip(x, dims)


_flip = Op("flip", _flip_fn, saves=(), grad_name="FlipBackward0")


def flip(input, dims) -> Tensor:  # noqa: A002
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return apply(_flip, (input,), (("dims", tuple(_wrap_dim(d, input.ndim) for d in dims)),))


def fliplr(input) -> Tensor:  # noqa: A002
    return flip(input, (1,))


def flipud(input) -> Tensor:  # noqa: A002
    return flip(input, (0,))


def _roll_fn(x, *, shifts, dims):
    return jnp.roll(x, shifts, dims)


_roll = Op("roll", _roll_fn, saves=(), grad_name="RollBackward0")


def roll(input, shifts, dims=None) -> Tensor:  # noqa: A002
    shifts = shifts if isinstance(shifts, int) else tuple(shifts)
    dims = dims if dims is None or isinstance(dims, int) else tuple(dims)
    return apply(_roll, (input,), (("shifts", shifts), ("dims", dims)))


def _rot90_fn(x, *, k, dims):
    return jnp.rot90(x, k, dims)


_rot90 = Op("rot90", _rot90_fn, saves=())


def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:  # noqa: A002
    return apply(_rot90, (input,), (("k", k), ("dims", tuple(dims))))


# -- triangles and diagonals -------------------------------------------------------------
def _tril_fn(x, *, diagonal):
    return jnp.tril(x, diagonal)


def _triu_fn(x, *, diagonal):
    return jnp.triu(x, diagonal)


_tril = Op("tril", _tril_fn, saves=(), grad_name="TrilBackward0")
_triu = Op("triu", _triu_fn, saves=(), grad_name="TriuBackward0")


def tril(input, diagonal: int = 0) -> Tensor:  # noqa: A002
    return apply(_tril, (input,), (("diagonal", diagonal),))


def triu(input, diagonal: int = 0) -> Tensor:  # noqa: A002
    return apply(_triu, (input,), (("diagonal", diagonal),))


def _diag_fn(x, *, diagonal):
    return jnp.diag(x, diagonal)


_diag = Op("diag", _diag_fn, saves=())


def diag(input, diagonal: int = 0) -> Tensor:  # noqa: A002
    return apply(_diag, (input,), (("diagonal", diagonal),))


def _diagonal_fn(x, *, offset, dim1, dim2):
    return jnp.diagonal(x, offset, dim1, dim2)


_diagonal = Op("diagonal", _diagonal_fn, saves=())


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    n = input.ndim
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    out = apply(_diagonal, (input,), (("offset", offset), ("dim1", d1), ("dim2", d2)))
    return make_view(out, input, ("diagonal", offset, d1, d2))


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.diag_embed`` for the default offset and dims."""
    if offset != 0 or (dim1, dim2) != (-2, -1):
        _unsupported("diag_embed with an offset or other dims")
    from .creation import eye
    return input.unsqueeze(-1) * eye(input.shape[-1], dtype=input.dtype)


def _unsupported(what: str):
    raise NotImplementedError(f"pytorch_like does not implement {what} yet")


def trace(input) -> Tensor:  # noqa: A002
    return diagonal(input).sum()


def block_diag(*tensors) -> Tensor:
    from .creation import zeros
    ts = [atleast_2d(x) for x in tensors]
    rows = []
    total = sum(x.shape[1] for x in ts)
    col = 0
    dt = result_dtype(*ts)
    for x in ts:
        left = zeros(x.shape[0], col, dtype=dt)
        right = zeros(x.shape[0], total - col - x.shape[1], dtype=dt)
        rows.append(cat([left, x.to(dt), right], 1))
        col += x.shape[1]
    return cat(rows, 0)


def meshgrid(*tensors, indexing: str = "ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = [t_.numel() for t_ in tensors]
    outs = []
    for i, t_ in enumerate(tensors):
        s = [1] * len(tensors)
        s[i] = -1
        outs.append(expand(reshape(t_, tuple(s)), tuple(shape)))
    if indexing == "xy" and len(outs) >= 2:
        outs = [transpose(o, 0, 1) for o in outs]
    return tuple(outs)


def cartesian_prod(*tensors) -> Tensor:
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def outer(input, vec2) -> Tensor:  # noqa: A002
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


# -- shapes, splits and small constructions ----------------------------------------------
def broadcast_shapes(*shapes):
    """Mirrors ``torch.broadcast_shapes``: the broadcast of the given shapes (ints count as
    1-D shapes) as a ``torch.Size``, with torch's error for incompatible sizes.

    Example:
        >>> torch.broadcast_shapes((2, 1), (3,))
        torch.Size([2, 3])
    """
    from .._size import Size

    result: list = []
    for k, shp in enumerate(shapes):
        shp = (shp,) if isinstance(shp, int) else tuple(int(d) for d in shp)
        if len(shp) > len(result):
            result = [1] * (len(shp) - len(result)) + result
        for j in range(1, len(shp) + 1):
            have, want = result[-j], shp[-j]
            if want == have or want == 1:
                continue
            if have == 1:
                result[-j] = want
                continue
            raise RuntimeError(f"Attempting to broadcast a dimension of length {want} at -{j}! "
                               f"Mismatching argument at index {k} had {shp}; but expected "
                               f"shape should be broadcastable to [{', '.join(map(str, result))}]")
    return Size(result)


def diagflat(input, offset: int = 0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.diagflat``: a 2-D tensor with the flattened input on diagonal
    ``offset``.

    Example:
        >>> torch.diagflat(torch.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]])
    """
    return diag(input.reshape(-1), offset)


def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.combinations``: the length-``r`` combinations of a 1-D tensor's
    elements as rows (in ``itertools`` order), differentiable through the gather.

    Example:
        >>> torch.combinations(torch.tensor([1, 2, 3]))
        tensor([[1, 2],
                [1, 3],
                [2, 3]])
    """
    import itertools

    from .creation import tensor
    from .indexing import index_select

    if input.ndim != 1:
        raise RuntimeError("Expect a 1D vector, but got shape "
                           f"[{', '.join(map(str, input.shape))}]")
    if r == 0:
        return tensor([], dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return index_select(input, 0, tensor([], dtype=None).long()).reshape(0, r)
    idx = tensor([i for row in rows for i in row])
    return index_select(input, 0, idx).reshape(len(rows), r)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """Mirrors ``torch.vander``: columns ``x ** (N-1), ..., x ** 0`` (reversed when
    ``increasing``); integer and bool inputs give int64, as in torch.

    Example:
        >>> torch.vander(torch.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]])
    """
    from .. import _dtype as D

    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = D.int64 if x.dtype._cat < 2 else x.dtype
    return apply(_vander, (x,), (("n", int(n)), ("increasing", bool(increasing))),
                 cast_for(dt, x), dt)


def _vander_fn(x, *, n, increasing):
    # Powers as a running product, so the gradient at x == 0 is torch's (no 0 * inf).
    cols = [jnp.ones((x.shape[0], min(n, 1)), x.dtype)]
    if n > 1:
        cols.append(jnp.cumprod(jnp.broadcast_to(x[:, None], (x.shape[0], n - 1)), axis=1))
    out = jnp.concatenate(cols, axis=1)
    return out if increasing else out[:, ::-1]


_vander = Op("vander", _vander_fn)


def _unravel_fn(i, *, shape):
    out = []
    for d in reversed(shape):
        out.append(jnp.remainder(i, d))
        i = jnp.floor_divide(i, d)
    return tuple(reversed(out)) if len(out) > 1 else out[0]


_unravel_ops: dict = {}


def unravel_index(indices, shape) -> tuple:
    """Mirrors ``torch.unravel_index``: a tuple of int64 coordinate tensors, one per
    dimension of ``shape``. Like torch, indices out of range wrap around (modulo).

    Example:
        >>> torch.unravel_index(torch.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    from .. import _dtype as D

    if not isinstance(indices, Tensor):
        from .creation import tensor
        indices = tensor(indices)
    if indices.dtype._cat != 1:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
    for d in shape:
        if d < 0:
            raise ValueError("'shape' cannot have negative values, but got "
                             f"{tuple(shape)}")
    op = _unravel_ops.get(len(shape))
    if op is None:
        op = _unravel_ops[len(shape)] = Op("unravel_index", _unravel_fn, nout=len(shape),
                                           differentiable=False)
    out = apply(op, (indices.to(D.int64),), (("shape", shape),), None, D.int64)
    return out if isinstance(out, tuple) else (out,)


def _split_along(name: str, input, sections, dim: int, need: int):  # noqa: A002
    if input.ndim < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, "
                           f"but got a tensor with {input.ndim} dimensions!")
    if isinstance(sections, int):
        size = input.shape[dim]
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but "
                               f"the size of the dimension {size} is not divisible by the "
                               f"split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    """Mirrors ``torch.hsplit``: ``tensor_split`` along dim 1 (dim 0 for a 1-D tensor);
    an int must divide that dimension evenly.

    Example:
        >>> [t.shape for t in torch.hsplit(torch.zeros(2, 4), 2)]
        [torch.Size([2, 2]), torch.Size([2, 2])]
    """
    return _split_along("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input, indices_or_sections):  # noqa: A002
    """Mirrors ``torch.vsplit``: ``tensor_split`` along dim 0 of an at least 2-D tensor."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):  # noqa: A002
    """Mirrors ``torch.dsplit``: ``tensor_split`` along dim 2 of an at least 3-D tensor."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input, split_sizes, dim: int = 0):  # noqa: A002
    """Mirrors ``torch.split_with_sizes``: pieces of the given sizes, which must add up to
    the dimension's size.

    Example:
        >>> [t.shape for t in torch.split_with_sizes(torch.zeros(5), [2, 3])]
        [torch.Size([2]), torch.Size([3])]
    """
    return split(input, list(split_sizes), dim)


def sum_to_size(input, *size) -> Tensor:  # noqa: A002
    """Mirrors ``Tensor.sum_to_size``: sums over the dimensions that broadcasting to
    ``input``'s shape would expand, giving shape ``size``.

    Example:
        >>> torch.ones(2, 3).sum_to_size(1, 3)
        tensor([[2., 2., 2.]])
    """
    from .reduction import sum as _sum

    size = shape_arg(size)
    have = tuple(input.shape)
    lead = len(have) - len(size)
    if lead < 0 or any(s != 1 and s != h for s, h in zip(size, have[lead:])):
        raise RuntimeError(f"size {{[{', '.join(map(str, size))}]}} is not expandable to size "
                           f"{{[{', '.join(map(str, have))}]}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and have[lead + i] != 1)
    out = _sum(input, dims, keepdim=True) if dims else input
    return out.reshape(size) if tuple(out.shape) != size else out


def narrow_copy(input, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.narrow_copy``: :func:`narrow` (already a copy here).

    Example:
        >>> torch.narrow_copy(torch.arange(5), 0, 1, 2)
        tensor([1, 2])
    """
    return narrow(input, dim, start, length)
