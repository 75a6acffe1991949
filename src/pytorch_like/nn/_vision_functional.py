"""Spatial ops of ``torch.nn.functional``: ``affine_grid``, ``grid_sample`` and ``pdist``.

``affine_grid`` and ``grid_sample`` are the two halves of a spatial transformer: the first
maps output pixel positions through a batch of affine matrices into normalised [-1, 1]
coordinates, the second reads the input at those coordinates. Each is one op built from one
JAX function, so gradients with respect to the input, the grid and ``theta`` all come from
``jax.vjp``, in eager mode and inside ``pytorch_like.compile`` alike. Argument checks run
before the op and raise torch's exception types with torch's wording.

Sampling follows torch's rules: the normalised coordinate -1 is the centre of the first pixel
(``align_corners=True``) or its outer edge (``False``); ``padding_mode`` 'border' clamps a
coordinate into the image and 'reflection' mirrors it at the edges, the clamped edge itself
passing no gradient to the grid, as in torch; 'bicubic' pads each of its 16 taps separately.

Example:
    >>> import pytorch_like as torch
    >>> import pytorch_like.nn.functional as F
    >>> theta = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]])
    >>> grid = F.affine_grid(theta, (1, 1, 4, 4), align_corners=False)
    >>> F.grid_sample(torch.randn(1, 1, 4, 4), grid, align_corners=False).shape
    torch.Size([1, 1, 4, 4])
"""

from __future__ import annotations

import math
import warnings
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..ops._dispatch import Op, apply
from ..tensor import Tensor

