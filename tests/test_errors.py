"""Bad input raises torch's exception class with torch's words, at the user's line."""

import os
import traceback
import warnings

import pytest

import pytorch_like as pl

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch (the oracle) is not installed")


def _raise(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (the caller compares the exception)
        return e
    raise AssertionError("no exception raised")


def same_error(ours_fn, torch_fn):
    """Both raise the same exception class with the same message."""
    ours = _raise(ours_fn)
    if torch is not None:
        theirs = _raise(torch_fn)
        assert type(ours) is type(theirs), (type(ours), type(theirs), str(theirs))
        assert str(ours) == str(theirs), f"\n ours:  {ours}\n torch: {theirs}"
    return ours


def test_broadcast_mismatch():
    e = same_error(lambda: pl.zeros(2) + pl.zeros(4), lambda: torch.zeros(2) + torch.zeros(4))
    assert isinstance(e, RuntimeError)
    assert str(e) == ("The size of tensor a (2) must match the size of tensor b (4) at "
                      "non-singleton dimension 0")
    same_error(lambda: pl.zeros(3, 2) * pl.zeros(3, 4), lambda: torch.zeros(3, 2) * torch.zeros(
        3, 4))
    same_error(lambda: pl.zeros(2, 3) - pl.zeros(4, 1, 3).sum(1)[:, None, :][:, :, :2],
               lambda: torch.zeros(2, 3) - torch.zeros(4, 1, 3).sum(1)[:, None, :][:, :, :2])
    same_error(lambda: pl.zeros(5, 3) < pl.zeros(4, 3), lambda: torch.zeros(5, 3) < torch.zeros(
        4, 3))


def test_matmul_mismatch():
    e = same_error(lambda: pl.zeros(3, 7) @ pl.zeros(10, 5),
                   lambda: torch.zeros(3, 7) @ torch.zeros(10, 5))
    assert str(e) == "mat1 and mat2 shapes cannot be multiplied (3x7 and 10x5)"
    same_error(lambda: pl.mm(pl.zeros(3, 7), pl.zeros(10, 5)),
               lambda: torch.mm(torch.zeros(3, 7), torch.zeros(10, 5)))


def test_backward_twice():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    e = same_error(lambda: run(pl), lambda: run(torch))
    assert str(e).startswith("Trying to backward through the graph a second time")


def test_non_scalar_backward():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward()
    e = same_error(lambda: run(pl), lambda: run(torch))
    assert str(e) == "grad can be implicitly created only for scalar outputs"


def test_int_requires_grad():
    e = same_error(lambda: pl.tensor([1, 2], requires_grad=True),
                   lambda: torch.tensor([1, 2], requires_grad=True))
    assert str(e) == "Only Tensors of floating point and complex dtype can require gradients"
    same_error(lambda: pl.zeros(2, dtype=pl.int64).requires_grad_(),
               lambda: torch.zeros(2, dtype=torch.int64).requires_grad_())
    same_error(lambda: pl.ones(2, dtype=pl.int32, requires_grad=True),
               lambda: torch.ones(2, dtype=torch.int32, requires_grad=True))


def test_invalid_view():
    e = same_error(lambda: pl.zeros(10).view(3, 3), lambda: torch.zeros(10).view(3, 3))
    assert str(e) == "shape '[3, 3]' is invalid for input of size 10"
    same_error(lambda: pl.zeros(10).reshape(-1, 3), lambda: torch.zeros(10).reshape(-1, 3))
    same_error(lambda: pl.zeros(10).view(-1, -1), lambda: torch.zeros(10).view(-1, -1))


def test_cat_mismatch():
    same_error(lambda: pl.cat([pl.zeros(2, 3), pl.zeros(2, 4)]),
               lambda: torch.cat([torch.zeros(2, 3), torch.zeros(2, 4)]))
    same_error(lambda: pl.cat([pl.zeros(2, 3), pl.zeros(3)]),
               lambda: torch.cat([torch.zeros(2, 3), torch.zeros(3)]))
    same_error(lambda: pl.stack([pl.zeros(2, 3), pl.zeros(2, 4)]),
               lambda: torch.stack([torch.zeros(2, 3), torch.zeros(2, 4)]))
    same_error(lambda: pl.cat([]), lambda: torch.cat([]))


def test_index_out_of_range():
    same_error(lambda: pl.zeros(3)[3], lambda: torch.zeros(3)[3])
    same_error(lambda: pl.zeros(3, 4)[:, -5], lambda: torch.zeros(3, 4)[:, -5])
    same_error(lambda: pl.zeros(3)[pl.tensor([0, 3])], lambda: torch.zeros(3)[torch.tensor([0, 3])])
    same_error(lambda: pl.zeros(3)[[5]], lambda: torch.zeros(3)[[5]])
    same_error(lambda: pl.zeros(3, 4)[0, 0, 0], lambda: torch.zeros(3, 4)[0, 0, 0])
    same_error(lambda: pl.tensor(1.0)[0], lambda: torch.tensor(1.0)[0])
    same_error(lambda: pl.zeros(3).sum(1), lambda: torch.zeros(3).sum(1))
    same_error(lambda: pl.zeros(2, 3).transpose(0, 2), lambda: torch.zeros(2, 3).transpose(0, 2))


def test_mean_of_int():
    e = same_error(lambda: pl.tensor([1, 2, 3]).mean(), lambda: torch.tensor([1, 2, 3]).mean())
    assert "mean(): could not infer output dtype" in str(e)


def test_other_messages_match_torch():
    same_error(lambda: pl.zeros(2, 3).permute(0, 1, 2), lambda: torch.zeros(2, 3).permute(0, 1, 2))
    same_error(lambda: pl.zeros(2, 3).expand(4, 3), lambda: torch.zeros(2, 3).expand(4, 3))
    same_error(lambda: pl.tensor([1.0]).item() + pl.zeros(2).item(),
               lambda: torch.tensor([1.0]).item() + torch.zeros(2).item())
    same_error(lambda: pl.tensor([True]) - pl.tensor([False]),
               lambda: torch.tensor([True]) - torch.tensor([False]))
    same_error(lambda: pl.zeros(2).split([1, 2]), lambda: torch.zeros(2).split([1, 2]))
    same_error(lambda: pl.zeros(3).chunk(0), lambda: torch.zeros(3).chunk(0))
    same_error(lambda: pl.zeros(2, 3).flatten(1, 0), lambda: torch.zeros(2, 3).flatten(1, 0))
    same_error(lambda: pl.zeros(2, 3).t().t().reshape(4, 2),
               lambda: torch.zeros(2, 3).t().t().reshape(4, 2))
    same_error(lambda: pl.zeros(2, 3, 4).t(), lambda: torch.zeros(2, 3, 4).t())
    same_error(lambda: len(pl.tensor(1.0)), lambda: len(torch.tensor(1.0)))
    same_error(lambda: pl.zeros(2, requires_grad=True).numpy(),
               lambda: torch.zeros(2, requires_grad=True).numpy())


# -- the error points at the user's line -------------------------------------------------
_PKG = os.path.dirname(pl.__file__)


def _last_user_frame(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_PKG) and "/jax/" not in f.filename]
    return frames[-1]


