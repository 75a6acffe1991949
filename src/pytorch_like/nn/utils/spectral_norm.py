"""``torch.nn.utils.spectral_norm`` (the legacy hook form).

Mirrors torch's: ``spectral_norm(module)`` moves ``weight`` to the parameter
``weight_orig``, adds the power-iteration buffers ``weight_u`` and ``weight_v``, and before
each forward sets ``weight = weight_orig / sigma`` with ``sigma = u^T W v`` (one power
iteration per forward in training mode, none in eval mode). The state dict records torch's
``spectral_norm`` version metadata. As in :mod:`.weight_norm`, the recomputed weight is
written into the same tensor object each call, so a compiled step leaves a concrete weight
on the module.

Deliberate differences: the random initial ``u``/``v`` are not torch's bits (a different
PRNG); loading a pre-version-1 checkpoint (which needs torch's ``v`` re-solve) is not
supported; a reference to ``module.weight`` taken before a forward sees the new value.

Example:
    >>> layer = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3))
    >>> sorted(layer.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
"""

from __future__ import annotations

from typing import Any, TypeVar

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..modules.conv import ConvTranspose1d, ConvTranspose2d
from ..modules.module import Module
from ..parameter import Parameter, UninitializedParameter
from .weight_norm import _set_computed

__all__ = ["SpectralNorm", "SpectralNormStateDictHook", "spectral_norm", "remove_spectral_norm"]

T_module = TypeVar("T_module", bound=Module)


def _conv_transpose_types() -> tuple:
    from ..modules import conv

    return tuple(c for c in (ConvTranspose1d, ConvTranspose2d,
                             getattr(conv, "ConvTranspose3d", None)) if c is not None)


def _normalize(x: Tensor, eps: float) -> Tensor:
    from .. import functional as F

    return F.normalize(x, dim=0, eps=eps)


class SpectralNorm:
    """The forward pre-hook of the legacy ``spectral_norm``; mirrors torch's ``SpectralNorm``.

    Example:
        >>> SpectralNorm.apply(layer, "weight", 1, 0, 1e-12)
    """

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """``weight`` as a matrix whose rows run along ``dim``."""
        mat = weight
        if self.dim != 0:
            mat = mat.permute(self.dim, *[d for d in range(mat.dim()) if d != self.dim])
        return mat.reshape(mat.size(0), -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``weight_orig / sigma``, after updating ``u``/``v`` in place if asked."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    # In place: the buffers stay the same tensors (stable compile state).
                    v.copy_(_normalize(weight_mat.t().mv(u), self.eps))
                    u.copy_(_normalize(weight_mat.mv(v), self.eps))
        # Copies, so the next in-place iteration does not invalidate this graph.
        sigma = u.clone().dot(weight_mat.mv(v.clone()))
        return weight / sigma

    def remove(self, module: Module) -> None:
        """Make ``module.<name>`` one Parameter again (no power iteration)."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        _set_computed(module, self.name,
                      self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> SpectralNorm:
        """Move ``<name>`` to ``<name>_orig``, add the ``u``/``v`` buffers and the hook."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError(
                "The module passed to `SpectralNorm` can't have uninitialized parameters. "
                "Make sure to run the dummy forward before applying spectral normalization")
        from ...ops import creation

        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(creation.randn(h, dtype=weight.dtype), fn.eps)
            v = _normalize(creation.randn(w, dtype=weight.dtype), fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach().clone())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        module.register_state_dict_post_hook(SpectralNormStateDictHook(fn))
        return fn


class SpectralNormStateDictHook:
    """Records ``spectral_norm`` version metadata in the state dict, as torch's hook does."""

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module: Module, state_dict: dict, prefix: str,
                 local_metadata: dict) -> None:
        if local_metadata is None:
            return
        meta = local_metadata.setdefault("spectral_norm", {})
        key = self.fn.name + ".version"
        if key in meta:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        meta[key] = self.fn._version


def spectral_norm(module: T_module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> T_module:
    """Mirrors the legacy ``torch.nn.utils.spectral_norm``: ``weight`` divided by its
    largest singular value, estimated by power iteration in a forward pre-hook.

    ``dim`` defaults to 1 for transposed convolutions and 0 otherwise.

    Example:
        >>> layer = torch.nn.utils.spectral_norm(torch.nn.Linear(20, 40))
        >>> layer.weight_u.shape
        torch.Size([40])
    """
    if dim is None:
        dim = 1 if isinstance(module, _conv_transpose_types()) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Mirrors ``torch.nn.utils.remove_spectral_norm``: ``weight`` becomes one Parameter
    again (the current normalized value, without a power iteration).

    Example:
        >>> torch.nn.utils.remove_spectral_norm(layer)
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    for k, hook in module._state_dict_hooks.items():
        if isinstance(hook, SpectralNormStateDictHook) and hook.fn.name == name:
            del module._state_dict_hooks[k]
            break
    return module
