"""The autograd design check: one SGD training step written with pytorch_like tensors
(forward, ``loss.backward()``, in-place update), run eagerly and traced whole under
``jax.jit``, against the same step in pure JAX (``jax.value_and_grad`` + jit).

Run: python benchmarks/autograd_design.py
MLP 784-512-512-10, batch 64, float32. Prints median ms per step and ratios.
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

SIZES = [784, 512, 512, 10]
BATCH = 64
LR = 0.01


def init_params(seed: int = 0):
    rng = np.random.default_rng(seed)
    ps = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        ps.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        ps.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    return ps


def ours_step(params, x, y):
    """The torch way: forward, backward, in-place SGD update."""
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i].t() + params[i + 1]
        if i + 2 < len(params):
            h = h.relu()
    loss = -h.log_softmax(1).gather(1, y.unsqueeze(1)).mean()
    loss.backward()
    with pl.no_grad():
        for p in params:
            p.sub_(LR * p.grad)
            p.grad = None
    return loss


def make_jitted_ours():
    """The same Python step traced whole: every op becomes part of one XLA program."""
    def pure(param_arrays, xa, ya):
        params = [pl.Tensor._make(a, pl.float32, True) for a in param_arrays]
        x, y = pl.Tensor._make(xa, pl.float32), pl.Tensor._make(ya, pl.int64)
        loss = ours_step(params, x, y)
        return [p._data for p in params], loss._data
    return jax.jit(pure, donate_argnums=0)


def pure_jax_step():
    def loss_fn(params, x, y):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h, 1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

    @jax.jit
    def step(params, x, y):
        loss, g = jax.value_and_grad(loss_fn)(params, x, y)
        return [p - LR * gi for p, gi in zip(params, g)], loss
    return jax.jit(step, donate_argnums=0)


def main() -> None:
    rng = np.random.default_rng(1)
    xn = rng.standard_normal((BATCH, 784)).astype(np.float32)
    yn = rng.integers(0, 10, BATCH)
    init = init_params()

    eager_params = [pl.tensor(p, requires_grad=True) for p in init]
    x, y = pl.tensor(xn), pl.tensor(yn)
    t_eager = median_us(lambda: ours_step(eager_params, x, y)._data, number=20, repeat=9,
                        sync=lambda o: o.block_until_ready()) / 1e3

    jitted = make_jitted_ours()
    state = {"p": [jnp.asarray(p) for p in init]}
    xa, ya = jnp.asarray(xn), jnp.asarray(yn, jnp.int32)

    def run_jitted():
        state["p"], loss = jitted(state["p"], xa, ya)
        return loss
    t_jit = median_us(run_jitted, number=20, repeat=9, sync=lambda o: o.block_until_ready()) / 1e3

    pj = pure_jax_step()
    state2 = {"p": [jnp.asarray(p) for p in init]}

    def run_pure():
        state2["p"], loss = pj(state2["p"], xa, ya)
        return loss
    t_pure = median_us(run_pure, number=20, repeat=9, sync=lambda o: o.block_until_ready()) / 1e3

    # Same start, same batch: the traced step must give the pure-JAX losses.
    p1 = [jnp.asarray(p) for p in init]
    p2 = [jnp.asarray(p) for p in init]
    for _ in range(3):
        p1, l1 = jitted(p1, xa, ya)
        p2, l2 = pj(p2, xa, ya)
    assert abs(float(l1) - float(l2)) < 1e-5, (float(l1), float(l2))

    t_torch = None
    if torch is not None:
        tp = [torch.tensor(p, requires_grad=True) for p in init]
        tx, ty = torch.tensor(xn), torch.tensor(yn)

        def torch_step():
            h = tx
            for i in range(0, len(tp), 2):
                h = h @ tp[i].t() + tp[i + 1]
                if i + 2 < len(tp):
                    h = h.relu()
            loss = -h.log_softmax(1).gather(1, ty.unsqueeze(1)).mean()
            loss.backward()
            with torch.no_grad():
                for p in tp:
                    p.sub_(LR * p.grad)
                    p.grad = None
            return loss
        t_torch = median_us(torch_step, number=20, repeat=9) / 1e3

    print("MLP 784-512-512-10, batch 64, SGD: median ms per step")
    print(f"  pytorch_like eager               {t_eager:7.3f}")
    print(f"  pytorch_like step under jax.jit  {t_jit:7.3f}")
    print(f"  pure JAX value_and_grad + jit    {t_pure:7.3f}")
    if t_torch:
        print(f"  torch eager                      {t_torch:7.3f}")
    print(f"  ratios: traced/pure JAX = {t_jit / t_pure:.2f}, eager/pure JAX = "
          f"{t_eager / t_pure:.2f}" + (f", eager/torch = {t_eager / t_torch:.2f}, "
                                       f"traced/torch = {t_jit / t_torch:.2f}" if t_torch else ""))
    print(f"  losses after 3 steps agree: {float(l1):.6f} vs {float(l2):.6f}")


if __name__ == "__main__":
    main()
