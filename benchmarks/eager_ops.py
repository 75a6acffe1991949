"""Per-op eager overhead: pytorch_like vs raw jax.numpy vs torch eager, side by side.

Run: python benchmarks/eager_ops.py
Prints median microseconds per call and the ratios; all numbers come from this one run
(absolute times on shared machines drift between runs, ratios are what to compare).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import pytorch_like as pl
from _timing import median_us

try:
    import torch
except ImportError:
    torch = None


def _sync_jax(x):
    x = getattr(x, "_data", x)
    if isinstance(x, jax.Array):
        x.block_until_ready()


def main() -> None:
    rng = np.random.default_rng(0)
    a2, b2 = rng.standard_normal((2, 2), np.float32), rng.standard_normal((2, 2), np.float32)
    a64, b64 = (rng.standard_normal((64, 64), np.float32),
                rng.standard_normal((64, 64), np.float32))
    rows = []

    pa, pb = pl.tensor(a2), pl.tensor(b2)
    ja, jb = jnp.asarray(a2), jnp.asarray(b2)
    if torch:
        ta, tb = torch.tensor(a2), torch.tensor(b2)
    rows.append(("a + b (2x2)", median_us(lambda: pa + pb, sync=_sync_jax),
                 median_us(lambda: ja + jb, sync=_sync_jax),
                 median_us(lambda: ta + tb) if torch else None))

    pa, pb = pl.tensor(a64), pl.tensor(b64)
    ja, jb = jnp.asarray(a64), jnp.asarray(b64)
    if torch:
        ta, tb = torch.tensor(a64), torch.tensor(b64)
    rows.append(("a @ b (64x64)", median_us(lambda: pa @ pb, sync=_sync_jax),
                 median_us(lambda: ja @ jb, sync=_sync_jax),
                 median_us(lambda: ta @ tb) if torch else None))

    x = pl.tensor([[1., 2.], [3., 4.]], requires_grad=True)

    def ours_fb():
        x.grad = None
        (x ** 2).sum().backward()
        return x.grad

    jx = jnp.asarray([[1., 2.], [3., 4.]])
    grad_fn = jax.grad(lambda v: (v ** 2).sum())
    if torch:
        tx = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)

        def torch_fb():
            tx.grad = None
            (tx ** 2).sum().backward()
    rows.append(("(x**2).sum().backward()", median_us(ours_fb, number=100, sync=_sync_jax),
                 median_us(lambda: grad_fn(jx), number=100, sync=_sync_jax),
                 median_us(torch_fb, number=100) if torch else None))

    print(f"{'op':28s} {'pytorch_like':>13s} {'jax eager':>10s} {'torch':>8s}"
          f" {'pl/jax':>7s} {'pl/torch':>9s}   (median us per call)")
    for name, ours, jx_t, th in rows:
        th_s = f"{th:8.1f}" if th is not None else "       -"
        ratio_t = f"{ours / th:9.2f}" if th else "        -"
        print(f"{name:28s} {ours:13.1f} {jx_t:10.1f} {th_s} {ours / jx_t:7.2f} {ratio_t}")
    print("(jax eager for backward = unjitted jax.grad of the same function)")


if __name__ == "__main__":
    main()
