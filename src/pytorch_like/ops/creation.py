"""Tensor creation: tensor, zeros, ones, arange, ..., and the random constructors.

Mirrors torch's factories, with torch's dtype defaults (float32 for floating data, int64 for
integer data, bool for booleans). Random factories draw from the global generator seeded by
``manual_seed``.
"""

from __future__ import annotations

import functools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .._device import to_jax_device
from .._layout import preserve_format
from ..random import _next_key
from ..tensor import Tensor
from ._sampling import sample
from ._util import shape_arg

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "linspace", "logspace", "eye",
           "rand", "randn", "randint", "randperm", "normal", "bernoulli", "rand_like",
           "randn_like", "randint_like", "scalar_tensor", "multinomial", "poisson",
           "tril_indices", "triu_indices", "asarray", "hann_window", "hamming_window",
           "blackman_window", "bartlett_window", "kaiser_window"]


def _place(a, device):
    if device is None:
        return a
    jd = to_jax_device(device)
    if not getattr(a, "_committed", False) and jd == _default_jax_device():
        # Left uncommitted, like an array made without device=: JAX compiles a separate
        # program for committed inputs, so torch.arange(n, device=x.device) in a forward
        # made every op it reached compile twice.
        return a if isinstance(a, jax.Array) else jax.device_put(a)
    return jax.device_put(a, jd)


def _default_jax_device():
    dd = jax.config.values.get("jax_default_device")
    return dd if isinstance(dd, jax.Device) else jax.devices()[0]


def _check_int_range(arr: np.ndarray, dtype: D.dtype) -> None:
    st = dtype.storage
    if arr.size and arr.dtype.kind in "iu" and st.itemsize < arr.dtype.itemsize:
        info = np.iinfo(st)
        lo, hi = arr.min(), arr.max()
        if lo < info.min or hi > info.max:
            raise OverflowError(
                f"value {hi if hi > info.max else lo} does not fit the {st} storage of "
                f"{dtype}: enable 64-bit storage with jax.config.update('jax_enable_x64', True)")


def _infer(data):
    """numpy array and torch dtype for arbitrary tensor data, with torch's inference."""
    if isinstance(data, Tensor):
        return np.asarray(data), data._dtype
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        return arr, D.from_np(arr.dtype)
    if isinstance(data, jax.Array):
        return data, D.from_storage(data.dtype)
    if isinstance(data, (list, tuple)) and _holds_tensors(data):
        # torch reads the nesting depth from the first elements; at the innermost level a
        # tensor stands for one number (``.item()``), so it must hold exactly one element.
        leaf = not isinstance(data[0], (list, tuple))
        if leaf and any(isinstance(x, Tensor) and x.numel() != 1 for x in data):
            raise ValueError("only one element tensors can be converted to Python scalars")
        parts = [_infer(x) for x in data]
        dt = parts[0][1]
        for _, d in parts[1:]:
            dt = D.promote_types(dt, d)
        return np.stack([np.asarray(p[0]).astype(dt.np).reshape(() if leaf else
                                                                np.shape(p[0]))
                         for p in parts]), dt
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    try:
        arr = np.asarray(data)
    except ValueError:
        _raise_ragged(data)
        raise
    k = arr.dtype.kind
    if k == "O":
        _raise_ragged(data)
    if k in "fc" and isinstance(data, (list, tuple)) and _has_np_float64(data):
        # torch keeps the dtype of numpy scalars inside lists (np.float64 -> float64).
        return arr, D.float64 if k == "f" else D.complex128
    if k == "f":
        return arr, D.get_default_dtype()
    if k == "c":
        return arr, D.default_complex()
    if k == "b":
        return arr, D.bool_
    if k in "iu":
        return arr, D.int64
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _holds_tensors(seq) -> bool:
    """Whether ``seq`` or, following its first elements down, its innermost list holds a
    Tensor (O(depth + length): the nested lists are assumed alike, as torch does)."""
    if any(isinstance(x, Tensor) for x in seq):
        return True
    while seq and isinstance(seq[0], (list, tuple)):
        seq = seq[0]
    return any(isinstance(x, Tensor) for x in seq)


