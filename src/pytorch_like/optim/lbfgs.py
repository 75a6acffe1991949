"""``LBFGS``: limited-memory BFGS with an optional strong-Wolfe line search.

Mirrors ``torch.optim.LBFGS`` (the algorithm of torch's implementation, after minFunc):
``step(closure)`` re-evaluates the loss through ``closure`` up to ``max_eval`` times,
keeps the last ``history_size`` curvature pairs for the two-loop recursion, takes a first
step of ``min(1, 1/|g|_1) * lr``, and stops on ``tolerance_grad`` / ``tolerance_change``.
One param group only, as in torch. The control flow reads values on the host (the loss and
the curvature tests), so ``step`` runs eagerly: inside ``compile`` it raises the usual
error about reading a value.

Example (PyTorch's neural-style tutorial):
    >>> opt = torch.optim.LBFGS([input_img])
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = style_loss(input_img)
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure)
"""

from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                   bounds: tuple | None = None) -> float:
    """Minimiser of the cubic through two points with values and slopes, clipped to
    ``bounds`` (default: between the points); the midpoint when the cubic has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = disc ** 0.5
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _array(x):
    return x._cell.a if isinstance(x, Tensor) else x


def _dot(a, b) -> float:
    return float(jnp.dot(a, b))


def _strong_wolfe(evaluate: Callable, t: float, d, f: float, g, gtd: float,
                  c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25):
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions (bracket, then zoom
    with cubic interpolation). Returns ``(loss, flat_grad, t, evaluations)``."""
    d_norm = float(jnp.max(jnp.abs(d)))
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [[t, f_new, g_new, gtd_new]]
            done = True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        step_lo, step_hi = t + 0.01 * (t - t_prev), t * 10
        t_next = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                bounds=(step_lo, step_hi))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    else:
        bracket = [[0.0, f, g, gtd], [t, f_new, g_new, gtd_new]]

    # Zoom: shrink the bracket until a point satisfies both conditions.
    low, high = (0, 1) if len(bracket) == 1 or bracket[0][1] <= bracket[-1][1] else (1, 0)
    stalled = False
    while not done and ls_iter < max_ls:
        (a, fa, _, ga), (b, fb, _, gb) = bracket
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(a, fa, ga, b, fb, gb)
        top, bottom = max(a, b), min(a, b)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            # Too close to an end: move away from it, unless the last step was fine.
            if stalled or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new, gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = list(bracket[low])
            bracket[low] = [t, f_new, g_new, gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    """L-BFGS; mirrors ``torch.optim.LBFGS`` (see the module docstring).

    ``line_search_fn``: None (fixed step ``lr``) or ``'strong_wolfe'``.
    """

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        parts = [jnp.zeros(p.numel(), p._cell.peek().dtype) if p._grad is None
                 else p._grad._cell.a.reshape(-1) for p in self._params]
        return jnp.concatenate(parts)

    def _add_to_params(self, t: float, d) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(Tensor._make(d[offset:offset + n].reshape(p._cell.peek().shape), p._dtype),
                   alpha=t)
            offset += n

    def _values(self) -> list:
        return [p._cell.a for p in self._params]

    def _restore(self, values: list) -> None:
        for p, v in zip(self._params, values):
            p.copy_(Tensor._make(v, p._dtype))

    @no_grad()
    def step(self, closure: Callable) -> Tensor:
        """One L-BFGS step: up to ``max_iter`` iterations, ``closure`` re-evaluates the loss
        (it must call ``zero_grad`` and ``backward``). Returns the first loss."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure that re-evaluates the model")
        closure = enable_grad()(closure)
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        line_search = group["line_search_fn"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(jnp.max(jnp.abs(g))) <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        dirs, steps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        # The state keeps Tensors (as torch's does, for state_dict); the work uses arrays.
        d, prev_g = _array(d), _array(prev_g)
        if dirs is not None:
            dirs, steps = [_array(a) for a in dirs], [_array(a) for a in steps]
            ro = list(ro)
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                dirs, steps, ro, h_diag = [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = _dot(y, s)
                if ys > 1e-10:
                    if len(dirs) == history:
                        dirs.pop(0)
                        steps.pop(0)
                        ro.pop(0)
                    dirs.append(y)
                    steps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                # Two-loop recursion: d = -H g with the stored curvature pairs.
                q = -g
                alphas = [0.0] * len(dirs)
                for i in range(len(dirs) - 1, -1, -1):
                    alphas[i] = _dot(steps[i], q) * ro[i]
                    q = q - alphas[i] * dirs[i]
                r = q * h_diag
                for i in range(len(dirs)):
                    beta = _dot(dirs[i], r) * ro[i]
                    r = r + (alphas[i] - beta) * steps[i]
                d = r
            prev_g = g
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(jnp.sum(jnp.abs(g)))) * lr
            else:
                t = lr
            gtd = _dot(g, d)
            if gtd > -tol_change:
                break

            ls_evals = 0
            if line_search is not None:
                if line_search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                start = self._values()

                def evaluate(step, start=start, direction=d):
                    self._add_to_params(step, direction)
                    value = float(closure())
                    grad = self._flat_grad()
                    self._restore(start)
                    return value, grad

                loss, g, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, g, gtd)
                self._add_to_params(t, d)
                converged = float(jnp.max(jnp.abs(g))) <= tol_grad
            else:
                self._add_to_params(t, d)
                converged = False
                if n_iter != max_iter:
                    loss = float(closure())
                    g = self._flat_grad()
                    converged = float(jnp.max(jnp.abs(g))) <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if float(jnp.max(jnp.abs(d * t))) <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break

        def wrap(a):
            return None if a is None else Tensor._wrap(a)
        state.update(d=wrap(d), t=t, old_dirs=[wrap(a) for a in dirs],
                     old_stps=[wrap(a) for a in steps], ro=ro, H_diag=h_diag,
                     prev_flat_grad=wrap(prev_g), prev_loss=prev_loss)
        return orig_loss
