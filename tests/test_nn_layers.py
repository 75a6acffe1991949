"""Every nn layer against torch: same weights (copied from a torch module), same input;
outputs, input gradients, parameter gradients and buffers (BatchNorm running statistics)
must agree. Also the MNIST CNN of the source material, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as pnn

torch = pytest.importorskip("torch")

# (layer, args, kwargs, input shape[, integer input range]) — one or two per layer by
# default; the variants after them run with the slow marker.
CORE = [
    ("Linear", (5, 3), {}, (4, 5)),
    ("Linear", (5, 3), {"bias": False}, (2, 4, 5)),
    ("Conv1d", (2, 4, 3), {}, (2, 2, 9)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 8, 7)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2),
                                "groups": 2}, (2, 4, 9, 8)),
    ("ConvTranspose2d", (4, 6, (3, 2)), {"stride": 2, "padding": 1, "output_padding": 1,
                                         "groups": 2, "dilation": (1, 2)}, (2, 4, 5, 6)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3, 2, 1), {"ceil_mode": True}, (2, 3, 10, 8)),
    ("AvgPool2d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}, (2, 3, 10, 8)),
    ("AvgPool2d", (3, 2, 1), {"ceil_mode": True}, (2, 3, 10, 8)),
    ("AdaptiveAvgPool2d", ((3, 4),), {}, (2, 3, 7, 10)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 3, 7, 7)),
    ("BatchNorm1d", (3,), {}, (8, 3)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 5, 5)),
    ("LayerNorm", (5,), {}, (4, 3, 5)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5, 2)),
    ("Embedding", (10, 4), {"padding_idx": 2}, (3, 5), 10),
    ("Flatten", (), {}, (2, 3, 4)),
    ("Unflatten", (1, (2, 3)), {}, (4, 6)),
    ("Identity", (), {}, (4, 6)),
    ("ReLU", (), {}, (4, 6)),
    ("LeakyReLU", (0.2,), {}, (4, 6)),
    ("ELU", (0.7,), {}, (4, 6)),
    ("GELU", (), {}, (4, 6)),
    ("GELU", ("tanh",), {}, (4, 6)),
    ("SiLU", (), {}, (4, 6)),
    ("Sigmoid", (), {}, (4, 6)),
    ("Tanh", (), {}, (4, 6)),
    ("Softmax", (1,), {}, (4, 6)),
    ("LogSoftmax", (-1,), {}, (4, 6)),
    ("Softplus", (2.0, 1.0), {}, (4, 6)),
    ("Hardtanh", (-0.5, 0.5), {}, (4, 6)),
    ("ReLU6", (), {}, (4, 6)),
    ("Mish", (), {}, (4, 6)),
    ("PReLU", (3,), {}, (4, 3, 5)),
]

MORE = [
    ("Conv2d", (3, 4, 4), {"padding": "same"}, (2, 3, 8, 7)),
    ("Bilinear", (5, 5, 3), {}, None),
    ("Conv1d", (2, 4, 4), {"padding": "same", "dilation": 2}, (2, 2, 9)),
    ("Conv2d", (3, 4, 3), {"padding": "valid", "bias": False}, (2, 3, 8, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 3, 8, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 2, "padding_mode": "replicate"}, (2, 3, 8, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "circular"}, (2, 3, 8, 7)),
    ("Conv2d", (3, 4, 3), {}, (3, 8, 7)),
    ("Conv3d", (2, 3, 2), {}, (1, 2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 6, 3), {}, (2, 4, 5, 5)),
    ("ConvTranspose1d", (4, 2, 3), {"stride": 3, "padding": 2}, (2, 4, 5)),
    ("MaxPool2d", (3, 2, 1), {}, (2, 3, 9, 8)),
    ("MaxPool2d", (3, 2, 0), {"ceil_mode": True}, (2, 3, 10, 8)),
    ("MaxPool2d", ((3, 2), (2, 1), (1, 0)), {"dilation": 2, "ceil_mode": True},
     (2, 3, 11, 8)),
    ("MaxPool1d", (3,), {"stride": 2, "ceil_mode": True}, (2, 3, 10)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False}, (2, 3, 9, 8)),
    ("AvgPool2d", (3, 2, 0), {"ceil_mode": True}, (2, 3, 10, 8)),
    ("AvgPool2d", (2,), {"divisor_override": 3}, (2, 3, 8, 8)),
    ("AvgPool1d", (3, 2, 1), {"ceil_mode": True}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((None, 4),), {}, (2, 3, 7, 10)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool2d", ((3, 4),), {}, (2, 3, 7, 10)),
    ("AdaptiveMaxPool1d", (2,), {}, (2, 3, 8)),
    ("BatchNorm1d", (3,), {}, (8, 3, 5)),
    ("BatchNorm2d", (3,), {"affine": False}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"bias": False}, (4, 3, 5, 5)),
    ("BatchNorm3d", (3,), {}, (2, 3, 2, 3, 3)),
    ("LayerNorm", ((3, 5),), {"elementwise_affine": False}, (4, 3, 5)),
    ("LayerNorm", (5,), {"bias": False, "eps": 1e-3}, (4, 3, 5)),
    ("GroupNorm", (1, 4), {"affine": False}, (3, 4, 5)),
    ("InstanceNorm2d", (3,), {}, (2, 3, 4, 4)),
    ("InstanceNorm1d", (3,), {"affine": True}, (2, 3, 6)),
    ("RMSNorm", ((3, 5),), {"eps": 1e-3}, (4, 3, 5)),
    ("Embedding", (10, 4), {}, (3, 5), 10),
    ("Embedding", (10, 4), {"padding_idx": -1}, (30,), 10),
    ("Embedding", (10, 4), {"max_norm": 1.0}, (3, 5), 10),
    ("Flatten", (0, 1), {}, (2, 3, 4)),
    ("SELU", (), {}, (4, 6)),
    ("CELU", (0.5,), {}, (4, 6)),
    ("Hardsigmoid", (), {}, (4, 6)),
    ("Hardswish", (), {}, (4, 6)),
    ("Softsign", (), {}, (4, 6)),
    ("Softshrink", (0.3,), {}, (4, 6)),
    ("Hardshrink", (0.3,), {}, (4, 6)),
    ("Tanhshrink", (), {}, (4, 6)),
    ("Threshold", (0.1, -2.0), {}, (4, 6)),
    ("LogSigmoid", (), {}, (4, 6)),
    ("GLU", (0,), {}, (4, 6)),
    ("PReLU", (), {}, (4, 6)),
    ("Softmin", (0,), {}, (4, 6)),
    ("Softmax2d", (), {}, (2, 3, 4, 4)),
    ("ZeroPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 4)),
    ("ConstantPad1d", (2, 1.5), {}, (2, 3, 4)),
    ("ConstantPad2d", ((-1, 2, 0, -1), 0.5), {}, (2, 3, 4, 4)),
    ("ReflectionPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 4)),
    ("ReplicationPad2d", (2,), {}, (2, 3, 4, 4)),
    ("CircularPad2d", (1,), {}, (2, 3, 4, 4)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 3)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
]


def copy_weights(src, dst) -> None:
    """torch module -> pytorch_like module, through numpy (copied: torch's memory is live)."""
    sd = {k: pl.tensor(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(sd)


def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def compare_modules(tm, pm, inputs, *, atol=1e-5, rtol=1e-5, seed=1) -> None:
    """Forward on the same inputs, backward the same cotangent, compare everything."""
    rng = np.random.default_rng(seed)
    t_in, p_in = [], []
    for x in inputs:
        if x.dtype.kind == "f":
            t_in.append(torch.tensor(x, requires_grad=True))
            p_in.append(pl.tensor(x, requires_grad=True))
        else:
            t_in.append(torch.tensor(x))
            p_in.append(pl.tensor(x))
    to, po = tm(*t_in), pm(*p_in)
    if isinstance(to, tuple):
        to, po = to[0], po[0]
    assert tuple(po.shape) == tuple(to.shape)
    assert str(po.dtype) == str(to.dtype)
    np.testing.assert_allclose(_np(po), _np(to), atol=atol, rtol=rtol, err_msg="output")
    if not to.requires_grad:
        return
    ct = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    (to * torch.tensor(ct)).sum().backward()
    (po * pl.tensor(ct)).sum().backward()
    for k, (t, p) in enumerate(zip(t_in, p_in)):
        if t.requires_grad:
            np.testing.assert_allclose(_np(p.grad), _np(t.grad), atol=atol * 10, rtol=rtol,
                                       err_msg=f"grad of input {k}")
    ours = dict(pm.named_parameters())
    assert list(ours) == [n for n, _ in tm.named_parameters()]
    for name, p in tm.named_parameters():
        if p.grad is None:
            assert ours[name].grad is None
            continue
        np.testing.assert_allclose(_np(ours[name].grad), _np(p.grad), atol=atol * 10,
                                   rtol=rtol, err_msg=f"grad of {name}")
    ours_b = dict(pm.named_buffers())
    for name, b in tm.named_buffers():
        np.testing.assert_allclose(np.asarray(ours_b[name], dtype=np.float64),
                                   b.numpy().astype(np.float64), atol=1e-6, rtol=1e-5,
                                   err_msg=f"buffer {name}")


def _run_case(case, train: bool = True) -> None:
    name, args, kwargs, shape = case[:4]
    tm = getattr(torch.nn, name)(*args, **kwargs)
    pm = getattr(pnn, name)(*args, **kwargs)
    copy_weights(tm, pm)
    tm.train(train)
    pm.train(train)
    rng = np.random.default_rng(0)
    if name == "Bilinear":
        inputs = [rng.standard_normal((4, 5)).astype(np.float32) for _ in range(2)]
    elif len(case) > 4:
        inputs = [rng.integers(0, case[4], shape)]
    else:
        inputs = [rng.standard_normal(shape).astype(np.float32)]
    compare_modules(tm, pm, inputs)


def _ids(cases):
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


@pytest.mark.parametrize("case", CORE, ids=_ids(CORE))
def test_layer_matches_torch(case):
    _run_case(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", MORE, ids=_ids(MORE))
def test_layer_variant_matches_torch(case):
    _run_case(case)


def test_batchnorm_running_stats_over_steps_then_eval():
    tm, pm = torch.nn.BatchNorm2d(4, momentum=0.3), pnn.BatchNorm2d(4, momentum=0.3)
    copy_weights(tm, pm)
    rng = np.random.default_rng(3)
    for step in range(4):
        x = (rng.standard_normal((6, 4, 3, 3)) * (step + 1) + step).astype(np.float32)
        compare_modules(tm, pm, [x], seed=step)
    assert int(pm.num_batches_tracked) == 4 and pm.num_batches_tracked.dtype == pl.int64
    tm.eval()
    pm.eval()
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    compare_modules(tm, pm, [x], atol=2e-5)
    # eval mode leaves the statistics alone
    np.testing.assert_allclose(np.asarray(pm.running_var), tm.running_var.numpy(), rtol=1e-5)
    assert int(pm.num_batches_tracked) == 4


def test_batchnorm_cumulative_average_momentum_none():
    tm, pm = torch.nn.BatchNorm1d(3, momentum=None), pnn.BatchNorm1d(3, momentum=None)
    rng = np.random.default_rng(4)
    for step in range(3):
        x = (rng.standard_normal((5, 3)) + step).astype(np.float32)
        compare_modules(tm, pm, [x], seed=step)


def test_maxpool_return_indices_match_torch():
    x = np.random.default_rng(5).standard_normal((2, 3, 9, 10)).astype(np.float32)
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)]:
        tv, ti = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        pv, pi = pnn.functional.max_pool2d(pl.tensor(x), return_indices=True, **kw)
        assert pi.dtype == pl.int64
        np.testing.assert_array_equal(np.asarray(pi), ti.numpy())
        np.testing.assert_array_equal(np.asarray(pv), tv.numpy())


class _MnistCNN:
    """The source material's MNIST network, written once for both libraries."""

    @staticmethod
    def build(lib):
        nn = lib.nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.dropout1 = nn.Dropout(0.25)
                self.dropout2 = nn.Dropout(0.5)
                self.fc1 = nn.Linear(9216, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = self.conv1(x)
                x = lib.nn.functional.relu(x)
                x = self.conv2(x)
                x = lib.nn.functional.relu(x)
                x = lib.nn.functional.max_pool2d(x, 2)
                x = self.dropout1(x)
                x = lib.flatten(x, 1)
                x = self.fc1(x)
                x = lib.nn.functional.relu(x)
                x = self.dropout2(x)
                x = self.fc2(x)
                return lib.nn.functional.log_softmax(x, dim=1)

        return Net()


def test_mnist_cnn_forward_backward_matches_torch_in_eval_mode():
    import pytorch_like.nn  # noqa: F401  (pl.nn attribute)

    torch.manual_seed(0)
    tm = _MnistCNN.build(torch)
    pm = _MnistCNN.build(pl)
    assert [n for n, _ in pm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    copy_weights(tm, pm)
    tm.eval()
    pm.eval()
    x = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    compare_modules(tm, pm, [x], atol=2e-5, rtol=1e-4)


@pytest.mark.slow
def test_mnist_cnn_as_sequential_state_dict_names_and_shapes():
    def seq(nn):
        return nn.Sequential(nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                             nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(128, 10))

    tm, pm = seq(torch.nn), seq(pnn)
    t_sd, p_sd = tm.state_dict(), pm.state_dict()
    assert list(p_sd) == list(t_sd)
    assert [tuple(v.shape) for v in p_sd.values()] == [tuple(v.shape) for v in t_sd.values()]
    assert repr(pm) == repr(tm)
    copy_weights(tm, pm)
    tm.eval()
    pm.eval()
    x = np.random.default_rng(1).standard_normal((2, 1, 28, 28)).astype(np.float32)
    compare_modules(tm, pm, [x], atol=2e-5, rtol=1e-4)
