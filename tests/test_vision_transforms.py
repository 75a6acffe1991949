"""vision.transforms: values against torch's formulas, randomness, batching, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.vision import transforms as T
from pytorch_like.vision.transforms import _apply_batched

RNG = np.random.default_rng(0)
IMG = RNG.integers(0, 256, (9, 11), dtype=np.uint8)
IMG_C = RNG.integers(0, 256, (9, 11, 3), dtype=np.uint8)


def _np(x):
    return np.asarray(x)


def test_to_tensor():
    t = T.ToTensor()(IMG)
    assert isinstance(t, pl.Tensor) and t.dtype == pl.float32 and tuple(t.shape) == (1, 9, 11)
    np.testing.assert_array_equal(_np(t)[0], IMG.astype(np.float32) / np.float32(255))
    c = T.ToTensor()(IMG_C)
    assert tuple(c.shape) == (3, 9, 11)
    np.testing.assert_array_equal(_np(c), np.transpose(IMG_C, (2, 0, 1)) / np.float32(255))
    f = T.ToTensor()(np.full((2, 2), 3.0))
    assert f.dtype == pl.float64 and _np(f).max() == 3.0  # no scaling for non-uint8
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(
        _np(c), torch.from_numpy(np.transpose(IMG_C, (2, 0, 1)).copy()).float().div(255).numpy())


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray. Got <class 'list'>"):
        T.ToTensor()([[1]])
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()(pl.zeros(2, 2))
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        T.ToTensor()(np.zeros(3, np.uint8))


def test_pil_to_tensor_and_convert_dtype():
    t = T.PILToTensor()(IMG_C)
    assert t.dtype == pl.uint8 and tuple(t.shape) == (3, 9, 11)
    f = T.ConvertImageDtype(pl.float32)(t)
    np.testing.assert_allclose(_np(f), np.transpose(IMG_C, (2, 0, 1)) / 255.0, rtol=1e-6)
    back = T.ConvertImageDtype(pl.uint8)(f)
    np.testing.assert_array_equal(_np(back), _np(t))
    assert T.ConvertImageDtype(pl.int16)(t).dtype == pl.int16
    assert _np(T.ConvertImageDtype(pl.int16)(pl.tensor([[[255]]], dtype=pl.uint8))).item() \
        == 255 * 128
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        T.ConvertImageDtype(pl.int32)(f)
    with pytest.raises(TypeError, match="Input img should be Tensor Image"):
        T.ConvertImageDtype(pl.float32)(IMG)


def test_normalize_matches_torch():
    torch = pytest.importorskip("torch")
    x = RNG.random((3, 5, 4)).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    ours = T.Normalize(mean, std)(pl.tensor(x))
    theirs = (torch.tensor(x) - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    assert ours.dtype == pl.float32
    np.testing.assert_array_equal(_np(ours), theirs.numpy())


def test_normalize_inplace_grad_and_errors():
    x = pl.tensor(np.ones((1, 2, 2), np.float32))
    out = T.Normalize((0.5,), (0.25,), inplace=True)(x)
    assert out is x and np.allclose(_np(x), 2.0)
    g = pl.tensor(np.ones((1, 2, 2), np.float32), requires_grad=True)
    T.Normalize((0.5,), (0.25,))(g).sum().backward()
    np.testing.assert_allclose(_np(g.grad), 4.0)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8"):
        T.Normalize((0.5,), (0.5,))(pl.zeros(1, 2, 2, dtype=pl.uint8))
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size "
                                         r"\(\.\.\., C, H, W\)"):
        T.Normalize((0.5,), (0.5,))(pl.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to "
                                         "torch.float32, leading to division by zero."):
        T.Normalize((0.5,), (0.0,))(pl.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(RuntimeError, match="must match the size"):
        T.Normalize((0.5, 0.5), (0.5, 0.5))(pl.zeros(3, 2, 2))


def test_compose_lambda_and_repr():
    c = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2), T.Normalize((0.1307,), (0.3081,))])
    out = c(IMG)
    np.testing.assert_allclose(_np(out)[0], (IMG / 255.0 * 2 - 0.1307) / 0.3081, rtol=1e-5)
    r = repr(T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]))
    assert r == "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_pad_modes_match_numpy():
    for mode, np_mode in (("constant", "constant"), ("edge", "edge"), ("reflect", "reflect"),
                          ("symmetric", "symmetric")):
        out = T.Pad((1, 2, 3, 4), padding_mode=mode)(IMG)
        np.testing.assert_array_equal(out, np.pad(IMG, ((2, 4), (1, 3)), mode=np_mode))
    out = T.Pad(1, fill=(1, 2, 3))(IMG_C)
    assert out.shape == (11, 13, 3) and out[0, 0].tolist() == [1, 2, 3]
    t = T.Pad([2, 1])(pl.tensor(np.ones((1, 2, 2), np.float32)))
    assert tuple(t.shape) == (1, 4, 6)
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, "
                                         "not a 3 element tuple"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        T.Pad("1")


def test_center_crop():
    out = T.CenterCrop(5)(IMG)
    top, left = int(round((9 - 5) / 2.0)), int(round((11 - 5) / 2.0))
    np.testing.assert_array_equal(out, IMG[top:top + 5, left:left + 5])
    big = T.CenterCrop((11, 12))(IMG)
    assert big.shape == (11, 12) and big[0].sum() == 0
    np.testing.assert_array_equal(big[1:10, 0:11], IMG)


def test_random_crop_windows_and_reproducibility():
    pl.manual_seed(0)
    a = [T.RandomCrop(5)(IMG) for _ in range(6)]
    pl.manual_seed(0)
    b = [T.RandomCrop(5)(IMG) for _ in range(6)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert len({x.tobytes() for x in a}) > 1
    windows = {IMG[i:i + 5, j:j + 5].tobytes() for i in range(5) for j in range(7)}
    assert all(x.tobytes() in windows for x in a)
    padded = T.RandomCrop(9, padding=2)(IMG)
    assert padded.shape == (9, 9)
    np.testing.assert_array_equal(T.RandomCrop((9, 11))(IMG), IMG)  # full size: no draw
    grown = T.RandomCrop(12, pad_if_needed=True)(IMG)
    assert grown.shape == (12, 12)
    t = T.RandomCrop(4)(pl.tensor(np.ones((2, 9, 11), np.float32)))
    assert isinstance(t, pl.Tensor) and tuple(t.shape) == (2, 4, 4)
    with pytest.raises(ValueError, match=r"Required crop size \(10, 10\) is larger than input "
                                         r"image size \(9, 11\)"):
        T.RandomCrop(10)(IMG)
    with pytest.raises(ValueError, match="Please provide only two dimensions"):
        T.RandomCrop((1, 2, 3))


def test_random_flips():
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(IMG), IMG[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(IMG_C), IMG_C[::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0)(IMG), IMG)
    flips = [np.array_equal(T.RandomHorizontalFlip()(IMG), IMG) for _ in range(200)]
    assert 60 < sum(flips) < 140


def test_random_rotation():
    sq = RNG.integers(0, 256, (7, 7), dtype=np.uint8)
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(sq), np.rot90(sq))
    np.testing.assert_array_equal(T.RandomRotation((-90, -90))(sq), np.rot90(sq, -1))
    np.testing.assert_array_equal(T.RandomRotation((180, 180))(IMG_C), IMG_C[::-1, ::-1])
    np.testing.assert_array_equal(T.RandomRotation(0)(IMG), IMG)
    np.testing.assert_array_equal(T.RandomRotation((90, 90), expand=True)(IMG), np.rot90(IMG))
    rot = T.RandomRotation((45, 45), fill=7)(np.zeros((9, 9), np.uint8))
    assert rot[0, 0] == 7 and rot[4, 4] == 0
    pl.manual_seed(1)
    a = T.RandomRotation(30, interpolation=T.InterpolationMode.BILINEAR)(IMG)
    pl.manual_seed(1)
    b = T.RandomRotation(30, interpolation="bilinear")(IMG)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.uint8
    t = T.RandomRotation(10)(pl.tensor(np.ones((3, 9, 11), np.float32)))
    assert isinstance(t, pl.Tensor) and tuple(t.shape) == (3, 9, 11)
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="If degrees is a sequence, it must be of len 2."):
        T.RandomRotation((1, 2, 3))
    with pytest.raises(ValueError, match="If center is a sequence, it must be of len 2."):
        T.RandomRotation(3, center=(1,))
    with pytest.raises(NotImplementedError, match="not implemented"):
        T.RandomRotation(3, interpolation=T.InterpolationMode.BICUBIC)


@pytest.mark.parametrize("size,mode", [((5, 4), "bilinear"), ((13, 17), "bilinear"),
                                       ((13, 5), "nearest"), ((4, 22), "nearest")])
def test_resize_matches_torch_interpolate(size, mode):
    torch = pytest.importorskip("torch")
    x = RNG.random((2, 3, 7, 9)).astype(np.float32)
    ours = T.Resize(size, interpolation=mode)(pl.tensor(x))
    kw = {"align_corners": False} if mode == "bilinear" else {}
    theirs = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode=mode, **kw)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), theirs.numpy(), atol=1e-6)


def test_resize_sizes_and_uint8():
    assert T.Resize(14)(np.zeros((28, 56), np.uint8)).shape == (14, 28)
    assert T.Resize(14)(np.zeros((56, 28), np.uint8)).shape == (28, 14)
    assert T.Resize(10, max_size=15)(np.zeros((10, 40), np.uint8)).shape == (3, 15)
    assert T.Resize(9)(IMG).shape == (9, 11)  # already that size
    out = T.Resize((18, 22))(IMG)
    assert out.dtype == np.uint8 and out.shape == (18, 22)
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)


BATCH = RNG.integers(0, 256, (6, 9, 11), dtype=np.uint8)
BATCH_C = RNG.integers(0, 256, (6, 9, 11, 3), dtype=np.uint8)


@pytest.mark.parametrize("name", ["to_tensor", "pil", "norm", "resize", "center", "pad",
                                  "lambda_mid", "flip_p1", "convert"])
def test_batched_equals_per_image(name):
    norm = T.Normalize((0.5, 0.4, 0.3), (0.2, 0.3, 0.4))
    tf = {
        "to_tensor": T.ToTensor(),
        "pil": T.PILToTensor(),
        "norm": T.Compose([T.ToTensor(), norm]),
        "resize": T.Compose([T.Resize((5, 7)), T.ToTensor()]),
        "center": T.Compose([T.ToTensor(), T.CenterCrop(7), norm]),
        "pad": T.Compose([T.Pad((1, 2), padding_mode="reflect"), T.ToTensor()]),
        "lambda_mid": T.Compose([T.ToTensor(), T.Lambda(lambda t: t.flip(-1)), norm]),
        "flip_p1": T.Compose([T.RandomHorizontalFlip(1.0), T.ToTensor()]),
        "convert": T.Compose([T.PILToTensor(), T.ConvertImageDtype(pl.float64), norm]),
    }[name]
    batched = _apply_batched(tf, BATCH_C)
    single = np.stack([_np(tf(np.array(b))) for b in BATCH_C])
    assert batched.dtype == single.dtype and batched.shape == single.shape
    np.testing.assert_array_equal(batched, single)


def test_batched_random_crop_uses_the_per_image_draws():
    from pytorch_like.utils.data import _worker

    tf = T.RandomCrop(6, padding=1)
    _worker._local.rng = np.random.default_rng(5)
    try:
        batched = _apply_batched(tf, BATCH)
        _worker._local.rng = np.random.default_rng(5)
        single = np.stack([tf(np.array(b)) for b in BATCH])
    finally:
        _worker._local.rng = None
    np.testing.assert_array_equal(batched, single)


def test_subclass_overriding_forward_is_not_batched():
    class Twice(T.ToTensor):
        def forward(self, pic):
            return super().forward(pic) * 2

    out = _apply_batched(Twice(), BATCH)
    np.testing.assert_allclose(out, BATCH[:, None] / 255.0 * 2, rtol=1e-6)