def _has_np_float64(seq) -> bool:
    for x in seq:
        if isinstance(x, (list, tuple)):
            if _has_np_float64(x):
                return True
        elif isinstance(x, (np.float64, np.complex128)):
            return True
    return False


def _raise_ragged(data, dim: int = 0) -> None:
    """torch's error for nested sequences of unequal lengths (numpy's says less)."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    first = data[0]
    want = len(first) if isinstance(first, (list, tuple)) else None
    for x in data:
        got = len(x) if isinstance(x, (list, tuple)) else None
        if got != want:
            if want is None or got is None:
                raise TypeError("not a sequence")
            raise ValueError(f"expected sequence of length {want} at dim {dim + 1} (got {got})")
    for x in data:
        _raise_ragged(x, dim + 1)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Mirrors ``torch.tensor``: a new leaf tensor holding a copy of ``data``.

    Example:
        >>> torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    """
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    arr, inferred = _infer(data)
    dt = D.to_dtype(dtype) if dtype is not None else inferred
    if isinstance(arr, np.ndarray):
        if dt is D.int64 and arr.dtype.kind in "iu":
            _check_int_range(arr, dt)
        a = jnp.array(arr, dtype=dt.storage, copy=True)  # never alias the caller's memory
    else:
        a = arr.astype(dt.storage)
    t = Tensor._make(_place(a, device), dt)
    if requires_grad:
        t._set_requires_grad(True)
    return t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Mirrors ``torch.as_tensor`` (returns ``data`` itself when nothing changes)."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device) if (dtype or device) else data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """Mirrors ``torch.from_numpy`` (a copy here, not shared memory)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return tensor(ndarray)


def scalar_tensor(s, *, dtype=None, device=None) -> Tensor:
    return tensor(s, dtype=dtype or D.get_default_dtype(), device=device)


def _check_shape(shape: tuple, op: str = "") -> None:
    for s in shape:
        if s < 0:
            if op == "zeros":  # torch's zeros has its own wording
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")


def _check_int_sizes(sizes: tuple, size, op: str) -> None:
    """torch's argument-parser errors for a float in a factory's shape (``nn.Linear(784.0,
    10)``, ``torch.zeros(n / 2)``), whose wording depends on where the float is."""
    keyword = size is not None
    seq = keyword or (len(sizes) == 1 and isinstance(sizes[0], (tuple, list)))
    items = (size if keyword else sizes[0]) if seq else sizes
    if not isinstance(items, (tuple, list)):
        items = (items,)
    for k, a in enumerate(items):
        if not isinstance(a, float):
            continue
        if k:
            raise TypeError(f"{op}(): argument 'size' failed to unpack the object at pos "
                            f"{k + 1} with error \"type must be tuple of ints,but got float\"")
        if keyword:
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, not tuple")
        if seq:
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, but "
                            "found element of type float at pos 0")
        if len(items) == 1:
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, "
                            "not float")
        if op in ("rand", "randn"):
            tail = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                    "torch.device device = None, bool pin_memory = False, bool requires_grad "
                    "= False)")
            got = ", ".join(type(x).__name__ for x in items)
            raise TypeError(f"{op}() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n * (tuple of ints size, *, "
                            f"torch.Generator generator, {tail}\n * (tuple of ints size, *, "
                            f"{tail}\n")
        raise TypeError(f"{op}() takes 1 positional argument but {len(items)} were given")


def _sizes(sizes: tuple, size, op: str) -> tuple:
    # torch's factories take the shape positionally (zeros(2, 3), zeros((2, 3))) or as the
    # keyword size= (rand(size=(8, 8))), not both.
    _check_int_sizes(sizes, size, op)
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{op}() got multiple values for argument 'size'")
    return (size,)


def _factory(fill, args, dtype, device, requires_grad, default=None, op=""):
    shape = shape_arg(args)
    _check_shape(shape, op)
    dt = D.to_dtype(dtype) if dtype is not None else (default or D.get_default_dtype())
    t = Tensor._make(_place(_filled(shape, dt.storage, fill), device), dt)
    if requires_grad:
        t._set_requires_grad(True)
    return t


