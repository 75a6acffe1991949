"""Change tracking that lets ``compile`` reuse its walk of the Python state between calls.

``compile`` finds a step's state by walking Modules, Optimizers and containers; walking
on every call costs more than the step itself on small models. It walks once and then,
per call, checks cheaply that nothing it walked has changed. Modules report their own
structural changes here: every ``Module.__setattr__``/``__delattr__`` and every change to
a module's ``_parameters``/``_buffers``/``_modules`` dict (a :class:`_TrackedDict`) bumps
``epoch``. Other containers are compared item by item by identity (see ``compiler``).
"""

from __future__ import annotations

epoch = [0]


def bump() -> None:
    epoch[0] += 1


class _TrackedDict(dict):
    """A plain dict except that every structural change bumps ``epoch``."""

    __slots__ = ()

    def __setitem__(self, key, value) -> None:
        epoch[0] += 1
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        epoch[0] += 1
        dict.__delitem__(self, key)

    def pop(self, *args):
        epoch[0] += 1
        return dict.pop(self, *args)

    def popitem(self):
        epoch[0] += 1
        return dict.popitem(self)

    def clear(self) -> None:
        epoch[0] += 1
        dict.clear(self)

    def update(self, *args, **kwargs) -> None:
        epoch[0] += 1
        dict.update(self, *args, **kwargs)

    def setdefault(self, key, default=None):
        epoch[0] += 1
        return dict.setdefault(self, key, default)

    def __ior__(self, other):
        epoch[0] += 1
        return dict.__ior__(self, other)
