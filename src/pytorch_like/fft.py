"""``torch.fft``: discrete Fourier transforms on ``jnp.fft``, differentiable through JAX.

Every transform is one JAX function wrapped in an :class:`Op`, so eager calls run a cached
``jax.jit`` and gradients come from ``jax.vjp``. Signatures, defaults, dtypes and errors
mirror torch: ``n``/``s`` pad or trim (``-1`` in ``s`` keeps a size), ``dim`` picks the axes,
``norm`` is ``None``/``"backward"`` (scale the inverse by 1/n), ``"ortho"`` (1/sqrt(n) both
ways) or ``"forward"`` (scale the forward by 1/n). Real float32 input gives complex64,
float64 gives complex128, integers are transformed as the default float dtype.

Gradients of real-valued losses of real inputs (``torch.fft.rfft(x).abs().sum()``) equal
torch's; for a complex leaf, JAX's cotangent is the conjugate of torch's ``.grad``.

Example:
    >>> import pytorch_like as torch
    >>> torch.fft.rfft(torch.tensor([1., 2., 3., 4.]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j])
"""

from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp
import numpy as np

from . import _dtype as D
from .ops._dispatch import Op, apply
from .ops._util import as_tensor_arg
from .ops.complex import complex_dtype, real_dtype
from .tensor import Tensor, _wrap_dim

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "ortho", "forward")
# hfft is irfft of the conjugate with the scaling on the other side (and ihfft likewise).
_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}

# One op per JAX transform; ``s``/``axes``/``norm`` are static arguments of the jit.
_C2C = Op("fft_c2c", lambda x, *, s, axes, norm, inverse:
          (jnp.fft.ifftn if inverse else jnp.fft.fftn)(x, s=s, axes=axes, norm=norm),
          saves=(), grad_name="FftC2CBackward0")
_R2C = Op("fft_r2c", lambda x, *, s, axes, norm, inverse:
          (jnp.fft.ifftn if inverse else jnp.fft.fftn)(x, s=s, axes=axes, norm=norm),
          saves=(), grad_name="FftR2CBackward0")
_R2C_HALF = Op("fft_r2c", lambda x, *, s, axes, norm:
               jnp.fft.rfftn(x, s=s, axes=axes, norm=norm),
               saves=(), grad_name="FftR2CBackward0")
_C2R = Op("fft_c2r", lambda x, *, s, axes, norm, conj:
          jnp.fft.irfftn(jnp.conj(x) if conj else x, s=s, axes=axes, norm=norm),
          saves=(), grad_name="FftC2RBackward0")
_IHFFT = Op("fft_r2c", lambda x, *, s, axes, norm:
            jnp.conj(jnp.fft.rfftn(x, s=s, axes=axes, norm=norm)),
            saves=(), grad_name="ConjBackward0")
_SHIFT = Op("roll", lambda x, *, axes, inverse:
            (jnp.fft.ifftshift if inverse else jnp.fft.fftshift)(x, axes=axes),
            saves=(), grad_name="RollBackward0")


def _check_norm(norm: str | None) -> None:
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _check_n(n: int) -> None:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _no_out(out) -> None:
    if out is not None:
        raise NotImplementedError("out= is not supported by pytorch_like.fft; assign the "
                                  "result instead")


def _plan(x: Tensor, s, dim, default_all: bool) -> tuple[tuple, list]:
    """torch's rules for ``s``/``dim``: the axes (wrapped) and the sizes (-1 or None keep the
    input's size, resolved later by the caller). ``dim=None`` means every axis (n-dim
    transforms) unless ``s`` is given, then the last ``len(s)`` axes."""
    ndim = x._cell.peek().ndim
    if isinstance(dim, int):
        dim = (dim,)
    if s is not None and isinstance(s, int):
        s = (s,)
    if dim is None:
        if s is not None:
            if len(s) > ndim:
                raise RuntimeError(f"Got shape with {len(s)} values but input tensor only "
                                   f"has {ndim} dimensions.")
            dim = tuple(range(ndim - len(s), ndim))
        else:
            dim = tuple(range(ndim)) if default_all else (-2, -1)
    axes = tuple(_wrap_dim(d, ndim) for d in dim)
    if len(set(axes)) != len(axes):
        raise RuntimeError("FFT dims must be unique")
    if s is not None and len(s) != len(axes):
        raise RuntimeError("When given, dim and shape arguments must have the same length")
    sizes = [None] * len(axes) if s is None else [None if v == -1 else int(v) for v in s]
    for v in sizes:
        if v is not None:
            _check_n(v)
    return axes, sizes


def _real_input(name: str, x: Tensor) -> tuple[D.dtype, object]:
    """(output complex dtype, storage cast) for a transform that needs a real input."""
    if x._dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got "
                           f"{D.type_word(x._dtype)}")
    real = D.float64 if x._dtype is D.float64 else (
        x._dtype if x._dtype._cat >= 2 else D.get_default_dtype())
    # Integers (and half precision, which torch's CPU FFT refuses) are computed in float32.
    work = D.float64 if real is D.float64 else D.float32
    cast = work.storage if x._cell.peek().dtype != work.storage else None
    return complex_dtype(real), cast


