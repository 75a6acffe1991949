"""``torch.amp.GradScaler``: dynamic loss scaling, eager and inside ``pytorch_like.compile``.

Mirrors ``torch.amp.GradScaler(device='cuda', init_scale=2.**16, growth_factor=2.0,
backoff_factor=0.5, growth_interval=2000, enabled=True)``: ``scale(outputs)``,
``unscale_(optimizer)``, ``step(optimizer, *args, **kwargs)``, ``update(new_scale=None)``,
``get_scale()``, growth/backoff getters and setters, ``is_enabled()``, ``state_dict()`` /
``load_state_dict()``, pickling, the per-optimizer stages (unscale once per step) and torch's
error messages. As in torch, ``GradScaler('cuda')`` (the default device) on a machine without
a GPU warns and disables itself; use ``GradScaler('cpu')`` there.

How a skipped step works: the scale and the growth tracker are Tensors (a float32 and an
int32 scalar), so ``pytorch_like.compile`` carries them through the program as state.
``unscale_`` multiplies every gradient by ``1/scale`` in one jitted program that also reports
whether any gradient held an inf or NaN. In eager mode ``step`` then reads that flag and calls
``optimizer.step()`` only when it is clear (what torch does). Inside a compiled function the
flag is not a Python value, so ``step`` always runs ``optimizer.step()`` and then selects, with
``jnp.where``, the old or the new value of every parameter and every optimizer-state tensor
(moments, step counts; state the step just created falls back to the optimizer's initial
state): a skipped step leaves parameters and optimizer state as they were. ``update`` is one
``jnp.where`` program too: backoff on inf/NaN, growth after ``growth_interval`` clean steps.

Deliberate differences: one device (no per-device replicas); ``1/scale`` is computed in
float32 (torch divides in float64; the two agree for the power-of-two scales the defaults
produce); inside a compiled step whose first step is skipped, the optimizer's state exists
afterwards (at its initial values) where torch's would still be empty; optimizers with
``_step_supports_amp_scaling`` are treated like any other.

Example:
    >>> scaler = torch.amp.GradScaler('cpu')
    >>> with torch.autocast('cpu', dtype=torch.bfloat16):
    ...     loss = loss_fn(model(x), y)
    >>> scaler.scale(loss).backward()
    >>> scaler.step(optimizer)
    >>> scaler.update()
"""

from __future__ import annotations

import warnings
from collections import abc, defaultdict
from enum import Enum
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..autograd.grad_mode import _state as _grad_state
from ..tensor import Tensor

__all__ = ["OptState", "GradScaler"]


