"""torch's top-level ATen tensor functions that no other module exports: plain functions
built from existing differentiable ops (``torch.addr``, ``torch.gradient``, the
``*_scatter`` functions, ...), factories (``empty_strided``), ``index_reduce`` and the
in-place and "unsafe" aliases.

Example:
    >>> torch.dist(torch.zeros(2), torch.ones(2))
    tensor(1.4142)
"""

from __future__ import annotations

import builtins
from typing import Sequence

import numpy as np

from ..tensor import Tensor
from ._aten_common import _F, _pl
from ._inplace import assign

__all__ = [
    "detach", "detach_", "dist", "addr", "addbmm", "ger", "adjoint", "atleast_3d", "row_stack",
    "diagonal_scatter", "select_scatter", "slice_scatter", "fill", "gradient", "is_inference",
    "nuclear_norm", "frobenius_norm", "typename", "empty_strided", "empty_permuted",
    "index_reduce", "addmv_", "resize_as_", "get_device", "constant_pad_nd",
    "max_pool1d_with_indices", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
    "conj_physical_",
]


# -- plain tensor functions --------------------------------------------------------------
def detach(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.detach``: ``input.detach()``.

    Example:
        >>> torch.detach(torch.ones(1, requires_grad=True)).requires_grad
        False
    """
    return input.detach()


def detach_(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.detach_``: ``input.detach_()``.

    Example:
        >>> torch.detach_(torch.ones(1)).requires_grad
        False
    """
    return input.detach_()


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """Mirrors ``torch.dist``: the ``p``-norm of ``input - other`` (broadcast).

    Example:
        >>> torch.dist(torch.tensor([3., 0.]), torch.tensor([0., 4.]))
        tensor(5.)
    """
    from .. import linalg as _linalg

    diff = input - other
    if not (diff.is_floating_point() or diff.dtype.is_complex):
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {_SCALAR_NAMES.get(diff.dtype.name, diff.dtype.name)} instead.")
    return _linalg.vector_norm(diff, p)


# c10's ScalarType names, which torch's messages print.
_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                 "uint8": "Byte", "bool": "Bool"}


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.addr``: ``beta * input + alpha * outer(vec1, vec2)``; with
    ``beta=0`` ``input`` is ignored (its NaNs do not propagate), as in torch.

    Example:
        >>> torch.addr(torch.zeros(2, 2), torch.tensor([1., 2.]), torch.tensor([1., 1.]))
        tensor([[1., 1.],
                [2., 2.]])
    """
    pl = _pl()
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.dim()}-D"
                           if vec1.dim() != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    prod = pl.outer(vec1, vec2)
    return _scaled_sum(input, prod, beta, alpha)


def _scaled_sum(input: Tensor, prod: Tensor, beta, alpha) -> Tensor:  # noqa: A002
    pl = _pl()
    term = prod if alpha == 1 else prod * alpha
    if beta == 0:
        shape = pl.broadcast_shapes(tuple(input.shape), tuple(prod.shape))
        return term.expand(shape) + pl.zeros((), dtype=input.dtype)
    return (input if beta == 1 else input * beta) + term


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1,  # noqa: A002
           alpha=1) -> Tensor:
    """Mirrors ``torch.addbmm``: ``beta * input + alpha * sum_b batch1[b] @ batch2[b]``.

    Example:
        >>> torch.addbmm(torch.zeros(1, 1), torch.ones(3, 1, 2), torch.ones(3, 2, 1))
        tensor([[6.]])
    """
    pl = _pl()
    if batch1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{batch1.shape[0]} and {batch2.shape[0]}")
    return _scaled_sum(input, pl.bmm(batch1, batch2).sum(0), beta, alpha)


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.ger``: the deprecated alias of ``torch.outer``.

    Example:
        >>> torch.ger(torch.tensor([1., 2.]), torch.tensor([3.]))
        tensor([[3.],
                [6.]])
    """
    return _pl().outer(input, vec2)


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.adjoint``: the conjugate transpose of the last two dimensions. Unlike
    torch's (a view), the conjugation of a complex tensor is a new tensor here.

    Example:
        >>> torch.adjoint(torch.tensor([[1., 2.]])).shape
        torch.Size([2, 1])
    """
    if input.dim() == 0:
        # torch returns the (conjugated) scalar with a deprecation warning, not an error.
        import warnings
        warnings.warn("adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return input.conj() if input.dtype.is_complex else input
    if input.dim() < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.dim()}-D tensor.")
    out = input.transpose(-2, -1)
    return out.conj() if input.dtype.is_complex else out


def atleast_3d(*tensors):
    """Mirrors ``torch.atleast_3d``: 0-d -> (1, 1, 1), 1-d (n) -> (1, n, 1),
    2-d (m, n) -> (m, n, 1); several tensors (or one sequence) give a tuple.

    Example:
        >>> torch.atleast_3d(torch.ones(2)).shape
        torch.Size([1, 2, 1])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(t) for t in tensors[0])
    if len(tensors) != 1:
        return tuple(atleast_3d(t) for t in tensors)
    t = tensors[0]
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    if t.dim() == 2:
        return t.unsqueeze(-1)
    return t


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Mirrors ``torch.row_stack``: the alias of ``torch.vstack``.

    Example:
        >>> torch.row_stack([torch.ones(2), torch.zeros(2)]).shape
        torch.Size([2, 2])
    """
    return _pl().vstack(tensors)


def _embed(input: Tensor, src: Tensor, pick) -> Tensor:  # noqa: A002
    # A clone with the picked view overwritten: the view write-back carries the gradient
    # to both ``input`` (outside the view) and ``src``.
    out = input.clone()
    view = pick(out)
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src "
                           f"size = {list(src.shape)}, slice size = {list(view.shape)}")
    view.copy_(src)
    return out


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
                     dim2: int = 1) -> Tensor:
    """Mirrors ``torch.diagonal_scatter``: ``input`` with its diagonal replaced by ``src``.

    Example:
        >>> torch.diagonal_scatter(torch.zeros(2, 2), torch.ones(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    return _embed(input, src, lambda t: t.diagonal(offset, dim1, dim2))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """Mirrors ``torch.select_scatter``: ``input`` with ``input.select(dim, index)``
    replaced by ``src``.

    Example:
        >>> torch.select_scatter(torch.zeros(2, 2), torch.ones(2), 0, 0)
        tensor([[1., 1.],
                [0., 0.]])
    """
    return _embed(input, src, lambda t: t.select(dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
                  end: int | None = None, step: int = 1) -> Tensor:
    """Mirrors ``torch.slice_scatter``: ``input`` with ``input[..., start:end:step, ...]``
    (along ``dim``) replaced by ``src``.

    Example:
        >>> torch.slice_scatter(torch.zeros(4), torch.ones(2), start=0, step=2)
        tensor([1., 0., 1., 0.])
    """
    d = dim % builtins.max(input.dim(), 1)
    key = (slice(None),) * d + (slice(start, end, step),)
    return _embed(input, src, lambda t: t[key])


def fill(input: Tensor, value) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fill``: a new tensor of ``input``'s shape and dtype full of
    ``value`` (a number or a 0-d tensor, through which the gradient flows).

    Example:
        >>> torch.fill(torch.zeros(2), 3)
        tensor([3., 3.])
    """
    pl = _pl()
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
        return value.to(input.dtype).expand(tuple(input.shape)).clone()
    return pl.full_like(input, value)


def _gradient_1d(f: Tensor, d: int, h, edge_order: int) -> Tensor:
    pl = _pl()
    n = f.shape[d]
    if n < edge_order + 1:
        raise RuntimeError("torch.gradient expected each dimension size to be at least "
                           "edge_order+1")
    mid = (f.narrow(d, 2, n - 2) - f.narrow(d, 0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h
        last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / h
    else:
        first = (-1.5 * f.narrow(d, 0, 1) + 2 * f.narrow(d, 1, 1)
                 - 0.5 * f.narrow(d, 2, 1)) / h
        last = (0.5 * f.narrow(d, n - 3, 1) - 2 * f.narrow(d, n - 2, 1)
                + 1.5 * f.narrow(d, n - 1, 1)) / h
    return pl.cat([first, mid, last], d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:  # noqa: A002
    """Mirrors ``torch.gradient`` for uniform spacing: central differences inside,
    one-sided ones of order ``edge_order`` (1 or 2) at the ends; ``spacing`` is a number or
    a list of numbers (one per dimension). Difference: coordinate tensors as ``spacing``
    raise ``NotImplementedError``.

    Example:
        >>> torch.gradient(torch.tensor([1., 4., 9.]))
        (tensor([3., 4., 5.]),)
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if input.is_floating_point() is False and not input.dtype.is_complex:
        input = input.to(_pl().get_default_dtype())  # noqa: A001
    if dim is None:
        dims = list(range(input.dim()))
    elif isinstance(dim, int):
        dims = [dim]
    else:
        dims = list(dim)
    dims = [d % input.dim() for d in dims]
    if isinstance(spacing, (list, tuple)):
        if builtins.any(isinstance(s, Tensor) and s.dim() > 0 for s in spacing):
            raise NotImplementedError("torch.gradient with coordinate tensors as spacing")
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar "
                               f"or it's spacing and dim arguments to have the same length, "
                               f"but got a spacing argument of length {len(spacing)} and a "
                               f"dim argument of length {len(dims)}.")
        hs = [float(s) for s in spacing]
    else:
        hs = [float(spacing)] * len(dims)
    return tuple(_gradient_1d(input, d, h, edge_order) for d, h in zip(dims, hs))


def is_inference(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_inference``: whether ``input`` was made under inference mode.

    Example:
        >>> torch.is_inference(torch.ones(1))
        False
    """
    return input.is_inference()


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.nuclear_norm``: the sum of singular values over ``dim`` (the last
    two dimensions by default, batched over the others, as torch does).

    Example:
        >>> torch.nuclear_norm(torch.eye(3))
        tensor(3.)
    """
    from .. import linalg as _linalg

    if isinstance(dim, bool):
        dim, keepdim = None, dim
    if dim is None:
        dim = (-2, -1)
    return _linalg.matrix_norm(input, "nuc", dim=tuple(dim), keepdim=keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Mirrors ``torch.frobenius_norm``: the 2-norm over ``dim`` (one or two dimensions).

    Example:
        >>> torch.frobenius_norm(torch.tensor([[3., 4.]]), (0, 1))
        tensor(5.)
    """
    from .. import linalg as _linalg

    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           "instead.")
    return _linalg.vector_norm(input, 2, dim=dims, keepdim=keepdim)


def typename(obj) -> str:
    """Mirrors ``torch.typename``: ``'torch.FloatTensor'`` & co. for a tensor, else the
    object's qualified type name.

    Example:
        >>> torch.typename(torch.zeros(1))
        'torch.FloatTensor'
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


# -- factories ---------------------------------------------------------------------------
def empty_strided(size, stride, *, dtype=None, layout=None, device=None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Mirrors ``torch.empty_strided``. Difference: arrays here have no strides, so
    ``stride`` is checked for length only and the (uninitialised in torch) values are those
    of ``torch.empty``.

    Example:
        >>> torch.empty_strided((2, 3), (1, 2)).shape
        torch.Size([2, 3])
    """
    if len(tuple(stride)) != len(tuple(size)):
        raise RuntimeError(f"dimensionality of sizes ({len(tuple(size))}) must match "
                           f"dimensionality of strides ({len(tuple(stride))})")
    return _pl().empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Mirrors ``torch.empty_permuted``: ``physical_layout`` (a permutation of the
    dimensions) is checked and otherwise ignored, as arrays here have no strides.

    Example:
        >>> torch.empty_permuted((2, 3), (1, 0)).shape
        torch.Size([2, 3])
    """
    size, perm = tuple(size), tuple(physical_layout)
    if len(perm) != len(size):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(size)} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    seen = set()
    for i, p in enumerate(perm):
        if not 0 <= p < len(size):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and "
                               f"{len(size) - 1}, but got {p} at index {i}).  NB: negative "
                               "dims not currently supported; file an issue if you want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    return _pl().empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor,  # noqa: A002
                 reduce: str, *, include_self: bool = True) -> Tensor:
    """Mirrors ``torch.index_reduce``: reduces (``'prod'``, ``'mean'``, ``'amax'``,
    ``'amin'``) the slices of ``source`` into ``input`` at ``index`` along ``dim``.

    Values and gradients (input and source) are torch's, those of ``scatter_reduce`` with
    the index repeated across the other dimensions (torch's formulas are the same).

    Example:
        >>> torch.index_reduce(torch.ones(2), 0, torch.tensor([0, 0]), torch.tensor([2., 3.]),
        ...                    'prod')
        tensor([6., 1.])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    from .indexing import _index_reduce

    return _index_reduce(input, dim, index, source, reduce, include_self)


# -- small extras: in-place top-level forms and "unsafe" aliases -------------------------
def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """Mirrors ``torch.addmv_``: ``input.addmv_(mat, vec, beta=beta, alpha=alpha)``.

    Example:
        >>> torch.addmv_(torch.zeros(2), torch.eye(2), torch.ones(2))
        tensor([1., 1.])
    """
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.resize_as_`` (see ``Tensor.resize_``: new elements are zeros here).

    Example:
        >>> torch.resize_as_(torch.arange(4.), torch.ones(2))
        tensor([0., 1.])
    """
    return _resize_as_(input, the_template)


def get_device(input: Tensor) -> int:  # noqa: A002
    """Mirrors ``torch.get_device``: ``input.get_device()`` (-1 on the CPU).

    Example:
        >>> torch.get_device(torch.ones(1))
        -1
    """
    return input.get_device()


def constant_pad_nd(input: Tensor, pad: Sequence[int], value=0) -> Tensor:  # noqa: A002
    """Mirrors ``torch.constant_pad_nd``: ``F.pad(input, pad, 'constant', value)``.

    Example:
        >>> torch.constant_pad_nd(torch.ones(2), [1, 0])
        tensor([0., 1., 1.])
    """
    return _F().pad(input, list(pad), "constant", value)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=(), padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False) -> tuple:
    """Mirrors ``torch.max_pool1d_with_indices``: ``(values, indices)``.

    Example:
        >>> torch.max_pool1d_with_indices(torch.tensor([[1., 3., 2., 4.]]), 2)[1]
        tensor([[1, 3]])
    """
    return tuple(_F().max_pool1d(input, kernel_size, stride or None, padding, dilation,
                                 ceil_mode, return_indices=True))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """Mirrors ``torch.unsafe_chunk``: ``torch.chunk`` (torch's variant skips view
    tracking; the values are the same).

    Example:
        >>> len(torch.unsafe_chunk(torch.ones(4), 2))
        2
    """
    return tuple(input.chunk(chunks, dim))


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:  # noqa: A002
    """Mirrors ``torch.unsafe_split``: ``torch.split`` with an int ``split_size``.

    Example:
        >>> len(torch.unsafe_split(torch.ones(5), 2))
        3
    """
    return tuple(input.split(split_size, dim))


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int],  # noqa: A002
                            dim: int = 0) -> tuple:
    """Mirrors ``torch.unsafe_split_with_sizes``: ``torch.split`` with a list of sizes.

    Example:
        >>> [t.numel() for t in torch.unsafe_split_with_sizes(torch.ones(5), [2, 3])]
        [2, 3]
    """
    return tuple(input.split(list(split_sizes), dim))


