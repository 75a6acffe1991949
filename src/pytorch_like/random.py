"""The global random generator: ``manual_seed``, ``Generator``, and the key every random op uses.

pytorch_like draws from JAX's counter-based PRNG, so ``manual_seed(s)`` makes every run
reproducible, but the numbers differ from torch's Mersenne-Twister/Philox streams (a
deliberate difference: the bits cannot match across libraries). Under ``compile`` the key
is state carried into and out of the compiled program.
"""

from __future__ import annotations

import jax
import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator"]


@jax.jit
def _split(key):
    k = jax.random.split(key)
    return k[0], k[1]


class Generator:
    """Mirrors ``torch.Generator``: holds a JAX PRNG key.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> torch.randn(3, generator=g)
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._seed = 67280421310721  # torch's default initial seed
        self._key = None

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        self._seed = seed
        # Keys hold 32-bit words: fold a 64-bit seed into two words so large seeds differ.
        self._key = np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)
        self._key = jax.numpy.asarray(self._key)
        return self

    def seed(self) -> int:
        s = int.from_bytes(np.random.bytes(8), "little") & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (torch returns a ByteTensor too; the bytes
        are the JAX key's, not torch's Mersenne-Twister state)."""
        from . import _dtype as D
        from .tensor import Tensor

        self._ensure()
        raw = np.asarray(self._key).astype(np.uint32).view(np.uint8).copy()
        return Tensor._make(jax.numpy.asarray(raw), D.uint8)

    def set_state(self, state) -> None:
        """Restore a state from :meth:`get_state`."""
        from .tensor import Tensor

        raw = np.asarray(state._cell.a if isinstance(state, Tensor) else state)
        if raw.dtype == np.uint8:
            raw = raw.view(np.uint32)
        self._key = jax.numpy.asarray(raw.astype(np.uint32))

    def _ensure(self) -> None:
        if self._key is None:
            self.manual_seed(self._seed)

    def _next_key(self):
        """A fresh subkey; advances the generator."""
        if self._key is None:
            self.manual_seed(self._seed)
        self._key, sub = _split(self._key)
        return sub


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator; mirrors ``torch.manual_seed``.

    Example:
        >>> torch.manual_seed(0)
        >>> a = torch.rand(2); torch.manual_seed(0); assert torch.equal(a, torch.rand(2))
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


def _next_key(generator: Generator | None = None):
    return (generator or default_generator)._next_key()