class OptState(Enum):
    """Where an optimizer is in the current iteration; mirrors torch's ``OptState``."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


@jax.jit
def _unscale_program(grads: list, inv_scale):
    """Every gradient times ``inv_scale`` (in float32, stored back in its dtype), and 1.0 if any
    gradient held an inf or NaN (checked before scaling), else 0.0."""
    found = jnp.zeros((), jnp.bool_)
    out = []
    for g in grads:
        found = found | ~jnp.all(jnp.isfinite(g))
        out.append((g.astype(jnp.float32) * inv_scale).astype(g.dtype))
    return out, found.astype(jnp.float32)


@jax.jit
def _update_program(scale, tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    """torch's ``_amp_update_scale_``: back off on inf/NaN, grow after ``growth_interval``
    consecutive clean steps (unless growing would overflow)."""
    found = found_inf > 0
    successful = tracker + 1
    grow = successful == growth_interval
    grown = scale * growth_factor
    grown = jnp.where(jnp.isfinite(grown), grown, scale)
    new_scale = jnp.where(found, scale * backoff_factor, jnp.where(grow, grown, scale))
    new_tracker = jnp.where(found | grow, jnp.zeros_like(tracker), successful)
    return new_scale.astype(jnp.float32), new_tracker.astype(jnp.int32)


@jax.jit
def _sum_found(found: list):
    out = found[0]
    for f in found[1:]:
        out = out + f
    return out


def _traced(a) -> bool:
    return isinstance(a, jax.core.Tracer)


def _rebind(t: Tensor, a) -> None:
    """Give ``t`` a new value the way an in-place op does (no autograd history)."""
    t._cell.a = a
    t._ver[0] += 1


class GradScaler:
    """Mirrors ``torch.amp.GradScaler``: scales the loss, unscales gradients, skips steps with
    inf/NaN gradients and adapts the scale.

    ``scale(loss)`` multiplies by the current scale; ``step(optimizer)`` unscales the
    gradients (unless ``unscale_`` already did) and runs ``optimizer.step()`` unless a gradient
    is inf/NaN; ``update()`` multiplies the scale by ``backoff_factor`` after a skipped step, or
    by ``growth_factor`` after ``growth_interval`` consecutive clean steps. Works eagerly and
    inside ``pytorch_like.compile`` (see the module docstring).

    Example:
        >>> scaler = torch.amp.GradScaler('cpu', init_scale=1024.0)
        >>> scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
        >>> scaler.get_scale()
        1024.0
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled:
            from .autocast_mode import _gpu_available

            if not _gpu_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available. "
                              " Disabling.", stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            # Created now rather than at the first scale() (torch's lazy init) so that a
            # compiled step sees them as state from its first call; _scaled records whether
            # scale() ran, for torch's "did not use scaler.scale" error.
            self._scale: Tensor | None = None
            self._growth_tracker: Tensor | None = None
            self._make_tensors()
            self._scaled = False
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(
                _refresh_per_optimizer_state)

    def _make_tensors(self) -> None:
        self._scale = Tensor._make(jnp.asarray(np.float32(self._init_scale)), D.float32)
        self._growth_tracker = Tensor._make(
            jnp.asarray(np.int32(self._init_growth_tracker)), D.int32)

    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Tensor, Tensor]:
        fix = ("This may indicate your script did not use scaler.scale(loss or outputs) earlier "
               "in the iteration.")
        if self._scale is None or not self._scaled:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    # -- scale --------------------------------------------------------------------------
    def scale(self, outputs):
        """Multiply a tensor, or an iterable of tensors, by the scale factor; mirrors torch.

        Returns ``outputs`` unchanged when the scaler is disabled.
        """
        if not self._enabled:
            return outputs
        self._scaled = True
        if isinstance(outputs, Tensor):
            return outputs * self._scale

        def apply_scale(val):
            if isinstance(val, Tensor):
                return val * self._scale
            if isinstance(val, abc.Iterable):
                iterable = map(apply_scale, val)
                if isinstance(val, (list, tuple)):
                    return type(val)(iterable)
                return iterable
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    # -- unscale ------------------------------------------------------------------------
    def _unscale_grads_(self, optimizer, inv_scale, allow_fp16: bool) -> dict:
        grads: list[Tensor] = []
        for group in optimizer.param_groups:
            for param in group["params"]:
                if not isinstance(param, Tensor):
                    raise AssertionError(
                        f"expected param to be torch.Tensor, got {type(param).__name__}")
                g = param._grad
                if g is None:
                    continue
                if not allow_fp16 and g._dtype is D.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                grads.append(g)
        if not grads:
            return {}
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            new, found = _unscale_program([g._cell.a for g in grads], inv_scale)
        finally:
            _grad_state.enabled = prev
        for g, a in zip(grads, new):
            if g._node is not None:
                g._node = None
            _rebind(g, a)
        return {self._scale.device: Tensor._make(found, D.float32)}

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale, in place; mirrors torch.

        Optional: ``step`` unscales when this was not called. Call it at most once per
        optimizer between ``update()`` calls (e.g. to clip the unscaled gradients).
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update().")
        if optimizer_state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = jnp.float32(1.0) / self._scale._cell.a
        optimizer_state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale,
                                                                       False)
        optimizer_state["stage"] = OptState.UNSCALED

    # -- step ---------------------------------------------------------------------------
    def _maybe_opt_step(self, optimizer, optimizer_state: dict, *args, **kwargs):
        found = [t._cell.a for t in optimizer_state["found_inf_per_device"].values()]
        flag = found[0] if len(found) == 1 else _sum_found(found)
        if not _traced(flag):
            if not float(flag):
                return optimizer.step(*args, **kwargs)
            return None
        return self._select_step(optimizer, flag, args, kwargs)

    @staticmethod
    def _select_step(optimizer, flag, args: tuple, kwargs: dict):
        """Run the step, then keep the old value of every parameter and state tensor where
        ``flag`` says a gradient was inf/NaN (a ``where`` inside the compiled program)."""
        state = optimizer.state
        before = []
        for group in optimizer.param_groups:
            for p in group["params"]:
                st = state.get(p)
                old = {k: v._cell.a for k, v in st.items() if isinstance(v, Tensor)} \
                    if st else None
                before.append((p, p._cell.a, old, group))
        retval = optimizer.step(*args, **kwargs)
        skip = flag > 0
        for p, old_p, old_st, group in before:
            if p._cell.a is not old_p:
                _rebind(p, jnp.where(skip, old_p, p._cell.a))
            st = state.get(p)
            if not st:
                continue
            if old_st is None:
                # State the skipped step created: roll it back to the optimizer's initial
                # state for this parameter.
                init = optimizer._init_state(p, group) if hasattr(optimizer, "_init_state") \
                    else {}
                old_st = {k: v._cell.a for k, v in (init or {}).items()
                          if isinstance(v, Tensor)}
            for k, v in st.items():
                if isinstance(v, Tensor) and k in old_st and v._cell.a is not old_st[k]:
                    _rebind(v, jnp.where(skip, old_st[k], v._cell.a))
        return retval

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless ``unscale_`` ran) and step unless a gradient is inf/NaN; mirrors
        torch. Returns what ``optimizer.step`` returns (None for a skipped eager step).

        ``*args``/``**kwargs`` go to ``optimizer.step``; a ``closure`` is refused, as in torch.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if optimizer_state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(optimizer_state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = self._maybe_opt_step(optimizer, optimizer_state, *args, **kwargs)
        optimizer_state["stage"] = OptState.STEPPED
        return retval

    # -- update -------------------------------------------------------------------------
    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Update the scale: backoff after a skipped step, growth after ``growth_interval``
        clean steps, or set it to ``new_scale`` (a float or a 1-element tensor); mirrors torch.
        """
        if not self._enabled:
            return
        _scale, _growth_tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                _rebind(_scale, jnp.asarray(np.float32(new_scale)))
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if new_scale.device.type != self._device:
                    raise AssertionError(reason)
                if new_scale.numel() != 1:
                    raise AssertionError(reason)
                if new_scale.requires_grad is True:
                    raise AssertionError(reason)
                _rebind(_scale, jnp.reshape(new_scale._cell.a, ()).astype(jnp.float32))
        else:
            found_infs = [f._cell.a for state in self._per_optimizer_states.values()
                          for f in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            found = found_infs[0] if len(found_infs) == 1 else _sum_found(found_infs)
            s, t = _update_program(_scale._cell.a, _growth_tracker._cell.a, found,
                                   np.float32(self._growth_factor),
                                   np.float32(self._backoff_factor),
                                   np.int32(self._growth_interval))
            _rebind(_scale, s)
            _rebind(_growth_tracker, t)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    # -- accessors ----------------------------------------------------------------------
    def _get_scale_async(self) -> Tensor | None:
        return self._scale

    def get_scale(self) -> float:
        """The current scale as a Python float (1.0 when disabled); mirrors torch."""
        if self._enabled:
            return self._init_scale if self._scale is None else float(self._scale.item())
        return 1.0

    def get_growth_factor(self) -> float:
        """The scale growth factor; mirrors torch."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the scale growth factor; mirrors torch."""
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The scale backoff factor; mirrors torch."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the scale backoff factor; mirrors torch."""
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """The growth interval; mirrors torch."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval; mirrors torch."""
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if self._enabled:
            return (self._init_growth_tracker if self._growth_tracker is None
                    else int(self._growth_tracker.item()))
        return 0

    def is_enabled(self) -> bool:
        """Whether this scaler is enabled; mirrors torch."""
        return self._enabled

    def _found_inf_per_device(self, optimizer) -> dict:
        return self._per_optimizer_states[id(optimizer)]["found_inf_per_device"]

    # -- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{'scale', 'growth_factor', 'backoff_factor', 'growth_interval',
        '_growth_tracker'}`` as Python numbers ({} when disabled); mirrors torch."""
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()`` (ours or real torch's); a no-op when disabled."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            _rebind(self._scale, jnp.asarray(np.float32(state_dict["scale"])))
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            _rebind(self._growth_tracker,
                    jnp.asarray(np.int32(state_dict["_growth_tracker"])))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning "
                                     "of an iteration, or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
            state["_scaled"] = False
            # A defaultdict with a module-level factory pickles; keep it as torch does.
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self._enabled and self._scale is None:
            self._make_tensors()