@functools.partial(jax.jit, static_argnums=(0, 1))
def _filled_jit(shape, dtype, value):
    return jnp.full(shape, value, dtype)


def _filled(shape, dtype, value):
    # On CPU, fill on the host: a jitted fill compiles once per shape (~0.1 s each), which
    # dominated building a model. Other backends fill on the device.
    if not isinstance(value, jax.core.Tracer) and jax.default_backend() == "cpu":
        return jnp.asarray(np.full(shape, value, dtype))
    return _filled_jit(shape, dtype, value)


def zeros(*sizes, size=None, dtype=None, layout=None, device=None,
          requires_grad=False) -> Tensor:
    """Mirrors ``torch.zeros``: the shape given as arguments or as ``size=``."""
    return _factory(0, _sizes(sizes, size, "zeros"), dtype, device, requires_grad, op="zeros")


def ones(*sizes, size=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    """Mirrors ``torch.ones``: the shape given as arguments or as ``size=``."""
    return _factory(1, _sizes(sizes, size, "ones"), dtype, device, requires_grad)


def empty(*sizes, size=None, dtype=None, layout=None, device=None, requires_grad=False,
          memory_format=None, pin_memory=False) -> Tensor:
    """Mirrors ``torch.empty`` (zero-filled: JAX has no uninitialised memory);
    ``memory_format=torch.channels_last`` gives torch's channels-last strides."""
    out = _factory(0, _sizes(sizes, size, "empty"), dtype, device, requires_grad)
    if memory_format is None:
        return out
    from ._views import check_format, format_strides, lay_out
    fmt = check_format(memory_format, "empty")
    if fmt is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    return lay_out(out, format_strides(fmt, tuple(out.shape)))


def _check_fill_value(fill_value, fname: str) -> None:
    # torch's argument parser takes a Number (or a 0-dim tensor) for ``fill_value``.
    if (isinstance(fill_value, Tensor) and fill_value.dim() != 0) or not isinstance(
            fill_value, (Tensor, bool, int, float, complex, np.number, np.bool_)):
        what = type(fill_value)
        name = what.__name__ if what.__module__ == "builtins" or isinstance(
            fill_value, Tensor) else f"{what.__module__}.{what.__qualname__}"
        raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, "
                        f"not {name}")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Mirrors ``torch.full``: the dtype follows ``fill_value`` when not given; the value is
    a Python number or a 0-dim tensor (anything else is torch's TypeError)."""
    _check_fill_value(fill_value, "full")
    if dtype is None:
        dtype = _infer(fill_value)[1] if not isinstance(fill_value, Tensor) else fill_value.dtype
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _factory(fill_value, (size,), dtype, device, requires_grad)


def _like(x: Tensor, dtype, device):
    return (x.shape, dtype if dtype is not None else x.dtype,
            device if device is not None else None)


def _check_like_format(input: Tensor, memory_format, fname: str):  # noqa: A002
    # Checked before anything is made, as torch's empty_like does.
    from ._views import check_format, check_rank
    fmt = check_format(memory_format, fname)
    if fmt is not preserve_format:
        check_rank(fmt, input.ndim)
    return fmt


def _laid_out_like(input: Tensor, out: Tensor, fmt) -> Tensor:  # noqa: A002
    from ._views import with_memory_format
    return with_memory_format(input, out, fmt)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None) -> Tensor:
    """Mirrors ``torch.zeros_like``; ``memory_format`` (default: preserve) sets the strides
    as torch's ``empty_like`` does (a channels-last input gives a channels-last result)."""
    fmt = _check_like_format(input, memory_format, "zeros_like")
    s, d, dev = _like(input, dtype, device)
    return _laid_out_like(input, _factory(0, (s,), d, dev, requires_grad), fmt)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None) -> Tensor:
    """Mirrors ``torch.ones_like``; ``memory_format`` as in ``zeros_like``."""
    fmt = _check_like_format(input, memory_format, "ones_like")
    s, d, dev = _like(input, dtype, device)
    return _laid_out_like(input, _factory(1, (s,), d, dev, requires_grad), fmt)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None) -> Tensor:
    """Mirrors ``torch.empty_like`` (zero-filled here), with torch's strides for
    ``memory_format`` (default: preserve the input's format).

    Example:
        >>> x = torch.zeros(2, 3, 4, 5)
        >>> torch.empty_like(x, memory_format=torch.channels_last).stride()
        (60, 1, 15, 3)
    """
    fmt = _check_like_format(input, memory_format, "empty_like")
    s, d, dev = _like(input, dtype, device)
    return _laid_out_like(input, _factory(0, (s,), d, dev, requires_grad), fmt)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,  # noqa: A002
              requires_grad=False, memory_format=None) -> Tensor:
    """Mirrors ``torch.full_like``; ``memory_format`` as in ``zeros_like``."""
    fmt = _check_like_format(input, memory_format, "full_like")
    s, d, dev = _like(input, dtype, device)
    return _laid_out_like(input, _factory(fill_value, (s,), d, dev, requires_grad), fmt)