def _c2c(x, s, dim, norm, inverse: bool, default_all: bool) -> Tensor:
    _check_norm(norm)
    x = as_tensor_arg(x)
    axes, sizes = _plan(x, s, dim, default_all)
    shape = x._cell.peek().shape
    s = tuple(shape[a] if v is None else v for a, v in zip(axes, sizes))
    static = (("s", s), ("axes", axes), ("norm", norm), ("inverse", inverse))
    if x._dtype.is_complex:
        return apply(_C2C, (x,), static, None, x._dtype)
    out, cast = _real_input("fft", x)
    return apply(_R2C, (x,), static, cast, out)


def _r2c(name, x, s, dim, norm, default_all: bool, hermitian: bool = False) -> Tensor:
    _check_norm(norm)
    x = as_tensor_arg(x)
    out, cast = _real_input(name, x)
    axes, sizes = _plan(x, s, dim, default_all)
    shape = x._cell.peek().shape
    s = tuple(shape[a] if v is None else v for a, v in zip(axes, sizes))
    if hermitian:
        return apply(_IHFFT, (x,), (("s", s), ("axes", axes), ("norm", _SWAP[norm])), cast,
                     out)
    return apply(_R2C_HALF, (x,), (("s", s), ("axes", axes), ("norm", norm)), cast, out)


def _c2r(x, s, dim, norm, default_all: bool, hermitian: bool = False) -> Tensor:
    _check_norm(norm)
    x = as_tensor_arg(x)
    axes, sizes = _plan(x, s, dim, default_all)
    shape = x._cell.peek().shape
    # The last axis holds n // 2 + 1 values: its default output length is 2 * (m - 1).
    full = [shape[a] for a in axes[:-1]] + [2 * (shape[axes[-1]] - 1)]
    s = tuple(f if v is None else v for f, v in zip(full, sizes))
    _check_n(s[-1])
    cdt = complex_dtype(x._dtype)
    cast = None if x._dtype.is_complex else cdt.storage
    norm = _SWAP[norm] if hermitian else norm
    static = (("s", s), ("axes", axes), ("norm", norm), ("conj", hermitian))
    return apply(_C2R, (x,), static, cast, real_dtype(cdt))


def _one(n: int | None) -> tuple | None:
    if n is None:
        return None
    _check_n(n)
    return (n,)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
        out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.fft``: the 1-D discrete Fourier transform along ``dim``.

    Example:
        >>> torch.fft.fft(torch.tensor([1., 0., 0., 0.]))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    _no_out(out)
    return _c2c(input, _one(n), dim, norm, False, True)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ifft``: the inverse of :func:`fft`.

    Example:
        >>> torch.fft.ifft(torch.fft.fft(torch.tensor([1., 2.])))
        tensor([1.+0.j, 2.+0.j])
    """
    _no_out(out)
    return _c2c(input, _one(n), dim, norm, True, True)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.rfft``: the FFT of a real signal, its ``n // 2 + 1``
    non-negative frequencies; complex input raises torch's RuntimeError.

    Example:
        >>> torch.fft.rfft(torch.tensor([1., 2., 3., 4.]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
    _no_out(out)
    return _r2c("rfft", input, _one(n), dim, norm, True)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.irfft``: the inverse of :func:`rfft`, a real signal of length
    ``n`` (default ``2 * (m - 1)``).

    Example:
        >>> torch.fft.irfft(torch.fft.rfft(torch.tensor([1., 2., 3., 4.])))
        tensor([1., 2., 3., 4.])
    """
    _no_out(out)
    return _c2r(input, _one(n), dim, norm, True)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.hfft``: the FFT of a Hermitian-symmetric signal given by its
    first half; a real result of length ``n`` (default ``2 * (m - 1)``).

    Example:
        >>> torch.fft.hfft(torch.tensor([1.+0j, 0j]))
        tensor([1., 1.])
    """
    _no_out(out)
    return _c2r(input, _one(n), dim, norm, True, hermitian=True)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ihfft``: the inverse of :func:`hfft`, from a real signal.

    Example:
        >>> torch.fft.ihfft(torch.tensor([1., 1.]))
        tensor([1.+0.j, 0.+0.j])
    """
    _no_out(out)
    return _r2c("ihfft", input, _one(n), dim, norm, True, hermitian=True)


def fft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
         norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.fft2``: the FFT over two dims (the last two by default).

    Example:
        >>> torch.fft.fft2(torch.ones(2, 2))
        tensor([[4.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j]])
    """
    _no_out(out)
    return _c2c(input, s, dim, norm, False, False)


def ifft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ifft2``: the inverse of :func:`fft2`.

    Example:
        >>> torch.fft.ifft2(torch.fft.fft2(torch.ones(2, 2))).real
        tensor([[1., 1.],
                [1., 1.]])
    """
    _no_out(out)
    return _c2c(input, s, dim, norm, True, False)


def fftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
         norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.fftn``: the FFT over ``dim`` (every dim by default, the last
    ``len(s)`` when only ``s`` is given).

    Example:
        >>> torch.fft.fftn(torch.ones(2, 2)).abs().sum()
        tensor(4.)
    """
    _no_out(out)
    return _c2c(input, s, dim, norm, False, True)


def ifftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ifftn``: the inverse of :func:`fftn`.

    Example:
        >>> torch.fft.ifftn(torch.fft.fftn(torch.ones(2, 2))).real.sum()
        tensor(4.)
    """
    _no_out(out)
    return _c2c(input, s, dim, norm, True, True)


def rfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.rfft2``: :func:`rfftn` over two dims (the last one halved).

    Example:
        >>> torch.fft.rfft2(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """
    _no_out(out)
    return _r2c("rfftn", input, s, dim, norm, False)


def irfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.irfft2``: the inverse of :func:`rfft2`.

    Example:
        >>> torch.fft.irfft2(torch.fft.rfft2(torch.ones(2, 4))).shape
        torch.Size([2, 4])
    """
    _no_out(out)
    return _c2r(input, s, dim, norm, False)


def rfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.rfftn``: the n-dim FFT of a real input, the last transformed dim
    keeping its ``n // 2 + 1`` non-negative frequencies.

    Example:
        >>> torch.fft.rfftn(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """
    _no_out(out)
    return _r2c("rfftn", input, s, dim, norm, True)


def irfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.irfftn``: the inverse of :func:`rfftn`; the last dim's output
    length defaults to ``2 * (m - 1)``.

    Example:
        >>> torch.fft.irfftn(torch.fft.rfftn(torch.ones(2, 4))).shape
        torch.Size([2, 4])
    """
    _no_out(out)
    return _c2r(input, s, dim, norm, True)


def hfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.hfft2``: :func:`hfftn` over two dims.

    Example:
        >>> torch.fft.hfft2(torch.ones(2, 3) + 0j).shape
        torch.Size([2, 4])
    """
    _no_out(out)
    return _c2r(input, s, dim, norm, False, hermitian=True)


def ihfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ihfft2``: the inverse of :func:`hfft2`, from a real input.

    Example:
        >>> torch.fft.ihfft2(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """
    _no_out(out)
    return _r2c("ihfftn", input, s, dim, norm, False, hermitian=True)


def hfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.hfftn``: the n-dim FFT of a Hermitian-symmetric signal given by
    its last-dim half; a real result.

    Example:
        >>> torch.fft.hfftn(torch.ones(2, 3) + 0j).shape
        torch.Size([2, 4])
    """
    _no_out(out)
    return _c2r(input, s, dim, norm, True, hermitian=True)


def ihfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None, *, out=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ihfftn``: the inverse of :func:`hfftn`, from a real input.

    Example:
        >>> torch.fft.ihfftn(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """
    _no_out(out)
    return _r2c("ihfftn", input, s, dim, norm, True, hermitian=True)


def _freq(values: np.ndarray, dtype, device, requires_grad: bool) -> Tensor:
    from .ops.creation import tensor

    dt = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    return tensor(values, dtype=dt, device=device, requires_grad=requires_grad)


def fftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.fft.fftfreq``: the sample frequencies of an ``n``-point FFT with
    sample spacing ``d`` (default dtype float32).

    Example:
        >>> torch.fft.fftfreq(4)
        tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    _no_out(out)
    return _freq(np.fft.fftfreq(n, d), dtype, device, requires_grad)


def rfftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.fft.rfftfreq``: the ``n // 2 + 1`` non-negative frequencies of
    :func:`rfft`.

    Example:
        >>> torch.fft.rfftfreq(4)
        tensor([0.0000, 0.2500, 0.5000])
    """
    _no_out(out)
    return _freq(np.fft.rfftfreq(n, d), dtype, device, requires_grad)


def _shift(input: Tensor, dim, inverse: bool) -> Tensor:
    x = as_tensor_arg(input)
    ndim = x._cell.peek().ndim
    if dim is None:
        axes = tuple(range(ndim))
    else:
        axes = tuple(_wrap_dim(d, ndim) for d in ((dim,) if isinstance(dim, int) else dim))
    return apply(_SHIFT, (x,), (("axes", axes), ("inverse", inverse)))


def fftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.fftshift``: moves the zero frequency to the centre of ``dim``
    (every dim by default).

    Example:
        >>> torch.fft.fftshift(torch.fft.fftfreq(4))
        tensor([-0.5000, -0.2500,  0.0000,  0.2500])
    """
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.fft.ifftshift``: the inverse of :func:`fftshift`.

    Example:
        >>> torch.fft.ifftshift(torch.fft.fftshift(torch.arange(5)))
        tensor([0, 1, 2, 3, 4])
    """
    return _shift(input, dim, True)
