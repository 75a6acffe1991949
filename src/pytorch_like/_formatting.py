"""``repr(tensor)`` in torch's style: ``tensor([[1., 2.], ...], requires_grad=True)``.

Mirrors torch's printing with its default print options (precision 4, line width 80,
summarising tensors of more than 1000 elements to 3 items at each edge): one number format
for the whole tensor, chosen from its nonzero finite values (integer-valued floats print as
``1.``, wide ranges or tiny/huge magnitudes switch to scientific notation), every element
right-aligned to the widest, and suffixes (``dtype=``, ``grad_fn=``, ``requires_grad=``) that
wrap to a new line when the last line would pass 80 characters.
Complex tensors format their real and imaginary parts each with its own formatter, as torch
does: ``tensor([1.+2.j, 3.-1.j])``.

Example:
    >>> torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    tensor([[1., 2.],
            [3., 4.]], requires_grad=True)
"""

from __future__ import annotations

import math

import numpy as np

from . import _dtype as D

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions"]

_PRECISION = 4
_LINEWIDTH = 80
_THRESHOLD: float = 1000
_EDGEITEMS = 3
_SCI_MODE: bool | None = None

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Mirrors ``torch.set_printoptions``: digits, summarising, line width, notation.

    ``profile`` ('default', 'short', 'full') sets the first four at once; ``sci_mode``
    forces scientific notation on (True) or off (False), None lets each tensor choose.

    Example:
        >>> torch.set_printoptions(precision=2)
        >>> torch.tensor([1.12345])
        tensor([1.12])
        >>> torch.set_printoptions(profile='default')
    """
    global _PRECISION, _THRESHOLD, _EDGEITEMS, _LINEWIDTH, _SCI_MODE
    if profile is not None:
        _PRECISION, _THRESHOLD, _EDGEITEMS, _LINEWIDTH = _PROFILES[profile]
    if precision is not None:
        _PRECISION = precision
    if threshold is not None:
        _THRESHOLD = threshold
    if edgeitems is not None:
        _EDGEITEMS = edgeitems
    if linewidth is not None:
        _LINEWIDTH = linewidth
    _SCI_MODE = sci_mode


def get_printoptions() -> dict:
    """Mirrors ``torch._tensor_str.get_printoptions``: the current options as a dict."""
    return {"precision": _PRECISION, "threshold": _THRESHOLD, "edgeitems": _EDGEITEMS,
            "linewidth": _LINEWIDTH, "sci_mode": _SCI_MODE}


class _Formatter:
    """One number format (and width) for every element of a tensor, as torch chooses it."""

    def __init__(self, values: np.ndarray, dtype: D.dtype) -> None:
        self.floating = dtype.is_floating_point
        self.is_bool = dtype is D.bool_
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absv = np.abs(vals)
        lo, hi = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(np.ceil(vals) == vals))
        wide = hi / lo > 1000.0 or hi > 1.0e8
        if _SCI_MODE is not None:
            self.sci_mode = _SCI_MODE
        elif self.int_mode:
            self.sci_mode = wide
        else:
            self.sci_mode = wide or lo < 1.0e-4
        for v in vals.tolist():
            if self.sci_mode:
                n = len(f"{v:.{_PRECISION}e}")
            elif self.int_mode:
                n = len(f"{v:.0f}") + 1
            else:
                n = len(f"{v:.{_PRECISION}f}")
            self.width = max(self.width, n)

    def format(self, v) -> str:
        if self.floating:
            if self.sci_mode:
                s = f"{v:{self.width}.{_PRECISION}e}"
            elif self.int_mode:
                s = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    s += "."
            else:
                s = f"{v:.{_PRECISION}f}"
        else:
            s = str(v)
        return s.rjust(self.width)


class _ComplexFormatter:
    """torch's complex format: the real parts share one float format (right-aligned), the
    imaginary parts another (not padded), joined as ``re+imj`` / ``re-imj``."""

    def __init__(self, values: np.ndarray, dtype: D.dtype) -> None:
        part = D.float64 if dtype is D.complex128 else D.float32
        self.re = _Formatter(values.real.astype(np.float64), part)
        self.im = _Formatter(values.imag.astype(np.float64), part)
        # torch's element width when packing a line: both parts and the trailing "j".
        self.width = self.re.width + self.im.width + 1

    def format(self, v) -> str:
        v = complex(v)
        im = (self.im.format(v.imag) + "j").lstrip()
        # A negative (or "-0.") imaginary part brings its own sign.
        return self.re.format(v.real) + ("" if im[0] in "+-" else "+") + im


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (the formatter is chosen from these only)."""
    if a.ndim == 0:
        return a
    n = a.shape[0]
    if a.ndim == 1:
        return np.concatenate([a[:_EDGEITEMS], a[-_EDGEITEMS:]]) if n > 2 * _EDGEITEMS else a
    rows = list(range(_EDGEITEMS)) + list(range(n - _EDGEITEMS, n)) \
        if n > 2 * _EDGEITEMS else range(n)
    return np.stack([_summarized(a[i]) for i in rows])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, int(math.floor((_LINEWIDTH - indent) / (fmt.width + 2))))
    vals = a.tolist()
    if summarize and len(vals) > 2 * _EDGEITEMS:
        items = [fmt.format(v) for v in vals[:_EDGEITEMS]] + [" ..."] + \
            [fmt.format(v) for v in vals[-_EDGEITEMS:]]
    else:
        items = [fmt.format(v) for v in vals]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    n = a.shape[0]
    if summarize and n > 2 * _EDGEITEMS:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(_EDGEITEMS)] + \
            ["..."] + [_nested(a[i], indent + 1, summarize, fmt)
                       for i in range(n - _EDGEITEMS, n)]
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _with_suffixes(text: str, suffixes: list, indent: int) -> str:
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _LINEWIDTH:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def _host_values(t) -> np.ndarray:
    arr = np.asarray(t._cell.a)
    if t._dtype.is_floating_point:
        return arr.astype(np.float64)
    if arr.dtype != t._dtype.np:
        arr = arr.astype(t._dtype.np)
    return arr


def tensor_repr(t) -> str:
    """torch's ``repr`` of a tensor (also its ``str``)."""
    import jax

    a = t._cell.a
    if isinstance(a, jax.core.Tracer):
        return f"tensor(<traced {tuple(a.shape)}>, dtype={t._dtype})"
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    default = t._dtype in (D.get_default_dtype(), D.default_complex(), D.int64, D.bool_)
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        # No element shows whether an empty tensor is integer: only the default is implied.
        if t._dtype is not D.get_default_dtype():
            suffixes.append(f"dtype={t._dtype}")
    else:
        arr = _host_values(t)
        summarize = arr.size > _THRESHOLD
        kind = _ComplexFormatter if t._dtype.is_complex else _Formatter
        fmt = kind(_summarized(arr) if summarize else arr, t._dtype)
        body = _nested(arr, indent, summarize, fmt)
        if not default:
            suffixes.append(f"dtype={t._dtype}")
    if t._node is not None:
        suffixes.append(f"grad_fn=<{t._node.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