def arange(start=0, end=None, step=1, *, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Mirrors ``torch.arange``: int64 for integer arguments, else the default float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, int) for v in vals) else D.get_default_dtype()
    dt = D.to_dtype(dtype)
    n = max(0, math.ceil((vals[1] - vals[0]) / vals[2]))
    arr = np.arange(n, dtype=np.float64) * vals[2] + vals[0]
    return tensor(arr.astype(dt.np), dtype=dt, device=device, requires_grad=requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    """Mirrors ``torch.linspace``."""
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    arr = np.linspace(float(start), float(end), int(steps))
    return tensor(arr.astype(dt.np), dtype=dt, device=device, requires_grad=requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    arr = np.logspace(float(start), float(end), int(steps), base=base)
    return tensor(arr.astype(dt.np), dtype=dt, device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad=False) -> Tensor:
    """Mirrors ``torch.eye``."""
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    t = Tensor._make(_place(jnp.eye(n, m, dtype=dt.storage), device), dt)
    return t._set_requires_grad(True) if requires_grad else t


def _tri_indices(which, row: int, col: int, offset: int, dtype, device) -> Tensor:
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    rows, cols = which(row, offset, col)
    idx = np.stack([rows, cols]).astype(dt.storage).reshape(2, -1)
    return Tensor._make(_place(jnp.asarray(idx), device), dt)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """Mirrors ``torch.tril_indices``: the (2, N) row/column indices of the lower triangle.

    Example:
        >>> torch.tril_indices(3, 3)
        tensor([[0, 1, 1, 2, 2, 2],
                [0, 0, 1, 0, 1, 2]])
    """
    return _tri_indices(np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """Mirrors ``torch.triu_indices``: the (2, N) row/column indices of the upper triangle."""
    return _tri_indices(np.triu_indices, row, col, offset, dtype, device)


# -- random ------------------------------------------------------------------------------

def _uniform(key, shape, dtype):
    return sample("uniform", key, shape, dtype)


def _normal(key, shape, dtype):
    return sample("normal", key, shape, dtype)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _randint(key, shape, dtype, low, high):
    return jax.random.randint(key, shape, low, high, dtype)


# The CPU kernel torch names when asked for uniform or normal samples of a dtype it has no
# sampler for (integers and bool).
_RANDOM_KERNELS = {"uniform": "check_uniform_bounds", "normal": "normal_kernel_cpu"}


def _check_random_dtype(dt: D.dtype, kind: str) -> None:
    """torch raises NotImplementedError for uniform/normal samples of an integer or bool
    dtype (``torch.randn(2, dtype=torch.long)``) instead of returning rounded samples."""
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError(f'"{_RANDOM_KERNELS[kind]}" not implemented for '
                                  f"'{D.type_word(dt)}'")


def _rand_factory(sampler, size, dtype, device, requires_grad, generator, *extra):
    shape = shape_arg(size)
    _check_shape(shape)
    dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
    _check_random_dtype(dt, "uniform" if sampler is _uniform else "normal")
    a = sampler(_next_key(generator), shape, dt.storage, *extra)
    t = Tensor._make(_place(a, device), dt)
    return t._set_requires_grad(True) if requires_grad else t


def rand(*sizes, size=None, generator=None, dtype=None, device=None,
         requires_grad=False) -> Tensor:
    """Mirrors ``torch.rand``: uniform on [0, 1), from the global generator; the shape
    given as arguments or as ``size=``."""
    return _rand_factory(_uniform, _sizes(sizes, size, "rand"), dtype, device, requires_grad,
                         generator)


def randn(*sizes, size=None, generator=None, dtype=None, device=None,
          requires_grad=False) -> Tensor:
    """Mirrors ``torch.randn``: standard normal, from the global generator; the shape
    given as arguments or as ``size=``."""
    return _rand_factory(_normal, _sizes(sizes, size, "randn"), dtype, device, requires_grad,
                         generator)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Mirrors ``torch.randint(low=0, high, size)``: int64 by default."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    shape = shape_arg((size,))
    a = _randint(_next_key(generator), shape, dt.storage if dt._cat == 1 else np.int32,
                 int(low), int(high))
    return Tensor._make(_place(a.astype(dt.storage), device), dt)


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    """Mirrors ``torch.randperm``: a random permutation of 0..n-1 (int64)."""
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    a = _perm(_next_key(generator), int(n))
    return Tensor._make(_place(a.astype(dt.storage), device), dt)


@functools.partial(jax.jit, static_argnums=(1,))
def _perm(key, n):
    return jax.random.permutation(key, n)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad=False,  # noqa: A002
              generator=None, memory_format=None) -> Tensor:
    """Mirrors ``torch.rand_like``; ``memory_format`` as in ``zeros_like``."""
    fmt = _check_like_format(input, memory_format, "rand_like")
    return _laid_out_like(input, rand(input.shape, dtype=dtype or input.dtype, device=device,
                                      requires_grad=requires_grad, generator=generator), fmt)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad=False,  # noqa: A002
               generator=None, memory_format=None) -> Tensor:
    """Mirrors ``torch.randn_like``; ``memory_format`` as in ``zeros_like``."""
    fmt = _check_like_format(input, memory_format, "randn_like")
    return _laid_out_like(input, randn(input.shape, dtype=dtype or input.dtype, device=device,
                                       requires_grad=requires_grad, generator=generator), fmt)


def randint_like(input: Tensor, low=0, high=None, *, dtype=None,  # noqa: A002
                 device=None, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, device=device,
                   generator=generator)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None,
           device=None, requires_grad=False) -> Tensor:
    """Mirrors ``torch.normal``: tensor or float mean/std, or float both with ``size``."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        shape = ref.shape if size is None else shape_arg((size,))
        if isinstance(mean, Tensor) and isinstance(std, Tensor):
            from ._util import check_broadcast
            check_broadcast(tuple(mean.shape), tuple(std.shape))
            shape = jnp.broadcast_shapes(tuple(mean.shape), tuple(std.shape))
        for t in (mean, std):
            if isinstance(t, Tensor):
                _check_random_dtype(t.dtype, "normal")
        z = randn(shape, dtype=ref.dtype, generator=generator, device=device)
        return z * std + mean
    z = randn(size, dtype=dtype, generator=generator, device=device)
    out = z * std + mean
    return out._set_requires_grad(True) if requires_grad else out


@jax.jit
def _bern(key, p):
    return jax.random.uniform(key, p.shape, p.dtype) < p


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """Mirrors ``torch.bernoulli``: 1 with probability ``input`` (or ``p``), same dtype."""
    probs = input._cell.a if p is None else jnp.full(input.shape, p, input.dtype.storage)
    a = _bern(_next_key(generator), probs.astype(jnp.float32))
    return Tensor._make(a.astype(input.dtype.storage), input.dtype)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """Mirrors ``torch.multinomial`` (rows of non-negative weights)."""
    _check_multinomial(input, num_samples, replacement)
    logits = jnp.log(input._cell.a.astype(jnp.float32))
    key = _next_key(generator)
    if replacement:
        a = jax.random.categorical(key, logits, axis=-1,
                                   shape=(num_samples,) + logits.shape[:-1])
        a = jnp.moveaxis(a, 0, -1)
    else:
        g = jax.random.gumbel(key, logits.shape)
        a = jnp.argsort(-(logits + g), axis=-1)[..., :num_samples]
    return Tensor._make(a.astype(D.int64.storage), D.int64)


@jax.jit
def _multinomial_flags(p):
    # [any entry negative/inf/nan, any row summing to <= 0]: one dispatch, one transfer.
    bad = ~(jnp.isfinite(p) & (p >= 0))
    return jnp.stack([jnp.any(bad), jnp.any(jnp.sum(p, axis=-1) <= 0)])


def _check_multinomial(input: Tensor, num_samples: int, replacement: bool) -> None:  # noqa: A002
    """torch's checks; JAX would sample from a negative or all-zero row without complaint.

    The value checks are skipped while the weights are traced (inside ``compile``).
    """
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{D.type_word(input._dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    a = input._cell.a
    if isinstance(a, jax.core.Tracer) or a.size == 0:
        return
    bad_entry, bad_sum = (bool(v) for v in np.asarray(_multinomial_flags(a)))
    if bad_entry:
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bad_sum:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def poisson(input: Tensor, generator=None) -> Tensor:  # noqa: A002
    a = jax.random.poisson(_next_key(generator), input._cell.a)
    return Tensor._make(a.astype(input.dtype.storage), input.dtype)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.asarray``: a tensor from a tensor, numpy array, scalar or sequence.

    A tensor comes back as itself when no dtype or device change and no ``copy=True`` is
    asked for. Deliberate difference: numpy arrays and other buffers are always copied
    (JAX arrays are immutable, so memory is never shared with the source).

    Example:
        >>> torch.asarray([1, 2]).dtype
        torch.int64
    """
    if isinstance(obj, Tensor):
        out = obj
        if dtype is not None or device is not None:
            out = out.to(dtype=dtype, device=device)
        if copy and out is obj:
            from .pointwise import clone
            out = clone(obj).detach() if not obj.requires_grad else clone(obj)
        if requires_grad and not out.requires_grad:
            out.requires_grad_(True)
        return out
    return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)


