"""Bessel functions of ``torch.special`` that ``jax.scipy.special`` lacks, in pure JAX.

Written from the mathematics, with float32 accuracy in mind (no float64 is available when
``jax_enable_x64`` is off):

- ``J0``, ``J1``, ``Y0``, ``Y1`` for ``|x| <= _BIG``: Bessel's integral
  ``J_m(x) = (1/2pi) int_0^2pi cos(m t - x sin t) dt`` sampled by the trapezoidal rule, which
  converges geometrically for periodic analytic integrands (the error is the aliased
  ``J_{N-m}(x)``). ``Y0`` and ``Y1`` come from Neumann's series
  ``Y0 = (2/pi)(log(x/2) + gamma) J0 - (4/pi) sum_k (-1)^k J_2k / k`` and its derivative,
  whose ``J_m`` terms are all linear in the same samples ``cos(x sin t_j)``,
  ``sin(x sin t_j)``: each function is two weighted sums with weights computed once here.
- the same four for ``|x| > _BIG``: Hankel's asymptotic expansion, its coefficients
  generated from their product formula; ``cos(x - pi/4)`` is formed from ``cos x`` and
  ``sin x`` so that no rounding of ``x - pi/4`` enters the phase.
- ``K0``, ``K1`` (and ``exp(x) K``): ``K_v(x) = int_0^inf cosh(v t) exp(-x cosh t) dt``,
  again by the trapezoidal rule, which is spectrally accurate for this doubly-exponentially
  decaying integrand; the asymptotic expansion beyond ``_K_BIG``; the leading terms of the
  small-argument expansion below ``_K_SMALL``, where the quadrature's range would overflow.
- ``j0(x) = sin(x) / x`` with its Taylor series near 0.

Special values follow torch: ``J``/``Y`` of an infinity are NaN, ``Y`` of a negative
number is NaN and of 0 is ``-inf``; ``K`` of 0 is ``inf``, of a negative number NaN and of
``inf`` 0; ``j0(+-inf)`` is 0; ``Ai(+-inf)`` is NaN.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

_EULER = 0.57721566490153286061
# log(x/2) is formed as log(x) - log 2: x/2 of the smallest normal x would be flushed to 0.
_LN2 = math.log(2.0)
_BIG = 12.0            # switch from quadrature to Hankel's expansion
_NODES = 96            # trapezoid nodes on [0, 2pi): aliasing J_{96-41}(12) is negligible
_TERMS = 20            # Neumann series terms (J_m with m <= 41)


def _hankel_coeffs(nu: float, count: int) -> list[float]:
    """a_k(nu) = prod_{j<=k} (4nu^2 - (2j-1)^2) / (k! 8^k), k = 0..count-1."""
    mu = 4.0 * nu * nu
    out = [1.0]
    for k in range(1, count):
        out.append(out[-1] * (mu - (2 * k - 1) ** 2) / (k * 8.0))
    return out


_A0 = _hankel_coeffs(0.0, 14)
_A1 = _hankel_coeffs(1.0, 14)


def _trapezoid_weights():
    t = 2 * np.pi * np.arange(_NODES) / _NODES
    s = np.sin(t)

    def weights(coeffs: dict[int, float]):
        # sum_m c_m J_m(x) = sum_j cos(x s_j) alpha_j + sin(x s_j) beta_j
        alpha = sum(c * np.cos(m * t) for m, c in coeffs.items()) / _NODES
        beta = sum(c * np.sin(m * t) for m, c in coeffs.items()) / _NODES
        return alpha, beta

    j0 = weights({0: 1.0})
    j1 = weights({1: 1.0})
    # Neumann tails: Y0 = (2/pi)(log(x/2)+gamma) J0 + sum_m c_m J_m, and Y1 = -Y0'.
    y0 = {2 * k: -(4 / np.pi) * (-1) ** k / k for k in range(1, _TERMS + 1)}
    y1: dict[int, float] = {}
    for k in range(1, _TERMS + 1):
        c = (2 / np.pi) * (-1) ** k / k
        y1[2 * k - 1] = y1.get(2 * k - 1, 0.0) + c
        y1[2 * k + 1] = y1.get(2 * k + 1, 0.0) - c
    return s, j0, j1, weights(y0), weights(y1)


_S, _WJ0, _WJ1, _WY0, _WY1 = _trapezoid_weights()


def _samples(x):
    """cos(x sin t_j), sin(x sin t_j) for the trapezoid nodes, on a new last axis."""
    arg = x[..., None] * jnp.asarray(_S, x.dtype)
    return jnp.cos(arg), jnp.sin(arg)


def _wsum(c, s, w):
    alpha, beta = w
    return jnp.sum(c * jnp.asarray(alpha, c.dtype) + s * jnp.asarray(beta, c.dtype), -1)


def _series(coeffs, inv, start: int, step: int, sign: float):
    """sum_k sign^k coeffs[start + step k] inv^(start + step k), by Horner's rule."""
    idx = list(range(start, len(coeffs), step))
    acc = jnp.zeros_like(inv)
    inv_step = inv ** step
    for j in reversed(range(len(idx))):
        acc = acc * inv_step * sign + coeffs[idx[j]]
    return acc * inv ** start