@pytest.mark.parametrize("what", ["broadcast", "matmul", "view", "cat", "index", "mean",
                                  "int_grad", "backward"])
def test_error_raised_at_user_line(what):
    x = pl.ones(2, 3, requires_grad=True)
    try:
        if what == "broadcast":
            x + pl.ones(4)  # USER LINE
        elif what == "matmul":
            x @ pl.ones(4, 2)  # USER LINE
        elif what == "view":
            x.view(4, 2)  # USER LINE
        elif what == "cat":
            pl.cat([x, pl.ones(2, 4)])  # USER LINE
        elif what == "index":
            x[5]  # USER LINE
        elif what == "mean":
            pl.ones(2, dtype=pl.int64).mean()  # USER LINE
        elif what == "int_grad":
            pl.ones(2, dtype=pl.int64).requires_grad_()  # USER LINE
        elif what == "backward":
            (x * 2).backward()  # USER LINE
    except (RuntimeError, IndexError) as e:
        frame = _last_user_frame(e)
        assert frame.filename == __file__
        assert frame.line.endswith("# USER LINE"), frame.line
    else:
        raise AssertionError("no error")


def test_error_is_synchronous_shape_checked_at_call():
    # The failing op raises at its call: nothing recorded runs later to fail at backward().
    x = pl.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        y = x + pl.ones(2)  # noqa: F841
    z = (x * 2).sum()
    z.backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


# -- the warning points at the user's line -----------------------------------------------
class _DictOut(pl.nn.Module):
    def forward(self, x):
        return {"a": x}


class _Raises(pl.nn.Module):
    def forward(self, x):
        raise RuntimeError("boom")


