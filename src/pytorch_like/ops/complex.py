"""Complex-number basics: ``real``, ``imag``, ``conj``, ``angle``, ``polar``, ``complex``,
``view_as_real`` and ``view_as_complex``, as functions and Tensor methods/properties.

Each is one JAX function wrapped in an :class:`Op`, so gradients come from ``jax.vjp``.
Views are copies in this library, so ``t.real`` / ``view_as_real(t)`` return new values
rather than aliases of ``t`` (writing through them does not change ``t``).

Gradient convention: for real-valued losses of real inputs (the usual case, e.g. a loss on
``torch.fft.rfft(x).abs()``) the gradients equal torch's. For a complex *leaf* JAX's
cotangent is the complex conjugate of torch's ``.grad`` (torch reports the conjugate
Wirtinger derivative).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _dtype as D
from ..tensor import Tensor
from ._dispatch import Op, apply
from ._util import as_tensor_arg, cast_for, check_broadcast, float_dtype

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj",
           "is_neg", "angle", "polar", "complex", "view_as_real", "view_as_complex"]


def real_dtype(dtype: D.dtype) -> D.dtype:
    """The real counterpart of a complex dtype (complex64 -> float32); others unchanged."""
    if dtype is D.complex128:
        return D.float64
    if dtype is D.complex64:
        return D.float32
    return dtype


def complex_dtype(dtype: D.dtype) -> D.dtype:
    """The complex dtype torch computes with for ``dtype`` (float64 -> complex128, other
    floats and integers -> complex64 or the default complex dtype)."""
    if dtype.is_complex:
        return dtype
    if dtype is D.float64:
        return D.complex128
    if dtype._cat >= 2:
        return D.complex64
    return D.default_complex()


_real = Op("real", jnp.real, saves=(), grad_name="RealBackward0")
_imag = Op("imag", jnp.imag, saves=(), grad_name="ImagBackward0")
_conj = Op("conj", jnp.conj, saves=(), grad_name="ConjBackward0")
_conj_physical = Op("conj_physical", jnp.conj, saves=(), grad_name="ConjPhysicalBackward0")
_angle = Op("angle", jnp.angle, grad_name="AngleBackward0")


def _polar_fn(r, theta):
    return jax_complex(r * jnp.cos(theta), r * jnp.sin(theta))


def jax_complex(re, im):
    # lax.complex keeps the precision of its float inputs (float32 -> complex64).
    return jax.lax.complex(re, im)


_polar = Op("polar", _polar_fn, grad_name="PolarBackward0")
_complex = Op("complex", jax_complex, saves=(), grad_name="ComplexBackward0")
_view_as_real = Op("view_as_real", lambda x: jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1),
                   saves=(), grad_name="ViewAsRealBackward0")
_view_as_complex = Op("view_as_complex", lambda x: jax_complex(x[..., 0], x[..., 1]),
                      saves=(), grad_name="ViewAsComplexBackward0")


def real(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.real``: the real part (float32 for complex64); a real tensor is
    returned as is.

    Example:
        >>> torch.real(torch.tensor([1+2j, 3-1j]))
        tensor([1., 3.])
    """
    input = as_tensor_arg(input)
    if not input._dtype.is_complex:
        return input
    return apply(_real, (input,), out_dtype=real_dtype(input._dtype))