__all__ = ["affine_grid", "grid_sample", "pdist"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


# -- affine_grid -------------------------------------------------------------------------
def _base_coords(n: int, align_corners: bool) -> np.ndarray:
    # A unit-size axis sits at 0 whatever align_corners says (torch's convention).
    if n <= 1:
        return np.zeros((max(n, 1),), np.float64)
    r = np.linspace(-1.0, 1.0, n)
    return r if align_corners else r * (n - 1) / n


def _affine_grid_fn(theta, *, size, align_corners):
    spatial = size[2:]
    # Homogeneous coordinates (x, y[, z], 1); x runs along the last spatial dimension.
    axes = [_base_coords(n, align_corners) for n in reversed(spatial)]
    mesh = list(np.meshgrid(*axes[::-1], indexing="ij"))[::-1]
    base = np.stack(mesh + [np.ones(spatial)], axis=-1)
    base = jnp.asarray(base, theta.dtype)
    return jnp.einsum("...k,nik->n...i", base, theta)


_affine_grid = Op("affine_grid", _affine_grid_fn, saves=(),
                  grad_name="AffineGridGeneratorBackward0")


def affine_grid(theta: Tensor, size: Sequence[int],
                align_corners: bool | None = None) -> Tensor:
    """Mirrors ``F.affine_grid``: the sampling grid of a batch of affine transforms.

    ``theta`` is (N, 2, 3) for a 4-D ``size`` (N, C, H, W), giving a grid (N, H, W, 2), or
    (N, 3, 4) for a 5-D ``size`` (N, C, D, H, W), giving (N, D, H, W, 3). Without
    ``align_corners`` torch's warning is issued and ``False`` is used.

    Example:
        >>> theta = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]])
        >>> F.affine_grid(theta, (1, 3, 2, 2), align_corners=False)[0, 0, 0]
        tensor([-0.5000, -0.5000])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    dims = tuple(int(s) for s in size)
    if len(dims) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = dims[-2:]
    elif len(dims) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = dims[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(dims) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    k = len(dims) - 1
    if theta.shape[0] != dims[0]:
        # torch builds the grid with a batched matmul and reports its shape error.
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{dims[0]}, {k}] but got: [{theta.shape[0]}, {k}].")
    return apply(_affine_grid, (theta,), (("size", dims), ("align_corners", bool(align_corners))))


# -- grid_sample -------------------------------------------------------------------------
def _unnormalize(g, size: int, align_corners: bool):
    if align_corners:
        return (g + 1) / 2 * (size - 1)
    return ((g + 1) * size - 1) / 2


def _clip(x, size: int):
    # Edges count as outside: the clamped coordinate's gradient is 0 there, as in torch.
    lo, hi = jnp.zeros((), x.dtype), jnp.asarray(size - 1, x.dtype)
    return jnp.where(x <= lo, lo, jnp.where(x >= hi, hi, x))


def _reflect(x, twice_lo: int, twice_hi: int):
    if twice_lo == twice_hi:
        return jnp.zeros_like(x)
    lo = twice_lo / 2
    span = (twice_hi - twice_lo) / 2
    d = jnp.abs(x - lo)
    extra = jnp.fmod(d, span)
    flips = jnp.floor(d / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + lo, span - extra + lo)


def _pad_coord(x, size: int, padding_mode: str, align_corners: bool):
    if padding_mode == "border":
        return _clip(x, size)
    if padding_mode == "reflection":
        if align_corners:
            x = _reflect(x, 0, 2 * (size - 1))
        else:
            x = _reflect(x, -1, 2 * size - 1)
        return _clip(x, size)
    return x


def _gather(x, idx: list, sizes: tuple):
    """``x[n, :, idx...]`` for integer coordinate arrays (N, ...); zero where outside."""
    n, c = x.shape[:2]
    valid = None
    flat = None
    for i, s in zip(idx, sizes):
        ok = (i >= 0) & (i < s)
        valid = ok if valid is None else valid & ok
        i = jnp.clip(i, 0, s - 1)
        flat = i if flat is None else flat * s + i
    out_shape = flat.shape[1:]
    flat = flat.reshape(n, -1)
    vals = jax.vmap(lambda img, f: img.reshape(c, -1)[:, f])(x, flat)
    vals = vals.reshape((n, c) + out_shape)
    return jnp.where(valid[:, None], vals, jnp.zeros((), x.dtype))


def _cubic_coeffs(t):
    # Keys' cubic convolution with a = -0.75, the kernel torch's bicubic modes use.
    a = -0.75

    def near(s):
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return jnp.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def _grid_sample_fn(x, grid, *, mode, padding_mode, align_corners):
    sizes = x.shape[2:]
    nd = len(sizes)
    # grid[..., 0] indexes the last spatial dimension (x), grid[..., 1] the one before.
    coords = [_unnormalize(grid[..., nd - 1 - k], sizes[k], align_corners) for k in range(nd)]
    # All taps of a point are gathered at once, stacked on axis 1 (then 2 in the values).
    if mode == "bicubic":
        base = [jnp.floor(c) for c in coords]
        wy = _cubic_coeffs(coords[0] - base[0])
        wx = _cubic_coeffs(coords[1] - base[1])
        taps = jnp.arange(-1, 3, dtype=coords[0].dtype)
        ys = _pad_coord(base[0][:, None] + taps.reshape(4, *(1,) * (coords[0].ndim - 1)),
                        sizes[0], padding_mode, align_corners).astype(jnp.int32)
        xs = _pad_coord(base[1][:, None] + taps.reshape(4, *(1,) * (coords[1].ndim - 1)),
                        sizes[1], padding_mode, align_corners).astype(jnp.int32)
        # (N, 4, 4, ...): every (row tap, column tap) pair.
        vals = _gather(x, [ys[:, :, None], xs[:, None, :]], sizes)
        w = wy[:, :, None] * wx[:, None, :]
        return jnp.sum(vals * w[:, None], axis=(2, 3))
    coords = [_pad_coord(c, s, padding_mode, align_corners) for c, s in zip(coords, sizes)]
    if mode == "nearest":
        return _gather(x, [jnp.round(c).astype(jnp.int32) for c in coords], sizes)
    idx, weights = [], []
    for c in coords:
        lo = jnp.floor(c)
        li = lo.astype(jnp.int32)
        idx.append(jnp.stack([li, li + 1], axis=1))
        # Weights as (lo + 1 - c) and (c - lo), the way torch forms them.
        weights.append(jnp.stack([lo + 1 - c, c - lo], axis=1))
    # Broadcast the per-axis pairs to all 2**nd corners: axis k+1 holds axis k's pair.
    corner_idx, w = [], 1
    for k in range(nd):
        pair = tuple(2 if a == k else 1 for a in range(nd))
        corner_idx.append(idx[k].reshape(idx[k].shape[:1] + pair + idx[k].shape[2:]))
        w = w * weights[k].reshape(weights[k].shape[:1] + pair + weights[k].shape[2:])
    full = jnp.broadcast_shapes(*[i.shape for i in corner_idx])
    vals = _gather(x, [jnp.broadcast_to(i, full) for i in corner_idx], sizes)
    return jnp.sum(vals * w[:, None], axis=tuple(range(2, 2 + nd)))


_grid_sample = Op("grid_sample", _grid_sample_fn, grad_name="GridSampler2DBackward0")
_grid_sample_3d = Op("grid_sample", _grid_sample_fn, grad_name="GridSampler3DBackward0")


def _sizes(t: Tensor) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Mirrors ``F.grid_sample``: read ``input`` at the normalised positions in ``grid``.

    ``input`` (N, C, H, W) with ``grid`` (N, H_out, W_out, 2), or (N, C, D, H, W) with
    (N, D_out, H_out, W_out, 3); ``grid[..., 0]`` is x (width). ``mode``: 'bilinear',
    'nearest' or 'bicubic' (4-D only); ``padding_mode``: 'zeros', 'border' or 'reflection'.
    Differentiable with respect to ``input`` and ``grid`` ('nearest' gives the grid a zero
    gradient, as torch). Without ``align_corners`` torch's warning is issued and ``False``
    is used.

    Deliberate difference: coordinates are gathered as 32-bit indices, so inputs with more
    than 2**31 elements per sample are not supported.

    Example:
        >>> x = torch.arange(4.).view(1, 1, 2, 2)
        >>> F.grid_sample(x, torch.zeros(1, 1, 1, 2), align_corners=True)
        tensor([[[[1.5000]]]])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    xs, gs = tuple(input.shape), tuple(grid.shape)
    if xs[0] != gs[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {_sizes(input)} and grid with sizes "
                           f"{_sizes(grid)}")
    if gs[-1] != len(xs) - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {len(xs) - 2} in last "
                           f"dimension, but got grid with sizes {_sizes(grid)}")
    for k in range(2, len(xs)):
        if xs[k] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {_sizes(input)} with "
                               f"dimension {k} being empty")
    nd = 4 if len(xs) == 4 else 5
    if len(xs) != nd or len(gs) != nd:
        raise RuntimeError(f"grid_sampler(): expected {nd}D input and grid with same number of "
                           f"dimensions, but got input with sizes {_sizes(input)} and grid "
                           f"with sizes {_sizes(grid)}")
    if nd == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if nd == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{D.type_word(input.dtype)}'")
    if grid.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {D.type_word(input.dtype)} but found "
                           f"{D.type_word(grid.dtype)}")
    op = _grid_sample if nd == 4 else _grid_sample_3d
    return apply(op, (input, grid), (("mode", mode), ("padding_mode", padding_mode),
                                     ("align_corners", bool(align_corners))))


# -- pdist -------------------------------------------------------------------------------
def _pdist_fn(x, *, p):
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = x[i] - x[j]
    nz = diff != 0
    # |0| passes no gradient, as in torch (JAX's abs would pass one to coincident rows).
    d = jnp.where(nz, jnp.abs(diff), 0)
    if p == 0:
        return jnp.sum(d != 0, axis=-1).astype(x.dtype)
    if p == math.inf:
        return jnp.max(d, axis=-1, initial=0)
    if p == 1:
        return jnp.sum(d, axis=-1)
    # Coincident rows get distance 0 and gradient 0, as in torch (not NaN).
    s = jnp.sum(jnp.where(nz, jnp.where(nz, d, 1) ** p, 0), axis=-1)
    ok = s > 0
    return jnp.where(ok, jnp.where(ok, s, 1) ** (1.0 / p), 0)


_pdist = Op("pdist", _pdist_fn, grad_name="PdistBackward0")


def pdist(input: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """Mirrors ``F.pdist``: the p-norm distance between every pair of rows of an (N, M)
    input, as a vector of N*(N-1)/2 entries ordered (0,1), (0,2), ..., (N-2,N-1).

    Identical rows give distance 0 with a zero gradient, as in torch.

    Example:
        >>> F.pdist(torch.tensor([[0., 0.], [3., 4.], [0., 1.]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return apply(_pdist, (input,), (("p", float(p)),))
