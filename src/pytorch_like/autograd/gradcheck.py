"""``torch.autograd.gradcheck`` and ``gradgradcheck``: the library's backward against finite
differences.

Mirrors torch's slow (full-Jacobian) check. The numerical Jacobian comes from central
differences ``(f(x + eps) - f(x - eps)) / 2 eps``, one input element at a time; the analytical
one from one ``autograd.grad`` per output element, computed twice to check that backward is
reentrant. Where JAX can batch the function (and its backward), all the perturbed
evaluations (all the backward passes) run under one ``jax.vmap`` as one compiled program;
otherwise one by one. A compiled program is deterministic, so the reentrancy check then
cannot see Python-level randomness in a custom backward.
Layout, tolerances (``allclose(analytical, numerical, rtol, atol)``), the warning for
inputs that are not double precision and the ``GradcheckError`` messages are torch's.

float64 tensors are stored as float32 while JAX's 64-bit mode is off (docs/decisions/
002-int64.md), which would make ``eps=1e-6`` differences meaningless, so the check runs with
64-bit mode switched on for its duration: float64 inputs are re-stored in float64 and the
function computes in double precision, as torch's does (tensors the function captures keep the
values they were stored with). Deliberate differences: complex inputs and outputs are not
supported; ``fast_mode`` runs the full check (same verdict, slower); ``check_undefined_grad``,
``check_batched_grad`` and the forward-mode options are accepted and not performed; the
non-reentrant error ends with a shorter note than torch's.

Example:
    >>> x = torch.randn(3, dtype=torch.double, requires_grad=True)
    >>> torch.autograd.gradcheck(torch.sin, (x,))
    True
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Mirrors ``torch.autograd.gradcheck.GradcheckError``: raised by ``gradcheck`` and
    ``gradgradcheck`` when a check fails."""


_NONDET_NOTE = """\n
NOTE: If your op relies on non-deterministic operations, this failure might be expected:
call gradcheck/gradgradcheck with `nondet_tol=<tol>` as a keyword argument.
"""


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x) -> bool:
    from ..tensor import Tensor

    return isinstance(x, Tensor)


def _double(t):
    """``t`` stored at its logical precision (64-bit mode is on): a fresh leaf."""
    from ..tensor import Tensor

    a = jnp.asarray(t._cell.a).astype(t._dtype.storage)
    return Tensor._make(a, t._dtype, t._rg)


def _numerical(func: Callable, inputs: tuple, diff_idx: list, n_outputs: int,
               eps: float) -> list:
    """``jac[j][i]``: d output i / d input diff_idx[j], shape (input numel, output numel)."""
    jac = []
    for j in diff_idx:
        x = inputs[j]
        base = np.asarray(x._cell.a)
        n = base.size
        # Row 2k is element k moved by +eps, row 2k+1 by -eps.
        moved = np.repeat(base.reshape(1, -1), 2 * n, axis=0)
        steps = np.arange(n)
        moved[2 * steps, steps] += eps
        moved[2 * steps + 1, steps] -= eps
        moved = moved.reshape((2 * n,) + base.shape)
        outs = _evaluate(func, inputs, j, moved, n_outputs)
        jac.append([None if o is None else (o[0::2] - o[1::2]) / (2 * eps) for o in outs])
    return jac


def _evaluate(func: Callable, inputs: tuple, j: int, moved: np.ndarray, n_outputs: int) -> list:
    """The flattened outputs of ``func`` with input ``j`` replaced by each row of ``moved``:
    all rows at once under ``jax.vmap`` where the function allows it, else one by one."""
    from ..tensor import Tensor

    x = inputs[j]
    kinds: list = []

    def one(a):
        args = list(inputs)
        # Grad mode and requires_grad as the caller has them: gradgradcheck's function
        # differentiates inside itself.
        args[j] = Tensor._make(a, x._dtype, x._rg)
        outs = _as_tuple(func(*args))
        kinds[:] = [_is_tensor(o) for o in outs]
        return [o._cell.a.reshape(-1) for o in outs if _is_tensor(o)]

    try:
        rows = [np.asarray(b, dtype=np.float64) for b in _batched(one, jnp.asarray(moved))]
    except Exception:  # a function JAX cannot batch (Python control flow on values, .item())
        per_row = [[np.asarray(o, dtype=np.float64) for o in one(jnp.asarray(m))]
                   for m in moved]
        rows = [np.stack(col) for col in zip(*per_row)]
    it = iter(rows)
    out = [next(it) if k else None for k in kinds]
    return out + [None] * (n_outputs - len(out))


def _batched(one: Callable, rows) -> list:
    """``one`` mapped over ``rows`` by ``jax.vmap``, traced once and run as one compiled
    program (cached by the program's text, like ``torch.func``'s transforms)."""
    from ..func import _program

    closed = jax.make_jaxpr(jax.vmap(one))(rows)
    return _program(closed.jaxpr)(list(closed.consts), rows)