def _hankel(x, coeffs, quarter: int):
    """(J_nu, Y_nu)(x) for large positive x; the phase is x - (2nu+1) pi/4, nu = quarter."""
    inv = 1 / x
    p = _series(coeffs, inv, 0, 2, -1.0)
    q = _series(coeffs, inv, 1, 2, -1.0)
    c, s = jnp.cos(x), jnp.sin(x)
    h = math.sqrt(0.5)
    if quarter == 0:   # x - pi/4
        cc, ss = (c + s) * h, (s - c) * h
    else:              # x - 3pi/4
        cc, ss = (s - c) * h, -(s + c) * h
    amp = jnp.sqrt(2 / (np.pi * x))
    return amp * (p * cc - q * ss), amp * (p * ss + q * cc)


def _safe(x, lo, hi):
    """x where lo <= |x| <= hi, else a harmless stand-in (where-branches must not NaN)."""
    a = jnp.abs(x)
    return jnp.where((a >= lo) & (a <= hi), a, jnp.asarray(lo if lo > 0 else hi, x.dtype))


def _nan_in(x, out):
    """NaN where x is NaN (the regime selection would otherwise pick a finite stand-in)."""
    return jnp.where(jnp.isnan(x), x, out).astype(x.dtype)


def _small_and_large(x):
    ax = jnp.abs(x)
    small = _safe(ax, 0.0, _BIG)
    large = jnp.where(ax > _BIG, ax, jnp.asarray(2 * _BIG, x.dtype))
    large = jnp.where(jnp.isfinite(large), large, jnp.asarray(2 * _BIG, x.dtype))
    return ax, small, large


def _taylor(x, nu: int):
    """J_nu(x) = (x/2)^nu sum_k (-x^2/4)^k / (k! (k+nu)!) for |x| < _TAYLOR.

    Below 1 the terms fall fast and do not cancel, and it keeps the relative accuracy at
    tiny x that the trapezoid sums (whose weights cancel) cannot."""
    z = -x * x / 4
    acc = jnp.ones_like(x)
    for k in range(8, 0, -1):
        acc = 1 + acc * z / (k * (k + nu))
    return acc if nu == 0 else acc * x * 0.5


_TAYLOR = 1.0


def _j_small(x, c, s, nu: int):
    near = _wsum(c, s, _WJ0 if nu == 0 else _WJ1)
    return jnp.where(x < _TAYLOR, _taylor(x, nu), near)


def bessel_j0(x):
    ax, small, large = _small_and_large(x)
    c, s = _samples(small)
    near = _j_small(small, c, s, 0)
    far, _ = _hankel(large, _A0, 0)
    out = jnp.where(ax <= _BIG, near, far)
    return _nan_in(x, jnp.where(jnp.isinf(x), jnp.nan, out))


