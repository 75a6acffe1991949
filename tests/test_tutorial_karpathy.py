"""Karpathy's makemore and nanoGPT code, as learners type it, against real torch.

Weights and batches are numpy-made and copied into both libraries (random streams differ).
"""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest

import pytorch_like as pl

torch = pytest.importorskip("torch")


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("lib_name", ["pl", "torch"])
def test_numpy_keyword_spellings_on_reductions(lib_name):
    # makemore part 1: ``P /= P.sum(1, keepdims=True)``; torch also takes ``axis=``.
    lib = pl if lib_name == "pl" else torch
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    assert tuple(x.sum(1, keepdims=True).shape) == (2, 1)
    np.testing.assert_allclose(_np(lib.mean(x, axis=0)), [2.5, 3.5, 5.0])
    np.testing.assert_allclose(_np(x.max(axis=1, keepdims=True).values), [[3.0], [7.0]])
    np.testing.assert_allclose(_np(x.std(axis=0, keepdims=True)), _np(x.std(0, keepdim=True)))
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        x.sum(dim=1, axis=1)


def _words() -> list[str]:
    rng = np.random.default_rng(0)
    syl = ["ka", "ma", "li", "ra", "na", "em", "zo", "qu", "xi", "be"]
    return ["".join(syl[j] for j in rng.integers(0, len(syl), rng.integers(1, 4)))
            for _ in range(15)]


def _bigram(lib, w0: np.ndarray):
    words = _words()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    n = len(stoi)
    N = lib.zeros((n, n), dtype=lib.int32)
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    xs, ys = lib.tensor(xs), lib.tensor(ys)
    W = lib.tensor(w0[:n, :n], requires_grad=True)
    losses = []
    for _ in range(3):
        xenc = lib.nn.functional.one_hot(xs, num_classes=n).float()
        counts = (xenc @ W).exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[lib.arange(xs.nelement()), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
        losses.append(loss.item())
    return N, P, losses, W


def test_makemore_bigram_counts_and_neural_net():
    w0 = np.random.default_rng(1).standard_normal((30, 30)).astype(np.float32)
    ours, theirs = _bigram(pl, w0), _bigram(torch, w0)
    assert str(ours[0].dtype) == str(theirs[0].dtype) == "torch.int32"
    np.testing.assert_array_equal(_np(ours[0]), _np(theirs[0]))
    np.testing.assert_allclose(_np(ours[1]), _np(theirs[1]), rtol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5)
    np.testing.assert_allclose(_np(ours[3]), _np(theirs[3]), rtol=1e-4, atol=1e-5)


def _net(lib, sd: dict):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.LayerNorm(8, bias=False),
                          nn.Linear(8, 3))
    model.load_state_dict({k: lib.tensor(v) for k, v in sd.items()})
    return model


