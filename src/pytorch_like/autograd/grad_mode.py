"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode.

Mirrors ``torch.autograd.grad_mode``: each is a context manager and a decorator.
The flag is process-global (torch's is thread-local); pytorch_like runs ops from one
Python thread.
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]


class _State:
    enabled = True


_state = _State()


def is_grad_enabled() -> bool:
    """Mirrors ``torch.is_grad_enabled``."""
    return _state.enabled


class _GradMode:
    _target = True

    def __enter__(self) -> None:
        self._prev = _state.enabled
        _state.enabled = self._target

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen(*a, **k):
                with self._clone(self):
                    yield from fn(*a, **k)
            return gen

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with self._clone(self):
                return fn(*a, **k)
        return wrapper

    def _clone(self, other):
        new = object.__new__(type(other))
        new.__dict__.update(other.__dict__)
        return new


class no_grad(_GradMode):
    """Disable gradient recording; mirrors ``torch.no_grad``.

    Example:
        >>> with torch.no_grad():
        ...     y = x * 2      # y.requires_grad is False
    """

    _target = False


class enable_grad(_GradMode):
    """Enable gradient recording inside a ``no_grad`` block; mirrors ``torch.enable_grad``."""

    _target = True


class set_grad_enabled(_GradMode):
    """Set grad mode on or off; mirrors ``torch.set_grad_enabled`` (call or context manager)."""

    def __init__(self, mode: bool) -> None:
        self._prev = _state.enabled
        self._target = bool(mode)
        _state.enabled = self._target

    def __enter__(self) -> None:
        _state.enabled = self._target

    def __exit__(self, *exc) -> None:
        _state.enabled = self._prev


class inference_mode(_GradMode):
    """Mirrors ``torch.inference_mode``: here the same as ``no_grad(mode)``."""

    def __init__(self, mode: bool = True) -> None:
        self._target = not mode

    def __call__(self, fn=None):
        if fn is None:
            return self
        return super().__call__(fn)
