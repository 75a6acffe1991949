"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode.

Mirrors ``torch.autograd.grad_mode``: each is a context manager and a decorator.
The flag is process-global (torch's is thread-local); pytorch_like runs ops from one
Python thread.
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    enabled = True
    inference = False


_state = _State()


def is_grad_enabled() -> bool:
    """Mirrors ``torch.is_grad_enabled``."""
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """Mirrors ``torch.is_inference_mode_enabled``: True inside ``inference_mode()``."""
    return _state.inference


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


class _NoParamGradMode(_GradMode):
    """Also usable as a bare decorator (``@torch.no_grad`` without parentheses), as in torch."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is None:
            return self
        return self(orig_func)


class no_grad(_NoParamGradMode):
    """Disable gradient recording; mirrors ``torch.no_grad``.

    Example:
        >>> with torch.no_grad():
        ...     y = x * 2      # y.requires_grad is False
    """

    _target = False


class enable_grad(_NoParamGradMode):
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

    def __call__(self, fn):
        # Used as a decorator: creating it must not change the mode of the caller.
        _state.enabled = self._prev
        return super().__call__(fn)

    def _clone(self, other):
        # Each call of a decorated function saves the mode in force at that call.
        new = object.__new__(_GradMode)
        new._target = self._target
        return new


class inference_mode(_GradMode):
    """Mirrors ``torch.inference_mode``: here the same as ``no_grad`` (for ``mode=True``).

    Deliberate difference: tensors made under it are ordinary tensors (torch marks them as
    inference tensors that autograd later refuses).
    Usable as ``with torch.inference_mode():``, ``@torch.inference_mode()`` and
    ``@torch.inference_mode``.
    """

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if isinstance(mode, bool) or mode is None:
            return self
        self._target = False
        return self(mode)

    def __init__(self, mode: bool = True) -> None:
        if isinstance(mode, bool):
            self._target = not mode

    def __enter__(self) -> None:
        self._prev_inference = _state.inference
        _state.inference = not self._target
        super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        _state.inference = self._prev_inference

    def __call__(self, fn=None):
        if fn is None:
            return self
        return super().__call__(fn)
