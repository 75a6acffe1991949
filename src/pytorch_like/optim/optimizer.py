"""``Optimizer``: torch's stateful optimizer base, with one fused jitted update per group.

Mirrors ``torch.optim.Optimizer``: ``param_groups`` (a list of dicts holding each group's
hyperparameters, the defaults filled in), ``defaults``, ``state`` (a dict keyed by parameter
holding torch's state keys: ``'step'``, ``'exp_avg'``, ...), ``add_param_group``,
``zero_grad(set_to_none=True)``, ``step(closure=None)``, ``state_dict()`` /
``load_state_dict()`` in torch's layout (``{'state': {0: {...}}, 'param_groups': [{...,
'params': [0, 1]}]}``), and step pre/post hooks.

How the built-in optimizers run (:class:`_FusedOptimizer`): ``step()`` gathers every
parameter of a group that has a gradient, its gradient and its state into lists of arrays
and calls ONE cached ``jax.jit`` program that computes the whole group's update (XLA fuses
it), then rebinds each parameter and state tensor to its new array, the way an in-place op
does (version counter bumped, no autograd history). Hyperparameters (``lr``, betas, weight
decay, ...) enter that program as traced scalars, so ``group['lr'] = x`` or a scheduler
never recompiles; only structural options (``amsgrad``, ``nesterov``, ``maximize``, ...,
and whether an L2 ``weight_decay`` is zero, which saves a pass over the parameters) select
a different program. Input buffers are donated to XLA only when nothing but the
optimizer and the parameter hold them (checked by reference count), so a live autograd
graph, a ``copy.deepcopy`` of a state dict or a numpy view never sees a deleted array.

Deliberate differences: ``foreach``, ``fused``, ``capturable`` are accepted and ignored
(every step is fused); ``differentiable=True`` (differentiating through the update) is not
supported. Complex parameters are updated on their real view (``view_as_real``), as in
torch; Adafactor refuses them, as torch's does.

Example:
    >>> w = torch.randn(3, requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1)
    >>> opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
"""

from __future__ import annotations

import copy
import functools
import math
from collections import OrderedDict, defaultdict
from itertools import chain
from typing import Any, Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from ..autograd.anomaly_mode import user_stacklevel
from ..autograd.grad_mode import _state as _grad_state
from ..ops._dispatch import profiled
from ..tensor import Tensor, _exclusive

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton marking a hyperparameter a param group must specify; torch's ``required``."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class _RemovableHandle:
    """What ``register_*_hook`` returns: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> _RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _typename(obj: Any) -> str:
    if isinstance(obj, Tensor):
        from ..autograd.engine import _type_name

        return _type_name(obj._dtype)
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _wrap_step(step: Callable) -> Callable:
    """Run step hooks around ``step`` and record that it ran (for LR schedulers' warning)."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        with profiled(f"Optimizer.step#{type(self).__name__}.step",  # torch's step event
                      after=lambda: [p for g in self.param_groups for p in g["params"]]):
            for hook in list(self._optimizer_step_pre_hooks.values()):
                out = hook(self, args, kwargs)
                if out is not None:
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {out}.")
                    args, kwargs = out
            self._opt_called = True
            result = step(self, *args, **kwargs)
            for hook in list(self._optimizer_step_post_hooks.values()):
                hook(self, args, kwargs)
            return result

    wrapper._wrapped_step = True  # type: ignore[attr-defined]
    return wrapper


