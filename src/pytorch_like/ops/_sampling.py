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
from jax import lax

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


def _threefry2x32(k0, k1, x0, x1):
    # Threefry-2x32, 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2,
    # 3"), written with its rounds unrolled: XLA's CPU lowering of JAX's threefry
    # primitive is a five-iteration loop that cannot fuse with its consumer (10 ms instead
    # of 3 ms for the MNIST CNN's dropout mask). Same bits as
    # ``jax.extend.random.threefry_2x32``.
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(0x1BD11BDA))
    rotations = ((13, 15, 26, 6), (17, 29, 16, 24))
    x0, x1 = x0 + ks[0], x1 + ks[1]
    for i in range(5):
        for r in rotations[i % 2]:
            x0 = x0 + x1
            x1 = (x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r))
            x1 = x1 ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def keep_mask(key, shape: tuple, p: float):
    """Boolean mask of ``shape``, each element True with probability ``1 - p`` (to 2**-32).

    Dropout's mask: one Threefry hash per element of the counter (its flat index) under
    the raw ``uint32[2]`` key, so eager and compiled runs draw the same mask.
    """
    key = jnp.asarray(key, jnp.uint32)
    if isinstance(key, jax.core.Tracer) and jax.default_backend() == "cpu":
        # Stored once: XLA's CPU fusion would otherwise recompute the hash inside every
        # consumer of the mask, once per element of each (in the MNIST CNN step: inside
        # the pooling gradient, at 4x the forward's count, and again in the copies XLA
        # makes for the weight-gradient convolution). A conditional is a boundary fusion
        # does not cross (``optimization_barrier`` is removed before fusion on CPU); its
        # predicate is always true. Measurements: docs/decisions/004, point 9.
        return lax.cond((key[0] | np.uint32(1)) != 0,
                        lambda k: _keep_mask(k, shape, p),
                        lambda k: jnp.ones(shape, bool), key)
    return _keep_mask(key, shape, p)


def _keep_mask(key, shape: tuple, p: float):
    n = math.prod(shape)
    count = lax.iota(jnp.uint32, n).reshape(shape)
    x0, x1 = _threefry2x32(key[0], key[1], jnp.zeros(shape, jnp.uint32), count)
    threshold = np.uint32(min(round(p * 2.0 ** 32), 2 ** 32 - 1))
    return (x0 ^ x1) >= threshold
