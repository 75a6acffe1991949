"""The one parity helper: an op's value and gradients against torch and against jax.vjp.

``check(ours, theirs, *inputs)`` runs ``ours`` (pytorch_like) and ``theirs`` (real torch,
when installed) on the same numpy inputs, compares outputs, then backpropagates the same
random cotangent through both and compares every input's gradient. Where torch is absent
(or with ``check_jax=True``), it checks our autograd engine against ``jax.vjp`` applied to
our forward traced as one pure function, so the gradient test still runs without torch.
"""

from __future__ import annotations

import jax
import numpy as np

import pytorch_like as pl

try:
    import torch
except ImportError:  # parity against torch is skipped; the jax.vjp check still runs
    torch = None


def _is_float(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _np(t) -> np.ndarray:
    if hasattr(t, "detach"):
        t = t.detach()
    if torch is not None and isinstance(t, torch.Tensor):
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    return np.asarray(t)


def check(ours, theirs, *inputs, grad: bool = True, atol: float = 1e-5, rtol: float = 1e-5,
          grad_atol: float | None = None, check_dtype: bool = True, seed: int = 0,
          check_jax: bool = False):
    """Compare ``ours(*tensors)`` with ``theirs(*torch_tensors)``; values and gradients.

    ``inputs`` are numpy arrays (float ones require grad when ``grad``) or other Python
    values passed through unchanged. Gradients are checked against torch when it is
    installed, else (or with ``check_jax=True``) against ``jax.vjp`` of our forward.
    Returns our outputs.
    """
    grad_atol = atol * 10 if grad_atol is None else grad_atol
    rng = np.random.default_rng(seed)

    def wrap(lib, a, rg):
        if isinstance(a, np.ndarray):
            t = lib.tensor(a)
            if rg and _is_float(a):
                t.requires_grad_(True)
            return t
        return a

    ours_in = [wrap(pl, a, grad) for a in inputs]
    out = _outputs(ours(*ours_in))
    diff_out = [o for o in out if isinstance(o, pl.Tensor) and o.dtype.is_floating_point]

    cts = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in diff_out]
    our_grads = None
    if grad and any(isinstance(t, pl.Tensor) and t.requires_grad for t in ours_in) and \
            any(o.requires_grad for o in diff_out):
        loss = None
        for o, c in zip(diff_out, cts):
            term = (o * pl.tensor(c).to(o.dtype)).sum()
            loss = term if loss is None else loss + term
        loss.backward()
        our_grads = [t.grad if isinstance(t, pl.Tensor) and t.requires_grad else None
                     for t in ours_in]
        if torch is None or check_jax:
            # Without torch, jax.vjp of our forward is the reference; with torch the torch
            # comparison below is (each extra check compiles more programs: test time).
            _check_against_jax(ours, inputs, cts, our_grads, grad_atol, rtol)

    if torch is not None and theirs is not None:
        th_in = [wrap(torch, a, grad) for a in inputs]
        th_out = _outputs(theirs(*th_in))
        assert len(th_out) == len(out), f"{len(out)} outputs vs torch's {len(th_out)}"
        for k, (o, t) in enumerate(zip(out, th_out)):
            if isinstance(t, torch.Tensor):
                assert tuple(o.shape) == tuple(t.shape), \
                    f"output {k}: shape {tuple(o.shape)} vs torch {tuple(t.shape)}"
                if check_dtype:
                    assert str(o.dtype) == str(t.dtype), \
                        f"output {k}: dtype {o.dtype} vs torch {t.dtype}"
                np.testing.assert_allclose(_np(o.detach()).astype(np.float64)
                                           if o.dtype.is_floating_point else _np(o.detach()),
                                           _np(t), atol=atol, rtol=rtol,
                                           err_msg=f"output {k} differs from torch")
            else:
                assert o == t, f"output {k}: {o} vs torch {t}"
        if our_grads is not None:
            th_diff = [t for t in th_out if isinstance(t, torch.Tensor) and t.is_floating_point()]
            loss = sum((t * torch.tensor(c).to(t.dtype)).sum() for t, c in zip(th_diff, cts))
            loss.backward()
            for k, (ours_g, t) in enumerate(zip(our_grads, th_in)):
                if ours_g is None:
                    continue
                assert t.grad is not None, f"torch gives no grad for input {k}"
                np.testing.assert_allclose(_np(ours_g), _np(t.grad), atol=grad_atol, rtol=rtol,
                                           err_msg=f"grad of input {k} differs from torch")
    return out


def _check_against_jax(ours, inputs, cts, our_grads, atol, rtol) -> None:
    """Our engine's gradients equal jax.vjp of our forward traced as one pure function."""
    idx = [i for i, a in enumerate(inputs) if _is_float(a) and our_grads[i] is not None]

    def pure(*arrays):
        args = [pl.tensor(a) if isinstance(a, np.ndarray) else a for a in inputs]
        for i, x in zip(idx, arrays):
            args[i] = pl.Tensor._wrap(x, args[i].dtype)
        with pl.no_grad():
            outs = _outputs(ours(*args))
        return [o._data for o in outs if isinstance(o, pl.Tensor) and o.dtype.is_floating_point]

    primals = [jax.numpy.asarray(inputs[i]).astype(our_grads[i]._data.dtype) for i in idx]
    # The vjp's own outputs give the cotangent dtypes (jax.eval_shape would trace like jit,
    # which data-dependent shapes such as mask indexing cannot do).
    outs, pull = jax.vjp(pure, *primals)
    ref = pull([jax.numpy.asarray(c).astype(o.dtype) for c, o in zip(cts, outs)])
    for i, r in zip(idx, ref):
        np.testing.assert_allclose(np.asarray(our_grads[i]._data), np.asarray(r), atol=atol,
                                   rtol=rtol, err_msg=f"grad of input {i} differs from jax.vjp")


