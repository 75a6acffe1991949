"""``repr(tensor)`` in torch's style: ``tensor([[1., 2.], ...], requires_grad=True)``."""

from __future__ import annotations

import numpy as np

from . import _dtype as D


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.4f}"
    absf = np.abs(finite)
    nonzero = absf[absf > 0]
    ints = np.all(np.floor(finite) == finite)
    if ints:
        if nonzero.size and (nonzero.max() >= 1e8):
            return lambda v: _special(v) or f"{v:.4e}"
        width = max(len(f"{v:.0f}.") for v in finite)
        return lambda v: (_special(v) or f"{v:.0f}.").rjust(width)
    lo = nonzero.min() if nonzero.size else 0.0
    hi = absf.max()
    if hi >= 1e8 or (lo and lo < 1e-4) or (lo and hi / lo > 1000.0):
        width = max(len(f"{v:.4e}") for v in finite)
        return lambda v: (_special(v) or f"{v:.4e}").rjust(width)
    width = max(len(f"{v:.4f}") for v in finite)
    return lambda v: (_special(v) or f"{v:.4f}").rjust(width)


def _special(v) -> str | None:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _body(arr: np.ndarray, dtype: D.dtype, indent: int) -> str:
    if dtype is D.bool_:
        fmt = {"bool": lambda v: "True" if v else "False"}
    elif dtype.is_floating_point:
        vals = arr.astype(np.float64)
        f = _float_formatter(vals.reshape(-1))
        fmt = {"float_kind": f}
        arr = vals
    elif dtype.is_complex:
        fmt = {"complex_kind": lambda v: f"{v.real:.4f}{v.imag:+.4f}j"}
    else:
        width = max((len(str(v)) for v in arr.reshape(-1)), default=1)
        fmt = {"int": lambda v: str(v).rjust(width)}
    summarize = arr.size > 1000
    return np.array2string(arr, separator=", ", prefix=" " * indent, formatter=fmt,
                           threshold=1000 if summarize else arr.size + 1, edgeitems=3,
                           max_line_width=80)


def tensor_repr(t) -> str:
    a = t._cell.a
    import jax

    if isinstance(a, jax.core.Tracer):
        return f"tensor(<traced {tuple(a.shape)}>, dtype={t._dtype})"
    arr = np.asarray(a)
    if arr.dtype != t._dtype.np and t._dtype is not D.bfloat16:
        arr = arr.astype(t._dtype.np)
    if t._dtype in (D.bfloat16, D.float16):
        arr = arr.astype(np.float32)
    prefix = "tensor("
    if arr.size == 0:
        body = "[]" if arr.ndim == 1 else f"[], size=({', '.join(map(str, arr.shape))},)" \
            if arr.ndim == 1 else f"[], size={tuple(arr.shape)}"
    else:
        body = _body(arr, t._dtype, len(prefix))
    extras = []
    default = {D.get_default_dtype(), D.int64, D.bool_}
    if t._dtype not in default or (arr.size == 0 and t._dtype is not D.get_default_dtype()):
        extras.append(f"dtype={t._dtype}")
    dev = t.device
    if dev.type != "cpu":
        extras.insert(0, f"device='{dev}'")
    if t._node is not None:
        extras.append(f"grad_fn=<{t._node.name()}>")
    elif t._rg:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
