"""utils.data: datasets, samplers, DataLoader edge cases, prefetch threads, bad inputs."""

from __future__ import annotations

import gc
import importlib.util
import threading
import time
import warnings

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    get_worker_info,
    random_split,
)


def _np(t):
    return np.asarray(t)


def _ds(n=10, d=3):
    x = np.arange(n * d, dtype=np.float32).reshape(n, d)
    return TensorDataset(pl.tensor(x), pl.arange(n))


def _labels(loader):
    return [_np(y).tolist() for _, y in loader]


def _slow(batch):
    """A collate_fn that is not default_collate: forces the per-sample path."""
    return default_collate(batch)


def _loader_threads():
    return [t for t in threading.enumerate()
            if t.name.startswith("pytorch_like-DataLoader-worker") and t.is_alive()]


def _wait_threads_gone(timeout=5.0):
    deadline = time.monotonic() + timeout
    while _loader_threads() and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.02)
    return _loader_threads()


# ------------------------------------------------------------------------- datasets ----

def test_tensor_dataset_items_and_len():
    ds = _ds(5)
    assert len(ds) == 5
    x, y = ds[2]
    np.testing.assert_array_equal(_np(x), [6, 7, 8])
    assert int(y) == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(pl.zeros(3), pl.zeros(4))


def test_concat_dataset():
    a, b = _ds(3), _ds(4)
    c = ConcatDataset([a, b])
    assert len(c) == 7 and c.cumulative_sizes == [3, 7]
    assert int(c[3][1]) == 0 and int(c[2][1]) == 2 and int(c[-1][1]) == 3
    assert len(a + b) == 7
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        c[-8]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])

    class It(IterableDataset):
        def __iter__(self):
            return iter([])

    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([a, It()])


def test_subset_and_stack_dataset():
    s = Subset(_ds(10), [9, 3, 5])
    assert len(s) == 3 and int(s[0][1]) == 9
    assert [int(v[1]) for v in s.__getitems__([2, 1])] == [5, 3]
    st = StackDataset(a=_ds(3), b=_ds(3))
    assert set(st[0]) == {"a", "b"}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(_ds(3), _ds(4))
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()


