"""Per-call overhead of ``pytorch_like.compile`` on a tiny model, where dispatch dominates.

Run: python benchmarks/compile_overhead.py

A torch-style SGD step of a 4-2 linear model, compiled, is timed in alternation with
(a) the very program compile built, called directly with its input arrays (no Python
around it), (b) the same step hand-written in JAX (jit with donation) and (c) a trivial
jitted call. compiled - (a) is the Python work compile adds per call (finding state,
the cache lookup, writing results back) as it costs between real steps, whose XLA work
leaves the caches cold; the same work is also timed alone, with the program replaced by a
stub. (a) / (b) compares the programs themselves.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import pytorch_like as pl
import pytorch_like.nn.functional as F
from _timing import interleaved_us


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
    for _ in range(3):
        step(x, y)

    # The program compile runs, fed its own outputs (this reaches into compile's internals
    # on purpose: it is the lower bound for a compiled call).
    jitted, _ = list(step._cache.values())[-1]
    state = step._plan.state
    grad_pos = [j for j, t in enumerate(state.handles) if t._grad is not None]
    carry: dict = {}

    # Whichever of the two ran last holds the live (not yet donated) state arrays.
    holder_of_state = ["objects"]

    def take_state():
        if holder_of_state[0] == "carry":
            return
        holder_of_state[0] = "carry"
        carry["c"] = [c.a for c in state.cells]
        carry["g"] = [state.handles[j]._grad._cell.a for j in grad_pos]
        carry["k"] = [g._key for g in state.generators]

    def give_state():
        if holder_of_state[0] == "objects":
            return
        holder_of_state[0] = "objects"
        for c, a in zip(state.cells, carry["c"]):
            c.a = a
        for j, a in zip(grad_pos, carry["g"]):
            state.handles[j]._grad._cell.a = a
        for g, k in zip(state.generators, carry["k"]):
            g._key = k

    lr, args = [np.float32(0.1)], [x._cell.a, y._cell.a]

    def program():
        out = jitted(carry["c"], carry["g"], carry["k"], lr, args, [])
        carry["c"], carry["g"], carry["k"] = out[0], out[1], out[2]
        return out[5][0]

    w = jnp.asarray(model.weight.detach().numpy())
    b = jnp.asarray(model.bias.detach().numpy())
    xa, ya = x._data, y._data

    def loss_fn(p, xa, ya):
        logits = xa @ p[0].T + p[1]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), ya[:, None], 1))

    def raw(p, xa, ya):
        loss, g = jax.value_and_grad(loss_fn)(p, xa, ya)
        return [a - 0.1 * ga for a, ga in zip(p, g)], loss

    raw = jax.jit(raw, donate_argnums=0)
    ref_state = {"p": [w, b]}

    def run_raw():
        ref_state["p"], loss = raw(ref_state["p"], xa, ya)
        return loss

    triv = jax.jit(lambda a: a + 1)
    run_raw()
    triv(xa)
    t = interleaved_us(
        {"program": program, "compiled": lambda: step(x, y)._data, "jax": run_raw,
         "trivial": lambda: triv(xa)},
        sync=lambda a: a.block_until_ready(),
        before={"compiled": give_state, "program": take_state})
    give_state()

    # The Python work alone: the program replaced by a stub that returns fixed arrays.
    key = step._keys[-1]
    jitted, holder = step._cache[key]
    out = jitted([c.a for c in state.cells],
                 [state.handles[j]._grad._cell.a for j in grad_pos],
                 [g._key for g in state.generators], lr, args, [])
    # That call donated the state and gradient arrays: the objects take its results.
    for c, a in zip(state.cells, out[0]):
        c.a = a
    for j, a in zip(grad_pos, out[1]):
        state.handles[j]._grad._cell.a = a
    fixed = ([jnp.array(a, copy=True) for a in out[0]], [jnp.array(a, copy=True) for a in out[1]],
             list(out[2]), [], [], list(out[5]), [], [])
    step._cache[key] = (lambda *a: fixed, holder)
    python_only = interleaved_us({"stub": lambda: step(x, y)._data}, number=2000, rounds=7)
    step._cache[key] = (jitted, holder)

    print(f"compiled torch-style step          {t['compiled']:8.1f} us")
    print(f"  its program, called directly     {t['program']:8.1f} us")
    print(f"hand-written jax.jit step          {t['jax']:8.1f} us")
    print(f"trivial jitted call                {t['trivial']:8.1f} us")
    print(f"Python overhead of compile per call: {t['compiled'] - t['program']:.1f} us "
          "in the loop above (goal <= 30 us)")
    print(f"  the same Python work, program stubbed out: {python_only['stub']:.1f} us")
    print(f"compiled / hand-written: {t['compiled'] / t['jax']:.2f}x "
          f"(program alone {t['program'] / t['jax']:.2f}x)")


if __name__ == "__main__":
    main()