def conj_physical_(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.conj_physical_``: conjugates ``input`` in place (a no-op for real
    dtypes).

    Example:
        >>> torch.conj_physical_(torch.tensor([1 + 2j]))
        tensor([1.-2.j])
    """
    return assign(input, lambda: input.conj_physical())


def _resize_values(self: Tensor, sizes) -> Tensor:
    pl = _pl()
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if builtins.any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{builtins.min(sizes)}: {list(sizes)}")
    n = int(np.prod(sizes, dtype=np.int64))
    flat = self.detach().reshape(-1)
    if n <= flat.shape[0]:
        return flat[:n].reshape(sizes)
    pad = pl.zeros(n - flat.shape[0], dtype=self.dtype)
    return pl.cat([flat, pad]).reshape(sizes)


def _resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Mirrors ``Tensor.resize_``: the leading elements in flat order, reshaped to
    ``sizes``. Difference: elements beyond the old size are zeros (torch leaves them
    uninitialised).

    Example:
        >>> torch.arange(4.).resize_(3)
        tensor([0., 1., 2.])
    """
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    from ._inplace import rebind

    return rebind(self, _resize_values(self, sizes))


def _resize_as_(self: Tensor, the_template: Tensor, memory_format=None) -> Tensor:
    """Mirrors ``Tensor.resize_as_``: ``self.resize_(the_template.shape)`` (new elements
    are zeros here).

    Example:
        >>> torch.arange(4.).resize_as_(torch.ones(2))
        tensor([0., 1.])
    """
    return _resize_(self, tuple(the_template.shape))
