"""Tutorial code run against real torch: ``vision.utils`` (``make_grid`` / ``save_image``,
as the DCGAN and VAE tutorials use them), learning-rate schedulers, checkpoints and the
DataLoader details training loops rely on, plus the errors a learner hits along the way."""

from __future__ import annotations

import copy
import io
import math
import sys
import warnings

import numpy as np
import pytest

import pytorch_like as pl
from pytorch_like.vision import utils as vutils

torch = pytest.importorskip("torch")


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _copy_weights(src, dst) -> None:
    dst.load_state_dict({k: pl.tensor(v.numpy()) for k, v in src.state_dict().items()})


def _errors(f_ours, f_theirs):
    """Run both; return (type name, message) of what each raised (None when nothing)."""
    out = []
    for f in (f_ours, f_theirs):
        try:
            f()
            out.append(None)
        except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
            out.append((type(e).__name__, str(e)))
    return out


# -- vision.utils -------------------------------------------------------------------------

def _torch_make_grid(t, nrow=8, padding=2, normalize=False, value_range=None,
                     scale_each=False, pad_value=0.0):
    # torchvision's documented make_grid, written with torch ops image by image.
    if isinstance(t, list):
        t = torch.stack(t)
    if t.dim() == 2:
        t = t.unsqueeze(0)
    if t.dim() == 3:
        if t.size(0) == 1:
            t = torch.cat((t, t, t), 0)
        t = t.unsqueeze(0)
    if t.dim() == 4 and t.size(1) == 1:
        t = torch.cat((t, t, t), 1)
    if normalize is True:
        t = t.clone()

        def norm(img):
            lo, hi = value_range if value_range is not None else (float(img.min()),
                                                                  float(img.max()))
            img.clamp_(min=lo, max=hi).sub_(lo).div_(max(hi - lo, 1e-5))
        for img in (t if scale_each is True else [t]):
            norm(img)
    if t.size(0) == 1:
        return t.squeeze(0)
    n = t.size(0)
    xm = min(nrow, n)
    ym = math.ceil(n / xm)
    h, w = t.size(2) + padding, t.size(3) + padding
    grid = t.new_full((t.size(1), h * ym + padding, w * xm + padding), pad_value)
    for k in range(n):
        y, x = divmod(k, xm)
        grid[:, y * h + padding:(y + 1) * h, x * w + padding:(x + 1) * w] = t[k]
    return grid


@pytest.mark.parametrize("shape,kw", [
    ((5, 3, 4, 6), dict(nrow=2, padding=0)),
    ((10, 1, 3, 3), dict(nrow=4, padding=1, pad_value=0.5)),
    ((1, 4, 4), {}), ((3, 5), {}),
    ((6, 3, 3, 3), dict(normalize=True, nrow=100)),
    ((6, 3, 3, 3), dict(normalize=True, scale_each=True, nrow=4)),
    ((6, 1, 3, 3), dict(normalize=True, value_range=(-1, 1))),
    ((6, 3, 3, 3), dict(normalize=1)),  # torchvision tests ``is True``
])
def test_make_grid_matches_torchvision(shape, kw):
    a = (np.random.default_rng(2).standard_normal(shape) * 3).astype(np.float32)
    want = _torch_make_grid(torch.tensor(a), **kw)
    got = vutils.make_grid(pl.tensor(a), **kw)
    assert tuple(got.shape) == tuple(want.shape) and got.dtype == pl.float32
    assert not got.requires_grad
    # Normalizing divides by a Python float: XLA multiplies by its reciprocal (1 ulp).
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6, atol=1e-7)


def test_make_grid_list_uint8_and_errors():
    rng = np.random.default_rng(3)
    imgs = [rng.integers(0, 255, (3, 2, 3)).astype(np.uint8) for _ in range(5)]
    want = _torch_make_grid([torch.tensor(i) for i in imgs], nrow=2, pad_value=255)
    got = vutils.make_grid([pl.tensor(i) for i in imgs], nrow=2, pad_value=255)
    assert got.dtype == pl.uint8
    np.testing.assert_array_equal(_np(got), _np(want))
    for bad in ("x", [1, 2], (pl.ones(3, 2, 2),)):
        with pytest.raises(TypeError, match="tensor or list of tensors expected"):
            vutils.make_grid(bad)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        vutils.make_grid(pl.ones(2, 3, 2, 2), normalize=True, value_range=[0, 1])
    x = pl.ones(2, 3, 2, 2) * 2
    vutils.make_grid(x, normalize=True)
    assert x.min().item() == 2.0  # the caller's batch is not normalized in place


