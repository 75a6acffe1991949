"""``pytorch_like.testing``: mirrors ``torch.testing`` (``assert_close``, ``make_tensor`` and
the deprecated ``assert_allclose``).

``assert_close`` compares tensors, NumPy arrays, Python scalars and (nested) sequences and
mappings of them with torch's default tolerances per dtype, and fails with torch's
``AssertionError`` text ("Tensor-likes are not close!", the mismatched element count, the
greatest absolute and relative differences and where they are). Values are compared on the
host with NumPy in each tensor's storage dtype, so the reported differences are the ones
torch reports for the same dtype.

Deliberate differences: tensors here are always contiguous, so ``check_stride`` compares
strides that always agree for equal shapes, and ``make_tensor``'s ``noncontiguous`` and
``memory_format`` are accepted and ignored. Without ``jax_enable_x64`` a float64 tensor
holds float32 values, so its differences are float32 differences.

Example:
    >>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    >>> x = torch.testing.make_tensor(2, 3, dtype=torch.float32, device="cpu", low=-1, high=1)
"""

from __future__ import annotations

import collections.abc
import math
import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtype as D
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor", "assert_allclose"]

# torch's default (rtol, atol) per dtype; dtypes not listed (integers, bool) compare exactly.
_TOLERANCES = {
    D.float16: (1e-3, 1e-5),
    D.bfloat16: (1.6e-2, 1e-5),
    D.float32: (1.3e-6, 1e-5),
    D.float64: (1e-7, 1e-7),
    D.complex64: (1.3e-6, 1e-5),
    D.complex128: (1e-7, 1e-7),
}
_SCALAR_TOLERANCES = {int: (0.0, 0.0), float: (1e-7, 1e-7), complex: (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed comparison: the exception type and message ``assert_close`` raises."""

    def __init__(self, kind: type, message: str, path: tuple = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.path = path


def _no_pair(actual, expected) -> _Mismatch:
    return _Mismatch(TypeError, "No comparison pair was able to handle inputs of type "
                                f"{type(actual)} and {type(expected)}.")


def _tolerances(rtol, atol, defaults: tuple) -> tuple:
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    if rtol is None:
        return defaults
    return float(rtol), float(atol)


def _is_number(x) -> bool:
    return isinstance(x, (int, float, complex, np.number)) and not isinstance(x, bool)


def _is_bool(x) -> bool:
    return isinstance(x, (bool, np.bool_))


def _compare(actual, expected, path: tuple, opts: dict) -> None:
    if actual is None or expected is None:
        if actual is not expected:
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)
        return
    if _is_bool(actual) and _is_bool(expected):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError,
                            f"Booleans mismatch: {bool(actual)} is not {bool(expected)}", path)
        return
    if _is_number(actual) and _is_number(expected):
        _compare_scalars(actual, expected, path, opts)
        return
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise _no_pair(actual, expected)
        if not opts["allow_subclasses"] and type(actual) is not type(expected):
            raise _no_pair(actual, expected)
        _compare_tensors(actual, expected, path, opts)
        return
    if isinstance(actual, np.ndarray) or isinstance(expected, np.ndarray):
        if not (isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)):
            raise _no_pair(actual, expected)
        _compare_tensors(actual, expected, path, opts)
        return
    if isinstance(actual, collections.abc.Mapping) and \
            isinstance(expected, collections.abc.Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            lines = ["The keys of the mappings do not match:"]
            if missing:
                lines.append(f"Missing keys in the actual mapping: {sorted(missing)}")
            if extra:
                lines.append(f"Additional keys in the actual mapping: {sorted(extra)}")
            raise _Mismatch(AssertionError, "\n".join(lines), path)
        for k in expected:
            _compare(actual[k], expected[k], path + (k,), opts)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, "The length of the sequences mismatch: "
                                            f"{len(actual)} != {len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), opts)
        return
    raise _no_pair(actual, expected)


def _is_sequence(x) -> bool:
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes))


def _scalar_kind(x) -> type:
    if isinstance(x, np.number):
        x = x.item()
    return int if isinstance(x, int) else float if isinstance(x, float) else complex


def _compare_scalars(actual, expected, path: tuple, opts: dict) -> None:
    ka, ke = _scalar_kind(actual), _scalar_kind(expected)
    if opts["check_dtype"] and ka is not ke:
        raise _Mismatch(AssertionError, f"The (d)types do not match: {ka} != {ke}.", path)
    kind = complex if complex in (ka, ke) else float if float in (ka, ke) else int
    rtol, atol = _tolerances(opts["rtol"], opts["atol"], _SCALAR_TOLERANCES[kind])
    a, e = kind(actual), kind(expected)
    if a == e:
        return
    a_nan = kind is not int and a != a
    e_nan = kind is not int and e != e
    if opts["equal_nan"] and a_nan and e_nan:
        return
    diff = abs(a - e)
    both_finite = kind is int or (math.isfinite(abs(a)) and math.isfinite(abs(e)))
    if both_finite and not (a_nan or e_nan) and diff <= atol + rtol * abs(e):
        return
    rel = diff / abs(e) if e != 0 else (math.nan if diff == 0 else math.inf)
    equal = rtol == 0 and atol == 0
    lines = [f"Scalars are not {'equal' if equal else 'close'}!", "",
             f"Expected {expected} but got {actual}.",
             f"Absolute difference: {diff}" + ("" if equal else f" (up to {atol} allowed)"),
             f"Relative difference: {rel}" + ("" if equal else f" (up to {rtol} allowed)")]
    raise _Mismatch(AssertionError, "\n".join(lines), path)


def _meta(x) -> tuple:
    """(host array, logical dtype, shape, device) of a tensor or NumPy array."""
    if isinstance(x, Tensor):
        return np.asarray(x.detach()._cell.a), x.dtype, x.shape, x.device
    from ._device import device
    from ._size import Size

    try:
        dt = D.to_dtype(x.dtype)
    except (TypeError, KeyError, ValueError):  # a NumPy dtype torch has no counterpart of
        dt = None
    return x, dt, Size(x.shape), device("cpu")


def _compare_tensors(actual, expected, path: tuple, opts: dict) -> None:
    a, adt, ashape, adev = _meta(actual)
    e, edt, eshape, edev = _meta(expected)
    checks = [("shape", ashape, eshape)]
    if opts["check_device"]:
        checks.append(("device", adev, edev))
    if opts["check_dtype"]:
        checks.append(("dtype", adt, edt))
    if opts["check_stride"] and isinstance(actual, Tensor) and isinstance(expected, Tensor):
        checks.append(("stride()", actual.stride(), expected.stride()))
    for name, x, y in checks:
        if x != y:
            raise _Mismatch(AssertionError,
                            f"The values for attribute '{name}' do not match: {x} != {y}.",
                            path)
    defaults = (max(_TOLERANCES.get(adt, (0.0, 0.0))[0], _TOLERANCES.get(edt, (0.0, 0.0))[0]),
                max(_TOLERANCES.get(adt, (0.0, 0.0))[1], _TOLERANCES.get(edt, (0.0, 0.0))[1]))
    rtol, atol = _tolerances(opts["rtol"], opts["atol"], defaults)
    if adt is not edt:
        common = np.result_type(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    exact = a.dtype.kind in "biu"
    if exact:
        # torch reports integer differences without wrap-around and relative ones in float32.
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        close = a == e
        if not exact:
            nan_a, nan_e = np.isnan(a), np.isnan(e)
            finite = np.isfinite(a) & np.isfinite(e)
            limit = atol + rtol * np.abs(e).astype(abs_diff.dtype)
            close |= finite & (abs_diff <= limit)
            if opts["equal_nan"]:
                close |= nan_a & nan_e
        if bool(close.all()):
            return
        if exact:
            rel_diff = abs_diff.astype(np.float32) / np.abs(e).astype(np.float32)
        else:
            rel_diff = abs_diff / np.abs(e).astype(abs_diff.dtype)
    mismatch = ~close
    equal = rtol == 0 and atol == 0
    word = "equal" if equal else "close"
    if a.ndim == 0:
        lines = [f"Scalars are not {word}!", "",
                 f"Expected {e.item()} but got {a.item()}.",
                 f"Absolute difference: {abs_diff.item()}"
                 + ("" if equal else f" (up to {atol} allowed)"),
                 f"Relative difference: {rel_diff.item()}"
                 + ("" if equal else f" (up to {rtol} allowed)")]
        raise _Mismatch(AssertionError, "\n".join(lines), path)
    n, total = int(mismatch.sum()), mismatch.size
    lines = [f"Tensor-likes are not {word}!", "",
             f"Mismatched elements: {n} / {total} ({n / total * 100:.1f}%)"]
    for label, diff, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        flat = np.where(mismatch, diff, np.zeros((), diff.dtype)).reshape(-1)
        # The greatest difference among the mismatched elements; nan counts as greatest.
        k = int(np.argmax(flat))
        idx = tuple(int(i) for i in np.unravel_index(k, a.shape))
        lines.append(f"Greatest {label} difference: {flat[k].item()} at index {idx}"
                     + ("" if equal else f" (up to {tol} allowed)"))
    raise _Mismatch(AssertionError, "\n".join(lines), path)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Mirrors ``torch.testing.assert_close``: ``|actual - expected| <= atol + rtol *
    |expected|`` elementwise, with torch's default tolerances per dtype and its messages.

    Tensors compare with tensors, NumPy arrays with NumPy arrays, Python numbers with
    numbers; sequences and mappings are compared item by item. ``msg`` replaces the
    message, or (a callable) receives it and returns the new one. ``check_layout`` is
    accepted (every tensor here is strided); see the module docstring for ``check_stride``.

    Example:
        >>> torch.testing.assert_close(torch.tensor([1.0]), torch.tensor([1.0 + 1e-7]))
        >>> torch.testing.assert_close([1.0, 2.0], [1.0, 2.0])
    """
    opts = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol,
            "equal_nan": equal_nan, "check_device": check_device, "check_dtype": check_dtype,
            "check_stride": check_stride}
    try:
        _compare(actual, expected, (), opts)
    except _Mismatch as m:
        text = m.message
        if m.path and m.kind is AssertionError:
            where = "".join(f"[{p!r}]" for p in m.path)
            text += f"\n\nThe failure occurred for item {where}"
        if m.kind is AssertionError and msg is not None:
            text = msg(text) if callable(msg) else msg
        raise m.kind(text) from None


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True, msg: str = "") -> None:
    """Mirrors the deprecated ``torch.testing.assert_allclose`` (a ``FutureWarning``, as in
    torch): ``expected`` is turned into a tensor like ``actual`` and dtypes are not checked;
    its own default tolerances (float32: rtol 1e-4, atol 1e-5).

    Example:
        >>> torch.testing.assert_allclose(torch.tensor([1.0]), [1.0])
    """
    from .ops.creation import tensor

    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _ALLCLOSE_TOLERANCES.get(
            D.promote_types(actual.dtype, expected.dtype), (0.0, 0.0))
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_device=True, check_dtype=False, check_stride=False, msg=msg or None)