def test_chain_dataset():
    class It(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    ch = It(2) + It(3)
    assert isinstance(ch, ChainDataset)
    assert list(ch) == [0, 1, 0, 1, 2] and len(ch) == 5


def test_base_dataset_needs_getitem():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement"):
        Dataset()[0]


def test_random_split_lengths_and_fractions():
    parts = random_split(range(10), [3, 7], generator=pl.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    seen = sorted(i for p in parts for i in (p[k] for k in range(len(p))))
    assert seen == list(range(10))
    parts = random_split(range(11), [0.3, 0.3, 0.4])
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.random_split(range(11), [0.3, 0.3, 0.4])
    assert [len(p) for p in parts] == [len(p) for p in theirs] == [4, 3, 4]


def test_random_split_reproducible_and_seed_dependent():
    def split(seed):
        return [list(p.indices) for p in random_split(range(50), [25, 25],
                                                       generator=pl.Generator().manual_seed(seed))]

    assert split(1) == split(1)
    assert split(1) != split(2)
    pl.manual_seed(3)
    a = [list(p.indices) for p in random_split(range(20), [10, 10])]
    pl.manual_seed(3)
    b = [list(p.indices) for p in random_split(range(20), [10, 10])]
    assert a == b


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(range(10), [0.5, -0.5, 1.0])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        random_split(range(2), [0.9, 0.05, 0.05])
    assert any("Length of split at index" in str(x.message) for x in w)


# ------------------------------------------------------------------------- samplers ----

def test_sequential_and_random_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    order = list(RandomSampler(range(20), generator=pl.Generator().manual_seed(0)))
    assert sorted(order) == list(range(20)) and order != list(range(20))
    assert order == list(RandomSampler(range(20), generator=pl.Generator().manual_seed(0)))
    rep = list(RandomSampler(range(5), replacement=True, num_samples=50))
    assert len(rep) == 50 and set(rep) <= set(range(5))
    more = list(RandomSampler(range(4), num_samples=10))
    assert len(more) == 10 and sorted(more[:4]) == [0, 1, 2, 3] and sorted(more[4:8]) == \
        [0, 1, 2, 3]
    assert len(RandomSampler(range(4), num_samples=10)) == 10


def test_random_sampler_errors_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in ({"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5}):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.RandomSampler(range(3), **kwargs)
        with pytest.raises(Exception) as ours:
            RandomSampler(range(3), **kwargs)
        assert ours.type is theirs.type and str(ours.value) == str(theirs.value)


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    got = list(SubsetRandomSampler(idx))
    assert sorted(got) == idx and len(SubsetRandomSampler(idx)) == 4


def test_weighted_random_sampler_statistics():
    w = [1.0, 2.0, 3.0, 4.0]
    s = WeightedRandomSampler(w, 40000, generator=pl.Generator().manual_seed(0))
    counts = np.bincount(list(s), minlength=4) / 40000
    np.testing.assert_allclose(counts, np.array(w) / 10, atol=0.012)
    assert s.weights.dtype == pl.float64 and len(s) == 40000
    no_rep = list(WeightedRandomSampler([0.1, 5, 0, 1, 1], 4, replacement=False))
    assert len(set(no_rep)) == 4 and 2 not in no_rep
    # a zero weight is never drawn
    assert 0 not in list(WeightedRandomSampler([0.0, 1.0], 100))


def test_weighted_random_sampler_errors():
    torch = pytest.importorskip("torch")
    for args, kwargs in (((([1.0, 2.0]), 0), {}), (([1.0], 2), {"replacement": 1}),
                         (([[1.0, 2.0]], 2), {})):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.WeightedRandomSampler(*args, **kwargs)
        with pytest.raises(Exception) as ours:
            WeightedRandomSampler(*args, **kwargs)
        assert ours.type is theirs.type and str(ours.value) == str(theirs.value)
    for weights, n in (([-1.0, 2.0], 1), ([0.0, 0.0], 1)):
        with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
            list(WeightedRandomSampler(weights, n))
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist"):
        list(WeightedRandomSampler([1.0, 1.0], 3, replacement=False))
    with pytest.raises(RuntimeError, match="not enough non-negative category"):
        list(WeightedRandomSampler([1.0, 0.0, 0.0], 2, replacement=False))


def test_batch_sampler_matches_torch():
    torch = pytest.importorskip("torch")
    for drop_last in (False, True):
        ours = BatchSampler(SequentialSampler(range(10)), 3, drop_last)
        theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(10)),
                                               3, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        # a plain iterable (no fast index array) groups the same way
        assert list(BatchSampler(range(10), 3, drop_last)) == list(theirs)
    for args in ((range(3), 0, False), (range(3), True, False), (range(3), 2, 1)):
        with pytest.raises(Exception) as t_err:
            torch.utils.data.BatchSampler(*args)
        with pytest.raises(Exception) as o_err:
            BatchSampler(*args)
        assert o_err.type is t_err.type and str(o_err.value) == str(t_err.value)


def test_overridden_sampler_iter_is_respected():
    class Rev(SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    loader = DataLoader(_ds(5), batch_size=2, sampler=Rev(range(5)))
    assert _labels(loader) == [[4, 3], [2, 1], [0]]


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False),
                                                   (2, 4, False), (11, 4, True)])
def test_distributed_sampler_no_shuffle_equals_torch(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                                     drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


def test_distributed_sampler_shuffled_shards():
    n, r = 103, 4
    shards = [list(DistributedSampler(range(n), r, k, seed=7)) for k in range(r)]
    assert all(len(s) == 26 for s in shards)  # ceil(103 / 4), padded like torch
    flat = [i for s in shards for i in s]
    assert set(flat) == set(range(n)) and len(flat) - len(set(flat)) == 104 - 103
    # without padding the shards are disjoint
    shards = [set(DistributedSampler(range(100), r, k, seed=7)) for k in range(r)]
    assert set.union(*shards) == set(range(100)) and sum(map(len, shards)) == 100
    s = DistributedSampler(range(50), 2, 0, seed=1)
    e0 = list(s)
    assert list(s) == e0
    s.set_epoch(1)
    assert list(s) != e0 and sorted(list(s)) != []
    # every replica computes the same permutation for an epoch
    a = DistributedSampler(range(50), 2, 0, seed=1)
    b = DistributedSampler(range(50), 2, 1, seed=1)
    assert sorted(list(a) + list(b)) == list(range(50))
    dl = DistributedSampler(range(11), 4, 3, drop_last=True)
    assert len(dl) == 2 and len(list(dl)) == 2


def test_distributed_sampler_errors():
    with pytest.raises(ValueError,
                       match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    if importlib.util.find_spec("pytorch_like.distributed") is None:
        with pytest.raises(RuntimeError, match="pass num_replicas and rank"):
            DistributedSampler(range(4))


# ----------------------------------------------------------------------- DataLoader ----

def test_last_partial_batch_drop_last_and_len():
    ds = _ds(10)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2 and _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(ds)) == 10
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.dtype == pl.float32 and y.dtype == pl.int64 and tuple(x.shape) == (4, 3)
    it = iter(DataLoader(ds, batch_size=4))
    assert len(it) == 3


def test_batch_size_none_and_custom_batch_sampler():
    ds = _ds(4)
    items = list(DataLoader(ds, batch_size=None))
    assert len(items) == 4 and isinstance(items[0], list) and tuple(items[0][0].shape) == (3,)
    loader = DataLoader(ds, batch_sampler=[[3, 0], [1], [2, 2]])
    assert _labels(loader) == [[3, 0], [1], [2, 2]] and len(loader) == 3


def test_shuffle_covers_every_sample_once_and_reproduces():
    ds = _ds(103)

    def epoch(seed):
        g = pl.Generator().manual_seed(seed)
        return sum(_labels(DataLoader(ds, batch_size=10, shuffle=True, generator=g)), [])

    a = epoch(0)
    assert sorted(a) == list(range(103)) and a != list(range(103))
    assert epoch(0) == a
    assert epoch(1) != a
    loader = DataLoader(ds, batch_size=10, shuffle=True, generator=pl.Generator().manual_seed(0))
    e1, e2 = sum(_labels(loader), []), sum(_labels(loader), [])
    assert e1 != e2 and sorted(e2) == list(range(103))  # the generator moves on each epoch
    pl.manual_seed(5)
    g1 = sum(_labels(DataLoader(ds, batch_size=10, shuffle=True)), [])
    pl.manual_seed(5)
    g2 = sum(_labels(DataLoader(ds, batch_size=10, shuffle=True)), [])
    assert g1 == g2


def test_fast_path_equals_per_sample_path():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((37, 2, 3)).astype(np.float32)
    ds = TensorDataset(pl.tensor(x), pl.tensor(rng.integers(0, 9, 37)),
                       pl.tensor(rng.random(37) > 0.5))
    for make in (lambda: ds, lambda: Subset(ds, list(range(30, 0, -2))),
                 lambda: ConcatDataset([ds, Subset(ds, [1, 2, 3])]),
                 lambda: StackDataset(ds, ds)):
        d = make()
        fast = list(DataLoader(d, batch_size=8, shuffle=True,
                               generator=pl.Generator().manual_seed(3)))
        slow = list(DataLoader(d, batch_size=8, shuffle=True, collate_fn=_slow,
                               generator=pl.Generator().manual_seed(3)))
        assert len(fast) == len(slow)
        for bf, bs in zip(fast, slow):
            flat_f = bf if not isinstance(bf[0], list) else [t for part in bf for t in part]
            flat_s = bs if not isinstance(bs[0], list) else [t for part in bs for t in part]
            for tf, ts in zip(flat_f, flat_s):
                assert tf.dtype == ts.dtype and tf.shape == ts.shape
                np.testing.assert_array_equal(_np(tf), _np(ts))


def test_fast_path_is_used_for_tensor_dataset():
    ds = _ds(20)
    calls = []
    orig = TensorDataset.__getitem__
    TensorDataset.__getitem__ = lambda self, i: calls.append(i) or orig(self, i)
    try:
        list(DataLoader(ds, batch_size=4, shuffle=True))
        assert calls == []
        list(DataLoader(ds, batch_size=4, collate_fn=_slow))
        assert sorted(calls) == list(range(20))
    finally:
        TensorDataset.__getitem__ = orig


def test_tensor_dataset_sees_in_place_updates():
    x = pl.zeros(4, 2)
    ds = TensorDataset(x)
    assert float(next(iter(DataLoader(ds, batch_size=4)))[0].sum()) == 0
    x.add_(1.0)
    assert float(next(iter(DataLoader(ds, batch_size=4)))[0].sum()) == 8


def test_dict_and_tuple_samples_through_loader():
    class D(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"img": np.full((2, 2), i, np.uint8), "label": i, "w": float(i),
                    "name": f"s{i}", "pair": (i, [i, i])}

    b = next(iter(DataLoader(D(), batch_size=3)))
    assert b["img"].dtype == pl.uint8 and tuple(b["img"].shape) == (3, 2, 2)
    assert b["label"].dtype == pl.int64 and b["w"].dtype == pl.float64
    assert b["name"] == ["s0", "s1", "s2"]
    assert isinstance(b["pair"], list) and _np(b["pair"][0]).tolist() == [0, 1, 2]
    assert _np(b["pair"][1][1]).tolist() == [0, 1, 2]


def test_getitems_protocol_is_used():
    class D(Dataset):
        def __init__(self):
            self.batches = []

        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("per-sample path should not be used")

        def __getitems__(self, idx):
            self.batches.append(list(idx))
            return [i * 10 for i in idx]

    d = D()
    assert _np(next(iter(DataLoader(d, batch_size=4)))).tolist() == [0, 10, 20, 30]
    assert d.batches[0] == [0, 1, 2, 3]


def test_iterable_dataset_batches():
    class It(IterableDataset):
        def __iter__(self):
            return iter(range(10))

        def __len__(self):
            return 10

    assert [_np(b).tolist() for b in DataLoader(It(), batch_size=4)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [_np(b).tolist() for b in DataLoader(It(), batch_size=4, drop_last=True)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(It(), batch_size=4)) == 3
    assert len(DataLoader(It(), batch_size=4, drop_last=True)) == 2
    assert [int(b) for b in DataLoader(It(), batch_size=None)] == list(range(10))
    # num_workers > 0 does not duplicate the stream (single reading thread)
    got = sum((_np(b).tolist() for b in DataLoader(It(), batch_size=3, num_workers=2)), [])
    assert got == list(range(10))


# ------------------------------------------------------------------- argument errors ----

def _both(torch, make):
    with pytest.raises(Exception) as theirs:
        make(torch.utils.data, torch.utils.data.TensorDataset(torch.zeros(4)))
    with pytest.raises(Exception) as ours:
        make(pl.utils.data, TensorDataset(pl.zeros(4)))
    assert ours.type is theirs.type, (ours.value, theirs.value)
    assert str(ours.value) == str(theirs.value)


BAD_ARGS = {
    "sampler_and_shuffle": lambda m, d: m.DataLoader(d, shuffle=True,
                                                     sampler=m.SequentialSampler(d)),
    "batch_sampler_and_batch_size": lambda m, d: m.DataLoader(d, batch_size=2,
                                                              batch_sampler=[[0]]),
    "batch_sampler_and_shuffle": lambda m, d: m.DataLoader(d, shuffle=True, batch_sampler=[[0]]),
    "batch_sampler_and_sampler": lambda m, d: m.DataLoader(d, sampler=[0], batch_sampler=[[0]]),
    "batch_sampler_and_drop_last": lambda m, d: m.DataLoader(d, drop_last=True,
                                                             batch_sampler=[[0]]),
    "none_batch_and_drop_last": lambda m, d: m.DataLoader(d, batch_size=None, drop_last=True),
    "negative_workers": lambda m, d: m.DataLoader(d, num_workers=-1),
    "negative_timeout": lambda m, d: m.DataLoader(d, timeout=-1),
    "prefetch_without_workers": lambda m, d: m.DataLoader(d, prefetch_factor=2),
    "negative_prefetch": lambda m, d: m.DataLoader(d, num_workers=1, prefetch_factor=-1),
    "persistent_without_workers": lambda m, d: m.DataLoader(d, persistent_workers=True),
    "context_without_workers": lambda m, d: m.DataLoader(d, multiprocessing_context="spawn"),
    "zero_batch_size": lambda m, d: m.DataLoader(d, batch_size=0),
    "bool_drop_last": lambda m, d: m.DataLoader(d, batch_size=2, drop_last=1),
}


@pytest.mark.parametrize("name", sorted(BAD_ARGS))
def test_dataloader_argument_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    _both(torch, BAD_ARGS[name])


def test_iterable_dataset_argument_errors_match_torch():
    torch = pytest.importorskip("torch")

    def make_it(base):
        class It(base):
            def __iter__(self):
                return iter(range(3))
        return It()

    for kwargs in ({"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.DataLoader(make_it(torch.utils.data.IterableDataset), **kwargs)
        with pytest.raises(Exception) as ours:
            DataLoader(make_it(IterableDataset), **kwargs)
        assert ours.type is theirs.type
        assert str(ours.value).split(", but got")[0] == str(theirs.value).split(", but got")[0]


def test_attributes_frozen_after_init():
    loader = DataLoader(_ds(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        loader.batch_size = 3
    loader.num_workers = 0  # not guarded, as in torch


# ---------------------------------------------------------------- threads / prefetch ----

class Boom(Exception):
    pass


class _Failing(Dataset):
    def __init__(self, bad):
        self.bad = bad

    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == self.bad:
            raise Boom(f"sample {i} is broken")
        return i


@pytest.mark.parametrize("workers", [0, 2])
def test_dataset_exception_reaches_main_thread_with_its_type(workers):
    loader = DataLoader(_Failing(9), batch_size=4, num_workers=workers)
    got = []
    with pytest.raises(Boom, match="sample 9 is broken") as info:
        for b in loader:
            got.append(_np(b).tolist())
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7]]  # batches before the failing one arrive
    # the traceback reaches into the dataset's code
    assert any(f.co_name == "__getitem__" for f in _frames(info.value.__traceback__))
    assert _wait_threads_gone() == []


def _frames(tb):
    while tb is not None:
        yield tb.tb_frame.f_code
        tb = tb.tb_next


def test_sampler_exception_is_reraised():
    def bad_sampler():
        yield 0
        raise KeyError("sampler broke")

    with pytest.raises(KeyError, match="sampler broke"):
        list(DataLoader(_ds(4), batch_size=None, sampler=bad_sampler()))


def test_threads_stop_when_iterator_dropped():
    loader = DataLoader(_ds(200), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    assert _loader_threads()
    del it
    assert _wait_threads_gone() == []
    it = iter(DataLoader(_ds(200), batch_size=2))
    next(it)
    it.close()
    assert _wait_threads_gone() == []
    with pytest.raises(StopIteration):
        next(it)


def test_prefetch_overlaps_loading_with_the_step():
    class Slow(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            time.sleep(0.05)
            return i

    loader = DataLoader(Slow(), batch_size=1)
    start = time.perf_counter()
    for _ in loader:
        time.sleep(0.05)  # the "training step"
    elapsed = time.perf_counter() - start
    assert elapsed < 0.7, elapsed  # 0.8 s if loading and steps alternated


def test_workers_keep_order_and_info():
    seen = []

    class D(Dataset):
        def __len__(self):
            return 30

        def __getitem__(self, i):
            info = get_worker_info()
            seen.append(None if info is None else (info.id, info.num_workers))
            time.sleep(0.001 * (i % 3))
            return i

    inits = []
    out = [_np(b).tolist() for b in DataLoader(D(), batch_size=4, num_workers=3,
                                               worker_init_fn=inits.append)]
    assert sum(out, []) == list(range(30))
    assert sorted(inits) == [0, 1, 2]
    assert all(s is not None and s[1] == 3 for s in seen)
    seen.clear()
    list(DataLoader(D(), batch_size=4))
    assert set(seen) == {None}
    assert get_worker_info() is None


def test_timeout():
    class Stuck(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(1.0)
            return i

    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(iter(DataLoader(Stuck(), timeout=0.2)))


def test_worker_init_fn_error_is_reraised():
    def init(wid):
        raise ValueError("bad init")

    with pytest.raises(ValueError, match="bad init"):
        list(DataLoader(_ds(4), num_workers=1, worker_init_fn=init))


def test_accepted_torch_arguments():
    loader = DataLoader(_ds(6), batch_size=2, num_workers=2, pin_memory=True, prefetch_factor=4,
                        persistent_workers=True, multiprocessing_context="spawn",
                        in_order=False)
    assert _labels(loader) == [[0, 1], [2, 3], [4, 5]]
    assert _labels(loader) == [[0, 1], [2, 3], [4, 5]]
