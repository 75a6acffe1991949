"""Top-level names a learner reaches for, against torch: constants, layouts and memory
formats (channels-last strides), default_generator, torch.cpu, warn_always, DLPack,
frombuffer, set_default_tensor_type, Tensor.mH."""

import array
import math
import os
import pickle
import sys
import warnings

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
import pytest

import pytorch_like as pl
from parity import same_error, torch

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch")
rng = np.random.default_rng(0)

LAYOUTS = ["strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc",
           "jagged"]
FORMATS = ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]
SHAPES_4D = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 4, 5), (2, 3, 1, 5),
             (2, 0, 4, 5), (0, 3, 4, 5), (1, 1, 1, 1), (2, 3, 4, 1), (3, 1, 1, 1),
             (1, 3, 1, 1), (1, 1, 4, 1)]
SHAPES_5D = [(2, 3, 4, 5, 6), (2, 1, 4, 5, 6), (1, 3, 1, 1, 1), (2, 3, 1, 2, 1),
             (2, 0, 2, 2, 2)]


def both(shape, dtype=np.float32):
    a = rng.standard_normal(shape).astype(dtype)
    return pl.tensor(a), torch.tensor(a)


def fmt(name):
    return getattr(pl, name), getattr(torch, name)


# -- constants --------------------------------------------------------------------------

@needs_torch
def test_constants_match_torch():
    for name in ("pi", "e", "inf"):
        assert type(getattr(pl, name)) is float
        assert getattr(pl, name) == getattr(torch, name)
    assert type(pl.nan) is float and math.isnan(pl.nan) and math.isnan(torch.nan)
    assert pl.newaxis is None and torch.newaxis is None
    x = pl.arange(3.)
    assert tuple(x[pl.newaxis].shape) == (1, 3)


# -- layouts and memory formats ---------------------------------------------------------

@needs_torch
def test_layout_and_memory_format_reprs():
    for name in LAYOUTS:
        ours, theirs = getattr(pl, name), getattr(torch, name)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert isinstance(ours, pl.layout)
    for name in FORMATS:
        ours, theirs = fmt(name)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert isinstance(ours, pl.memory_format)
    assert pl.strided is not pl.sparse_coo and pl.strided == pl.strided
    assert pl.layout.__name__ == torch.layout.__name__ == "layout"
    assert pl.memory_format.__name__ == torch.memory_format.__name__ == "memory_format"
    with pytest.raises(TypeError, match="cannot create 'torch.layout' instances"):
        pl.layout("strided")


def test_layout_singletons_survive_pickle_and_copy():
    import copy

    for obj in (pl.strided, pl.sparse_csr, pl.channels_last, pl.preserve_format):
        assert pickle.loads(pickle.dumps(obj)) is obj
        assert copy.deepcopy(obj) is obj


@needs_torch
def test_tensor_layout_and_strided_creation():
    assert repr(pl.zeros(2).layout) == repr(torch.zeros(2).layout) == "torch.strided"
    assert pl.zeros(2, 3).t().layout is pl.strided
    for fn in ("zeros", "ones", "empty"):
        t = getattr(pl, fn)(2, 3, layout=pl.strided)
        assert t.layout is pl.strided and tuple(t.shape) == (2, 3)