def test_compiled_module_state_dict_prefix_training_and_attributes():
    # nanoGPT: ``model = torch.compile(model)``, trains through it, saves
    # ``model.state_dict()`` and strips the ``_orig_mod.`` prefix when loading.
    rng = np.random.default_rng(2)
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(),
                              torch.nn.LayerNorm(8, bias=False), torch.nn.Linear(8, 3))
    sd = {k: rng.standard_normal(tuple(v.shape)).astype(np.float32)
          for k, v in ref.state_dict().items()}
    x = rng.standard_normal((5, 4)).astype(np.float32)
    y = np.array([0, 2, 1, 1, 0])
    out = {}
    # torch.compile's wrapper behaves as asserted below (checked by hand: importing its
    # compiler alone takes seconds), and its compiled forward computes what its eager
    # forward does, so torch's side runs the plain model.
    for name, lib in (("pl", pl), ("torch", torch)):
        model = _net(lib, sd)
        run = cm = pl.compile(model) if lib is pl else model
        opt = lib.optim.AdamW(cm.parameters(), lr=1e-2)
        losses = []
        for _ in range(2):
            loss = lib.nn.functional.cross_entropy(run(lib.tensor(x)), lib.tensor(y))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        with lib.no_grad():
            pred = run(lib.tensor(x))
        out[name] = losses, _np(pred), _np(model[0].weight)
        if lib is torch:
            continue
        assert isinstance(cm, lib.nn.Module) and type(cm).__name__ == "OptimizedModule"
        assert cm._orig_mod is model
        keys = list(cm.state_dict())
        assert keys[0] == "_orig_mod.0.weight"
        assert [n for n, _ in cm.named_parameters()][-1] == "_orig_mod.3.bias"
        cm.eval()
        assert (cm.training, model.training) == (False, False)
        cm.train()
        assert model.training
        cm.note = 3  # other attributes live on the original module
        assert model.note == 3 and cm.note == 3
        twin = copy.deepcopy(cm)  # e.g. keeping the best model so far
        assert type(twin) is type(cm) and twin._orig_mod is not model
        assert list(twin.state_dict()) == keys
        state = {k.removeprefix("_orig_mod."): v for k, v in cm.state_dict().items()}
        assert repr(_net(lib, {k: _np(v) for k, v in state.items()}).load_state_dict(
            state)) == "<All keys matched successfully>"
    np.testing.assert_allclose(out["pl"][0], out["torch"][0], rtol=1e-5)
    np.testing.assert_allclose(out["pl"][1], out["torch"][1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["pl"][2], out["torch"][2], rtol=1e-4, atol=1e-5)


def test_cuda_is_bf16_supported_and_pin_memory_without_gpu():
    # nanoGPT's train.py: ``torch.cuda.is_bf16_supported()``, ``x.pin_memory()``.
    if pl.cuda.is_available():
        assert pl.cuda.is_bf16_supported() is True
        assert pl.zeros(2).pin_memory().shape == (2,)
        return
    if torch.cuda.is_available():
        pytest.skip("torch sees a GPU that pytorch_like does not")
    assert pl.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    with pytest.raises(RuntimeError) as theirs:
        torch.zeros(2).pin_memory()
    with pytest.raises(RuntimeError, match=str(theirs.value)):
        pl.zeros(2).pin_memory()


@pytest.mark.parametrize("kwargs", [dict(fused=True, foreach=True),
                                    dict(fused=True, differentiable=True)])
def test_fused_optimizer_flag_conflicts(kwargs):
    # nanoGPT's configure_optimizers passes ``fused=True`` when it is in the signature.
    with pytest.raises(RuntimeError) as theirs:
        torch.optim.AdamW(torch.nn.Linear(2, 2).parameters(), **kwargs)
    with pytest.raises(RuntimeError, match=str(theirs.value)):
        pl.optim.AdamW(pl.nn.Linear(2, 2).parameters(), **kwargs)
    assert "fused" in inspect.signature(pl.optim.AdamW).parameters
    assert pl.optim.AdamW(pl.nn.Linear(2, 2).parameters(), fused=True).defaults["fused"]


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_grad_fn_name_by_input_rank(shape, bias):
    # ``print(logits)`` of the GPT lecture's (B, T, C) model shows ``<ViewBackward0>``.
    def name(lib):
        return lib.nn.Linear(4, 5, bias=bias)(lib.ones(*shape)).grad_fn.name()
    assert name(pl) == name(torch)


def test_storage_of_a_view_is_its_bases_flat_values():
    # makemore part 2: ``a = torch.arange(18); a.view(3, 3, 2); a.storage()``.
    import warnings

    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = lib.arange(18).view(3, 3, 2)[1].storage()
            f = lib.tensor([1.5, 2.0, -3.25])[1:].storage()
        return str(s), str(f), len(s), s[4], s.tolist(), str(s.dtype), f.nbytes()
    assert run(pl) == run(torch)


def test_float_of_a_tensor_requiring_grad_warns_once():
    # makemore part 3 prints ``'%+.2f' % t.mean()`` of layer outputs that require grad;
    # torch warns (once per process) that the tensor should be detached first.
    import sys
    import warnings

    sys.modules["pytorch_like.tensor"]._FLOAT_GRAD_WARNED.clear()
    t = pl.ones(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert "%.2f" % t.mean() == "1.00"  # noqa: UP031 (the lecture's idiom)
        float(t.sum())
        float(t.sum().detach())
        assert f"{t.sum():.1f}" == "3.0" and t.sum().item() == 3.0
    msgs = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(msgs) == 1
    assert msgs[0].startswith("Converting a tensor with requires_grad=True to a scalar may "
                              "lead to unexpected behavior.\nConsider using tensor.detach() "
                              "first.")