def bessel_j1(x):
    ax, small, large = _small_and_large(x)
    c, s = _samples(small)
    near = _j_small(small, c, s, 1)
    far, _ = _hankel(large, _A1, 1)
    out = jnp.where(ax <= _BIG, near, far)
    out = jnp.where(x < 0, -out, out)
    return _nan_in(x, jnp.where(jnp.isinf(x), jnp.nan, out))


def _y_special(x, out):
    out = jnp.where(x == 0, -jnp.inf, out)
    return _nan_in(x, jnp.where((x < 0) | jnp.isinf(x), jnp.nan, out))


def bessel_y0(x):
    ax, small, large = _small_and_large(x)
    small = jnp.where(small > 0, small, jnp.ones_like(small))
    c, s = _samples(small)
    j0 = _j_small(small, c, s, 0)
    near = (2 / np.pi) * (jnp.log(small) + (_EULER - _LN2)) * j0 + _wsum(c, s, _WY0)
    _, far = _hankel(large, _A0, 0)
    return _y_special(x, jnp.where(ax <= _BIG, near, far))


def bessel_y1(x):
    ax, small, large = _small_and_large(x)
    small = jnp.where(small > 0, small, jnp.ones_like(small))
    c, s = _samples(small)
    j0, j1 = _j_small(small, c, s, 0), _j_small(small, c, s, 1)
    near = (2 / np.pi) * ((jnp.log(small) + (_EULER - _LN2)) * j1 - j0 / small) + \
        _wsum(c, s, _WY1)
    _, far = _hankel(large, _A1, 1)
    return _y_special(x, jnp.where(ax <= _BIG, near, far))


# --- modified Bessel functions of the second kind ------------------------------------

_K_SMALL = 1e-3     # below: K0 = -(log(x/2)+gamma)(1+x^2/4) + x^2/4, K1 = 1/x + ...
_K_BIG = 20.0       # above: the asymptotic expansion
_K_NODES = 64       # trapezoid nodes on [0, T]
_K_CUT = 25.0       # T such that x (cosh T - 1) = _K_CUT: the rest is below e^-25


def _k_quad(mid, nu: float):
    """exp(x) K_nu(x) by the trapezoidal rule, for moderate x > 0 (``mid``)."""
    top = 2 * jnp.arcsinh(jnp.sqrt(_K_CUT / (2 * mid)))
    h = top / (_K_NODES - 1)
    k = jnp.arange(_K_NODES, dtype=mid.dtype)
    t = h[..., None] * k
    # exp(-x (cosh t - 1)) with cosh t - 1 = 2 sinh(t/2)^2, free of cancellation.
    f = jnp.exp(-2 * mid[..., None] * jnp.sinh(t / 2) ** 2)
    if nu:
        f = f * jnp.cosh(nu * t)
    w = jnp.where(k == 0, 0.5, 1.0).astype(mid.dtype)
    return h * jnp.sum(f * w, -1)


def _k_asym(big, coeffs):
    """exp(x) K_nu(x) ~ sqrt(pi/2x) sum_k a_k(nu) / x^k for large x."""
    return jnp.sqrt(np.pi / (2 * big)) * _series(coeffs, 1 / big, 0, 1, 1.0)


def _k_scaled(x, nu: int):
    """exp(x) K_nu(x) for x > 0, nu in {0, 1}, all three regimes merged."""
    mid = jnp.where((x >= _K_SMALL) & (x <= _K_BIG), x, jnp.ones_like(x))
    quad = _k_quad(mid, nu)
    big = jnp.where(x > _K_BIG, x, jnp.asarray(2 * _K_BIG, x.dtype))
    big = jnp.where(jnp.isfinite(big), big, jnp.asarray(2 * _K_BIG, x.dtype))
    asym = _k_asym(big, _A0 if nu == 0 else _A1)

    tiny = jnp.where((x < _K_SMALL) & (x > 0), x, jnp.asarray(_K_SMALL / 2, x.dtype))
    lg = jnp.log(tiny) + (_EULER - _LN2)
    if nu == 0:
        near0 = -lg * (1 + tiny * tiny / 4) + tiny * tiny / 4
    else:
        near0 = 1 / tiny + tiny * ((lg - 0.5) / 2)
    # Rescale the small-x values (exp(x) ~ 1 + x there).
    near0 = near0 * jnp.exp(tiny)
    return jnp.where(x < _K_SMALL, near0, jnp.where(x > _K_BIG, asym, quad))