def _analytical(output, diff_inputs: list) -> tuple[list, list]:
    """``jac[j]``: d output / d input j, shape (input numel, output numel), by one backward
    per output element, plus each input's gradient for a zero output gradient (which must be
    zero). All at once under ``jax.vmap`` where the backward allows it."""
    from ..tensor import Tensor
    from . import grad

    n = output.numel()
    storage = output._cell.a
    cts = jnp.concatenate([jnp.eye(n, dtype=storage.dtype), jnp.zeros((1, n), storage.dtype)])
    cts = cts.reshape((n + 1,) + storage.shape)

    def one(ct):
        got = grad(output, diff_inputs, Tensor._make(ct, output._dtype), retain_graph=True,
                   allow_unused=True)
        return [jnp.zeros(x.numel(), storage.dtype) if g is None else g._cell.a.reshape(-1)
                for g, x in zip(got, diff_inputs)]

    try:
        rows = [np.asarray(r, dtype=np.float64) for r in _batched(one, cts)]
    except Exception:  # a backward JAX cannot batch
        per_row = [[np.asarray(r, dtype=np.float64) for r in one(ct)] for ct in cts]
        rows = [np.stack(col) for col in zip(*per_row)]
    return [r[:n].T for r in rows], [r[n] for r in rows]


def _jacobian_tensor(a: np.ndarray, dtype):
    from ..tensor import Tensor

    return Tensor._make(jnp.asarray(a).astype(dtype.storage), dtype)


def _run_check(func: Callable, inputs: tuple, eps: float, atol: float, rtol: float,
               nondet_tol: float) -> None:
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    diff_inputs = [inputs[i] for i in diff_idx]
    outs = _as_tuple(func(*inputs))
    outputs = [o for o in outs if _is_tensor(o) and o.requires_grad]
    numerical = _numerical(func, inputs, diff_idx, len(outs), eps)
    if not outputs:
        for per_input in numerical:
            for jac in per_input:
                if jac is not None and np.any(jac != 0):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    diff_out_pos = [k for k, o in enumerate(outs) if _is_tensor(o) and o.requires_grad]
    for i, (k, out) in enumerate(zip(diff_out_pos, outputs)):
        first, at_zero = _analytical(out, diff_inputs)
        second, _ = _analytical(out, diff_inputs)
        if any(np.any(g != 0) for g in at_zero):
            raise GradcheckError("backward not multiplied by grad_output")
        for j, (a, x) in enumerate(zip(first, diff_inputs)):
            n = numerical[j][k]
            if n is None:
                n = np.zeros_like(a)
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                    f"numerical:{_jacobian_tensor(n, x.dtype)}\n"
                    f"analytical:{_jacobian_tensor(a, x.dtype)}\n")
        for a1, a2 in zip(first, second):
            if a1.size and np.max(np.abs(a1 - a2)) > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and "
                    "grad_output multiple times gives different values, although analytical "
                    "gradient matches numerical gradient.The tolerance for nondeterminism was "
                    f"{nondet_tol}." + _NONDET_NOTE)


def _prepare(inputs) -> tuple:
    tupled = _as_tuple(inputs)
    if not any(_is_tensor(x) and x.requires_grad for x in tupled):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    for idx, x in enumerate(tupled):
        if _is_tensor(x) and x.requires_grad and x.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ",
                          stacklevel=3)
    return tupled


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Mirrors ``torch.autograd.gradcheck``: True when the backward of ``func`` at ``inputs``
    matches finite differences for every output and every input that requires grad;
    otherwise raises ``GradcheckError`` (or returns False with ``raise_exception=False``).

    Example:
        >>> x = torch.randn(3, dtype=torch.double, requires_grad=True)
        >>> torch.autograd.gradcheck(lambda t: (t * t).sum(), (x,), eps=1e-6, atol=1e-4)
        True
    """
    tupled = _prepare(inputs)
    if not check_backward_ad:
        return True
    with jax.enable_x64(True):
        work = tuple(_double(x) if _is_tensor(x) else x for x in tupled)
        try:
            _run_check(func, work, eps, atol, rtol, nondet_tol)
        except GradcheckError:
            if raise_exception:
                raise
            return False
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Any,
                  grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """Mirrors ``torch.autograd.gradgradcheck``: ``gradcheck`` of the function
    ``(inputs, grad_outputs) -> autograd.grad(func(inputs), inputs, grad_outputs,
    create_graph=True)``, so second derivatives are checked against finite differences of
    the first. Without ``grad_outputs``, random ones in [-1, 1) are drawn from the global
    generator.

    Example:
        >>> x = torch.randn(3, dtype=torch.double, requires_grad=True)
        >>> torch.autograd.gradgradcheck(torch.sin, (x,))
        True
    """
    from . import grad
    from ..ops.creation import rand

    tupled = _prepare(inputs)
    if not check_rev_over_rev:
        return True
    with jax.enable_x64(True):
        work = tuple(_double(x) if _is_tensor(x) else x for x in tupled)
        outs = _as_tuple(func(*work))
        diff_outs = [o for o in outs if _is_tensor(o) and o.requires_grad]
        if grad_outputs is None:
            gos = tuple((rand(tuple(o.shape), dtype=o.dtype) * 2 - 1).requires_grad_(True)
                        for o in diff_outs)
        else:
            gos = tuple(_double(g) if _is_tensor(g) else g for g in _as_tuple(grad_outputs))
        n_in = len(work)
        diff_pos = [i for i, x in enumerate(work) if _is_tensor(x) and x.requires_grad]

        def first_derivative(*xs: Sequence):
            ins, gs = xs[:n_in], xs[n_in:]
            o = [t for t in _as_tuple(func(*ins)) if _is_tensor(t) and t.requires_grad]
            got = grad(o, [ins[i] for i in diff_pos], list(gs), create_graph=True,
                       allow_unused=True)
            return tuple(g for g in got if g is not None)

        try:
            _run_check(first_derivative, work + gos, eps, atol, rtol, nondet_tol)
        except GradcheckError:
            if raise_exception:
                raise
            return False
    return True
