"""Late handles on the package and ``nn.functional`` for the ATen wrappers (``_aten_*``):
those modules are imported while the package itself is still being built."""

from __future__ import annotations


def _F():
    from ..nn import functional

    return functional


def _pl():
    import pytorch_like

    return pytorch_like
