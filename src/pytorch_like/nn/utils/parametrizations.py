"""``torch.nn.utils.parametrizations``: ``weight_norm``, ``spectral_norm`` and ``orthogonal``
built on :mod:`.parametrize`.

Mirrors torch's: ``weight_norm`` keeps ``original0`` (g) and ``original1`` (v);
``spectral_norm`` keeps the power-iteration vectors as buffers ``_u`` and ``_v`` of the
parametrization (``parametrizations.weight.0._u``), updated in place (so a compiled step
carries them as state) in training mode only; ``orthogonal`` maps an unconstrained matrix
to an orthogonal one by ``matrix_exp``, ``cayley`` or ``householder``, with torch's default
choice (``matrix_exp`` for square or complex weights, ``householder`` otherwise) and its
trivialization (``base`` buffer).

Deliberate differences: random initializations (``spectral_norm``'s ``u``/``v``, the
completion of a rectangular ``orthogonal`` base) use this package's PRNG, so their bits
differ from torch's; ``orthogonal(..., use_trivialization=False)`` is supported for
``matrix_exp`` and ``cayley`` only (torch's ``householder`` inverse needs LAPACK's
``geqrf`` reflectors: NotImplementedError); real weights only (torch also accepts
complex ones); the weight-norm state-dict compatibility hook (loading legacy
``weight_g``/``weight_v`` keys) is not installed.

Example:
    >>> from pytorch_like.nn.utils.parametrizations import weight_norm
    >>> layer = weight_norm(torch.nn.Linear(20, 40))
    >>> layer.parametrizations.weight.original0.shape
    torch.Size([40, 1])
"""

from __future__ import annotations

from enum import Enum, auto

import jax.numpy as jnp
import numpy as np

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..modules.module import Module
from . import parametrize
from .spectral_norm import _conv_transpose_types, _normalize
from .weight_norm import _norm_except_dim, _weight_norm

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# -- orthogonal -------------------------------------------------------------------------------

class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _make_orthogonal(a: Tensor) -> Tensor:
    """The Q of ``a``'s QR decomposition whose R has a non-negative diagonal (torch's
    geqrf-based construction gives the same matrix). Computed on the host: it runs once,
    at registration or assignment, never inside a step."""
    q, r = np.linalg.qr(np.asarray(a))
    sign = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return Tensor._make(jnp.asarray((q * sign[..., None, :]).astype(a.dtype.np),
                                    a.dtype.storage), a.dtype)


def _is_orthogonal(q: Tensor) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    qa = np.asarray(q)
    eps = 10.0 * n * float(np.finfo(qa.dtype).eps)
    return bool(np.allclose(np.conj(np.swapaxes(qa, -1, -2)) @ qa, np.eye(k), atol=eps))


class _Orthogonal(Module):
    base: Tensor

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex "
                             "tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        from ... import linalg
        from ...ops import creation, shape
        from ...ops.linalg import matrix_exp

        n, k = x.size(-2), x.size(-1)
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            x = x.tril()
            if n != k:
                pad = x.new_zeros(n, n - k).expand(*x.shape[:-2], -1, -1)
                x = shape.cat([x, pad], dim=-1)
            a = x - x.mT  # skew-symmetric, so both maps below give an orthogonal matrix
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                q = matrix_exp(a)
            else:
                eye = creation.eye(n, dtype=a.dtype)
                q = linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = linalg.householder_product(a, tau)
            # After right_inverse the diagonal holds -1 or 1: it fixes each column's sign.
            q = q * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        base = self._buffers.get("base")
        if base is not None:
            q = base @ q
        return q.mT if transposed else q

    def right_inverse(self, q: Tensor) -> Tensor:
        if q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {q.shape}.")
        with no_grad():
            q_init = q
            n, k = q.size(-2), q.size(-1)
            if n < k:
                q = q.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False.")
                raise NotImplementedError(
                    "Assigning to the householder parametrization with "
                    "use_trivialization=False is not supported (it needs LAPACK's geqrf).")
            if n == k:
                q = _make_orthogonal(q) if not _is_orthogonal(q) else q.clone()
            else:
                from ...ops import creation, shape

                extra = creation.randn(*(tuple(q.shape[:-2]) + (n, n - k)), dtype=q.dtype)
                q = _make_orthogonal(shape.cat([q, extra], dim=-1))
            self.base = q
            eye = np.zeros(tuple(q_init.shape), dtype=q_init.dtype.np)
            idx = np.arange(min(eye.shape[-2:]))
            eye[..., idx, idx] = -1.0
            return Tensor._make(jnp.asarray(eye, q_init.dtype.storage), q_init.dtype)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Mirrors ``parametrizations.orthogonal``: ``module.<name>`` is kept orthogonal (or
    with orthonormal rows/columns when rectangular).

    ``orthogonal_map``: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``; by default
    ``"matrix_exp"`` for square or complex matrices and ``"householder"`` otherwise.

    Example:
        >>> layer = orthogonal(torch.nn.Linear(4, 4))
        >>> torch.dist(layer.weight.T @ layer.weight, torch.eye(4)) < 1e-5
        tensor(True)
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.size(-2) == weight.size(-1)
                          or weight.is_complex() else "householder")
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    if orth_enum == _OrthMaps.householder and not use_trivialization:
        raise NotImplementedError(
            "orthogonal_map='householder' with use_trivialization=False is not supported "
            "(it needs LAPACK's geqrf reflectors); use the default use_trivialization=True.")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# -- weight_norm ------------------------------------------------------------------------------

class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Mirrors ``parametrizations.weight_norm``: ``weight = g * v / ||v||`` with
    ``original0`` = g (norms over every dim but ``dim``; ``dim=None``: the whole tensor)
    and ``original1`` = v.

    Example:
        >>> layer = weight_norm(torch.nn.Linear(20, 40))
        >>> sorted(layer.state_dict())
        ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# -- spectral_norm ----------------------------------------------------------------------------

class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            from ...ops import creation

            self.n_power_iterations = n_power_iterations
            with no_grad():
                weight_mat = self._reshape_weight_to_matrix(weight.detach())
                h, w = weight_mat.shape
                self.register_buffer("_u", _normalize(creation.randn(h, dtype=weight.dtype),
                                                      eps))
                self.register_buffer("_v", _normalize(creation.randn(w, dtype=weight.dtype),
                                                      eps))
                # Start from a good estimate, as torch does.
                self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                # In place, so the buffers stay the same tensors (stable compile state).
                self._u.copy_(_normalize(weight_mat.mv(self._v), self.eps))
                self._v.copy_(_normalize(weight_mat.t().mv(self._u), self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # Copies, so the next in-place update does not invalidate this graph.
        u = self._u.clone()
        v = self._v.clone()
        sigma = u.vdot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Mirrors ``parametrizations.spectral_norm``: ``weight / sigma`` with ``sigma`` the
    largest singular value, estimated by ``n_power_iterations`` power-iteration steps per
    training-mode forward; the vectors are the buffers ``parametrizations.<name>.0._u`` and
    ``._v``. ``dim`` defaults to 1 for transposed convolutions and 0 otherwise.

    Example:
        >>> layer = spectral_norm(torch.nn.Linear(20, 40))
        >>> layer.parametrizations.weight[0]._u.shape
        torch.Size([40])
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, _conv_transpose_types()) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