def _k(x, nu: int, scaled: bool):
    val = _k_scaled(x, nu)
    if not scaled:
        safe = jnp.where(jnp.isfinite(x), x, 0)
        val = val * jnp.exp(-safe)
    out = jnp.where(x == 0, jnp.inf, val)
    out = jnp.where(x == jnp.inf, 0, out)
    return _nan_in(x, jnp.where(x < 0, jnp.nan, out))


def modified_bessel_k0(x):
    return _k(x, 0, False)


def modified_bessel_k1(x):
    return _k(x, 1, False)


def scaled_modified_bessel_k0(x):
    return _k(x, 0, True)


def scaled_modified_bessel_k1(x):
    return _k(x, 1, True)


def spherical_bessel_j0(x):
    ax = jnp.abs(x)
    z = x * x
    # sin(x)/x = 1 - x^2/3! + x^4/5! - ...: the division would lose nothing, but 0/0 would.
    taylor = 1 - z / 6 * (1 - z / 20 * (1 - z / 42 * (1 - z / 72)))
    safe = jnp.where(ax < 0.5, jnp.ones_like(x), x)
    out = jnp.where(ax < 0.5, taylor, jnp.sin(safe) / safe)
    return jnp.where(jnp.isinf(x), 0, out).astype(x.dtype)


# --- the Airy function Ai -----------------------------------------------------------------
#
# |x| small: its Maclaurin series. x > 0: Ai(x) = (1/pi) sqrt(x/3) K_{1/3}(zeta), with
# zeta = (2/3) x^{3/2}, by the K quadrature and expansion above. x < 0, moderate:
# Ai(-x) = (sqrt(x)/3) (J_{1/3} + J_{-1/3})(zeta), the sum from Schlafli's integral
# (2/pi) int_0^pi cos(t/3) cos(zeta sin t) dt + (sqrt3/pi) int_0^inf exp(-zeta sinh t)
# sinh(t/3) dt, both by Gauss-Legendre quadrature. x < 0, large: the oscillatory
# expansion, with zeta carried in two floats so the phase keeps float32 accuracy.

_AI_SERIES_LO, _AI_SERIES_HI = -2.0, 1.0
_AI_NEG = 7.0
_GL_NODES = 48
_AI0 = 1 / (3 ** (2 / 3) * math.gamma(2 / 3))      # Ai(0)
_AIP0 = 1 / (3 ** (1 / 3) * math.gamma(1 / 3))     # -Ai'(0)
_A13 = _hankel_coeffs(1 / 3, 14)


def _airy_u(count: int) -> list[float]:
    """u_k = (2k+1)(2k+3)...(6k-1) / (216^k k!), the coefficients of Ai's expansions."""
    out = [1.0]
    for k in range(1, count):
        out.append(out[-1] * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k))
    return out


_U = _airy_u(12)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_NODES)


def _airy_maclaurin(x):
    # Ai = Ai(0) f(x) - (-Ai'(0)) g(x), f = sum 3^k (1/3)_k x^3k / (3k)!,
    # g = sum 3^k (2/3)_k x^(3k+1) / (3k+1)!; term ratios give Horner's nesting.
    z = x * x * x
    f = jnp.ones_like(x)
    g = jnp.ones_like(x)
    for k in range(12, 0, -1):
        f = 1 + f * z / ((3 * k - 1) * (3 * k))
        g = 1 + g * z / ((3 * k) * (3 * k + 1))
    return _AI0 * f - _AIP0 * g * x