_ALLCLOSE_TOLERANCES = {D.float16: (1e-3, 1e-3), D.bfloat16: (1e-3, 1e-3),
                        D.float32: (1e-4, 1e-5), D.float64: (1e-5, 1e-8)}


def _float_range(dt: D.dtype) -> tuple:
    info = D.finfo(dt)
    return float(info.min), float(info.max)


def make_tensor(*shape: Any, dtype: D.dtype, device: Any, low: float | None = None,
                high: float | None = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Tensor:
    """Mirrors ``torch.testing.make_tensor``: a random tensor of ``shape`` and ``dtype``.

    Floating values are uniform in ``[low, high)`` (default ``[-9, 9)``), integers in
    ``[low, high)`` (default ``[-9, 10)``, ``[0, 10)`` for uint8), bools either value;
    bounds are clamped to what the dtype can hold. Complex tensors draw the real and
    imaginary parts alike. ``exclude_zero`` replaces zeros (by 1 for integers, by the
    dtype's smallest normal number for floats). Draws from the global generator, so
    ``manual_seed`` makes it reproducible (the numbers differ from torch's).
    ``noncontiguous`` and ``memory_format`` are accepted and ignored.

    Example:
        >>> torch.testing.make_tensor(2, 3, dtype=torch.int64, device="cpu").shape
        torch.Size([2, 3])
    """
    from .ops.creation import _next_key, _place

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    dt = dtype
    if requires_grad and dt._cat < 2:
        raise ValueError("`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dt}")
    if dt is D.bool_:
        lo_c, hi_c = 0, 2
    elif dt._cat == 1:
        info = D.iinfo(dt)
        lo = (0 if dt is D.uint8 else -9) if low is None else low
        hi = 10 if high is None else high
        _check_bounds(lo, hi)
        lo_c = math.ceil(max(lo, info.min))
        hi_c = math.ceil(min(hi, info.max + 1))
    else:
        lo = -9 if low is None else low
        hi = 9 if high is None else high
        _check_bounds(lo, hi, floating=True)
        part = D.float32 if dt is D.complex64 else D.float64 if dt is D.complex128 else dt
        fmin, fmax = _float_range(part)
        lo_c, hi_c = min(max(lo, fmin), fmax), min(max(hi, fmin), fmax)
    a = _draw(_host_rng(_next_key(None)), lo_c, hi_c, shape, dt, bool(exclude_zero))
    out = Tensor._make(_place(jnp.asarray(a, dt.storage), device), dt)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _host_rng(key) -> np.random.Generator:
    # The draw runs on the host from a key of the global generator: manual_seed makes it
    # reproducible, and no program is compiled per shape and dtype.
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return np.random.default_rng(np.asarray(key).ravel())


def _draw(rng: np.random.Generator, lo, hi, shape: tuple, dt: D.dtype,
          exclude_zero: bool) -> np.ndarray:
    if dt is D.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dt._cat == 1:
        out = rng.integers(lo, hi, shape)
        return np.where(out == 0, 1, out) if exclude_zero else out
    part = np.float32 if dt in (D.float16, D.bfloat16, D.float32, D.complex64) \
        else np.float64

    def one() -> np.ndarray:
        u = rng.random(shape)
        # lo + u * (hi - lo) overflows when the range spans the whole dtype.
        val = np.clip(u * (hi / 2 - lo / 2) * 2 + lo, lo, hi) if lo != hi \
            else np.full(shape, lo, np.float64)
        val = val.astype(np.dtype(dt.storage) if dt._cat == 2 else part)
        if exclude_zero:
            val = np.where(val == 0, np.finfo(val.dtype).tiny, val)
        return val

    if dt._cat == 2:
        return one()
    return one() + 1j * one()


def _check_bounds(lo, hi, floating: bool = False) -> None:
    if (isinstance(lo, float) and math.isnan(lo)) or (isinstance(hi, float) and math.isnan(hi)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={lo} and high={hi}")
    if floating and lo == hi:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                      "complex types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
        return
    if lo >= hi:
        raise ValueError(f"`low` must be less than `high`, but got {lo} >= {hi}")