def _expected_pixels(a, **kw):
    g = _torch_make_grid(torch.tensor(a), **kw)
    return g.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()


def test_save_image_pixels(tmp_path, monkeypatch):
    Image = pytest.importorskip("PIL.Image")
    a = np.random.default_rng(4).uniform(-0.2, 1.2, (5, 3, 4, 5)).astype(np.float32)
    want = _expected_pixels(a, nrow=2)
    vutils.save_image(pl.tensor(a), tmp_path / "grid.png", nrow=2)
    np.testing.assert_array_equal(np.array(Image.open(tmp_path / "grid.png")), want)
    # Without Pillow, PNG is still written (by the module's own encoder).
    monkeypatch.setitem(sys.modules, "PIL", None)
    buf = io.BytesIO()
    vutils.save_image(pl.tensor(a[:, :1]), buf, format="png", normalize=True)
    with pytest.raises(ImportError):
        vutils.save_image(pl.tensor(a), tmp_path / "grid.jpg")
    monkeypatch.delitem(sys.modules, "PIL")
    np.testing.assert_array_equal(np.array(Image.open(io.BytesIO(buf.getvalue()))),
                                  _expected_pixels(a[:, :1], normalize=True))


# -- schedulers, checkpoints, the training-loop toolbox --------------------------------

_SCHEDULERS = [
    ("StepLR", lambda S, o: S.StepLR(o, step_size=2, gamma=0.5), {}),
    ("MultiStepLR", lambda S, o: S.MultiStepLR(o, milestones=[1, 3], gamma=0.5), {}),
    ("CosineAnnealingWarmRestarts",
     lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.01), {}),
    ("OneCycleLR", lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=6),
     dict(momentum=0.9)),
    ("CyclicLR", lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"),
     dict(momentum=0.9)),
    ("SequentialLR", lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=2),
                                                     S.CosineAnnealingLR(o, T_max=3)],
                                                 milestones=[2]), {}),
    ("ChainedScheduler", lambda S, o: S.ChainedScheduler([S.ConstantLR(o, 0.5, total_iters=2),
                                                          S.ExponentialLR(o, 0.9)]), {}),
]


@pytest.mark.parametrize("name,make,opt_kw", _SCHEDULERS, ids=[s[0] for s in _SCHEDULERS])
def test_schedulers_step_by_step(name, make, opt_kw):
    runs = []
    for lib in (torch, pl):
        o = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1, **opt_kw)
        s = make(lib.optim.lr_scheduler, o)
        trace = []
        for _ in range(6):
            o.step()
            s.step()
            g = o.param_groups[0]
            trace.append((s.get_last_lr(), g["lr"], g.get("momentum")))
        s2 = make(lib.optim.lr_scheduler, o)
        s2.load_state_dict(s.state_dict())
        runs.append((trace, sorted(s.state_dict()), getattr(s2, "last_epoch", None),
                     s2.get_last_lr()))
    (tt, tk, te, tl), (pt, pk, pe, plr) = runs
    assert pk == tk and pe == te
    np.testing.assert_allclose(plr, tl, rtol=1e-12)
    for (a, b, c), (x, y, z) in zip(tt, pt):
        np.testing.assert_allclose(x, a, rtol=1e-12)
        assert y == pytest.approx(b, rel=1e-12) and (z is None) == (c is None)
        assert z is None or z == pytest.approx(c, rel=1e-12)


