"""Classical orthogonal polynomials of ``torch.special``, evaluated by their three-term
recurrences (pure JAX, so they trace into jitted programs).

Every function takes ``(x, n)`` arrays (or Python scalars) of one floating dtype and
returns ``p_n(x)`` elementwise with broadcasting. ``n`` is truncated towards zero, as torch
converts it to an integer; ``n < 0`` gives 0. The recurrence runs ``max(n)`` steps in a
``lax.fori_loop`` whose bound is a traced value, so one compiled program serves every ``n``;
each element keeps the term whose degree equals its own ``n``.

The Chebyshev polynomials of the first kind use ``cos(n * acos(x))`` inside ``(-1, 1)`` for
degrees above 32, so a large ``n`` costs no long loop; below that the recurrence is the more
accurate in float32 (the rounding of ``n * acos(x)`` costs up to ``n`` ulps of phase).
"""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp
from jax import lax

# A step maps (k, x, p_{k-1}, p_k) to p_{k+1}; k is the float degree of p_k.
Step = Callable


def _prepare(x, n):
    x = jnp.asarray(x)
    n = jnp.asarray(n)
    dt = x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else n.dtype
    if not jnp.issubdtype(dt, jnp.floating):
        dt = jnp.float32
    x = x.astype(dt)
    # torch converts n to an integer; NaN ends up negative there (so the result is 0).
    n = jnp.where(jnp.isnan(n), -1, jnp.trunc(n)) if jnp.issubdtype(n.dtype, jnp.floating) \
        else n
    n = n.astype(dt)
    shape = jnp.broadcast_shapes(x.shape, n.shape)
    return jnp.broadcast_to(x, shape), jnp.broadcast_to(n, shape)


def _recurrence(x, n, first: Callable, step: Step, needs=None):
    """p_n(x) from p_0 = 1, p_1 = first(x) and p_{k+1} = step(k, x, p_{k-1}, p_k).

    ``needs`` (a boolean array) marks the elements whose value must come from the
    recurrence; the loop length is the largest ``n`` among them.
    """
    one = jnp.ones_like(x)
    p1 = first(x)
    res = jnp.where(n == 0, one, jnp.where(n == 1, p1, jnp.zeros_like(x)))
    active = n if needs is None else jnp.where(needs, n, 0)
    if x.size == 0:
        return res
    top = jnp.max(active).astype(jnp.int32)

    def body(k, carry):
        prev, cur, res = carry
        kf = k.astype(x.dtype)
        nxt = step(kf, x, prev, cur)
        return cur, nxt, jnp.where(n == kf + 1, nxt, res)

    _, _, res = lax.fori_loop(1, top, body, (one, p1, res))
    return res


def _cheb_step(k, x, prev, cur):
    return 2 * x * cur - prev


def chebyshev_t(x, n):
    x, n = _prepare(x, n)
    inside = jnp.abs(x) < 1
    trig = inside & (n > 32)
    rec = _recurrence(x, n, lambda t: t, _cheb_step, needs=~trig)
    closed = jnp.cos(n * jnp.arccos(jnp.clip(x, -1, 1)))
    out = jnp.where(trig, closed, rec)
    # At |x| == 1 the values are exactly +-1 (the recurrence would round there).
    edge = jnp.where((x > 0) | (jnp.fmod(n, 2) == 0), 1.0, -1.0).astype(x.dtype)
    out = jnp.where(jnp.abs(x) == 1, edge, out)
    return jnp.where(n < 0, 0, out).astype(x.dtype)


def _chebyshev(first: Callable) -> Callable:
    def fn(x, n):
        x, n = _prepare(x, n)
        out = _recurrence(x, n, first, _cheb_step)
        return jnp.where(n < 0, 0, out).astype(x.dtype)
    return fn


chebyshev_u = _chebyshev(lambda x: 2 * x)
chebyshev_v = _chebyshev(lambda x: 2 * x - 1)
chebyshev_w = _chebyshev(lambda x: 2 * x + 1)


def _shifted(fn: Callable) -> Callable:
    def shifted(x, n):
        x, n = _prepare(x, n)
        return fn(2 * x - 1, n)
    return shifted


shifted_chebyshev_t = _shifted(chebyshev_t)
shifted_chebyshev_u = _shifted(chebyshev_u)
shifted_chebyshev_v = _shifted(chebyshev_v)
shifted_chebyshev_w = _shifted(chebyshev_w)


def _simple(first: Callable, step: Step) -> Callable:
    def fn(x, n):
        x, n = _prepare(x, n)
        out = _recurrence(x, n, first, step)
        return jnp.where(n < 0, 0, out).astype(x.dtype)
    return fn


# H_{k+1} = 2x H_k - 2k H_{k-1} (physicists'); He_{k+1} = x He_k - k He_{k-1}
# (probabilists'); (k+1) L_{k+1} = (2k+1-x) L_k - k L_{k-1};
# (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}.
hermite_h = _simple(lambda x: 2 * x, lambda k, x, a, b: 2 * x * b - 2 * k * a)
hermite_he = _simple(lambda x: x, lambda k, x, a, b: x * b - k * a)
laguerre_l = _simple(lambda x: 1 - x,
                     lambda k, x, a, b: ((2 * k + 1 - x) * b - k * a) / (k + 1))
legendre_p = _simple(lambda x: x, lambda k, x, a, b: ((2 * k + 1) * x * b - k * a) / (k + 1))