def imag(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.imag``: the imaginary part; torch's RuntimeError for real tensors.

    Example:
        >>> torch.imag(torch.tensor([1+2j, 3-1j]))
        tensor([ 2., -1.])
    """
    input = as_tensor_arg(input)
    if not input._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(_imag, (input,), out_dtype=real_dtype(input._dtype))


def conj(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.conj``: the complex conjugate; a real tensor is returned as is.

    torch sets a lazy conjugate bit; here the conjugate is computed (``is_conj()`` is
    always False).

    Example:
        >>> torch.conj(torch.tensor([1+2j]))
        tensor([1.-2.j])
    """
    input = as_tensor_arg(input)
    if not input._dtype.is_complex:
        return input
    return apply(_conj, (input,))


def conj_physical(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.conj_physical``: the conjugate, materialised (a real tensor as is).

    Example:
        >>> torch.conj_physical(torch.tensor([1+2j]))
        tensor([1.-2.j])
    """
    input = as_tensor_arg(input)
    if not input._dtype.is_complex:
        return input
    return apply(_conj_physical, (input,))


def resolve_conj(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.resolve_conj``: conjugates are never lazy here, so ``input`` itself.

    Example:
        >>> torch.resolve_conj(torch.tensor([1+2j])).is_conj()
        False
    """
    return input


def resolve_neg(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.resolve_neg``: negations are never lazy here, so ``input`` itself.

    Example:
        >>> torch.resolve_neg(torch.tensor([1.])).is_neg()
        False
    """
    return input


def is_conj(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_conj``: always False (no lazy conjugate bit in this library).

    Example:
        >>> torch.is_conj(torch.tensor([1+2j]).conj())
        False
    """
    return False


def is_neg(input: Tensor) -> bool:  # noqa: A002
    """Mirrors ``torch.is_neg``: always False (no lazy negation bit in this library).

    Example:
        >>> torch.is_neg(torch.tensor([1.]))
        False
    """
    return False


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.angle``: the argument in radians (float32 for complex64); for real
    inputs 0 or pi (integers give the default float dtype).

    Example:
        >>> torch.angle(torch.tensor([1j, -1.+0j]))
        tensor([1.5708, 3.1416])
    """
    input = as_tensor_arg(input)
    dt = real_dtype(input._dtype) if input._dtype.is_complex else float_dtype(input._dtype)
    cast = None if input._dtype.is_complex else cast_for(dt, input)
    return apply(_angle, (input,), (), cast, dt)


def _check_pair(name: str, a: Tensor, b: Tensor) -> None:
    if not a._dtype.is_floating_point or a._dtype in (D.bfloat16,):
        raise RuntimeError(f"{name}: Expected both inputs to be Half, Float or Double tensors "
                           f"but got {D.type_word(a._dtype)} and {D.type_word(b._dtype)}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {D.type_word(a._dtype)} but got "
                           f"scalar type {D.type_word(b._dtype)} for second argument")
    if a._cell.peek().shape != b._cell.peek().shape:
        check_broadcast(a._cell.peek().shape, b._cell.peek().shape)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.polar``: ``abs * (cos(angle) + i sin(angle))``; both inputs float or
    double of the same dtype (float32 gives complex64).

    Example:
        >>> torch.polar(torch.tensor([2.]), torch.tensor([0.]))
        tensor([2.+0.j])
    """
    abs, angle = as_tensor_arg(abs), as_tensor_arg(angle)
    _check_pair("polar", abs, angle)
    return apply(_polar, (abs, angle), out_dtype=complex_dtype(abs._dtype))


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001
    """Mirrors ``torch.complex``: ``real + i imag`` from two float tensors of one dtype.

    Example:
        >>> torch.complex(torch.tensor([1.]), torch.tensor([2.]))
        tensor([1.+2.j])
    """
    real, imag = as_tensor_arg(real), as_tensor_arg(imag)
    _check_pair("complex", real, imag)
    return apply(_complex, (real, imag), out_dtype=complex_dtype(real._dtype))


def view_as_real(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.view_as_real``: a complex tensor as real pairs, shape ``(..., 2)``
    (a copy here, not a view).

    Example:
        >>> torch.view_as_real(torch.tensor([1+2j]))
        tensor([[1., 2.]])
    """
    input = as_tensor_arg(input)
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(_view_as_real, (input,), out_dtype=real_dtype(input._dtype))


def view_as_complex(input: Tensor) -> Tensor:  # noqa: A002
    """Mirrors ``torch.view_as_complex``: a float tensor whose last dimension has size 2 as
    complex numbers (a copy here, not a view).

    Example:
        >>> torch.view_as_complex(torch.tensor([[1., 2.]]))
        tensor([1.+2.j])
    """
    input = as_tensor_arg(input)
    if input._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {D.type_word(input._dtype)}")
    shape = input._cell.peek().shape
    if not shape or shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return apply(_view_as_complex, (input,), out_dtype=complex_dtype(input._dtype))


def _attach() -> None:
    """Tensor methods and properties (``t.real``, ``t.conj()``, ...), set from here so that
    ``tensor.py`` needs no edit."""
    Tensor.real = property(real)
    Tensor.imag = property(imag)
    for name in ("conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg",
                 "angle"):
        setattr(Tensor, name, globals()[name])


_attach()
