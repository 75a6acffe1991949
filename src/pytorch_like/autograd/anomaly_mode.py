"""Anomaly detection: which forward line made the backward fail, and NaN checks.

Mirrors ``torch.autograd.detect_anomaly`` / ``set_detect_anomaly``: while enabled, every
recorded op keeps the traceback of its forward call; when a node's backward raises, or
(with ``check_nan``) returns NaN, a ``UserWarning`` shows that traceback and the error
names the node (``Function 'SqrtBackward0' returned nan values in its 0th output.``).
Inside ``compile`` the values are not known while tracing, so only errors are reported.

Example:
    >>> with torch.autograd.detect_anomaly():
    ...     x.sqrt().sum().backward()   # NaN gradient at 0: the error names SqrtBackward0
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _State:
    enabled = False
    check_nan = True


_state = _State()


def is_anomaly_enabled() -> bool:
    """Mirrors ``torch.is_anomaly_enabled``."""
    return _state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Mirrors ``torch.is_anomaly_check_nan_enabled``."""
    return _state.check_nan


class _Switch:
    """Sets anomaly mode while entered; restores the previous setting on exit."""

    def __init__(self, mode: bool, check_nan: bool) -> None:
        self.mode, self.check_nan = mode, check_nan

    def __enter__(self) -> None:
        self._prev = (_state.enabled, _state.check_nan)
        _state.enabled, _state.check_nan = self.mode, self.check_nan

    def __exit__(self, *exc) -> None:
        _state.enabled, _state.check_nan = self._prev


class detect_anomaly(_Switch):
    """Mirrors ``torch.autograd.detect_anomaly``: a context manager (and decorator)."""

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True, check_nan)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _Switch(True, self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(_Switch):
    """Mirrors ``torch.autograd.set_detect_anomaly(mode, check_nan=True)``: switches anomaly
    detection on or off at once; as a context manager, restores the previous setting."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(mode, check_nan)
        super().__enter__()  # takes effect now, not only inside ``with``

    def __enter__(self) -> None:
        pass


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _in_package(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE)


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised by the caller point at the first
    frame outside the package: the user's line."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _in_package(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    return level


def forward_trace() -> str:
    """The user's part of the current stack, kept by a node recorded in anomaly mode."""
    frames = [f for f in traceback.extract_stack() if not _in_package(f.filename)]
    return "".join(traceback.format_list(frames))


def report(node) -> None:
    """Warn with the forward traceback of ``node`` (torch's message)."""
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                  f"the error:\n{node.trace or ''}", UserWarning, stacklevel=user_stacklevel())