@needs_torch
@pytest.mark.parametrize("shape", SHAPES_4D)
def test_channels_last_strides_match_torch(shape):
    x, tx = both(shape)
    cl, tcl = fmt("channels_last")
    y, ty = x.contiguous(memory_format=cl), tx.contiguous(memory_format=tcl)
    assert y.stride() == ty.stride()
    assert (y is x) == (ty is tx)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert x.is_contiguous(memory_format=cl) == tx.is_contiguous(memory_format=tcl)
    assert y.is_contiguous(memory_format=cl) == ty.is_contiguous(memory_format=tcl)
    assert y.is_contiguous() == ty.is_contiguous()
    assert x.clone(memory_format=cl).stride() == tx.clone(memory_format=tcl).stride()
    assert pl.clone(x, memory_format=cl).stride() == \
        torch.clone(tx, memory_format=tcl).stride()   # the top-level function too
    if 0 not in shape:  # torch's strides for an empty permuted clone are its own matter
        assert pl.clone(x.transpose(0, 1)).stride() == \
            torch.clone(tx.transpose(0, 1)).stride()
    to, tto = x.to(memory_format=cl), tx.to(memory_format=tcl)
    assert to.stride() == tto.stride() and (to is x) == (tto is tx)
    assert pl.empty_like(x, memory_format=cl).stride() == \
        torch.empty_like(tx, memory_format=tcl).stride()
    assert pl.empty(*shape, memory_format=cl).stride() == \
        torch.empty(*shape, memory_format=tcl).stride()
    # A channels-last copy of a channels-last tensor.
    z, tz = x.clone(memory_format=cl), tx.clone(memory_format=tcl)
    for f in (lambda t: t.clone(), lambda t: t.contiguous(), lambda t: t.double(),
              lambda t: t.to(memory_format=fmt("contiguous_format")[isinstance(t, torch.Tensor)]),
              lambda t: t.clone(memory_format=fmt("preserve_format")[isinstance(t, torch.Tensor)]),
              lambda t: t[:, :, ::2].clone(), lambda t: t[:, :, ::2].contiguous()):
        assert f(z).stride() == f(tz).stride()
    for like in ("empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"):
        assert getattr(pl, like)(z).stride() == getattr(torch, like)(tz).stride(), like
    assert pl.full_like(z, 2.).stride() == torch.full_like(tz, 2.).stride()
    assert (z.to(memory_format=cl) is z) == (tz.to(memory_format=tcl) is tz)
    assert (z.contiguous(memory_format=cl) is z) == (tz.contiguous(memory_format=tcl) is tz)


@needs_torch
@pytest.mark.parametrize("shape", SHAPES_5D)
def test_channels_last_3d_strides_match_torch(shape):
    x, tx = both(shape)
    cl3, tcl3 = fmt("channels_last_3d")
    cl, tcl = fmt("channels_last")
    y, ty = x.contiguous(memory_format=cl3), tx.contiguous(memory_format=tcl3)
    assert y.stride() == ty.stride()
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    for a, ta in ((x, tx), (y, ty)):
        assert a.is_contiguous(memory_format=cl3) == ta.is_contiguous(memory_format=tcl3)
        assert a.is_contiguous(memory_format=cl) == ta.is_contiguous(memory_format=tcl)
        assert a.is_contiguous() == ta.is_contiguous()
    assert y.clone().stride() == ty.clone().stride()
    assert x.to(memory_format=cl3).stride() == tx.to(memory_format=tcl3).stride()


@needs_torch
def test_is_contiguous_of_views_matches_torch():
    x, tx = both((2, 3, 4, 5))
    views = [lambda t: t.permute(0, 2, 3, 1), lambda t: t.permute(0, 3, 1, 2),
             lambda t: t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
             lambda t: t.transpose(1, 3), lambda t: t[:, :1], lambda t: t[:, :, :1, :1],
             lambda t: t[:1], lambda t: t[:, :, ::2], lambda t: t.permute(3, 2, 1, 0)]
    cl, tcl = fmt("channels_last")
    for view in views:
        for memory in (None, "contiguous_format", "channels_last", "preserve_format"):
            kw = {} if memory is None else {"memory_format": getattr(pl, memory)}
            tkw = {} if memory is None else {"memory_format": getattr(torch, memory)}
            assert view(x).is_contiguous(**kw) == view(tx).is_contiguous(**tkw)
    # Views of a channels-last tensor derive their strides from it.
    y, ty = x.contiguous(memory_format=cl), tx.contiguous(memory_format=tcl)
    for view in views + [lambda t: t[:, 1], lambda t: t[..., 1:3]]:
        assert view(y).stride() == view(ty).stride()
        assert view(y).is_contiguous(memory_format=cl) == \
            view(ty).is_contiguous(memory_format=tcl)
        assert view(y).is_contiguous() == view(ty).is_contiguous()
    assert y.permute(0, 2, 3, 1).view(-1).shape == ty.permute(0, 2, 3, 1).view(-1).shape