def _silenced_global_hook():
    def hook(m, a, r):
        raise ValueError("hook")
    handle = pl.nn.modules.module.register_module_forward_hook(hook, always_call=True)
    try:
        _Raises()(pl.ones(1))  # USER LINE
    except RuntimeError:
        pass
    finally:
        handle.remove()


def _hooked(module, full=True):
    (module.register_full_backward_hook if full else module.register_backward_hook)(
        lambda *a: None)
    return module


class _NoSupport(pl.distributions.Normal):
    @property
    def support(self):
        raise NotImplementedError


def _recompile(fn, make):
    for n in range(1, pl.compiler._CACHE_LIMIT + 3):
        fn(make(n))  # USER LINE


_P = pl.nn.Parameter
_WARNING_SITES = {
    "optimizer_duplicate": ("optimizer contains a parameter group with duplicate",
                            lambda: (p := _P(pl.ones(2)), pl.optim.SGD([p, p], lr=0.1))),
    "scheduler_verbose": ("The verbose parameter is deprecated", lambda: (
        pl.optim.lr_scheduler.StepLR(pl.optim.SGD([_P(pl.ones(2))], lr=0.1), 2, verbose=True))),
    "out_resized_cat": ("An output with one or more elements was resized",
                        lambda: pl.cat([pl.ones(2), pl.ones(2)], out=pl.ones(3))),
    "module_backward_hook_output": ("For backward hooks to be called", lambda: (
        _hooked(_DictOut())(pl.ones(2, requires_grad=True)))),
    "global_hook_silenced": ("global module forward hook with ``always_call=True``",
                             _silenced_global_hook),
    "full_backward_hook_no_inputs": ("Full backward hook is firing", lambda: (
        _hooked(pl.nn.Linear(2, 2))(pl.ones(2)).sum().backward())),
    "non_full_backward_hook": ("Using a non-full backward hook", lambda: (
        _hooked(pl.nn.Sequential(pl.nn.Linear(2, 2), pl.nn.ReLU()), full=False)(
            pl.ones(2, requires_grad=True)).sum().backward())),
    "instance_norm_num_features": ("input's size at dim=1 does not match num_features",
                                   lambda: pl.nn.InstanceNorm1d(3)(pl.ones(2, 4, 5))),
    "loss_size_average_functional": ("size_average and reduce args will be deprecated",
                                     lambda: pl.nn.functional.mse_loss(
                                         pl.ones(2), pl.ones(2), size_average=False)),
    "loss_reduce_module": ("size_average and reduce args will be deprecated",
                           lambda: pl.nn.NLLLoss(reduce=False)),
    "loss_elementwise_mean": ("reduction='elementwise_mean' is deprecated", lambda: (
        pl.nn.L1Loss(reduction="elementwise_mean")(pl.ones(2), pl.ones(2)))),
    "loss_target_size_module": ("Using a target size",
                                lambda: pl.nn.MSELoss()(pl.ones(2, 1), pl.ones(2))),
    "kl_div_mean_module": ("reduction: 'mean' divides the total loss",
                           lambda: pl.nn.KLDivLoss()(pl.ones(2), pl.ones(2))),
    "multilabel_soft_margin_module": ("size_average and reduce args will be deprecated",
                                      lambda: pl.nn.MultiLabelSoftMarginLoss(
                                          size_average=False)(pl.ones(2, 3), pl.ones(2, 3))),
    "dropout2d_module": ("dropout2d: Received a 3D input",
                         lambda: pl.nn.Dropout2d()(pl.ones(2, 3, 4))),
    "dropout3d_module": ("dropout3d: Received a 3-D input",
                         lambda: pl.nn.Dropout3d()(pl.ones(2, 3, 4))),
    "distribution_no_support": ("<class", lambda: (
        _NoSupport(0.0, 1.0, validate_args=True).log_prob(pl.ones(())))),
    "compile_recompile": ("pytorch_like.compile:", lambda: (
        _recompile(pl.compile(lambda x: x * 2), pl.ones))),
    "compiled_module_recompile": ("pytorch_like.compile:", lambda: _recompile(
        pl.compile(pl.nn.Linear(2, 2)), lambda n: pl.ones(n, 2, requires_grad=True))),
}


@pytest.mark.parametrize("site", sorted(_WARNING_SITES))
def test_warning_points_at_user_line(site):
    start, trigger = _WARNING_SITES[site]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trigger()
    hits = [w for w in caught if str(w.message).startswith(start)]
    assert hits, [str(w.message)[:80] for w in caught]
    assert hits[0].filename == __file__, f"{hits[0].filename}:{hits[0].lineno}"
