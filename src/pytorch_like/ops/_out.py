"""torch's ``out=`` keyword: write a function's result into a given tensor, in place.

``torch.add(a, b, out=c)`` computes ``a + b``, writes it into ``c`` and returns ``c``. Here a
Tensor is a handle on an immutable array, so "writing into" ``c`` is the same rebind an
in-place op does (:func:`._inplace.rebind`): ``c`` takes the new array, its version counter is
bumped, and every alias sharing its storage (``c.detach()``, ``c.data``) sees the new value.

One helper, :func:`write_out`, does the writing for every function; :func:`install` wraps the
top-level ``torch.<name>`` functions that accept ``out=`` in torch (the ``OUT_FUNCTIONS``
table), leaving the op functions themselves (and so the Tensor methods bound to them, which
refuse ``out=`` in torch too) unchanged and free of the extra call.

torch's rules, mirrored:

- the result must be castable to ``out``'s dtype ("result type Float can't be cast to the
  desired output type Long"); some ops (matrix products, indices of ``sort``/``max``...)
  demand the exact dtype ("Expected out tensor to have dtype float, but got double
  instead");
- an ``out`` of another shape is resized, with torch's deprecation ``UserWarning`` when it had
  elements (factories resize silently; ``arange`` warns in its own words);
- with grad mode on, ``out=`` is refused when an argument (or ``out`` itself) requires grad;
- functions with several results (``max(x, dim)``, ``sort``, ``topk``) take a tuple of tensors
  and return the same named tuple holding those tensors;
- factories (``zeros``, ``arange``, ``randn``...) take ``out``'s dtype when ``dtype`` is not
  given, and refuse a different one.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable

from .. import _dtype as D
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor
from ._inplace import check as _inplace_check
from ._inplace import rebind

# Kinds of out= behaviour. OP: cast the result to out's dtype when torch's casting rules
# allow it. EXACT: out must already have the result's dtype (torch's matmul, gather, and the
# tuple outputs of max/sort/topk check this). FACTORY: out's dtype is the one created.
OP, EXACT, FACTORY, ARANGE = "op", "exact", "factory", "arange"

_POINTWISE = (
    "add sub mul div true_divide floor_divide remainder fmod pow neg abs exp exp2 expm1 log "
    "log2 log10 log1p sqrt rsqrt sin cos tan asin acos atan atan2 sinh cosh tanh sigmoid "
    "sign sgn floor ceil round trunc fix frac reciprocal square clamp clip clamp_min "
    "clamp_max where maximum minimum fmax fmin eq ne lt le gt ge logical_and logical_or "
    "logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not "
    "bitwise_left_shift bitwise_right_shift lerp erf erfc erfinv nan_to_num addcmul addcdiv "
    "signbit hypot logaddexp logaddexp2 subtract multiply divide negative absolute greater "
    "less greater_equal less_equal not_equal arctan2 xlogy heaviside copysign deg2rad "
    "rad2deg logit sinc asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh "
    "lgamma digamma polygamma mvlgamma i0 float_power ldexp gcd lcm nextafter isposinf "
    "isneginf igamma igammac diff polar complex angle")
_REDUCTIONS = (
    "sum mean nansum nanmean prod std var amax amin logsumexp cumsum cumprod logcumsumexp "
    "norm all any quantile nanquantile msort")
# Reductions whose results are indices (exactly int64 in torch) or (values, indices) tuples.
_EXACT_REDUCTIONS = ("max min argmax argmin aminmax median nanmedian mode sort argsort topk "
                     "kthvalue cummax cummin frexp")
_PRODUCTS = "matmul mm bmm mv dot vdot addmm baddbmm addmv inner outer kron tensordot"
_SHAPE = "cat concat concatenate stack hstack vstack dstack column_stack tril triu diag"
_INDEXING = "index_select gather masked_select take_along_dim searchsorted bucketize"
_FACTORIES = "zeros ones empty full linspace logspace eye rand randn randint randperm"

OUT_FUNCTIONS: dict[str, str] = {
    **{n: OP for n in (_POINTWISE + " " + _REDUCTIONS + " " + _SHAPE).split()},
    **{n: EXACT for n in (_EXACT_REDUCTIONS + " " + _PRODUCTS + " " + _INDEXING).split()},
    **{n: FACTORY for n in _FACTORIES.split()},
    "arange": ARANGE,
}

# The C++ scalar-type names torch's exact-dtype message uses.
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


def _c_name(d: D.dtype) -> str:
    return _C_NAMES.get(d.name, d.name)


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _resize_warning(old: tuple, new: tuple) -> None:
    from ..autograd.anomaly_mode import user_stacklevel

    warnings.warn(
        f"An output with one or more elements was resized since it had shape "
        f"{_shape_list(old)}, which does not match the required output shape "
        f"{_shape_list(new)}. This behavior is deprecated, and in a future PyTorch release "
        "outputs will not be resized unless they have zero elements. You can explicitly "
        "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
        UserWarning, stacklevel=user_stacklevel())


def _arange_warning(old: tuple, n: int) -> None:
    from ..autograd.anomaly_mode import user_stacklevel

    numel = 1
    for s in old:
        numel *= int(s)
    warnings.warn(
        f"The number of elements in the out tensor of shape {_shape_list(old)} is {numel} "
        f"which does not match the computed number of elements {n}. Note that this may occur "
        "as a result of rounding error. The out tensor will be resized to a tensor of shape "
        f"({n},).", UserWarning, stacklevel=user_stacklevel())


def _write_one(name: str, out, result: Tensor, kind: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if kind == EXACT and result._dtype is not out._dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_c_name(result._dtype)}, but "
                           f"got {_c_name(out._dtype)} instead")
    old, new = tuple(out._cell.peek().shape), tuple(result._cell.peek().shape)
    if old != new and out.numel() != 0:
        if kind == OP or kind == EXACT:
            _resize_warning(old, new)
        elif kind == ARANGE:
            _arange_warning(old, int(result.numel()))
        # Other factories resize silently, as torch's do.
    # rebind checks castability with torch's message, casts, and bumps the version.
    return rebind(out, result)


# How out= meets autograd. REFUSE: torch's error whenever an input or out requires grad
# (a native op). COMPOSITE: torch copies the result into out with a history (a function
# written in terms of other ops: linalg.norm, special.ndtr), so only an out that is a leaf
# requiring grad is refused. NONE: a function without a gradient; out may even require grad.
REFUSE, COMPOSITE, NONE = "refuse", "composite", "none"


def write_out(name: str, out, result, kind: str = OP, grad: str = REFUSE,
              native: str | None = None):
    """Write ``result`` (a Tensor, or a tuple of them) into ``out`` in place; return ``out``.

    Mirrors torch's ``out=`` handling; ``name`` names the function in error messages,
    ``kind`` is one of ``OP``, ``EXACT``, ``FACTORY``, ``ARANGE`` (see the module docstring)
    and ``grad`` one of ``REFUSE``, ``COMPOSITE``, ``NONE``; ``native`` is the name torch's
    autograd refusal gives instead of ``name`` (the native op a function calls, as in
    ``linalg_inv_ex(): functions with out=...``). A tuple result
    (``torch.return_types.max`` & co.) comes back as the same named tuple holding the
    ``out`` tensors.
    """
    if grad == COMPOSITE and _grad_state.enabled:
        for o in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(o, Tensor):
                _inplace_check(o)  # a leaf that requires grad: torch's in-place error
    elif grad == REFUSE and kind not in (FACTORY, ARANGE) and _grad_state.enabled:
        results = result if isinstance(result, tuple) else (result,)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        # torch refuses out= whenever autograd would have to record the op: an input that
        # requires grad (then our result has a grad_fn) or an out tensor that requires grad.
        if any(isinstance(r, Tensor) and r._node is not None for r in results) or \
                any(isinstance(o, Tensor) and o._rg for o in outs):
            raise RuntimeError(f"{native or name}(): functions with out=... arguments don't "
                               "support automatic differentiation, but one of the arguments "
                               "requires grad.")
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not "
                            f"{type(out).__name__}")
        if len(out) != len(result):
            raise RuntimeError(f"{name}(): expected out to be a tuple of {len(result)} "
                               f"tensors, but got {len(out)}")
        written = []
        for o, r in zip(out, result):  # a loop, not a comprehension: warnings' stacklevel
            written.append(_write_one(name, o, r, EXACT))
        if type(result) is tuple:
            return tuple(written)
        return type(result)(*written)
    return _write_one(name, out, result, kind)


def _with_out(name: str, fn: Callable, kind: str, module: str = "pytorch_like",
              grad: str = REFUSE, native: str | None = None) -> Callable:
    """``fn`` plus torch's keyword-only ``out=``: the wrapper ``module`` exports."""

    @functools.wraps(fn)
    def wrapper(*args: Any, out=None, **kwargs: Any):
        if out is None:
            return fn(*args, **kwargs)
        if kind in (FACTORY, ARANGE):
            if not isinstance(out, Tensor):
                raise TypeError(f"{name}(): argument 'out' must be Tensor, not "
                                f"{type(out).__name__}")
            dtype = kwargs.get("dtype")
            if dtype is None:
                # torch creates the values in out's dtype (arange(5, out=float_t) is float).
                kwargs["dtype"] = out.dtype
            elif D.to_dtype(dtype) is not out.dtype:
                raise RuntimeError(f"dtype {D.type_word(D.to_dtype(dtype))} does not match "
                                   f"dtype of out parameter ({D.type_word(out.dtype)})")
        return write_out(name, out, fn(*args, **kwargs), kind, grad, native)

    # ``module`` is where the wrapper lives: pickle (and repr) should find it there.
    wrapper.__module__, wrapper.__qualname__ = module, name.rsplit(".", 1)[-1]
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return wrapper
    if "out" not in sig.parameters:
        # Show out= in help() and inspect.signature, where torch documents it too.
        params = list(sig.parameters.values())
        new = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
        at = next((i for i, p in enumerate(params) if p.kind == p.VAR_KEYWORD), len(params))
        params.insert(at, new)
        try:
            wrapper.__signature__ = sig.replace(parameters=params)
        except ValueError:
            pass
    return wrapper