class Optimizer:
    """Base class of all optimizers; mirrors ``torch.optim.Optimizer``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param
    groups, each with a ``'params'`` entry and optional per-group hyperparameters).
    Subclasses implement ``step``; ``step`` of any subclass runs the registered step hooks.

    Example:
        >>> opt = torch.optim.Adam([{'params': model.body.parameters()},
        ...                         {'params': model.head.parameters(), 'lr': 1e-2}], lr=1e-3)
        >>> [g['lr'] for g in opt.param_groups]
        [0.001, 0.01]
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_wrapped_step", False):
            cls.step = _wrap_step(step)

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)
        if defaults.get("fused"):
            # torch's fused optimizers refuse these combinations (every step here is fused,
            # so ``fused`` is otherwise accepted and ignored).
            if defaults.get("differentiable"):
                raise RuntimeError("`fused` does not support `differentiable`")
            if defaults.get("foreach"):
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    # -- pickling / repr -----------------------------------------------------------------
    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        for group in self.param_groups:
            for k, v in self.defaults.items():
                if v is not required:
                    group.setdefault(k, v)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            if i:
                lines.append("")  # torch separates the groups with a blank line
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # -- param groups --------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a param group (a dict with ``'params'``); mirrors torch's checks and errors."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (
                    p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            import warnings

            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=user_stacklevel())
        seen: set = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        self._group_added(param_group)

    def _group_added(self, group: dict) -> None:
        """Called once per new param group (Adagrad initializes its state here, as torch)."""

    # -- gradients -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors; mirrors ``Optimizer.zero_grad``.

        ``set_to_none=True`` (the default) drops ``.grad``; ``False`` fills it with zeros in
        place (a held reference to the old ``.grad`` sees the zeros, as in torch).
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g._node is not None:
                        g._node = None
                    g._rg = False
                    g._cell.a = _zeros_like(g._cell.a)
                    g._ver[0] += 1

    def step(self, closure: Callable | None = None):
        """Perform one optimization step; subclasses implement it (mirrors torch)."""
        raise NotImplementedError

    # -- hooks ---------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> _RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before ``step``; may return new args."""
        h = _RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[h.id] = hook
        return h

    def register_step_post_hook(self, hook: Callable) -> _RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after ``step``."""
        h = _RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[h.id] = hook
        return h

    def register_state_dict_pre_hook(self, hook: Callable,
                                     prepend: bool = False) -> _RemovableHandle:
        """``hook(optimizer)`` runs before ``state_dict()`` builds its result."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable,
                                      prepend: bool = False) -> _RemovableHandle:
        """``hook(optimizer, state_dict)`` may return a replacement state dict."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable,
                                          prepend: bool = False) -> _RemovableHandle:
        """``hook(optimizer, state_dict)`` may return a replacement state dict to load."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> _RemovableHandle:
        """``hook(optimizer)`` runs after ``load_state_dict``."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    @staticmethod
    def _register(hooks: OrderedDict, hook: Callable, prepend: bool) -> _RemovableHandle:
        h = _RemovableHandle(hooks)
        hooks[h.id] = hook
        if prepend:
            hooks.move_to_end(h.id, last=False)
        return h

    # -- state dicts ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in torch's layout; mirrors ``Optimizer.state_dict``.

        ``{'state': {index: {key: value}}, 'param_groups': [{..., 'params': [index, ...]}]}``,
        parameters numbered in order across groups. Like torch, values are references to the
        live state tensors (``copy.deepcopy`` the result to snapshot it).
        """
        for hook in list(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        out = {"state": state, "param_groups": groups}
        for hook in list(self._optimizer_state_dict_post_hooks.values()):
            res = hook(self, out)
            if res is not None:
                out = res
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from ``state_dict()`` (ours or torch's); mirrors torch.

        Tensor values may be our tensors, numpy arrays or real torch tensors; they are copied
        (floating state cast to the parameter's dtype, ``'step'`` kept float32), so the loaded
        optimizer never shares a buffer with the dict it came from.
        """
        state_dict = dict(state_dict)
        for hook in list(self._optimizer_load_state_dict_pre_hooks.values()):
            res = hook(self, state_dict)
            if res is not None:
                state_dict = res
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: _load_value(p, key, val) for key, val in v.items()}
            else:
                state[k] = v
        new_groups = []
        for g, saved in zip(groups, saved_groups):
            saved["params"] = g["params"]
            if "param_names" in g and "param_names" not in saved:
                saved["param_names"] = g["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in list(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)


def _load_value(p: Tensor, key: str, value):
    """A fresh state value for parameter ``p`` from a loaded one (any array-like)."""
    if isinstance(value, dict):
        return {k: _load_value(p, k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return type(value)(_load_value(p, key, v) for v in value)
    if key == "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Tensor._make(jnp.asarray(float(value), jnp.float32), D.float32)
    if isinstance(value, Tensor):
        arr, dt = value._cell.a, value._dtype
        if not isinstance(arr, jax.core.Tracer):
            arr = jnp.array(arr, copy=True)
    elif hasattr(value, "__array__") and not isinstance(value, (int, float, bool)):
        host = value.detach().cpu() if hasattr(value, "detach") else value
        npv = np.asarray(host)
        if npv.dtype == object:
            return value
        dt = D.from_np(npv.dtype)
        arr = jnp.asarray(npv.astype(dt.storage))
    else:
        return value
    if key == "step":
        if dt is not D.float32:
            arr, dt = arr.astype(jnp.float32), D.float32
    elif dt.is_floating_point and p._dtype.is_floating_point and dt is not p._dtype:
        arr, dt = arr.astype(p._dtype.storage), p._dtype
    return Tensor._make(arr, dt)


@jax.jit
def _zeros_like(a):
    return jnp.zeros_like(a)


# -- the fused update ------------------------------------------------------------------------

def _float(x) -> Any:
    """A hyperparameter as a program input: Python floats stay floats, tensors give arrays."""
    if isinstance(x, Tensor):
        return x._cell.a
    return x


def _host(x) -> float:
    """A hyperparameter's Python value, for host-side derived constants (``log(beta)``)."""
    if isinstance(x, Tensor):
        return float(x)
    return float(x)


def _nonzero(x) -> bool:
    """Whether a weight decay is on. Static: a zero decay leaves the parameter out of the
    gradient's fusion (one memory pass fewer); a tensor-valued decay counts as on."""
    return isinstance(x, Tensor) or isinstance(x, jax.core.Tracer) or x != 0


def _log(x: float) -> float:
    """``log(x)`` with ``log(0) = -inf`` (beta1 = 0 gives bias correction 1)."""
    return math.log(x) if x > 0 else -math.inf


def _bias_correction(log_beta, step):
    """``1 - beta ** step`` to float32 accuracy.

    torch computes it on the host in float64; in float32 ``1 - 0.999 ** t`` loses five
    digits to cancellation, so it is written as ``-expm1(t * log(beta))`` with ``log(beta)``
    computed on the host.
    """
    return -jnp.expm1(step * log_beta)


def _sma_constants(beta2: float) -> tuple[float, float, float]:
    """Host constants for :func:`_sma_length`: ``(rho_inf, log(beta2), rho_inf - 2/L)``."""
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    lb2 = _log(beta2)
    return rho_inf, lb2, rho_inf - (2.0 / -lb2 if lb2 != 0 else math.inf)


def _sma_length(step, rho_inf, lb2, c0):
    """RAdam's ``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)`` to float32 accuracy.

    With ``L = -log(beta2)`` and ``x = t L``, ``beta2^t / (1 - beta2^t) = 1 / expm1(x)``.
    For small ``x`` the direct form cancels (``rho_inf`` ~ 2000 minus ~1995), so it uses
    ``1/expm1(x) = 1/x - 1/2 + x/12 - x^3/720 + x^5/30240 - x^7/1209600 + ...``, which gives
    ``rho_t = c0 + t - 2 t (x/12 - x^3/720 + ...)`` with ``c0 = rho_inf - 2/L`` from the host.
    """
    L = -lb2
    x = step * L
    x2 = x * x
    series = c0 + step - 2.0 * step * x * (
        1.0 / 12 - x2 * (1.0 / 720 - x2 * (1.0 / 30240 - x2 / 1209600)))
    direct = rho_inf - 2.0 * step / jnp.expm1(x)
    return jnp.where(x < 1.0, series, direct)


_TRACES = [0]  # how many times a group update was traced (tests check for no recompiles)
_PROGRAMS: dict = {}


def _real_view(a):
    return jnp.stack([a.real, a.imag], axis=-1)


def _as_real_update(update: Callable, static: tuple, hp: dict, p, g, state: dict):
    """A complex parameter's update on its real view, as torch's optimizers do
    (``torch.view_as_real`` of the parameter, its gradient and its complex state): moments
    are kept per real and imaginary part, not as complex squares. The state stays complex
    outside the update, so ``state_dict()`` holds what torch's does."""
    real_state = {k: _real_view(v) if jnp.iscomplexobj(v) else v for k, v in state.items()}
    rp = _real_view(p)
    new_p, new_s = update(static, hp, rp, _real_view(g), real_state)
    # Complex state, and state the update creates lazily in the parameter's real shape
    # (SGD's momentum buffer), goes back to complex.
    def was_complex(k, v):
        return jnp.iscomplexobj(state[k]) if k in state else v.shape == rp.shape

    new_s = {k: jax.lax.complex(v[..., 0], v[..., 1]) if was_complex(k, v) else v
             for k, v in new_s.items()}
    return jax.lax.complex(new_p[..., 0], new_p[..., 1]), new_s


def _group_program(update: Callable, static: tuple, donate: bool) -> Callable:
    key = (update, static, donate)
    fn = _PROGRAMS.get(key)
    if fn is None:
        def run(params, states, grads, hp):
            _TRACES[0] += 1
            new_p, new_s = [], []
            for p, s, g in zip(params, states, grads):
                if jnp.iscomplexobj(p):
                    np_, ns = _as_real_update(update, static, hp, p, g, s)
                else:
                    np_, ns = update(static, hp, p, g, s)
                new_p.append(np_.astype(p.dtype))
                new_s.append(ns)
            return new_p, new_s

        # Donated inputs pair with outputs by shape in order: params and states come first
        # in and out, in the same order.
        fn = _PROGRAMS[key] = jax.jit(run, donate_argnums=(0, 1) if donate else ())
    return fn


_HP_ARRAYS: dict = {}


def _hp_arrays(hp: dict) -> dict:
    """The hyperparameters as device scalars, cached by value.

    A Python float argument is converted to a device array on every call of the program
    (measured: ~80 us of the eager Adam step's dispatch for its 9 scalars); the cached arrays
    are the same weakly typed scalars that conversion makes (``jnp.asarray`` of a Python
    float), so the program, its signature and the results are unchanged. Keyed by the values
    and the x64 flag (which decides the scalars' dtype), and by each float's sign, since
    ``-0.0 == 0.0`` would otherwise share one entry; a tensor-valued hyperparameter (an
    unhashable array) leaves ``hp`` as it is.
    """
    key = (tuple(hp.items()), jax.config.jax_enable_x64,
           tuple(math.copysign(1.0, v) for v in hp.values() if type(v) is float))
    try:
        out = _HP_ARRAYS.get(key)
    except TypeError:
        return hp
    if out is None:
        if len(_HP_ARRAYS) >= 64:  # a schedule changing lr every step: keep the cache small
            _HP_ARRAYS.clear()
        out = _HP_ARRAYS[key] = {k: jnp.asarray(v) if type(v) is float else v
                                 for k, v in hp.items()}
    return out


class _FusedOptimizer(Optimizer):
    """An optimizer whose ``step`` is one jitted program per param group.

    Subclasses define ``_update(static, hp, p, g, state) -> (new_p, new_state)`` (a pure
    JAX function on one parameter's arrays; the group program maps it over the group),
    ``_hyper(group)`` (the traced scalars), ``_static(group)`` (the options that change
    the program) and ``_init_state(p, group)`` (torch's lazily created state).
    """

    @staticmethod
    def _update(static: tuple, hp: dict, p, g, state: dict):
        raise NotImplementedError

    def _hyper(self, group: dict) -> dict:
        raise NotImplementedError

    def _static(self, group: dict) -> tuple:
        return ()

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {}

    @staticmethod
    def _step_tensor(value: float = 0.0) -> Tensor:
        return Tensor._make(jnp.asarray(np.float32(value)), D.float32)

    @staticmethod
    def _zeros(p: Tensor, fill: float = 0.0) -> Tensor:
        """State shaped like ``p``, filled with ``fill``, on ``p``'s devices.

        Built on the host and transferred: ``jnp.full`` would compile one program per shape.
        """
        a = p._cell.a
        if isinstance(a, jax.core.Tracer):
            return Tensor._make(jnp.full(a.shape, fill, a.dtype), p._dtype)
        host = np.full(a.shape, fill, a.dtype)
        # Same placement and commitment as the parameter, so the state and the arrays the
        # step returns match the compiled program's input signature.
        out = (jax.device_put(host, a.sharding) if getattr(a, "_committed", False)
               else jnp.asarray(host))
        return Tensor._make(out, p._dtype)

    def step(self, closure: Callable | None = None):
        """Perform one optimization step (one fused program per group); mirrors torch.

        ``closure`` re-evaluates the model and returns the loss; it runs with grad enabled.
        Parameters whose ``.grad`` is None are skipped, as in torch.
        """
        loss = None
        if closure is not None:
            prev = _grad_state.enabled
            _grad_state.enabled = True
            try:
                loss = closure()
            finally:
                _grad_state.enabled = prev
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            for group in self.param_groups:
                self._step_group(group)
        finally:
            _grad_state.enabled = prev
        return loss

    def _step_group(self, group: dict) -> None:
        params, grads, states = [], [], []
        all_state = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            st = all_state.get(p)
            if not st:
                # An empty state (SGD without momentum) is not stored: torch's
                # ``state_dict()['state']`` stays ``{}``.
                st = self._init_state(p, group)
                if st:
                    all_state[p] = st
            params.append(p)
            grads.append(g._cell.a)
            states.append(st)
        if not params:
            return
        # A parameter listed twice cannot be donated twice in one call.
        donate = len({id(p) for p in params}) == len(params)
        for p in params if donate else ():
            if isinstance(p._cell.a, jax.core.Tracer) or not _exclusive(p._cell):
                donate = False
                break
        if donate:
            for st in states:
                for t in st.values():
                    if not isinstance(t, Tensor) or not _exclusive(t._cell):
                        donate = False
                        break
                if not donate:
                    break
        in_states = [{k: t._cell.a for k, t in st.items()} for st in states]
        fn = _group_program(type(self)._update, self._static(group), donate)
        # Every hyperparameter enters as a float (an int 0 and a float 0.1 would otherwise
        # be different program signatures).
        hp = {k: float(v) if isinstance(v, (int, float, np.number)) else v
              for k, v in self._hyper(group).items()}
        if not isinstance(params[0]._cell.a, jax.core.Tracer):
            hp = _hp_arrays(hp)
        new_params, new_states = fn([p._cell.a for p in params], in_states, grads, hp)
        for p, a in zip(params, new_params):
            p._cell.a = a
            p._ver[0] += 1
        for p, st, new in zip(params, states, new_states):
            if new and not st:
                all_state[p] = st
            for k, a in new.items():
                t = st.get(k)
                if isinstance(t, Tensor):
                    t._cell.a = a
                    t._ver[0] += 1
                else:
                    st[k] = Tensor._make(a, p._dtype if a.shape == p._cell.peek().shape
                                         else D.from_storage(a.dtype))


# -- argument checks shared by the optimizers (torch's wording) -----------------------------

def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _host(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_eps(eps) -> None:
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def _check_betas(betas) -> None:
    if not 0.0 <= _host(betas[0]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= _host(betas[1]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_weight_decay(wd) -> None:
    if not 0.0 <= _host(wd):
        raise ValueError(f"Invalid weight_decay value: {wd}")