@needs_torch
def test_preserve_format_keeps_dense_strides_like_torch():
    x, tx = both((3, 4, 5))
    for view in (lambda t: t.transpose(0, 2), lambda t: t.permute(1, 2, 0), lambda t: t[:, 1:3],
                 lambda t: t[::2], lambda t: t[:, :, None], lambda t: t.mT):
        for make in (lambda t: t.clone(), lambda t: t.clone(memory_format=None),
                     lambda t: t.to(torch.float64 if isinstance(t, torch.Tensor)
                                    else pl.float64)):
            ours, theirs = make(view(x)), make(view(tx))
            assert ours.stride() == theirs.stride()
            assert ours.is_contiguous() == theirs.is_contiguous()
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
        for like in ("empty_like", "zeros_like", "ones_like"):
            assert getattr(pl, like)(view(x)).stride() == getattr(torch, like)(view(tx)).stride()
        assert view(x).clone().contiguous().stride() == view(tx).clone().contiguous().stride()


@needs_torch
def test_channels_last_keeps_values_gradients_and_in_place_strides():
    a = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    w = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    x, tx = pl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    cl, tcl = fmt("channels_last")
    y, ty = x.contiguous(memory_format=cl), tx.contiguous(memory_format=tcl)
    assert y._base is None and ty._base is None
    (y * pl.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    with pl.no_grad():
        z = y.detach().clone()
        z.add_(1.)
    tz = ty.detach().clone().add_(1.)
    assert z.stride() == tz.stride()
    np.testing.assert_allclose(z.numpy(), tz.numpy())


@needs_torch
def test_memory_format_errors_match_torch():
    x, tx = both((2, 3, 4))
    x4, tx4 = both((2, 3, 4, 5))
    cl, tcl = fmt("channels_last")
    cl3, tcl3 = fmt("channels_last_3d")
    pf, tpf = fmt("preserve_format")
    same_error(lambda: x.contiguous(memory_format=cl), lambda: tx.contiguous(memory_format=tcl))
    same_error(lambda: x.clone(memory_format=cl), lambda: tx.clone(memory_format=tcl))
    same_error(lambda: x.to(memory_format=cl), lambda: tx.to(memory_format=tcl))
    same_error(lambda: pl.empty_like(x, memory_format=cl),
               lambda: torch.empty_like(tx, memory_format=tcl))
    same_error(lambda: pl.empty(2, 3, memory_format=cl),
               lambda: torch.empty(2, 3, memory_format=tcl))
    same_error(lambda: x4.contiguous(memory_format=cl3),
               lambda: tx4.contiguous(memory_format=tcl3))
    same_error(lambda: x4.transpose(1, 2).contiguous(memory_format=pf),
               lambda: tx4.transpose(1, 2).contiguous(memory_format=tpf))
    same_error(lambda: pl.empty(2, memory_format=pf), lambda: torch.empty(2, memory_format=tpf))
    same_error(lambda: x.contiguous(memory_format=None), lambda: tx.contiguous(memory_format=None))
    same_error(lambda: x.is_contiguous(memory_format="x"),
               lambda: tx.is_contiguous(memory_format="x"))
    same_error(lambda: x.is_contiguous(memory_format=None),
               lambda: tx.is_contiguous(memory_format=None))
    # Wrong rank is no error for the query, only False.
    assert x.is_contiguous(memory_format=cl) is tx.is_contiguous(memory_format=tcl) is False
    assert x.is_contiguous(memory_format=pf) == tx.is_contiguous(memory_format=tpf)


# -- default_generator, torch.cpu, warn_always --------------------------------------------

def test_default_generator_is_the_global_one():
    assert isinstance(pl.default_generator, pl.Generator)
    pl.manual_seed(7)
    assert pl.default_generator.initial_seed() == 7
    a = pl.rand(3)
    pl.default_generator.manual_seed(7)
    np.testing.assert_array_equal(pl.rand(3).numpy(), a.numpy())


@needs_torch
def test_cpu_module_matches_torch():
    assert set(pl.cpu.__all__) == set(torch.cpu.__all__) - {"get_capabilities"}
    for name in ("is_available", "is_initialized", "device_count", "current_device"):
        assert getattr(pl.cpu, name)() == getattr(torch.cpu, name)()
    assert pl.cpu.synchronize() is torch.cpu.synchronize() is None
    assert pl.cpu.synchronize("cpu") is None and pl.cpu.set_device("cpu") is None
    s = pl.cpu.Stream()
    assert s.wait_stream(s) is None and s.record_event() is None
    assert pl.cpu.Event().query() is torch.cpu.Event().query() is True
    default = pl.cpu.current_stream()
    with pl.cpu.stream(s) as entered:
        assert entered is None and pl.cpu.current_stream() is s
    assert pl.cpu.current_stream() is default
    with pl.cpu.StreamContext(None):
        assert pl.cpu.current_stream() is default


@needs_torch
def test_warn_always_matches_torch():
    assert pl.is_warn_always_enabled() is torch.is_warn_always_enabled() is False
    try:
        pl.set_warn_always(True)
        assert pl.is_warn_always_enabled() is True
    finally:
        pl.set_warn_always(False)
    assert pl.is_warn_always_enabled() is False
    same_error(lambda: pl.set_warn_always(1), lambda: torch.set_warn_always(1))
    same_error(lambda: pl.set_warn_always("x"), lambda: torch.set_warn_always("x"))


# -- set_default_tensor_type ----------------------------------------------------------------

@pytest.fixture
def restore_default_dtype():
    yield
    pl.set_default_dtype(pl.float32)
    pl.set_warn_always(False)
    if torch is not None:
        torch.set_default_dtype(torch.float32)


def _warning_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


@needs_torch
def test_set_default_tensor_type(restore_default_dtype):
    pl.set_warn_always(True)
    torch.set_warn_always(True)
    try:
        ours = _warning_of(lambda: pl.set_default_tensor_type(pl.DoubleTensor))
        theirs = _warning_of(lambda: torch.set_default_tensor_type(torch.DoubleTensor))
    finally:
        torch.set_warn_always(False)
    assert len(ours) == 1 and theirs[0].startswith(ours[0])
    assert pl.get_default_dtype() is pl.float64 and pl.tensor([1.]).dtype is pl.float64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pl.set_default_tensor_type("torch.FloatTensor")
        assert pl.get_default_dtype() is pl.float32
        pl.set_default_tensor_type(pl.HalfTensor)
        assert pl.get_default_dtype() is pl.float16
        pl.set_default_tensor_type(pl.FloatTensor)
        same_error(lambda: pl.set_default_tensor_type(pl.IntTensor),
                   lambda: torch.set_default_tensor_type(torch.IntTensor))
        same_error(lambda: pl.set_default_tensor_type(5),
                   lambda: torch.set_default_tensor_type(5))
        same_error(lambda: pl.set_default_tensor_type(pl.float64),
                   lambda: torch.set_default_tensor_type(torch.float64))
        same_error(lambda: pl.set_default_tensor_type("torch.Foo"),
                   lambda: torch.set_default_tensor_type("torch.Foo"))
        same_error(lambda: pl.set_default_tensor_type("no_such_module_xyz"),
                   lambda: torch.set_default_tensor_type("no_such_module_xyz"))
        if not pl.cuda.is_available() and not torch.cuda.is_available():
            same_error(lambda: pl.set_default_tensor_type("torch.cuda.FloatTensor"),
                       lambda: torch.set_default_tensor_type("torch.cuda.FloatTensor"))
    assert pl.get_default_dtype() is pl.float32


def test_set_default_tensor_type_warns_once_unless_warn_always(restore_default_dtype):
    pl.set_default_tensor_type(pl.FloatTensor)  # the process's one warning may go here
    assert _warning_of(lambda: pl.set_default_tensor_type(pl.FloatTensor)) == []
    pl.set_warn_always(True)
    assert len(_warning_of(lambda: pl.set_default_tensor_type(pl.FloatTensor))) == 1


# -- DLPack and frombuffer ----------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.int16,
                                   np.uint8, np.bool_, np.complex64])