def finite_difference(f, x: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """Central differences of a scalar function of a float64 numpy array."""
    g = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1).astype(np.float64)
    for i in range(flat.size):
        up, dn = flat.copy(), flat.copy()
        up[i] += eps
        dn[i] -= eps
        g.reshape(-1)[i] = (f(up.reshape(x.shape)) - f(dn.reshape(x.shape))) / (2 * eps)
    return g


def check_double_backward(ours, theirs, *inputs, atol: float = 1e-4, rtol: float = 1e-4,
                          seed: int = 0):
    """Second-order gradients: ``d/dx <v, d<c, f(x)>/dx>`` for random cotangents ``c``, ``v``.

    The first backward runs with ``create_graph=True`` (``autograd.grad``); the second
    backpropagates ``v`` through those gradients. Compared with torch when installed, and
    always with ``jax.vjp`` of ``jax.vjp`` of our forward traced as one pure function.
    ``inputs``: numpy arrays (float ones require grad) or Python values passed through.
    """
    rng = np.random.default_rng(seed)
    idx = [i for i, a in enumerate(inputs) if _is_float(a)]

    def run(lib, make):
        args = [make(a, i in idx) for i, a in enumerate(inputs)]
        outs = [o for o in _outputs(ours(*args) if lib is pl else theirs(*args))
                if o.dtype.is_floating_point]
        return args, outs

    def ours_make(a, rg):
        return pl.tensor(a).requires_grad_(True) if rg else (
            pl.tensor(a) if isinstance(a, np.ndarray) else a)

    args, outs = run(pl, ours_make)
    cts = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs]
    xs = [args[i] for i in idx]
    firsts = pl.autograd.grad(outs, xs, [pl.tensor(c) for c in cts], create_graph=True,
                              allow_unused=True)
    vs = [rng.standard_normal(tuple(x.shape)).astype(np.float32) for x in xs]
    used = [(g, v) for g, v in zip(firsts, vs) if g is not None and g.requires_grad]
    assert used, "no first-order gradient has a history"
    total = sum((g * pl.tensor(v)).sum() for g, v in used)
    seconds = pl.autograd.grad(total, xs, allow_unused=True, materialize_grads=True)
    for g in firsts:
        assert g is None or g.grad_fn is not None or not g.requires_grad

    # jax: the same quantity as nested vjps of our forward, traced as one pure function.
    def pure(*arrays):
        a = [pl.tensor(v) if isinstance(v, np.ndarray) else v for v in inputs]
        for i, x in zip(idx, arrays):
            a[i] = pl.Tensor._wrap(x)
        with pl.no_grad():
            return [o._data for o in _outputs(ours(*a))
                    if isinstance(o, pl.Tensor) and o.dtype.is_floating_point]

    def first(*arrays):
        _, pull = jax.vjp(pure, *arrays)
        return pull([jax.numpy.asarray(c) for c in cts])

    def inner(*arrays):
        return sum((g * v).sum() for g, v, f in zip(first(*arrays), vs, firsts)
                   if f is not None and f.requires_grad)

    primals = [jax.numpy.asarray(inputs[i]) for i in idx]
    ref = jax.grad(inner, argnums=tuple(range(len(primals))))(*primals)
    for k, (s, r) in enumerate(zip(seconds, ref)):
        np.testing.assert_allclose(_np(s), np.asarray(r), atol=atol, rtol=rtol,
                                   err_msg=f"second-order grad of input {k} differs from jax")

    if torch is not None and theirs is not None:
        def th_make(a, rg):
            return torch.tensor(a).requires_grad_(True) if rg else (
                torch.tensor(a) if isinstance(a, np.ndarray) else a)
        targs, touts = run(torch, th_make)
        txs = [targs[i] for i in idx]
        tfirst = torch.autograd.grad(touts, txs, [torch.tensor(c) for c in cts],
                                     create_graph=True, allow_unused=True)
        for k, (g, t) in enumerate(zip(firsts, tfirst)):
            if g is not None and t is not None:
                np.testing.assert_allclose(_np(g), _np(t), atol=atol, rtol=rtol,
                                           err_msg=f"first-order grad of input {k} differs")
        # A gradient torch builds without a history (a linear op's) adds nothing here.
        terms = [(g * torch.tensor(v)).sum() for g, v in zip(tfirst, vs)
                 if g is not None and g.requires_grad]
        tsec = (torch.autograd.grad(sum(terms), txs, allow_unused=True, materialize_grads=True)
                if terms else [torch.zeros_like(x) for x in txs])
        for k, (s, t) in enumerate(zip(seconds, tsec)):
            np.testing.assert_allclose(_np(s), _np(t), atol=atol, rtol=rtol,
                                       err_msg=f"second-order grad of input {k} differs "
                                               "from torch")
    return seconds


def same_error(ours, theirs) -> None:
    """``ours()`` raises what ``theirs()`` (torch) raises: the same exception type and
    message."""
    import pytest

    with pytest.raises(Exception) as th:
        theirs()
    with pytest.raises(type(th.value)) as us:
        ours()
    assert str(us.value) == str(th.value)


def same_outcome(ours, theirs, compare) -> None:
    """Where torch raises, ``ours()`` raises the same (``same_error``); where it returns,
    ``compare(ours(), theirs())`` checks the results."""
    try:
        expected = theirs()
    except Exception:  # noqa: BLE001 - whatever torch raises, ours must raise alike
        same_error(ours, theirs)
        return
    compare(ours(), expected)