def test_plateau_and_order_warning():
    losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8]
    lrs, msgs = [], []
    for lib in (torch, pl):
        o = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(o, "min", patience=1, factor=0.5)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for v in losses:
                s.step(v)  # before any optimizer.step(): no order warning for this one
                o.step()
            st = lib.optim.lr_scheduler.StepLR(lib.optim.SGD([lib.nn.Parameter(lib.ones(1))],
                                                             lr=0.1), 1)
            st.step()
        lrs.append([o.param_groups[0]["lr"], s.get_last_lr(), s.num_bad_epochs, s.best])
        msgs.append([str(x.message) for x in w])
    assert lrs[1] == lrs[0] and msgs[1] == msgs[0] and len(msgs[0]) == 1


def test_checkpoint_resume_early_stopping_and_loading(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 8, 3)).astype(np.float32)
    Y = rng.integers(0, 2, (4, 8))
    tref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))

    def fresh():
        m = pl.nn.Sequential(pl.nn.Linear(3, 4), pl.nn.ReLU(), pl.nn.Linear(4, 2))
        _copy_weights(tref, m)
        opt = pl.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
        return m, opt, pl.optim.lr_scheduler.StepLR(opt, 1, 0.5)

    def train(m, opt, sched, steps):
        for i in steps:
            opt.zero_grad()
            loss = pl.nn.functional.cross_entropy(m(pl.tensor(X[i])), pl.tensor(Y[i]))
            loss.backward()
            opt.step()
            sched.step()
        return loss

    m, opt, sched = fresh()
    train(m, opt, sched, range(4))
    m2, opt2, sched2 = fresh()
    best = copy.deepcopy(m2.state_dict())
    w0 = _np(m2[0].weight).copy()
    loss = train(m2, opt2, sched2, range(2))
    assert np.array_equal(_np(best["0.weight"]), w0)  # deepcopy really copied
    pl.save({"epoch": 2, "model_state_dict": m2.state_dict(),
             "optimizer_state_dict": opt2.state_dict(), "sched": sched2.state_dict(),
             "loss": loss.item()}, tmp_path / "ck.pt")
    ck = pl.load(tmp_path / "ck.pt", weights_only=True)
    m3, opt3, sched3 = fresh()
    m3.load_state_dict(ck["model_state_dict"])
    opt3.load_state_dict(ck["optimizer_state_dict"])
    sched3.load_state_dict(ck["sched"])
    train(m3, opt3, sched3, range(ck["epoch"], 4))
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(_np(m3.state_dict()[k]), _np(v))
    assert m2.load_state_dict(best).__repr__() == "<All keys matched successfully>"
    np.testing.assert_array_equal(_np(m2[0].weight), w0)
    # strict=False reports what did not match, with torch's repr
    sd = {k: v for k, v in m2.state_dict().items() if k != "2.bias"}
    sd["extra.weight"] = pl.zeros(1)
    tsd = {k: v for k, v in tref.state_dict().items() if k != "2.bias"}
    tsd["extra.weight"] = torch.zeros(1)
    assert repr(m2.load_state_dict(sd, strict=False)) == \
        repr(tref.load_state_dict(tsd, strict=False))


def test_clip_grad_and_frozen_features():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    out = []
    tref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    for lib in (torch, pl):
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Linear(4, 2))
        _copy_weights(tref, m) if lib is pl else m.load_state_dict(tref.state_dict())
        for p in m[0].parameters():
            p.requires_grad = False
        opt = lib.optim.SGD(filter(lambda p: p.requires_grad, m.parameters()), lr=0.1)
        (m(lib.tensor(x)) ** 2).sum().mul(10).backward()
        n = lib.nn.utils.clip_grad_norm_(m.parameters(), max_norm=1.0)
        v = lib.nn.utils.clip_grad_value_(m.parameters(), clip_value=0.05)
        opt.step()
        out.append((type(n).__name__, n.shape, n.item(), v, m[0].weight.grad,
                    _np(m[1].weight)))
    (tn, ts, tv, tc, tg, tw), (pn, ps, pv, pc, pg, pw) = out
    assert (pn, tuple(ps), pc, pg) == (tn, tuple(ts), tc, tg)
    assert pv == pytest.approx(tv, rel=1e-6)
    np.testing.assert_allclose(pw, tw, atol=1e-6)


# -- DataLoader ---------------------------------------------------------------------------