def test_from_dlpack_numpy_matches_torch(dtype):
    a = (rng.standard_normal((3, 4)) * 10).astype(dtype)
    ours, theirs = pl.from_dlpack(a), torch.from_dlpack(a)
    assert repr(ours.dtype) == repr(theirs.dtype)
    # float64 is kept in 32 bits unless JAX's 64-bit mode is on (a documented difference).
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
    assert pl.utils.dlpack.from_dlpack is pl.from_dlpack


@needs_torch
def test_from_dlpack_torch_tensors_and_capsules():
    for t in (torch.arange(6).reshape(2, 3), torch.randn(3, 4).t(),
              torch.arange(4, dtype=torch.int32), torch.randn(3).to(torch.bfloat16),
              torch.tensor([True, False])):
        ours = pl.from_dlpack(t)
        assert repr(ours.dtype) == repr(t.dtype) and tuple(ours.shape) == tuple(t.shape)
        np.testing.assert_array_equal(ours.float().numpy(), t.float().numpy())
    capsule = torch.utils.dlpack.to_dlpack(torch.arange(5))
    np.testing.assert_array_equal(pl.from_dlpack(capsule).numpy(), np.arange(5))
    back = torch.from_dlpack(pl.utils.dlpack.to_dlpack(pl.arange(4.).double()))
    assert back.dtype == torch.float64 and back.tolist() == [0., 1., 2., 3.]
    same_error(lambda: pl.from_dlpack([1, 2]), lambda: torch.from_dlpack([1, 2]))
    assert pl.from_dlpack(pl.arange(3)).tolist() == [0, 1, 2]
    assert [m.name for m in pl.utils.dlpack.DLDeviceType] == \
        [m.name for m in torch.utils.dlpack.DLDeviceType]