def _window(name: str, length: int, periodic: bool, dtype, device, requires_grad,
            values) -> Tensor:
    dt = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={length}")
    if dt._cat != 2:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{_CPP_NAMES.get(dt.name, dt.name)}, device=cpu, layout=Strided "
                           "(default), requires_grad=false (default), pinned_memory=false, "
                           "memory_format=(nullopt))")
    if length <= 1:
        arr = np.ones(length)
    else:
        # A periodic window is the symmetric one of length + 1 without its last point.
        n = length + 1 if periodic else length
        arr = values(np.arange(n, dtype=np.float64), n)[:length]
    return tensor(arr, dtype=dt, device=device, requires_grad=requires_grad)


_CPP_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.hann_window``: ``0.5 - 0.5 cos(2 pi n / (N - 1))``, periodic by
    default (the first ``N`` points of the length ``N + 1`` window).

    Example:
        >>> torch.hann_window(4)
        tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.hamming_window``: ``alpha - beta cos(2 pi n / (N - 1))``.

    Example:
        >>> torch.hamming_window(3, periodic=False)
        tensor([0.0800, 1.0000, 0.0800])
    """
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.blackman_window``:
    ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``.

    Example:
        >>> torch.blackman_window(3, periodic=False)[1]
        tensor(1.)
    """
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1))
                   + 0.08 * np.cos(4 * np.pi * k / (n - 1)))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.bartlett_window``: the triangle ``1 - |2n / (N - 1) - 1|``.

    Example:
        >>> torch.bartlett_window(5, periodic=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Mirrors ``torch.kaiser_window``: ``I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)``.

    Example:
        >>> torch.kaiser_window(3, periodic=False, beta=0.0)
        tensor([1., 1., 1.])
    """
    def values(k, n):
        r = 2 * k / (n - 1) - 1
        return np.i0(beta * np.sqrt(np.clip(1 - r * r, 0, None))) / np.i0(beta)

    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   values)