def install(namespace: dict) -> None:
    """Replace each ``OUT_FUNCTIONS`` entry of ``namespace`` (the package's globals) with the
    version that accepts ``out=``. Names absent from the namespace are skipped."""
    for name, kind in OUT_FUNCTIONS.items():
        fn = namespace.get(name)
        if fn is not None and callable(fn):
            namespace[name] = _WRAPPERS[id(fn)] = _with_out(name, fn, kind)


def install_table(namespace: dict, table: dict[str, str], prefix: str,
                  grad: dict[str, str] | None = None,
                  native: dict[str, str] | None = None) -> None:
    """Give the functions of a sub-namespace (``torch.linalg``, ``torch.special``) torch's
    ``out=``: each name in ``table`` (name -> kind) is wrapped in place. Error messages
    call the function ``prefix + name`` (``"linalg_inv"``); the wrapper reports
    ``namespace["__name__"]`` as its module. ``grad`` maps names to ``COMPOSITE`` or
    ``NONE`` where torch does not refuse out= for inputs that require grad (default
    ``REFUSE``); ``native`` maps names to the op torch's refusal message names.

    Example (at the end of ``linalg.py``):
        >>> install_table(globals(), {"inv": EXACT, "norm": OP}, "linalg_", {"norm": COMPOSITE})
    """
    module = namespace.get("__name__", "pytorch_like")
    grad, native = grad or {}, native or {}
    for name, kind in table.items():
        fn = namespace[name]  # a name that does not exist is a bug in the table
        namespace[name] = _with_out(prefix + name, fn, kind, module,
                                    grad.get(name, REFUSE), native.get(name))


# id(op function) -> its out= wrapper (the op functions live as long as their modules).
_WRAPPERS: dict = {}


def share(namespace: dict) -> None:
    """Point the names of ``namespace`` that are op functions wrapped by :func:`install` at
    the same wrappers, so aliases stay identical (``torch.special.expit is torch.sigmoid``)
    and take ``out=`` too."""
    for name, fn in list(namespace.items()):
        wrapper = _WRAPPERS.get(id(fn))
        if wrapper is not None:
            namespace[name] = wrapper
