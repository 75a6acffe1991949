"""Checks that need a tensor's values: torch's exception type and message, eagerly.

Each case runs the same code on real torch and on pytorch_like and compares what is raised
(or the values, where torch succeeds). Inside ``pytorch_like.compile`` the values are
tracers, so the value checks are skipped there: those cases only have to run.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the comparisons need torch; the compile cases do not
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="real torch is not installed")


def _outcome(fn: Callable[[Any, Any], Any], T: Any, FF: Any) -> tuple[str, Any]:
    """``("raise", (type name, message))`` or ``("value", numpy array)``."""
    try:
        out = fn(T, FF)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return "raise", (type(e).__name__, str(e))
    return "value", np.asarray(out.detach().numpy() if hasattr(out, "detach") else out)


# (id, code written once for both libraries: T is the torch module, FF its functional)
ERRORS = [
    # 1: a 0-d index/src/input counts as 1-d of size 1 (the tutorials' one-hot transform).
    ("scatter_0d_index_value",
     lambda T, FF: T.zeros(10, dtype=T.float).scatter_(0, T.tensor(3), value=1)),
    ("scatter_0d_index_0d_src", lambda T, FF: T.zeros(10).scatter(0, T.tensor(3), T.tensor(5.))),
    ("scatter_1d_index_0d_src", lambda T, FF: T.zeros(10).scatter(0, T.tensor([3]), T.tensor(5.))),
    ("scatter_0d_input", lambda T, FF: T.tensor(0.).scatter(0, T.tensor(0), T.tensor(5.))),
    ("scatter_0d_src_long_index",
     lambda T, FF: T.zeros(10).scatter(0, T.tensor([3, 4]), T.tensor(5.))),
    ("scatter_add_0d", lambda T, FF: T.zeros(10).scatter_add(0, T.tensor(3), T.tensor(2.))),
    ("gather_0d_input", lambda T, FF: T.tensor(7.).gather(0, T.tensor([0]))),
    ("gather_0d_index", lambda T, FF: T.arange(4.).gather(0, T.tensor(2))),
    ("gather_0d_both", lambda T, FF: T.tensor(1.).gather(-1, T.tensor(0))),
    # 2: gather/scatter indices are bounds-checked (negative ones too); first offender.
    ("gather_oob", lambda T, FF: T.zeros(3).gather(0, T.tensor([5]))),
    ("gather_negative", lambda T, FF: T.zeros(3).gather(0, T.tensor([-1]))),
    ("gather_first_offender", lambda T, FF: T.zeros(3).gather(0, T.tensor([1, 7, -5]))),
    ("gather_dim1", lambda T, FF: T.zeros(2, 3).gather(1, T.tensor([[5]]))),
    ("gather_0d_oob", lambda T, FF: T.tensor(1.).gather(0, T.tensor(1))),
    ("scatter_value_oob", lambda T, FF: T.zeros(3).scatter(0, T.tensor([5]), 1.)),
    ("scatter_src_oob", lambda T, FF: T.zeros(3).scatter(0, T.tensor([-1]), T.ones(1))),
    ("scatter_add_oob", lambda T, FF: T.zeros(2, 3).scatter_add(1, T.tensor([[5]]),
                                                               T.ones(1, 1))),
    ("scatter_reduce_oob",
     lambda T, FF: T.zeros(3).scatter_reduce(0, T.tensor([5]), T.ones(1), "sum")),
    # 3: embedding rows.
    ("embedding_oob", lambda T, FF: FF.embedding(T.tensor([3]), T.zeros(3, 2))),
    ("embedding_negative", lambda T, FF: FF.embedding(T.tensor([-1]), T.zeros(3, 2))),
    ("embedding_ok", lambda T, FF: FF.embedding(T.tensor([[2, 0]]), T.arange(6.).reshape(3, 2))),
    ("embedding_bag_oob",
     lambda T, FF: FF.embedding_bag(T.tensor([1, 5, 7]), T.zeros(3, 2), T.tensor([0]))),
    # 4: binary_cross_entropy's probabilities.
    ("bce_input_above", lambda T, FF: FF.binary_cross_entropy(T.tensor([1.5]), T.tensor([1.]))),
    ("bce_input_below", lambda T, FF: FF.binary_cross_entropy(T.tensor([-.5]), T.tensor([1.]))),
    ("bce_input_nan",
     lambda T, FF: FF.binary_cross_entropy(T.tensor([float("nan")]), T.tensor([1.]))),
    ("bce_target", lambda T, FF: FF.binary_cross_entropy(T.tensor([.5]), T.tensor([1.5]))),
    ("bce_both", lambda T, FF: FF.binary_cross_entropy(T.tensor([1.5]), T.tensor([3.]))),
    ("bce_module", lambda T, FF: T.nn.BCELoss()(T.tensor([.2, 1.5]), T.tensor([1., 0.]))),
    # 5: multinomial's weights.
    ("multinomial_negative", lambda T, FF: T.multinomial(T.tensor([1., -1.]), 1)),
    ("multinomial_inf", lambda T, FF: T.multinomial(T.tensor([1., float("inf")]), 1)),
    ("multinomial_nan", lambda T, FF: T.multinomial(T.tensor([1., float("nan")]), 1, True)),
    ("multinomial_zero_row", lambda T, FF: T.multinomial(T.tensor([[1., 1.], [0., 0.]]), 1)),
    ("multinomial_negative_before_zero",
     lambda T, FF: T.multinomial(T.tensor([[0., 0.], [1., -1.]]), 1)),
    ("multinomial_no_samples", lambda T, FF: T.multinomial(T.tensor([1., 1.]), 0)),
    ("multinomial_too_many", lambda T, FF: T.multinomial(T.tensor([1., 1.]), 3)),
    ("multinomial_3d", lambda T, FF: T.multinomial(T.ones(1, 1, 2), 1)),
    ("multinomial_int", lambda T, FF: T.multinomial(T.tensor([1, 2]), 1)),
    # 6: nll_loss's batch size of a 0-d target, and a 1-D input's targets.
    ("nll_0d_target", lambda T, FF: T.nn.NLLLoss()(
        T.log_softmax(T.tensor([[1., 2., 3.]]), 1), T.tensor(2))),
    ("nll_0d_target_batch2", lambda T, FF: FF.nll_loss(T.zeros(2, 3), T.tensor(1))),
    ("ce_0d_target", lambda T, FF: FF.cross_entropy(T.tensor([[1., 2., 3.]]), T.tensor(2))),
    ("nll_1d_input_long_target", lambda T, FF: FF.nll_loss(T.zeros(3), T.tensor([1, 2]))),
    ("nll_1d_input_2d_target", lambda T, FF: FF.nll_loss(T.zeros(3), T.tensor([[1]]))),
    ("nll_1d_input_0d_target", lambda T, FF: FF.nll_loss(T.zeros(3), T.tensor(1))),
    # 7: integer division by zero.
    ("floordiv_scalar", lambda T, FF: T.tensor([1]) // 0),
    ("mod_scalar", lambda T, FF: T.tensor([1]) % 0),
    ("div_floor", lambda T, FF: T.tensor([1]).div(0, rounding_mode="floor")),
    ("div_trunc", lambda T, FF: T.tensor([1]).div(0, rounding_mode="trunc")),
    ("fmod_tensor", lambda T, FF: T.fmod(T.tensor([1, 2]), T.tensor(0))),
    ("remainder_tensor", lambda T, FF: T.remainder(T.tensor([1]), T.tensor([0]))),
    ("floor_divide_some_zero", lambda T, FF: T.tensor([1, 2]) // T.tensor([1, 0])),
    ("uint8_floordiv", lambda T, FF: T.tensor([1], dtype=T.uint8) // 0),
    ("rfloordiv", lambda T, FF: 5 // T.tensor([0])),
    ("rmod", lambda T, FF: 5 % T.tensor([0])),
    ("remainder_inplace", lambda T, FF: T.tensor([1, 2]).remainder_(0)),
    ("true_div_int_zero", lambda T, FF: T.tensor([1]) / 0),
    ("float_floordiv_zero", lambda T, FF: T.tensor([1.]) // 0),
    ("int_by_float_zero", lambda T, FF: T.tensor([1]) // T.tensor([0.])),
    ("floordiv_nonzero", lambda T, FF: T.tensor([7, -7]) // T.tensor([2, 2])),
    # 8: integer negative powers; negating a bool tensor.
    ("pow_neg_scalar", lambda T, FF: T.tensor([2]) ** -1),
    ("pow_fn_neg", lambda T, FF: T.pow(T.tensor([2]), -2)),
    ("pow_inplace_neg", lambda T, FF: T.tensor([2]).pow_(-1)),
    ("pow_uint8_neg", lambda T, FF: T.tensor([2], dtype=T.uint8) ** -1),
    ("pow_bool_neg", lambda T, FF: T.tensor([True]) ** -1),
    ("pow_neg_tensor_exponent", lambda T, FF: T.tensor([2]) ** T.tensor([-1])),
    ("pow_neg_float", lambda T, FF: T.tensor([2]) ** -1.0),
    ("rpow_neg", lambda T, FF: 2 ** T.tensor([-1])),
    ("neg_bool", lambda T, FF: -T.tensor([True])),
    ("neg_fn_bool", lambda T, FF: T.neg(T.tensor([True]))),
    ("negative_bool", lambda T, FF: T.tensor([True]).negative()),
    ("neg_inplace_bool", lambda T, FF: T.tensor([True]).neg_()),
    # 9: tensors inside the data of torch.tensor stand for numbers.
    ("tensor_of_vectors", lambda T, FF: T.tensor([T.ones(2), T.ones(2)])),
    ("tensor_of_vectors_tuple", lambda T, FF: T.tensor((T.ones(2), T.ones(2)))),
    ("tensor_of_nested_vectors", lambda T, FF: T.tensor([[T.ones(2)], [T.ones(2)]])),
    ("tensor_of_one_element", lambda T, FF: T.tensor([T.ones(1), T.ones(1, 1)])),
    ("tensor_of_matrix", lambda T, FF: T.tensor([T.ones(1, 2)])),
    ("tensor_of_scalars", lambda T, FF: T.tensor([[T.tensor(1.)], [T.tensor(2.)]])),
    ("tensor_row_as_sequence", lambda T, FF: T.tensor([[1., 2.], T.ones(2)])),
    ("as_tensor_of_vectors", lambda T, FF: T.as_tensor([T.ones(2), T.ones(2)])),
    # index_select/index_add/index_copy/index_fill/take outside the dimension.
    ("index_select_range", lambda T, FF: T.zeros(3, 2).index_select(0, T.tensor([5]))),
    ("index_select_negative", lambda T, FF: T.zeros(3, 2).index_select(0, T.tensor([-1]))),
    ("index_add_range",
     lambda T, FF: T.zeros(3, 2).index_add(0, T.tensor([5]), T.ones(1, 2))),
    ("index_copy_range",
     lambda T, FF: T.zeros(3, 2).index_copy(0, T.tensor([0, 5]), T.ones(2, 2))),
    ("index_fill_range", lambda T, FF: T.zeros(3, 2).index_fill(1, T.tensor([2]), 1.0)),
    ("index_fill_negative", lambda T, FF: T.zeros(3, 2).index_fill(0, T.tensor([-1]), 1.0)),
    ("take_range", lambda T, FF: T.zeros(3, 2).take(T.tensor([1, 7]))),
    ("take_negative", lambda T, FF: T.arange(6.0).take(T.tensor([-6, -1]))),
    ("take_negative_range", lambda T, FF: T.zeros(3, 2).take(T.tensor([-7]))),
    ("bool_floor_divide", lambda T, FF: T.tensor([True]) // T.tensor([True])),
]


@needs_torch
@pytest.mark.parametrize("fn", [c[1] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_matches_torch(fn: Callable[[Any, Any], Any]) -> None:
    want = _outcome(fn, torch, TF)
    got = _outcome(fn, pl, F)
    assert got[0] == want[0], (got, want)
    if want[0] == "raise":
        assert got[1] == want[1]
    else:
        np.testing.assert_allclose(got[1], want[1])


def test_onnx() -> None:
    assert pl.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match=r"state_dict"):
        pl.onnx.export(pl.nn.Linear(2, 2), (pl.ones(1, 2),), "model.onnx")
    if torch is not None:
        assert torch.onnx.is_in_onnx_export() is False


def test_jit_helpers_behave_as_eager_torch_and_scripting_says_what_to_use() -> None:
    class Net(pl.nn.Module):
        @pl.jit.ignore
        def helper(self, x):
            return x * 2

        @pl.jit.unused
        def other(self, x):
            return x

        @pl.jit.export
        def exported(self, x):
            return x + 1

        def forward(self, x):
            if not pl.jit.is_scripting() and not pl.jit.is_tracing():
                x = self.helper(x)
            return pl.jit.annotate(list, [x])[0]

    np.testing.assert_allclose(Net()(pl.ones(2)).numpy(), [2.0, 2.0])
    assert Net().exported(1) == 2 and pl.jit.ignore(drop=True)(len)([1]) == 1
    for call in (lambda: pl.jit.script(Net()), lambda: pl.jit.trace(Net(), pl.ones(2)),
                 lambda: pl.jit.save(Net(), "m.pt"), lambda: pl.jit.load("m.pt")):
        with pytest.raises(NotImplementedError, match=r"pytorch_like\.compile.*state_dict"):
            call()
    if torch is not None:
        assert pl.jit.Final is torch.jit.Final
        assert torch.jit.is_scripting() is pl.jit.is_scripting()
        assert torch.jit.is_tracing() is pl.jit.is_tracing()


# Inside compile the values are tracers: the same code runs unchecked (the result there is
# whatever XLA gives; only that nothing is raised is tested).
COMPILED = [
    ("gather_oob", lambda x, i: x.gather(0, i), lambda: (pl.zeros(3), pl.tensor([5]))),
    ("scatter_oob", lambda x, i: x.scatter(0, i, 1.), lambda: (pl.zeros(3), pl.tensor([5]))),
    ("scatter_add_oob", lambda x, i: x.scatter_add(0, i, pl.ones(1)),
     lambda: (pl.zeros(3), pl.tensor([-1]))),
    ("one_hot_0d", lambda x, i: x.scatter(0, i, value=1.), lambda: (pl.zeros(10), pl.tensor(3))),
    ("embedding_oob", lambda w, i: F.embedding(i, w), lambda: (pl.zeros(3, 2), pl.tensor([3]))),
    ("bce_range", lambda x, y: F.binary_cross_entropy(x, y),
     lambda: (pl.tensor([1.5]), pl.tensor([3.]))),
    ("multinomial_negative", lambda p, n: pl.multinomial(p, 1) + n,
     lambda: (pl.tensor([1., -1.]), pl.tensor([0]))),
    ("floordiv_zero", lambda a, b: a // b, lambda: (pl.tensor([1]), pl.tensor([0]))),
    ("remainder_zero", lambda a, b: pl.remainder(a, b), lambda: (pl.tensor([1]), pl.tensor([0]))),
]


@pytest.mark.parametrize("fn,make", [c[1:] for c in COMPILED], ids=[c[0] for c in COMPILED])
def test_compiled_runs_unchecked(fn: Callable[..., Any], make: Callable[[], tuple]) -> None:
    args = make()
    out = pl.compile(fn)(*args)
    assert isinstance(out, pl.Tensor)


def test_compiled_one_hot_value() -> None:
    out = pl.compile(lambda x, i: x.scatter(0, i, value=1.))(pl.zeros(4), pl.tensor(2))
    np.testing.assert_array_equal(out.numpy(), [0., 0., 1., 0.])


def test_is_inference_mode_enabled():
    assert not pl.is_inference_mode_enabled()
    with pl.inference_mode():
        assert pl.is_inference_mode_enabled() and not pl.is_grad_enabled()
        with pl.inference_mode(False):
            assert not pl.is_inference_mode_enabled()
        assert pl.is_inference_mode_enabled()
    assert not pl.is_inference_mode_enabled() and pl.is_grad_enabled()

    @pl.inference_mode()
    def f():
        return pl.is_inference_mode_enabled()
    assert f() and not pl.is_inference_mode_enabled()
