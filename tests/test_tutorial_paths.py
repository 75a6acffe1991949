"""Mistakes and idioms met while following PyTorch's beginner tutorials, against real torch.

Each test runs the same code with ``pytorch_like`` and with torch on the same numpy data:
what torch refuses must be refused here with its words, and what it warns about warned.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pytorch_like as pl
from parity import same_error, same_outcome

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("target_shape", [(4, 1), (4, 2), (4, 1, 1)])
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_label_column_target_is_refused_as_multi_target(name, target_shape):
    # y.view(-1, 1) (labels as a column) with (N, C) scores.
    scores = np.random.default_rng(0).standard_normal((4, 10)).astype(np.float32)
    labels = np.array([1, 2, 3, 9]).reshape(target_shape[:1] + (1,) * (len(target_shape) - 1))
    labels = np.broadcast_to(labels, target_shape).copy()

    def run(lib):
        return lambda: getattr(lib.nn.functional, name)(lib.tensor(scores), lib.tensor(labels))

    same_error(run(pl), run(torch))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        pl.nn.CrossEntropyLoss()(pl.tensor(scores), pl.tensor(labels))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_bce_with_logits_refuses_integer_labels(dtype):
    # nn.BCEWithLogitsLoss()(logits, y) with y straight from the dataset: torch wants floats.
    logits = np.array([[0.3, -0.6], [1.2, 0.1]], np.float32)
    labels = np.array([[1, 0], [0, 1]]).astype(dtype)

    def run(lib, **kw):
        return lambda: lib.nn.BCEWithLogitsLoss(**kw)(lib.tensor(logits), lib.tensor(labels))

    same_error(run(pl), run(torch))
    same_error(run(pl, pos_weight=pl.tensor([2., 1.])),
               run(torch, pos_weight=torch.tensor([2., 1.])))
    # The fix torch's error leads to gives torch's value.
    ours = pl.nn.BCEWithLogitsLoss()(pl.tensor(logits), pl.tensor(labels).float())
    theirs = torch.nn.BCEWithLogitsLoss()(torch.tensor(logits), torch.tensor(labels).float())
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)


@pytest.mark.parametrize("ishape,wshape,kw", [
    ((1, 1, 3, 3), (4, 1, 5, 5), {}),
    ((1, 1, 3, 8), (4, 1, 5, 5), {}),
    ((1, 1, 3, 3), (4, 1, 3, 3), {"dilation": 2}),
    ((1, 3, 3), (4, 1, 5, 5), {}),
    ((1, 1, 3), (4, 1, 5), {}),
    ((1, 1, 3, 3, 3), (4, 1, 5, 5, 5), {}),
])
def test_conv_kernel_larger_than_input_is_refused(ishape, wshape, kw):
    # A CNN fed images smaller than its design (conv after too much pooling).
    x = np.ones(ishape, np.float32)
    w = np.ones(wshape, np.float32)
    fn = {3: "conv1d", 4: "conv2d", 5: "conv3d"}[len(wshape)]

    def run(lib):
        return lambda: getattr(lib.nn.functional, fn)(lib.tensor(x), lib.tensor(w), **kw)

    same_error(run(pl), run(torch))


@pytest.mark.parametrize("kw", [{"padding": 1}, {"padding": 2}, {"padding": "same"}])
def test_conv_kernel_fits_once_padded(kw):
    x = np.random.default_rng(1).standard_normal((1, 1, 3, 3)).astype(np.float32)
    w = np.random.default_rng(2).standard_normal((4, 1, 5, 5)).astype(np.float32)
    ours = pl.nn.functional.conv2d(pl.tensor(x), pl.tensor(w), **kw)
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kw)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


def test_parameter_of_integer_tensor_error_as_torch():
    same_error(lambda: pl.nn.Parameter(pl.tensor([1, 2])),
               lambda: torch.nn.Parameter(torch.tensor([1, 2])))
    # requires_grad=False keeps an integer Parameter, as in torch.
    p = pl.nn.Parameter(pl.tensor([1, 2]), requires_grad=False)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1, 2]), requires_grad=False))


def _copy_construct_warnings(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.tensor(lib.ones(2))
        lib.tensor([1., 2.])
        lib.tensor(np.ones(2))
    return [(w.category, str(w.message), w.filename) for w in caught]


def test_tensor_of_a_tensor_warns_as_torch():
    ours = _copy_construct_warnings(pl)
    theirs = _copy_construct_warnings(torch)
    assert len(ours) == len(theirs) == 1
    assert ours[0][:2] == theirs[0][:2]
    assert ours[0][2] == __file__  # points at the caller's line


def _sgd_state_after_steps(lib, **kw):
    # The blitz's manual-then-optim.SGD loop: one step, then the optimizer's state_dict.
    rng = np.random.default_rng(2)
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(rng.standard_normal((2, 3)).astype(np.float32)))
        lin.bias.zero_()
    opt = lib.optim.SGD(lin.parameters(), lr=0.01, **kw)
    x = lib.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    for _ in range(2):
        opt.zero_grad()
        lib.nn.MSELoss()(lin(x), lib.zeros(4, 2)).backward()
        opt.step()
    sd = opt.state_dict()
    return {k: {n: v.numpy() for n, v in st.items()} for k, st in sd["state"].items()}, \
        sd["param_groups"], lin.weight.detach().numpy()


@pytest.mark.parametrize("kw", [{}, {"momentum": 0.9}])
def test_sgd_state_dict_state_as_torch(kw):
    # Without momentum torch's SGD keeps no per-parameter state: 'state' stays {}.
    ours, ours_groups, ours_w = _sgd_state_after_steps(pl, **kw)
    theirs, theirs_groups, theirs_w = _sgd_state_after_steps(torch, **kw)
    assert ours.keys() == theirs.keys()
    assert (ours == {}) == (not kw)
    for k in theirs:
        assert ours[k].keys() == theirs[k].keys()
        for name in theirs[k]:
            np.testing.assert_allclose(ours[k][name], theirs[k][name], rtol=1e-5)
    assert ours_groups == theirs_groups
    np.testing.assert_allclose(ours_w, theirs_w, rtol=1e-5)


_SEQUENCE_OPERANDS = [
    lambda lib: lib.ones(2) * (lib.ones(2),),  # `input = ctx.saved_tensors`, comma forgotten
    lambda lib: lib.ones(2) * [1., 2.],
    lambda lib: [1., 2.] * lib.ones(2),
    lambda lib: lib.tensor(2) * [1, 2],  # list repetition, as in Python
    lambda lib: lib.ones(2) + (1., 2.),
    lambda lib: (1.,) + lib.ones(2),
    lambda lib: lib.ones(2) - [1., 2.],
    lambda lib: [1., 2.] - lib.ones(2),
    lambda lib: lib.ones(2) / [1., 2.],
    lambda lib: lib.ones(2) ** [1., 2.],
    lambda lib: lib.ones(2) @ [1., 2.],
    lambda lib: lib.tensor([True, False]) & [True, True],
    lambda lib: lib.ones(2) == [1., 1.],
    lambda lib: lib.ones(2) != (1., 1.),
    lambda lib: lib.ones(2) * lib.Size([2]),
    lambda lib: lib.tensor(3) * lib.Size([2]),
]


@pytest.mark.parametrize("k", range(len(_SEQUENCE_OPERANDS)))
def test_operator_with_list_or_tuple_as_torch(k):
    # torch's operators answer NotImplemented to a list or tuple, so Python decides.
    fn = _SEQUENCE_OPERANDS[k]
    try:
        theirs = fn(torch)
    except TypeError:
        same_error(lambda: fn(pl), lambda: fn(torch))
        return
    ours = fn(pl)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours == theirs


def test_inplace_operator_with_a_list_as_torch():
    def run(lib):
        def go():
            t = lib.ones(2)
            t += [1., 2.]
        return go

    same_error(run(pl), run(torch))


def _legendre(lib, forget_comma=False):
    class LegendreP3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return 0.5 * (5 * v ** 3 - 3 * v)

        @staticmethod
        def backward(ctx, grad_output):
            if forget_comma:
                v = ctx.saved_tensors
            else:
                v, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * v ** 2 - 1)
    return LegendreP3


def test_custom_function_saved_tensors_without_unpacking_fails_as_torch():
    def run(lib):
        x = lib.tensor(np.linspace(-1, 1, 5).astype(np.float32), requires_grad=True)
        return lambda: _legendre(lib, forget_comma=True).apply(x).sum().backward()

    same_error(run(pl), run(torch))


def test_custom_function_instance_is_deprecated_not_refused():
    # `P3 = LegendrePolynomial3().apply` works in torch, with a DeprecationWarning; calling
    # the instance itself is the legacy-function error.
    x_np = np.linspace(-1, 1, 5).astype(np.float32)
    got = {}
    for lib in (pl, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn = _legendre(lib)()
        assert [w.category for w in caught] == [DeprecationWarning]
        assert caught[0].filename == __file__
        x = lib.tensor(x_np, requires_grad=True)
        y = fn.apply(x)
        y.sum().backward()
        got[lib] = (str(caught[0].message).split("'>")[1], y.detach().numpy(), x.grad.numpy(),
                    y.grad_fn.name())
        with pytest.raises(RuntimeError, match="Legacy autograd function"):
            fn(x)
    assert got[pl][0] == got[torch][0]
    np.testing.assert_allclose(got[pl][1], got[torch][1], rtol=1e-6)
    np.testing.assert_allclose(got[pl][2], got[torch][2], rtol=1e-6)
    assert got[pl][3] == got[torch][3] == "LegendreP3Backward"


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "uint8"])
@pytest.mark.parametrize("which", ["input", "weight_and_bias", "input_no_bias"])
def test_conv_dtype_mismatch_error_as_torch(dtype, which):
    # net(torch.from_numpy(images)) with float64 (or uint8) images into a float32 Conv2d.
    def run(lib):
        d = getattr(lib, dtype)
        x = lib.ones(1, 1, 8, 8, dtype=d if which != "weight_and_bias" else lib.float32)
        w = lib.ones(2, 1, 3, 3, dtype=d if which == "weight_and_bias" else lib.float32)
        b = None if which == "input_no_bias" else lib.ones(2, dtype=w.dtype)
        return lambda: lib.nn.functional.conv2d(x, w, b)

    same_error(run(pl), run(torch))


def test_conv_module_on_float64_images_error_as_torch():
    images = np.random.default_rng(0).random((2, 3, 32, 32))  # float64, as numpy makes them

    def run(lib):
        conv = lib.nn.Conv2d(3, 6, 5)
        return lambda: conv(lib.from_numpy(images))

    same_error(run(pl), run(torch))


@pytest.mark.parametrize("case", [
    ("CrossEntropyLoss", lambda lib: 3),  # `img, label = trainset[0]`: label is an int
    ("CrossEntropyLoss", lambda lib: [1, 2]),
    ("CrossEntropyLoss", lambda lib: (1, 2)),
    ("CrossEntropyLoss", lambda lib: np.array([1, 2])),
    ("CrossEntropyLoss", lambda lib: np.int64(1)),
    ("NLLLoss", lambda lib: 3),
    ("NLLLoss", lambda lib: [1, 2]),
])
def test_classification_loss_refuses_non_tensor_target_as_torch(case):
    name, target = case

    def run(lib):
        scores = lib.tensor(np.random.default_rng(1).standard_normal((2, 10)).astype(np.float32))
        return lambda: getattr(lib.nn, name)()(scores, target(lib))

    same_error(run(pl), run(torch))


def test_cross_entropy_refuses_non_tensor_input_as_torch():
    scores = np.zeros((2, 10), np.float32)
    same_error(lambda: pl.nn.functional.cross_entropy(scores, pl.tensor([1, 2])),
               lambda: torch.nn.functional.cross_entropy(scores, torch.tensor([1, 2])))
    same_error(lambda: pl.nn.functional.nll_loss(scores.tolist(), pl.tensor([1, 2])),
               lambda: torch.nn.functional.nll_loss(scores.tolist(), torch.tensor([1, 2])))


@pytest.mark.parametrize("num_workers", [0, 2])
def test_dataloader_iterator_next_method_error_as_torch(num_workers):
    # `dataiter.next()` from older tutorials: Python 3 iterators have no .next().
    ds = pl.utils.data.TensorDataset(pl.arange(6).float())
    it = iter(pl.utils.data.DataLoader(ds, batch_size=2, num_workers=num_workers))
    if num_workers == 0:
        tds = torch.utils.data.TensorDataset(torch.arange(6).float())
        tit = iter(torch.utils.data.DataLoader(tds, batch_size=2))
        same_error(lambda: it.next(), lambda: tit.next())
        return
    # torch's workers are processes, which a test should not start next to JAX's threads:
    # torch's message names its iterator class, taken from torch here.
    cls = torch.utils.data.dataloader._MultiProcessingDataLoaderIter.__name__
    with pytest.raises(AttributeError, match=f"^'{cls}' object has no attribute 'next'$"):
        it.next()


def test_save_into_missing_folder_error_as_torch(tmp_path):
    # torch.save(net.state_dict(), './models/cifar_net.pth') before ./models exists.
    path = tmp_path / "models" / "cifar_net.pth"
    for f in (str(path), path):
        same_error(lambda f=f: pl.save(pl.nn.Linear(2, 2).state_dict(), f),
                   lambda f=f: torch.save(torch.nn.Linear(2, 2).state_dict(), f))
    assert not path.parent.exists()
    pl.save({"w": pl.ones(2)}, tmp_path / "ok.pth")  # an existing folder still works
    assert torch.load(tmp_path / "ok.pth", weights_only=True)["w"].tolist() == [1., 1.]


def _cifar_net(lib, **conv_kw):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5, **conv_kw)
            self.pool = nn.MaxPool2d(2, 2)
            self.fc = nn.Linear(6 * 14 * 14, 10)

        def forward(self, x):
            x = self.pool(nn.functional.relu(self.conv1(x)))
            return self.fc(lib.flatten(x, 1))

    return Net()


_IMAGES = np.random.default_rng(4).random((2, 3, 32, 32)).astype(np.float32)


@pytest.mark.parametrize("batch", [lambda: _IMAGES, lambda: _IMAGES.tolist()])
@pytest.mark.parametrize("conv_kw", [{}, {"bias": False, "padding": "same"},
                                     {"padding": 2, "padding_mode": "reflect"}])
def test_model_called_on_a_numpy_batch_errors_as_torch(batch, conv_kw):
    # outputs = net(images) with images still a numpy array (or a list).
    same_error(lambda: _cifar_net(pl, **conv_kw)(batch()),
               lambda: _cifar_net(torch, **conv_kw)(batch()))


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.Linear(3, 2)(np.ones((4, 3), np.float32)),
    lambda lib: lib.nn.Linear(3, 2)([1., 2., 3.]),
    lambda lib: lib.nn.functional.linear(lib.ones(2, 3), np.ones((4, 3), np.float32)),
    lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(4, 3), [0.] * 4),
    lambda lib: lib.flatten(np.ones((2, 3)), 1),
    lambda lib: lib.nn.functional.relu(_IMAGES),
    lambda lib: lib.nn.functional.relu(_IMAGES, inplace=True),
    lambda lib: lib.nn.ReLU()(_IMAGES),
    lambda lib: lib.nn.functional.max_pool2d(_IMAGES, (2, 2)),
    lambda lib: lib.nn.MaxPool2d(2, 2)(_IMAGES),
    lambda lib: lib.nn.functional.avg_pool2d(_IMAGES, 2),
    lambda lib: lib.nn.functional.dropout(_IMAGES, 0.5),
    lambda lib: lib.nn.functional.pad(_IMAGES, (1, 1)),
    lambda lib: lib.nn.functional.pad(_IMAGES, (1, 1), mode="reflect"),
    lambda lib: lib.nn.functional.conv2d(_IMAGES, lib.ones(6, 3, 5, 5)),
    lambda lib: lib.nn.functional.conv2d(_IMAGES, lib.ones(6, 3, 5, 5), None, 1, "same"),
    lambda lib: lib.nn.functional.conv2d(_IMAGES, lib.ones(6, 3, 5, 5), padding=1),
    lambda lib: lib.nn.functional.conv2d(lib.ones(1, 3, 8, 8), np.ones((6, 3, 5, 5))),
    lambda lib: lib.nn.functional.conv1d(_IMAGES[0], lib.ones(6, 32, 5), lib.ones(6),
                                         (1,), (0,), (1,), 1),
])
def test_layers_refuse_numpy_input_as_torch(call):
    same_error(lambda: call(pl), lambda: call(torch))


def test_numpy_batch_converted_first_gives_torch_values():
    # The fix the error leads to: torch.from_numpy(images) (or torch.tensor).
    ours, theirs = _cifar_net(pl), _cifar_net(torch)
    ours.load_state_dict({k: pl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    out_ours = ours(pl.from_numpy(_IMAGES))
    out_theirs = theirs(torch.from_numpy(_IMAGES))
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [
    ("float64", "float32", "float32"), ("float64", "float32", None),
    ("float32", "float64", "float64"), ("float16", "float32", "float32"),
    ("int64", "float32", "float32"), ("float32", "float32", "float64"),
])
def test_conv_transpose_dtype_mismatch_as_torch(case):
    # Before: a float64 input into a float32 ConvTranspose2d ran silently here.
    xd, wd, bd = case

    def run(lib):
        x = lib.ones(1, 1, 4, 4, dtype=getattr(lib, xd))
        w = lib.ones(1, 2, 3, 3, dtype=getattr(lib, wd))
        b = None if bd is None else lib.ones(2, dtype=getattr(lib, bd))
        return lambda: lib.nn.functional.conv_transpose2d(x, w, b)

    def same_result(ours, theirs):
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    same_outcome(run(pl), run(torch), same_result)


def test_implicit_softmax_dim_warns_at_the_users_line():
    x = pl.randn(2, 3)
    for call in (lambda: pl.nn.functional.softmax(x), lambda: pl.nn.Softmax()(x),
                 lambda: pl.nn.functional.log_softmax(x)):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            call()
        assert [w.filename for w in got] == [__file__]
        assert "Implicit dimension choice for softmax" in str(got[0].message)


@pytest.mark.parametrize("name,shape,kw", [
    ("std", (1,), {}), ("var", (3, 1), {"dim": 1}), ("var", (2, 2), {"correction": 4}),
    ("std", (2, 2), {"dim": 0, "correction": 0}), ("var", (2, 2), {"correction": 2}),
    ("std_mean", (1,), {}), ("var_mean", (1,), {}), ("var", (4,), {"unbiased": False}),
])
def test_variance_without_degrees_of_freedom_warns_as_torch(name, shape, kw):
    # x.std() of one value (a batch of one): nan, with torch's warning.
    def run(lib):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            out = getattr(lib, name)(lib.ones(shape), **kw)
        out = out[0] if isinstance(out, tuple) else out
        return [str(w.message).split(" (Triggered internally")[0] for w in got
                if issubclass(w.category, UserWarning)], out, got

    ours, our_out, got = run(pl)
    theirs, their_out, _ = run(torch)
    assert ours == theirs
    assert all(w.filename == __file__ for w in got)
    np.testing.assert_array_equal(our_out.numpy(), their_out.numpy())


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("args,kw", [
    (((2.0, 3),), {}), (((3, 2.0),), {}), (((3, 4, 2.5),), {}), ((2.0,), {}),
    ((2.0, 3), {}), ((3, 2.0), {}), ((3, 4, 2.5), {}), ((), {"size": (3, 2.0)}),
    ((), {"size": (2.0, 3)}), (([3, 2.0],), {}),
])
def test_float_sizes_are_refused_as_torch(fn, args, kw):
    # torch.zeros(n / 2), nn.Linear(784.0, 10): a float where the shape needs ints.
    same_error(lambda: getattr(pl, fn)(*args, **kw), lambda: getattr(torch, fn)(*args, **kw))


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(784.0, 10),
                                  lambda lib: lib.nn.Linear(2, 3.0),
                                  lambda lib: lib.nn.Conv2d(1.0, 2, 3)])
def test_layers_with_float_sizes_are_refused_as_torch(make):
    same_error(lambda: make(pl), lambda: make(torch))
    assert pl.zeros((3, True)).shape == torch.zeros((3, True)).shape  # bools are ints


@pytest.mark.parametrize("dtype", ["bool", "int64"])
@pytest.mark.parametrize("which", ["input", "target"])
@pytest.mark.parametrize("loss", ["l1_loss", "kl_div", "mse_loss"])
def test_regression_losses_refuse_bool_and_integer_operands_as_torch(loss, which, dtype):
    # L1Loss()(pred, mask), kl_div on integer counts: torch refuses, mse_loss computes.
    def run(lib):
        a = lib.ones(3)
        b = lib.ones(3, dtype=getattr(lib, dtype))
        args = (b, a) if which == "input" else (a, b)
        return lambda: getattr(lib.nn.functional, loss)(*args, reduction="sum")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_outcome(run(pl), run(torch), lambda ours, theirs: (
            np.testing.assert_equal(ours.item(), theirs.item()),
            np.testing.assert_equal(ours.dtype.is_floating_point,
                                    theirs.dtype.is_floating_point)))
