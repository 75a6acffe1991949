"""``torch.nn.init``: fill a tensor in place with an initialization scheme.

Mirrors ``torch.nn.init``: same names, arguments, gains and fan rules, drawing from the
global generator (``torch.manual_seed``) or a given ``generator``, under ``no_grad``. The
values follow the same distributions as torch's but are not torch's bits (different PRNG).

Example:
    >>> w = torch.empty(3, 5)
    >>> torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5))
"""

from __future__ import annotations

import functools
import math
import warnings

import jax
import jax.numpy as jnp

from ..autograd.grad_mode import no_grad
from ..random import _next_key
from ..ops._sampling import sample
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "uniform", "normal", "constant",
           "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "orthogonal"]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Mirrors ``nn.init.calculate_gain``: the recommended gain for a nonlinearity.

    Example:
        >>> nn.init.calculate_gain('leaky_relu', 0.2)
        1.3867504905630728
    """
    linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d"]
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Mirrors torch's helper: fans of a weight (out, in, *kernel)."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    shape = tuple(tensor.shape)
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _uniform(key, shape, dtype, low, high):
    return sample("uniform", key, shape, dtype, low, high)


def _normal(key, shape, dtype, mean, std):
    return sample("normal", key, shape, dtype, mean, std)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _trunc_normal(key, shape, dtype, mean, std, a, b):
    lo, hi = (a - mean) / std, (b - mean) / std
    z = jax.random.truncated_normal(key, lo, hi, shape, jnp.float32)
    return jnp.clip(z * std + mean, a, b).astype(dtype)


def _fill(tensor: Tensor, array) -> Tensor:
    with no_grad():
        from ..ops._inplace import rebind

        return rebind(tensor, Tensor._make(array, tensor._dtype))


def _key(generator):
    return _next_key(generator)


def _no_op_if_empty(tensor: Tensor) -> bool:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Mirrors ``nn.init.uniform_``: U(a, b)."""
    return _fill(tensor, _uniform(_key(generator), tuple(tensor.shape), tensor._dtype.storage,
                                  float(a), float(b)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Mirrors ``nn.init.normal_``: N(mean, std^2)."""
    return _fill(tensor, _normal(_key(generator), tuple(tensor.shape), tensor._dtype.storage,
                                 float(mean), float(std)))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Mirrors ``nn.init.trunc_normal_``: N(mean, std^2) restricted to [a, b]."""
    return _fill(tensor, _trunc_normal(_key(generator), tuple(tensor.shape),
                                       tensor._dtype.storage, float(mean), float(std),
                                       float(a), float(b)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Mirrors ``nn.init.constant_``."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Mirrors ``nn.init.eye_`` (2-D tensors only)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, jnp.eye(*tuple(tensor.shape), dtype=tensor._dtype.storage))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Mirrors ``nn.init.dirac_``: convolution weights that keep the input's channels."""
    d = tensor.dim()
    if d not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    shape = tuple(tensor.shape)
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per = shape[0] // groups
    n = min(out_per, shape[1])
    w = jnp.zeros(shape, tensor._dtype.storage)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for i in range(n):
            w = w.at[(g * out_per + i, i) + centre].set(1)
    return _fill(tensor, w)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Mirrors ``nn.init.xavier_uniform_``: U(-a, a), a = gain*sqrt(6/(fan_in+fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Mirrors ``nn.init.xavier_normal_``: N(0, std^2), std = gain*sqrt(2/(fan_in+fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """Mirrors ``nn.init.kaiming_uniform_``: U(-b, b), b = gain*sqrt(3/fan).

    Linear and Conv layers use ``a=sqrt(5)``, giving b = 1/sqrt(fan_in).
    """
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """Mirrors ``nn.init.kaiming_normal_``: N(0, std^2), std = gain/sqrt(fan)."""
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _orthogonal(key, rows, cols, dtype, gain):
    flat = jax.random.normal(key, (rows, cols), jnp.float32)
    if rows < cols:
        flat = flat.T
    q, r = jnp.linalg.qr(flat)
    # Sign-fix by R's diagonal so the result is uniform over orthogonal matrices.
    q = q * jnp.sign(jnp.diagonal(r))[None, :]
    if rows < cols:
        q = q.T
    return (q * gain).astype(dtype)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Mirrors ``nn.init.orthogonal_``: a (semi-)orthogonal matrix of the flattened tensor."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    shape = tuple(tensor.shape)
    rows = shape[0]
    cols = tensor.numel() // rows
    q = _orthogonal(_key(generator), rows, cols, tensor._dtype.storage, float(gain))
    return _fill(tensor, q.reshape(shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Mirrors ``nn.init.sparse_``: N(0, std^2) with a fraction of each column zeroed."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tuple(tensor.shape)
    num_zeros = int(math.ceil(sparsity * rows))
    vals = _normal(_key(generator), (rows, cols), tensor._dtype.storage, 0.0, float(std))
    k2 = _key(generator)
    perms = jax.vmap(lambda k: jax.random.permutation(k, rows))(jax.random.split(k2, cols))
    zero_rows = perms[:, :num_zeros]
    mask = jnp.ones((rows, cols), bool)
    for c in range(cols):
        mask = mask.at[zero_rows[c], c].set(False)
    return _fill(tensor, jnp.where(mask, vals, 0).astype(vals.dtype))


def _deprecated(fn):
    def old(*args, **kwargs):
        warnings.warn(f"`nn.init.{fn.__name__[:-1]}` is now deprecated in favor of "
                      f"`nn.init.{fn.__name__}`.", FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)
    old.__name__ = fn.__name__[:-1]
    old.__doc__ = f"Deprecated alias of ``{fn.__name__}``."
    return old


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