@needs_torch
def test_tensor_dlpack_protocol():
    for t in (pl.arange(4), pl.arange(4.), pl.arange(4.).double(), pl.tensor([1 + 2j])):
        got = torch.from_dlpack(t)
        assert repr(got.dtype) == repr(t.dtype)
        np.testing.assert_array_equal(got.numpy(), t.numpy())
        np.testing.assert_array_equal(np.from_dlpack(t), t.numpy())
    same_error(lambda: pl.ones(2, requires_grad=True).__dlpack__(),
               lambda: torch.ones(2, requires_grad=True).__dlpack__())


@needs_torch
@pytest.mark.parametrize("dtype,count,offset", [
    ("int32", -1, 0), ("int16", 3, 2), ("uint8", -1, 5), ("float32", 2, 4),
    ("float64", -1, 0), ("bool", -1, 0), ("int64", 1, 8), ("complex64", -1, 0),
    ("bfloat16", -1, 2)])
def test_frombuffer_values_match_torch(dtype, count, offset):
    data = bytearray(range(1, 17))
    if dtype in ("float64", "int64"):
        # Values that 32-bit storage holds exactly (64-bit storage is opt-in here).
        data = bytearray(np.array([1.5, -2.25] if dtype == "float64" else [7, -3],
                                  dtype=dtype).tobytes())
    ours = pl.frombuffer(bytearray(data), dtype=getattr(pl, dtype), count=count,
                         offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.frombuffer(bytearray(data), dtype=getattr(torch, dtype), count=count,
                                  offset=offset)
    assert repr(ours.dtype) == repr(theirs.dtype)
    if dtype == "bfloat16":
        ours, theirs = ours.float(), theirs.float()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@needs_torch
def test_frombuffer_sources_grad_and_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for buf in (bytes(range(16)), array.array("f", [1., 2., 3.]), np.arange(4.)):
            ours = pl.frombuffer(buf, dtype=pl.float32)
            theirs = torch.frombuffer(buf, dtype=torch.float32)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    t = pl.frombuffer(bytearray(8), dtype=pl.float32, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    b = bytearray(range(16))
    cases = [dict(dtype="int32", count=0), dict(dtype="int32", offset=16),
             dict(dtype="int32", offset=-1), dict(dtype="int32", offset=1),
             dict(dtype="int32", count=5), dict(dtype="int32", requires_grad=True)]
    for kw in cases:
        name = kw.pop("dtype")
        same_error(lambda n=name, k=kw: pl.frombuffer(b, dtype=getattr(pl, n), **k),
                   lambda n=name, k=kw: torch.frombuffer(b, dtype=getattr(torch, n), **k))
    same_error(lambda: pl.frombuffer(bytearray(), dtype=pl.int32),
               lambda: torch.frombuffer(bytearray(), dtype=torch.int32))
    same_error(lambda: pl.frombuffer(b[:7], dtype=pl.int32),
               lambda: torch.frombuffer(bytearray(b[:7]), dtype=torch.int32))
    same_error(lambda: pl.frombuffer([1, 2], dtype=pl.int32),
               lambda: torch.frombuffer([1, 2], dtype=torch.int32))
    same_error(lambda: pl.frombuffer(b), lambda: torch.frombuffer(b))


# -- Tensor.mH ------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (1, 2, 1, 3)])
@pytest.mark.parametrize("complex_", [False, True])
def test_mH_values_and_gradients_match_torch(shape, complex_):
    a = rng.standard_normal(shape).astype(np.float32)
    if complex_:
        a = (a + 1j * rng.standard_normal(shape)).astype(np.complex64)
    wr = rng.standard_normal(shape[:-2] + shape[:-3:-1]).astype(np.float32)
    wi = rng.standard_normal(wr.shape).astype(np.float32)
    x, tx = pl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x.mH, tx.mH
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().resolve_conj().numpy())
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(x.adjoint().detach().numpy(),
                                  tx.adjoint().detach().resolve_conj().numpy())
    if complex_:
        loss = (y.real * pl.tensor(wr) + y.imag * pl.tensor(wi)).sum()
        tloss = (ty.real * torch.tensor(wr) + ty.imag * torch.tensor(wi)).sum()
    else:
        loss, tloss = (y * pl.tensor(wr)).sum(), (ty * torch.tensor(wr)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.resolve_conj().numpy(), rtol=1e-6,
                               atol=1e-6)


@needs_torch
def test_mH_mT_rank_errors_and_0d_warnings():
    v, tv = pl.arange(3.), torch.arange(3.)
    same_error(lambda: v.mH, lambda: tv.mH)
    same_error(lambda: v.mT, lambda: tv.mT)
    same_error(lambda: v.adjoint(), lambda: tv.adjoint())
    s, ts = pl.tensor(1 + 2j), torch.tensor(1 + 2j)
    for attr in ("mH", "mT"):
        ours = _warning_of(lambda a=attr: getattr(s, a))
        theirs = _warning_of(lambda a=attr: getattr(ts, a))
        assert len(ours) == 1 and theirs[0].startswith(ours[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert getattr(s, attr).item() == getattr(ts, attr).item()


@needs_torch
def test_H_matches_torch():
    a = (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))).astype(np.complex64)
    x, tx = pl.tensor(a), torch.tensor(a)
    np.testing.assert_array_equal(x.H.numpy(), tx.H.resolve_conj().numpy())
    r = rng.standard_normal((2, 3)).astype(np.float32)
    assert pl.tensor(r).H.stride() == torch.tensor(r).H.stride()
    for shape in ((3,), (2, 3, 4)):
        same_error(lambda s=shape: pl.zeros(s).H, lambda s=shape: torch.zeros(s).H)
    ours = _warning_of(lambda: pl.tensor(1 + 1j).H)
    theirs = _warning_of(lambda: torch.tensor(1 + 1j).H)
    assert len(ours) == 1 and theirs[0].startswith(ours[0])