def test_pin_memory_warning_matches_torch():
    msgs = []
    for lib in (torch, pl):
        loader = lib.utils.data.DataLoader(list(range(4)), batch_size=2, pin_memory=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for _ in loader:
                pass
        msgs.append([str(x.message) for x in w if "pin" in str(x.message)])
    if torch.accelerator.is_available() != pl.accelerator.is_available():
        pytest.skip("the two libraries see different accelerators")
    assert msgs[1] == msgs[0]


def test_dict_batches_and_padding_collate():
    class DictDS:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.arange(2, dtype=np.float32) + i, "y": i % 3, "w": i / 2,
                    "f64": np.float64(i), "pair": (i, np.int32(i)), "name": f"s{i}"}

    def collate(batch):
        seqs = [b[0] for b in batch]
        return batch[0][1].nn.utils.rnn.pad_sequence(seqs, batch_first=True)

    batches = []
    for lib in (torch, pl):
        b = next(iter(lib.utils.data.DataLoader(DictDS(), batch_size=3)))
        batches.append({k: (str(v.dtype), v.tolist()) if hasattr(v, "dtype") else
                        [(str(t.dtype), t.tolist()) for t in v] if k == "pair" else v
                        for k, v in b.items()})
        seqs = [(lib.arange(n) + 1, lib) for n in (3, 1, 2)]
        padded = next(iter(lib.utils.data.DataLoader(seqs, batch_size=3, collate_fn=collate)))
        batches.append((str(padded.dtype), padded.tolist()))
    assert batches[2:] == batches[:2]


# -- errors a learner meets -----------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.randn(2, dtype=m.long),
    lambda m: m.rand(2, dtype=m.int32),
    lambda m: m.randn_like(m.ones(2, dtype=m.long)),
    lambda m: m.rand_like(m.ones(2, dtype=m.bool)),
    lambda m: m.normal(m.zeros(2, dtype=m.long), 1.0),
    lambda m: m.zeros(2, dtype=m.uint8).normal_(),
    lambda m: m.zeros(2, dtype=m.long).uniform_(),
    lambda m: m.zeros(2, dtype=m.long).exponential_(),
    lambda m: float(m.tensor([2.5, 1.0])),
    lambda m: int(m.ones(0)),
    lambda m: bool(m.ones(0, 3)),
    lambda m: m.zeros(3).fill_(m.ones(1, 1)),
    lambda m: m.zeros(3).fill_([1.0, 2]),
    lambda m: m.zeros(3).fill_("a"),
    lambda m: m.full((2,), m.tensor([3.0])),
    lambda m: m.full((2,), [1.0]),
    lambda m: m.zeros(2).new_full((2,), m.ones(2)),
    lambda m: m.nn.ConvTranspose2d(1, 1, 3, stride=(2, 3), output_padding=(1, 3))(
        m.ones(1, 1, 2, 2)),
    lambda m: m.nn.ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)(m.ones(1, 1, 2)),
])
def test_learner_errors_match_torch(call):
    ours, theirs = _errors(lambda: call(pl), lambda: call(torch))
    assert theirs is not None and ours == theirs


def test_random_fills_of_float_and_complex_still_work():
    assert pl.randn(2, dtype=pl.complex64).dtype == pl.complex64
    assert pl.full((2,), pl.tensor(3)).dtype == pl.int64
    assert pl.zeros(2).fill_(pl.tensor(True)).tolist() == [1.0, 1.0]


def test_inplace_activation_node_names():
    # DCGAN's discriminator: nn.LeakyReLU(0.2, inplace=True) prints grad_fn=<LeakyReluBackward1>
    names = []
    for lib in (torch, pl):
        nn, F = lib.nn, lib.nn.functional
        x = lib.ones(2, requires_grad=True)
        names.append([f(x * 1).grad_fn.name() for f in (
            nn.LeakyReLU(0.2, inplace=True), nn.ELU(inplace=True), nn.SELU(True),
            nn.CELU(inplace=True), F.celu, nn.Threshold(0.1, 0.0, True),
            nn.RReLU(inplace=True).eval(), nn.ReLU(True), nn.LeakyReLU(0.2))])
    assert names[1] == names[0]