def _split(a):
    c = 4097.0 * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    """a * b = p + e exactly (Dekker), for float32 a, b."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _zeta2(x):
    """(2/3) x^{3/2} as hi + lo, accurate beyond one float's precision."""
    s = jnp.sqrt(x)
    ss, se = _two_prod(s, s)
    ds = ((x - ss) - se) / (2 * s)
    p, e = _two_prod(x, s)
    e = e + x * ds
    c_hi = np.float32(2.0 / 3.0)
    c_lo = np.float32(2.0 / 3.0 - float(c_hi))
    hi, err = _two_prod(jnp.asarray(c_hi, x.dtype), p)
    return hi, err + c_hi * e + c_lo * p


def _airy_negative_far(x):
    """Ai(-x) for large x > 0."""
    zh, zl = _zeta2(x)
    if x.dtype == jnp.float64:
        zh, zl = (2.0 / 3.0) * x * jnp.sqrt(x), jnp.zeros_like(x)
    c, s = jnp.cos(zh), jnp.sin(zh)
    c, s = c - zl * s, s + zl * c
    h = math.sqrt(0.5)
    cp, sp = (c + s) * h, (s - c) * h          # cos, sin of zeta - pi/4
    inv = 1 / (zh + zl)
    p = _series(_U, inv, 0, 2, -1.0)
    q = _series(_U, inv, 1, 2, -1.0)
    return (cp * p + sp * q) / (math.sqrt(math.pi) * jnp.sqrt(jnp.sqrt(x)))


def _airy_negative_mid(x):
    """Ai(-x) for moderate x > 0, by Schlafli's integral."""
    z = (2.0 / 3.0) * x * jnp.sqrt(x)
    th = jnp.asarray((_GL_X + 1) * (np.pi / 2), x.dtype)
    w = jnp.asarray(_GL_W * (np.pi / 2), x.dtype)
    first = jnp.sum(w * jnp.cos(th / 3) * jnp.cos(z[..., None] * jnp.sin(th)), -1)
    top = jnp.arcsinh(40 / z)
    t = top[..., None] * jnp.asarray((_GL_X + 1) / 2, x.dtype)
    tail = jnp.sum(jnp.asarray(_GL_W / 2, x.dtype) * jnp.exp(-z[..., None] * jnp.sinh(t)) *
                   jnp.sinh(t / 3), -1) * top
    return (jnp.sqrt(x) / 3) * ((2 / np.pi) * first + (math.sqrt(3) / np.pi) * tail)


def _airy_positive(x):
    """Ai(x) for x > _AI_SERIES_HI."""
    z = (2.0 / 3.0) * x * jnp.sqrt(x)
    mid = jnp.where(z <= _K_BIG, z, jnp.ones_like(z))
    big = jnp.where(z > _K_BIG, z, jnp.asarray(2 * _K_BIG, x.dtype))
    scaled = jnp.where(z <= _K_BIG, _k_quad(mid, 1 / 3), _k_asym(big, _A13))
    return (1 / np.pi) * jnp.sqrt(x / 3) * jnp.exp(-z) * scaled


def airy_ai(x):
    series = _airy_maclaurin(jnp.clip(x, _AI_SERIES_LO, _AI_SERIES_HI))
    pos = _airy_positive(jnp.where(x > _AI_SERIES_HI, x, 2.0).astype(x.dtype))
    ax = -x
    mid = _airy_negative_mid(jnp.where((ax > -_AI_SERIES_LO) & (ax <= _AI_NEG), ax,
                                       3.0).astype(x.dtype))
    far = _airy_negative_far(jnp.where((ax > _AI_NEG) & jnp.isfinite(ax), ax,
                                       2 * _AI_NEG).astype(x.dtype))
    out = jnp.where(x > _AI_SERIES_HI, pos, series)
    out = jnp.where(ax > -_AI_SERIES_LO, mid, out)
    out = jnp.where(ax > _AI_NEG, far, out)
    return _nan_in(x, jnp.where(jnp.isinf(x), jnp.nan, out))
