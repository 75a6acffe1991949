"""Per-call overhead of ``pytorch_like.compile`` on a tiny model, where dispatch dominates.

Run: python benchmarks/compile_overhead.py
Compares a compiled torch-style SGD step of a 4-2 linear model with the same step
hand-written in JAX (jit with donation), and with a trivial jitted call, all in one run.
The difference is the Python work compile adds per call (state walk, cache key, write-back).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import pytorch_like as pl
import pytorch_like.nn.functional as F
from _timing import median_us


def main() -> None:
    pl.manual_seed(0)
    model = pl.nn.Linear(4, 2)
    opt = pl.optim.SGD(model.parameters(), lr=0.1)

    @pl.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x, y = pl.randn(8, 4), pl.randint(0, 2, (8,))
    ours = median_us(lambda: step(x, y)._data, number=300,
                     sync=lambda a: a.block_until_ready())

    w, b = jnp.asarray(model.weight.detach().numpy()), jnp.asarray(model.bias.detach().numpy())
    xa, ya = x._data, y._data

    def loss_fn(p, xa, ya):
        logits = xa @ p[0].T + p[1]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), ya[:, None], 1))

    @jax.jit
    def raw(p, xa, ya):
        loss, g = jax.value_and_grad(loss_fn)(p, xa, ya)
        return [a - 0.1 * ga for a, ga in zip(p, g)], loss

    raw = jax.jit(raw, donate_argnums=0)
    state = {"p": [w, b]}

    def run_raw():
        state["p"], loss = raw(state["p"], xa, ya)
        return loss
    ref = median_us(run_raw, number=300, sync=lambda a: a.block_until_ready())
    triv = jax.jit(lambda a: a + 1)
    t0 = median_us(lambda: triv(xa), number=300, sync=lambda a: a.block_until_ready())
    print(f"compiled torch-style step   {ours:8.1f} us")
    print(f"hand-written jax.jit step   {ref:8.1f} us")
    print(f"trivial jitted call         {t0:8.1f} us")
    print(f"overhead of compile per call: {ours - ref:.1f} us (goal <= 30 us)")


if __name__ == "__main__":
    main()
