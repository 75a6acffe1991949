import numpy as np

import pytorch_like as pl
from parity import check

rng = np.random.default_rng(0)


def test_mul_add_parity():
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32)
    check(lambda x, y: x * y + x, lambda x, y: x * y + x, a, b, check_jax=True)


def test_matmul_sum_parity():
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    check(lambda x, y: (x @ y).relu().sum(1), lambda x, y: (x @ y).relu().sum(1), a, b,
          check_jax=True)


def test_max_dim_parity():
    a = rng.standard_normal((3, 4)).astype(np.float32)
    check(lambda x: x.max(1), lambda x: x.max(1), a, check_jax=True)
    assert pl.tensor(a).max(1).indices.dtype is pl.int64
