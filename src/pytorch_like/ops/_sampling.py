"""Random draws that compile once per distribution and dtype, never per shape.

A jitted ``jax.random.uniform(key, shape)`` compiles its counter-based generator for every
new shape: seconds per shape on a loaded 2-core machine, which made building a model (one
init per parameter shape) slow. Here ``n`` values are the first ``n`` of ``ceil(n / BLOCK)``
fixed-size blocks, block ``i`` drawn from ``fold_in(key, i)`` by one compiled program.
Eagerly the blocks are drawn one call each and joined on the host (CPU) or device; inside a
compiled function the same blocks are traced (``vmap`` over the block index), so eager and
compiled runs draw the same numbers from the same key.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

BLOCK = 1 << 14


def _block_fn(key, i, kind: str, dtype, a, b):
    k = jax.random.fold_in(key, i)
    if kind == "uniform":
        u = jax.random.uniform(k, (BLOCK,), jnp.float32)
        return (u * (b - a) + a).astype(dtype)
    z = jax.random.normal(k, (BLOCK,), jnp.float32)
    return (z * b + a).astype(dtype)


_block = jax.jit(_block_fn, static_argnums=(2, 3))


def sample(kind: str, key, shape: tuple, dtype, a: float = 0.0, b: float = 1.0):
    """``uniform`` on [a, b) or ``normal`` with mean a and std b, of ``shape`` and ``dtype``."""
    shape = tuple(int(s) for s in shape)
    n = math.prod(shape)
    dtype = np.dtype(dtype)
    if n == 0:
        return jnp.zeros(shape, dtype)
    nb = -(-n // BLOCK)
    if isinstance(key, jax.core.Tracer) or isinstance(a, jax.core.Tracer) or \
            isinstance(b, jax.core.Tracer):
        blocks = jax.vmap(lambda i: _block_fn(key, i, kind, dtype, a, b))(jnp.arange(nb))
        return blocks.reshape(-1)[:n].reshape(shape)
    blocks = [_block(key, i, kind, dtype, a, b) for i in range(nb)]
    if next(iter(blocks[0].devices())).platform == "cpu":
        host = np.concatenate([np.asarray(x) for x in blocks]) if nb > 1 else np.asarray(blocks[0])
        return jnp.asarray(host[:n].reshape(shape))
    return _join(tuple(blocks), shape)


@functools.partial(jax.jit, static_argnums=(1,))
def _join(blocks, shape):
    return jnp.concatenate(blocks)[: math.prod(shape)].reshape(shape)
