"""Anomaly detection: NaN gradients and backward errors name the node and the forward line."""

from __future__ import annotations

import math
import warnings

import pytest

import pytorch_like as pl
from parity import torch
from test_autograd_function import doubling


def _nan_grad(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sqrt() * 0).sum()  # d sqrt/dx at 0 is inf; times 0 gives NaN
    return x, y


def test_nan_gradient_is_an_error_naming_the_node_and_forward_line():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = pl.autograd.detect_anomaly()
    with mode:
        assert pl.is_anomaly_enabled()
        x, y = _nan_grad(pl)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError) as err:
                y.backward()
    assert not pl.is_anomaly_enabled()
    assert str(err.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    detail = [str(w.message) for w in caught if "Error detected in" in str(w.message)]
    assert detail and detail[0].startswith("Error detected in SqrtBackward0. Traceback of "
                                           "forward call that caused the error:")
    assert "y = (x.sqrt() * 0).sum()" in detail[0]  # the forward line, from this file
    assert caught[-1].filename == __file__
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with torch.autograd.detect_anomaly():
                tx, ty = _nan_grad(torch)
                with pytest.raises(RuntimeError) as terr:
                    ty.backward()
        assert str(terr.value) == str(err.value)


def test_without_anomaly_mode_nan_flows_through():
    x, y = _nan_grad(pl)
    y.backward()
    assert math.isnan(x.grad.tolist()[0])


def test_check_nan_off_and_set_detect_anomaly_as_a_switch():
    pl.autograd.set_detect_anomaly(True, check_nan=False)
    try:
        assert pl.is_anomaly_enabled() and not pl.is_anomaly_check_nan_enabled()
        x, y = _nan_grad(pl)
        y.backward()  # NaN allowed: check_nan=False
        assert math.isnan(x.grad.tolist()[0])
    finally:
        pl.autograd.set_detect_anomaly(False)
    assert not pl.is_anomaly_enabled() and pl.is_anomaly_check_nan_enabled()
    with pl.autograd.set_detect_anomaly(True):
        assert pl.is_anomaly_enabled()
    assert not pl.is_anomaly_enabled()

    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        @pl.autograd.detect_anomaly(check_nan=False)
        def inside():
            return pl.is_anomaly_enabled(), pl.is_anomaly_check_nan_enabled()
    assert inside() == (True, False)
    assert not pl.is_anomaly_enabled() and pl.is_anomaly_check_nan_enabled()


def _broken_backward(ctx, g):
    raise ValueError("broken backward")


def test_an_error_in_a_custom_backward_reports_its_forward():
    Broken = doubling("Broken", _broken_backward)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pl.autograd.detect_anomaly():
            x = pl.ones(2, requires_grad=True)
            out = Broken.apply(x).sum()
            with pytest.raises(ValueError, match="broken backward"):
                out.backward()
    detail = [str(w.message) for w in caught if "Error detected in" in str(w.message)]
    assert detail and "Error detected in BrokenBackward" in detail[0]
    assert "out = Broken.apply(x).sum()" in detail[0]


def test_anomaly_mode_inside_compile_runs_the_step():
    model = pl.nn.Linear(3, 1)
    opt = pl.optim.SGD(model.parameters(), lr=0.1)

    @pl.compile
    def step(x):
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pl.autograd.detect_anomaly():
            first = step(pl.ones(4, 3)).item()
            second = step(pl.ones(4, 3)).item()
    assert second < first
