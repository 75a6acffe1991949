"""torch.autograd.gradcheck / gradgradcheck / Variable, against torch's behaviour."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import pytorch_like as pl
from parity import torch
from pytorch_like.autograd.gradcheck import GradcheckError

rng = np.random.default_rng(0)
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _double(shape, lib=pl):
    return lib.tensor(rng.standard_normal(shape), dtype=lib.float64, requires_grad=True)


def _linear_function(lib):
    # The "Extending PyTorch" tutorial's LinearFunction, written the torch 2 way.
    class LinearFunction(lib.autograd.Function):
        @staticmethod
        def forward(input, weight, bias=None):
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias
    return LinearFunction


def _wrong_sin(lib):
    class WrongSin(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.sin()

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a.cos() * 2  # twice the true derivative
    return WrongSin


def test_tutorial_custom_function_passes():
    linear = _linear_function(pl).apply
    inputs = (_double((4, 5)), _double((3, 5)), _double(3))
    assert pl.autograd.gradcheck(linear, inputs, eps=1e-6, atol=1e-4) is True
    assert pl.autograd.gradcheck(linear, inputs[:2], eps=1e-6, atol=1e-4) is True
    # float64 works at double precision even with JAX's 64-bit mode off outside the check.
    assert inputs[0]._cell.a.dtype == np.dtype(pl.float64.storage)


def test_correct_functions_pass_first_and_second_order():
    x, y = _double(3), _double((2, 3))
    assert pl.autograd.gradcheck(lambda a, b: (a.sin() * b, b.sum()), (x, y))
    assert pl.autograd.gradgradcheck(lambda a: a.sin() * a, [x])


@needs_torch
def test_wrong_backward_raises_torchs_message():
    x0 = rng.standard_normal(3)

    def run(lib):
        x = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
        with pytest.raises(Exception) as e:
            lib.autograd.gradcheck(_wrong_sin(lib).apply, (x,))
        assert lib.autograd.gradcheck(_wrong_sin(lib).apply, (x,), raise_exception=False) is False
        return e.value

    ours, theirs = run(pl), run(torch)
    assert isinstance(ours, GradcheckError) and isinstance(ours, RuntimeError)
    # The message holds both Jacobians, printed as each library prints a tensor.
    head = "Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"
    assert str(ours).startswith(head) and str(theirs).startswith(head)
    for part_ours, part_theirs in zip(str(ours)[len(head):].split("\nanalytical:"),
                                      str(theirs)[len(head):].split("\nanalytical:")):
        assert part_ours.endswith("dtype=torch.float64)" + "\n" * part_ours.endswith("\n"))
        np.testing.assert_allclose(_numbers(part_ours), _numbers(part_theirs), atol=2e-4)


def _numbers(text: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text)])


def test_wrong_second_derivative_caught_by_gradgradcheck():
    class DetachedBackward(pl.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 3 * a.detach() ** 2  # right value, but no history to differentiate

    x = _double(3)
    assert pl.autograd.gradcheck(DetachedBackward.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
        pl.autograd.gradgradcheck(DetachedBackward.apply, (x,))


@needs_torch
def test_warnings_and_errors_like_torch():
    for lib in (pl, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match="Jacobian mismatch"):
                # float32 inputs: torch's warning, and finite differences too coarse to pass.
                lib.autograd.gradcheck(lambda a: a.exp(),
                                       (lib.tensor([1.0, 2.0], requires_grad=True),))
        msgs = [str(m.message) for m in w if m.category is UserWarning]
        assert msgs == ["Input #0 requires gradient and is not a double precision floating "
                        "point or complex. This check will likely fail if all the inputs are "
                        "not of double precision floating point or complex. "], lib
        with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to "
                                             "require gradient, but none of them have "
                                             "requires_grad=True."):
            lib.autograd.gradcheck(lambda a: a * 2, (lib.ones(2, dtype=lib.float64),))
        with pytest.raises(RuntimeError, match="Numerical gradient for function expected to be "
                                               "zero"):
            lib.autograd.gradcheck(lambda a: a.detach() * 2,
                                   (lib.ones(2, dtype=lib.float64, requires_grad=True),))


@needs_torch
def test_variable_is_legacy_tensor_like_torch():
    for lib in (pl, torch):
        Variable = lib.autograd.Variable
        t = lib.ones(2, requires_grad=True)
        v = Variable(t)
        assert type(v) is lib.Tensor and v is not t and not v.requires_grad and v.is_leaf
        assert Variable(lib.ones(2), requires_grad=True).requires_grad
        assert isinstance(lib.zeros(1), Variable) and not isinstance(3, Variable)
        assert isinstance(lib.nn.Parameter(lib.zeros(1)), Variable)
        assert tuple(Variable().shape) == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            Variable([1.0])
        with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
            Variable(lib.ones(1), volatile=True)
